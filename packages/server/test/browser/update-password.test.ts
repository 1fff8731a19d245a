// Keycloak's UPDATE_PASSWORD required action: a password an administrator sets as temporary
// signs the user in only after they chose a new one, on a page of its own after the login page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, assertAdminError, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { noChromium, openTab, screenshot, signIn, type Page } from '../helpers/browser.js';
import { assertProtocolError, passwordGrant } from '../helpers/http.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { isLoginAction, REALM, startStack, type Stack } from './fixture.js';

describe('browser: a temporary password is replaced at the next sign-in', { skip: noChromium }, () => {
  let s: Stack;
  let admin: AdminApi;
  let tess: string;
  const user = () => admin.get(`/realms/${REALM}/users/${tess}`);
  const setPassword = async (value: string, temporary: boolean) => {
    const res = await admin.put(`/realms/${REALM}/users/${tess}/reset-password`, { type: 'password', value, temporary });
    assert.equal(res.status, 204, res.text);
  };
  /** The password grant, through a public client that has it, as tess. */
  const grant = (password: string) => passwordGrant(s.server, REALM, 'direct', undefined, 'tess', password);

  before(async () => {
    s = await startStack();
    admin = adminApi(s.server, await masterAdminToken(s.server));
    await admin.create(`/realms/${REALM}/clients`, { clientId: 'direct', publicClient: true, directAccessGrantsEnabled: true });
    tess = await admin.create(`/realms/${REALM}/users`, { username: 'tess', enabled: true, email: 'tess@example.com' });
  });
  after(async () => { await s?.stop(); });

  const updateForm = (page: Page) => page.waitForSelector('#kc-passwd-update-form');
  const submitNew = async (page: Page, password: string, confirm: string) => {
    await page.fill('#password-new', password);
    await page.fill('#password-confirm', confirm);
    await page.click('#kc-submit');
  };

  it('the admin API records it as Keycloak does: requiredActions UPDATE_PASSWORD, cleared by a password that is not temporary', async () => {
    await setPassword('tess-temporary', true);
    assert.deepEqual((await user()).json.requiredActions, ['UPDATE_PASSWORD']);
    await setPassword('tess-temporary', false);
    assert.deepEqual((await user()).json.requiredActions, []);
    assertAdminError(await admin.put(`/realms/${REALM}/users/${tess}`, { requiredActions: ['delete_account'] }), 400, 'requiredActions');
    assert.equal((await admin.put(`/realms/${REALM}/users/${tess}`, { requiredActions: ['UPDATE_PASSWORD'] })).status, 204);
    assert.deepEqual((await user()).json.requiredActions, ['UPDATE_PASSWORD']);
  });

  it('while it is pending, the password grant answers that the account is not fully set up', async () => {
    await setPassword('tess-temporary', true);
    const refused = await grant('tess-temporary');
    assertProtocolError(refused, 400, 'invalid_grant');
    assert.equal(refused.json.error_description, 'Account is not fully set up');
    assertProtocolError(await grant('wrong'), 400, 'invalid_grant');
    assert.equal((await grant('wrong')).json.error_description, 'Invalid user credentials', 'a wrong password is still only that');
  });

  it('after the temporary password, the user chooses a new one (twice the same, CSRF protected), and is signed in', async (t) => {
    await setPassword('tess-temporary', true);
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    await signIn(page, 'tess', 'tess-temporary');
    await updateForm(page);
    assert.equal(flow.received, false);
    await screenshot(page, 'update-password');

    await submitNew(page, '', '');
    assert.match(await page.textContent('#input-error') ?? '', /Enter a new password/);
    await submitNew(page, 'tess-own-pw', 'tess-own-pw-typo');
    assert.match(await page.textContent('#input-error') ?? '', /do not match/);
    await screenshot(page, 'update-password-mismatch');

    // A forged CSRF token is refused, and changes nothing.
    const action = new URL((await page.getAttribute('#kc-passwd-update-form', 'action'))!, page.url()).href;
    await page.evaluate(() => { document.querySelector<HTMLInputElement>('#kc-passwd-update-form input[name="_csrf"]')!.value = 'forged'; });
    const forged = page.waitForResponse((r) => r.request().method() === 'POST' && isLoginAction(r.url()));
    await submitNew(page, 'tess-forged-pw', 'tess-forged-pw');
    assert.equal((await forged).status(), 403);
    assert.equal(flow.received, false);
    assertProtocolError(await grant('tess-forged-pw'), 400, 'invalid_grant');

    // The page's own address shows it again (a reload, a way back).
    await page.goto(action);
    await updateForm(page);
    await submitNew(page, 'tess-own-pw', 'tess-own-pw');
    const outcome = assertSignedIn(await flow.outcome());
    assert.equal(outcome.idToken!.sub, tess);
    const events = (await admin.get(`/realms/${REALM}/events?user=${tess}&type=UPDATE_PASSWORD&type=LOGIN`)).json;
    // Written within the same millisecond, so in either order.
    assert.deepEqual(events.map((e: { type: string }) => e.type).sort(), ['LOGIN', 'UPDATE_PASSWORD']);

    assert.deepEqual((await user()).json.requiredActions, []);
    assert.equal((await grant('tess-own-pw')).status, 200);
    assertProtocolError(await grant('tess-temporary'), 400, 'invalid_grant');
  });

  it('a temporary password set while the user is signed in asks for the password again, then for a new one', async (t) => {
    await setPassword('tess-own-pw', false);
    const { page } = await openTab(s.browser, t, { locale: 'de-DE' });
    const first = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(first.url);
    await signIn(page, 'tess', 'tess-own-pw');
    assertSignedIn(await first.outcome());

    await setPassword('tess-second-temporary', true);
    const second = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(second.url);
    await page.waitForSelector('#kc-form-login');
    assert.equal(second.received, false, 'the SSO session does not carry the user past the required action');
    await signIn(page, 'tess', 'tess-second-temporary');
    await updateForm(page);
    assert.equal(await page.textContent('#kc-page-title'), 'Neues Passwort wählen');
    await screenshot(page, 'update-password-de');
    await submitNew(page, 'tess-third-pw', 'tess-third-pw');
    assertSignedIn(await second.outcome());
    assert.equal((await grant('tess-third-pw')).status, 200);
  });

  it('the page cannot be reached without the password: a post to it goes back to the login page', async (t) => {
    await setPassword('tess-fourth-temporary', true);
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    await page.waitForSelector('#kc-form-login');
    // The login form's own CSRF token and interaction, posted to the update page instead.
    await page.evaluate(() => {
      const form = document.querySelector<HTMLFormElement>('#kc-form-login')!;
      form.action = form.action.replace('/login-actions/authenticate', '/login-actions/update-password');
      for (const name of ['password-new', 'password-confirm']) {
        const input = document.createElement('input');
        Object.assign(input, { type: 'hidden', name, value: 'tess-hijacked-pw' });
        form.append(input);
      }
      form.submit();
    });
    await page.waitForURL(/login-actions\/authenticate/);
    await page.waitForSelector('#kc-form-login');
    assert.equal(flow.received, false);
    assertProtocolError(await grant('tess-hijacked-pw'), 400, 'invalid_grant');
    assert.equal((await grant('tess-fourth-temporary')).json.error_description, 'Account is not fully set up');
  });
});
