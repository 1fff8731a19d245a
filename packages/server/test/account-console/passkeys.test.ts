// Passkeys and security keys on the account console's "Signing in" page, in Chromium with a
// virtual authenticator as ann's device: "Set up" goes through the realm's login with
// kc_action=webauthn-register-passwordless, the passkey made there is listed once back, and
// removing it takes it off the account; a security key comes through kc_action=webauthn-register.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AdminApi } from '../admin/fixture.js';
import { addAuthenticator, credentialsOf, noChromium, screenshot } from '../helpers/browser.js';
import { REALM, signedInAccount, startAccountStack, type AccountStack } from './fixture.js';

describe('account console: passkeys and security keys', { skip: noChromium }, () => {
  let s: AccountStack;
  let admin: AdminApi;
  let ann: string;
  const webAuthnOf = async (type: string) =>
    (await admin.get(`/realms/${REALM}/users/${ann}/credentials`)).json.filter((c: { type: string }) => c.type === type);

  before(async () => {
    s = await startAccountStack();
    ({ admin, annId: ann } = s);
  });
  after(async () => { await s?.stop(); });

  it('set up a passkey through kc_action=webauthn-register-passwordless, see it listed, remove it', async (t) => {
    const { page } = await signedInAccount(s, t, { width: 1280, height: 800 });
    const device = await addAuthenticator(page);
    page.on('dialog', (d) => void d.accept());
    await page.click('#nav-signing-in');
    await page.waitForSelector('#webauthn-passwordless-none');
    await page.waitForSelector('#webauthn-none');
    assert.equal(await page.textContent('#signing-in-passwordless'), 'Passwordless');
    assert.equal(await page.textContent('#webauthn-passwordless-none'), 'No passkey is set up.');
    assert.equal(await page.textContent('#webauthn-set-up'), 'Set up security key');

    await page.click('#webauthn-passwordless-set-up');
    await page.waitForSelector('#kc-webauthn-register-form');
    await page.fill('#userLabel', 'Ann\'s laptop');
    await page.click('#kc-webauthn-register:not([disabled])');
    await page.waitForSelector('#signing-in-action-status');
    assert.equal(await page.textContent('#signing-in-action-status'), 'Done: your account has been updated.');
    await page.waitForSelector('#webauthn-passwordless-list li');
    assert.match(await page.textContent('#webauthn-passwordless-list') ?? '', /Ann's laptop/);
    await page.waitForSelector('#webauthn-none');
    await screenshot(page, 'account-signing-in-passkey-en-desktop');
    const [made] = await credentialsOf(device);
    assert.equal(made.isResidentCredential, true);
    assert.equal((await webAuthnOf('webauthn-passwordless')).length, 1);

    await page.locator('#webauthn-passwordless-list button').click();
    await page.waitForSelector('#webauthn-passwordless-none');
    assert.equal((await webAuthnOf('webauthn-passwordless')).length, 0);
  });

  it('set up a security key through kc_action=webauthn-register, listed under Security keys', async (t) => {
    const { page } = await signedInAccount(s, t, { width: 390, height: 844 });
    await addAuthenticator(page);
    await page.click('#nav-signing-in');
    await page.click('#webauthn-set-up');
    await page.waitForSelector('#kc-webauthn-register-form');
    await page.fill('#userLabel', 'YubiKey');
    await page.click('#kc-webauthn-register:not([disabled])');
    await page.waitForSelector('#webauthn-list li');
    assert.match(await page.textContent('#webauthn-list') ?? '', /YubiKey/);
    await page.waitForSelector('#webauthn-passwordless-none');
    assert.equal((await webAuthnOf('webauthn')).length, 1);
  });
});
