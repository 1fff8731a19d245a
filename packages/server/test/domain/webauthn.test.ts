// WebAuthn credentials and policies as Keycloak's realm files have them, checked in process:
// credentials in and out of an export, policies read with Keycloak's defaults and its values only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { credentialFromKeycloak, credentialToKeycloak } from '../../src/domain/credentials.js';
import { relyingParty, webAuthnPolicyOf } from '../../src/domain/webauthn.js';
import { realmSettings, realmWebAuthnFields } from '../../src/import/keycloak.js';

const DATA = {
  aaguid: '01020304-0506-0708-0102-030405060708', credentialId: 'q83vEjRWeJA=', credentialPublicKey: 'pQECAyYgASFYIA==', counter: 7,
  attestationStatementFormat: 'none', transports: ['usb'],
};

describe('WebAuthn in realm files', () => {
  const box = SecretBox.fromKey(randomBytes(32));

  it('a passkey from Keycloak keeps its counter and goes back out as it came, secretData {}', async () => {
    const rep = { type: 'webauthn-passwordless', userLabel: 'Laptop', createdDate: 1_700_000_000_000, secretData: '{}', credentialData: JSON.stringify(DATA) };
    const record = (await credentialFromKeycloak(box, 'realm', 'user', rep, 10))!;
    assert.equal(record.type, 'webauthn-passwordless');
    assert.equal(record.counter, 7);
    const out = await credentialToKeycloak(box, { ...record, counter: 9 });
    assert.equal(out.secretData, '{}');
    assert.deepEqual(JSON.parse(out.credentialData!), { ...DATA, counter: 9 });
    // Keycloak may leave secretData out of a WebAuthn credential.
    const bare = await credentialFromKeycloak(box, 'realm', 'user', { type: 'webauthn', credentialData: JSON.stringify(DATA) }, 10);
    assert.equal(bare?.type, 'webauthn');
  });

  it('a WebAuthn credential without its key is refused, saying what is missing', async () => {
    const { credentialPublicKey: _, ...keyless } = DATA;
    await assert.rejects(credentialFromKeycloak(box, 'realm', 'user', { type: 'webauthn', secretData: '{}', credentialData: JSON.stringify(keyless) }, 10),
      /webauthn credential: credentialData needs credentialId and credentialPublicKey/);
  });

  it('the policies: Keycloak\'s defaults, the file\'s values where Keycloak would take them', () => {
    const settings = realmSettings({
      realm: 'r', webAuthnPolicyRpEntityName: 'Shop', webAuthnPolicyUserVerificationRequirement: 'always',
      webAuthnPolicyPasswordlessSignatureAlgorithms: ['ES256', 'EdDSA'], webAuthnPolicyPasswordlessCreateTimeout: 30,
      webAuthnPolicyPasswordlessRequireResidentKey: 'Yes', webAuthnPolicySignatureAlgorithms: ['HS256'],
    });
    const fields = realmWebAuthnFields({ ...settings } as never);
    assert.equal(fields.webAuthnPolicyRpEntityName, 'Shop');
    assert.equal(fields.webAuthnPolicyUserVerificationRequirement, 'not specified', 'a value Keycloak does not know is left out');
    assert.deepEqual(fields.webAuthnPolicySignatureAlgorithms, ['ES256', 'RS256']);
    assert.deepEqual(fields.webAuthnPolicyPasswordlessSignatureAlgorithms, ['ES256', 'EdDSA']);
    assert.equal(fields.webAuthnPolicyPasswordlessCreateTimeout, 30);
    assert.equal(fields.webAuthnPolicyPasswordlessRequireResidentKey, 'Yes');
    assert.equal(fields.webAuthnPolicyPasswordlessRpEntityName, 'keycloak');
    assert.deepEqual(fields.webAuthnPolicyExtraOrigins, []);
  });

  it('the relying party: the policy\'s id, else the sign-in pages\' host; their origin and the extra ones', () => {
    const policy = webAuthnPolicyOf({ webAuthnPolicy: { extraOrigins: ['android:apk-key-hash:abc'] } } as never, false);
    assert.deepEqual(relyingParty(policy, 'https://id.example.com:8443'),
      { id: 'id.example.com', name: 'keycloak', origins: ['https://id.example.com:8443', 'android:apk-key-hash:abc'] });
    assert.equal(relyingParty({ ...policy, rpId: 'example.com' }, 'https://id.example.com').id, 'example.com');
  });
});
