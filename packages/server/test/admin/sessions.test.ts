// Users' sessions through the admin API, as the console's Sessions tab uses them, and
// Keycloak's admin client on the same paths: listing, ending one, signing a user out
// everywhere, offline sessions, and the brute-force state of a user.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { passwordGrant } from '../helpers/http.js';
import { ADMIN_PASSWORD, postForm, realmUrl, type TestServer } from '../helpers/server.js';
import { adminApi, assertAdminError, backends, masterAdminToken, type AdminApi } from './fixture.js';

for (const backend of backends) {
  if (backend.skip) {
    it(`admin API user sessions: ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }

  describe(`admin API user sessions: ${backend.name}`, () => {
    let server: TestServer;
    let stop: () => Promise<void>;
    let admin: AdminApi;
    let kc: KcAdminClient;
    const realm = 'sessions';
    let cliUuid: string;

    before(async () => {
      ({ server, stop } = await backend.start());
      admin = adminApi(server, await masterAdminToken(server));
      await admin.create('/realms', { realm, enabled: true, adminEventsEnabled: true });
      cliUuid = await admin.create(`/realms/${realm}/clients`, { clientId: 'cli', publicClient: true, directAccessGrantsEnabled: true });
      kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
      await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
      kc.setConfig({ realmName: realm });
    });
    after(async () => { await stop(); });

    async function user(username: string): Promise<string> {
      const id = await admin.create(`/realms/${realm}/users`, { username, enabled: true, credentials: [{ type: 'password', value: `${username}-pw` }] });
      return id;
    }

    const signIn = async (username: string, scope = 'openid') => {
      const res = await passwordGrant(server, realm, 'cli', undefined, username, `${username}-pw`, { scope });
      assert.equal(res.status, 200, res.text);
      return res.json as { access_token: string; refresh_token: string; session_state: string };
    };
    const refresh = (token: string) => postForm(realmUrl(server, realm, '/protocol/openid-connect/token'),
      { grant_type: 'refresh_token', client_id: 'cli', refresh_token: token });

    it('lists a user\'s sessions with the clients they served, in Keycloak\'s shape', async () => {
      const id = await user('dora');
      const first = await signIn('dora');
      const second = await signIn('dora');
      const res = await admin.get(`/realms/${realm}/users/${id}/sessions`);
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('cache-control') ?? '', /no-store/);
      // Oldest first, by the second they started: these two started within the same one.
      const both = [first.session_state, second.session_state].sort();
      assert.deepEqual(res.json.map((s: { id: string }) => s.id).sort(), both);
      const [s] = res.json;
      assert.equal(s.userId, id);
      assert.equal(s.username, 'dora');
      assert.deepEqual(s.clients, { [cliUuid]: 'cli' });
      assert.equal(typeof s.start, 'number');
      assert.ok(Math.abs(s.start - Date.now()) < 60_000, 'start is in milliseconds');
      assert.ok(s.lastAccess >= s.start);
      assert.equal(s.offline, false);

      // Keycloak's admin client reads the same.
      const listed = await kc.users.listSessions({ id });
      assert.deepEqual(listed.map((x) => x.id).sort(), both);
    });

    it('ends one session: its refresh token stops working, the other session goes on', async () => {
      const id = await user('erik');
      const one = await signIn('erik');
      const two = await signIn('erik');
      const ended = await admin.delete(`/realms/${realm}/sessions/${one.session_state}`);
      assert.equal(ended.status, 204, ended.text);
      assert.deepEqual((await admin.get(`/realms/${realm}/users/${id}/sessions`)).json.map((s: { id: string }) => s.id), [two.session_state]);
      const dead = await refresh(one.refresh_token);
      assert.equal(dead.status, 400);
      assert.equal(dead.json.error, 'invalid_grant');
      assert.equal((await refresh(two.refresh_token)).status, 200);
      // An access token of the ended session is refused at userinfo.
      const info = await fetch(realmUrl(server, realm, '/protocol/openid-connect/userinfo'), { headers: { authorization: `Bearer ${one.access_token}` } });
      assert.equal(info.status, 401);

      assertAdminError(await admin.delete(`/realms/${realm}/sessions/${one.session_state}`), 404, 'Session not found');
      assertAdminError(await admin.delete(`/realms/${realm}/sessions/no-such-session`), 404);
      // A session is ended only through its own realm.
      assertAdminError(await admin.delete(`/realms/master/sessions/${two.session_state}`), 404);
      await kc.realms.deleteSession({ realm, session: two.session_state, isOffline: false });
      assert.deepEqual(await kc.users.listSessions({ id }), []);
    });

    it('signs a user out everywhere, offline sessions too; offline sessions are listed per client', async () => {
      const id = await user('fay');
      const online = await signIn('fay');
      const offline = await signIn('fay', 'openid offline_access');
      assert.deepEqual((await admin.get(`/realms/${realm}/users/${id}/sessions`)).json.map((s: { id: string }) => s.id), [online.session_state]);
      const offlineList = await admin.get(`/realms/${realm}/users/${id}/offline-sessions/${cliUuid}`);
      assert.equal(offlineList.status, 200, offlineList.text);
      assert.deepEqual(offlineList.json.map((s: { id: string; offline: boolean }) => [s.id, s.offline]), [[offline.session_state, true]]);
      assert.deepEqual(await kc.users.listOfflineSessions({ id, clientId: cliUuid }).then((l) => l.map((s) => s.id)), [offline.session_state]);

      const out = await admin.post(`/realms/${realm}/users/${id}/logout`);
      assert.equal(out.status, 204, out.text);
      assert.deepEqual((await admin.get(`/realms/${realm}/users/${id}/sessions`)).json, []);
      assert.deepEqual((await admin.get(`/realms/${realm}/users/${id}/offline-sessions/${cliUuid}`)).json, []);
      for (const t of [online, offline]) assert.equal((await refresh(t.refresh_token)).json.error, 'invalid_grant');

      // Keycloak's admin client does the same; signing out a user with no sessions is fine.
      await signIn('fay');
      await kc.users.logout({ id });
      assert.deepEqual(await kc.users.listSessions({ id }), []);
      await kc.users.logout({ id });

      const events = (await admin.get(`/realms/${realm}/admin-events?resourcePath=users/${id}/logout`)).json;
      assert.equal(events[0]?.operationType, 'ACTION');
      assertAdminError(await admin.post(`/realms/${realm}/users/no-such-user/logout`), 404, 'User not found');
      assertAdminError(await admin.get(`/realms/${realm}/users/no-such-user/sessions`), 404);
    });

    it('shows and clears a user\'s failed sign-ins', async () => {
      const id = await user('gus');
      for (let i = 0; i < 2; i++) assert.equal((await passwordGrant(server, realm, 'cli', undefined, 'gus', 'wrong')).status, 400);
      const status = await admin.get(`/realms/${realm}/attack-detection/brute-force/users/${id}`);
      assert.equal(status.status, 200, status.text);
      assert.equal(status.json.numFailures, 2);
      assert.equal(status.json.disabled, false);
      assert.ok(Math.abs(status.json.lastFailure - Date.now()) < 60_000, 'lastFailure in milliseconds');
      assert.equal((await kc.attackDetection.findOne({ id }))?.numFailures, 2);

      assert.equal((await admin.delete(`/realms/${realm}/attack-detection/brute-force/users/${id}`)).status, 204);
      assert.deepEqual((await admin.get(`/realms/${realm}/attack-detection/brute-force/users/${id}`)).json,
        { numFailures: 0, disabled: false, lastIPFailure: 'n/a', lastFailure: 0 });
    });

    it('refuses a realm administrator of another realm', async () => {
      const id = await user('hal');
      await admin.create('/realms', { realm: 'elsewhere', enabled: true });
      const clientId = await admin.create('/realms/elsewhere/clients', { clientId: 'cli', publicClient: true, directAccessGrantsEnabled: true });
      assert.ok(clientId);
      const otherAdmin = await admin.create('/realms/elsewhere/users', { username: 'boss', enabled: true, credentials: [{ type: 'password', value: 'boss-pw' }] });
      const [management] = (await admin.get('/realms/elsewhere/clients?clientId=realm-management')).json;
      const [realmAdmin] = (await admin.get(`/realms/elsewhere/clients/${management.id}/roles?search=realm-admin`)).json;
      assert.equal((await admin.post(`/realms/elsewhere/users/${otherAdmin}/role-mappings/clients/${management.id}`, [realmAdmin])).status, 204);
      const token = (await passwordGrant(server, 'elsewhere', 'cli', undefined, 'boss', 'boss-pw')).json.access_token;
      assertAdminError(await adminApi(server, token).get(`/realms/${realm}/users/${id}/sessions`), 403);
      assertAdminError(await adminApi(server, token).post(`/realms/${realm}/users/${id}/logout`), 403);
    });
  });
}
