// Admin events and the event queries of a real server, driven through its admin API; and, as a
// table, how the event hook names each kind of admin request (paths no server here has included).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { describeAdminRequest } from '../../src/admin/event-hook.js';
import { adminApi, masterAdminToken, passwordToken, type AdminApi } from '../admin/fixture.js';
import { claimsOf } from '../helpers/oidc.js';
import { send } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('describeAdminRequest: operation, resource type and path from the route', () => {
  const cases: Array<[string, string, Record<string, string>, string | undefined, [string, string, string] | undefined]> = [
    ['POST', '/admin/realms/:realm/clients', { realm: 'demo' }, '/admin/realms/demo/clients/c-1', ['CREATE', 'CLIENT', 'clients/c-1']],
    ['PUT', '/admin/realms/:realm/clients/:id', { realm: 'demo', id: 'c-1' }, undefined, ['UPDATE', 'CLIENT', 'clients/c-1']],
    ['DELETE', '/auth/admin/realms/:realm/clients/:id', { realm: 'demo', id: 'c-1' }, undefined, ['DELETE', 'CLIENT', 'clients/c-1']],
    ['POST', '/admin/realms/:realm/clients/:id/client-secret', { realm: 'demo', id: 'c-1' }, undefined, ['ACTION', 'CLIENT', 'clients/c-1/client-secret']],
    ['PUT', '/admin/realms/:realm/users/:id/reset-password', { realm: 'demo', id: 'u-1' }, undefined, ['ACTION', 'USER', 'users/u-1/reset-password']],
    ['POST', '/admin/realms/:realm/users/:id/role-mappings/realm', { realm: 'demo', id: 'u-1' }, undefined, ['CREATE', 'REALM_ROLE_MAPPING', 'users/u-1/role-mappings/realm']],
    ['DELETE', '/admin/realms/:realm/users/:id/role-mappings/clients/:client', { realm: 'demo', id: 'u-1', client: 'c-1' }, undefined, ['DELETE', 'CLIENT_ROLE_MAPPING', 'users/u-1/role-mappings/clients/c-1']],
    ['PUT', '/admin/realms/:realm/users/:id/groups/:groupId', { realm: 'demo', id: 'u-1', groupId: 'g-1' }, undefined, ['UPDATE', 'GROUP_MEMBERSHIP', 'users/u-1/groups/g-1']],
    ['POST', '/admin/realms/:realm/roles', { realm: 'demo' }, '/admin/realms/demo/roles/reader', ['CREATE', 'REALM_ROLE', 'roles/reader']],
    ['POST', '/admin/realms/:realm/clients/:id/roles', { realm: 'demo', id: 'c-1' }, undefined, ['CREATE', 'CLIENT_ROLE', 'clients/c-1/roles']],
    ['PUT', '/admin/realms/:realm/groups/:id', { realm: 'demo', id: 'g-1' }, undefined, ['UPDATE', 'GROUP', 'groups/g-1']],
    ['DELETE', '/admin/realms/:realm/attack-detection/brute-force/users/:id', { realm: 'demo', id: 'u-1' }, undefined, ['DELETE', 'USER_LOGIN_FAILURE', 'attack-detection/brute-force/users/u-1']],
    ['PUT', '/admin/realms/:realm', { realm: 'demo' }, undefined, ['UPDATE', 'REALM', '']],
    ['POST', '/admin/realms', {}, '/admin/realms/newrealm', ['CREATE', 'REALM', 'newrealm']],
    ['POST', '/admin/realms/:realm/widgets', { realm: 'demo' }, undefined, ['CREATE', 'WIDGET', 'widgets']],
    ['GET', '/admin/realms/:realm/clients', { realm: 'demo' }, undefined, undefined],
    ['POST', '/realms/:realm/protocol/openid-connect/token', { realm: 'demo' }, undefined, undefined],
  ];
  for (const [method, url, params, location, expected] of cases) {
    it(`${method} ${url}`, () => {
      const got = describeAdminRequest(method, url, params, location);
      assert.deepEqual(got && [got.operationType, got.resourceType, got.resourcePath], expected);
    });
  }
});

