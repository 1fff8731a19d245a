import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { noChromium, openTab, screenshot, signIn } from '../helpers/browser.js';
import { userinfo } from '../helpers/http.js';
import { assertSignedIn, client, halfHash } from '../helpers/relying-party.js';
import { isLoginAction, REALM, startStack, type Stack } from './fixture.js';

// Each test has its own browser context and RP flow (keyed by state), so they run side by side.
describe('browser: authorization code flow', { skip: noChromium, concurrency: true }, () => {
  let s: Stack;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });

  it('signs in with code + PKCE S256 and the RP validates the tokens', async (t) => {
    const { page, context, consoleErrors } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code', scope: 'openid profile email' });
    const response = await page.goto(flow.url);
    assert.ok(isLoginAction(page.url()), `on the login page: ${page.url()}`);
    await page.waitForSelector('#username');
    await screenshot(page, 'login');

    // The page's security headers.
    const headers = response!.headers();
    const csp = headers['content-security-policy'];
    assert.ok(csp, 'Content-Security-Policy is set');
    assert.doesNotMatch(csp, /unsafe-inline/, csp);
    assert.doesNotMatch(csp, /unsafe-eval/, csp);
    assert.match(csp, /frame-ancestors 'none'/, csp);
    assert.equal(headers['x-frame-options'], 'DENY');
    assert.match(headers['cache-control'] ?? '', /no-store/);

    await signIn(page);
    const o = assertSignedIn(await flow.outcome());
    assert.equal(o.transport, 'query');
    assert.equal(o.params.iss, s.issuer, 'RFC 9207 iss on the response');
    assert.equal(o.params.state, flow.state);
    assert.ok(o.tokens?.access_token && o.tokens.id_token && o.tokens.refresh_token);

    const id = o.idToken!;
    assert.equal(id.nonce, flow.nonce);
    assert.equal(typeof id.auth_time, 'number');
    assert.ok(Math.abs((id.auth_time as number) - Date.now() / 1000) < 30, 'auth_time is now');
    assert.equal(typeof id.sid, 'string');
    assert.equal(id.at_hash, halfHash(o.tokens.access_token), 'at_hash of the access token');
    assert.equal(id.aud, 'rp-code');
    assert.equal(id.azp, 'rp-code');
    assert.equal(id.acr, '1', 'a password sign-in, as Keycloak grades it');
    assert.equal(id.email, 'alice@example.com');
    assert.equal(id.given_name, 'Alice');

    const info = await s.rp.userinfo('rp-code', o.tokens.access_token, id.sub!);
    assert.equal(info.sub, id.sub);
    assert.equal(info.email, 'alice@example.com');

    await page.waitForURL(`${s.rp.redirectUri}?**`);
    assert.equal(await page.textContent('#rp-status'), `signed in as ${id.sub}`);

    // The SSO cookie: HttpOnly, SameSite=Lax, scoped to the realm.
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'LATCHKEY_SESSION');
    assert.ok(session, `LATCHKEY_SESSION set: ${cookies.map((c) => c.name).join(', ')}`);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.equal(session.path, `/realms/${REALM}/`);
    assert.equal(session.expires, -1, 'a session cookie, no Max-Age');
    assert.deepEqual(consoleErrors, [], 'no console errors or CSP violations');
  });

  it('signs in a public client with plain PKCE', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-public-plain', pkce: 'plain' });
    await page.goto(flow.url);
    await signIn(page);
    const o = assertSignedIn(await flow.outcome());
    assert.equal(o.idToken!.aud, 'rp-public-plain');
    assert.equal(o.idToken!.azp, 'rp-public-plain');
    assert.equal(o.idToken!.acr, '1');
    assert.equal(o.idToken!.nonce, flow.nonce);
    assert.ok(o.tokens!.access_token);
  });

  it('refuses a replayed code and revokes the access token it was exchanged for', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    await signIn(page);
    const o = assertSignedIn(await flow.outcome());
    const first = o.tokens!.access_token;
    assert.equal((await userinfo(s.server, REALM, first)).status, 200, 'the first access token works');

    await assert.rejects(
      client.genericGrantRequest(s.rp.config('rp-code'), 'authorization_code', {
        code: o.params.code, redirect_uri: flow.redirectUri, code_verifier: flow.codeVerifier!,
      }),
      (err: any) => {
        assert.equal(err.error, 'invalid_grant', String(err));
        return true;
      },
    );
    const after = await userinfo(s.server, REALM, first);
    assert.equal(after.status, 401, `access token from the replayed code is inactive: ${after.status} ${after.text}`);
    await assert.rejects(client.refreshTokenGrant(s.rp.config('rp-code'), o.tokens!.refresh_token!),
      (err: any) => err.error === 'invalid_grant', 'the refresh token is revoked too');
  });

  it('shows an error page for an unregistered redirect_uri and never redirects', async (t) => {
    const { page, navigations } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code', redirectUri: `${s.rp.origin}/not-registered` });
    const response = await page.goto(flow.url);
    assert.equal(response!.status(), 400);
    await page.waitForSelector('#kc-error-message');
    assert.match(await page.textContent('#kc-error-message') ?? '', /redirect URI is not allowed/);
    await screenshot(page, 'error-page');
    await page.waitForTimeout(300);
    assert.ok(page.url().startsWith(`${s.issuer}/protocol/openid-connect/auth`), `still on the server: ${page.url()}`);
    assert.ok(navigations.every((u) => !u.startsWith(s.rp.origin)), `never at the RP: ${navigations.join(' ')}`);
    assert.ok(!s.rp.responses.some((r) => r.params.state === flow.state), 'the RP got nothing');
    assert.equal(flow.received, false);
  });

  it('redirects invalid_request with iss when PKCE is missing for a client that requires it', async (t) => {
    const { page, navigations } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code', pkce: false });
    await page.goto(flow.url);
    const o = await flow.outcome();
    assert.equal(o.error, 'invalid_request', o.errorDescription);
    assert.match(o.errorDescription ?? '', /code_challenge|PKCE/i);
    assert.equal(o.iss, s.issuer);
    assert.equal(o.state, flow.state);
    assert.equal(o.transport, 'query');
    assert.ok(!navigations.some(isLoginAction), 'no login page');
  });

  it('shows #input-error for a wrong password and keeps the username', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    await signIn(page, 'alice', 'wrong-password');
    await page.waitForSelector('#input-error');
    assert.equal((await page.textContent('#input-error'))?.trim(), 'Invalid username or password.');
    assert.equal(await page.inputValue('#username'), 'alice');
    assert.equal(await page.inputValue('#password'), '', 'the password is not echoed back');
    assert.equal(await page.getAttribute('#password', 'aria-invalid'), 'true');
    await screenshot(page, 'login-error');
    assert.equal(flow.received, false);

    // The same request still completes with the right password.
    await signIn(page);
    assertSignedIn(await flow.outcome());
  });

  it('signs in with the email address in the username field', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    await signIn(page, 'alice@example.com', 'alice-pw');
    const o = assertSignedIn(await flow.outcome());
    assert.equal(o.idToken!.preferred_username, 'alice');
  });

  it('completes two sign-in requests left open in two tabs of one browser', async (t) => {
    const { page, context } = await openTab(s.browser, t);
    const first = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(first.url);
    const other = await context.newPage();
    const second = await s.rp.start({ clientId: 'rp-public-plain', pkce: 'plain' });
    await other.goto(second.url);

    // The user signs in in the tab opened first.
    await page.bringToFront();
    await signIn(page);
    await page.waitForSelector('#rp-status, #kc-error-message');
    const error = await page.locator('#kc-error-message').isVisible() ? await page.textContent('#kc-error-message') : null;
    assert.equal(error, null, `the first tab's sign-in fails once a second tab started one: ${error?.trim()} (${page.url()})`);
    assertSignedIn(await first.outcome());
    await other.bringToFront();
    await signIn(other);
    assertSignedIn(await second.outcome());
  });

  it('tells a disabled user the account is disabled', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    await signIn(page, 'bob', 'bob-pw');
    await page.waitForSelector('#input-error');
    assert.match(await page.textContent('#input-error') ?? '', /account is disabled/);
    assert.ok(isLoginAction(page.url()));
    assert.equal(flow.received, false);
    await screenshot(page, 'login-disabled');
  });
});
