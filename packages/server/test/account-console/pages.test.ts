// The account console (/realms/{realm}/account/) in Chromium: it signs in through the realm's
// own login as account-console, and each of its pages does what Keycloak's does, in English
// and German, on a desktop (1280×800) and a phone (390×844).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AdminApi } from '../admin/fixture.js';
import { Secret, TOTP } from 'otpauth';
import { noChromium, screenshot, type Page } from '../helpers/browser.js';
import { passwordGrant } from '../helpers/http.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { accountUrl, overflows, REALM, signedInAccount, signInAnn, startAccountStack, type AccountStack } from './fixture.js';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SECTIONS = ['personal-info', 'signing-in', 'device-activity', 'linked-accounts', 'applications'] as const;

describe('account console: every page', { skip: noChromium }, () => {
  let s: AccountStack;
  let admin: AdminApi;
  let ann: string;
  const user = async () => (await admin.get(`/realms/${REALM}/users/${ann}`)).json;
  const show = async (page: Page, section: (typeof SECTIONS)[number]) => {
    await page.click(`#nav-${section}`);
    await page.waitForSelector(`#nav-${section}[aria-current="page"]`);
    await page.waitForSelector('#account-main .muted:has-text("…")', { state: 'detached' }).catch(() => undefined);
  };

  before(async () => {
    s = await startAccountStack();
    ({ admin, annId: ann } = s);
  });
  after(async () => { await s?.stop(); });

  it('in English on a desktop: edit the profile, remove the one-time code, sign out a session, unlink, revoke a consent', async (t) => {
    // ann consents to the shop first (and so has an SSO session the console signs in through at once).
    const tab = await signedInAccount(s, t, DESKTOP);
    const { page } = tab;
    page.on('dialog', (d) => void d.accept());
    const flow = await s.rp.start({ clientId: 'shop', scope: 'openid profile email' });
    await page.goto(flow.url);
    await page.waitForSelector('#kc-consent-form');
    await page.click('#kc-login');
    assertSignedIn(await flow.outcome());
    // A second session elsewhere, for the device activity page.
    const other = await passwordGrant(s.server, REALM, 'cli', undefined, 'ann', 'ann-pw');
    assert.equal(other.status, 200, other.text);

    await page.goto(accountUrl(s));
    await page.waitForSelector('#personal-info-form');
    assert.equal(await page.textContent('#account-page-title'), 'Personal info');
    assert.equal(await page.inputValue('#profile-firstName'), 'Ann');
    assert.equal(await page.getAttribute('#profile-username', 'readonly'), '', 'the realm does not let users change their username');
    await screenshot(page, 'account-personal-info-en-desktop');
    await page.fill('#profile-email', 'not an address');
    await page.click('#personal-info-save');
    await page.waitForSelector('#profile-email-error');
    assert.equal(await page.textContent('#profile-email-error'), 'Invalid email address.');
    await page.fill('#profile-email', 'ann@example.com');
    await page.fill('#profile-firstName', 'Annabel');
    await page.click('#personal-info-save');
    await page.waitForSelector('#personal-info-notice');
    assert.equal(await page.textContent('#personal-info-notice'), 'Your account has been updated.');
    assert.equal((await user()).firstName, 'Annabel');

    await show(page, 'signing-in');
    await page.waitForSelector('#otp-list li');
    assert.match(await page.textContent('#otp-list') ?? '', /Phone/);
    await screenshot(page, 'account-signing-in-en-desktop');
    await page.locator('#otp-list button').click();
    await page.waitForSelector('#otp-none');
    assert.equal((await admin.get(`/realms/${REALM}/users/${ann}/credentials`)).json.filter((c: { type: string }) => c.type === 'otp').length, 0);

    await show(page, 'device-activity');
    await page.waitForSelector('#session-current');
    const before = await page.locator('#sessions-list > li').count();
    assert.ok(before >= 2, String(before));
    await screenshot(page, 'account-device-activity-en-desktop');
    await page.click(`#sign-out-${other.json.session_state}`);
    await page.waitForFunction((n) => document.querySelectorAll('#sessions-list > li').length === n - 1, before);
    assert.equal((await admin.get(`/realms/${REALM}/users/${ann}/sessions`)).json.some((x: { id: string }) => x.id === other.json.session_state), false);

    await show(page, 'linked-accounts');
    await page.waitForSelector('#linked-partner');
    assert.match(await page.textContent('#linked-partner') ?? '', /Linked as ann\.partner/);
    await screenshot(page, 'account-linked-accounts-en-desktop');
    await page.click('#unlink-partner');
    await page.waitForSelector('#linked-partner:has-text("Not linked")');
    assert.deepEqual((await admin.get(`/realms/${REALM}/users/${ann}/federated-identity`)).json, []);

    await show(page, 'applications');
    await page.waitForSelector('#application-shop');
    assert.match(await page.textContent('#application-shop') ?? '', /Access granted/);
    await screenshot(page, 'account-applications-en-desktop');
    await page.click('#revoke-shop');
    await page.waitForSelector('#revoke-shop', { state: 'detached' });
    // The shop asks for consent again.
    const again = await s.rp.start({ clientId: 'shop', scope: 'openid profile email' });
    await page.goto(again.url);
    await page.waitForSelector('#kc-consent-form');
    assert.deepEqual(tab.consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e)), []);
  });

  it('in German on a phone and a desktop: every page fits and speaks German', async (t) => {
    const { page } = await signedInAccount(s, t, PHONE, { locale: 'de-DE' });
    const titles = { 'personal-info': 'Persönliche Daten', 'signing-in': 'Anmeldung', 'device-activity': 'Geräteaktivität',
      'linked-accounts': 'Verknüpfte Konten', applications: 'Anwendungen' };
    for (const size of [PHONE, DESKTOP]) {
      await page.setViewportSize(size);
      for (const section of SECTIONS) {
        await show(page, section);
        assert.equal(await page.textContent('#account-page-title'), titles[section]);
        assert.equal(await overflows(page), false, `${section} at ${size.width}px is wider than the window`);
        await screenshot(page, `account-${section}-de-${size === PHONE ? 'phone' : 'desktop'}`);
      }
    }
    // And English on a phone, picked with the switcher.
    await page.setViewportSize(PHONE);
    await page.selectOption('#account-language', 'en');
    for (const section of SECTIONS) {
      await show(page, section);
      assert.equal(await overflows(page), false, `${section} (en) at 390px is wider than the window`);
      await screenshot(page, `account-${section}-en-phone`);
    }
    assert.equal(await page.textContent('#account-page-title'), 'Applications');
  });

  it('the password is changed through kc_action=UPDATE_PASSWORD, and cancelling it comes back saying nothing changed', async (t) => {
    const { page } = await signedInAccount(s, t, DESKTOP);
    await show(page, 'signing-in');
    await page.click('#password-update');
    await page.waitForSelector('#kc-passwd-update-form');
    await page.click('#cancelAiaBtn');
    await page.waitForSelector('#signing-in-action-status');
    assert.equal(await page.textContent('#signing-in-action-status'), 'Nothing was changed.');

    await page.click('#password-update');
    await page.waitForSelector('#kc-passwd-update-form');
    await page.fill('#password-new', 'ann-new-pw');
    await page.fill('#password-confirm', 'ann-new-pw');
    await page.click('#kc-submit');
    await page.waitForSelector('#signing-in-action-status');
    assert.equal(await page.textContent('#signing-in-action-status'), 'Done: your account has been updated.');
    assert.equal((await passwordGrant(s.server, REALM, 'cli', undefined, 'ann', 'ann-new-pw')).status, 200);
  });

  it('signing out of the console ends the session; a new authenticator comes through kc_action=CONFIGURE_TOTP', async (t) => {
    const { page } = await signedInAccount(s, t, DESKTOP, { password: 'ann-new-pw' });
    await page.click('#account-sign-out');
    await page.waitForSelector('#kc-form-login');
    await page.goto(accountUrl(s));
    await page.waitForSelector('#kc-form-login');
    await signInAnn(page, 'ann-new-pw');
    await page.waitForSelector('#account-page-title');

    // A new authenticator through kc_action=CONFIGURE_TOTP, listed once back.
    await show(page, 'signing-in');
    await page.click('#otp-set-up');
    await page.waitForSelector('#kc-totp-secret');
    const secret = (await page.textContent('#kc-totp-secret'))!.replace(/\s/g, '');
    await page.fill('#totp', new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate());
    await page.fill('#userLabel', 'Tablet');
    await page.click('#saveTOTPBtn');
    await page.waitForSelector('#signing-in-action-status');
    assert.equal(await page.textContent('#signing-in-action-status'), 'Done: your account has been updated.');
    await page.waitForSelector('#otp-list li');
    assert.match(await page.textContent('#otp-list') ?? '', /Tablet/);
  });
});
