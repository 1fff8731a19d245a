// Keycloak's registration on the login pages, then VERIFY_EMAIL over a real SMTP server: the
// login page's link (and Keycloak's registrations endpoint), the user profile's checks, the
// password policy and Keycloak's messages for a taken username or email, the mail and its link,
// and the client's code at the end with email_verified in the ID token; the verification page's
// resend within its limit, and its link followed in another browser.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { clickAndLoad, noChromium, openTab, screenshot, type Page } from '../helpers/browser.js';
import { assertContrast, assertFits, LANGUAGES, VIEWPORTS } from '../helpers/layout.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { actionLinkOf, recipient, startMailSink, type MailSink } from '../helpers/smtp.js';
import { REALM, startStack, type Stack } from './fixture.js';

describe('browser: registration, then the email verified', { skip: noChromium }, () => {
  let s: Stack;
  let sink: MailSink;
  let admin: AdminApi;
  const userNamed = async (username: string) => (await admin.get(`/realms/${REALM}/users?username=${username}&exact=true`)).json[0];
  const mailTo = (address: string) => sink.waitFor((m) => recipient(m) === address, `to ${address}`);

  before(async () => {
    sink = await startMailSink();
    s = await startStack({
      realm: {
        registrationAllowed: true,
        resetPasswordAllowed: true,
        verifyEmail: true,
        passwordPolicy: 'length(10) and digits(1)',
        smtpServer: { host: '127.0.0.1', port: String(sink.port), from: 'noreply@example.test' },
      },
    });
    admin = adminApi(s.server, await masterAdminToken(s.server));
  });
  after(async () => {
    await s?.stop();
    await sink?.stop();
  });

  const fill = async (page: Page, fields: Record<string, string>) => {
    for (const [name, value] of Object.entries(fields)) await page.fill(`#${name}`, value);
    await clickAndLoad(page, '#kc-register');
  };
  const errorText = async (page: Page) => (await page.textContent('#input-error')) ?? '';
  const person = (username: string, password = 'good-password-1') => ({
    username, email: `${username}@example.org`, firstName: 'Reg', lastName: 'Istrant', password, 'password-confirm': password,
  });

  it('registers from the login page\'s link, refusing what Keycloak refuses, then verifies the email and signs in to the client', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code', scope: 'openid email' });
    await page.goto(flow.url);
    await page.waitForSelector('#kc-form-login');
    await page.click('#kc-registration');
    await page.waitForSelector('#kc-register-form');
    await screenshot(page, 'register');

    await fill(page, person('reggie', 'short1'));
    assert.match(await errorText(page), /Invalid password: minimum length 10/);
    assert.equal(await page.inputValue('#email'), 'reggie@example.org', 'what was typed stays');
    await fill(page, { ...person('reggie'), 'password-confirm': 'another-password-2' });
    assert.match(await errorText(page), /do not match/);
    await fill(page, person('alice'));
    assert.match(await errorText(page), /Username already exists/);
    await fill(page, { ...person('reggie'), email: 'alice@example.com' });
    assert.match(await errorText(page), /Email already exists/);
    // The browser checks an email field itself; the server's own check is what counts.
    await page.evaluate(() => document.querySelector('#email')!.setAttribute('type', 'text'));
    await fill(page, { ...person('reggie'), email: 'not-an-email' });
    assert.match(await errorText(page), /Invalid email address/);
    await fill(page, { ...person('reggie'), lastName: 'Ist<rant>' });
    assert.match(await errorText(page), /Last name: invalid character/);
    await fill(page, { ...person('reggie'), firstName: '' });
    assert.match(await errorText(page), /First name: please fill in this field/);
    assert.equal(await page.getAttribute('#firstName', 'aria-invalid'), 'true');
    await screenshot(page, 'register-error');

    await fill(page, person('reggie'));
    await page.waitForSelector('#kc-verify-email-form');
    assert.match(await page.textContent('#kc-verify-email-intro') ?? '', /reggie@example\.org/);
    await screenshot(page, 'verify-email');
    assert.equal(flow.received, false, 'not signed in before the address is verified');
    const created = await userNamed('reggie');
    assert.equal(created.emailVerified, false);

    const mail = await mailTo('reggie@example.org');
    await page.goto(actionLinkOf(mail));
    const outcome = assertSignedIn(await flow.outcome());
    assert.equal(outcome.idToken!.sub, created.id);
    assert.equal(outcome.idToken!.email_verified, true);
    assert.equal((await userNamed('reggie')).emailVerified, true);
    const types = (await admin.get(`/realms/${REALM}/events?user=${created.id}&type=REGISTER&type=VERIFY_EMAIL&type=LOGIN`)).json
      .map((e: { type: string }) => e.type).sort();
    assert.deepEqual(types, ['LOGIN', 'REGISTER', 'VERIFY_EMAIL']);
    const errors = (await admin.get(`/realms/${REALM}/events?type=REGISTER_ERROR`)).json.map((e: { error: string }) => e.error);
    assert.ok(errors.includes('username_in_use') && errors.includes('email_in_use') && errors.includes('invalid_registration'), errors.join());
  });

  it('asks for the user profile\'s other attributes the user may edit, checks them with the profile\'s validations and keeps them', async (t) => {
    const original = (await admin.get(`/realms/${REALM}/users/profile`)).json;
    const user = { view: ['admin', 'user'], edit: ['admin', 'user'] };
    const profile = {
      ...original,
      attributes: [
        ...original.attributes,
        { name: 'department', displayName: 'Department', required: { roles: ['user'] }, permissions: user, validations: { length: { min: 2, max: 5 } } },
        { name: 'phoneNumber', displayName: 'Phone', permissions: user, validations: { pattern: { pattern: '^\\+?[0-9 ]+$' } } },
        { name: 'badge', displayName: 'Badge', permissions: { view: ['admin', 'user'], edit: ['admin'] } },
        { name: 'newsletter', displayName: 'Newsletter', permissions: user, selector: { scopes: ['marketing'] } },
      ],
    };
    assert.equal((await admin.put(`/realms/${REALM}/users/profile`, profile)).status, 200);
    t.after(async () => {
      assert.equal((await admin.put(`/realms/${REALM}/users/profile`, original)).status, 200);
    });

    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url.replace('/protocol/openid-connect/auth?', '/protocol/openid-connect/registrations?'));
    await page.waitForSelector('#kc-register-form');
    const fields = await page.$$eval('#kc-register-form input:not([type=hidden]):not([type=submit])', (inputs) => inputs.map((i) => i.id));
    assert.deepEqual(fields, ['username', 'email', 'firstName', 'lastName', 'department', 'phoneNumber', 'password', 'password-confirm'],
      'neither what only administrators edit nor what a scope not asked for selects');
    assert.equal((await page.textContent('label[for=department]'))?.trim(), 'Department *');
    assert.equal(await page.getAttribute('#department', 'aria-required'), 'true');
    assert.equal(await page.getAttribute('#phoneNumber', 'aria-required'), null);
    assert.match(await page.textContent('#kc-required-hint') ?? '', /Required fields/);
    await screenshot(page, 'register-profile-attributes');

    await fill(page, person('dora'));
    assert.match(await errorText(page), /Department: please fill in this field/);
    assert.equal(await page.getAttribute('#department', 'aria-invalid'), 'true');
    await fill(page, { ...person('dora'), department: 'X' });
    assert.match(await errorText(page), /Department: the length must be between 2 and 5/);
    assert.equal(await page.inputValue('#department'), 'X', 'what was typed stays');
    await fill(page, { ...person('dora'), department: 'SALES', phoneNumber: 'call me' });
    assert.match(await errorText(page), /Phone/);
    await fill(page, { ...person('dora'), department: 'SALES', phoneNumber: '+31 20 123 4567' });
    await page.waitForSelector('#kc-verify-email-form');

    const dora = await userNamed('dora');
    assert.deepEqual(dora.attributes, { department: ['SALES'], phoneNumber: ['+31 20 123 4567'] });
  });

  it('has no username field where the email is the username, and names the account by its email', async (t) => {
    assert.equal((await admin.put(`/realms/${REALM}`, { registrationEmailAsUsername: true })).status, 204);
    t.after(async () => {
      assert.equal((await admin.put(`/realms/${REALM}`, { registrationEmailAsUsername: false })).status, 204);
    });
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url.replace('/protocol/openid-connect/auth?', '/protocol/openid-connect/registrations?'));
    await page.waitForSelector('#kc-register-form');
    assert.equal(await page.$('#username'), null);
    const { username: _none, ...fields } = person('emil');
    await fill(page, fields);
    await page.waitForSelector('#kc-verify-email-form');
    assert.ok(await userNamed('emil@example.org'));
  });

  it('shows the profile\'s other attributes in German, their display names from the theme\'s messages', async (t) => {
    const original = (await admin.get(`/realms/${REALM}/users/profile`)).json;
    const profile = {
      ...original,
      attributes: [...original.attributes, {
        name: 'mobile', displayName: '${phoneNumber}', required: { roles: ['user'] }, permissions: { view: ['user'], edit: ['user'] },
      }],
    };
    assert.equal((await admin.put(`/realms/${REALM}/users/profile`, profile)).status, 200);
    t.after(async () => {
      assert.equal((await admin.put(`/realms/${REALM}/users/profile`, original)).status, 200);
    });
    const { page } = await openTab(s.browser, t, { locale: 'de-DE' });
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url.replace('/protocol/openid-connect/auth?', '/protocol/openid-connect/registrations?'));
    await page.waitForSelector('#kc-register-form');
    assert.equal((await page.textContent('label[for=mobile]'))?.trim(), 'Telefonnummer *');
    assert.match(await page.textContent('#kc-required-hint') ?? '', /Pflichtfelder/);
    await fill(page, person('dieter'));
    assert.match(await errorText(page), /Telefonnummer: /);
  });

  it('opens at the registration page from Keycloak\'s registrations endpoint, in German; resends within a limit; the link works in another browser', async (t) => {
    const { page } = await openTab(s.browser, t, { locale: 'de-DE' });
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url.replace('/protocol/openid-connect/auth?', '/protocol/openid-connect/registrations?'));
    await page.waitForSelector('#kc-register-form');
    assert.equal(await page.textContent('#kc-page-title'), 'Registrieren');
    await fill(page, person('greta', 'kurz1'));
    assert.match(await errorText(page), /Ungültiges Passwort: Es muss mindestens 10 Zeichen lang sein/);
    await screenshot(page, 'register-de');
    await fill(page, person('greta'));
    await page.waitForSelector('#kc-verify-email-form');
    assert.equal(await page.textContent('#kc-page-title'), 'E-Mail-Adresse bestätigen');
    await screenshot(page, 'verify-email-de');

    for (let i = 0; i < 3; i++) {
      await clickAndLoad(page, '#kc-resend');
      assert.match(await page.textContent('#kc-info-message') ?? '', /erneut unterwegs/, `resend ${i + 1}`);
    }
    await clickAndLoad(page, '#kc-resend');
    assert.match(await errorText(page), /mehrmals gesendet/);
    await sink.waitFor((m) => recipient(m) === 'greta@example.org' && sink.mails.filter((x) => recipient(x) === 'greta@example.org').length >= 4, 'four mails to greta');

    // The last link, in another browser: a click to confirm, then the address is verified there.
    const mails = sink.mails.filter((m) => recipient(m) === 'greta@example.org');
    const other = await openTab(s.browser, t);
    await other.page.goto(actionLinkOf(mails[mails.length - 1]));
    await other.page.waitForSelector('#kc-action-token-form');
    assert.match(await other.page.textContent('#kc-action-token-intro') ?? '', /greta@example\.org/);
    await other.page.click('#kc-proceed');
    await other.page.waitForSelector('#kc-info-message');
    assert.match(await other.page.textContent('#kc-info-message') ?? '', /has been verified/);

    // The first browser goes on from its page.
    await page.click('#kc-verify-email-continue');
    assertSignedIn(await flow.outcome());
    assert.equal((await userNamed('greta')).emailVerified, true);
  });

  for (const viewport of VIEWPORTS) {
    for (const { locale, lang } of LANGUAGES) {
      it(`${viewport.name}, ${lang}: the login page's links, the registration and reset pages fit and read well`, async (t) => {
        const { page } = await openTab(s.browser, t, { locale });
        await page.setViewportSize({ width: viewport.width, height: viewport.height });
        const name = (what: string) => `self-service-${what}-${viewport.name}-${lang}`;
        const flow = await s.rp.start({ clientId: 'rp-code' });
        await page.goto(flow.url);
        await page.waitForSelector('#kc-forgot-password');
        await assertFits(page, name('login'));
        await assertContrast(page, name('login'), ['#kc-forgot-password', '#kc-registration']);
        await screenshot(page, name('login'));

        await page.click('#kc-registration');
        await page.waitForSelector('#kc-register-form');
        await fill(page, person('alice'));
        await assertFits(page, name('register'));
        await assertContrast(page, name('register'), ['#username', '#password', '#kc-back-to-login']);
        await screenshot(page, name('register'));

        await page.click('#kc-back-to-login');
        await page.click('#kc-forgot-password');
        await page.waitForSelector('#kc-reset-password-form');
        await page.fill('#username', `nobody-${viewport.name}-${lang}`);
        await clickAndLoad(page, '#kc-submit');
        await page.waitForSelector('#kc-info-message');
        await assertFits(page, name('reset'));
        await assertContrast(page, name('reset'), ['#username', '#kc-back-to-login']);
        await screenshot(page, name('reset'));
        await page.emulateMedia({ colorScheme: 'dark' });
        await assertContrast(page, name('reset-dark'), ['#username', '#kc-back-to-login']);
        await screenshot(page, name('reset-dark'));
      });
    }
  }
});
