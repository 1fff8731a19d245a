// Keycloak's forgotten password on the login pages, over a real SMTP server: the login page's
// link, the same answer whoever is asked for, the mailed single-use link that sets a new password
// under the realm's policy and signs the user in; expired, used and broken links; a mail server
// that is down while the link is asked for; and the admin API's execute-actions mail, whose link
// runs UPDATE_PASSWORD.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { clickAndLoad, noChromium, openTab, screenshot, type Page } from '../helpers/browser.js';
import { assertProtocolError, passwordGrant } from '../helpers/http.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { eventually } from '../helpers/server.js';
import { actionLinkOf, recipient, startMailSink, type MailSink } from '../helpers/smtp.js';
import { REALM, sleep, startStack, type Stack } from './fixture.js';

describe('browser: a forgotten password, reset through a mailed link', { skip: noChromium }, () => {
  let s: Stack;
  let sink: MailSink;
  let admin: AdminApi;
  const ids: Record<string, string> = {};
  const grant = (username: string, password: string) => passwordGrant(s.server, REALM, 'direct', undefined, username, password);
  const events = async (user: string, ...types: string[]) =>
    (await admin.get(`/realms/${REALM}/events?user=${user}&${types.map((t) => `type=${t}`).join('&')}`)).json as Array<{ type: string; error?: string; details?: Record<string, string> }>;
  /** Mails received for the address so far, to tell a new one from them. */
  const mailsTo = (address: string) => sink.mails.filter((m) => recipient(m) === address).length;
  const nextMail = (address: string, before: number) =>
    sink.waitFor((m) => recipient(m) === address && sink.mails.filter((x) => recipient(x) === address).indexOf(m) >= before, `to ${address}`);

  before(async () => {
    sink = await startMailSink();
    s = await startStack({
      args: ['--mail-retry-delay', '1000'],
      realm: {
        resetPasswordAllowed: true,
        passwordPolicy: 'length(10) and digits(1)',
        smtpServer: { host: '127.0.0.1', port: String(sink.port), from: 'noreply@example.test' },
      },
    });
    admin = adminApi(s.server, await masterAdminToken(s.server));
    await admin.create(`/realms/${REALM}/clients`, { clientId: 'direct', publicClient: true, directAccessGrantsEnabled: true });
    for (const name of ['rita', 'rex', 'ruth', 'resa', 'rolf', 'ravi']) {
      ids[name] = await admin.create(`/realms/${REALM}/users`, {
        username: name, enabled: true, email: `${name}@example.com`, emailVerified: true, firstName: name[0].toUpperCase() + name.slice(1),
        credentials: [{ type: 'password', value: `${name}-old-pw1`, temporary: false }],
      });
    }
  });
  after(async () => {
    await s?.stop();
    await sink?.stop();
  });

  /** From the client's sign-in: the login page's link, the account typed, the page's one answer. */
  const askForReset = async (page: Page, login: string) => {
    await page.click('#kc-forgot-password');
    await page.waitForSelector('#kc-reset-password-form');
    await page.fill('#username', login);
    await clickAndLoad(page, '#kc-submit');
    await page.waitForSelector('#kc-info-message');
    return (await page.textContent('#kc-info-message'))!;
  };
  const submitNew = async (page: Page, password: string) => {
    await page.fill('#password-new', password);
    await page.fill('#password-confirm', password);
    await clickAndLoad(page, '#kc-submit');
  };

  it('the login page links to it; the mail\'s link sets a new password under the policy and signs the user in to the client', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    await page.waitForSelector('#kc-form-login');
    assert.equal(await page.$('#kc-registration'), null, 'no registration where the realm has none');
    // Nor its page: its address leads back to the login page.
    await page.goto(page.url().replace('/login-actions/authenticate?', '/login-actions/registration?'));
    await page.waitForURL(/login-actions\/authenticate/);
    await page.waitForSelector('#kc-form-login');
    const before = mailsTo('rita@example.com');
    const answer = await askForReset(page, 'rita');
    assert.match(answer, /If the account exists, an email with further instructions is on its way/);
    await screenshot(page, 'reset-password-sent');
    const mail = await nextMail('rita@example.com', before);
    assert.match(mail.subject ?? '', /password/i);
    assert.match(mail.text ?? '', /5 minutes/, 'the realm\'s user-link lifespan, Keycloak\'s default 300 s');

    // The same browser: the link continues the sign-in at a new password.
    await page.goto(actionLinkOf(mail));
    await page.waitForSelector('#kc-passwd-update-form');
    await submitNew(page, 'short1');
    assert.match(await page.textContent('#input-error') ?? '', /minimum length 10/i);
    await submitNew(page, 'no-digits-here');
    assert.match(await page.textContent('#input-error') ?? '', /digit/i);
    await screenshot(page, 'reset-password-policy');
    await submitNew(page, 'rita-new-pw-2');
    const outcome = assertSignedIn(await flow.outcome());
    assert.equal(outcome.idToken!.sub, ids.rita);

    // The mail worker records SEND_RESET_PASSWORD once the mail server took the mail, which may come after it arrived.
    const expected = ['EXECUTE_ACTION_TOKEN', 'LOGIN', 'RESET_PASSWORD', 'SEND_RESET_PASSWORD', 'UPDATE_PASSWORD'];
    let types: string[] = [];
    await eventually(`the events ${expected.join()}`, async () => {
      types = (await events(ids.rita, ...expected)).map((e) => e.type).sort();
      return types.length >= expected.length ? true : undefined;
    }).catch((err: Error) => { throw new Error(`${err.message}; got ${types.join()}`); });
    assert.deepEqual(types, expected);
    assert.equal((await grant('rita', 'rita-new-pw-2')).status, 200);
    assertProtocolError(await grant('rita', 'rita-old-pw1'), 400, 'invalid_grant');

    // Used once: followed again, the link says so (after the click that a mail scanner would not make).
    await page.goto(actionLinkOf(mail));
    await page.click('#kc-proceed');
    await page.waitForSelector('#kc-error-message');
    assert.match(await page.textContent('#kc-error-message') ?? '', /used already/);
    const [refused] = await events(ids.rita, 'EXECUTE_ACTION_TOKEN_ERROR');
    assert.equal(refused.error, 'invalid_code');
  });

  it('answers the same for an account that does not exist, and mails nobody', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    const count = sink.mails.length;
    const answer = await askForReset(page, 'nobody-here');
    assert.match(answer, /If the account exists, an email with further instructions is on its way/);
    const [refused] = (await admin.get(`/realms/${REALM}/events?type=SEND_RESET_PASSWORD_ERROR`)).json;
    assert.equal(refused.error, 'user_not_found');
    await sleep(1500);
    assert.equal(sink.mails.length, count);
  });

  it('refuses an expired link and a broken one, saying why', async (t) => {
    const { page } = await openTab(s.browser, t);
    assert.equal((await admin.put(`/realms/${REALM}`, { actionTokenGeneratedByUserLifespan: 1 })).status, 204);
    try {
      const flow = await s.rp.start({ clientId: 'rp-code' });
      await page.goto(flow.url);
      const before = mailsTo('rex@example.com');
      await askForReset(page, 'rex@example.com');
      const link = actionLinkOf(await nextMail('rex@example.com', before));
      await sleep(2500);
      await page.goto(link);
      assert.match(await page.textContent('#kc-error-message') ?? '', /expired/);
      await screenshot(page, 'action-token-expired');
      const url = new URL(link);
      url.searchParams.set('key', url.searchParams.get('key')!.slice(0, -4) + 'AAAA');
      const broken = await page.goto(url.href);
      assert.equal(broken?.status(), 400);
      assert.match(await page.textContent('#kc-error-message') ?? '', /not valid/);
    } finally {
      assert.equal((await admin.put(`/realms/${REALM}`, { actionTokenGeneratedByUserLifespan: 300 })).status, 204);
    }
    // A link that does not verify names nobody the event could trust.
    const errors = (await admin.get(`/realms/${REALM}/events?type=EXECUTE_ACTION_TOKEN_ERROR`)).json.map((e: { error: string }) => e.error);
    assert.ok(errors.includes('expired_code') && errors.includes('invalid_token'), errors.join());
  });

  it('a link stops working once the password has changed since it was sent, by another link or by an administrator', async (t) => {
    const { page } = await openTab(s.browser, t);
    /** A link asked for from a sign-in of its own in the tab's browser. */
    const ask = async (tab: Page) => {
      await tab.goto((await s.rp.start({ clientId: 'rp-code' })).url);
      const before = mailsTo('ravi@example.com');
      await askForReset(tab, 'ravi');
      return actionLinkOf(await nextMail('ravi@example.com', before));
    };
    /** The page a link opens in a browser of its own, after the click it asks for there. */
    const refusalElsewhere = async (link: string) => {
      const { page: elsewhere } = await openTab(s.browser, t);
      await elsewhere.goto(link);
      await elsewhere.click('#kc-proceed');
      await elsewhere.waitForSelector('#kc-error-message');
      return (await elsewhere.textContent('#kc-error-message')) ?? '';
    };
    const first = await ask(page);
    const second = await ask(page);
    await page.goto(second);
    await page.waitForSelector('#kc-passwd-update-form');
    await submitNew(page, 'ravi-new-pw-2');
    await page.waitForURL((url) => url.href.startsWith(s.rp.redirectUri));

    assert.match(await refusalElsewhere(first), /expired/);
    const [refused] = await events(ids.ravi, 'EXECUTE_ACTION_TOKEN_ERROR');
    assert.equal(refused.error, 'expired_code');
    assert.equal((await grant('ravi', 'ravi-new-pw-2')).status, 200, 'the password the second link set stands');

    // Signed in in this browser now: another one asks for the third link.
    const third = await ask((await openTab(s.browser, t)).page);
    const reset = await admin.put(`/realms/${REALM}/users/${ids.ravi}/reset-password`, { type: 'password', value: 'ravi-admin-pw-3', temporary: false });
    assert.equal(reset.status, 204);
    assert.match(await refusalElsewhere(third), /expired/);
    assert.equal((await grant('ravi', 'ravi-admin-pw-3')).status, 200);
  });

  it('while the mail server is down the page answers as always, and the mail goes once it is back; its link works in another browser', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    const before = mailsTo('ruth@example.com');
    await sink.stop();
    try {
      assert.match(await askForReset(page, 'ruth'), /on its way/);
      await sleep(2500);
    } finally {
      await sink.start();
    }
    const mail = await nextMail('ruth@example.com', before);
    // Another browser: the link asks for a click, then for the new password, and says the account was updated.
    const other = await openTab(s.browser, t);
    await other.page.goto(actionLinkOf(mail));
    await other.page.waitForSelector('#kc-action-token-form');
    assert.match(await other.page.textContent('#kc-action-token-intro') ?? '', /new password/);
    await other.page.click('#kc-proceed');
    await other.page.waitForSelector('#kc-passwd-update-form');
    await submitNew(other.page, 'ruth-new-pw-3');
    await other.page.waitForSelector('#kc-info-message');
    assert.match(await other.page.textContent('#kc-info-message') ?? '', /Your account has been updated/);
    assert.equal((await grant('ruth', 'ruth-new-pw-3')).status, 200);
    assert.equal(flow.received, false, 'the other browser signed nobody in to the first one\'s client');
  });

  it('mails an account at most three links in a quarter of an hour, answering the same after', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    await page.click('#kc-forgot-password');
    for (let i = 1; i <= 4; i++) {
      await page.waitForSelector('#kc-reset-password-form');
      await page.fill('#username', i % 2 ? 'rolf' : 'ROLF@example.com');
      await clickAndLoad(page, '#kc-submit');
      assert.match(await page.textContent('#kc-info-message') ?? '', /on its way/, `request ${i}`);
    }
    await eventually('three mails to rolf', async () => (mailsTo('rolf@example.com') >= 3 ? true : undefined));
    const limited = (await admin.get(`/realms/${REALM}/events?type=SEND_RESET_PASSWORD_ERROR`)).json.filter((e: { error: string }) => e.error === 'too_many_requests');
    assert.equal(limited.length, 1);
    await sleep(1500);
    assert.equal(mailsTo('rolf@example.com'), 3);
  });

  it('speaks German on a German browser', async (t) => {
    const { page } = await openTab(s.browser, t, { locale: 'de-DE' });
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    assert.equal(await page.textContent('#kc-forgot-password'), 'Passwort vergessen?');
    await page.click('#kc-forgot-password');
    await page.waitForSelector('#kc-reset-password-form');
    assert.equal(await page.textContent('#kc-page-title'), 'Passwort vergessen?');
    await clickAndLoad(page, '#kc-submit');
    assert.match(await page.textContent('#input-error') ?? '', /Benutzernamen oder Ihre E-Mail-Adresse/);
    await screenshot(page, 'reset-password-de');
  });

  it('runs UPDATE_PASSWORD from the admin API\'s execute-actions mail, then offers the way back to the client', async (t) => {
    const before = mailsTo('resa@example.com');
    const back = s.rp.redirectUri;
    const sent = await admin.put(`/realms/${REALM}/users/${ids.resa}/execute-actions-email?client_id=rp-code&redirect_uri=${encodeURIComponent(back)}`, ['UPDATE_PASSWORD']);
    assert.equal(sent.status, 204, sent.text);
    const mail = await nextMail('resa@example.com', before);
    const { page } = await openTab(s.browser, t);
    await page.goto(actionLinkOf(mail));
    await page.waitForSelector('#kc-action-token-form');
    assert.match(await page.textContent('#kc-action-token-intro') ?? '', /Update password/);
    await page.click('#kc-proceed');
    await page.waitForSelector('#kc-passwd-update-form');
    await submitNew(page, 'short');
    assert.match(await page.textContent('#input-error') ?? '', /minimum length 10/i);
    await submitNew(page, 'resa-new-pw-4');
    await page.waitForSelector('#kc-info-message');
    assert.equal(await page.getAttribute('#kc-info-link', 'href'), back);
    await screenshot(page, 'execute-actions-done');
    assert.equal((await grant('resa', 'resa-new-pw-4')).status, 200);
    const types = (await events(ids.resa, 'EXECUTE_ACTIONS', 'UPDATE_PASSWORD')).map((e) => e.type).sort();
    assert.deepEqual(types, ['EXECUTE_ACTIONS', 'UPDATE_PASSWORD']);
  });
});
