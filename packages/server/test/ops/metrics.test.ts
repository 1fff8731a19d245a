import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clientCredentials, passwordGrant, send } from '../helpers/http.js';
import { HttpBrowser, responseParams } from '../helpers/http-browser.js';
import { ADMIN_PASSWORD, demoRealm, realmUrl, startServer, type TestServer } from '../helpers/server.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../storage/databases.js';
import { parseMetrics } from './helpers.js';

const TOKEN_ROUTE = '/realms/:realm/protocol/openid-connect/token';
const REDIRECT = 'http://localhost:9/cb';

/** A browser app that may have tokens from the authorization endpoint, and an account that locks after two wrong passwords. */
const flows = {
  realm: 'flows', enabled: true, bruteForceProtected: true, failureFactor: 2, waitIncrementSeconds: 60, maxFailureWaitSeconds: 900,
  clients: [{ clientId: 'browser-app', publicClient: true, implicitFlowEnabled: true, directAccessGrantsEnabled: true, redirectUris: [REDIRECT] }],
  users: [
    { username: 'erin', enabled: true, credentials: [{ type: 'password', value: 'erin-pw' }] },
    { username: 'lou', enabled: true, credentials: [{ type: 'password', value: 'lou-pw' }] },
  ],
};

const scrape = async (server: TestServer) => {
  const res = await send(`${server.url}/metrics`);
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  return { text: res.text, samples: parseMetrics(res.text) };
};

