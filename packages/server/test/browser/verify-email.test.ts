// Keycloak's VERIFY_EMAIL over a real SMTP server for accounts that exist: due at sign-in when
// the realm verifies email (or an administrator asks for it), the link continuing the sign-in;
// the admin API's send-verify-email link, confirmed with a click; a link for an address the
// account no longer has refused; and an execute-actions link that verifies by being followed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { clickAndLoad, noChromium, openTab, screenshot, signIn } from '../helpers/browser.js';
import { assertProtocolError, passwordGrant } from '../helpers/http.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { actionLinkOf, recipient, startMailSink, type MailSink } from '../helpers/smtp.js';
import { REALM, startStack, type Stack } from './fixture.js';

describe('browser: an existing account\'s email verified', { skip: noChromium }, () => {
  let s: Stack;
  let sink: MailSink;
  let admin: AdminApi;
  const ids: Record<string, string> = {};
  const user = async (name: string) => (await admin.get(`/realms/${REALM}/users/${ids[name]}`)).json;
  const nextMail = (address: string) => {
    const before = sink.mails.filter((m) => recipient(m) === address).length;
    return () => sink.waitFor((m) => recipient(m) === address && sink.mails.filter((x) => recipient(x) === address).indexOf(m) >= before, `to ${address}`);
  };

  before(async () => {
    sink = await startMailSink();
    s = await startStack({
      realm: { verifyEmail: true, smtpServer: { host: '127.0.0.1', port: String(sink.port), from: 'noreply@example.test' } },
    });
    admin = adminApi(s.server, await masterAdminToken(s.server));
    await admin.create(`/realms/${REALM}/clients`, { clientId: 'direct', publicClient: true, directAccessGrantsEnabled: true });
    for (const name of ['vic', 'val', 'vin', 'vux', 'vera']) {
      ids[name] = await admin.create(`/realms/${REALM}/users`, {
        username: name, enabled: true, email: `${name}@example.com`, emailVerified: false, credentials: [{ type: 'password', value: `${name}-pw` }],
      });
    }
  });
  after(async () => {
    await s?.stop();
    await sink?.stop();
  });

  it('asks an unverified account at sign-in, and the link signs it in to the client with email_verified', async (t) => {
    // As Keycloak's: the password grant cannot verify an address, and says the account is not set up.
    const refused = await passwordGrant(s.server, REALM, 'direct', undefined, 'vic', 'vic-pw');
    assertProtocolError(refused, 400, 'invalid_grant');
    assert.equal(refused.json.error_description, 'Account is not fully set up');
    const { page } = await openTab(s.browser, t);
    const mail = nextMail('vic@example.com');
    const flow = await s.rp.start({ clientId: 'rp-code', scope: 'openid email' });
    await page.goto(flow.url);
    await signIn(page, 'vic', 'vic-pw');
    await page.waitForSelector('#kc-verify-email-form');
    assert.match(await page.textContent('#kc-account') ?? await page.content(), /vic/);
    // Shown again (a reload), the page mails nothing more.
    await page.reload();
    await page.waitForSelector('#kc-verify-email-form');
    await page.goto(actionLinkOf(await mail()));
    const outcome = assertSignedIn(await flow.outcome());
    assert.equal(outcome.idToken!.email_verified, true);
    assert.equal(sink.mails.filter((m) => recipient(m) === 'vic@example.com').length, 1);
    assert.equal((await user('vic')).emailVerified, true);
    assert.equal((await passwordGrant(s.server, REALM, 'direct', undefined, 'vic', 'vic-pw')).status, 200);
  });

  it('asks for it when an administrator requires it, and clears the required action', async (t) => {
    assert.equal((await admin.put(`/realms/${REALM}/users/${ids.val}`, { emailVerified: true, requiredActions: ['VERIFY_EMAIL'] })).status, 204);
    const { page } = await openTab(s.browser, t, { locale: 'de-DE' });
    const mail = nextMail('val@example.com');
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    await signIn(page, 'val', 'val-pw');
    await page.waitForSelector('#kc-verify-email-form');
    assert.equal(await page.textContent('#kc-page-title'), 'E-Mail-Adresse bestätigen');
    await page.goto(actionLinkOf(await mail()));
    assertSignedIn(await flow.outcome());
    assert.deepEqual((await user('val')).requiredActions, []);
  });

  it('confirms the admin API\'s send-verify-email link with a click, and refuses one for an address the account no longer has', async (t) => {
    const { page } = await openTab(s.browser, t);
    let mail = nextMail('vin@example.com');
    assert.equal((await admin.put(`/realms/${REALM}/users/${ids.vin}/send-verify-email`)).status, 204);
    const link = actionLinkOf(await mail());
    await page.goto(link);
    await page.waitForSelector('#kc-action-token-form');
    assert.equal((await user('vin')).emailVerified, false, 'opening the link (as a mail scanner would) verifies nothing');
    await screenshot(page, 'verify-email-confirm');
    await clickAndLoad(page, '#kc-proceed');
    assert.match(await page.textContent('#kc-info-message') ?? '', /has been verified/);
    assert.equal((await user('vin')).emailVerified, true);

    mail = nextMail('vin@example.com');
    assert.equal((await admin.put(`/realms/${REALM}/users/${ids.vin}/send-verify-email`)).status, 204);
    const stale = actionLinkOf(await mail());
    assert.equal((await admin.put(`/realms/${REALM}/users/${ids.vin}`, { email: 'vin-new@example.com', emailVerified: false })).status, 204);
    const refused = await page.goto(stale);
    assert.equal(refused?.status(), 400);
    assert.match(await page.textContent('#kc-error-message') ?? '', /not valid/);
    assert.equal((await user('vin')).emailVerified, false);
  });

  it('speaks German on the link\'s pages, and says a link was used once it was', async (t) => {
    const { page } = await openTab(s.browser, t, { locale: 'de-DE' });
    const mail = nextMail('vera@example.com');
    assert.equal((await admin.put(`/realms/${REALM}/users/${ids.vera}/send-verify-email`)).status, 204);
    const link = actionLinkOf(await mail());
    await page.goto(link);
    await page.waitForSelector('#kc-action-token-form');
    assert.equal(await page.textContent('#kc-page-title'), 'Weiter aus Ihrer E-Mail');
    assert.match(await page.textContent('#kc-action-token-intro') ?? '', /Bestätigen Sie, dass vera@example\.com Ihre E-Mail-Adresse ist/);
    await clickAndLoad(page, '#kc-proceed');
    assert.match(await page.textContent('#kc-info-message') ?? '', /Ihre E-Mail-Adresse wurde bestätigt/);
    await screenshot(page, 'verify-email-done-de');
    await page.goto(link);
    await clickAndLoad(page, '#kc-proceed');
    assert.match(await page.textContent('#kc-error-message') ?? '', /Dieser Link wurde bereits verwendet/);
  });

  it('verifies the address by the execute-actions link itself when it asks for VERIFY_EMAIL', async (t) => {
    const { page } = await openTab(s.browser, t);
    const mail = nextMail('vux@example.com');
    assert.equal((await admin.put(`/realms/${REALM}/users/${ids.vux}/execute-actions-email`, ['VERIFY_EMAIL'])).status, 204);
    await page.goto(actionLinkOf(await mail()));
    await page.waitForSelector('#kc-action-token-form');
    assert.match(await page.textContent('#kc-action-token-intro') ?? '', /Verify email/);
    await clickAndLoad(page, '#kc-proceed');
    await page.waitForSelector('#kc-info-message');
    assert.match(await page.textContent('#kc-info-message') ?? '', /Your account has been updated/);
    assert.equal((await user('vux')).emailVerified, true);
  });
});
