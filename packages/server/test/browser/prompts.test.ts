import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { noChromium, openTab, screenshot, signIn, type Tab } from '../helpers/browser.js';
import { assertSignedIn, type FlowOptions, type Outcome } from '../helpers/relying-party.js';
import { isLoginAction, sleep, startStack, type Stack } from './fixture.js';

describe('browser: prompt, max_age, SSO and hints', { skip: noChromium, concurrency: true }, () => {
  let s: Stack;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });

  /** Runs a flow in a tab; signs in when the login page shows. Returns whether it did. */
  async function flowIn(tab: Tab, options: FlowOptions): Promise<{ o: Outcome; loginShown: boolean; pages: string[] }> {
    const flow = await s.rp.start(options);
    const from = tab.navigations.length;
    await tab.page.goto(flow.url);
    let loginShown = false;
    if (isLoginAction(tab.page.url())) {
      loginShown = true;
      await signIn(tab.page);
    }
    const o = await flow.outcome();
    return { o, loginShown, pages: tab.navigations.slice(from) };
  }

  it('prompt=none without a session: login_required, no page', async (t) => {
    const tab = await openTab(s.browser, t);
    const { o, pages } = await flowIn(tab, { clientId: 'rp-code', params: { prompt: 'none' } });
    assert.equal(o.error, 'login_required', o.errorDescription);
    assert.equal(o.iss, s.issuer);
    assert.equal(o.transport, 'query');
    assert.ok(pages.every((u) => u.startsWith(s.rp.origin)), `only the RP was shown: ${pages.join(' ')}`);
  });

  it('after sign-in: prompt=none returns a code silently, and SSO signs in a second client', async (t) => {
    const tab = await openTab(s.browser, t);
    const first = await flowIn(tab, { clientId: 'rp-code' });
    assert.ok(first.loginShown);
    const sid = assertSignedIn(first.o).idToken!.sid;

    const silent = await flowIn(tab, { clientId: 'rp-code', params: { prompt: 'none' } });
    assertSignedIn(silent.o);
    assert.equal(silent.loginShown, false);
    assert.ok(silent.pages.every((u) => u.startsWith(s.rp.origin)), `no server page: ${silent.pages.join(' ')}`);
    assert.equal(silent.o.idToken!.sid, sid, 'the same SSO session');

    const other = await flowIn(tab, { clientId: 'rp-public-plain', pkce: 'plain' });
    assertSignedIn(other.o);
    assert.equal(other.loginShown, false, 'SSO: no login page for the second client');
    assert.equal(other.o.idToken!.sid, sid);
    assert.equal(other.o.idToken!.aud, 'rp-public-plain');
  });

  it('prompt=login shows the login page again and auth_time moves', async (t) => {
    const tab = await openTab(s.browser, t);
    const first = assertSignedIn((await flowIn(tab, { clientId: 'rp-code' })).o);
    await sleep(1100);
    const again = await flowIn(tab, { clientId: 'rp-code', params: { prompt: 'login' } });
    assert.equal(again.loginShown, true, 'prompt=login asks again');
    assertSignedIn(again.o);
    assert.ok((again.o.idToken!.auth_time as number) > (first.idToken!.auth_time as number),
      `auth_time ${again.o.idToken!.auth_time} after ${first.idToken!.auth_time}`);
  });

  it('max_age=1 after 2 s forces a new sign-in', async (t) => {
    const tab = await openTab(s.browser, t);
    const first = assertSignedIn((await flowIn(tab, { clientId: 'rp-code' })).o);
    const fresh = await flowIn(tab, { clientId: 'rp-code', params: { max_age: '600' } });
    assert.equal(fresh.loginShown, false, 'a recent sign-in satisfies max_age=600');
    assertSignedIn(fresh.o);
    await sleep(2000);
    const stale = await flowIn(tab, { clientId: 'rp-code', params: { max_age: '1' } });
    assert.equal(stale.loginShown, true, 'max_age=1 asks again');
    // openid-client checks auth_time against max_age itself.
    assertSignedIn(stale.o);
    assert.ok((stale.o.idToken!.auth_time as number) > (first.idToken!.auth_time as number));
  });

  it('id_token_hint of the signed-in user with prompt=none returns a code', async (t) => {
    const tab = await openTab(s.browser, t);
    const first = assertSignedIn((await flowIn(tab, { clientId: 'rp-code' })).o);
    const hinted = await flowIn(tab, { clientId: 'rp-code', params: { prompt: 'none', id_token_hint: first.tokens!.id_token! } });
    assertSignedIn(hinted.o);
    assert.equal(hinted.loginShown, false);
    assert.equal(hinted.o.idToken!.sub, first.idToken!.sub);

    // A hint that is not one of the realm's ID tokens is an error, redirected.
    const forged = first.tokens!.id_token!.replace(/\.[^.]*$/, '.AAAA');
    const bad = await flowIn(tab, { clientId: 'rp-code', params: { prompt: 'none', id_token_hint: forged } });
    assert.equal(bad.o.error, 'invalid_request', bad.o.errorDescription);
  });

  it('ui_locales=de renders the login page in German', async (t) => {
    const tab = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code', params: { ui_locales: 'de' } });
    await tab.page.goto(flow.url);
    await tab.page.waitForSelector('#username');
    assert.equal(await tab.page.getAttribute('html', 'lang'), 'de');
    assert.equal((await tab.page.textContent('#kc-page-title'))?.trim(), 'Bei Code RP anmelden');
    assert.equal((await tab.page.textContent('label[for=password]'))?.trim(), 'Passwort');
    assert.equal(await tab.page.inputValue('#kc-login'), 'Anmelden');
    await screenshot(tab.page, 'login-de');
    // The error after a wrong password stays German.
    await signIn(tab.page, 'alice', 'nope');
    await tab.page.waitForSelector('#input-error');
    assert.equal((await tab.page.textContent('#input-error'))?.trim(), 'Ungültiger Benutzername oder ungültiges Passwort.');
  });

  it('login_hint prefills the username', async (t) => {
    const tab = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code', params: { login_hint: 'alice' } });
    await tab.page.goto(flow.url);
    await tab.page.waitForSelector('#username');
    assert.equal(await tab.page.inputValue('#username'), 'alice');
    await tab.page.fill('#password', 'alice-pw');
    await tab.page.click('#kc-login');
    assertSignedIn(await flow.outcome());
  });
});
