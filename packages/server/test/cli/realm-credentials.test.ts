// How `latchkey realm export` writes password hashes, checked in process: the form Keycloak
// reads, and that Latchkey's importer verifies the same password with it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromKeycloakCredential, hashPassword, verifyPassword } from '../../src/crypto/passwords.js';
import { credentialOf } from '../../src/export/keycloak.js';

const T = 1_700_000_000;

describe('exported password credentials', () => {
  it('an argon2id hash becomes Keycloak\'s argon2 credential, which imports and verifies the same password', async () => {
    const stored = await hashPassword('correct horse');
    const credential = credentialOf({ userId: 'u', ...stored, createdAt: T }, 'ada');
    assert.equal(credential.type, 'password');
    assert.equal(credential.createdDate, T * 1000);
    const secretData = JSON.parse(credential.secretData!);
    const credentialData = JSON.parse(credential.credentialData!);
    assert.deepEqual(Object.keys(secretData).sort(), ['additionalParameters', 'salt', 'value']);
    assert.match(secretData.value, /^[A-Za-z0-9+/]+={0,2}$/, 'standard base64, padded, as Keycloak writes it');
    assert.equal(secretData.value.length % 4, 0);
    assert.deepEqual(credentialData, {
      hashIterations: 2, algorithm: 'argon2',
      additionalParameters: { hashLength: ['32'], memory: ['19456'], type: ['id'], version: ['1.3'], parallelism: ['1'] },
    });
    const imported = fromKeycloakCredential(credential.secretData!, credential.credentialData!);
    assert.equal(imported.algorithm, 'keycloak:argon2');
    assert.equal(await verifyPassword(imported, 'correct horse'), true);
    assert.equal(await verifyPassword(imported, 'correct horse!'), false);
  });

  it('a hash imported from Keycloak goes back as it came', () => {
    const secretData = '{"value":"4pf9K2jWSCcHC+CwsZP/qidN5pSmDUe6AX6wBerSGdBVKkExay8MWKx+EKmaaObZW6FVsD8vdW/ZsyUFD9gJ1Q==","salt":"1/qNkZ5kr77jOMOBPBogGw=="}';
    const credentialData = '{"hashIterations":27500,"algorithm":"pbkdf2-sha256"}';
    const stored = fromKeycloakCredential(secretData, credentialData);
    const credential = credentialOf({ userId: 'u', ...stored, createdAt: T }, 'admin');
    assert.equal(credential.secretData, secretData);
    assert.equal(credential.credentialData, credentialData);
  });

  it('a hash it cannot express is refused, naming the user', () => {
    assert.throws(() => credentialOf({ userId: 'u', algorithm: 'bcrypt', data: '$2b$...', createdAt: T }, 'ada'), /user ada: .*"bcrypt"/);
    assert.throws(() => credentialOf({ userId: 'u', algorithm: 'argon2id', data: 'not-phc', createdAt: T }, 'ada'), /user ada: .*PHC/);
  });
});
