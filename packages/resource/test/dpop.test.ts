import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { errorResponse, extractCredentials, latchkeyFastify, TokenError } from '../src/index.js';
import { startServer, type RunningServer } from './support/server.js';

const API = 'https://api.example';

/** A DPoP proof as RFC 9449 §4.2 has it, with what a case changes. */
async function proof(keys: CryptoKeyPair, claims: Record<string, unknown>) {
  return new SignJWT({ htm: 'GET', htu: `${API}/me`, jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(keys.publicKey) }).sign(keys.privateKey);
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

describe('DPoP-bound tokens', () => {
  it('reads the DPoP scheme and answers with its challenge', () => {
    assert.deepEqual(extractCredentials({ authorization: 'DPoP abc.def', url: '/' }), { token: 'abc.def', scheme: 'DPoP' });
    assert.deepEqual(extractCredentials({ authorization: 'dpop abc', url: '/' }), { token: 'abc', scheme: 'DPoP' });
    const response = errorResponse(new TokenError('dpop', 'Replayed', [], 'DPoP'), 'demo');
    assert.equal(response.status, 401);
    assert.match(response.headers['www-authenticate'], /^DPoP error="invalid_dpop_proof", error_description="Replayed", algs="[^"]*ES256/);
    assert.deepEqual(response.body, { error: 'invalid_dpop_proof', error_description: 'Replayed' });
  });

  describe('with the Fastify plugin against a running Latchkey', () => {
    let server: RunningServer;
    let app: FastifyInstance;
    let keys: CryptoKeyPair;
    let token: string;

    before(async () => {
      server = await startServer();
      app = Fastify();
      await app.register(latchkeyFastify, { issuer: server.issuer, audience: 'notes-api', dpop: { publicUrl: API } });
      app.get('/me', async (request) => request.auth);
      app.post('/me', async (request) => request.auth);
      keys = await generateKeyPair('ES256', { extractable: true });
      token = await server.dpopToken('api-client', keys);
    });
    after(async () => {
      await app?.close();
      await server?.stop();
    });

    const call = async (authorization: string, dpop?: string, method: 'GET' | 'POST' = 'GET', url = '/me') =>
      app.inject({ method, url, headers: { authorization, ...(dpop ? { dpop } : {}) } });

    it('accepts a bound token with a proof of its key', async () => {
      const response = await call(`DPoP ${token}`, await proof(keys, { ath: ath(token) }));
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().cnf.jkt, await calculateJwkThumbprint(await exportJWK(keys.publicKey)));
      // The query is no part of htu.
      const withQuery = await call(`DPoP ${token}`, await proof(keys, { ath: ath(token) }), 'GET', '/me?page=2');
      assert.equal(withQuery.statusCode, 200, withQuery.body);
    });

    it('refuses a bound token presented as a bearer token', async () => {
      const response = await call(`Bearer ${token}`);
      assert.equal(response.statusCode, 401);
      assert.match(String(response.headers['www-authenticate']), /^DPoP error="invalid_token"/);
    });

    it('refuses a replayed proof, a proof for another method, URL, token or key, and no proof', async () => {
      const once = await proof(keys, { ath: ath(token) });
      assert.equal((await call(`DPoP ${token}`, once)).statusCode, 200);
      const cases: Array<[string, Promise<import('light-my-request').Response>]> = [
        ['replayed', call(`DPoP ${token}`, once)],
        ['htm', call(`DPoP ${token}`, await proof(keys, { ath: ath(token), htm: 'POST' }))],
        ['htu', call(`DPoP ${token}`, await proof(keys, { ath: ath(token), htu: `${API}/elsewhere` }))],
        ['ath', call(`DPoP ${token}`, await proof(keys, { ath: ath('another token') }))],
        ['no ath', call(`DPoP ${token}`, await proof(keys, {}))],
        ['another key', call(`DPoP ${token}`, await proof(await generateKeyPair('ES256'), { ath: ath(token) }))],
        ['no proof', call(`DPoP ${token}`)],
        ['old', call(`DPoP ${token}`, await proof(keys, { ath: ath(token), iat: Math.floor(Date.now() / 1000) - 600 }))],
      ];
      for (const [what, pending] of cases) {
        const response = await pending;
        assert.equal(response.statusCode, 401, what);
        assert.match(String(response.headers['www-authenticate']), /^DPoP error="invalid_dpop_proof"/, what);
        assert.equal(response.json().error, 'invalid_dpop_proof', what);
      }
      const post = await call(`DPoP ${token}`, await proof(keys, { ath: ath(token), htm: 'POST' }), 'POST');
      assert.equal(post.statusCode, 200, post.body);
    });

    it('refuses a bearer token sent in the DPoP scheme', async () => {
      const bearer = await server.token('api-client');
      const response = await call(`DPoP ${bearer}`, await proof(keys, { ath: ath(bearer) }));
      assert.equal(response.statusCode, 401);
      assert.match(String(response.headers['www-authenticate']), /^DPoP error="invalid_token"/);
      assert.equal((await call(`Bearer ${bearer}`)).statusCode, 200);
    });
  });
});
