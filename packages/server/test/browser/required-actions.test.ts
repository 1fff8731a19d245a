// Keycloak's UPDATE_PROFILE and TERMS_AND_CONDITIONS required actions, and its
// application-initiated actions: a client's kc_action makes a required action due for a
// user who is signed in already, and the answer says whether the user did it.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { noChromium, openTab, screenshot, signIn } from '../helpers/browser.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { REALM, startStack, type Stack } from './fixture.js';

describe('browser: required actions and kc_action', { skip: noChromium }, () => {
  let s: Stack;
  let admin: AdminApi;
  let uma: string;
  const user = async () => (await admin.get(`/realms/${REALM}/users/${uma}`)).json;
  const setActions = async (requiredActions: string[]) => {
    const res = await admin.put(`/realms/${REALM}/users/${uma}`, { requiredActions });
    assert.equal(res.status, 204, res.text);
  };
  const events = async (type: string) => (await admin.get(`/realms/${REALM}/events?user=${uma}&type=${type}`)).json as Array<{ details?: Record<string, string> }>;

  /** A tab where uma has signed in to rp-code: an SSO session for the client's next request. */
  const signedIn = async (t: TestContext, password: string) => {
    const { page } = await openTab(s.browser, t);
    const first = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(first.url);
    await signIn(page, 'uma', password);
    assertSignedIn(await first.outcome());
    return page;
  };

  before(async () => {
    s = await startStack();
    admin = adminApi(s.server, await masterAdminToken(s.server));
    // Keycloak registers TERMS_AND_CONDITIONS switched off: a realm that wants it turns it on.
    const terms = await admin.put(`/realms/${REALM}/authentication/required-actions/TERMS_AND_CONDITIONS`,
      { alias: 'TERMS_AND_CONDITIONS', name: 'Terms and Conditions', providerId: 'TERMS_AND_CONDITIONS', enabled: true, defaultAction: false, priority: 20, config: {} });
    assert.equal(terms.status, 204, terms.text);
    uma = await admin.create(`/realms/${REALM}/users`, {
      username: 'uma', enabled: true, email: 'uma@example.com', emailVerified: true, firstName: 'Uma', lastName: 'Old',
      credentials: [{ type: 'password', value: 'uma-pw', temporary: false }],
    });
    await admin.create(`/realms/${REALM}/users`, { username: 'vera', enabled: true, email: 'vera@example.com', firstName: 'Vera', lastName: 'V' });
  });
  after(async () => { await s?.stop(); });

  it('the admin API knows UPDATE_PROFILE and TERMS_AND_CONDITIONS as required actions', async () => {
    await setActions(['UPDATE_PROFILE', 'TERMS_AND_CONDITIONS']);
    assert.deepEqual([...(await user()).requiredActions].sort(), ['TERMS_AND_CONDITIONS', 'UPDATE_PROFILE']);
    await setActions([]);
  });

  it('UPDATE_PROFILE: the profile checked as the user profile says, a taken email refused, then signed in with the change', async (t) => {
    await setActions(['UPDATE_PROFILE']);
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    await signIn(page, 'uma', 'uma-pw');
    await page.waitForSelector('#kc-update-profile-form');
    assert.equal(await page.inputValue('#firstName'), 'Uma');
    // The realm does not let users change their username (editUsernameAllowed off).
    assert.equal(await page.getAttribute('#username', 'readonly'), '');
    assert.equal(await page.$('#cancelAiaBtn'), null, 'a required action of the user\'s own cannot be cancelled');
    await screenshot(page, 'update-profile');

    // The server's own checks, not the browser's.
    await page.$eval('#kc-update-profile-form', (form) => { (form as HTMLFormElement).noValidate = true; });
    await page.fill('#email', 'not-an-email');
    await page.fill('#lastName', '');
    await page.click('#kc-submit');
    await page.waitForSelector('#input-error-email');
    assert.match(await page.textContent('#input-error-email') ?? '', /Invalid email address/);
    assert.match(await page.textContent('#input-error-lastName') ?? '', /please fill in this field/);
    assert.equal(await page.inputValue('#email'), 'not-an-email', 'what was typed stays');

    await page.fill('#email', 'vera@example.com');
    await page.fill('#lastName', 'New');
    await page.click('#kc-submit');
    await page.waitForSelector('#input-error-email');
    assert.match(await page.textContent('#input-error-email') ?? '', /Email already exists/);

    await page.fill('#email', 'uma.new@example.com');
    await page.click('#kc-submit');
    const outcome = assertSignedIn(await flow.outcome());
    assert.equal(outcome.idToken!.email, 'uma.new@example.com');
    assert.equal(outcome.idToken!.family_name, 'New');
    assert.equal(outcome.idToken!.email_verified, false, 'a new email is not verified');
    const after = await user();
    assert.deepEqual(after.requiredActions, []);
    assert.equal(after.username, 'uma');
    const [event] = await events('UPDATE_PROFILE');
    assert.equal(event.details?.previous_email, 'uma@example.com');
    assert.equal(event.details?.updated_email, 'uma.new@example.com');
  });

  it('TERMS_AND_CONDITIONS declined: the client hears access_denied, and the action stays', async (t) => {
    await setActions(['TERMS_AND_CONDITIONS']);
    const { page } = await openTab(s.browser, t, { locale: 'de-DE' });
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    await signIn(page, 'uma', 'uma-pw');
    await page.waitForSelector('#kc-terms-form');
    assert.equal(await page.textContent('#kc-page-title'), 'Nutzungsbedingungen');
    await screenshot(page, 'terms-de');
    await page.click('#kc-decline');
    const outcome = await flow.outcome();
    assert.equal(outcome.error, 'access_denied');
    assert.deepEqual((await user()).requiredActions, ['TERMS_AND_CONDITIONS']);
    assert.equal((await user()).attributes?.terms_and_conditions, undefined);
  });

  it('TERMS_AND_CONDITIONS accepted: the time is kept in the terms_and_conditions attribute', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    const before = Math.floor(Date.now() / 1000);
    await page.goto(flow.url);
    await signIn(page, 'uma', 'uma-pw');
    await page.waitForSelector('#kc-terms-form');
    await page.click('#kc-accept');
    assertSignedIn(await flow.outcome());
    const after = await user();
    assert.deepEqual(after.requiredActions, []);
    const accepted = Number(after.attributes.terms_and_conditions[0]);
    assert.ok(accepted >= before && accepted <= Math.floor(Date.now() / 1000) + 1, String(accepted));
    const [event] = await events('CUSTOM_REQUIRED_ACTION');
    assert.equal(event.details?.custom_required_action, 'TERMS_AND_CONDITIONS');
  });

  it('kc_action=UPDATE_PROFILE for a signed-in user: the page at once, then kc_action_status=success', async (t) => {
    const page = await signedIn(t, 'uma-pw');

    const flow = await s.rp.start({ clientId: 'rp-code', params: { kc_action: 'UPDATE_PROFILE' } });
    await page.goto(flow.url);
    await page.waitForSelector('#kc-update-profile-form');
    assert.ok(await page.$('#cancelAiaBtn'), 'an action the client asked for can be cancelled');
    await page.fill('#firstName', 'Umberta');
    await page.click('#kc-submit');
    const outcome = assertSignedIn(await flow.outcome());
    assert.equal(outcome.params.kc_action_status, 'success');
    assert.equal(outcome.params.kc_action, 'UPDATE_PROFILE');
    assert.equal(outcome.idToken!.given_name, 'Umberta');
  });

  it('kc_action=UPDATE_PASSWORD cancelled: kc_action_status=cancelled, and the password stays', async (t) => {
    const page = await signedIn(t, 'uma-pw');

    const flow = await s.rp.start({ clientId: 'rp-code', params: { kc_action: 'UPDATE_PASSWORD' } });
    await page.goto(flow.url);
    await page.waitForSelector('#kc-passwd-update-form');
    await screenshot(page, 'kc-action-update-password');
    await page.click('#cancelAiaBtn');
    const outcome = assertSignedIn(await flow.outcome());
    assert.equal(outcome.params.kc_action_status, 'cancelled');
    assert.equal((await events('UPDATE_PASSWORD')).length, 0);
  });

  it('kc_action before signing in: the password first, then the action; an unknown action is an invalid request', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code', params: { kc_action: 'UPDATE_PASSWORD' } });
    await page.goto(flow.url);
    await signIn(page, 'uma', 'uma-pw');
    await page.waitForSelector('#kc-passwd-update-form');
    await page.fill('#password-new', 'uma-new-pw');
    await page.fill('#password-confirm', 'uma-new-pw');
    await page.click('#kc-submit');
    const outcome = assertSignedIn(await flow.outcome());
    assert.equal(outcome.params.kc_action_status, 'success');
    assert.equal((await events('UPDATE_PASSWORD')).length, 1);

    const unknown = await s.rp.start({ clientId: 'rp-code', params: { kc_action: 'NO_SUCH_ACTION' } });
    await page.goto(unknown.url);
    const refused = await unknown.outcome();
    assert.equal(refused.error, 'invalid_request');
  });

  it('kc_action with prompt=none answers interaction_required', async (t) => {
    const page = await signedIn(t, 'uma-new-pw');
    const flow = await s.rp.start({ clientId: 'rp-code', params: { kc_action: 'UPDATE_PROFILE', prompt: 'none' } });
    await page.goto(flow.url);
    assert.equal((await flow.outcome()).error, 'interaction_required');
  });
});
