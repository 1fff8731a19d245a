// Admin events and the event queries, over HTTP to an in-process admin scope built the way
// the admin API's is: authentication decorates request.adminActor, then the event hook and
// eventRoutes. The resource routes here are stand-ins that only answer.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { describeAdminRequest, registerAdminEventHook } from '../../src/admin/event-hook.js';
import { eventRoutes } from '../../src/admin/routes/events.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { bootstrapMaster } from '../../src/domain/bootstrap.js';
import { EventService } from '../../src/domain/events.js';
import { Domain } from '../../src/domain/index.js';
import { registerErrorHandling } from '../../src/http/errors.js';
import { OAuthError } from '../../src/protocol/errors.js';
import { openStore } from '../../src/storage/open.js';
import type { RealmRecord } from '../../src/storage/store.js';
import { send } from '../helpers/http.js';

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
  let dataDir: string;
  let domain: Domain;
  let app: FastifyInstance;
  let base: string;
  let master: RealmRecord;
  let demo: RealmRecord;
  let adminId: string;
  const NEW_PASSWORD = `n3w-password-${randomBytes(6).toString('hex')}`;
  const ADMIN = { authorization: 'Bearer all' };
  const DEMO_ADMIN = { authorization: 'Bearer demo-only' };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-admin-events-'));
    const store = await openStore({ dataDir });
    domain = new Domain(store, SecretBox.fromKey(randomBytes(32)), 'http://localhost');
    await bootstrapMaster(domain, { username: 'admin', password: 'pw' });
    master = (await domain.realms.runtime('master'))!.realm;
    demo = await domain.realms.create('demo');
    await domain.realms.create('other');
    adminId = (await domain.users.findForLogin(master.id, 'admin'))!.id;

    app = Fastify();
    registerErrorHandling(app);
    await app.register(async (admin) => {
      // Stands in for the admin API's authentication.
      admin.addHook('onRequest', async (request) => {
        const auth = request.headers.authorization;
        if (auth === ADMIN.authorization) {
          request.adminActor = { userId: adminId, username: 'admin', realm: 'master', realmId: master.id, clientId: 'admin-cli', scope: 'all-realms' };
        } else if (auth === DEMO_ADMIN.authorization) {
          request.adminActor = { userId: 'demo-admin', username: 'd', realm: 'demo', realmId: demo.id, clientId: 'admin-cli', scope: 'own-realm' };
        } else {
          throw new OAuthError('invalid_request', 'Bearer access token required', 401);
        }
      });
      registerAdminEventHook(admin, domain);
      await admin.register(eventRoutes, { domain });
      admin.post('/', async (_req, reply) => reply.code(201).header('location', `${base}/admin/realms/brand-new`).send());
      admin.put('/:realm', async (_req, reply) => reply.code(204).send());
      admin.delete('/:realm', async (_req, reply) => reply.code(204).send());
      admin.post<{ Params: { realm: string } }>('/:realm/clients', async (req, reply) =>
        reply.code(201).header('location', `${base}/admin/realms/${req.params.realm}/clients/f00-id`).send());
      admin.put('/:realm/users/:id/reset-password', async (_req, reply) => reply.code(204).send());
      admin.delete('/:realm/users/:id', async (_req, reply) => reply.code(204).send());
      admin.get('/:realm/users', async () => []);
      admin.post('/:realm/roles', async (_req, reply) => reply.code(409).send({ error: 'conflict' }));
    }, { prefix: '/admin/realms' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  after(async () => {
    await app?.close();
    await domain?.store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const json = (body: unknown) => ({ 'content-type': 'application/json', body: JSON.stringify(body) });
  const call = (method: string, path: string, headers: Record<string, string> = ADMIN, body?: unknown) => {
    const { body: payload, ...type } = body === undefined ? { body: undefined } : json(body);
    return send(`${base}/admin/realms${path}`, { method, headers: { ...headers, ...type }, body: payload });
  };
  const adminEvents = async (realm: string, query = '', headers = ADMIN) => {
    const res = await call('GET', `/${realm}/admin-events${query}`, headers);
    assert.equal(res.status, 200, res.text);
    return res.json as Array<Record<string, any>>;
  };

  it('records successful changes with who made them; not reads, not failures, never a body', async () => {
    assert.equal((await call('POST', '/demo/clients', ADMIN, { clientId: 'x', secret: NEW_PASSWORD })).status, 201);
    assert.equal((await call('PUT', '/demo/users/u-1/reset-password', ADMIN, { type: 'password', value: NEW_PASSWORD })).status, 204);
    assert.equal((await call('DELETE', '/demo/users/u-1')).status, 204);
    assert.equal((await call('GET', '/demo/users')).status, 200);
    assert.equal((await call('POST', '/demo/roles', ADMIN, { name: 'r' })).status, 409);

    const events = await adminEvents('demo');
    assert.deepEqual(events.map((e) => [e.operationType, e.resourceType, e.resourcePath]), [
      ['DELETE', 'USER', 'users/u-1'],
      ['ACTION', 'USER', 'users/u-1/reset-password'],
      ['CREATE', 'CLIENT', 'clients/f00-id'],
    ]);
    const adminCli = (await domain.clients.runtime(master.id, 'admin-cli'))!.record.id;
    for (const e of events) {
      assert.equal(e.realmId, demo.id);
      assert.deepEqual(e.authDetails, { realmId: master.id, clientId: adminCli, userId: adminId, ipAddress: '127.0.0.1' });
      assert.equal('representation' in e, false);
      assert.ok(Math.abs(e.time - Date.now()) < 60_000);
    }
    const stored = JSON.stringify(await domain.store.events.listAdmin(demo.id));
    assert.equal(stored.includes(NEW_PASSWORD), false, 'no request body reaches an event');
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
    assert.deepEqual((await adminEvents('demo', '?resourcePath=clients/F00-ID')).length, 1);
    assert.equal((await adminEvents('demo', '?max=1&first=1')).length, 1);
    assert.equal((await adminEvents('demo', `?authUser=${adminId}`)).length, 4);
    assert.equal((await adminEvents('demo', '?authUser=someone-else')).length, 0);
    assert.equal((await adminEvents('demo', '?dateTo=2001-01-01')).length, 0);
    const asc = await adminEvents('demo', '?direction=asc');
    assert.equal(asc[0].resourcePath, 'clients/f00-id');
  });

  it('GET events: Keycloak\'s filters, dates as days or milliseconds, first/max, newest first', async () => {
    const day = Date.UTC(2030, 5, 15);
    let clock = day + 1000;
    const events = new EventService(domain.store, () => clock);
    await events.login(demo, { type: 'LOGIN', clientId: 'web', userId: 'u-1', details: { username: 'alice' } });
    clock = day + 86_400_000 - 1;
    await events.login(demo, { type: 'LOGIN_ERROR', clientId: 'web', error: 'invalid_user_credentials' });
    clock = day + 86_400_000;
    await events.login(demo, { type: 'REFRESH_TOKEN', clientId: 'spa', userId: 'u-1' });
    await events.flush();
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
      id: full.id, time: day + 1000, type: 'LOGIN', realmId: demo.id, clientId: 'web', userId: 'u-1', details: { username: 'alice' },
    });
  });

  it('refuses bad parameters with 400, an unknown realm with 404, another realm\'s admin with 403', async () => {
    for (const query of ['dateFrom=yesterday', 'dateTo=2030-02-30', 'max=-1', 'first=x', 'direction=sideways']) {
      const res = await call('GET', `/demo/events?${query}`);
      assert.deepEqual([res.status, res.json.error], [400, 'invalid_request'], query);
    }
    assert.equal((await call('GET', '/nowhere/events')).status, 404);
    assert.equal((await call('GET', '/nowhere/admin-events')).status, 404);
    assert.equal((await call('GET', '/master/events', DEMO_ADMIN)).status, 403);
    assert.equal((await call('GET', '/demo/events', DEMO_ADMIN)).status, 200);
    assert.equal((await call('GET', '/demo/events', {})).status, 401);
  });
});
