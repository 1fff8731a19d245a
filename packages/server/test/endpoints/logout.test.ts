// RP-initiated logout over HTTP: which post_logout_redirect_uri a proven request may go to
// (the login redirect rule), which hints prove it, and a browser signed in as somebody else.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { passwordGrant, sleep } from '../helpers/http.js';
import { HttpBrowser, formOf, isLoginPage, responseParams, type HttpPage } from '../helpers/http-browser.js';
import { claimsOf, client, rp } from '../helpers/oidc.js';
import { realmUrl, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'bye';
const LOGIN_REDIRECT = 'https://app.example/cb';

const clientOf = (clientId: string, postLogout: string | undefined, extra: object = {}) => ({
  clientId, publicClient: false, secret: `${clientId}-secret`, directAccessGrantsEnabled: true,
  redirectUris: [LOGIN_REDIRECT, 'https://app.example/wild/*'], ...extra,
  attributes: { ...(postLogout ? { 'post.logout.redirect.uris': postLogout } : {}), ...(extra as { attributes?: object }).attributes },
});

const realm = {
  realm: REALM, enabled: true,
  clients: [
    clientOf('exact', 'https://app.example/bye'),
    // Keycloak's `+`: the login redirect URIs, under the same rule.
    clientOf('plus', '+'),
    clientOf('wild', 'https://wild.example/bye/*##http://203.0.113.5/bye##http://localhost:7/bye'),
    clientOf('none', undefined),
    clientOf('short', 'https://app.example/bye', { attributes: { 'access.token.lifespan': '1' } }),
  ],
  users: [
    { username: 'alice', enabled: true, credentials: [{ type: 'password', value: 'alice-pw' }] },
    { username: 'carol', enabled: true, credentials: [{ type: 'password', value: 'carol-pw' }] },
  ],
};

describe('logout over HTTP', { concurrency: true }, () => {
  let server: TestServer;
  before(async () => { server = await startServer({ realms: [realm] }); });
  after(async () => { await server?.stop(); });

  const logoutUrl = (params: Record<string, string>) => `${realmUrl(server, REALM, '/protocol/openid-connect/logout')}?${new URLSearchParams(params)}`;

  /** A session from the password grant: its ID token (with sid) and refresh token. */
  async function session(clientId: string, username = 'alice') {
    const res = await passwordGrant(server, REALM, clientId, `${clientId}-secret`, username, `${username}-pw`, { scope: 'openid' });
    assert.equal(res.status, 200, res.text);
    return { idToken: res.json.id_token as string, accessToken: res.json.access_token as string, refreshToken: res.json.refresh_token as string };
  }

  /** Whether the session's refresh token still works. */
  async function alive(clientId: string, refreshToken: string): Promise<boolean> {
    const config = await rp(server, REALM, clientId, `${clientId}-secret`);
    return client.refreshTokenGrant(config, refreshToken).then(() => true, (err) => {
      assert.equal(err.error, 'invalid_grant', String(err));
      return false;
    });
  }

  const isConfirmation = (page: HttpPage) => page.status === 200 && page.location === undefined && page.text.includes('id="kc-logout"');

  it('redirects a proven request only to a post-logout URI registered by the login redirect rule', async () => {
    const cases: Array<[string, string, boolean]> = [
      ['exact', 'https://app.example/bye', true],
      ['exact', 'https://app.example/bye/', false],
      ['exact', 'https://app.example/bye?x=1', false],
      ['exact', LOGIN_REDIRECT, false],
      ['plus', LOGIN_REDIRECT, true],
      ['plus', 'https://app.example/wild/x?y=1', true],
      ['plus', 'https://app.example/cbx', false],
      ['plus', 'https://app.example/wild/../admin', false],
      ['plus', 'https://app.example/wild/x#frag', false],
      ['wild', 'https://wild.example/bye/', true],
      ['wild', 'https://wild.example/bye/deeper?x=1', true],
      ['wild', 'https://wild.example/byex', false],
      ['wild', 'https://wild.example.evil.example/bye/', false],
      ['wild', 'https://user@wild.example/bye/', false],
      ['wild', 'https://wild.example/bye\\..\\x', false],
      ['wild', 'http://localhost:7/bye', true],
      // Registered, but plain http to a public address (sslRequired external).
      ['wild', 'http://203.0.113.5/bye', false],
      ['none', 'https://app.example/bye', false],
    ];
    for (const [clientId, uri, allowed] of cases) {
      const what = `${clientId} → ${uri}`;
      const s = await session(clientId);
      const page = await new HttpBrowser().request(logoutUrl({ id_token_hint: s.idToken, post_logout_redirect_uri: uri, state: 'st' }));
      if (allowed) {
        assert.equal(page.status, 302, `${what}: ${page.status} ${page.text.slice(0, 200)}`);
        const target = new URL(page.location!);
        assert.equal(`${target.origin}${target.pathname}`, new URL(uri).origin + new URL(uri).pathname, what);
        assert.equal(target.searchParams.get('state'), 'st', what);
        assert.equal(await alive(clientId, s.refreshToken), false, `${what}: the session ended`);
      } else {
        assert.ok(isConfirmation(page), `${what}: the confirmation page, no redirect (${page.status} ${page.location ?? ''})`);
        assert.equal(await alive(clientId, s.refreshToken), true, `${what}: nothing ended before confirming`);
      }
    }
  });

  it('an unregistered post_logout_redirect_uri: the confirmation page says why, and a warning names the client', async () => {
    const s = await session('exact');
    const page = await new HttpBrowser().request(logoutUrl({ id_token_hint: s.idToken, post_logout_redirect_uri: 'https://elsewhere.example/x' }));
    assert.ok(isConfirmation(page), `${page.status} ${page.location ?? ''}`);
    assert.match(page.text, /Invalid redirect uri/);
    const warned = () => server.output().split('\n').some((line) => line.includes('post_logout_redirect_uri') && line.includes('"exact"'));
    for (const deadline = Date.now() + 5000; !warned() && Date.now() < deadline;) await sleep(20);
    assert.ok(warned(), `a warning naming the client in:\n${server.output().slice(-2000)}`);
    // A registered one says nothing of the kind.
    const fine = await new HttpBrowser().request(logoutUrl({ client_id: 'exact', post_logout_redirect_uri: 'https://app.example/bye' }));
    assert.ok(isConfirmation(fine));
    assert.doesNotMatch(fine.text, /Invalid redirect uri/);
  });

  it('a tampered hint or an access token proves nothing; an expired ID token still does (RP-Initiated Logout §2)', async () => {
    const tampered = await session('exact');
    const [h, p, sig] = tampered.idToken.split('.');
    const claims = claimsOf(tampered.idToken);
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${sig}`;
    const page = await new HttpBrowser().request(logoutUrl({ id_token_hint: forged, post_logout_redirect_uri: 'https://app.example/bye' }));
    assert.ok(isConfirmation(page), `a tampered hint: confirmation (${page.status} ${page.location ?? ''})`);
    // The session's access token is signed by the same keys and names the client, but is no ID token.
    const access = await new HttpBrowser().request(logoutUrl({ id_token_hint: tampered.accessToken, post_logout_redirect_uri: 'https://app.example/bye' }));
    assert.ok(isConfirmation(access), `an access token as the hint: confirmation (${access.status} ${access.location ?? ''})`);
    assert.equal(await alive('exact', tampered.refreshToken), true);

    const expiring = await session('short');
    assert.equal(claimsOf(expiring.idToken).exp - claimsOf(expiring.idToken).iat, 1);
    await sleep(2100);
    const late = await new HttpBrowser().request(logoutUrl({ id_token_hint: expiring.idToken, post_logout_redirect_uri: 'https://app.example/bye', state: 'late' }));
    assert.equal(late.status, 302, `an expired hint: ${late.status} ${late.text.slice(0, 200)}`);
    assert.equal(new URL(late.location!).searchParams.get('state'), 'late');
  });

  it('a client_id other than the hint\'s audience proves nothing', async () => {
    const s = await session('exact');
    const page = await new HttpBrowser().request(logoutUrl({ id_token_hint: s.idToken, client_id: 'plus', post_logout_redirect_uri: 'https://app.example/bye' }));
    assert.ok(isConfirmation(page), `${page.status} ${page.location ?? ''}`);
    assert.equal(await alive('exact', s.refreshToken), true);
    const matching = await new HttpBrowser().request(logoutUrl({ id_token_hint: s.idToken, client_id: 'exact', post_logout_redirect_uri: 'https://app.example/bye' }));
    assert.equal(matching.status, 302);
  });

  it('answers a logout POST with 303', async () => {
    const s = await session('exact');
    const page = await new HttpBrowser().request(logoutUrl({}), { form: { id_token_hint: s.idToken, post_logout_redirect_uri: 'https://app.example/bye' } });
    assert.equal(page.status, 303, `${page.status} ${page.text.slice(0, 200)}`);
  });

  describe('a browser signed in as another user, or in another session, than the hint says', () => {
    /** A browser signed in through the login page, and the ID token its client got. */
    async function signedIn(username: string): Promise<{ browser: HttpBrowser; idToken: string }> {
      const browser = new HttpBrowser();
      const params = { client_id: 'exact', redirect_uri: LOGIN_REDIRECT, response_type: 'code', scope: 'openid', state: 'st' };
      const page = await browser.authorize(`${realmUrl(server, REALM, '/protocol/openid-connect/auth')}?${new URLSearchParams(params)}`,
        { username, password: `${username}-pw` });
      const config = await rp(server, REALM, 'exact', 'exact-secret');
      const tokens = await client.authorizationCodeGrant(config, new URL(page.location!), { expectedState: 'st' });
      return { browser, idToken: tokens.id_token! };
    }

    const silent = async (browser: HttpBrowser) => {
      const params = { client_id: 'exact', redirect_uri: LOGIN_REDIRECT, response_type: 'code', scope: 'openid', state: 'st', prompt: 'none' };
      return responseParams(await browser.request(`${realmUrl(server, REALM, '/protocol/openid-connect/auth')}?${new URLSearchParams(params)}`));
    };

    it('asks before signing the browser out, then goes where the proven request said', async () => {
      const alice = await signedIn('alice');
      const carol = await signedIn('carol');
      // A link with carol's valid hint, opened in alice's browser (a CSRF attempt on her session).
      const page = await alice.browser.request(logoutUrl({ id_token_hint: carol.idToken, post_logout_redirect_uri: 'https://app.example/bye', state: 'csrf' }));
      assert.ok(isConfirmation(page), `confirmation (${page.status} ${page.location ?? ''})`);
      assert.ok((await silent(alice.browser)).code, 'alice is still signed in');
      assert.ok((await silent(carol.browser)).code, 'and so is carol');

      // Alice confirms: her session ends, so does the hint's, and the proven request redirects.
      const confirmed = await alice.browser.submit(page, 'kc-logout-confirm');
      assert.equal(confirmed.status, 303, `${confirmed.status} ${confirmed.text.slice(0, 200)}`);
      const target = new URL(confirmed.location!);
      assert.equal(`${target.origin}${target.pathname}`, 'https://app.example/bye');
      assert.equal(target.searchParams.get('state'), 'csrf');
      assert.equal((await silent(alice.browser)).error, 'login_required');
      assert.equal((await silent(carol.browser)).error, 'login_required');
    });

    it('asks when the hint is the same user\'s but another session\'s', async () => {
      const here = await signedIn('alice');
      const elsewhere = await signedIn('alice');
      assert.notEqual(claimsOf(here.idToken).sid, claimsOf(elsewhere.idToken).sid);
      const page = await here.browser.request(logoutUrl({ id_token_hint: elsewhere.idToken }));
      assert.ok(isConfirmation(page));
      assert.ok((await silent(here.browser)).code, 'still signed in');
      // Its own hint signs it out without asking.
      const own = await here.browser.request(logoutUrl({ id_token_hint: here.idToken }));
      assert.equal(own.status, 200);
      assert.match(own.text, /id="kc-logged-out"/);
      assert.equal((await silent(here.browser)).error, 'login_required');
    });

    it('an unproven confirmation carries nothing to redirect to', async () => {
      const alice = await signedIn('alice');
      const page = await alice.browser.request(logoutUrl({ client_id: 'exact', post_logout_redirect_uri: 'https://app.example/bye', state: 'x' }));
      assert.ok(isConfirmation(page));
      // The client_id is carried for the logged-out page's way back to the client's registered address, never a redirect.
      assert.deepEqual(Object.keys(formOf(page, 'kc-logout-confirm').fields).sort(), ['_csrf', 'client_id', 'confirmLogout']);
      const confirmed = await alice.browser.submit(page, 'kc-logout-confirm', {
        post_logout_redirect_uri: 'https://app.example/bye', client_id: 'exact', state: 'x',
      });
      assert.equal(confirmed.status, 200, 'our logged-out page, even with the fields added back');
      assert.match(confirmed.text, /id="kc-logged-out"/);
      assert.equal((await silent(alice.browser)).error, 'login_required');
      const login = await alice.browser.visit(`${realmUrl(server, REALM, '/protocol/openid-connect/auth')}?${new URLSearchParams({
        client_id: 'exact', redirect_uri: LOGIN_REDIRECT, response_type: 'code', scope: 'openid' })}`);
      assert.ok(isLoginPage(login));
    });
  });
});
