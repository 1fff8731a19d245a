import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { claimsOf } from '../helpers/oidc.js';
import { assertProtocolError, clientCredentials, passwordGrant, userinfo } from '../helpers/http.js';
import { FIXTURES, NO_FIXTURES, startServer, type TestServer } from '../helpers/server.js';

const files = NO_FIXTURES ? [] : readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort().map((f) => join(FIXTURES, f));
const fixture = (realm: string) => files.map((f) => JSON.parse(readFileSync(f, 'utf8'))).find((r) => r.realm === realm);
const secretOf = (realm: string, clientId: string): string => fixture(realm).clients.find((c: any) => c.clientId === clientId).secret;

interface SignIn {
  realm: string;
  clientId: string;
  secret?: string;
  username: string;
  password: string;
  /** How the fixture stores the password, as the importer records it. */
  stored: string;
}

// Known passwords, documented in SOURCES.md; each signs in with a client that has direct access grants.
const SIGN_INS: SignIn[] = [
  { realm: 'quickstart', clientId: 'jakarta-jaxrs-resource-server', secret: 'secret', username: 'alice', password: 'alice', stored: 'argon2id' },
  { realm: 'quickstart', clientId: 'jakarta-jaxrs-resource-server', secret: 'secret', username: 'admin', password: 'admin', stored: 'argon2id' },
  { realm: 'jhipster', clientId: 'admin-cli', username: 'admin', password: 'admin', stored: 'keycloak:pbkdf2-sha256' },
  { realm: 'jhipster', clientId: 'admin-cli', username: 'user', password: 'user', stored: 'keycloak:pbkdf2-sha256' },
  { realm: 'iceberg', clientId: 'admin-cli', username: 'peter', password: 'iceberg', stored: 'keycloak:argon2' },
  { realm: 'iceberg', clientId: 'admin-cli', username: 'anna', password: 'iceberg', stored: 'keycloak:argon2' },
  { realm: 'master', clientId: 'admin-cli', username: 'admin', password: 'admin', stored: 'keycloak:argon2' },
  { realm: 'master', clientId: 'ort-server-cli', username: 'ort-admin', password: 'password', stored: 'keycloak:pbkdf2-sha256' },
];

function passwordAlgorithm(dataDir: string, realm: string, username: string): string | undefined {
  const db = new Database(join(dataDir, 'latchkey.db'), { fileMustExist: true, timeout: 5000 });
  try {
    const row = db.prepare(`
      SELECT p.algorithm FROM passwords p
      JOIN users u ON u.id = p.user_id JOIN realms r ON r.id = u.realm_id
      WHERE r.name = ? AND u.username = ?`).get(realm, username) as { algorithm: string } | undefined;
    return row?.algorithm;
  } finally {
    db.close();
  }
}

