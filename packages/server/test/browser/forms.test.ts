import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { noChromium, openTab, screenshot, signIn, type Page } from '../helpers/browser.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { isLoginAction, startStack, type Stack } from './fixture.js';

describe('browser: the login and consent forms refuse forgeries', { skip: noChromium, concurrency: true }, () => {
  let s: Stack;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });

  /** Changes (a string) or removes (null) the hidden _csrf field of the page's main form (not "not you?"'s). */
  const setCsrf = (page: Page, value: string | null) => page.evaluate((v) => {
    const input = document.querySelector<HTMLInputElement>('#kc-form-login input[name="_csrf"], #kc-consent-form input[name="_csrf"]')!;
    if (v === null) input.remove();
    else input.value = v;
  }, value);

  /** The answer to the next form POST to a login action. */
  const nextPost = (page: Page) => page.waitForResponse((r) => r.request().method() === 'POST' && isLoginAction(r.url()));

  async function assertRefused(page: Page, answer: Promise<{ status(): number }>, what: string) {
    assert.equal((await answer).status(), 403, what);
    await page.waitForSelector('#kc-error-message');
    assert.match(await page.textContent('#kc-error-message') ?? '', /expired/, what);
  }

  it('a wrong or missing CSRF token on the login form: refused, nobody signed in', async (t) => {
    const { page, context } = await openTab(s.browser, t);
    for (const value of ['forged-token', null]) {
      const flow = await s.rp.start({ clientId: 'rp-code' });
      await page.goto(flow.url);
      await page.waitForSelector('#username');
      await setCsrf(page, value);
      const answer = nextPost(page);
      await signIn(page);
      await assertRefused(page, answer, `_csrf ${value ?? 'missing'}`);
      if (value === null) await screenshot(page, 'login-csrf-refused');
      assert.equal(flow.received, false);
      assert.equal((await context.cookies()).find((c) => c.name === 'LATCHKEY_SESSION'), undefined, 'no session');
    }
  });

  it('a wrong or missing CSRF token on the consent form: refused, no consent remembered', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-consent', scope: 'openid address' });
    await page.goto(flow.url);
    await signIn(page);
    await page.waitForSelector('#kc-consent-items');
    const consentUrl = page.url();
    for (const value of ['forged-token', null]) {
      await page.goto(consentUrl);
      await page.waitForSelector('#kc-consent-items');
      await setCsrf(page, value);
      const answer = nextPost(page);
      await page.click('#kc-login');
      await assertRefused(page, answer, `consent _csrf ${value ?? 'missing'}`);
    }
    assert.equal(flow.received, false);
    // Not remembered: the same request still asks, and the real form goes through.
    await page.goto(consentUrl);
    await page.waitForSelector('#kc-consent-items');
    await page.click('#kc-login');
    assertSignedIn(await flow.outcome());
  });

  it("another browser cannot continue someone else's sign-in, even with a CSRF token of its own", async (t) => {
    const victim = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await victim.page.goto(flow.url);
    await victim.page.waitForSelector('#username');
    const victimLogin = victim.page.url();
    const victimAction = await victim.page.getAttribute('#kc-form-login', 'action');

    const other = await openTab(s.browser, t);
    const shown = await other.page.goto(victimLogin);
    assert.equal(shown!.status(), 400, 'the interaction is not this browser\'s');
    await other.page.waitForSelector('#kc-error-message');

    // The other browser's own login page gives it a valid CSRF token; it posts to the victim's interaction.
    const own = await s.rp.start({ clientId: 'rp-code' });
    await other.page.goto(own.url);
    await other.page.waitForSelector('#username');
    await other.page.evaluate((action) => { document.querySelector('#kc-form-login')!.setAttribute('action', action); }, victimAction!);
    const answer = other.page.waitForResponse((r) => r.request().method() === 'POST');
    await signIn(other.page);
    assert.equal((await answer).status(), 400);
    await other.page.waitForSelector('#kc-error-message');
    assert.equal(flow.received, false, 'the victim\'s request got no response');
    assert.equal(own.received, false);

    // The victim's own browser still completes it.
    await signIn(victim.page);
    assertSignedIn(await flow.outcome());
  });
});
