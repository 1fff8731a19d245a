// Multi-factor sign-in in Chromium: an authenticator app set up from the page's own secret
// (CONFIGURE_TOTP), codes computed by otpauth, replays and wrong codes refused (and locking
// out), recovery codes instead of the app, and a step-up from a password-only session when a
// client asks acr_values=2 (openid-client as the relying party).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { noChromium, openTab, screenshot, signIn, type Page } from '../helpers/browser.js';
import { assertProtocolError, passwordGrant } from '../helpers/http.js';
import { assertFits } from '../helpers/layout.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { REALM, startStack, type Stack } from './fixture.js';

const PHONE = { width: 390, height: 844 };

describe('browser: one-time codes, recovery codes and step-up', { skip: noChromium }, () => {
  let s: Stack;
  let admin: AdminApi;
  let otto: string;
  let stella: string;
  /** otto's authenticator app, once set up from the page's secret. */
  let app: TOTP;
  /** Codes of later time steps, each accepted once within the look-ahead window. */
  let step = 0;
  const nextCode = () => app.generate({ timestamp: Date.now() + 30_000 * ++step });

  before(async () => {
    s = await startStack();
    admin = adminApi(s.server, await masterAdminToken(s.server));
    // Codes up to five steps ahead are accepted, so each case takes a fresh one without waiting.
    assert.equal((await admin.put(`/realms/${REALM}`, { otpPolicyLookAheadWindow: 5, failureFactor: 3, waitIncrementSeconds: 60 })).status, 204);
    await admin.create(`/realms/${REALM}/clients`, { clientId: 'direct', publicClient: true, directAccessGrantsEnabled: true });
    otto = await admin.create(`/realms/${REALM}/users`, {
      username: 'otto', enabled: true, email: 'otto@example.com', firstName: 'Otto', requiredActions: ['CONFIGURE_TOTP'],
      credentials: [{ type: 'password', value: 'otto-pw' }],
    });
    stella = await admin.create(`/realms/${REALM}/users`, {
      username: 'stella', enabled: true, email: 'stella@example.com', credentials: [{ type: 'password', value: 'stella-pw' }],
    });
  });
  after(async () => { await s?.stop(); });

  const events = async (user: string, type: string) =>
    (await admin.get(`/realms/${REALM}/events?user=${user}&type=${type}`)).json as Array<{ error?: string; details?: Record<string, string> }>;

  /** Starts a code flow for rp-code and signs in with the password. */
  async function passwordFirst(page: Page, username: string, password: string, params: Record<string, string> = {}) {
    const flow = await s.rp.start({ clientId: 'rp-code', params });
    await page.goto(flow.url);
    await signIn(page, username, password);
    return flow;
  }

  const submitOtp = async (page: Page, code: string) => {
    await page.waitForSelector('#kc-otp-login-form');
    await page.fill('#otp', code);
    await page.click('#kc-login');
  };

  it('CONFIGURE_TOTP: the page shows a QR code and the secret; the app set up from it signs in with two factors', async (t) => {
    const { page } = await openTab(s.browser, t);
    await page.setViewportSize(PHONE);
    const flow = await passwordFirst(page, 'otto', 'otto-pw');
    await page.waitForSelector('#kc-totp-settings-form');
    assert.match(await page.getAttribute('#kc-totp-qr', 'src') ?? '', /^data:image\/png;base64,/);
    assert.ok(await page.getAttribute('#kc-totp-qr', 'alt'));
    assert.equal(await page.locator('label[for="totp"]').count(), 1);
    assert.equal(await page.locator('label[for="userLabel"]').count(), 1);
    await assertFits(page, 'configure-totp at 390×844');
    await screenshot(page, 'configure-totp-phone');
    const secret = (await page.textContent('#kc-totp-secret'))!.replace(/\s/g, '');
    app = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });

    // A code of another time is not one: the page says so, and nothing is stored.
    await page.fill('#totp', app.generate({ timestamp: Date.now() - 3_600_000 }));
    await page.click('#saveTOTPBtn');
    assert.match(await page.textContent('#input-error') ?? '', /Invalid code/);
    assert.equal(flow.received, false);

    await page.fill('#totp', app.generate());
    await page.fill('#userLabel', 'Otto\'s phone');
    await page.click('#saveTOTPBtn');
    const outcome = assertSignedIn(await flow.outcome());
    assert.deepEqual(outcome.idToken!.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(outcome.idToken!.acr, '2');

    const user = (await admin.get(`/realms/${REALM}/users/${otto}`)).json;
    assert.deepEqual(user.requiredActions, []);
    const credentials = (await admin.get(`/realms/${REALM}/users/${otto}/credentials`)).json;
    assert.deepEqual(credentials.map((c: { type: string }) => c.type), ['password', 'otp']);
    assert.equal(credentials[1].userLabel, 'Otto\'s phone');
    assert.equal(JSON.parse(credentials[1].credentialData).subType, 'totp');
    assert.equal(credentials[1].secretData, undefined);
    const updated = await events(otto, 'UPDATE_TOTP');
    assert.equal(updated.length, 1);
    assert.equal(updated[0].details?.credential_user_label, 'Otto\'s phone');
  });

  it('sign-in asks the code after the password; a code is taken once; wrong codes lock the account out', async (t) => {
    const { page } = await openTab(s.browser, t);
    const code = nextCode();
    const flow = await passwordFirst(page, 'otto', 'otto-pw');
    await submitOtp(page, code);
    const outcome = assertSignedIn(await flow.outcome());
    assert.deepEqual(outcome.idToken!.amr, ['pwd', 'otp', 'mfa']);

    // The same code again, in another browser: refused, an event says so.
    const { page: other } = await openTab(s.browser, t);
    const replay = await passwordFirst(other, 'otto', 'otto-pw');
    await submitOtp(other, code);
    assert.match(await other.textContent('#input-error') ?? '', /Invalid code/);
    assert.equal(await other.getAttribute('#otp', 'aria-invalid'), 'true');
    const errors = await events(otto, 'LOGIN_ERROR');
    assert.equal(errors[0].error, 'invalid_user_credentials');

    // Two more wrong codes make three (the realm's failureFactor): then even a right one is refused.
    await submitOtp(other, '000000');
    await submitOtp(other, '999999');
    await submitOtp(other, nextCode());
    assert.match(await other.textContent('#input-error') ?? '', /Invalid code/);
    assert.equal(replay.received, false);
    assert.equal((await events(otto, 'LOGIN_ERROR'))[0].error, 'user_temporarily_disabled');
    assert.equal((await admin.delete(`/realms/${REALM}/attack-detection/brute-force/users/${otto}`)).status, 204);
    await submitOtp(other, nextCode());
    assertSignedIn(await replay.outcome());
  });

  it('the password grant refuses a user with a second factor in Keycloak\'s words, and takes a code given with it', async () => {
    const refused = await passwordGrant(s.server, REALM, 'direct', undefined, 'otto', 'otto-pw');
    assertProtocolError(refused, 400, 'invalid_grant');
    assert.equal(refused.json.error_description, 'Invalid user credentials');
    const granted = await passwordGrant(s.server, REALM, 'direct', undefined, 'otto', 'otto-pw', { otp: nextCode(), scope: 'openid' });
    assert.equal(granted.status, 200, granted.text);
    const idToken = JSON.parse(Buffer.from(granted.json.id_token.split('.')[1], 'base64url').toString());
    assert.deepEqual(idToken.amr, ['pwd', 'otp', 'mfa']);
  });

  it('CONFIGURE_RECOVERY_AUTHN_CODES shows the codes once; one signs in instead of the app, and only once', async (t) => {
    assert.equal((await admin.put(`/realms/${REALM}/users/${otto}`, { requiredActions: ['CONFIGURE_RECOVERY_AUTHN_CODES'] })).status, 204);
    const { page } = await openTab(s.browser, t);
    await page.setViewportSize(PHONE);
    const setup = await passwordFirst(page, 'otto', 'otto-pw');
    await submitOtp(page, nextCode());
    await page.waitForSelector('#kc-recovery-codes-settings-form');
    const codes = await page.locator('#kc-recovery-codes-list code').allTextContents();
    assert.equal(codes.length, 12);
    assert.equal(await page.locator('label[for="saved"]').count(), 1);
    await assertFits(page, 'recovery codes at 390×844');
    await screenshot(page, 'recovery-codes-setup-phone');
    await page.click('#saveRecoveryAuthnCodesBtn');
    assert.match(await page.textContent('#input-error') ?? '', /saved the codes/);
    await page.check('#saved');
    await page.click('#saveRecoveryAuthnCodesBtn');
    assertSignedIn(await setup.outcome());
    assert.equal((await events(otto, 'UPDATE_CREDENTIAL'))[0].details?.credential_type, 'recovery-authn-codes');

    const useRecovery = async (p: Page, code: string) => {
      await p.waitForSelector('#kc-otp-login-form');
      await p.click('#kc-alt-useRecoveryCode');
      await p.waitForSelector('#kc-recovery-code-login-form');
      assert.equal(await p.locator('label[for="recoveryCode"]').count(), 1);
      await assertFits(p, 'recovery code page');
      await p.fill('#recoveryCode', code);
      await p.click('#kc-login');
    };
    const { page: second } = await openTab(s.browser, t);
    const flow = await passwordFirst(second, 'otto', 'otto-pw');
    await useRecovery(second, codes[0].toLowerCase());
    const outcome = assertSignedIn(await flow.outcome());
    assert.deepEqual(outcome.idToken!.amr, ['pwd', 'otp', 'mfa']);
    const listed = (await admin.get(`/realms/${REALM}/users/${otto}/credentials`)).json;
    const recovery = listed.find((c: { type: string }) => c.type === 'recovery-authn-codes');
    assert.equal(JSON.parse(recovery.credentialData).remainingCodes, 11);

    const { page: third } = await openTab(s.browser, t);
    const again = await passwordFirst(third, 'otto', 'otto-pw');
    await useRecovery(third, codes[0]);
    assert.match(await third.textContent('#input-error') ?? '', /Invalid code/);
    await third.fill('#recoveryCode', codes[1]);
    await third.click('#kc-login');
    assertSignedIn(await again.outcome());
    assert.equal(await admin.delete(`/realms/${REALM}/attack-detection/brute-force/users/${otto}`).then((r) => r.status), 204);
  });

  it('step-up: acr_values=2 after a password-only session asks the missing factor only, prompt=none gets interaction_required', async (t) => {
    const { page } = await openTab(s.browser, t);
    const first = await passwordFirst(page, 'stella', 'stella-pw');
    const signedIn = assertSignedIn(await first.outcome());
    assert.deepEqual(signedIn.idToken!.amr, ['pwd']);
    assert.equal(signedIn.idToken!.acr, '1');

    const silent = await s.rp.start({ clientId: 'rp-code', params: { prompt: 'none', acr_values: '2' } });
    await page.goto(silent.url);
    assert.equal((await silent.outcome()).error, 'interaction_required');
    // An essential acr claim asks the same (OIDC Core §5.5.1.1).
    const claim = await s.rp.start({
      clientId: 'rp-code', params: { prompt: 'none', claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['2'] } } }) },
    });
    await page.goto(claim.url);
    assert.equal((await claim.outcome()).error, 'interaction_required');

    const stepUp = await s.rp.start({ clientId: 'rp-code', params: { acr_values: '2' } });
    await page.goto(stepUp.url);
    // No password again: stella has no second factor yet, so she sets one up, signed in as herself.
    await page.waitForSelector('#kc-totp-settings-form');
    assert.equal(await page.locator('#password').count(), 0);
    assert.match(await page.textContent('#kc-account') ?? '', /stella/);
    const secret = (await page.textContent('#kc-totp-secret'))!.replace(/\s/g, '');
    await page.fill('#totp', new TOTP({ secret: Secret.fromBase32(secret) }).generate());
    await page.click('#saveTOTPBtn');
    const raised = assertSignedIn(await stepUp.outcome());
    assert.equal(raised.idToken!.acr, '2');
    assert.deepEqual(raised.idToken!.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(raised.idToken!.sid, signedIn.idToken!.sid, 'the session is the same, raised');

    // The session has level 2 now: a request for it is served at once.
    const served = await s.rp.start({ clientId: 'rp-code', params: { acr_values: '2' } });
    await page.goto(served.url);
    assert.equal(assertSignedIn(await served.outcome()).idToken!.acr, '2');
  });

  it('the one-time code page in en, de, nl and fr: labelled, and fits a phone', async (t) => {
    const titles = new Set<string>();
    for (const locale of ['en-US', 'de-DE', 'nl-NL', 'fr-FR']) {
      const { page } = await openTab(s.browser, t, { locale });
      await page.setViewportSize(PHONE);
      await passwordFirst(page, 'otto', 'otto-pw');
      await page.waitForSelector('#kc-otp-login-form');
      assert.equal(await page.locator('label[for="otp"]').count(), 1);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'otp', `${locale}: the code field has the focus`);
      await assertFits(page, `otp page (${locale})`);
      titles.add((await page.textContent('h1'))!);
      await screenshot(page, `login-otp-${locale}`);
    }
    assert.equal(titles.size, 4, 'each language has its own title');
  });
});
