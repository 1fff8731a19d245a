// A fuzz campaign (issue 13): thousands of malformed and hostile requests across every endpoint,
// from a seeded generator, against a real server. No answer may be a 5xx, leak a stack trace,
// SQL or a file path, or be JSON in any shape but the protocol's; the process must live through
// it and still sign a user in afterwards. LATCHKEY_FUZZ_SEED replays a run; LATCHKEY_FUZZ_REQUESTS
// sets its size (default 5,000).
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomInt } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { base64url, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { clientCredentials, passwordGrant, send, userinfo } from '../helpers/http.js';
import { HttpBrowser, isLoginPage, responseParams } from '../helpers/http-browser.js';
import { client, rp } from '../helpers/oidc.js';
import { ADMIN_PASSWORD, demoRealm, startServer, type TestServer } from '../helpers/server.js';

const SEED = Number(process.env.LATCHKEY_FUZZ_SEED ?? randomInt(2 ** 31));
const REQUESTS = Number(process.env.LATCHKEY_FUZZ_REQUESTS ?? 5000);
const CONCURRENCY = 8;
const BUDGET_MS = 60_000;

/** mulberry32: small, fast, and the same sequence for the same seed. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Gen = ReturnType<typeof generator>;

// What a body must never hold: a stack frame, a source location, a dependency path, SQL or a
// database driver's error, a path on this machine.
const LEAKS: Array<[string, RegExp]> = [
  ['stack trace', /\n\s+at\s+\S+|\bat\s+(?:async\s+)?\S+\s+\((?:file:|node:|\/)/],
  ['source location', /\.(?:[cm]?js|ts):\d+:\d+/],
  ['dependency path', /node_modules/],
  ['SQL', /SQLITE_[A-Z]|syntax error at or near|\bSELECT\s+\S+.*\bFROM\b|\bINSERT INTO\b|\bconstraint failed\b|duplicate key value/i],
  ['file path', /(?:\/work\/|\/tmp\/latchkey|\/usr\/lib\/|file:\/\/\/)/],
];

interface Request { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string }
interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

describe(`fuzz campaign (seed ${SEED})`, () => {
  let server: TestServer;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  /** Material the generator mixes in: real tokens, forged ones, ids. */
  const m = { jwts: [] as string[], adminToken: '', clientIds: [] as string[], userIds: [] as string[] };

  before(async () => {
    const demo = demoRealm() as { clients: object[]; users: object[] };
    demo.clients.push(
      { clientId: 'browser', publicClient: true, redirectUris: ['https://app.example/cb', 'com.example.app:/cb'] },
      { clientId: 'short', publicClient: false, secret: 'short-secret', serviceAccountsEnabled: true, attributes: { 'access.token.lifespan': '1' } },
    );
    // Never named by the generator, so no lockout can reach it: it signs in at the end.
    demo.users.push({ username: 'survivor', enabled: true, credentials: [{ type: 'password', value: 'survivor-pw' }] });
    server = await startServer({ realms: [demo, demoRealm('other')] });
    const admin = await passwordGrant(server, 'master', 'admin-cli', undefined, 'admin', ADMIN_PASSWORD);
    m.adminToken = admin.json.access_token;
    const created = await send(`${server.url}/admin/realms`, {
      method: 'POST', headers: { authorization: `Bearer ${m.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ realm: 'fuzz', enabled: true, clients: [{ clientId: 'victim' }], users: [{ username: 'target' }] }),
    });
    assert.equal(created.status, 201, created.text);
    m.clientIds = (await send(`${server.url}/admin/realms/fuzz/clients`, { headers: { authorization: `Bearer ${m.adminToken}` } })).json.map((c: { id: string }) => c.id);
    m.userIds = (await send(`${server.url}/admin/realms/fuzz/users`, { headers: { authorization: `Bearer ${m.adminToken}` } })).json.map((u: { id: string }) => u.id);

    const alice = await passwordGrant(server, 'demo', 'webapp', 'webapp-secret', 'alice', 'alice-pw', { scope: 'openid' });
    const other = await clientCredentials(server, 'other', 'machine', 'machine-secret');
    const short = await clientCredentials(server, 'demo', 'short', 'short-secret');
    m.jwts.push(alice.json.access_token, alice.json.id_token, alice.json.refresh_token, other.json.access_token, short.json.access_token, admin.json.access_token);

    // Forged tokens: alg none, HS256 keyed with the realm's public key, an unknown kid, keys the token brings itself.
    const jwks = (await send(`${server.url}/realms/demo/protocol/openid-connect/certs`)).json.keys as Array<Record<string, string>>;
    const rsa = jwks.find((k) => k.kty === 'RSA')!;
    const claims = JSON.parse(Buffer.from(alice.json.access_token.split('.')[1], 'base64url').toString());
    const header = JSON.parse(Buffer.from(alice.json.access_token.split('.')[0], 'base64url').toString());
    const enc = (o: object) => base64url.encode(JSON.stringify(o));
    m.jwts.push(`${enc({ ...header, alg: 'none' })}.${enc(claims)}.`, `${enc({ alg: 'none' })}.${enc(claims)}`);
    const publicPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
    for (const secret of [Buffer.from(rsa.n), Buffer.from(JSON.stringify(rsa)), Buffer.from(publicPem)]) {
      m.jwts.push(await new SignJWT(claims).setProtectedHeader({ ...header, alg: 'HS256' }).sign(secret));
    }
    const attacker = await generateKeyPair('ES256', { extractable: true });
    const attackerJwk = await exportJWK(attacker.publicKey);
    const forge = (extra: object, payload: object = claims) =>
      new SignJWT(payload as never).setProtectedHeader({ ...header, alg: 'ES256', ...extra }).sign(attacker.privateKey);
    m.jwts.push(
      await forge({ kid: 'no-such-key' }), await forge({ kid: header.kid }), await forge({ jwk: attackerJwk }),
      await forge({ jku: 'http://127.0.0.1:9/jwks' }), await forge({ x5u: 'http://127.0.0.1:9/cert' }),
      await forge({}, { ...claims, exp: 1 }), await forge({}, { ...claims, aud: 'elsewhere', iss: 'https://evil.example/realms/demo' }),
    );
    // The short-lived client's token has expired by the time the campaign uses it.
    await new Promise((r) => setTimeout(r, 1100));
  });
  after(async () => {
    agent.destroy();
    await server?.stop();
  });

  /** Sends a request as given, bytes and all: fetch would normalise the path and refuse some headers. */
  function fire(req: Request): Promise<Answer | { refused: string }> {
    return new Promise((resolve) => {
      let sent: ReturnType<typeof httpRequest>;
      try {
        sent = httpRequest({ host: '127.0.0.1', port: server.port, method: req.method, path: req.path, headers: req.headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (err) => resolve({ refused: `response: ${err.message}` }));
        });
      } catch (err) {
        // Node itself refuses to send some of what the generator makes (e.g. a control character in a path).
        return resolve({ refused: `client: ${(err as Error).message}` });
      }
      sent.on('error', (err) => resolve({ refused: `request: ${(err as NodeJS.ErrnoException).code ?? err.message}` }));
      sent.end(req.body);
    });
  }

  /** The generator: each call one malformed request somewhere, of one kind. */
  function makeRequest(g: Gen): { kind: string; req: Request } {
    const realm = g.pick(['demo', 'demo', 'master', 'other', 'fuzz', 'nope', '..', '.', '...', '%2e%2e', '..%2f..%2fmaster', 'r'.repeat(300), 'dem%00o', '%ff%fe', 'demo%2f..', '']);
    const weird = () => g.pick([
      '', ' ', '\u0000', 'a\u0000b', '%00', '%ff', '%c3%28', '\ud800', 'x'.repeat(g.pick([300, 5000, 70_000])), '"><script>alert(1)</script>',
      "' OR 1=1 --", '${7*7}', '<%= 7*7 %>', '../../master.key', '..\\..\\latchkey.db', '{"a":1}', '[]', 'null', 'true', '-1',
      '99999999999999999999', '1e400', 'NaN', 'javascript:alert(1)', 'data:text/html,x', 'https://evil.example/', 'http://127.0.0.1:1/',
      'ünïcödé', '🔑', g.pick(m.jwts), g.pick(m.jwts) + 'x', 'a.b.c', 'a.b', '....', 'Bearer', 'admin', 'alice', 'webapp',
    ]);
    const clientId = () => g.pick(['webapp', 'spa', 'machine', 'browser', 'admin-cli', 'security-admin-console', 'nope', weird()]);
    // A lone surrogate cannot be percent-encoded as UTF-8: it goes as the bytes a careless client would send.
    const encode = (text: string) => { try { return encodeURIComponent(text); } catch { return '%ED%A0%80'; } };
    const encodeParams = (params: Array<[string, string]>) => params.map(([k, v]) => `${encode(k)}=${g.chance(0.1) ? v : encode(v)}`).join('&');
    /** Parameters with some duplicated, some in array syntax, values odd. */
    const params = (names: string[]): Array<[string, string]> => {
      const out: Array<[string, string]> = [];
      for (const name of names) {
        if (g.chance(0.25)) continue;
        const value = name === 'client_id' ? clientId() : g.chance(0.5) ? weird() : g.pick(['code', 'openid', 'S256', 'plain', 'query', 'fragment', 'form_post', 'password', 'refresh_token', 'client_credentials', 'authorization_code', 'https://app.example/cb']);
        out.push([g.chance(0.08) ? `${name}[]` : name, value]);
        if (g.chance(0.1)) out.push([name, weird()]);
      }
      if (g.chance(0.1)) out.push([weird().slice(0, 50), weird()]);
      return out;
    };
    const contentType = () => g.pick([
      'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=latin1',
      'application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'application/x-www-form-urlencoded; charset=',
      '', '*/*', 'application/json; charset=utf-16',
    ]);
    const auth = () => g.pick([
      `Basic ${Buffer.from(`${clientId()}:${weird()}`).toString('base64')}`, 'Basic', 'Basic ', 'Basic !!!notbase64', `Basic ${Buffer.from('nocolon').toString('base64')}`,
      `Basic ${Buffer.from('%zz:%zz').toString('base64')}`, `Basic ${Buffer.from('a:b:c').toString('base64')}`, `Bearer ${g.pick(m.jwts)}`,
      `Bearer ${weird()}`, 'Bearer', 'Digest x', `bearer ${g.pick(m.jwts)}`, `Bearer ${m.adminToken}`,
    ]);
    const body = (names: string[]): Buffer | string => {
      const kind = g.int(10);
      if (kind === 0) return Buffer.from([0x67, 0x72, 0x61, 0x6e, 0x74, 0x5f, 0x74, 0x79, 0x70, 0x65, 0x3d, 0xff, 0xfe, 0xc3, 0x28, 0x00]);
      if (kind === 1) return JSON.stringify(Object.fromEntries(params(names)));
      if (kind === 2) return 'x'.repeat(g.pick([1, 1000, 70_000]));
      return encodeParams(params(names));
    };
    const headers = (extra: Record<string, string> = {}): Record<string, string> => {
      const h: Record<string, string> = { ...extra };
      if (g.chance(0.3)) h.authorization = auth();
      if (g.chance(0.1)) h['x-request-id'] = g.pick(['a'.repeat(200), '../../x', 'id with spaces']);
      if (g.chance(0.1)) h['accept-language'] = g.pick(['de', 'zz', '*;q=x', 'x'.repeat(500)]);
      if (g.chance(0.05)) h.cookie = `LATCHKEY_SESSION=${weird().slice(0, 200)}; _csrf=${weird().slice(0, 100)}`;
      if (g.chance(0.05)) h.origin = g.pick(['https://evil.example', 'null', 'http://localhost']);
      return h;
    };
    const oidc = (endpoint: string) => `/realms/${realm}/protocol/openid-connect/${endpoint}`;
    const query = (names: string[]) => (g.chance(0.9) ? `?${encodeParams(params(names))}` : `?${weird()}`);
    const form = (endpoint: string, names: string[]): Request => {
      const extra: Record<string, string> = g.chance(0.9) ? { 'content-type': contentType() } : {};
      return { method: g.chance(0.9) ? 'POST' : g.pick(['GET', 'PUT', 'DELETE', 'PATCH']), path: oidc(endpoint), headers: headers(extra), body: body(names) };
    };

    const kinds: Array<[string, number, () => Request]> = [
      ['token', 14, () => form('token', ['grant_type', 'client_id', 'client_secret', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope',
        ...(g.chance(0.15) ? ['username', 'password'] : []), 'client_assertion', 'client_assertion_type', 'audience', 'claims'])],
      ['introspect', 6, () => form('token/introspect', ['token', 'token_type_hint', 'client_id', 'client_secret'])],
      ['revoke', 6, () => form('revoke', ['token', 'token_type_hint', 'client_id', 'client_secret'])],
      ['par', 6, () => form('ext/par/request', ['client_id', 'client_secret', 'client_assertion', 'client_assertion_type', 'response_type',
        'redirect_uri', 'scope', 'state', 'request', 'request_uri', 'code_challenge', 'claims', 'max_age'])],
      ['userinfo', 8, () => (g.chance(0.5)
        ? { method: 'GET', path: oidc('userinfo') + (g.chance(0.3) ? query(['access_token']) : ''), headers: headers({ authorization: g.chance(0.8) ? auth() : '' }) }
        : form('userinfo', ['access_token']))],
      ['authorization', 14, () => {
        const names = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'response_mode', 'code_challenge', 'code_challenge_method',
          'prompt', 'max_age', 'id_token_hint', 'login_hint', 'ui_locales', 'claims', 'request', 'request_uri', 'acr_values'];
        return g.chance(0.7) ? { method: 'GET', path: oidc('auth') + query(names), headers: headers() } : { ...form('auth', names), method: 'POST' };
      }],
      ['logout', 8, () => {
        const names = ['id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id', 'ui_locales', '_csrf'];
        return g.chance(0.5) ? { method: 'GET', path: oidc('logout') + query(names), headers: headers() } : form(g.pick(['logout', 'logout/confirm']), names);
      }],
      ['login-actions', 8, () => ({
        method: g.chance(0.8) ? 'POST' : 'GET',
        path: `/realms/${realm}/login-actions/${g.pick(['authenticate', 'consent', 'continue', 'update-password', 'registration', 'reset-credentials', 'verify-email', 'action-token', 'nope'])}${query(['session_code', 'execution', 'client_id', 'tab_id', 'key'])}`,
        headers: headers({ 'content-type': contentType() }),
        body: body(['username', 'password', '_csrf', 'interaction', 'accept', 'password-new', 'password-confirm', 'credentialId', 'email', 'firstName', 'resend']),
      })],
      ['broker', 5, () => ({
        method: g.chance(0.5) ? 'GET' : 'POST',
        path: `/realms/${realm}/broker/${g.pick(['google', 'nope', '..', weird().slice(0, 40)])}/${g.pick(['endpoint', 'login', 'link', 'endpoint/logout_response'])}${query(['code', 'state', 'error', 'id_token', 'session_state', 'iss'])}`,
        headers: headers({ 'content-type': contentType() }),
        body: body(['code', 'state', 'id_token', 'error', 'password']),
      })],
      ['discovery and keys', 6, () => ({
        method: g.pick(['GET', 'GET', 'HEAD', 'POST', 'OPTIONS']),
        path: g.pick([`/realms/${realm}/.well-known/openid-configuration`, `/realms/${realm}/.well-known/oauth-authorization-server`,
          `/.well-known/oauth-authorization-server/realms/${realm}`, `/.well-known/openid-configuration/realms/${realm}`, oidc('certs')]) + (g.chance(0.2) ? query(['x']) : ''),
        headers: headers(g.chance(0.3) ? { origin: 'https://evil.example', 'access-control-request-method': 'POST' } : {}),
      })],
      ['traversal and assets', 8, () => ({
        method: 'GET',
        path: g.pick([
          `/resources/latchkey/${g.pick(['styles.css', '../../package.json', '..%2f..%2fpackage.json', '%2e%2e/%2e%2e/latchkey.mjs', '....//....//master.key', 'x%00.css', '..\\..\\x', '%c0%ae%c0%ae/x'])}`,
          `/resources/${g.pick(['..', 'other', '%2e%2e'])}/styles.css`,
          `/admin/master/console/${g.pick(['', '../../../master.key', '..%2f..%2flatchkey.db', 'index.html%00', 'x'.repeat(3000)])}`,
          `/realms/${realm}/${g.pick(['../../admin/realms', '..%2f..%2fadmin', '%2e%2e/protocol', ''])}`,
          `/${g.pick(['realms', 'admin', 'health', 'metrics'])}/${weird().slice(0, 100).replace(/[\s\u0000-\u001f]/g, '')}`,
        ]),
        headers: headers(),
      })],
      ['admin API', 15, () => {
        // Writes go to the realm made for them; elsewhere only reads, so the sign-in at the end is not undone.
        const id = g.pick([...m.clientIds, ...m.userIds, 'nope', '..', weird().slice(0, 60).replace(/[\s\u0000-\u001f?#]/g, '')]);
        const write = g.chance(0.6);
        const target = write ? 'fuzz' : realm;
        const path = `/admin/realms/${target}${g.pick(['', '/clients', `/clients/${id}`, `/clients/${id}/secrets`, '/users', `/users/${id}`,
          `/users/${id}/reset-password`, `/users/${id}/groups`, '/groups', '/roles', `/roles/${id}`, '/events', '/admin-events', '/events/config',
          `/users/${id}/role-mappings/realm`, '/identity-provider/instances', `/identity-provider/instances/${id}`, `/attack-detection/brute-force/users/${id}`,
          '/keys', `/users?first=${weird().slice(0, 30)}&max=${weird().slice(0, 30)}`, `/events?max=${g.pick(['99999999999', '-1', 'x', '1e400'])}`])}`;
        const value = () => g.pick<unknown>([weird(), 1, -1, 1e308, true, null, [], {}, [weird()], { a: weird() }, 'x'.repeat(5000)]);
        const rep = Object.fromEntries(['realm', 'clientId', 'username', 'enabled', 'redirectUris', 'attributes', 'secret', 'name', 'email',
          'credentials', 'value', 'type', 'temporary', 'eventsEnabled', 'failureFactor', 'protocolMappers', 'config', 'alias', 'providerId',
          'publicClient', 'webOrigins', 'requiredActions', 'firstName'].filter(() => g.chance(0.3)).map((k) => [k, value()]));
        const raw = g.pick([JSON.stringify(rep), JSON.stringify(rep), JSON.stringify([rep]), '{"a":', 'null', '"x"', '12', JSON.stringify({ __proto__: { admin: true }, constructor: { prototype: {} } })]);
        const method = write ? g.pick(['POST', 'PUT', 'DELETE']) : g.pick(['GET', 'GET', 'OPTIONS', 'HEAD']);
        const h = headers({ 'content-type': g.chance(0.85) ? 'application/json' : contentType() });
        if (g.chance(0.8)) h.authorization = `Bearer ${m.adminToken}`;
        // Never the realm itself: later requests need it.
        return { method: method === 'DELETE' && path === '/admin/realms/fuzz' ? 'GET' : method, path, headers: h, body: method === 'GET' || method === 'HEAD' ? undefined : raw };
      }],
      ['health and metrics', 2, () => ({ method: g.pick(['GET', 'POST']), path: g.pick(['/health/ready', '/health/live', '/metrics', '/health/ready?x=%00']), headers: headers() })],
    ];
    const total = kinds.reduce((n, [, w]) => n + w, 0);
    let r = g.next() * total;
    for (const [kind, weight, make] of kinds) {
      r -= weight;
      if (r < 0) return { kind, req: make() };
    }
    return { kind: kinds[0][0], req: kinds[0][2]() };
  }

  it(`${REQUESTS} malformed requests: no 5xx, no crash, JSON errors in the protocol's shape, nothing internal in a body`, async () => {
    const g = generator(SEED);
    const started = Date.now();
    const counts = new Map<string, number>();
    const statuses = new Map<number, number>();
    const problems: string[] = [];
    let refused = 0;
    let sent = 0;
    const requests = Array.from({ length: REQUESTS }, () => makeRequest(g));
    const worker = async () => {
      for (;;) {
        const next = requests[sent++];
        if (!next || Date.now() - started > BUDGET_MS) return;
        const { kind, req } = next;
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
        const answer = await fire(req);
        const where = `${kind}: ${req.method} ${req.path.slice(0, 150)}`;
        if ('refused' in answer) {
          refused++;
          // Only connections this server closed on purpose (an oversized header, a malformed request line) may end early,
          // and a kept-alive connection the server had just closed may be reused by the client before it learns so.
          if (!/client:|ECONNRESET|EPIPE|socket hang up|HPE_CLOSED_CONNECTION/.test(answer.refused)) problems.push(`${where}: ${answer.refused}`);
          continue;
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status >= 500) problems.push(`${where}: ${answer.status} ${answer.body.slice(0, 300)}`);
        for (const [what, pattern] of LEAKS) if (pattern.test(answer.body)) problems.push(`${where}: ${what} in ${answer.status} ${answer.body.slice(0, 300)}`);
        const type = String(answer.headers['content-type'] ?? '');
        if (answer.status >= 400 && type.startsWith('application/json') && answer.body !== '') {
          let json: unknown;
          try { json = JSON.parse(answer.body); } catch { json = undefined; }
          const shaped = json !== null && typeof json === 'object' && typeof (json as { error?: unknown }).error === 'string'
            && ['undefined', 'string'].includes(typeof (json as { error_description?: unknown }).error_description);
          if (!shaped) problems.push(`${where}: not the protocol's error shape: ${answer.status} ${answer.body.slice(0, 300)}`);
        }
        if (server.process.exitCode !== null) throw new Error(`the server exited (${server.process.exitCode}) after ${where}\n${server.output().slice(-3000)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = Date.now() - started;
    const done = [...counts.values()].reduce((a, b) => a + b, 0);
    console.log(`fuzz seed ${SEED}: ${done} requests in ${elapsed} ms (${refused} closed by the server before an answer)`);
    console.log(`  by kind: ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    console.log(`  by status: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s} ${n}`).join(', ')}`);
    const failures = server.output().split('\n').filter((line) => line.includes('request failed')).slice(0, 5).join('\n');
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems (seed ${SEED}); the first:\n${problems.slice(0, 20).join('\n')}\n${failures}`);
    assert.equal(done, REQUESTS, `all ${REQUESTS} requests within ${BUDGET_MS} ms (seed ${SEED}): ${done} in ${elapsed} ms`);
    assert.equal(server.process.exitCode, null, 'the server is still running');
  });

  it('and afterwards the server still signs a user in: the password grant through openid-client, and the code flow in a browser', async () => {
    const config = await rp(server, 'demo', 'webapp', 'webapp-secret');
    const tokens = await client.genericGrantRequest(config, 'password', { username: 'survivor', password: 'survivor-pw', scope: 'openid' });
    assert.ok(tokens.access_token);
    const info = await userinfo(server, 'demo', tokens.access_token);
    assert.equal(info.status, 200, info.text);
    assert.equal(info.json.preferred_username, 'survivor');

    const browser = new HttpBrowser();
    const page = await browser.visit(`${server.url}/realms/demo/protocol/openid-connect/auth?${new URLSearchParams({
      response_type: 'code', client_id: 'browser', redirect_uri: 'https://app.example/cb', scope: 'openid', state: 'after-fuzz',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    })}`);
    assert.ok(isLoginPage(page), `the login page: ${page.status}`);
    const done = await browser.signIn(page, 'survivor', 'survivor-pw');
    assert.equal(responseParams(done).state, 'after-fuzz');
    assert.ok(responseParams(done).code, `a code: ${done.status} ${done.location}`);
  });
});
