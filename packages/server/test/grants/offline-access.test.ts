// offline_access as Keycloak has it (issue 17): an offline refresh token (typ Offline) in an
// offline session of its own, which outlives the SSO session's expiry, is listed among the
// admin API's offline sessions, and ends when the client revokes it (RFC 7009) or the user
// takes back the client's access in the account API.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { passwordGrant, revokeUrl, send, tokenUrl } from '../helpers/http.js';
import { HttpBrowser } from '../helpers/http-browser.js';
import { claimsOf, client, rp } from '../helpers/oidc.js';
import { basic, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'offline';
const REDIRECT = 'http://127.0.0.1/callback';

const realm = {
  realm: REALM, enabled: true,
  // Short SSO sessions: the offline one must outlive them.
  ssoSessionIdleTimeout: 2, ssoSessionMaxLifespan: 3,
  clients: [
    { clientId: 'web', publicClient: false, secret: 'web-secret', standardFlowEnabled: true, directAccessGrantsEnabled: true, redirectUris: [REDIRECT] },
    { clientId: 'spa', publicClient: true, directAccessGrantsEnabled: true },
  ],
  users: [{
    username: 'alice', enabled: true, email: 'alice@example.com', emailVerified: true,
    credentials: [{ type: 'password', value: 'alice-pw' }], realmRoles: [`default-roles-${REALM}`, 'offline_access'],
  }],
};

describe('offline access', () => {
  let server: TestServer;
  let admin: AdminApi;
  let web: client.Configuration;
  let webUuid: string;
  let aliceId: string;

  before(async () => {
    server = await startServer({ realms: [realm] });
    admin = adminApi(server, await masterAdminToken(server));
    web = await rp(server, REALM, 'web', 'web-secret');
    webUuid = (await admin.get(`/realms/${REALM}/clients?clientId=web`)).json[0].id;
    aliceId = (await admin.get(`/realms/${REALM}/users?username=alice&exact=true`)).json[0].id;
  });
  after(async () => { await server?.stop(); });

  const refresh = (token: string) =>
    postForm(tokenUrl(server, REALM), { grant_type: 'refresh_token', refresh_token: token }, { authorization: basic('web', 'web-secret') });
  const offlineSessions = async () => {
    const res = await admin.get(`/realms/${REALM}/users/${aliceId}/offline-sessions/${webUuid}`);
    assert.equal(res.status, 200, res.text);
    return (res.json as Array<{ id: string }>).map((s) => s.id);
  };
  const offlineToken = async () => {
    const res = await passwordGrant(server, REALM, 'web', 'web-secret', 'alice', 'alice-pw', { scope: 'openid offline_access' });
    assert.equal(res.status, 200, res.text);
    assert.equal(claimsOf(res.json.refresh_token).typ, 'Offline');
    return res.json as { refresh_token: string; session_state: string };
  };

  it('outlives the SSO session\'s expiry, and is listed among the admin API\'s offline sessions', async () => {
    const browser = new HttpBrowser();
    const sso = async (scope: string) => {
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(web, {
        redirect_uri: REDIRECT, scope, state: 's', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      const page = await browser.authorize(url.toString(), { username: 'alice', password: 'alice-pw' });
      assert.ok(page.location?.startsWith(REDIRECT), `${page.status} ${page.text.slice(0, 200)}`);
      return client.authorizationCodeGrant(web, new URL(page.location!), { expectedState: 's', pkceCodeVerifier: verifier });
    };
    const online = await sso('openid');
    const offline = await sso('openid offline_access');
    assert.equal(claimsOf(offline.refresh_token!).typ, 'Offline');
    assert.equal(claimsOf(online.refresh_token!).typ, 'Refresh');
    assert.ok((await offlineSessions()).includes(claimsOf(offline.access_token).sid));
    const listed = await admin.get(`/realms/${REALM}/clients/${webUuid}/offline-sessions`);
    assert.ok((listed.json as Array<{ id: string }>).some((s) => s.id === claimsOf(offline.access_token).sid));

    await new Promise((resolve) => setTimeout(resolve, 3500));
    assert.equal((await refresh(online.refresh_token!)).json.error, 'invalid_grant', 'the SSO session is over');
    const again = await refresh(offline.refresh_token!);
    assert.equal(again.status, 200, again.text);
    assert.equal(claimsOf(again.json.refresh_token).typ, 'Offline');
  });

  it('ends when the client revokes its offline token (RFC 7009)', async () => {
    const offline = await offlineToken();
    assert.ok((await offlineSessions()).includes(offline.session_state));
    const res = await postForm(revokeUrl(server, REALM), { token: offline.refresh_token, token_type_hint: 'refresh_token' },
      { authorization: basic('web', 'web-secret') });
    assert.equal(res.status, 200, res.text);
    assert.equal((await refresh(offline.refresh_token)).json.error, 'invalid_grant');
    assert.ok(!(await offlineSessions()).includes(offline.session_state), 'no longer an offline session of the user');
  });

  it('ends when the user takes back the client\'s access in the account API', async () => {
    const offline = await offlineToken();
    const other = await offlineToken();
    const account = await passwordGrant(server, REALM, 'spa', undefined, 'alice', 'alice-pw', { scope: 'openid' });
    const apps = await send(realmUrl(server, REALM, '/account/applications'), { headers: { authorization: `Bearer ${account.json.access_token}` } });
    assert.equal((apps.json as Array<{ clientId: string; offlineAccess: boolean }>).find((a) => a.clientId === 'web')?.offlineAccess, true);
    const revoked = await send(realmUrl(server, REALM, '/account/applications/web/consent'), {
      method: 'DELETE', headers: { authorization: `Bearer ${account.json.access_token}` },
    });
    assert.equal(revoked.status, 204, revoked.text);
    for (const t of [offline, other]) assert.equal((await refresh(t.refresh_token)).json.error, 'invalid_grant');
    assert.deepEqual(await offlineSessions(), []);
  });
});
