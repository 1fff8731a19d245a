import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { createAuthMiddleware, DPOP_ALGORITHMS } from '../src/index.js';
import { startServer, tamper, type RunningServer } from './support/server.js';

// RFC 9449 §7.1: without a token, both schemes are offered.
const BARE_CHALLENGE = `Bearer realm="demo", DPoP algs="${DPOP_ALGORITHMS.join(' ')}"`;

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('Express and node:http middleware against a running Latchkey', () => {
  let latchkey: RunningServer;
  let api: Server;
  let bare: Server;
  let apiUrl: string;
  let bareUrl: string;

  before(async () => {
    latchkey = await startServer();
    const auth = createAuthMiddleware({ issuer: latchkey.issuer, audience: ['reports-api', 'billing-api'] });
    const app = express();
    app.get('/me', auth, (req, res) => {
      res.json(req.auth);
    });
    app.get('/reports', auth.require({ scopes: ['notes:read'], roles: ['reports-api:viewer'] }), (req, res) => {
      res.send('ok');
    });
    app.post('/reports', auth, auth.require({ scopes: ['notes:write'] }), (req, res) => {
      res.send('written');
    });
    app.delete('/reports', auth.require({ roles: ['admin'] }), (req, res) => {
      res.send('deleted');
    });
    api = createServer(app);
    apiUrl = await listen(api);

    // The same middleware in front of a plain node:http handler.
    bare = createServer((req, res) => {
      auth(req, res, (err) => {
        res.statusCode = err ? 500 : 200;
        res.end(err ? 'error' : (req as { auth?: { sub: string } }).auth?.sub);
      });
    });
    bareUrl = await listen(bare);
  });

  after(async () => {
    api?.close();
    bare?.close();
    await latchkey?.stop();
  });

  const call = (url: string, token?: string, method = 'GET') =>
    fetch(url, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('puts the verified claims on req.auth (audience given as a list, token aud an array)', async () => {
    const response = await call(`${apiUrl}/me`, await latchkey.token('api-client'));
    assert.equal(response.status, 200);
    const claims = await response.json();
    assert.equal(claims.iss, latchkey.issuer);
    assert.ok(Array.isArray(claims.aud) && claims.aud.includes('reports-api'));
  });

  it('works in front of a bare node:http handler', async () => {
    const token = await latchkey.token('api-client');
    const response = await call(bareUrl, token);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub);
    assert.equal((await call(bareUrl)).status, 401);
  });

  it('answers 401 with the bare Bearer and DPoP challenges when no token is sent', async () => {
    const response = await call(`${apiUrl}/me`);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), BARE_CHALLENGE);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal((await response.json()).error, 'missing_token');
  });

  it('treats another authentication scheme as no token', async () => {
    const response = await fetch(`${apiUrl}/me`, { headers: { authorization: 'Basic YTpi' } });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), BARE_CHALLENGE);
  });

  it('rejects a token with a damaged signature', async () => {
    const token = await latchkey.token('api-client');
    const damaged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const response = await call(`${apiUrl}/me`, damaged);
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  it('rejects a token whose claims were changed', async () => {
    const token = tamper(await latchkey.token('api-client'), { scope: 'notes:read notes:write' });
    const response = await call(`${apiUrl}/reports`, token, 'POST');
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { error: 'invalid_token', error_description: 'The access token signature is invalid' });
  });

  it('rejects an expired token', async () => {
    // short-client's token is for notes-api only; this verifier skips the audience check, to test just expiry.
    const auth = createAuthMiddleware({ issuer: latchkey.issuer, audience: false });
    const server = createServer((req, res) => auth(req, res, () => res.end('ok')));
    const url = await listen(server);
    try {
      const token = await latchkey.token('short-client');
      assert.equal((await call(url, token)).status, 200);
      await sleep(3100);
      const response = await call(url, token);
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token", error_description="The access token expired"/);
    } finally {
      server.close();
    }
  });

  it('rejects a token meant for another audience', async () => {
    // es-client's token has aud "notes-api" only.
    const response = await call(`${apiUrl}/me`, await latchkey.token('es-client'));
    assert.equal(response.status, 401);
    assert.equal((await response.json()).error_description, 'The access token is not meant for this resource (audience mismatch)');
  });

  it('lets a route through when scopes and roles are all granted', async () => {
    const response = await call(`${apiUrl}/reports`, await latchkey.token('api-client'));
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok');
  });

  it('answers 403 insufficient_scope naming the required scope', async () => {
    const response = await call(`${apiUrl}/reports`, await latchkey.token('api-client'), 'POST');
    assert.equal(response.status, 403);
    assert.match(response.headers.get('www-authenticate') ?? '', /error="insufficient_scope".*, scope="notes:write"$/);
    assert.equal((await response.json()).error, 'insufficient_scope');
  });

  it('answers 403 insufficient_scope for a missing role', async () => {
    const response = await call(`${apiUrl}/reports`, await latchkey.token('api-client'), 'DELETE');
    assert.equal(response.status, 403);
    assert.equal((await response.json()).error_description, 'The access token lacks the required role(s): admin');
  });

  it('answers 400 invalid_request for a token in the query string', async () => {
    const token = await latchkey.token('api-client');
    const twice = await call(`${apiUrl}/me?access_token=${token}`, token);
    assert.equal(twice.status, 400);
    assert.match(twice.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
    assert.equal((await call(`${apiUrl}/me?access_token=${token}`)).status, 400);
  });

  it('answers 400 invalid_request for a token sent both in the header and in a parsed form body', async () => {
    const auth = createAuthMiddleware({ issuer: latchkey.issuer, audience: false });
    const app = express();
    app.post('/', express.urlencoded({ extended: false }), auth, (req, res) => {
      res.send('ok');
    });
    const server = createServer(app);
    const url = await listen(server);
    try {
      const token = await latchkey.token('api-client');
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ access_token: token }),
      });
      assert.equal(response.status, 400);
      assert.equal((await response.json()).error_description, 'The access token was sent in more than one way');
    } finally {
      server.close();
    }
  });
});
