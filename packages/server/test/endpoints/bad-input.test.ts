import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  assertProtocolError, clientCredentials, introspectUrl, oidcPath, passwordGrant, revokeUrl, send, sleep, tokenUrl,
  userinfoUrl, type JsonResponse,
} from '../helpers/http.js';
import { basic, demoRealm, form, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

/** The demo realm plus a client whose access tokens live one second. */
function realmWithShortTokens(): object {
  const realm = demoRealm() as { clients: object[] };
  realm.clients.push({
    clientId: 'short-lived', publicClient: false, secret: 'short-secret', serviceAccountsEnabled: true,
    attributes: { 'access.token.lifespan': '1' },
  });
  return realm;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

interface Case {
  name: string;
  send: () => Promise<JsonResponse>;
  status: number;
  error?: string;
  description?: RegExp;
  /** Asserted against WWW-Authenticate; `null` means the header must be absent. */
  challenge?: RegExp;
}

describe('bad input: every bad request gets a clear 4xx in the protocol\'s JSON shape', () => {
  let server: TestServer;
  // Filled in before(): tokens the cases below present.
  const t = { shortToken: '', shortTokenAt: 0, alice: '', aliceIdToken: '', otherRealm: '' };

  before(async () => {
    server = await startServer({ realms: [realmWithShortTokens(), demoRealm('other')] });
    const short = await clientCredentials(server, 'demo', 'short-lived', 'short-secret');
    assert.equal(short.status, 200, short.text);
    assert.equal(short.json.expires_in, 1, 'access.token.lifespan "1" gives one-second tokens');
    t.shortToken = short.json.access_token;
    t.shortTokenAt = Date.now();
    const alice = await passwordGrant(server, 'demo', 'webapp', 'webapp-secret', 'alice', 'alice-pw', { scope: 'openid' });
    assert.equal(alice.status, 200, alice.text);
    t.alice = alice.json.access_token;
    t.aliceIdToken = alice.json.id_token;
    const other = await clientCredentials(server, 'other', 'machine', 'machine-secret');
    assert.equal(other.status, 200, other.text);
    t.otherRealm = other.json.access_token;
  });
  after(async () => { await server?.stop(); });

  const url = (path: string) => `${server.url}${path}`;
  const demo = (path: string) => realmUrl(server, 'demo', path);
  const nope = (path: string) => realmUrl(server, 'nope', path);
  const postRaw = (target: string, body: string, headers: Record<string, string> = FORM) =>
    send(target, { method: 'POST', headers, body });
  const atUserinfo = (token: string) => send(userinfoUrl(server, 'demo'), { headers: { authorization: `Bearer ${token}` } });
  /** Changes one character in the middle of the signature, so it no longer verifies. */
  const tamperSignature = (jwt: string) => {
    const [h, p, s] = jwt.split('.');
    const i = Math.floor(s.length / 2);
    return `${h}.${p}.${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
  };
  const tamperPayload = (jwt: string) => {
    const [h, p, s] = jwt.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    claims.sub = 'someone-else';
    return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
  };
  const INVALID_TOKEN = /^Bearer realm="demo", error="invalid_token"/;
  const BASIC = /^Basic realm="demo"/;

  const cases: Case[] = [
    // Unknown realm: 404 in JSON on every endpoint.
    { name: 'unknown realm: openid-configuration', send: () => send(nope('/.well-known/openid-configuration')), status: 404 },
    { name: 'unknown realm: oauth-authorization-server', send: () => send(nope('/.well-known/oauth-authorization-server')), status: 404 },
    { name: 'unknown realm: RFC 8414 root well-known', send: () => send(url('/.well-known/oauth-authorization-server/realms/nope')), status: 404 },
    { name: 'unknown realm: certs', send: () => send(nope(oidcPath('certs'))), status: 404 },
    {
      name: 'unknown realm: token',
      send: () => postForm(tokenUrl(server, 'nope'), { grant_type: 'client_credentials', client_id: 'machine', client_secret: 'machine-secret' }),
      status: 404,
    },
    { name: 'unknown realm: userinfo GET', send: () => send(nope(oidcPath('userinfo')), { headers: { authorization: `Bearer ${t.alice}` } }), status: 404 },
    { name: 'unknown realm: userinfo POST', send: () => postRaw(nope(oidcPath('userinfo')), form({ access_token: t.alice })), status: 404 },
    {
      name: 'unknown realm: introspect',
      send: () => postForm(introspectUrl(server, 'nope'), { token: t.alice }, { authorization: basic('webapp', 'webapp-secret') }),
      status: 404,
    },
    {
      name: 'unknown realm: revoke',
      send: () => postForm(revokeUrl(server, 'nope'), { token: t.alice }, { authorization: basic('webapp', 'webapp-secret') }),
      status: 404,
    },
    // Realm names may be up to 255 characters; an unknown long one is still just an unknown realm.
    { name: 'unknown realm with a 150-character name: certs', send: () => send(realmUrl(server, 'r'.repeat(150), oidcPath('certs'))), status: 404 },
    { name: 'malformed percent-encoding in the realm path segment', send: () => send(url(`/realms/%ZZ${oidcPath('certs')}`)), status: 400 },

    // Wrong content type on the form endpoints.
    ...(['token', 'token/introspect', 'revoke'] as const).flatMap((endpoint): Case[] => {
      const params: Record<string, string> = endpoint === 'token' ? { grant_type: 'client_credentials' } : { token: 'x' };
      const auth = { authorization: basic('machine', 'machine-secret') };
      return [
        {
          name: `${endpoint}: JSON body`,
          send: () => postRaw(demo(oidcPath(endpoint)), JSON.stringify(params), { 'content-type': 'application/json', ...auth }),
          status: 400, error: 'invalid_request',
        },
        {
          name: `${endpoint}: text/plain body`,
          send: () => postRaw(demo(oidcPath(endpoint)), form(params), { 'content-type': 'text/plain', ...auth }),
          status: 400, error: 'invalid_request',
        },
      ];
    }),

    // A parameter given twice (RFC 6749 §3.2).
    {
      name: 'grant_type twice',
      send: () => postRaw(tokenUrl(server, 'demo'), 'grant_type=client_credentials&grant_type=password&client_id=machine&client_secret=machine-secret'),
      status: 400, error: 'invalid_request', description: /grant_type/,
    },
    {
      name: 'client_id twice',
      send: () => postRaw(tokenUrl(server, 'demo'), 'grant_type=client_credentials&client_id=machine&client_id=webapp&client_secret=machine-secret'),
      status: 400, error: 'invalid_request', description: /client_id/,
    },
    {
      name: 'token twice at introspection',
      send: () => postRaw(introspectUrl(server, 'demo'), 'token=a&token=b', { ...FORM, authorization: basic('webapp', 'webapp-secret') }),
      status: 400, error: 'invalid_request',
    },

    // Oversized body.
    {
      name: 'body over 64 KiB at token',
      send: () => postRaw(tokenUrl(server, 'demo'), `grant_type=client_credentials&pad=${'a'.repeat(70 * 1024)}`),
      status: 413,
    },
    {
      name: 'body over 64 KiB at introspect',
      send: () => postRaw(introspectUrl(server, 'demo'), `token=${'a'.repeat(70 * 1024)}`, { ...FORM, authorization: basic('webapp', 'webapp-secret') }),
      status: 413,
    },

    // Broken Basic credentials: 401 with a Basic challenge.
    {
      name: 'Basic header with garbage base64',
      send: () => postForm(tokenUrl(server, 'demo'), { grant_type: 'client_credentials' }, { authorization: 'Basic !!!not*base64$$' }),
      status: 401, error: 'invalid_client', challenge: BASIC,
    },
    {
      name: 'Basic header without a colon',
      send: () => postForm(tokenUrl(server, 'demo'), { grant_type: 'client_credentials' }, { authorization: `Basic ${Buffer.from('machine').toString('base64')}` }),
      status: 401, error: 'invalid_client', challenge: BASIC,
    },
    {
      name: 'Basic header with bad percent-encoding',
      send: () => postForm(tokenUrl(server, 'demo'), { grant_type: 'client_credentials' }, { authorization: `Basic ${Buffer.from('%ZZ:x').toString('base64')}` }),
      status: 401, error: 'invalid_client', challenge: BASIC,
    },
    {
      name: 'Basic header with garbage base64 at introspection',
      send: () => postForm(introspectUrl(server, 'demo'), { token: 'x' }, { authorization: 'Basic %%%' }),
      status: 401, error: 'invalid_client', challenge: BASIC,
    },

    // Grant type.
    {
      name: 'unknown grant_type',
      send: () => postForm(tokenUrl(server, 'demo'), { grant_type: 'urn:example:nope', client_id: 'machine', client_secret: 'machine-secret' }),
      status: 400, error: 'unsupported_grant_type',
    },
    {
      name: 'grant_type naming an Object.prototype member',
      send: () => postForm(tokenUrl(server, 'demo'), { grant_type: 'constructor', client_id: 'machine', client_secret: 'machine-secret' }),
      status: 400, error: 'unsupported_grant_type',
    },
    {
      name: 'missing grant_type',
      send: () => postForm(tokenUrl(server, 'demo'), { client_id: 'machine', client_secret: 'machine-secret' }),
      status: 400, error: 'invalid_request', description: /grant_type/,
    },

    // Client authentication.
    {
      name: 'wrong client secret (client_secret_post)',
      send: () => postForm(tokenUrl(server, 'demo'), { grant_type: 'client_credentials', client_id: 'machine', client_secret: 'wrong' }),
      status: 401, error: 'invalid_client',
    },
    {
      name: 'wrong client secret (client_secret_basic) challenges with Basic',
      send: () => clientCredentials(server, 'demo', 'machine', 'wrong'),
      status: 401, error: 'invalid_client', challenge: BASIC,
    },
    {
      name: 'unknown client',
      send: () => clientCredentials(server, 'demo', 'nobody', 'x'),
      status: 401, error: 'invalid_client', challenge: BASIC,
    },
    {
      name: 'confidential client without its secret',
      send: () => postForm(tokenUrl(server, 'demo'), { grant_type: 'client_credentials', client_id: 'machine' }),
      status: 401, error: 'invalid_client',
    },
    {
      name: 'Basic and client_secret both given',
      send: () => postForm(tokenUrl(server, 'demo'), { grant_type: 'client_credentials', client_secret: 'machine-secret' }, { authorization: basic('machine', 'machine-secret') }),
      status: 400, error: 'invalid_request',
    },
    {
      name: 'public client asking for client_credentials',
      send: () => postForm(tokenUrl(server, 'demo'), { grant_type: 'client_credentials', client_id: 'spa' }),
      status: 400, error: 'unauthorized_client',
    },

    // Bearer tokens at userinfo.
    {
      name: 'expired access token at userinfo',
      send: async () => {
        await sleep(Math.max(0, t.shortTokenAt + 2500 - Date.now()));
        return atUserinfo(t.shortToken);
      },
      status: 401, error: 'invalid_token', challenge: INVALID_TOKEN,
    },
    { name: 'access token with a flipped signature character', send: () => atUserinfo(tamperSignature(t.alice)), status: 401, error: 'invalid_token', challenge: INVALID_TOKEN },
    { name: 'access token with an altered payload', send: () => atUserinfo(tamperPayload(t.alice)), status: 401, error: 'invalid_token', challenge: INVALID_TOKEN },
    { name: 'access token signed by another realm', send: () => atUserinfo(t.otherRealm), status: 401, error: 'invalid_token', challenge: INVALID_TOKEN },
    { name: 'ID token presented as an access token', send: () => atUserinfo(t.aliceIdToken), status: 401, error: 'invalid_token', challenge: INVALID_TOKEN },
    { name: 'garbage bearer token', send: () => atUserinfo('not-a-token'), status: 401, error: 'invalid_token', challenge: INVALID_TOKEN },
    {
      name: 'token both in the header and in the body',
      send: () => postRaw(userinfoUrl(server, 'demo'), form({ access_token: t.alice }), { ...FORM, authorization: `Bearer ${t.alice}` }),
      status: 400, error: 'invalid_request',
    },
    {
      name: 'access_token twice in the body',
      send: () => postRaw(userinfoUrl(server, 'demo'), form({ access_token: t.alice }) + '&' + form({ access_token: t.alice })),
      status: 400, error: 'invalid_request',
    },

    // Grant parameters.
    {
      name: 'invalid scope',
      send: () => passwordGrant(server, 'demo', 'webapp', 'webapp-secret', 'alice', 'alice-pw', { scope: 'openid no-such-scope' }),
      status: 400, error: 'invalid_scope', description: /no-such-scope/,
    },
    {
      name: 'password grant without a password',
      send: () => postForm(tokenUrl(server, 'demo'), { grant_type: 'password', username: 'alice' }, { authorization: basic('webapp', 'webapp-secret') }),
      status: 400, error: 'invalid_request',
    },
    {
      name: 'password grant without a username',
      send: () => postForm(tokenUrl(server, 'demo'), { grant_type: 'password', password: 'alice-pw' }, { authorization: basic('webapp', 'webapp-secret') }),
      status: 400, error: 'invalid_request',
    },
    {
      name: 'disabled user bob',
      send: () => passwordGrant(server, 'demo', 'webapp', 'webapp-secret', 'bob', 'bob-pw'),
      status: 400, error: 'invalid_grant', description: /^Account disabled$/,
    },
    {
      name: 'wrong password',
      send: () => passwordGrant(server, 'demo', 'webapp', 'webapp-secret', 'alice', 'not-her-password'),
      status: 400, error: 'invalid_grant',
    },
    {
      name: 'unknown user',
      send: () => passwordGrant(server, 'demo', 'webapp', 'webapp-secret', 'mallory', 'whatever'),
      status: 400, error: 'invalid_grant',
    },
    {
      name: 'client without direct access grants asking for the password grant',
      send: () => passwordGrant(server, 'demo', 'machine', 'machine-secret', 'alice', 'alice-pw'),
      status: 400, error: 'unauthorized_client',
    },
    {
      name: 'garbage refresh token',
      send: () => postForm(tokenUrl(server, 'demo'), { grant_type: 'refresh_token', refresh_token: 'garbage' }, { authorization: basic('webapp', 'webapp-secret') }),
      status: 400, error: 'invalid_grant',
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const res = await c.send();
      assertProtocolError(res, c.status, c.error, c.name);
      if (c.status === 404) assert.equal(res.json.error, 'not_found');
      if (c.description) assert.match(res.json.error_description ?? '', c.description, `error_description: ${res.text}`);
      if (c.challenge) assert.match(res.headers.get('www-authenticate') ?? '', c.challenge, `WWW-Authenticate: ${res.headers.get('www-authenticate')}`);
    });
  }

  it('headers too large: 431 in the protocol\'s JSON shape, not Fastify\'s own', async () => {
    const res = await rawRequest(server.port, `GET /realms/demo/protocol/openid-connect/certs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(res.head, /^HTTP\/1\.1 431 /);
    assert.match(res.head, /content-type: application\/json/i);
    assert.match(res.head, /cache-control: no-store/i);
    assert.deepEqual(Object.keys(JSON.parse(res.body)).sort(), ['error', 'error_description']);
    assert.equal(JSON.parse(res.body).error, 'invalid_request');
  });

  it('a 2 MB form: Node\'s own fetch reads its 413 every time, the connection is not torn down under it', async () => {
    const big = form({ grant_type: 'client_credentials', client_id: 'machine', client_secret: 'machine-secret', pad: 'x'.repeat(2 * 1024 * 1024) });
    const statuses: Array<number | string> = [];
    for (let i = 0; i < 20; i++) {
      statuses.push(await postRaw(tokenUrl(server, 'demo'), big).then((res) => {
        assertProtocolError(res, 413, 'invalid_request', `try ${i}`);
        return res.status;
      }, (err: Error & { cause?: { code?: string } }) => `${err.message} ${err.cause?.code ?? ''}`));
    }
    assert.deepEqual(statuses, Array(20).fill(413));
  });

  it('the same requests done right succeed (the cases above fail for the reason they name)', async () => {
    const ok = await clientCredentials(server, 'demo', 'machine', 'machine-secret');
    assert.equal(ok.status, 200, ok.text);
    const withCharset = await postRaw(tokenUrl(server, 'demo'), form({ grant_type: 'client_credentials', client_id: 'machine', client_secret: 'machine-secret' }),
      { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' });
    assert.equal(withCharset.status, 200, withCharset.text);
    const info = await atUserinfo(t.alice);
    assert.equal(info.status, 200, info.text);
  });
});

/** Sends bytes as they are (fetch would refuse them) and reads the answer to the end of the connection. */
function rawRequest(port: number, request: string): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let data = '';
    socket.on('data', (chunk) => { data += chunk; });
    socket.on('error', reject);
    socket.on('close', () => {
      const at = data.indexOf('\r\n\r\n');
      resolve({ head: data.slice(0, at), body: data.slice(at + 4) });
    });
  });
}
