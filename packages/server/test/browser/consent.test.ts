import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { noChromium, openTab, screenshot, signIn, type Page } from '../helpers/browser.js';
import { claimsOf } from '../helpers/oidc.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { API_CONSENT_TEXTS, CONSENT_TEXTS, isLoginAction, LOGO, startStack, type Stack } from './fixture.js';

// Order-independent: the tests that must find consent still owed ask for scopes no test ever accepts
// (address, phone), so they run side by side like the other suites.
describe('browser: consent (rp-consent)', { skip: noChromium, concurrency: true }, () => {
  let s: Stack;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });

  const items = async (page: Page) => (await page.locator('#kc-consent-items li').allTextContents()).map((i) => i.trim());
  const onConsentPage = (page: Page) => page.locator('#kc-consent-items').isVisible();

  async function logoLoaded(page: Page) {
    const logo = page.locator('img.client-logo');
    assert.equal(await logo.count(), 1, 'the client logo is shown');
    assert.equal(await logo.getAttribute('src'), LOGO);
    // Loaded, so the CSP let it through.
    assert.ok(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the logo loaded');
  }

  it('SSO from another client goes straight to the consent page, without a second sign-in', async (t) => {
    const tab = await openTab(s.browser, t);
    const code = await s.rp.start({ clientId: 'rp-code' });
    await tab.page.goto(code.url);
    await signIn(tab.page);
    assertSignedIn(await code.outcome());

    // address: never accepted in this suite, so consent is owed whatever else ran.
    const flow = await s.rp.start({ clientId: 'rp-consent', scope: 'openid address' });
    await tab.page.goto(flow.url);
    const loginShown = await tab.page.locator('#kc-form-login').isVisible();
    if (loginShown) await screenshot(tab.page, 'consent-sso-shows-login');
    assert.equal(loginShown, false, `with a live SSO session the consent client shows the LOGIN page again (${tab.page.url()})`);
    assert.ok(await onConsentPage(tab.page), `the consent page: ${tab.page.url()}`);
    await tab.page.click('#kc-cancel');
    assert.equal((await flow.outcome()).error, 'access_denied');
  });

  it('prompt=none with consent still owed: consent_required', async (t) => {
    const tab = await openTab(s.browser, t);
    const code = await s.rp.start({ clientId: 'rp-code' });
    await tab.page.goto(code.url);
    await signIn(tab.page);
    assertSignedIn(await code.outcome());
    // phone is never accepted in this suite.
    const flow = await s.rp.start({ clientId: 'rp-consent', scope: 'openid phone', params: { prompt: 'none' } });
    await tab.page.goto(flow.url);
    const o = await flow.outcome();
    assert.equal(o.error, 'consent_required', o.errorDescription);
    assert.equal(o.iss, s.issuer);
  });

  it('No with response_mode=form_post posts access_denied to the RP', async (t) => {
    const { page, consoleErrors } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-consent', scope: 'openid phone', responseMode: 'form_post' });
    await page.goto(flow.url);
    await signIn(page);
    await page.waitForSelector('#kc-consent-items');
    assert.ok((await items(page)).includes('View your phone number'), 'the theme text for a scope without a client text');
    await page.click('#kc-cancel');
    const o = await flow.outcome();
    assert.equal(o.transport, 'form_post');
    assert.equal(o.error, 'access_denied');
    assert.equal(o.iss, s.issuer);
    assert.equal(o.state, flow.state);
    assert.deepEqual(consoleErrors, []);
  });

  it('lists the client\'s English texts with its logo; No answers access_denied', async (t) => {
    const { page, consoleErrors } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-consent' });
    await page.goto(flow.url);
    await signIn(page);
    await page.waitForSelector('#kc-consent-items');
    assert.ok(isLoginAction(page.url()));
    assert.deepEqual(await items(page), [CONSENT_TEXTS.en.profile, CONSENT_TEXTS.en.email]);
    assert.equal((await page.textContent('#kc-page-title'))?.trim(), 'Grant access to Consent RP');
    assert.equal(await page.inputValue('#kc-login'), 'Yes');
    assert.equal(await page.inputValue('#kc-cancel'), 'No');
    await logoLoaded(page);
    await screenshot(page, 'consent-en');
    assert.equal(flow.received, false, 'nothing sent before the answer');

    await page.click('#kc-cancel');
    const o = await flow.outcome();
    assert.equal(o.error, 'access_denied', o.errorDescription);
    assert.equal(o.iss, s.issuer);
    assert.equal(o.state, flow.state);
    assert.equal(o.params.code, undefined);
    assert.deepEqual(consoleErrors, []);
  });

  it('lists the German texts for ui_locales=de', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-consent', params: { ui_locales: 'de' } });
    await page.goto(flow.url);
    await signIn(page);
    await page.waitForSelector('#kc-consent-items');
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    assert.deepEqual(await items(page), [CONSENT_TEXTS.de.profile, CONSENT_TEXTS.de.email]);
    assert.equal((await page.textContent('#kc-page-title'))?.trim(), 'Zugriff für Consent RP gewähren');
    assert.equal(await page.inputValue('#kc-login'), 'Ja');
    assert.equal(await page.inputValue('#kc-cancel'), 'Nein');
    await logoLoaded(page);
    await screenshot(page, 'consent-de');
  });

  it('Yes returns a code; the consent is remembered; prompt=consent asks again', async (t) => {
    const tab = await openTab(s.browser, t);
    const { page } = tab;
    const flow = await s.rp.start({ clientId: 'rp-consent' });
    await page.goto(flow.url);
    await signIn(page);
    await page.waitForSelector('#kc-consent-items');
    await page.click('#kc-login');
    const o = assertSignedIn(await flow.outcome());
    assert.equal(o.idToken!.aud, 'rp-consent');

    // Same browser, SSO session: no page at all.
    const from = tab.navigations.length;
    const again = await s.rp.start({ clientId: 'rp-consent' });
    await page.goto(again.url);
    assertSignedIn(await again.outcome());
    const shown = tab.navigations.slice(from);
    assert.ok(shown.every((u) => u.startsWith(s.rp.origin)), `neither login nor consent: ${shown.join(' ')}`);

    // prompt=consent: the consent page again, and no second sign-in for it.
    const ask = await s.rp.start({ clientId: 'rp-consent', params: { prompt: 'consent' } });
    await page.goto(ask.url);
    const consentFirst = await onConsentPage(page);
    const loginInstead = await page.locator('#kc-form-login').isVisible();
    if (loginInstead) await screenshot(page, 'consent-prompt-consent-shows-login');
    assert.ok(consentFirst && !loginInstead,
      `prompt=consent with a live SSO session shows ${loginInstead ? 'the LOGIN page' : page.url()} instead of the consent page`);
    await page.click('#kc-login');
    assertSignedIn(await ask.outcome());
  });

  it('asks for API access when the client reaches an API for the user (seed 001), in the client\'s words or the theme\'s', async (t) => {
    const { page } = await openTab(s.browser, t);
    // Only this test signs in to rp-api, so consent is owed.
    const flow = await s.rp.start({ clientId: 'rp-api', scope: 'openid profile phone' });
    await page.goto(flow.url);
    await signIn(page);
    await page.waitForSelector('#kc-consent-items');
    const en = await items(page);
    assert.ok(en.includes(API_CONSENT_TEXTS.en.profile) && en.includes('View your phone number'), en.join(' | '));
    assert.equal(en.at(-1), API_CONSENT_TEXTS.en.api, 'the API line, in the client\'s words');
    await screenshot(page, 'consent-api-en');

    // German: the client has no German API text, so the line is the theme's.
    const german = await openTab(s.browser, t);
    const other = await s.rp.start({ clientId: 'rp-api', scope: 'openid profile phone', params: { ui_locales: 'de' } });
    await german.page.goto(other.url);
    await signIn(german.page);
    await german.page.waitForSelector('#kc-consent-items');
    const de = await items(german.page);
    assert.ok(de.includes(API_CONSENT_TEXTS.de.profile) && de.includes('Ihre Telefonnummer anzeigen'), de.join(' | '));
    assert.equal(de.at(-1), 'In Ihrem Namen auf die API zugreifen');
    await screenshot(german.page, 'consent-api-de');
    await german.page.click('#kc-login');
    const o = assertSignedIn(await other.outcome());
    assert.ok([claimsOf(o.tokens!.access_token).aud].flat().includes('https://orders.example'), 'the access token is for the API');
  });

  it('a new sign-in in another browser is not asked for consent again', async (t) => {
    // Consent given once (here, or in another test) is remembered server-side for the user and client.
    const warm = await openTab(s.browser, t);
    const first = await s.rp.start({ clientId: 'rp-consent' });
    await warm.page.goto(first.url);
    await signIn(warm.page);
    await warm.page.waitForSelector('#kc-consent-items, #rp-status');
    if (await onConsentPage(warm.page)) await warm.page.click('#kc-login');
    assertSignedIn(await first.outcome());

    const tab = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-consent' });
    await tab.page.goto(flow.url);
    await signIn(tab.page);
    await tab.page.waitForSelector('#kc-consent-items, #rp-status');
    assert.equal(await onConsentPage(tab.page), false, 'no consent page after a fresh sign-in');
    const o = assertSignedIn(await flow.outcome());
    assert.equal(o.idToken!.aud, 'rp-consent');
  });
});
