import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { DPOP_ALGORITHMS, latchkeyFastify } from '../src/index.js';
import { startServer, tamper, type RunningServer } from './support/server.js';

// RFC 9449 §7.1: without a token, both schemes are offered.
const BARE_CHALLENGE = `Bearer realm="demo", DPoP algs="${DPOP_ALGORITHMS.join(' ')}"`;

describe('Fastify plugin against a running Latchkey', () => {
  let server: RunningServer;
  let app: FastifyInstance;

  before(async () => {
    server = await startServer();
    app = Fastify();
    await app.register(latchkeyFastify, { issuer: server.issuer, audience: 'notes-api' });
    app.get('/me', async (request) => request.auth);
    app.get('/public', { config: { auth: false } }, async (request) => ({ auth: request.auth }));
    app.get('/notes', { config: { auth: { scopes: ['notes:read'], roles: ['reader', 'notes-api:editor'] } } }, async () => 'ok');
    app.post('/notes', { config: { auth: { scopes: ['notes:write'] } } }, async () => 'written');
    app.delete('/notes', { config: { auth: { roles: ['admin'] } } }, async () => 'deleted');
    app.put('/notes', { config: { auth: { roles: ['notes-api:owner'] } } }, async () => 'owned');
  });

  after(async () => {
    await app?.close();
    await server?.stop();
  });

  const get = (url: string, token?: string) =>
    app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('puts the verified claims on request.auth', async () => {
    const response = await get('/me', await server.token('api-client'));
    assert.equal(response.statusCode, 200);
    const claims = response.json();
    assert.equal(claims.iss, server.issuer);
    assert.equal(claims.client_id, 'api-client');
    assert.ok(claims.realm_access.roles.includes('reader'));
  });

  it('accepts the scheme in any case', async () => {
    const token = await server.token('api-client');
    const response = await app.inject({ method: 'GET', url: '/me', headers: { authorization: `bEaReR ${token}` } });
    assert.equal(response.statusCode, 200);
  });

  it('answers 401 with the bare Bearer and DPoP challenges when no token is sent', async () => {
    const response = await get('/me');
    assert.equal(response.statusCode, 401);
    assert.equal(response.headers['www-authenticate'], BARE_CHALLENGE);
    assert.equal(response.json().error, 'missing_token');
  });

  it('leaves routes with auth: false public', async () => {
    const response = await get('/public');
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { auth: null });
  });

  it('rejects a tampered token as invalid_token', async () => {
    const token = tamper(await server.token('api-client'), { sub: 'someone-else' });
    const response = await get('/me', token);
    assert.equal(response.statusCode, 401);
    assert.match(response.headers['www-authenticate'] as string, /^Bearer realm="demo", error="invalid_token", error_description="[^"]+"$/);
    assert.deepEqual(response.json(), { error: 'invalid_token', error_description: 'The access token signature is invalid' });
  });

  it('rejects an expired token', async () => {
    const token = await server.token('short-client');
    assert.equal((await get('/me', token)).statusCode, 200);
    await sleep(3100);
    const response = await get('/me', token);
    assert.equal(response.statusCode, 401);
    assert.deepEqual(response.json(), { error: 'invalid_token', error_description: 'The access token expired' });
  });

  it('rejects a token meant for another audience', async () => {
    const other = Fastify();
    await other.register(latchkeyFastify, { issuer: server.issuer, audience: 'billing-api' });
    other.get('/', async () => 'ok');
    const response = await other.inject({ url: '/', headers: { authorization: `Bearer ${await server.token('api-client')}` } });
    await other.close();
    assert.equal(response.statusCode, 401);
    assert.match(response.headers['www-authenticate'] as string, /error="invalid_token".*audience/);
  });

  it('lets a route through when scopes and roles are all granted', async () => {
    const response = await get('/notes', await server.token('api-client'));
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, 'ok');
  });

  it('answers 403 insufficient_scope with the required scope when one is missing', async () => {
    const response = await app.inject({ method: 'POST', url: '/notes', headers: { authorization: `Bearer ${await server.token('api-client')}` } });
    assert.equal(response.statusCode, 403);
    assert.equal(
      response.headers['www-authenticate'],
      'Bearer realm="demo", error="insufficient_scope", error_description="The access token lacks the required scope(s): notes:write", scope="notes:write"',
    );
    assert.equal(response.json().error, 'insufficient_scope');
  });

  it('grants a scope that was asked for', async () => {
    const token = await server.token('api-client', 'notes:write');
    const response = await app.inject({ method: 'POST', url: '/notes', headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.statusCode, 200);
  });

  it('answers 403 insufficient_scope for a missing realm or client role', async () => {
    const token = await server.token('api-client');
    for (const method of ['DELETE', 'PUT'] as const) {
      const response = await app.inject({ method, url: '/notes', headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.statusCode, 403, method);
      assert.equal(response.json().error, 'insufficient_scope');
      assert.doesNotMatch(response.headers['www-authenticate'] as string, /scope="/);
    }
  });

  it('answers 400 invalid_request when the token is sent twice', async () => {
    const token = await server.token('api-client');
    const response = await get(`/me?access_token=${token}`, token);
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error, 'invalid_request');
  });
});
