// CORS as Keycloak does it: a single-page app may call the token and userinfo endpoints from
// its client's web origins (an exact origin, or + for its redirect URIs' origins); discovery
// and keys from anywhere; everything else from nowhere.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send, tokenUrl, userinfoUrl } from '../helpers/http.js';
import { form, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const SPA = 'https://spa.example';
const PLUS = 'https://plus.example';

const realm = {
  realm: 'cors',
  enabled: true,
  clients: [
    { clientId: 'spa', publicClient: true, directAccessGrantsEnabled: true, webOrigins: [SPA], redirectUris: [`${SPA}/cb`] },
    { clientId: 'plus', publicClient: true, directAccessGrantsEnabled: true, webOrigins: ['+'], redirectUris: [`${PLUS}/app/*`] },
  ],
  users: [{ username: 'alice', enabled: true, credentials: [{ type: 'password', value: 'alice-password' }] }],
};

describe('CORS', () => {
  let server: TestServer;
  before(async () => { server = await startServer({ realms: [realm] }); });
  after(async () => { await server?.stop(); });

  const signIn = (clientId: string, origin: string) => send(tokenUrl(server, 'cors'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: form({ grant_type: 'password', client_id: clientId, username: 'alice', password: 'alice-password', scope: 'openid' }),
  });

  it("answers a preflight for the token endpoint: the request itself is then checked against the client's origins", async () => {
    const res = await send(tokenUrl(server, 'cors'), {
      method: 'OPTIONS',
      headers: { origin: SPA, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.equal(res.status, 204, res.text);
    assert.equal(res.headers.get('access-control-allow-origin'), SPA);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization/i);
  });

  it("lets the client's web origin read the token response, and no other origin", async () => {
    const allowed = await signIn('spa', SPA);
    assert.equal(allowed.status, 200, allowed.text);
    assert.equal(allowed.headers.get('access-control-allow-origin'), SPA);
    assert.match(allowed.headers.get('vary') ?? '', /Origin/i);
    const refused = await signIn('spa', 'https://evil.example');
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
  });

  it('+ allows the origins of the redirect URIs', async () => {
    assert.equal((await signIn('plus', PLUS)).headers.get('access-control-allow-origin'), PLUS);
    assert.equal((await signIn('plus', SPA)).headers.get('access-control-allow-origin'), null);
  });

  it("userinfo answers the origin of the token's client", async () => {
    const token = (await signIn('spa', SPA)).json.access_token;
    const res = await send(userinfoUrl(server, 'cors'), { headers: { authorization: `Bearer ${token}`, origin: SPA } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('access-control-allow-origin'), SPA);
    const other = await send(userinfoUrl(server, 'cors'), { headers: { authorization: `Bearer ${token}`, origin: PLUS } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('discovery and keys are readable from any origin; pages and the admin API from none', async () => {
    for (const path of ['/.well-known/openid-configuration', '/protocol/openid-connect/certs']) {
      const res = await send(realmUrl(server, 'cors', path), { headers: { origin: 'https://anywhere.example' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), '*', path);
    }
    const auth = await send(realmUrl(server, 'cors', '/protocol/openid-connect/auth?client_id=spa'), { headers: { origin: SPA }, redirect: 'manual' });
    assert.equal(auth.headers.get('access-control-allow-origin'), null);
    const preflight = await send(`${server.url}/admin/realms`, { method: 'OPTIONS', headers: { origin: SPA, 'access-control-request-method': 'GET' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  });

  it('a request without Origin gets no CORS headers', async () => {
    const res = await send(tokenUrl(server, 'cors'), {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'password', client_id: 'spa', username: 'alice', password: 'alice-password' }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });
});