describe('admin events and event queries over HTTP', () => {
  const NEW_PASSWORD = `n3w-password-${randomBytes(6).toString('hex')}`;
  let server: TestServer;
  let admin: AdminApi;
  let ADMIN: Record<string, string>;
  let adminId: string;
  let masterId: string;
  let demoId: string;
  /** The client the admin created first, by the id its Location gave. */
  let createdClient: string;

  before(async () => {
    server = await startServer({
      realms: [
        {
          realm: 'demo', enabled: true,
          roles: { realm: [{ name: 'r' }] },
          clients: [{ clientId: 'cli', publicClient: true, directAccessGrantsEnabled: true }],
          users: [
            { id: 'u-1', username: 'ulla', enabled: true },
            { username: 'dana', enabled: true, credentials: [{ type: 'password', value: 'dana-pw' }] },
          ],
        },
        { realm: 'other', enabled: true },
      ],
    });
    const token = await masterAdminToken(server);
    admin = adminApi(server, token);
    ADMIN = { authorization: `Bearer ${token}` };
    adminId = claimsOf(token).sub;
    masterId = (await admin.get('/realms/master')).json.id;
    demoId = (await admin.get('/realms/demo')).json.id;
  });
  after(async () => { await server?.stop(); });

  /** The server's SQLite database, straight from the file. */
  const database = (readonly = true) => new Database(join(server.dataDir, 'latchkey.db'), { readonly, fileMustExist: true });
  const json = (body: unknown) => ({ 'content-type': 'application/json', body: JSON.stringify(body) });
  const call = (method: string, path: string, headers: Record<string, string> = ADMIN, body?: unknown) => {
    const { body: payload, ...type } = body === undefined ? { body: undefined } : json(body);
    return send(`${server.url}/admin/realms${path}`, { method, headers: { ...headers, ...type }, body: payload });
  };
  const adminEvents = async (realm: string, query = '', headers = ADMIN) => {
    const res = await call('GET', `/${realm}/admin-events${query}`, headers);
    assert.equal(res.status, 200, res.text);
    return res.json as Array<Record<string, any>>;
  };

  it('records successful changes with who made them; not reads, not failures, never a body', async () => {
    const created = await call('POST', '/demo/clients', ADMIN, { clientId: 'x', secret: NEW_PASSWORD });
    assert.equal(created.status, 201, created.text);
    createdClient = created.headers.get('location')!.split('/').at(-1)!;
    assert.equal((await call('PUT', '/demo/users/u-1/reset-password', ADMIN, { type: 'password', value: NEW_PASSWORD })).status, 204);
    assert.equal((await call('DELETE', '/demo/users/u-1')).status, 204);
    assert.equal((await call('GET', '/demo/users')).status, 200);
    assert.equal((await call('POST', '/demo/roles', ADMIN, { name: 'r' })).status, 409);

    const events = await adminEvents('demo');
    assert.deepEqual(events.map((e) => [e.operationType, e.resourceType, e.resourcePath]), [
      ['DELETE', 'USER', 'users/u-1'],
      ['ACTION', 'USER', 'users/u-1/reset-password'],
      ['CREATE', 'CLIENT', `clients/${createdClient}`],
    ]);
    const [adminCli] = (await admin.get('/realms/master/clients?clientId=admin-cli')).json;
    for (const e of events) {
      assert.equal(e.realmId, demoId);
      assert.deepEqual(e.authDetails, { realmId: masterId, clientId: adminCli.id, userId: adminId, ipAddress: '127.0.0.1' });
      assert.equal('representation' in e, false);
      assert.ok(Math.abs(e.time - Date.now()) < 60_000);
    }
    const db = database();
    try {
      const stored = JSON.stringify(db.prepare('select * from admin_events where realm_id = ?').all(demoId));
      assert.equal(stored.includes(NEW_PASSWORD), false, 'no request body reaches an event');
    } finally {
      db.close();
    }
  });

  it('records creating and deleting a realm in the admin\'s realm, updating one in itself', async () => {
    assert.equal((await call('POST', '', ADMIN, { realm: 'brand-new' })).status, 201);
    assert.equal((await call('DELETE', '/other')).status, 204);
    assert.equal((await call('PUT', '/demo', ADMIN, { displayName: 'Demo' })).status, 204);
    const inMaster = await adminEvents('master', '?resourceTypes=REALM');
    assert.deepEqual(inMaster.map((e) => [e.operationType, e.resourcePath]), [['DELETE', 'other'], ['CREATE', 'brand-new']]);
    const update = (await adminEvents('demo', '?resourceTypes=REALM'))[0];
    assert.deepEqual([update.operationType, update.resourcePath], ['UPDATE', undefined]);
  });

  it('GET admin-events filters as Keycloak does', async () => {
    assert.deepEqual((await adminEvents('demo', '?operationTypes=CREATE&operationTypes=DELETE')).map((e) => e.operationType), ['DELETE', 'CREATE']);
    assert.deepEqual((await adminEvents('demo', '?resourcePath=users/*')).map((e) => e.resourcePath), ['users/u-1', 'users/u-1/reset-password']);
    assert.deepEqual((await adminEvents('demo', `?resourcePath=clients/${createdClient.toUpperCase()}`)).length, 1);
    assert.equal((await adminEvents('demo', '?max=1&first=1')).length, 1);
    assert.equal((await adminEvents('demo', `?authUser=${adminId}`)).length, 4);
    assert.equal((await adminEvents('demo', '?authUser=someone-else')).length, 0);
    assert.equal((await adminEvents('demo', '?dateTo=2001-01-01')).length, 0);
    const asc = await adminEvents('demo', '?direction=asc');
    assert.equal(asc[0].resourcePath, `clients/${createdClient}`);
  });

  it('GET events: Keycloak\'s filters, dates as days or milliseconds, first/max, newest first', async () => {
    // Events at a day's very edges, years ahead, cannot be made by signing in now: they go
    // into the server's database as it writes them, and are read back through the admin API.
    const day = Date.UTC(2030, 5, 15);
    const db = database(false);
    try {
      const insert = db.prepare(`insert into login_events (id, realm_id, time, type, client_id, user_id, session_id, ip_address, error, details)
        values (?, ?, ?, ?, ?, ?, null, null, ?, ?)`);
      insert.run(randomBytes(8).toString('hex'), demoId, day + 1000, 'LOGIN', 'web', 'u-1', null, JSON.stringify({ username: 'alice' }));
      insert.run(randomBytes(8).toString('hex'), demoId, day + 86_400_000 - 1, 'LOGIN_ERROR', 'web', null, 'invalid_user_credentials', null);
      insert.run(randomBytes(8).toString('hex'), demoId, day + 86_400_000, 'REFRESH_TOKEN', 'spa', 'u-1', null, null);
    } finally {
      db.close();
    }
    const get = async (query: string) => {
      const res = await call('GET', `/demo/events${query}`);
      assert.equal(res.status, 200, res.text);
      return (res.json as Array<Record<string, any>>).map((e) => e.type);
    };
    assert.deepEqual(await get(''), ['REFRESH_TOKEN', 'LOGIN_ERROR', 'LOGIN']);
    assert.deepEqual(await get('?type=LOGIN&type=REFRESH_TOKEN'), ['REFRESH_TOKEN', 'LOGIN']);
    assert.deepEqual(await get('?client=web'), ['LOGIN_ERROR', 'LOGIN']);
    assert.deepEqual(await get('?user=u-1'), ['REFRESH_TOKEN', 'LOGIN']);
    assert.deepEqual(await get('?dateFrom=2030-06-15&dateTo=2030-06-15'), ['LOGIN_ERROR', 'LOGIN'], 'dateTo takes in the whole day');
    assert.deepEqual(await get('?dateFrom=2030-06-16'), ['REFRESH_TOKEN']);
    assert.deepEqual(await get(`?dateFrom=${day + 1001}&dateTo=${day + 86_400_000}`), ['REFRESH_TOKEN', 'LOGIN_ERROR']);
    assert.deepEqual(await get('?first=1&max=1'), ['LOGIN_ERROR']);
    const full = (await call('GET', '/demo/events?type=LOGIN')).json[0];
    assert.deepEqual(full, {
      id: full.id, time: day + 1000, type: 'LOGIN', realmId: demoId, clientId: 'web', userId: 'u-1', details: { username: 'alice' },
    });
  });

  it('refuses bad parameters with 400, an unknown realm with 404, another realm\'s admin with 403', async () => {
    for (const query of ['dateFrom=yesterday', 'dateTo=2030-02-30', 'max=-1', 'first=x', 'direction=sideways']) {
      const res = await call('GET', `/demo/events?${query}`);
      assert.deepEqual([res.status, res.json.error], [400, 'invalid_request'], query);
    }
    assert.equal((await call('GET', '/nowhere/events')).status, 404);
    assert.equal((await call('GET', '/nowhere/admin-events')).status, 404);

    // Dana administers demo only: realm-management's realm-admin.
    const [dana] = (await admin.get('/realms/demo/users?username=dana&exact=true')).json;
    const [management] = (await admin.get('/realms/demo/clients?clientId=realm-management')).json;
    const realmAdmin = (await admin.get(`/realms/demo/clients/${management.id}/roles/realm-admin`)).json;
    assert.equal((await admin.post(`/realms/demo/users/${dana.id}/role-mappings/clients/${management.id}`, [realmAdmin])).status, 204);
    const DEMO_ADMIN = { authorization: `Bearer ${await passwordToken(server, 'demo', 'dana', 'dana-pw', 'cli')}` };
    assert.equal((await call('GET', '/master/events', DEMO_ADMIN)).status, 403);
    assert.equal((await call('GET', '/demo/events', DEMO_ADMIN)).status, 200);
    assert.equal((await call('GET', '/demo/events', {})).status, 401);
  });
});
