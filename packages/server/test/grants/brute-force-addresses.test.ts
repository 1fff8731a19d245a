// Brute-force detection per account and source address over HTTP (issue 13, item 3). Two source
// addresses on one loopback: the server trusts X-Forwarded-For (--proxy-headers), as behind a proxy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { tokenUrl } from '../helpers/http.js';
import { postForm, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'guarded';

describe('brute force: per account and source address, with an account-wide ceiling', () => {
  let server: TestServer;
  let admin: AdminApi;

  before(async () => {
    server = await startServer({
      args: ['--proxy-headers'],
      realms: [{
        realm: REALM, enabled: true, eventsEnabled: true,
        bruteForceProtected: true, failureFactor: 3, waitIncrementSeconds: 60, maxFailureWaitSeconds: 900, accountFailureCeiling: 6,
        clients: [{ clientId: 'app', publicClient: true, directAccessGrantsEnabled: true }],
        users: [{ username: 'carol', enabled: true, credentials: [{ type: 'password', value: 'carol-pw' }] }],
      }],
    });
    admin = adminApi(server, await masterAdminToken(server));
  });
  after(async () => { await server?.stop(); });

  const signIn = (from: string, password: string) =>
    postForm(tokenUrl(server, REALM), { grant_type: 'password', client_id: 'app', username: 'carol', password }, { 'x-forwarded-for': from });

  const lockoutReasons = async () => {
    const res = await admin.get(`/realms/${REALM}/events?type=LOGIN_ERROR&max=100`);
    assert.equal(res.status, 200, res.text);
    return (res.json as Array<{ error: string; ipAddress: string; details?: { brute_force_lockout?: string } }>)
      .filter((e) => e.error === 'user_temporarily_disabled').map((e) => `${e.ipAddress} ${e.details?.brute_force_lockout}`);
  };

  it('the settings are in the realm representation, Keycloak\'s and Latchkey\'s', async () => {
    const rep = (await admin.get(`/realms/${REALM}`)).json;
    assert.deepEqual([rep.bruteForceProtected, rep.failureFactor, rep.waitIncrementSeconds, rep.maxFailureWaitSeconds, rep.accountFailureCeiling],
      [true, 3, 60, 900, 6]);
    const defaults = (await admin.get('/realms/master')).json;
    assert.equal(defaults.accountFailureCeiling, 10 * defaults.failureFactor, 'ten times failureFactor by default');
  });

  it('a flood from one address locks that address out; the owner still signs in from another', async () => {
    for (let i = 0; i < 10; i++) await signIn('192.0.2.66', 'guess');
    const locked = await signIn('192.0.2.66', 'carol-pw');
    assert.deepEqual([locked.status, locked.json.error_description], [400, 'Invalid user credentials'], 'even the right password, from there');
    const owner = await signIn('198.51.100.1', 'carol-pw');
    assert.equal(owner.status, 200, `the owner, from elsewhere: ${owner.text}`);
    assert.ok((await lockoutReasons()).includes('192.0.2.66 address'), 'the event says which lock');
  });

  it('failures from several addresses reach the account ceiling and lock it everywhere', async () => {
    // Two addresses add three failures each (failureFactor), the ceiling of 6.
    for (const from of ['203.0.113.1', '203.0.113.2']) for (let i = 0; i < 3; i++) await signIn(from, 'guess');
    const anywhere = await signIn('198.51.100.2', 'carol-pw');
    assert.deepEqual([anywhere.status, anywhere.json.error_description], [400, 'Invalid user credentials']);
    assert.ok((await lockoutReasons()).includes('198.51.100.2 account'), 'the event says which lock');
    const users = (await admin.get(`/realms/${REALM}/users?username=carol&exact=true`)).json;
    const status = (await admin.get(`/realms/${REALM}/attack-detection/brute-force/users/${users[0].id}`)).json;
    assert.equal(status.disabled, true, 'the admin API sees the account locked');
  });
});
