import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { claimsOf, client, rp } from '../helpers/oidc.js';
import { demoRealm, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

describe('password grant', () => {
  let server: TestServer;
  const locking = {
    realm: 'locking', bruteForceProtected: true, failureFactor: 3, waitIncrementSeconds: 60, maxFailureWaitSeconds: 900,
    clients: [{ clientId: 'app', publicClient: true, directAccessGrantsEnabled: true }],
    users: [{ username: 'carol', enabled: true, credentials: [{ type: 'password', value: 'carol-pw' }] }],
  };
  before(async () => { server = await startServer({ realms: [demoRealm(), locking] }); });
  after(async () => { await server.stop(); });

  it('signs a user in, case-insensitively by username, with an ID token for scope openid', async () => {
    const config = await rp(server, 'demo', 'webapp', 'webapp-secret');
    const tokens = await client.genericGrantRequest(config, 'password', {
      username: 'ALICE', password: 'alice-pw', scope: 'openid phone',
    });
    assert.ok(tokens.refresh_token);
    assert.ok(tokens.id_token, 'openid scope gives an ID token');
    // openid-client has validated the ID token: signature, iss, aud, exp, iat.
    const id = tokens.claims()!;
    assert.equal(id.aud, 'webapp');
    assert.equal(id.azp, 'webapp');
    assert.equal(id.preferred_username, 'alice');
    assert.equal(id.email, 'alice@example.com');
    assert.equal(id.phone_number, '+31 20 123 4567');
    assert.equal(id.department, 'research', 'custom resource claim from the client mapper');
    assert.ok(id.sid && id.auth_time && id.at_hash);
    const access = claimsOf(tokens.access_token);
    assert.equal(access.scope, 'openid profile email phone');
    assert.equal(access.sid, id.sid);
  });

  it('accepts the email address in place of the username, as Keycloak does by default', async () => {
    const config = await rp(server, 'demo', 'webapp', 'webapp-secret');
    const tokens = await client.genericGrantRequest(config, 'password', { username: 'ALICE@example.com', password: 'alice-pw' });
    assert.equal(claimsOf(tokens.access_token).preferred_username, 'alice');
  });

  it('works for a public client and gives no refresh token to a client that has them off', async () => {
    const spa = await rp(server, 'demo', 'spa');
    const publicTokens = await client.genericGrantRequest(spa, 'password', { username: 'alice', password: 'alice-pw' });
    assert.ok(publicTokens.access_token);
    const noRefresh = await rp(server, 'demo', 'no-refresh', 'nr-secret');
    const tokens = await client.genericGrantRequest(noRefresh, 'password', { username: 'alice', password: 'alice-pw' });
    assert.equal(tokens.refresh_token, undefined);
  });

  it('refuses wrong passwords, unknown users, disabled accounts and clients without direct grants', async () => {
    const url = realmUrl(server, 'demo', '/protocol/openid-connect/token');
    const base = { grant_type: 'password', client_id: 'webapp', client_secret: 'webapp-secret' };
    const wrong = await postForm(url, { ...base, username: 'alice', password: 'nope' });
    assert.deepEqual([wrong.status, wrong.json.error, wrong.json.error_description], [400, 'invalid_grant', 'Invalid user credentials']);
    const unknown = await postForm(url, { ...base, username: 'nobody', password: 'nope' });
    assert.deepEqual([unknown.status, unknown.json.error_description], [400, 'Invalid user credentials']);
    const disabled = await postForm(url, { ...base, username: 'bob', password: 'bob-pw' });
    assert.deepEqual([disabled.status, disabled.json.error_description], [400, 'Account disabled']);
    const machine = await postForm(url, { grant_type: 'password', client_id: 'machine', client_secret: 'machine-secret', username: 'alice', password: 'alice-pw' });
    assert.deepEqual([machine.status, machine.json.error], [400, 'unauthorized_client']);
  });

  it("locks an account after the realm's failureFactor wrong passwords, even for the right one", async () => {
    const url = realmUrl(server, 'locking', '/protocol/openid-connect/token');
    const attempt = (password: string) => postForm(url, { grant_type: 'password', client_id: 'app', username: 'carol', password });
    for (let i = 0; i < 3; i++) assert.equal((await attempt('wrong')).json.error_description, 'Invalid user credentials');
    const locked = await attempt('carol-pw');
    // The lockout says what a wrong password or an unknown user says: it must not tell which accounts exist.
    assert.deepEqual([locked.status, locked.json.error, locked.json.error_description], [400, 'invalid_grant', 'Invalid user credentials']);
    const unknown = await postForm(url, { grant_type: 'password', client_id: 'app', username: 'nobody-at-all', password: 'carol-pw' });
    assert.deepEqual(locked.json, unknown.json);
  });

  it('answers offline_access with an offline token for a user who holds the role', async () => {
    const config = await rp(server, 'demo', 'webapp', 'webapp-secret');
    const tokens = await client.genericGrantRequest(config, 'password', { username: 'alice', password: 'alice-pw', scope: 'offline_access' });
    assert.equal(tokens.refresh_expires_in, 0);
    assert.match(claimsOf(tokens.access_token).scope, /offline_access/);
  });

  it('serves the master realm admin through admin-cli, as Keycloak does', async () => {
    const config = await rp(server, 'master', 'admin-cli');
    const tokens = await client.genericGrantRequest(config, 'password', { username: 'admin', password: 'admin-test-password' });
    assert.ok(claimsOf(tokens.access_token).realm_access.roles.includes('admin'));
  });
});
