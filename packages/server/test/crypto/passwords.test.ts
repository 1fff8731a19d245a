import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  NATIVE_ALGORITHM, decoyOf, fromKeycloakCredential, hashPassword, needsRehash, passwordKind, verifyAmongDecoys, verifyPassword,
  type StoredPassword,
} from '../../src/crypto/passwords.js';
import { keycloakPbkdf2 } from '../helpers/keycloak-credentials.js';
import { FIXTURES, NO_FIXTURES } from '../helpers/server.js';

describe('password hashing', () => {
  it('argon2id: a hash verifies its password and no other', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.equal(stored.algorithm, NATIVE_ALGORITHM);
    assert.equal(stored.algorithm, 'argon2id');
    assert.match(stored.data, /^\$argon2id\$v=19\$/);
    assert.ok(!stored.data.includes('correct horse'));
    assert.equal(await verifyPassword(stored, 'correct horse battery staple'), true);
    assert.equal(await verifyPassword(stored, 'correct horse battery stapl'), false);
    assert.equal(await verifyPassword(stored, ''), false);
  });

  it('argon2id: the same password hashes differently each time (salted)', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    assert.notEqual(a.data, b.data);
    assert.equal(await verifyPassword(a, 'same'), true);
    assert.equal(await verifyPassword(b, 'same'), true);
  });

  it('argon2id: non-ASCII passwords round-trip', async () => {
    const stored = await hashPassword('pässwörd-密码-🔑');
    assert.equal(await verifyPassword(stored, 'pässwörd-密码-🔑'), true);
    assert.equal(await verifyPassword(stored, 'passwörd-密码-🔑'), false);
  });

  for (const algorithm of ['pbkdf2-sha256', 'pbkdf2-sha512', 'pbkdf2'] as const) {
    for (const legacyShape of [false, true]) {
      it(`Keycloak ${algorithm} (${legacyShape ? 'without' : 'with'} additionalParameters) verifies the password and no other`, async () => {
        const { secretData, credentialData } = keycloakPbkdf2('kc-password', algorithm, { legacyShape });
        const stored = fromKeycloakCredential(secretData, credentialData);
        assert.equal(stored.algorithm, `keycloak:${algorithm}`);
        assert.equal(await verifyPassword(stored, 'kc-password'), true);
        assert.equal(await verifyPassword(stored, 'kc-passwore'), false);
        assert.equal(await verifyPassword(stored, ''), false);
      });
    }
  }

  it('the sha256 and sha512 variants are not interchangeable', async () => {
    const { secretData, credentialData } = keycloakPbkdf2('kc-password', 'pbkdf2-sha256');
    const mislabelled = credentialData.replace('pbkdf2-sha256', 'pbkdf2-sha512');
    assert.equal(await verifyPassword(fromKeycloakCredential(secretData, mislabelled), 'kc-password'), false);
  });

  it('Keycloak argon2 credentials from the iceberg fixture verify their documented password', { skip: NO_FIXTURES }, async () => {
    const realm = JSON.parse(readFileSync(join(FIXTURES, 'full-export-kc26-lakekeeper.json'), 'utf8'));
    const peter = realm.users.find((u: any) => u.username === 'peter').credentials[0];
    const stored = fromKeycloakCredential(peter.secretData, peter.credentialData);
    assert.equal(stored.algorithm, 'keycloak:argon2');
    assert.equal(await verifyPassword(stored, 'iceberg'), true);
    assert.equal(await verifyPassword(stored, 'Iceberg'), false);
  });

  it('Keycloak pbkdf2-sha256 credentials from the jhipster fixture verify their documented password', { skip: NO_FIXTURES }, async () => {
    const realm = JSON.parse(readFileSync(join(FIXTURES, 'users-hashed-kc23-jhipster.json'), 'utf8'));
    const admin = realm.users.find((u: any) => u.username === 'admin').credentials[0];
    const stored = fromKeycloakCredential(admin.secretData, admin.credentialData);
    assert.equal(await verifyPassword(stored, 'admin'), true);
    assert.equal(await verifyPassword(stored, 'user'), false);
  });

  it('an unsupported Keycloak algorithm is refused at import', () => {
    const { secretData } = keycloakPbkdf2('x', 'pbkdf2-sha256');
    assert.throws(() => fromKeycloakCredential(secretData, JSON.stringify({ hashIterations: 1, algorithm: 'bcrypt' })), /unsupported/i);
  });

  it('a credential with an empty hash is refused at import and, if stored anyway, verifies no password', async () => {
    const secretData = JSON.stringify({ value: '', salt: randomBytes(16).toString('base64') });
    const credentialData = JSON.stringify({ hashIterations: 27500, algorithm: 'pbkdf2-sha256' });
    assert.throws(() => fromKeycloakCredential(secretData, credentialData), /no usable hash/);
    const stored = { algorithm: 'keycloak:pbkdf2-sha256', data: JSON.stringify({ secretData: JSON.parse(secretData), credentialData: JSON.parse(credentialData) }) };
    assert.equal(await verifyPassword(stored, 'anything at all'), false);
  });

  it('damaged or unknown stored data verifies nothing and does not throw', async () => {
    const cases: StoredPassword[] = [
      { algorithm: 'argon2id', data: 'not a phc string' },
      { algorithm: 'keycloak:pbkdf2-sha256', data: '{not json' },
      { algorithm: 'md5', data: '5f4dcc3b5aa765d61d8327deb882cf99' },
    ];
    for (const stored of cases) assert.equal(await verifyPassword(stored, 'password'), false, JSON.stringify(stored));
  });

  it('needsRehash: imported formats yes, argon2id no', async () => {
    assert.equal(needsRehash(await hashPassword('x')), false);
    for (const algorithm of ['pbkdf2', 'pbkdf2-sha256', 'pbkdf2-sha512'] as const) {
      const { secretData, credentialData } = keycloakPbkdf2('x', algorithm);
      assert.equal(needsRehash(fromKeycloakCredential(secretData, credentialData)), true, algorithm);
    }
    assert.equal(needsRehash({ algorithm: 'keycloak:argon2', data: '{}' }), true);
  });

  it('kinds: two hashes of one algorithm and parameters are one kind, whatever their salt and hash; other parameters another', async () => {
    const kc = (iterations: number) => {
      const { secretData, credentialData } = keycloakPbkdf2('pw', 'pbkdf2-sha512', { iterations });
      return fromKeycloakCredential(secretData, credentialData);
    };
    const [a, b, c] = [kc(1000), kc(1000), kc(2000)];
    assert.equal(passwordKind(a), passwordKind(b));
    assert.notEqual(passwordKind(a), passwordKind(c));
    const [x, y] = await Promise.all([hashPassword('one'), hashPassword('two')]);
    assert.equal(passwordKind(x), passwordKind(y));
    assert.ok(!passwordKind(x).includes(x.data.split('$')[4]), 'no salt in the kind');
    assert.notEqual(passwordKind(x), passwordKind(a));
  });

  it('a decoy is of the kind it copies and verifies no password, not even that one', async () => {
    const { secretData, credentialData } = keycloakPbkdf2('pw', 'pbkdf2-sha256', { iterations: 1000 });
    const stored = fromKeycloakCredential(secretData, credentialData);
    const [decoy] = decoyOf(stored);
    assert.equal(passwordKind(decoy), passwordKind(stored));
    assert.notEqual(decoy.data, stored.data);
    assert.equal(await verifyPassword(decoy, 'pw'), false);
    assert.deepEqual(decoyOf({ algorithm: 'keycloak:pbkdf2', data: 'not json' }), [], 'nothing to copy, no decoy');
  });

  it('checking among decoys answers for the password alone: true for the right one, false for a wrong one or none', async () => {
    const { secretData, credentialData } = keycloakPbkdf2('kc-pw', 'pbkdf2-sha512', { iterations: 1000 });
    const imported = fromKeycloakCredential(secretData, credentialData);
    const native = await hashPassword('native-pw');
    const decoys = new Map([await hashPassword('decoy'), ...decoyOf(imported)].map((d) => [passwordKind(d), d]));
    assert.equal(await verifyAmongDecoys(native, 'native-pw', decoys), true);
    assert.equal(await verifyAmongDecoys(imported, 'kc-pw', decoys), true);
    assert.equal(await verifyAmongDecoys(imported, 'native-pw', decoys), false);
    assert.equal(await verifyAmongDecoys(undefined, 'decoy', decoys), false, 'no user: never true, even for the decoy\'s own password');
  });
});
