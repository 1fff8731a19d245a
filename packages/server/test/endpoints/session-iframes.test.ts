// Keycloak's iframe endpoints over HTTP (the browser's side is test/browser/keycloak-js.test.ts):
// the third-party cookies check, the check session iframe and its /init, check_session_iframe
// in discovery, the authorization response's session_state (OIDC Session Management 1.0),
// and the realm's public info.
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { send } from '../helpers/http.js';
import { HttpBrowser } from '../helpers/http-browser.js';
import { claimsOf } from '../helpers/oidc.js';
import { postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'frames';
const ORIGIN = 'https://app.example';
const REDIRECT = `${ORIGIN}/cb`;
const b64url = (s: string) => createHash('sha256').update(s).digest('base64url');

describe('session iframes and public realm info', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      realms: [{
        realm: REALM, enabled: true,
        clients: [
          { clientId: 'spa', publicClient: true, redirectUris: [REDIRECT], webOrigins: ['+'], attributes: { 'post.logout.redirect.uris': '+' } },
          { clientId: 'closed', publicClient: true, redirectUris: [REDIRECT], webOrigins: [] },
        ],
        users: [{ username: 'alice', enabled: true, credentials: [{ type: 'password', value: 'alice-pw' }] }],
      }],
    });
  });
  after(async () => { await server.stop(); });

  const oidc = (path: string) => realmUrl(server, REALM, `/protocol/openid-connect${path}`);
  const assertFramable = (res: { headers: Headers }) => {
    assert.equal(res.headers.get('x-frame-options'), null, 'may be framed');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.doesNotMatch(csp, /frame-ancestors/);
    assert.match(csp, /script-src 'self'/);
  };

  it('3p-cookies: step1 sets a cookie as the session cookie is set, step2 says whether it came back', async () => {
    const browser = new HttpBrowser();
    const step1 = await browser.request(oidc('/3p-cookies/step1.html'));
    assert.equal(step1.status, 302);
    assert.equal(step1.location, oidc('/3p-cookies/step2.html'));
    assert.match(browser.cookieAttributes('LATCHKEY_3P_CHECK') ?? '', /SameSite=Lax/);
    const step2 = await browser.request(step1.location!);
    assert.equal(step2.status, 200);
    assertFramable(step2);
    assert.match(step2.text, /data-result="supported"/);
    assert.match(step2.text, /<script src="\/resources\/latchkey\/3p-cookies-step2\.js"/);
    const without = await new HttpBrowser().request(oidc('/3p-cookies/step2.html'));
    assert.match(without.text, /data-result="unsupported"/);
  });

  it('login-status-iframe.html and its /init', async () => {
    const page = await send(oidc('/login-status-iframe.html'));
    assert.equal(page.status, 200);
    assertFramable(page);
    assert.match(page.headers.get('content-security-policy') ?? '', /connect-src 'self'/);
    assert.match(page.text, /data-cookie="LATCHKEY_SESSION_STATE"/);
    assert.match(page.text, /<script src="\/resources\/latchkey\/login-status-iframe\.js"/);
    const script = await send(`${server.url}/resources/latchkey/login-status-iframe.js`);
    assert.equal(script.status, 200);

    const init = (params: Record<string, string>) => send(`${oidc('/login-status-iframe.html/init')}?${new URLSearchParams(params)}`);
    assert.equal((await init({ client_id: 'spa', origin: ORIGIN })).status, 204, 'an origin of its redirect URIs (+)');
    assert.equal((await init({ client_id: 'spa', origin: 'https://evil.example' })).status, 403);
    assert.equal((await init({ client_id: 'closed', origin: ORIGIN })).status, 403, 'no web origins');
    assert.equal((await init({ client_id: 'nobody', origin: ORIGIN })).status, 404);
    assert.equal((await init({ client_id: 'spa' })).status, 400);
    assert.equal((await send(realmUrl(server, 'nowhere', '/protocol/openid-connect/login-status-iframe.html'))).status, 404);
  });

  it('discovery names the check session iframe', async () => {
    const meta = (await send(realmUrl(server, REALM, '/.well-known/openid-configuration'))).json;
    assert.equal(meta.check_session_iframe, `${server.issuer(REALM)}/protocol/openid-connect/login-status-iframe.html`);
  });

  it('session_state: a salted hash of client, origin and the browser state, new with every session', async () => {
    const browser = new HttpBrowser();
    const auth = `${oidc('/auth')}?${new URLSearchParams({ client_id: 'spa', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 's' })}`;
    const signIn = async () => {
      const back = await browser.authorize(auth, { username: 'alice', password: 'alice-pw' });
      const params = new URL(back.location!).searchParams;
      const tokens = await postForm(oidc('/token'), {
        grant_type: 'authorization_code', code: params.get('code')!, redirect_uri: REDIRECT, client_id: 'spa',
      });
      assert.equal(tokens.status, 200, tokens.text);
      return { sessionState: params.get('session_state')!, sid: claimsOf(tokens.json.id_token).sid as string };
    };
    const first = await signIn();
    const state = browser.cookie('LATCHKEY_SESSION_STATE');
    assert.equal(state, b64url(first.sid), 'the browser state is the session id\'s hash');
    assert.doesNotMatch(browser.cookieAttributes('LATCHKEY_SESSION_STATE') ?? '', /HttpOnly/, 'scripts read it');
    const [hash, salt] = first.sessionState.split('.');
    assert.equal(hash, b64url(['spa', ORIGIN, state, salt].join(' ')));
    assert.notEqual(first.sessionState, first.sid);

    const again = await signIn();
    assert.equal(again.sid, first.sid, 'the same SSO session');
    assert.notEqual(again.sessionState, first.sessionState, 'salted anew');

    const logout = await browser.visit(`${oidc('/logout')}?${new URLSearchParams({ client_id: 'spa' })}`);
    await browser.submit(logout, undefined);
    assert.ok(!browser.cookie('LATCHKEY_SESSION_STATE'), 'cleared with the session cookie');
    const next = await signIn();
    assert.notEqual(next.sid, first.sid);
    assert.equal(browser.cookie('LATCHKEY_SESSION_STATE'), b64url(next.sid));
  });

  it('GET /realms/{realm}: the public info, with the RS256 key of the JWKS', async () => {
    const res = await send(realmUrl(server, REALM), { headers: { origin: ORIGIN } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const issuer = server.issuer(REALM);
    assert.deepEqual({ ...res.json, public_key: undefined }, {
      realm: REALM, public_key: undefined, 'token-service': `${issuer}/protocol/openid-connect`, 'account-service': `${issuer}/account`,
      'tokens-not-before': 0,
    });
    const jwk = createPublicKey({ key: Buffer.from(res.json.public_key, 'base64'), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    const jwks = (await send(oidc('/certs'))).json.keys as Array<{ n?: string; alg: string }>;
    assert.ok(jwks.some((k) => k.alg === 'RS256' && k.n === jwk.n), 'the realm\'s RS256 key');
    assert.equal((await send(realmUrl(server, 'nowhere'))).status, 404);
  });
});
