// The pages of multi-factor sign-in in Chromium, in English, German, Dutch and French, at a
// phone's size (390×844): setting up an authenticator app (CONFIGURE_TOTP), the recovery codes
// (CONFIGURE_RECOVERY_AUTHN_CODES), the one-time code page with its way on to a recovery code
// instead, and the recovery code page, each also with an error shown. Each page is in its
// language with no English left, every input is labelled, a code field says what it takes
// (one-time-code, numeric) and has the cursor where typing the code is all there is to do,
// the focus moves down the page in reading order, and nothing scrolls sideways.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { noChromium, openTab, screenshot, signIn, type Page } from '../helpers/browser.js';
import { assertFits } from '../helpers/layout.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { REALM, startStack, type Stack } from './fixture.js';

const PHONE = { width: 390, height: 844 };
const LOCALES = [
  { locale: 'en-US', lang: 'en' }, { locale: 'de-DE', lang: 'de' }, { locale: 'nl-NL', lang: 'nl' }, { locale: 'fr-FR', lang: 'fr' },
] as const;

/** The page's own words: its text, title and the words of its attributes; the user's data (codes, the secret, names) left out. */
const wordsOf = (page: Page) => page.evaluate(() => {
  const words = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement?.closest('code, .account-name, #kc-header')) words.push(node.textContent ?? '');
  }
  for (const el of document.querySelectorAll('[alt], [aria-label], [placeholder], [title], input[type=submit]')) {
    for (const name of ['alt', 'aria-label', 'placeholder', 'title']) words.push(el.getAttribute(name) ?? '');
    if (el instanceof HTMLInputElement && el.type === 'submit') words.push(el.value);
  }
  return words.map((w) => w.replace(/\s+/g, ' ').trim()).filter((w) => /\p{L}{2}/u.test(w));
});

/** Inputs a person fills in (or ticks) whose label is missing or empty. */
const unlabelled = (page: Page) => page.evaluate(() => [...document.querySelectorAll('input:not([type=hidden]):not([type=submit]), select, textarea')]
  .filter((el) => !(el as HTMLInputElement).labels?.length || ![...(el as HTMLInputElement).labels!].some((l) => l.textContent?.trim()))
  .map((el) => el.id || el.outerHTML));

/**
 * The focus order from the top of the page, by the Tab key: each stop's id (or tag) and place.
 * A sensible order goes down the page (left to right on one line) and never back up.
 */
async function assertFocusOrder(page: Page, what: string, expected: string[]): Promise<void> {
  // Tab starts after what has the focus: from a probe put first in the page, as from the page's top.
  await page.evaluate(() => {
    const probe = document.createElement('span');
    probe.id = 'focus-probe';
    probe.tabIndex = -1;
    document.body.prepend(probe);
    probe.focus();
  });
  const stops: Array<{ id: string; top: number; left: number }> = [];
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return undefined;
      const r = el.getBoundingClientRect();
      return { id: el.id || el.tagName.toLowerCase(), top: r.top + window.scrollY, left: r.left };
    });
    if (!stop || stops.some((s) => s.id === stop.id)) break;
    stops.push(stop);
  }
  await page.evaluate(() => document.getElementById('focus-probe')?.remove());
  const ids = stops.map((s) => s.id);
  let at = -1;
  for (const id of expected) {
    const next = ids.indexOf(id);
    assert.ok(next > at, `${what}: the focus reaches ${id} after ${expected.slice(0, expected.indexOf(id)).join(', ') || 'the top'} (order: ${ids.join(', ')})`);
    at = next;
  }
  for (let i = 1; i < stops.length; i++) {
    const [a, b] = [stops[i - 1], stops[i]];
    assert.ok(b.top > a.top + 2 || (Math.abs(b.top - a.top) <= 2 && b.left >= a.left), `${what}: the focus goes back up from ${a.id} to ${b.id}`);
  }
}

const focused = (page: Page) => page.evaluate(() => document.activeElement?.id);

