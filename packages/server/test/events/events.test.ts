// Login events as a real server records them: read back from its SQLite file, and through
// Keycloak's admin queries.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { send } from '../helpers/http.js';
import { HttpBrowser } from '../helpers/http-browser.js';
import { claimsOf } from '../helpers/oidc.js';
import { ADMIN_PASSWORD, basic, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

// Random, so that finding one in an event row cannot be a coincidence.
const tag = randomBytes(6).toString('hex');
const CLIENT_SECRET = `cl1ent-secret-${tag}`;
const WRONG_SECRET = `wr0ng-secret-${tag}`;
const ALICE_PASSWORD = `al1ce-pw-${tag}`;
const WRONG_PASSWORD = `wr0ng-pw-${tag}`;
const REDIRECT = 'http://localhost:9/cb';

const realm = {
  realm: 'events',
  enabled: true,
  // No grace for a refresh token just spent: replaying it is at once the error recorded below.
  attributes: { refreshTokenReuseGrace: '0' },
  clients: [{
    clientId: 'web', publicClient: false, secret: CLIENT_SECRET, directAccessGrantsEnabled: true, serviceAccountsEnabled: true,
    redirectUris: [REDIRECT], attributes: { 'post.logout.redirect.uris': '+' },
  }],
  users: [{ username: 'alice', enabled: true, email: 'alice@example.com', credentials: [{ type: 'password', value: ALICE_PASSWORD }] }],
};

interface LoginRow {
  id: string; realm_id: string; time: number; type: string; client_id: string | null; user_id: string | null;
  session_id: string | null; ip_address: string | null; error: string | null; details: string | null;
}

/** Every event row in the server's database, read straight from the file. */
function rows(server: TestServer): { login: LoginRow[]; admin: Array<Record<string, unknown>> } {
  const db = new Database(join(server.dataDir, 'latchkey.db'), { readonly: true, fileMustExist: true });
  try {
    return {
      login: db.prepare('select * from login_events order by time').all() as LoginRow[],
      admin: db.prepare('select * from admin_events order by time').all() as Array<Record<string, unknown>>,
    };
  } finally {
    db.close();
  }
}

const details = (row: LoginRow) => (row.details ? JSON.parse(row.details) : {});
const tokenUrl = (server: TestServer) => realmUrl(server, 'events', '/protocol/openid-connect/token');

/**
 * The newest login event of a type that `where` accepts. The server writes login events in
 * batches a moment after the request, so this waits a little for one to appear.
 */
async function newest(server: TestServer, type: string, where: (row: LoginRow) => boolean = () => true): Promise<LoginRow> {
  const find = () => rows(server).login.filter((r) => r.type === type && where(r)).at(-1);
  // Past the server's batching delay (50 ms), so an older match does not pass for the newest.
  await new Promise((r) => setTimeout(r, 150));
  for (let waited = 0; waited < 2000 && !find(); waited += 20) await new Promise((r) => setTimeout(r, 20));
  const found = find();
  assert.ok(found, `no ${type} event recorded: ${JSON.stringify(rows(server).login.map((r) => r.type))}`);
  return found;
}

describe('login events', () => {
  let server: TestServer;
  before(async () => { server = await startServer({ realms: [realm] }); });
  after(async () => { await server.stop(); });

  it('client_credentials records CLIENT_LOGIN; a wrong client secret CLIENT_LOGIN_ERROR', async () => {
    const ok = await postForm(tokenUrl(server), { grant_type: 'client_credentials' }, { authorization: basic('web', CLIENT_SECRET) });
    assert.equal(ok.status, 200, ok.text);
    const event = await newest(server, 'CLIENT_LOGIN');
    assert.equal(event.client_id, 'web');
    assert.equal(event.user_id, claimsOf(ok.json.access_token).sub, 'the service account');
    assert.equal(event.session_id, null);
    assert.equal(event.ip_address, '127.0.0.1');
    assert.equal(event.error, null);
    assert.ok(event.time > Date.now() - 60_000 && event.time <= Date.now(), 'time in milliseconds');
    assert.deepEqual(details(event), {
      grant_type: 'client_credentials', client_auth_method: 'client_secret_basic', username: 'service-account-web', scope: ok.json.scope,
    });

    const bad = await postForm(tokenUrl(server), { grant_type: 'client_credentials' }, { authorization: basic('web', WRONG_SECRET) });
    assert.equal(bad.status, 401);
    const error = await newest(server, 'CLIENT_LOGIN_ERROR');
    assert.deepEqual([error.client_id, error.error], ['web', 'invalid_client']);
    assert.deepEqual(details(error), { grant_type: 'client_credentials', reason: 'Invalid client or invalid client credentials' });
  });

  it('a wrong password on the password grant records LOGIN_ERROR, and no password or secret is in any event row', async () => {
    const wrong = await postForm(tokenUrl(server), { grant_type: 'password', username: 'alice', password: WRONG_PASSWORD },
      { authorization: basic('web', CLIENT_SECRET) });
    assert.equal(wrong.status, 400);
    const event = await newest(server, 'LOGIN_ERROR', (r) => details(r).grant_type === 'password');
    assert.equal(event.client_id, 'web');
    assert.equal(event.error, 'invalid_user_credentials', "Keycloak's error for a wrong password");
    assert.ok(event.user_id, 'the account the username named');
    assert.deepEqual(details(event), {
      grant_type: 'password', username: 'alice', auth_method: 'openid-connect', client_auth_method: 'client_secret_basic',
      reason: 'Invalid user credentials',
    });

    // The password in client_secret_post, and a wrong client secret in the body, fare no better.
    await postForm(tokenUrl(server), { grant_type: 'password', username: 'nobody', password: WRONG_PASSWORD, client_id: 'web', client_secret: CLIENT_SECRET });
    await postForm(tokenUrl(server), { grant_type: 'password', username: 'alice', password: ALICE_PASSWORD, client_id: 'web', client_secret: WRONG_SECRET });
    const ok = await postForm(tokenUrl(server), { grant_type: 'password', username: 'alice', password: ALICE_PASSWORD, client_id: 'web', client_secret: CLIENT_SECRET });
    assert.equal(ok.status, 200);
    // A description that repeats what was sent is not kept as the reason.
    await postForm(tokenUrl(server), { grant_type: 'refresh_token', refresh_token: ok.json.refresh_token, scope: `openid ${WRONG_PASSWORD}` },
      { authorization: basic('web', CLIENT_SECRET) });
    assert.equal(details(await newest(server, 'REFRESH_TOKEN_ERROR')).reason, undefined);

    const all = rows(server);
    assert.ok(all.login.length >= 5);
    const dump = JSON.stringify(all);
    for (const secret of [WRONG_PASSWORD, ALICE_PASSWORD, CLIENT_SECRET, WRONG_SECRET, ok.json.refresh_token, ok.json.access_token]) {
      assert.equal(dump.includes(secret), false, `an event row holds ${secret.slice(0, 12)}…`);
    }
    const unknown = await newest(server, 'LOGIN_ERROR', (r) => details(r).username === 'nobody');
    assert.deepEqual([unknown.error, unknown.user_id], ['invalid_user_credentials', null]);
    assert.equal((await newest(server, 'LOGIN_ERROR', (r) => r.error === 'invalid_client')).client_id, 'web');
  });

  it('the password grant records LOGIN with the session; a refresh REFRESH_TOKEN; a replayed refresh token REFRESH_TOKEN_ERROR', async () => {
    const signedIn = await postForm(tokenUrl(server), { grant_type: 'password', username: 'alice', password: ALICE_PASSWORD, scope: 'openid' },
      { authorization: basic('web', CLIENT_SECRET) });
    assert.equal(signedIn.status, 200);
    const { sub, sid } = claimsOf(signedIn.json.access_token);
    const login = await newest(server, 'LOGIN', (r) => r.session_id === sid);
    assert.equal(login.user_id, sub);

    const refreshed = await postForm(tokenUrl(server), { grant_type: 'refresh_token', refresh_token: signedIn.json.refresh_token },
      { authorization: basic('web', CLIENT_SECRET) });
    assert.equal(refreshed.status, 200, refreshed.text);
    const event = await newest(server, 'REFRESH_TOKEN');
    assert.deepEqual([event.client_id, event.user_id, event.session_id, event.error], ['web', sub, sid, null]);
    assert.equal(details(event).grant_type, 'refresh_token');
    assert.ok(details(event).refresh_token_id, 'the id of the refresh token record, not the token');

    const replay = await postForm(tokenUrl(server), { grant_type: 'refresh_token', refresh_token: signedIn.json.refresh_token },
      { authorization: basic('web', CLIENT_SECRET) });
    assert.equal(replay.status, 400);
    const error = await newest(server, 'REFRESH_TOKEN_ERROR', (r) => r.session_id === sid);
    assert.deepEqual([error.error, error.user_id], ['invalid_grant', sub]);
    assert.equal(details(error).reason, 'Maximum allowed refresh token reuse exceeded; its token family and session are revoked');
  });

  it('revocation records REVOKE_GRANT', async () => {
    const signedIn = await postForm(tokenUrl(server), { grant_type: 'password', username: 'alice', password: ALICE_PASSWORD },
      { authorization: basic('web', CLIENT_SECRET) });
    const revoked = await postForm(realmUrl(server, 'events', '/protocol/openid-connect/revoke'), { token: signedIn.json.refresh_token },
      { authorization: basic('web', CLIENT_SECRET) });
    assert.equal(revoked.status, 200);
    const event = await newest(server, 'REVOKE_GRANT');
    assert.deepEqual([event.client_id, event.session_id], ['web', claimsOf(signedIn.json.access_token).sid]);
  });

  it("introspection records INTROSPECT_TOKEN, and INTROSPECT_TOKEN_ERROR for an inactive token or a refused client, in Keycloak's events query", async () => {
    const signedIn = await postForm(tokenUrl(server), { grant_type: 'password', username: 'alice', password: ALICE_PASSWORD },
      { authorization: basic('web', CLIENT_SECRET) });
    assert.equal(signedIn.status, 200, signedIn.text);
    const { sub, sid } = claimsOf(signedIn.json.access_token);
    const introspect = (token: string, secret: string) =>
      postForm(realmUrl(server, 'events', '/protocol/openid-connect/token/introspect'), { token }, { authorization: basic('web', secret) });
    assert.equal((await introspect(signedIn.json.access_token, CLIENT_SECRET)).json.active, true);
    assert.equal((await introspect(signedIn.json.refresh_token, CLIENT_SECRET)).json.active, true);
    assert.equal((await introspect('garbage', CLIENT_SECRET)).json.active, false);
    assert.equal((await introspect(signedIn.json.access_token, WRONG_SECRET)).status, 401);

    const admin = await postForm(realmUrl(server, 'master', '/protocol/openid-connect/token'),
      { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: ADMIN_PASSWORD });
    assert.equal(admin.status, 200, admin.text);
    const query = `${server.url}/admin/realms/events/events?type=INTROSPECT_TOKEN&type=INTROSPECT_TOKEN_ERROR`;
    let events: Array<Record<string, any>> = [];
    for (let waited = 0; waited < 2000 && events.length < 4; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
      const res = await send(query, { headers: { authorization: `Bearer ${admin.json.access_token}` } });
      assert.equal(res.status, 200, res.text);
      events = res.json;
    }
    // Sorted: requests made within one millisecond have no order among themselves.
    const seen = events.map((e) => JSON.stringify([e.type, e.clientId, e.userId, e.sessionId, e.error, e.details?.client_auth_method])).sort();
    assert.deepEqual(seen, [
      ['INTROSPECT_TOKEN', 'web', sub, sid, undefined, 'client_secret_basic'],
      ['INTROSPECT_TOKEN', 'web', sub, sid, undefined, 'client_secret_basic'],
      ['INTROSPECT_TOKEN_ERROR', 'web', undefined, undefined, 'invalid_client', undefined],
      ['INTROSPECT_TOKEN_ERROR', 'web', undefined, undefined, 'invalid_token', 'client_secret_basic'],
    ].map((e) => JSON.stringify(e)).sort());
  });

  it('the login page records LOGIN_ERROR and LOGIN, the code exchange CODE_TO_TOKEN, logout LOGOUT', async () => {
    const go = new HttpBrowser();
    const auth = new URL(realmUrl(server, 'events', '/protocol/openid-connect/auth'));
    auth.search = new URLSearchParams({ client_id: 'web', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 's1' }).toString();
    const loginPage = await go.visit(auth.toString());
    assert.equal(loginPage.status, 200, loginPage.text);

    const refused = await go.signIn(loginPage, 'alice', WRONG_PASSWORD);
    assert.equal(refused.status, 200);
    const error = await newest(server, 'LOGIN_ERROR', (r) => details(r).redirect_uri === REDIRECT);
    assert.deepEqual([error.client_id, error.error], ['web', 'invalid_user_credentials']);
    assert.deepEqual(details(error), { auth_method: 'openid-connect', username: 'alice', redirect_uri: REDIRECT });

    const accepted = await go.signIn(refused, 'alice', ALICE_PASSWORD);
    assert.equal(accepted.status, 303, accepted.text);
    const code = new URL(accepted.location!).searchParams.get('code')!;
    const login = await newest(server, 'LOGIN', (r) => details(r).redirect_uri === REDIRECT);
    assert.ok(login.session_id && login.user_id);
    assert.equal(login.error, null);

    const tokens = await postForm(tokenUrl(server), { grant_type: 'authorization_code', code, redirect_uri: REDIRECT },
      { authorization: basic('web', CLIENT_SECRET) });
    assert.equal(tokens.status, 200, tokens.text);
    const exchanged = await newest(server, 'CODE_TO_TOKEN');
    assert.deepEqual([exchanged.user_id, exchanged.session_id, details(exchanged).redirect_uri], [login.user_id, login.session_id, REDIRECT]);
    const replayed = await postForm(tokenUrl(server), { grant_type: 'authorization_code', code, redirect_uri: REDIRECT },
      { authorization: basic('web', CLIENT_SECRET) });
    assert.equal(replayed.status, 400);
    assert.equal((await newest(server, 'CODE_TO_TOKEN_ERROR')).error, 'invalid_grant');

    const logout = new URL(realmUrl(server, 'events', '/protocol/openid-connect/logout'));
    logout.searchParams.set('id_token_hint', tokens.json.id_token);
    const out = await go.visit(logout.toString());
    assert.equal(out.status, 200);
    const event = await newest(server, 'LOGOUT');
    assert.deepEqual([event.client_id, event.user_id, event.session_id], ['web', login.user_id, login.session_id]);

    assert.equal(JSON.stringify(rows(server)).includes(code), false, 'no code in an event');
  });

  it("answers Keycloak's GET /admin/realms/{realm}/events", async () => {
    const admin = await postForm(realmUrl(server, 'master', '/protocol/openid-connect/token'),
      { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: ADMIN_PASSWORD });
    assert.equal(admin.status, 200, admin.text);
    const bearer = { authorization: `Bearer ${admin.json.access_token}` };
    const eventsUrl = `${server.url}/admin/realms/events/events`;
    const probe = await send(eventsUrl, { headers: bearer });
    assert.equal(probe.status, 200, probe.text);
    const all = probe.json as Array<Record<string, any>>;
    assert.ok(all.length > 5);
    assert.deepEqual(all.map((e) => e.time), [...all.map((e) => e.time)].sort((a, b) => b - a), 'newest first');
    assert.ok(all.every((e) => e.realmId && e.type && !('representation' in e)));

    const query = async (params: string) => (await send(`${eventsUrl}?${params}`, { headers: bearer })).json as Array<Record<string, any>>;
    const logins = await query('type=CLIENT_LOGIN&type=REFRESH_TOKEN');
    assert.deepEqual([...new Set(logins.map((e) => e.type))].sort(), ['CLIENT_LOGIN', 'REFRESH_TOKEN']);
    assert.equal((await query('max=2')).length, 2);
    assert.deepEqual((await query('first=1&max=1'))[0].id, all[1].id);
    const today = new Date().toISOString().slice(0, 10);
    assert.equal((await query(`dateFrom=${today}&dateTo=${today}`)).length, all.length);
    assert.equal((await query('dateTo=2000-01-01')).length, 0);
    const user = logins.find((e) => e.type === 'REFRESH_TOKEN')!.userId;
    assert.ok((await query(`user=${user}`)).every((e) => e.userId === user));
    assert.ok((await query('client=web')).length > 0);
    const bad = await send(`${eventsUrl}?dateFrom=yesterday`, { headers: bearer });
    assert.equal(bad.status, 400);
    assert.equal((await send(eventsUrl)).status, 401, 'only for admins');
  });

  it('records admin changes through the admin API as admin events, without their bodies', async () => {
    const admin = await postForm(realmUrl(server, 'master', '/protocol/openid-connect/token'),
      { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: ADMIN_PASSWORD });
    const bearer = { authorization: `Bearer ${admin.json.access_token}`, 'content-type': 'application/json' };
    const api = `${server.url}/admin/realms/events`;
    const created = await send(`${api}/clients`, { method: 'POST', headers: bearer, body: JSON.stringify({ clientId: 'made-by-admin', secret: CLIENT_SECRET }) });
    assert.equal(created.status, 201, created.text);
    const clientId = created.headers.get('location')!.split('/').at(-1)!;
    const alice = ((await send(`${api}/users?username=alice&exact=true`, { headers: bearer })).json as Array<{ id: string }>)[0].id;
    const reset = await send(`${api}/users/${alice}/reset-password`, {
      method: 'PUT', headers: bearer, body: JSON.stringify({ type: 'password', value: WRONG_PASSWORD, temporary: false }),
    });
    assert.equal(reset.status, 204, reset.text);

    const listed = await send(`${api}/admin-events`, { headers: { authorization: bearer.authorization } });
    assert.equal(listed.status, 200, listed.text);
    const events = listed.json as Array<Record<string, any>>;
    assert.deepEqual(events.map((e) => [e.operationType, e.resourceType, e.resourcePath]), [
      ['ACTION', 'USER', `users/${alice}/reset-password`],
      ['CREATE', 'CLIENT', `clients/${clientId}`],
    ], 'reads are not recorded');
    const adminUser = claimsOf(admin.json.access_token).sub;
    assert.equal(events[0].authDetails.userId, adminUser);
    assert.equal(events[0].authDetails.ipAddress, '127.0.0.1');
    assert.ok(events.every((e) => !('representation' in e)));
    const dump = JSON.stringify(rows(server).admin);
    assert.equal(dump.includes(CLIENT_SECRET) || dump.includes(WRONG_PASSWORD), false, 'no request body in an admin event');
    const filtered = await send(`${api}/admin-events?operationTypes=CREATE&resourcePath=clients/*`, { headers: { authorization: bearer.authorization } });
    assert.deepEqual((filtered.json as Array<Record<string, any>>).map((e) => e.resourcePath), [`clients/${clientId}`]);
  });

  it("takes the realm's event settings in Keycloak's events/config and realm representation, honours them, and deletes events", async () => {
    const admin = await postForm(realmUrl(server, 'master', '/protocol/openid-connect/token'),
      { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: ADMIN_PASSWORD });
    const bearer = { authorization: `Bearer ${admin.json.access_token}` };
    const api = `${server.url}/admin/realms/events`;
    const call = (method: string, path: string, body?: unknown) => send(`${api}${path}`, {
      method, headers: { ...bearer, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const config = async () => (await call('GET', '/events/config')).json;
    const realmRep = (await call('GET', '')).json;
    const loginEvents = () => rows(server).login.filter((r) => r.realm_id === realmRep.id);
    const clientLogin = () => postForm(tokenUrl(server), { grant_type: 'client_credentials' }, { authorization: basic('web', CLIENT_SECRET) });
    const settle = () => new Promise((r) => setTimeout(r, 200));

    // Latchkey's defaults: both kinds recorded, kept a week and 30 days.
    assert.deepEqual(await config(), {
      eventsEnabled: true, eventsExpiration: 604_800, eventsListeners: ['jboss-logging'], enabledEventTypes: [],
      adminEventsEnabled: true, adminEventsDetailsEnabled: false, adminEventsExpiration: 2_592_000,
    });
    assert.deepEqual([realmRep.eventsEnabled, realmRep.eventsExpiration, realmRep.adminEventsEnabled, realmRep.attributes.adminEventsExpiration],
      [true, 604_800, true, '2592000']);

    // Turned off, a sign-in records nothing; what Keycloak's tools send back is taken.
    const put = await call('PUT', '/events/config', {
      eventsEnabled: false, eventsExpiration: 3600, adminEventsEnabled: true, adminEventsDetailsEnabled: false,
      eventsListeners: ['jboss-logging'], enabledEventTypes: ['LOGIN', 'UPDATE_PASSWORD'],
    });
    assert.equal(put.status, 204, put.text);
    assert.deepEqual(await config(), {
      eventsEnabled: false, eventsExpiration: 3600, eventsListeners: ['jboss-logging'], enabledEventTypes: [],
      adminEventsEnabled: true, adminEventsDetailsEnabled: false, adminEventsExpiration: 2_592_000,
    });
    const before = loginEvents().length;
    assert.equal((await clientLogin()).status, 200);
    await settle();
    assert.equal(loginEvents().length, before, 'no event while events are off');

    // The realm representation changes them too; on again, a sign-in is recorded.
    assert.equal((await call('PUT', '', { eventsEnabled: true, attributes: { adminEventsExpiration: '86400' } })).status, 204);
    assert.deepEqual([(await config()).eventsEnabled, (await config()).eventsExpiration, (await config()).adminEventsExpiration], [true, 3600, 86_400]);
    assert.equal((await clientLogin()).status, 200);
    await newest(server, 'CLIENT_LOGIN', (r) => r.time > Date.now() - 5000);
    assert.equal(loginEvents().length, before + 1);

    // What Latchkey cannot do is refused, naming the field.
    for (const [body, field] of [
      [{ adminEventsDetailsEnabled: true }, 'adminEventsDetailsEnabled'], [{ eventsListeners: ['email'] }, 'eventsListeners'],
      [{ eventsExpiration: -1 }, 'eventsExpiration'], [{ eventsEnabled: 'yes' }, 'eventsEnabled'],
    ] as const) {
      const res = await call('PUT', '/events/config', body);
      assert.equal(res.status, 400, res.text);
      assert.ok(res.json.error_description.includes(field), res.text);
    }
    assert.equal((await call('PUT', '', { adminEventsDetailsEnabled: true })).status, 400);

    // Admin events off: this change is the last one recorded.
    const adminEvents = async () => (await call('GET', '/admin-events')).json as Array<Record<string, any>>;
    assert.equal((await call('PUT', '/events/config', { adminEventsEnabled: false })).status, 204);
    const recorded = await adminEvents();
    assert.deepEqual([recorded[0].operationType, recorded[0].resourcePath], ['UPDATE', 'events/config']);
    assert.equal((await call('PUT', '', { displayName: 'Not recorded' })).status, 204);
    assert.deepEqual(await adminEvents(), recorded, 'nothing recorded while admin events are off');
    assert.equal((await call('PUT', '/events/config', { adminEventsEnabled: true })).status, 204);

    // Deleting empties them; deleting the admin events leaves none behind, not even its own.
    assert.equal((await call('DELETE', '/events')).status, 204);
    assert.deepEqual((await call('GET', '/events')).json, []);
    assert.equal(loginEvents().length, 0);
    assert.ok(rows(server).login.length > 0, "the master realm's events stay");
    assert.equal((await call('DELETE', '/admin-events')).status, 204);
    assert.deepEqual((await call('GET', '/admin-events')).json, []);
    assert.equal(rows(server).admin.filter((r) => r.realm_id === realmRep.id).length, 0);
    assert.equal((await send(`${api}/events`, { method: 'DELETE' })).status, 401, 'only for admins');
  });
});
