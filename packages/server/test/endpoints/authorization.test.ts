// The authorization endpoint and the sign-in pages over plain HTTP (test/helpers/http-browser.ts
// plays the browser; openid-client is the relying party at the token endpoint): what the
// browser suites would only make slower.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { passwordGrant, sleep } from '../helpers/http.js';
import { HttpBrowser, isLoginPage, responseParams, type HttpPage } from '../helpers/http-browser.js';
import { adminApi, masterAdminToken } from '../admin/fixture.js';
import { claimsOf, client, rp } from '../helpers/oidc.js';
import { realmUrl, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'authz';
const REDIRECT = 'https://app.example/cb';
const ALICE = { username: 'alice', password: 'alice-pw' };
const CAROL = { username: 'carol', password: 'carol-pw' };

/** Every kind of registration the redirect rule has to tell apart, on one client. */
const APP_REDIRECTS = [
  REDIRECT, 'https://wild.example/cb/*', 'https://query.example/cb?tenant=*', 'http://app.example/plain', 'http://localhost:7/cb',
  'http://10.1.2.3/cb', 'http://192.168.1.2/cb', 'http://172.16.0.9/cb', 'http://172.32.0.9/cb', 'http://[::1]:7/cb',
  'http://203.0.113.5/cb', 'com.example.app:/oauth2redirect',
  // Native apps' loopback redirects (RFC 8252 §7.3).
  'http://127.0.0.1/native', 'http://[::1]/native', 'http://localhost/native', 'http://127.0.0.1:9000/fixed', 'http://127.0.0.1/loop/*',
];

function realm(name: string, settings: object = {}): object {
  return {
    realm: name, enabled: true, ...settings,
    clients: [
      { clientId: 'app', publicClient: false, secret: 'app-secret', directAccessGrantsEnabled: true, redirectUris: APP_REDIRECTS },
      { clientId: 'other', publicClient: false, secret: 'other-secret', redirectUris: [REDIRECT] },
      { clientId: 's256', publicClient: true, redirectUris: [REDIRECT], attributes: { 'pkce.code.challenge.method': 'S256' } },
      { clientId: 'no-refresh', publicClient: false, secret: 'nr-secret', redirectUris: [REDIRECT], attributes: { 'use.refresh.tokens': 'false' } },
      { clientId: 'disabled', enabled: false, publicClient: true, redirectUris: [REDIRECT] },
      { clientId: 'consent', publicClient: false, secret: 'consent-secret', consentRequired: true, redirectUris: [REDIRECT] },
      {
        clientId: 'consent-narrow', publicClient: false, secret: 'narrow-secret', consentRequired: true, redirectUris: [REDIRECT],
        defaultClientScopes: ['profile'], optionalClientScopes: ['email', 'phone'],
      },
    ],
    users: [
      {
        username: 'alice', enabled: true, email: 'alice@example.com', attributes: { phoneNumber: ['+31 20 123 4567'] },
        credentials: [{ type: 'password', value: 'alice-pw' }],
      },
      { username: 'carol', enabled: true, email: 'carol@example.com', credentials: [{ type: 'password', value: 'carol-pw' }] },
      { username: 'locky', enabled: true, credentials: [{ type: 'password', value: 'locky-pw' }] },
      { username: 'tess', enabled: true, credentials: [{ type: 'password', value: 'tess-pw' }] },
    ],
  };
}

const SECRETS: Record<string, string | undefined> = {
  app: 'app-secret', other: 'other-secret', 'no-refresh': 'nr-secret', consent: 'consent-secret', 'consent-narrow': 'narrow-secret', s256: undefined,
};

describe('authorization endpoint over HTTP', { concurrency: true }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      realms: [
        realm(REALM),
        realm('ssl-none', { sslRequired: 'none' }),
        // Upper case, as older Keycloak exports write it.
        realm('ssl-all', { sslRequired: 'ALL' }),
        realm('short-codes', { accessCodeLifespan: 1 }),
        realm('long-codes', { accessCodeLifespan: 600 }),
        realm('short-sso', { ssoSessionIdleTimeout: 4, ssoSessionMaxLifespan: 6 }),
      ],
    });
  });
  after(async () => { await server?.stop(); });

  const authUrl = (params: Record<string, string>, realmName = REALM) =>
    `${realmUrl(server, realmName, '/protocol/openid-connect/auth')}?${new URLSearchParams(params)}`;
  const codeRequest = (extra: Record<string, string> = {}): Record<string, string> =>
    ({ client_id: 'app', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 'st-1', nonce: 'n-1', ...extra });

  /** An error page: 400 HTML from the server, never a redirect. */
  function assertErrorPage(page: HttpPage, message: RegExp, what: string) {
    assert.equal(page.status, 400, `${what}: ${page.status} ${page.location ?? ''}`);
    assert.equal(page.location, undefined, `${what}: no redirect`);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/, what);
    assert.match(page.text, /id="kc-error-message"/, what);
    assert.match(page.text, message, what);
  }

  /** An error sent back to the client: a redirect to the redirect URI with error, state and iss. */
  function assertRedirectedError(page: HttpPage, error: string, what: string, realmName = REALM): Record<string, string> {
    assert.ok(page.status === 302 || page.status === 303, `${what}: ${page.status} ${page.text.slice(0, 200)}`);
    assert.ok(page.location!.startsWith(REDIRECT), `${what}: to the client: ${page.location}`);
    const params = responseParams(page);
    assert.equal(params.error, error, `${what}: ${params.error_description}`);
    assert.equal(params.iss, server.issuer(realmName), `${what}: RFC 9207 iss`);
    assert.equal(params.state, 'st-1', `${what}: state`);
    return params;
  }

  /** Each accepted redirect_uri leads to the login page; each refused one gets the error page. */
  async function assertRedirectRule(accepted: string[], refused: string[]) {
    for (const uri of accepted) {
      const page = await new HttpBrowser().request(authUrl(codeRequest({ redirect_uri: uri })));
      assert.equal(page.status, 302, `${uri} accepted: ${page.status} ${page.text.slice(0, 200)}`);
      assert.match(page.location ?? '', /\/login-actions\/authenticate\?/, `${uri}: to the login page`);
    }
    for (const uri of refused) {
      assertErrorPage(await new HttpBrowser().request(authUrl(codeRequest({ redirect_uri: uri }))), /redirect URI is not allowed/, uri);
    }
  }

  /** A signed-in browser's code response for the request; signs in as `who` when asked to. */
  async function code(browser: HttpBrowser, params: Record<string, string>, who = ALICE, realmName = REALM): Promise<HttpPage> {
    const page = await browser.authorize(authUrl(params, realmName), who);
    assert.ok(page.location?.startsWith(params.redirect_uri), `redirected to the client: ${page.status} ${page.location} ${page.text.slice(0, 300)}`);
    assert.ok(responseParams(page).code, `a code: ${page.location}`);
    return page;
  }

  /** The code exchange as the client makes it, with openid-client. */
  async function exchange(page: HttpPage, clientId: string, checks: client.AuthorizationCodeGrantChecks = {}, realmName = REALM) {
    const config = await rp(server, realmName, clientId, SECRETS[clientId]);
    return client.authorizationCodeGrant(config, new URL(page.location!), { expectedState: 'st-1', expectedNonce: 'n-1', ...checks });
  }

  /** The token endpoint refusing a code exchange with invalid_grant. */
  async function refusedExchange(clientId: string, params: Record<string, string>, what: string, realmName = REALM) {
    const config = await rp(server, realmName, clientId, SECRETS[clientId]);
    await assert.rejects(client.genericGrantRequest(config, 'authorization_code', params), (err: any) => {
      assert.equal(err.error, 'invalid_grant', `${what}: ${err}`);
      return true;
    }, what);
  }

  it('an unknown or disabled client, or a bad redirect_uri, gets an error page and never a redirect (GET and POST)', async () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['unknown client', codeRequest({ client_id: 'nope' }), /not registered/],
      ['disabled client', codeRequest({ client_id: 'disabled' }), /not registered/],
      ['no client_id', { redirect_uri: REDIRECT, response_type: 'code' }, /not registered/],
      ['unregistered redirect_uri', codeRequest({ redirect_uri: 'https://evil.example/cb' }), /redirect URI is not allowed/],
      ['no redirect_uri', { client_id: 'app', response_type: 'code', state: 'st-1' }, /redirect URI is not allowed/],
      // Whatever else is wrong, the unsafe redirect decides: nothing goes to evil.example.
      ['bad redirect_uri and a bad response_type', codeRequest({ redirect_uri: 'https://evil.example/cb', response_type: 'banana' }), /redirect URI is not allowed/],
    ];
    for (const [what, params, message] of cases) {
      const browser = new HttpBrowser();
      assertErrorPage(await browser.request(authUrl(params)), message, `GET, ${what}`);
      assertErrorPage(await browser.request(authUrl({}), { form: params }), message, `POST, ${what}`);
    }
  });

  it('redirect URIs match exactly, or by scheme, host, port and path prefix under a registered trailing *', async () => {
    const accepted = [
      REDIRECT, 'https://wild.example/cb/', 'https://wild.example/cb/deeper/x?y=1', 'https://query.example/cb?tenant=acme',
      'com.example.app:/oauth2redirect',
      // sslRequired external (the default): plain http to loopback and private addresses.
      'http://localhost:7/cb', 'http://10.1.2.3/cb', 'http://192.168.1.2/cb', 'http://172.16.0.9/cb', 'http://[::1]:7/cb',
    ];
    const refused = [
      'https://app.example/cb/', 'https://app.example/cb?x=1', 'https://app.example/cb2',
      'https://wild.example/cb/../admin', 'https://wild.example/cb/%2e%2e/admin', 'https://wild.example/cb/%2E./admin',
      'https://wild.example/cb/./x', 'https://wild.example/cb/..', 'https://wild.example/cb\\..\\admin', 'https://wild.example/cb/x#frag',
      'https://wild.example/cb/x#', 'https://user@wild.example/cb/x', 'https://@wild.example/cb/x', 'https://wild.example@evil.example/cb/x',
      'https://wild.example.evil.example/cb/x', 'https://wild.example:8443/cb/x', 'http://wild.example/cb/x', 'https://wild.example/cbx',
      'https://wild.example/cb/ x', 'https://wild.example/cb/\tx', 'https://query.example/cb/x?tenant=acme', 'https://query.example/cb?other=1',
      // Registered exactly, but plain http to a public address or name.
      'http://203.0.113.5/cb', 'http://app.example/plain', 'http://172.32.0.9/cb',
    ];
    await assertRedirectRule(accepted, refused);
  });

  it('RFC 8252 §7.3: a loopback IP literal registered without a port matches any port; localhost and a given port stay exact', async () => {
    const accepted = [
      'http://127.0.0.1:51234/native', 'http://127.0.0.1/native', 'http://[::1]:61000/native', 'http://127.0.0.1:9000/fixed',
      'http://127.0.0.1:5000/loop/x?y=1', 'http://localhost/native',
    ];
    const refused = [
      'http://localhost:51234/native', 'http://127.0.0.1:9001/fixed', 'http://127.0.0.1:5000/native2', 'http://127.0.0.1:5000/native/',
      'http://127.0.0.2:5000/native', 'http://[::1]:5000/loop/x', 'http://127.0.0.1:5000@evil.example/native', 'http://127.0.0.1:5000/../native',
    ];
    await assertRedirectRule(accepted, refused);
    // The code goes back to the port asked for, and is exchanged with that same redirect_uri.
    const native = 'http://127.0.0.1:43117/native';
    const page = await code(new HttpBrowser(), codeRequest({ redirect_uri: native }));
    assert.ok(page.location!.startsWith(`${native}?`), page.location);
    const tokens = await exchange(page, 'app');
    assert.ok(tokens.access_token);
  });

  it("follows the realm's sslRequired: none allows plain http anywhere, all nowhere", async () => {
    const goes = async (realmName: string, uri: string) =>
      (await new HttpBrowser().request(authUrl(codeRequest({ redirect_uri: uri }), realmName))).status === 302;
    assert.equal(await goes('ssl-none', 'http://app.example/plain'), true);
    assert.equal(await goes('ssl-none', 'http://203.0.113.5/cb'), true);
    assert.equal(await goes('ssl-all', 'http://localhost:7/cb'), false);
    assert.equal(await goes('ssl-all', 'http://10.1.2.3/cb'), false);
    assert.equal(await goes('ssl-all', REDIRECT), true);
    assert.equal(await goes('ssl-all', 'com.example.app:/oauth2redirect'), true, 'a native app scheme is not plain http');
  });

  it('PKCE: an S256 client is refused plain and a missing challenge; the token endpoint checks the verifier', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const challenge = await client.calculatePKCECodeChallenge(verifier);
    const s256 = (extra: Record<string, string>) => codeRequest({ client_id: 's256', ...extra });
    const browser = new HttpBrowser();
    let params = assertRedirectedError(await browser.request(authUrl(s256({ code_challenge: verifier, code_challenge_method: 'plain' }))),
      'invalid_request', 'plain for an S256 client');
    assert.match(params.error_description, /S256/);
    params = assertRedirectedError(await browser.request(authUrl(s256({}))), 'invalid_request', 'no challenge');
    assert.match(params.error_description, /code_challenge/);

    const withChallenge = s256({ code_challenge: challenge, code_challenge_method: 'S256' });
    const wrong = responseParams(await code(browser, withChallenge)).code;
    await refusedExchange('s256', { code: wrong, redirect_uri: REDIRECT, code_verifier: client.randomPKCECodeVerifier() }, 'a wrong verifier');
    const missing = responseParams(await code(browser, withChallenge)).code;
    await refusedExchange('s256', { code: missing, redirect_uri: REDIRECT }, 'no verifier');
    const right = await code(browser, withChallenge);
    const tokens = await exchange(right, 's256', { pkceCodeVerifier: verifier });
    assert.ok(tokens.access_token);

    // A client without a PKCE requirement that sent no challenge cannot bring a verifier later.
    const plainCode = responseParams(await code(browser, codeRequest())).code;
    await refusedExchange('app', { code: plainCode, redirect_uri: REDIRECT, code_verifier: verifier }, 'a verifier without a challenge');
  });

  it('a response type the client may not use is unauthorized_client; an unknown one unsupported_response_type', async () => {
    const browser = new HttpBrowser();
    assertRedirectedError(await browser.request(authUrl(codeRequest({ response_type: 'id_token' }))), 'unauthorized_client', 'id_token, implicit off');
    assertRedirectedError(await browser.request(authUrl(codeRequest({ response_type: 'code token' }))), 'unauthorized_client', 'code token, implicit off');
    assertRedirectedError(await browser.request(authUrl(codeRequest({ response_type: 'banana' }))), 'unsupported_response_type', 'banana');
  });

  it('an unsigned request object is invalid_request_object; a request_uri not pushed is request_uri_not_supported', async () => {
    const browser = new HttpBrowser();
    assertRedirectedError(await browser.request(authUrl(codeRequest({ request: 'eyJhbGciOiJub25lIn0.e30.' }))), 'invalid_request_object', 'request');
    assertRedirectedError(await browser.request(authUrl(codeRequest({ request_uri: 'https://app.example/request.jwt' }))),
      'request_uri_not_supported', 'request_uri');
  });

  it('takes the request by POST: login page, sign-in, code, tokens', async () => {
    const browser = new HttpBrowser();
    const toLogin = await browser.request(authUrl({}), { form: codeRequest() });
    assert.equal(toLogin.status, 303, 'a POST is answered 303');
    const login = await browser.visit(toLogin.location!);
    assert.ok(isLoginPage(login), login.text.slice(0, 300));
    const back = await browser.signIn(login, ALICE.username, ALICE.password);
    assert.equal(back.status, 303, 'the login POST is answered 303 (RFC 9700 §4.12)');
    const tokens = await exchange(back, 'app');
    assert.equal(tokens.claims()?.azp, 'app');
  });

  it('answers the consent POST with 303 too', async () => {
    const browser = new HttpBrowser();
    const login = await browser.visit(authUrl(codeRequest({ client_id: 'consent' })));
    const consent = await browser.signIn(login, ALICE.username, ALICE.password);
    assert.match(consent.text, /id="kc-consent-form"/, 'the consent page');
    const accepted = await browser.submit(consent, 'kc-consent-form', { cancel: undefined });
    assert.equal(accepted.status, 303);
    assert.ok(responseParams(accepted).code);
  });

  it('the claims parameter cannot get round consent: the scopes of the claims it names are asked for, and released only once granted', async () => {
    const browser = new HttpBrowser();
    const consentItems = (page: HttpPage) =>
      [.../<ul class="consent-list" id="kc-consent-items">([\s\S]*?)<\/ul>/.exec(page.text)![1].matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]);
    const narrow = (extra: Record<string, string> = {}) => authUrl(codeRequest({ client_id: 'consent-narrow', ...extra }));
    // email and phone are optional scopes of the client, not asked for: only profile is consented to.
    const first = await browser.signIn(await browser.visit(narrow()), ALICE.username, ALICE.password);
    assert.deepEqual(consentItems(first), ['View your profile']);
    const plain = await exchange(await browser.submit(first, 'kc-consent-form', { cancel: undefined }), 'consent-narrow');
    assert.equal(plain.claims()!.email, undefined);

    const asking = { claims: JSON.stringify({ id_token: { email: { essential: true } }, userinfo: { phone_number: null } }) };
    assertRedirectedError(await browser.request(narrow({ ...asking, prompt: 'none' })), 'consent_required', 'prompt=none, the claims not consented to');
    const declined = await browser.visit(narrow(asking));
    assert.deepEqual(consentItems(declined), ['View your profile', 'View your email address', 'View your phone number']);
    assertRedirectedError(await browser.submit(declined, 'kc-consent-form', { accept: undefined }), 'access_denied', 'declined');

    const accepted = await browser.visit(narrow(asking));
    const tokens = await exchange(await browser.submit(accepted, 'kc-consent-form', { cancel: undefined }), 'consent-narrow');
    assert.equal(tokens.claims()!.email, 'alice@example.com', 'released once consented to');
    assert.equal(claimsOf(tokens.access_token).scope.split(' ').includes('email'), false, 'not a scope of the token for all that');
    const config = await rp(server, REALM, 'consent-narrow', SECRETS['consent-narrow']);
    assert.equal((await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).phone_number, '+31 20 123 4567');
    // Remembered: the same request is not asked again.
    const silent = await browser.request(narrow({ ...asking, prompt: 'none' }));
    assert.equal((await exchange(silent, 'consent-narrow')).claims()!.email, 'alice@example.com');
  });

  it('id_token_hint: an ID token of the realm only; another user\'s with prompt=none is login_required', async () => {
    const browser = new HttpBrowser();
    const mine = await exchange(await code(browser, codeRequest()), 'app');
    const carol = await passwordGrant(server, REALM, 'app', 'app-secret', CAROL.username, CAROL.password, { scope: 'openid' });
    assert.equal(carol.status, 200, carol.text);

    const silent = (hint: string) => browser.request(authUrl(codeRequest({ prompt: 'none', id_token_hint: hint })));
    assert.ok(responseParams(await silent(mine.id_token!)).code, 'the signed-in user\'s own hint: a code');
    assertRedirectedError(await silent(carol.json.id_token), 'login_required', 'another user\'s hint');
    // An access token of the realm, signed by the same keys, with aud and azp the client: not an ID token.
    assert.equal(claimsOf(mine.access_token).aud, 'app');
    const params = assertRedirectedError(await silent(mine.access_token), 'invalid_request', 'an access token as the hint');
    assert.match(params.error_description, /id_token_hint/);
  });

  it('a code is bound to its client and redirect_uri, and expires after the realm\'s accessCodeLifespan', async () => {
    const browser = new HttpBrowser();
    const first = responseParams(await code(browser, codeRequest())).code;
    await refusedExchange('other', { code: first, redirect_uri: REDIRECT }, 'another client');
    const second = responseParams(await code(browser, codeRequest({ redirect_uri: 'https://wild.example/cb/one' }))).code;
    await refusedExchange('app', { code: second, redirect_uri: 'https://wild.example/cb/two' }, 'another redirect_uri');

    const short = new HttpBrowser();
    const expiring = responseParams(await code(short, codeRequest(), ALICE, 'short-codes')).code;
    await sleep(2100);
    await refusedExchange('app', { code: expiring, redirect_uri: REDIRECT }, 'after accessCodeLifespan (1 s)', 'short-codes');
  });

  it('a code lives at most 60 s even where the realm says longer, and is 256 random bits', async () => {
    const browser = new HttpBrowser();
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(responseParams(await code(browser, codeRequest(), ALICE, 'long-codes')).code);
    const db = new Database(join(server.dataDir, 'latchkey.db'), { readonly: true, fileMustExist: true });
    try {
      for (const issued of codes) {
        // Stored only as its hash: the row is found by hashing the code as the server does.
        const row = db.prepare('select created_at, expires_at from authorization_codes where code_hash = ?')
          .get(createHash('sha256').update(issued).digest('base64url')) as { created_at: number; expires_at: number } | undefined;
        assert.ok(row, 'the code is stored, hashed');
        assert.equal(row.expires_at - row.created_at, 60, 'not the realm\'s 600 s');
        assert.match(issued, /^[A-Za-z0-9_-]{43}$/, '32 bytes, base64url');
      }
    } finally {
      db.close();
    }
    assert.equal(new Set(codes).size, codes.length);
  });

  it('ignores authorization request parameters it does not know', async () => {
    const browser = new HttpBrowser();
    const page = await code(browser, codeRequest({ unknown_param: 'x', 'x-vendor-hint': '{"a":1}', claims_locales: 'en' }));
    assert.equal((await exchange(page, 'app')).claims()!.azp, 'app');
  });

  it('gives a client with refresh tokens off no refresh_token', async () => {
    const tokens = await exchange(await code(new HttpBrowser(), codeRequest({ client_id: 'no-refresh' })), 'no-refresh');
    assert.ok(tokens.access_token && tokens.id_token);
    assert.equal(tokens.refresh_token, undefined);
  });

  it('max_age=0 always asks for a fresh sign-in, even within the second', async () => {
    const browser = new HttpBrowser();
    // Signed in at the start of a second and asked again at once: auth_time (whole seconds) is now.
    await sleep(1000 - (Date.now() % 1000));
    const signedIn = await code(browser, codeRequest());
    const again = await browser.visit(authUrl(codeRequest({ max_age: '0' })));
    assert.ok(isLoginPage(again), 'max_age=0 shows the login page');
    const first = await exchange(signedIn, 'app');
    assertRedirectedError(await browser.request(authUrl(codeRequest({ max_age: '0', prompt: 'none' }))), 'login_required', 'with prompt=none');
    const fresh = await exchange(await browser.signIn(again, ALICE.username, ALICE.password), 'app', { maxAge: 0 });
    assert.notEqual(fresh.claims()!.sid, first.claims()!.sid, 'a new session');
  });

  it('prompt=select_account shows the login page; the same user keeps the session, another gets a new one', async () => {
    const browser = new HttpBrowser();
    const first = await exchange(await code(browser, codeRequest()), 'app');
    const pick = await browser.visit(authUrl(codeRequest({ prompt: 'select_account' })));
    assert.ok(isLoginPage(pick), 'the login page, where the account is chosen');
    const same = await exchange(await browser.signIn(pick, ALICE.username, ALICE.password), 'app');
    assert.equal(same.claims()!.sid, first.claims()!.sid, 'the same user: the session carries on');
    assert.equal(same.claims()!.sub, first.claims()!.sub);

    const other = await code(browser, codeRequest({ prompt: 'select_account' }), CAROL);
    const carol = await exchange(other, 'app');
    assert.notEqual(carol.claims()!.sub, first.claims()!.sub);
    assert.notEqual(carol.claims()!.sid, first.claims()!.sid);
    assertRedirectedError(await browser.request(authUrl(codeRequest({ prompt: 'none select_account' }))), 'invalid_request', 'with none');
  });

  it('the SSO session ends after the realm\'s idle timeout, and after its maximum even when used', async () => {
    const idle = new HttpBrowser();
    const busy = new HttpBrowser();
    await code(idle, codeRequest(), ALICE, 'short-sso');
    await code(busy, codeRequest(), ALICE, 'short-sso');
    const silent = (browser: HttpBrowser) => browser.request(authUrl(codeRequest({ prompt: 'none' }), 'short-sso'));
    // ssoSessionIdleTimeout 4 s, ssoSessionMaxLifespan 6 s: `busy` is used every 2 s, which keeps it from idling out.
    await sleep(2000);
    assert.ok(responseParams(await silent(busy)).code, 'busy, 2 s');
    await sleep(2000);
    assert.ok(responseParams(await silent(busy)).code, 'busy, 4 s');
    await sleep(1200);
    assertRedirectedError(await silent(idle), 'login_required', 'idle for more than 4 s', 'short-sso');
    await sleep(1800);
    assertRedirectedError(await silent(busy), 'login_required', 'past the 6 s maximum', 'short-sso');
  });

  it('prompt=none for a signed-in user with a required action (a temporary password) is interaction_required', async () => {
    const browser = new HttpBrowser();
    await code(browser, codeRequest(), { username: 'tess', password: 'tess-pw' });
    const silent = () => browser.request(authUrl(codeRequest({ prompt: 'none' })));
    assert.ok(responseParams(await silent()).code, 'the SSO session answers silently');

    const admin = adminApi(server, await masterAdminToken(server));
    const [tess] = (await admin.get(`/realms/${REALM}/users?username=tess&exact=true`)).json;
    const reset = await admin.put(`/realms/${REALM}/users/${tess.id}/reset-password`, { type: 'password', value: 'tess-temporary', temporary: true });
    assert.equal(reset.status, 204, reset.text);
    const params = assertRedirectedError(await silent(), 'interaction_required', 'UPDATE_PASSWORD pending');
    assert.equal(params.code, undefined);
    // A session that would need a sign-in anyway still says so.
    assertRedirectedError(await browser.request(authUrl(codeRequest({ prompt: 'none', max_age: '0' }))), 'login_required', 'max_age=0 as well');

    // The interaction it asks for: the password, then a new one; after that the session answers silently again.
    const login = await browser.visit(authUrl(codeRequest()));
    assert.ok(isLoginPage(login), 'the login page');
    const update = await browser.signIn(login, 'tess', 'tess-temporary');
    const done = await browser.submit(update, 'kc-passwd-update-form', { 'password-new': 'tess-own-pw', 'password-confirm': 'tess-own-pw' });
    assert.ok(responseParams(done).code, `a code: ${done.status} ${done.location}`);
    assert.ok(responseParams(await silent()).code, 'silent again');
  });

  it("locks the login page after Keycloak's 30 failures, the right password included", async () => {
    const browser = new HttpBrowser();
    let page = await browser.visit(authUrl(codeRequest()));
    for (let i = 1; i <= 30; i++) {
      page = await browser.signIn(page, 'locky', `wrong-${i}`);
      assert.ok(isLoginPage(page), `failure ${i}: the login page again`);
    }
    page = await browser.signIn(page, 'locky', 'locky-pw');
    assert.ok(isLoginPage(page), 'still the login page');
    // What a wrong password or an unknown user is told: the lockout must not tell which accounts exist.
    assert.match(page.text, /Invalid username or password/);
    assert.doesNotMatch(page.text, /locked/i);
    assert.equal(page.location, undefined, 'no code');
    // Another user is not locked.
    const alice = await browser.signIn(page, ALICE.username, ALICE.password);
    assert.ok(responseParams(alice).code);
  });
});