describe('browser: the pages of multi-factor sign-in in en, de, nl and fr', { skip: noChromium }, () => {
  let s: Stack;
  let admin: AdminApi;
  /** The English words of each page, which no page in another language may show. */
  const english = new Map<string, Set<string>>();

  before(async () => {
    s = await startStack();
    admin = adminApi(s.server, await masterAdminToken(s.server));
    assert.equal((await admin.put(`/realms/${REALM}`, { otpPolicyLookAheadWindow: 5 })).status, 204);
  });
  after(async () => { await s?.stop(); });

  /** The page's checks in its language: the lang attribute, no English word (English itself: recorded), labels, fit. */
  async function check(page: Page, lang: string, kind: string) {
    assert.equal(await page.getAttribute('html', 'lang'), lang, `${kind}: lang`);
    const words = await wordsOf(page);
    if (lang === 'en') {
      assert.ok(words.length >= 4, `${kind}: the page's words are read (${words.join(' | ')})`);
      english.set(kind, new Set(words));
    } else {
      const left = words.filter((w) => english.get(kind)!.has(w));
      assert.deepEqual(left, [], `${kind} (${lang}): English left on the page`);
    }
    assert.deepEqual(await unlabelled(page), [], `${kind} (${lang}): inputs without a label`);
    await assertFits(page, `${kind} (${lang}) at 390×844`);
    await screenshot(page, `mfa-${kind}-phone-${lang}`);
  }

  async function assertCodeField(page: Page, selector: string, what: string) {
    assert.equal(await page.getAttribute(selector, 'autocomplete'), 'one-time-code', `${what}: autocomplete`);
    assert.equal(await page.getAttribute(selector, 'inputmode'), 'numeric', `${what}: inputmode`);
  }

  for (const { locale, lang } of LOCALES) {
    it(`${lang}: CONFIGURE_TOTP, the recovery codes, the one-time code page and its way on to a recovery code`, async (t) => {
      const username = `mfa-${lang}`;
      await admin.create(`/realms/${REALM}/users`, {
        username, enabled: true, firstName: 'Mia', requiredActions: ['CONFIGURE_TOTP', 'CONFIGURE_RECOVERY_AUTHN_CODES'],
        credentials: [{ type: 'password', value: `${username}-pw` }],
      });
      const open = async () => {
        const tab = await openTab(s.browser, t, { locale });
        await tab.page.setViewportSize(PHONE);
        const flow = await s.rp.start({ clientId: 'rp-code' });
        await tab.page.goto(flow.url);
        await signIn(tab.page, username, `${username}-pw`);
        return { page: tab.page, flow };
      };

      // Setting up the app: the steps are read first (the cursor is not put past them), then the code, the name, the button.
      const setup = await open();
      let page = setup.page;
      await page.waitForSelector('#kc-totp-settings-form');
      await check(page, lang, 'configure-totp');
      await assertCodeField(page, '#totp', 'configure-totp');
      await assertFocusOrder(page, `configure-totp (${lang})`, ['kc-not-you-button', 'totp', 'userLabel', 'saveTOTPBtn']);
      const secret = (await page.textContent('#kc-totp-secret'))!.replace(/\s/g, '');
      const app = new TOTP({ secret: Secret.fromBase32(secret) });
      await page.fill('#totp', '000000');
      await page.click('#saveTOTPBtn');
      await page.waitForSelector('#input-error');
      assert.equal(await page.getAttribute('#totp', 'aria-invalid'), 'true');
      assert.match(await page.getAttribute('#totp', 'aria-describedby') ?? '', /input-error/);
      await check(page, lang, 'configure-totp-error');
      await page.fill('#totp', app.generate());
      await page.click('#saveTOTPBtn');

      // The recovery codes, shown once: the box to tick is labelled, and comes before the button.
      await page.waitForSelector('#kc-recovery-codes-settings-form');
      await check(page, lang, 'recovery-codes-setup');
      await assertFocusOrder(page, `recovery-codes-setup (${lang})`, ['kc-not-you-button', 'saved', 'saveRecoveryAuthnCodesBtn']);
      const codes = await page.locator('#kc-recovery-codes-list code').allTextContents();
      await page.click('#saveRecoveryAuthnCodesBtn');
      await page.waitForSelector('#input-error');
      await check(page, lang, 'recovery-codes-setup-error');
      await page.check('#saved');
      await page.click('#saveRecoveryAuthnCodesBtn');
      assertSignedIn(await setup.flow.outcome());

      // The next sign-in asks the code: the cursor is in its field; a recovery code is the way on instead.
      const again = await open();
      page = again.page;
      await page.waitForSelector('#kc-otp-login-form');
      assert.equal(await focused(page), 'otp', 'the code field has the cursor');
      await assertCodeField(page, '#otp', 'otp');
      await check(page, lang, 'otp');
      await assertFocusOrder(page, `otp (${lang})`, ['kc-not-you-button', 'otp', 'kc-login', 'kc-alt-useRecoveryCode']);
      await page.fill('#otp', '000000');
      await page.click('#kc-login');
      await page.waitForSelector('#input-error');
      assert.equal(await focused(page), 'otp', 'after a wrong code, the cursor is back in the field');
      assert.match(await page.getAttribute('#otp', 'aria-describedby') ?? '', /input-error/);
      await check(page, lang, 'otp-error');

      await page.click('#kc-alt-useRecoveryCode');
      await page.waitForSelector('#kc-recovery-code-login-form');
      assert.equal(await focused(page), 'recoveryCode', 'the recovery code field has the cursor');
      assert.equal(await page.getAttribute('#recoveryCode', 'autocomplete'), 'off', 'a recovery code is not a one-time code of an app');
      await check(page, lang, 'recovery-code');
      await assertFocusOrder(page, `recovery-code (${lang})`, ['kc-not-you-button', 'recoveryCode', 'kc-login']);
      await page.fill('#recoveryCode', codes[0]);
      await page.click('#kc-login');
      assertSignedIn(await again.flow.outcome());
    });
  }
});
