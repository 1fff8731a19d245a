import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { noChromium, openTab, screenshot, signIn, type Tab } from '../helpers/browser.js';
import { assertSignedIn, client, type Outcome } from '../helpers/relying-party.js';
import { startStack, type Stack } from './fixture.js';

describe('browser: RP-initiated logout', { skip: noChromium, concurrency: true }, () => {
  let s: Stack;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });

  async function signedIn(tab: Tab): Promise<Outcome> {
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await tab.page.goto(flow.url);
    await signIn(tab.page);
    return assertSignedIn(await flow.outcome());
  }

  /** prompt=none tells whether the browser still has an SSO session. */
  async function ssoAlive(tab: Tab): Promise<boolean> {
    const flow = await s.rp.start({ clientId: 'rp-code', params: { prompt: 'none' } });
    await tab.page.goto(flow.url);
    const o = await flow.outcome();
    if (o.error === 'login_required') return false;
    assertSignedIn(o);
    return true;
  }

  const sessionCookie = async (tab: Tab) => (await tab.context.cookies()).find((c) => c.name === 'LATCHKEY_SESSION');

  it('with a valid id_token_hint and a registered URI: redirects with state and ends the session', async (t) => {
    const tab = await openTab(s.browser, t);
    const o = await signedIn(tab);
    assert.ok(await sessionCookie(tab));

    const visit = s.rp.nextLogout('bye-123');
    await tab.page.goto(s.rp.endSessionUrl({ idTokenHint: o.tokens!.id_token!, postLogoutRedirectUri: true, state: 'bye-123' }));
    const v = await visit;
    assert.equal(v.query.state, 'bye-123');
    assert.equal(tab.page.url(), `${s.rp.loggedOutUri}?state=bye-123`);
    assert.equal(await sessionCookie(tab), undefined, 'the SSO cookie is cleared');

    assert.equal(await ssoAlive(tab), false, 'prompt=none → login_required after logout');
    await assert.rejects(client.refreshTokenGrant(s.rp.config('rp-code'), o.tokens!.refresh_token!),
      (err: any) => err.error === 'invalid_grant', 'the session\'s refresh token is dead');
  });

  it('with a valid hint and no redirect URI: our logged-out page, no confirmation', async (t) => {
    const tab = await openTab(s.browser, t);
    const o = await signedIn(tab);
    await tab.page.goto(s.rp.endSessionUrl({ idTokenHint: o.tokens!.id_token! }));
    await tab.page.waitForSelector('#kc-logged-out');
    assert.equal(await tab.page.locator('#kc-logout').count(), 0, 'no confirmation asked');
    assert.equal(await ssoAlive(tab), false);
  });

  it('without a hint: a confirmation page, then our logged-out page, never a redirect', async (t) => {
    const tab = await openTab(s.browser, t);
    await signedIn(tab);
    const response = await tab.page.goto(s.rp.endSessionUrl({ clientId: 'rp-code', postLogoutRedirectUri: true, state: 'no-hint' }));
    await tab.page.waitForSelector('#kc-logout');
    const csp = response!.headers()['content-security-policy'] ?? '';
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(response!.headers()['x-frame-options'], 'DENY');
    await screenshot(tab.page, 'logout-confirm');
    assert.equal(await ssoAlive(await openTabSharing(tab)), true, 'nothing ended before the user confirms');

    await tab.page.click('#kc-logout');
    await tab.page.waitForSelector('#kc-logged-out');
    await screenshot(tab.page, 'logged-out');
    await tab.page.waitForTimeout(300);
    assert.ok(tab.page.url().startsWith(`${s.issuer}/protocol/openid-connect/logout`), `stays on the server: ${tab.page.url()}`);
    assert.ok(!s.rp.logoutVisits.some((v) => v.query.state === 'no-hint'), 'no redirect to the RP');
    assert.equal(await ssoAlive(tab), false, 'the session ended');
  });

  it('an unregistered post_logout_redirect_uri with a valid hint gets the confirmation page', async (t) => {
    const tab = await openTab(s.browser, t);
    const o = await signedIn(tab);
    await tab.page.goto(s.rp.endSessionUrl({
      idTokenHint: o.tokens!.id_token!, postLogoutRedirectUri: `${s.rp.origin}/not-registered`, state: 'unregistered',
    }));
    await tab.page.waitForSelector('#kc-logout');
    await tab.page.click('#kc-logout');
    await tab.page.waitForSelector('#kc-logged-out');
    assert.ok(tab.page.url().startsWith(s.issuer), tab.page.url());
    assert.ok(!tab.navigations.some((u) => u.includes('/not-registered')), 'never sent to the unregistered URI');
    assert.ok(!s.rp.logoutVisits.some((v) => v.query.state === 'unregistered'));
    assert.equal(await ssoAlive(tab), false);
  });

  it('ui_locales: the confirmation and logged-out pages in the language asked for', async (t) => {
    const tab = await openTab(s.browser, t);
    await signedIn(tab);
    await tab.page.goto(s.rp.endSessionUrl({ clientId: 'rp-code', params: { ui_locales: 'de' } }));
    await tab.page.waitForSelector('#kc-logout');
    assert.equal(await tab.page.getAttribute('html', 'lang'), 'de');
    assert.equal((await tab.page.textContent('#kc-page-title'))?.trim(), 'Abmelden');
    await screenshot(tab.page, 'logout-confirm-de');
    await tab.page.click('#kc-logout');
    await tab.page.waitForSelector('#kc-logged-out');
    assert.equal(await tab.page.getAttribute('html', 'lang'), 'de', 'the language is carried through the confirmation');
    assert.equal((await tab.page.textContent('#kc-page-title'))?.trim(), 'Abgemeldet');
    await screenshot(tab.page, 'logged-out-de');

    // Proven, without a redirect: straight to the logged-out page, in French.
    const o = await signedIn(tab);
    await tab.page.goto(s.rp.endSessionUrl({ idTokenHint: o.tokens!.id_token!, params: { ui_locales: 'fr' } }));
    await tab.page.waitForSelector('#kc-logged-out');
    assert.equal(await tab.page.getAttribute('html', 'lang'), 'fr');
    assert.equal((await tab.page.textContent('#kc-page-title'))?.trim(), 'Vous êtes déconnecté');
    assert.equal(await ssoAlive(tab), false);
  });

  it("a valid hint of another session of the user: asked first, then the RP's redirect", async (t) => {
    const victim = await openTab(s.browser, t);
    await signedIn(victim);
    const other = await openTab(s.browser, t);
    const theirs = await signedIn(other);
    // The link another session's RP would build, opened in the victim's browser.
    await victim.page.goto(s.rp.endSessionUrl({ idTokenHint: theirs.tokens!.id_token!, postLogoutRedirectUri: true, state: 'theirs' }));
    await victim.page.waitForSelector('#kc-logout');
    assert.equal(await ssoAlive(await openTabSharing(victim)), true, 'not signed out before confirming');
    const visit = s.rp.nextLogout('theirs');
    await victim.page.click('#kc-logout');
    assert.equal((await visit).query.state, 'theirs', 'once confirmed, the proven request redirects');
    assert.equal(await ssoAlive(victim), false);
  });

  /** A second page in the same context (same cookies), closed with it. */
  async function openTabSharing(tab: Tab): Promise<Tab> {
    const page = await tab.context.newPage();
    return { context: tab.context, page, navigations: [], consoleErrors: [] };
  }
});