describe('/metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ realms: [demoRealm(), flows] });
  });
  after(async () => {
    await server?.stop();
  });

  it('counts requests per route pattern, tokens per grant and sign-in failures per reason, with default process metrics', async () => {
    assert.equal((await clientCredentials(server, 'demo', 'machine', 'machine-secret')).status, 200);
    assert.equal((await passwordGrant(server, 'demo', 'webapp', 'webapp-secret', 'alice', 'alice-pw')).status, 200);
    assert.equal((await passwordGrant(server, 'demo', 'webapp', 'webapp-secret', 'alice', 'wrong-pw')).status, 400);
    assert.equal((await passwordGrant(server, 'demo', 'webapp', 'webapp-secret', 'bob', 'bob-pw')).status, 400);
    assert.equal((await passwordGrant(server, 'demo', 'webapp', 'wrong-client-secret', 'alice', 'alice-pw')).status, 401);
    assert.equal((await send(`${server.url}/no/such/path/abc123`)).status, 404);
    assert.equal((await send(realmUrl(server, 'demo', '/.well-known/openid-configuration'))).status, 200);

    const { text, samples } = await scrape(server);
    const value = (name: string) => samples.get(name) ?? 0;
    assert.equal(value('latchkey_tokens_issued_total{grant_type="client_credentials"}'), 1, text);
    assert.equal(value('latchkey_tokens_issued_total{grant_type="password"}'), 1, text);
    assert.equal(value('latchkey_sign_in_failures_total{reason="invalid_credentials"}'), 1, text);
    assert.equal(value('latchkey_sign_in_failures_total{reason="disabled"}'), 1, text);
    assert.equal(value(`latchkey_http_requests_total{method="POST",route="${TOKEN_ROUTE}",status_code="200"}`), 2, text);
    assert.equal(value(`latchkey_http_requests_total{method="POST",route="${TOKEN_ROUTE}",status_code="400"}`), 2, text);
    assert.equal(value(`latchkey_http_requests_total{method="POST",route="${TOKEN_ROUTE}",status_code="401"}`), 1, text);
    assert.equal(value(`latchkey_http_request_duration_seconds_count{method="POST",route="${TOKEN_ROUTE}"}`), 5, text);
    assert.ok(value(`latchkey_http_request_duration_seconds_sum{method="POST",route="${TOKEN_ROUTE}"}`) > 0);
    assert.equal(value('latchkey_http_requests_total{method="GET",route="unmatched",status_code="404"}'), 1, text);
    assert.equal(value('latchkey_http_requests_total{method="GET",route="/realms/:realm/.well-known/openid-configuration",status_code="200"}'), 1);

    // Bounded labels: no raw URL, no realm name, no path of a 404.
    assert.ok(!text.includes('/realms/demo'), 'no raw realm URL in a label');
    assert.ok(!text.includes('abc123'), 'no unmatched path in a label');
    assert.doesNotMatch(text, /realm="/, 'no realm label');
    // Node's own metrics, and nothing about a pool that SQLite does not have.
    assert.ok(samples.has('process_cpu_user_seconds_total'), 'process metrics');
    assert.ok([...samples.keys()].some((k) => k.startsWith('nodejs_heap_size_total_bytes')), 'Node.js heap metrics');
    assert.ok(![...samples.keys()].some((k) => k.startsWith('latchkey_db_pool')), 'no pool metrics for SQLite');
  });

  it('counts the access tokens of the authorization endpoint as grant_type implicit, and sign-ins refused as locked', async () => {
    const before = (await scrape(server)).samples;
    const browser = new HttpBrowser();
    const authorize = async (responseType: string) => responseParams(await browser.authorize(`${realmUrl(server, 'flows', '/protocol/openid-connect/auth')}?${new URLSearchParams({
      client_id: 'browser-app', redirect_uri: REDIRECT, response_type: responseType, scope: 'openid', nonce: 'n-0S6_WzA2Mj', state: 'af0ifjsldkj',
    })}`, { username: 'erin', password: 'erin-pw' }));
    const withToken = ['id_token token', 'code id_token token', 'code token'];
    for (const type of ['code', ...withToken, 'code id_token', 'id_token']) {
      const params = await authorize(type);
      assert.equal(params.error, undefined, `${type}: ${JSON.stringify(params)}`);
      assert.equal('access_token' in params, withToken.includes(type), type);
    }

    const signIn = (password: string) => passwordGrant(server, 'flows', 'browser-app', undefined, 'lou', password);
    for (const password of ['wrong', 'wrong', 'lou-pw']) assert.equal((await signIn(password)).status, 400);

    const { text, samples } = await scrape(server);
    const delta = (name: string) => (samples.get(name) ?? 0) - (before.get(name) ?? 0);
    assert.equal(delta('latchkey_tokens_issued_total{grant_type="implicit"}'), withToken.length, text);
    assert.equal(delta('latchkey_sign_in_failures_total{reason="invalid_credentials"}'), 2, text);
    assert.equal(delta('latchkey_sign_in_failures_total{reason="locked"}'), 1, text);
  });

  it('sits under the relative path', async () => {
    const nested = await startServer({ args: ['--http-relative-path', '/auth'] });
    try {
      const res = await send(`${nested.url}/metrics`);
      assert.equal(nested.url.endsWith('/auth'), true);
      assert.equal(res.status, 200);
      assert.match(res.text, /latchkey_http_requests_total\{method="GET",route="\/auth\/health\/ready",status_code="200"\}/);
      assert.equal((await send(`http://127.0.0.1:${nested.port}/metrics`)).status, 404);
    } finally {
      await nested.stop();
    }
  });
});

describe('/metrics with PostgreSQL', () => {
  let skip: string | undefined;
  let db: TestDatabase | undefined;
  before(async () => {
    skip = await postgresUnavailable();
    if (!skip) db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  it('reports the connection pool as gauges read at each scrape', async (t) => {
    if (skip) return t.skip(skip);
    const server = await startServer({ args: ['--database-url', db!.url, '--db-pool-size', '3'] });
    try {
      const signIns = await Promise.all(Array.from({ length: 4 }, () => passwordGrant(server, 'master', 'admin-cli', undefined, 'admin', ADMIN_PASSWORD)));
      for (const res of signIns) assert.equal(res.status, 200, res.text);
      const { text, samples } = await scrape(server);
      const total = samples.get('latchkey_db_pool_connections');
      const idle = samples.get('latchkey_db_pool_idle_connections');
      const waiting = samples.get('latchkey_db_pool_waiting_requests');
      assert.ok(total !== undefined && idle !== undefined && waiting !== undefined, text);
      assert.ok(total >= 1 && total <= 3, `1..3 connections open: ${total}`);
      assert.ok(idle <= total);
      assert.equal(waiting, 0);
    } finally {
      await server.stop();
    }
  });
});
