// Logging out of A also ends the session at the provider the sign-in went through, when
// it has an end_session_endpoint (with the provider's ID token as id_token_hint), and then
// returns to the app's post-logout redirect, the provider's postLogoutUrl, or A's page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { noChromium, openTab, type Tab } from '../helpers/browser.js';
import { assertSignedIn, type Outcome } from '../helpers/relying-party.js';
import { atB, atOp, HOME, signInVia, startBrokerStack, throughProvider, type BrokerStack, type UpstreamLogin } from './fixture.js';

/** B's login page (A's has the same form, under A's realm name). */
const B_LOGIN = '#kc-header-wrapper:has-text("Upstream")';

describe('broker: logout at the provider too', { skip: noChromium, concurrency: 3 }, () => {
  let s: BrokerStack;
  before(async () => {
    s = await startBrokerStack([
      { alias: 'b-code', upstream: 'b' },
      { alias: 'op-code', upstream: 'op' },
      { alias: 'b-after', upstream: 'b', rep: { postLogoutUrl: 'http://localhost:1/replaced-below' } },
      { alias: 'op-no-logout', upstream: 'op', metadata: 'no-logout' },
    ]);
    // Where postLogoutUrl points: the app's logged-out page, told apart by a state of its own.
    const res = await s.aAdmin.put(`/realms/${HOME}/identity-provider/instances/b-after`, { postLogoutUrl: `${s.rp.loggedOutUri}?state=from-provider` });
    assert.equal(res.status, 204, res.text);
  });
  after(async () => { await s?.stop(); });

  /** prompt=none at A tells whether the browser still has A's session. */
  async function signedInAtA(tab: Tab): Promise<boolean> {
    const flow = await s.rp.start({ clientId: 'app', params: { prompt: 'none' } });
    await tab.page.goto(flow.url);
    const o = await flow.outcome();
    return o.error !== 'login_required';
  }

  /** A new sign-in through the provider: true when its login page showed (its session had ended). */
  async function providerAsksAgain(tab: Tab, alias: string, login: UpstreamLogin, form: string): Promise<boolean> {
    const flow = await throughProvider(s, tab, alias);
    const which = await Promise.race([
      tab.page.waitForSelector(form).then(() => 'login' as const),
      flow.outcome().then(() => 'straight' as const),
    ]);
    if (which === 'login') await login(tab.page);
    assertSignedIn(await flow.outcome());
    return which === 'login';
  }

  async function logout(tab: Tab, o: Outcome, opts: { redirect?: boolean; state?: string } = {}) {
    await tab.page.goto(s.rp.endSessionUrl({
      idTokenHint: o.tokens!.id_token!, ...(opts.redirect ? { postLogoutRedirectUri: true } : {}), ...(opts.state ? { state: opts.state } : {}),
    }));
  }

  it('through Latchkey: its session ends too, and the app gets its redirect with its state', async (t) => {
    await s.addUpstreamUser('lara', { email: 'lara@upstream.example' });
    const tab = await openTab(s.browser, t);
    const o = assertSignedIn(await signInVia(s, tab, 'b-code', atB('lara')));
    const visited: string[] = [];
    tab.page.on('request', (r) => { if (r.isNavigationRequest()) visited.push(`${r.method()} ${r.url()}`); });
    const back = s.rp.nextLogout('bye-b');
    await logout(tab, o, { redirect: true, state: 'bye-b' });
    assert.equal((await back).query.state, 'bye-b');
    assert.ok(visited.some((v) => v.startsWith(`GET ${s.b.issuer('upstream')}/protocol/openid-connect/logout?`) && v.includes('id_token_hint=')), visited.join('\n'));
    assert.ok(visited.some((v) => v.includes('/broker/b-code/endpoint/logout_response?state=')), visited.join('\n'));
    assert.equal(await signedInAtA(tab), false, 'A\'s session ended');
    assert.equal(await providerAsksAgain(tab, 'b-code', atB('lara'), B_LOGIN), true, 'B\'s session ended');
  });

  it('through oidc-provider: after its own confirmation, back to the app', async (t) => {
    const tab = await openTab(s.browser, t);
    const o = assertSignedIn(await signInVia(s, tab, 'op-code', atOp('leo')));
    const back = s.rp.nextLogout('bye-op');
    await logout(tab, o, { redirect: true, state: 'bye-op' });
    await tab.page.click('button[name="logout"]');
    assert.equal((await back).query.state, 'bye-op');
    assert.equal(await signedInAtA(tab), false);
    assert.equal(await providerAsksAgain(tab, 'op-code', atOp('leo'), 'input[name="login"]'), true, 'oidc-provider\'s session ended');
  });

  it('without the app\'s redirect: to the provider\'s postLogoutUrl', async (t) => {
    await s.addUpstreamUser('mia', { email: 'mia@upstream.example' });
    const tab = await openTab(s.browser, t);
    const o = assertSignedIn(await signInVia(s, tab, 'b-after', atB('mia')));
    const back = s.rp.nextLogout('from-provider');
    await logout(tab, o);
    await back;
    assert.equal(await providerAsksAgain(tab, 'b-after', atB('mia'), B_LOGIN), true);
  });

  it('confirmed on A\'s page (no id_token_hint): the provider\'s session ends too, then A\'s logged-out page', async (t) => {
    await s.addUpstreamUser('nina', { email: 'nina@upstream.example' });
    const tab = await openTab(s.browser, t);
    assertSignedIn(await signInVia(s, tab, 'b-code', atB('nina')));
    await tab.page.goto(`${s.issuer}/protocol/openid-connect/logout`);
    await tab.page.click('#kc-logout');
    await tab.page.waitForSelector('#kc-logged-out');
    assert.ok(tab.page.url().startsWith(`${s.issuer}/broker/b-code/endpoint/logout_response`), tab.page.url());
    assert.equal(await providerAsksAgain(tab, 'b-code', atB('nina'), B_LOGIN), true);
  });

  it('a provider without end_session_endpoint: A\'s logout alone, straight back to the app', async (t) => {
    const tab = await openTab(s.browser, t);
    const o = assertSignedIn(await signInVia(s, tab, 'op-no-logout', atOp('otto')));
    const visited: string[] = [];
    tab.page.on('request', (r) => { if (r.isNavigationRequest()) visited.push(r.url()); });
    const back = s.rp.nextLogout('bye-local');
    await logout(tab, o, { redirect: true, state: 'bye-local' });
    await back;
    assert.ok(!visited.some((u) => u.startsWith(s.op.issuer)), visited.join('\n'));
    assert.equal(await signedInAtA(tab), false);
    assert.equal(await providerAsksAgain(tab, 'op-no-logout', atOp('otto'), 'input[name="login"]'), false, 'oidc-provider\'s session lives on');
  });
});