describe('Keycloak realm exports in shared/fixtures/keycloak', { skip: NO_FIXTURES }, () => {
  let server: TestServer;
  let dataDir: string;
  before(async () => {
    assert.equal(files.length, 4, `fixtures found in ${FIXTURES}`);
    // Kept on stop: the last test starts again over it.
    server = await startServer({ importFiles: files, keepData: true });
    dataDir = server.dataDir;
  });
  after(async () => {
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const signIn = (s: SignIn, password = s.password) => passwordGrant(server, s.realm, s.clientId, s.secret, s.username, password);

  it('imports every file in one start, the exported master in place of the bootstrap one', () => {
    for (const realm of ['iceberg', 'quickstart', 'master', 'jhipster']) {
      assert.match(server.output(), new RegExp(`Imported realm ${realm} from `), server.output());
    }
    assert.doesNotMatch(server.output(), /generated password/, 'no bootstrap administrator over an imported master');
  });

  it('keeps each fixture password in its imported form until first use', () => {
    for (const s of SIGN_INS) {
      assert.equal(passwordAlgorithm(server.dataDir, s.realm, s.username), s.stored, `${s.realm}/${s.username}`);
    }
  });

  for (const s of SIGN_INS) {
    it(`${s.realm}: ${s.username} signs in with the password grant (${s.stored}), and with a wrong password does not`, async () => {
      const ok = await signIn(s);
      assert.equal(ok.status, 200, ok.text);
      const access = claimsOf(ok.json.access_token);
      assert.equal(access.iss, server.issuer(s.realm));
      assert.equal(access.azp, s.clientId);
      assert.equal(access.preferred_username, s.username);

      const wrong = await signIn(s, `${s.password}-wrong`);
      assertProtocolError(wrong, 400, 'invalid_grant');
    });
  }

  it('rehashes every imported password with argon2id at first sign-in, and the rehashed one still works', async () => {
    for (const s of SIGN_INS) {
      assert.equal(passwordAlgorithm(server.dataDir, s.realm, s.username), 'argon2id', `${s.realm}/${s.username}`);
      const again = await signIn(s);
      assert.equal(again.status, 200, `${s.realm}/${s.username}: ${again.text}`);
      assertProtocolError(await signIn(s, 'nope'), 400, 'invalid_grant');
    }
  });

  it('userinfo of an imported user carries the exported profile', async () => {
    const s = SIGN_INS[0];
    const ok = await passwordGrant(server, s.realm, s.clientId, s.secret, s.username, s.password, { scope: 'openid' });
    const info = await userinfo(server, 'quickstart', ok.json.access_token);
    assert.equal(info.status, 200, info.text);
    assert.equal(info.json.email, 'alice@keycloak.org');
    assert.equal(info.json.name, 'Alice Liddel');
    assert.deepEqual(claimsOf(ok.json.access_token).realm_access.roles.sort(), ['offline_access', 'user']);
  });

  it('client credentials work for exported confidential clients with service accounts', async () => {
    for (const [realm, clientId] of [['iceberg', 'spark'], ['master', 'ort-server-backend']]) {
      const res = await clientCredentials(server, realm, clientId, secretOf(realm, clientId), { scope: 'openid' });
      assert.equal(res.status, 200, `${realm}/${clientId}: ${res.text}`);
      const access = claimsOf(res.json.access_token);
      assert.equal(access.client_id, clientId);
      assert.equal(access.iss, server.issuer(realm));
      const info = await userinfo(server, realm, res.json.access_token);
      assert.equal(info.status, 200, info.text);
      assert.equal(info.json.preferred_username, `service-account-${clientId}`);
      assertProtocolError(await clientCredentials(server, realm, clientId, 'wrong-secret'), 401, 'invalid_client');
    }
  });

  it('an exported bearer-only client is refused, and a client without direct access grants cannot use the password grant', async () => {
    const bearerOnly = await clientCredentials(server, 'iceberg', 'realm-management', 'anything');
    assert.ok(bearerOnly.status === 400 || bearerOnly.status === 401, bearerOnly.text);
    assertProtocolError(
      await passwordGrant(server, 'jhipster', 'web_app', undefined, 'admin', 'admin'),
      400, 'unauthorized_client',
    );
  });

  it('a restart over the same data dir with the same imports skips them and keeps the data', async () => {
    const before = await signIn(SIGN_INS[6]);
    assert.equal(before.status, 200, before.text);
    const kidsBefore = await kids(server, 'master');
    await server.stop();
    server = await startServer({ importFiles: files, dataDir });

    for (const file of files) {
      const realm = JSON.parse(readFileSync(file, 'utf8')).realm;
      assert.ok(server.output().includes(`Realm ${realm} already exists: import of ${file} skipped`), server.output());
    }
    assert.doesNotMatch(server.output(), /Imported realm/);
    for (const s of SIGN_INS) {
      assert.equal(passwordAlgorithm(dataDir, s.realm, s.username), 'argon2id', `${s.realm}/${s.username} kept its rehashed password`);
      const res = await signIn(s);
      assert.equal(res.status, 200, `${s.realm}/${s.username}: ${res.text}`);
    }
    // Keys and sessions survived: the same signing keys, and a refresh token from before the restart still works.
    // (An access token from before would not: the issuer names the port, which changed.)
    assert.deepEqual(await kids(server, 'master'), kidsBefore);
    const refreshed = await refreshAtMaster(server, before.json.refresh_token);
    assert.equal(refreshed.status, 200, refreshed.text);
  });
});

async function kids(server: TestServer, realm: string): Promise<string[]> {
  const res = await fetch(`${server.url}/realms/${realm}/protocol/openid-connect/certs`);
  return ((await res.json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid).sort();
}

function refreshAtMaster(server: TestServer, refreshToken: string) {
  return fetch(`${server.url}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'admin-cli', refresh_token: refreshToken }).toString(),
  }).then(async (r) => ({ status: r.status, text: await r.text() }));
}
