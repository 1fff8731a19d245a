// Passkeys and security keys in Chromium, with a virtual authenticator (Chrome DevTools
// Protocol, ctap2 with resident keys and user verification) as the user's device: a passkey
// created through webauthn-register-passwordless signs in without a password, from the button
// and from the username field's autofill (conditional mediation); a security key registered
// through webauthn-register is asked after the password, and answers a client's step-up to
// acr 2; a cloned authenticator (its counter behind) is refused; a passkey survives a realm
// export and import into another server. openid-client is the relying party.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import {
  addAuthenticator, credentialsOf, noChromium, openTab, screenshot, signIn, type Authenticator, type BrowserContext, type Page,
} from '../helpers/browser.js';
import { assertFits } from '../helpers/layout.js';
import { assertSignedIn, RelyingParty } from '../helpers/relying-party.js';
import { runCli, startServer } from '../helpers/server.js';
import { REALM, SECRETS, startStack, webRealm, type Stack } from './fixture.js';

const PHONE = { width: 390, height: 844 };

describe('browser: passkeys and security keys', { skip: noChromium }, () => {
  let s: Stack;
  let admin: AdminApi;
  const users: Record<string, string> = {};

  before(async () => {
    s = await startStack();
    admin = adminApi(s.server, await masterAdminToken(s.server));
    const user = async (username: string, requiredActions: string[] = []) => {
      users[username] = await admin.create(`/realms/${REALM}/users`, {
        username, enabled: true, email: `${username}@example.com`, firstName: username[0].toUpperCase() + username.slice(1), requiredActions,
        credentials: [{ type: 'password', value: `${username}-pw` }],
      });
    };
    await user('paula', ['webauthn-register-passwordless']);
    await user('simon', ['webauthn-register']);
    await user('stella');
    await user('una', ['webauthn-register']);
  });
  // The cases are slow (a browser each): a fresh token each, so that none outlives it.
  beforeEach(async () => { admin = adminApi(s.server, await masterAdminToken(s.server)); });
  after(async () => {
    await paula?.context.close();
    await s?.stop();
  });

  const events = async (user: string, type: string) =>
    (await admin.get(`/realms/${REALM}/events?user=${user}&type=${type}`)).json as Array<{ error?: string; details?: Record<string, string> }>;

  /** Starts a code flow for rp-code, the browser at its sign-in page. */
  async function start(page: Page, params: Record<string, string> = {}) {
    const flow = await s.rp.start({ clientId: 'rp-code', params });
    await page.goto(flow.url);
    return flow;
  }

  /** paula's tab, whose authenticator holds her passkey once the first case made it. */
  let paula: { page: Page; context: BrowserContext; device: Authenticator };

  it('webauthn-register-passwordless: after her password paula creates a passkey, kept as Keycloak keeps it', async () => {
    const { page, context } = await openTab(s.browser);
    paula = { page, context, device: await addAuthenticator(page) };
    await page.setViewportSize(PHONE);
    const flow = await start(page);
    await signIn(page, 'paula', 'paula-pw');
    await page.waitForSelector('#kc-webauthn-register-form');
    assert.match(await page.textContent('#kc-page-title') ?? '', /Create a passkey/);
    assert.equal(await page.locator('label[for="userLabel"]').count(), 1);
    await assertFits(page, 'webauthn-register-passwordless at 390×844');
    await screenshot(page, 'webauthn-register-passwordless-phone');
    await page.fill('#userLabel', 'Paula\'s laptop');
    await page.click('#kc-webauthn-register:not([disabled])');
    const outcome = assertSignedIn(await flow.outcome());
    assert.deepEqual(outcome.idToken!.amr, ['pwd', 'hwk', 'user', 'mfa']);
    assert.equal(outcome.idToken!.acr, '2');

    const [made] = await credentialsOf(paula.device);
    assert.equal(made.isResidentCredential, true);
    assert.equal(Buffer.from(made.userHandle!, 'base64').toString(), users.paula, 'the user handle is the user\'s id');
    const listed = (await admin.get(`/realms/${REALM}/users/${users.paula}/credentials`)).json;
    assert.deepEqual(listed.map((c: { type: string }) => c.type), ['password', 'webauthn-passwordless']);
    assert.equal(listed[1].userLabel, 'Paula\'s laptop');
    const data = JSON.parse(listed[1].credentialData);
    assert.equal(Buffer.from(data.credentialId, 'base64').toString('base64'), Buffer.from(made.credentialId, 'base64').toString('base64'));
    assert.equal(typeof data.credentialPublicKey, 'string');
    assert.equal(data.attestationStatementFormat, 'none');
    assert.match(data.aaguid, /^[0-9a-f-]{36}$/);
    assert.deepEqual((await admin.get(`/realms/${REALM}/users/${users.paula}`)).json.requiredActions, []);
    const updated = await events(users.paula, 'UPDATE_CREDENTIAL');
    assert.equal(updated[0].details?.credential_type, 'webauthn-passwordless');
  });

  it('passwordless: "Sign in with a passkey" signs paula in without her username or password', async () => {
    const { page } = paula;
    // A new sign-in in the same browser: the earlier session ends first.
    await paula.context.clearCookies();
    const flow = await s.rp.start({ clientId: 'rp-code', params: { prompt: 'login' } });
    // Chromium's virtual authenticator answers the autofill's conditional request as the page
    // loads: without the passkey then, it finds none, and this case is the button's.
    const [passkey] = await credentialsOf(paula.device);
    await paula.device.cdp.send('WebAuthn.removeCredential', { authenticatorId: paula.device.id, credentialId: passkey.credentialId });
    await page.goto(flow.url);
    assert.equal(await page.getAttribute('#username', 'autocomplete'), 'username webauthn');
    await page.waitForSelector('#kc-passkey:not([hidden])');
    await assertFits(page, 'login with passkey at 390×844');
    await screenshot(page, 'login-passkey-phone');
    await paula.device.cdp.send('WebAuthn.addCredential', { authenticatorId: paula.device.id, credential: passkey });
    await page.click('#kc-passkey-login:not([disabled])');
    const outcome = assertSignedIn(await flow.outcome());
    assert.deepEqual(outcome.idToken!.amr, ['hwk', 'user', 'mfa']);
    assert.equal(outcome.idToken!.acr, '2');
  });

  // What a user sees as the passkey in the username field's autofill, which they pick: the
  // virtual authenticator picks it at once.
  it('conditional UI: the passkey the username field offers signs paula in as the page loads', async () => {
    const { page } = paula;
    await paula.context.clearCookies();
    const flow = await s.rp.start({ clientId: 'rp-code', params: { prompt: 'login' } });
    await page.goto(flow.url);
    const outcome = assertSignedIn(await flow.outcome());
    assert.deepEqual(outcome.idToken!.amr, ['hwk', 'user', 'mfa']);
  });

  it('webauthn-register and the security key after the password: simon registers a key, then signs in with password and key', async (t) => {
    const { page } = await openTab(s.browser, t);
    await addAuthenticator(page);
    const first = await start(page);
    await signIn(page, 'simon', 'simon-pw');
    await page.waitForSelector('#kc-webauthn-register-form');
    assert.match(await page.textContent('#kc-page-title') ?? '', /Register a security key/);
    await page.click('#kc-webauthn-register:not([disabled])');
    const registered = assertSignedIn(await first.outcome());
    assert.deepEqual(registered.idToken!.amr, ['pwd', 'hwk', 'mfa']);
    const listed = (await admin.get(`/realms/${REALM}/users/${users.simon}/credentials`)).json;
    assert.deepEqual(listed.map((c: { type: string }) => c.type), ['password', 'webauthn']);

    await page.context().clearCookies();
    await page.setViewportSize(PHONE);
    const again = await start(page, { prompt: 'login' });
    await signIn(page, 'simon', 'simon-pw');
    await page.waitForSelector('#kc-webauthn-form');
    assert.equal(again.received, false, 'the password alone does not sign simon in');
    await assertFits(page, 'security key at 390×844');
    await screenshot(page, 'webauthn-authenticate-phone');
    await page.click('#kc-webauthn-login:not([disabled])');
    const outcome = assertSignedIn(await again.outcome());
    assert.deepEqual(outcome.idToken!.amr, ['pwd', 'hwk', 'mfa']);
  });

  it('step-up: acr_values=2 after a password-only session is answered by a security key; the ID token says so', async (t) => {
    const { page, context } = await openTab(s.browser, t);
    await addAuthenticator(page);
    const first = await start(page);
    await signIn(page, 'stella', 'stella-pw');
    const plain = assertSignedIn(await first.outcome());
    assert.deepEqual(plain.idToken!.amr, ['pwd']);
    assert.equal(plain.idToken!.acr, '1');
    const passwordOnly = await context.cookies();

    // Elsewhere (this browser, another session) stella registers a security key.
    assert.equal((await admin.put(`/realms/${REALM}/users/${users.stella}`, { requiredActions: ['webauthn-register'] })).status, 204);
    await context.clearCookies();
    const register = await start(page);
    await signIn(page, 'stella', 'stella-pw');
    await page.click('#kc-webauthn-register:not([disabled])');
    assertSignedIn(await register.outcome());

    // Back in the password-only session, a client asks for level 2: only the key is asked.
    await context.clearCookies();
    await context.addCookies(passwordOnly);
    const stepUp = await start(page, { acr_values: '2' });
    await page.waitForSelector('#kc-webauthn-form');
    assert.equal(await page.locator('#password').count(), 0);
    await page.click('#kc-webauthn-login:not([disabled])');
    const raised = assertSignedIn(await stepUp.outcome());
    assert.equal(raised.idToken!.acr, '2');
    assert.deepEqual(raised.idToken!.amr, ['pwd', 'hwk', 'mfa']);
    assert.equal(raised.idToken!.sub, plain.idToken!.sub);
  });

  it('a cloned authenticator, its counter behind the one kept, is refused with LOGIN_ERROR; the original still signs in', async (t) => {
    const [original] = await credentialsOf(paula.device);
    assert.ok(original.signCount > 0);
    const { page } = await openTab(s.browser, t);
    const clone = await addAuthenticator(page);
    await clone.cdp.send('WebAuthn.addCredential', { authenticatorId: clone.id, credential: { ...original, signCount: 0 } });
    const flow = await start(page);
    await page.waitForSelector('#input-error');
    assert.match(await page.textContent('#input-error') ?? '', /could not be verified/);
    assert.equal(flow.received, false);
    const errors = await events(users.paula, 'LOGIN_ERROR');
    assert.equal(errors[0].error, 'invalid_user_credentials');
    assert.equal(errors[0].details?.credential_type, 'webauthn-passwordless');

    await paula.context.clearCookies();
    const genuine = await s.rp.start({ clientId: 'rp-code', params: { prompt: 'login' } });
    await paula.page.goto(genuine.url);
    assertSignedIn(await genuine.outcome());
  });

  it('the pages speak de, nl and fr', async (t) => {
    for (const [locale, button] of [['de', 'Mit Passkey anmelden'], ['nl', 'Inloggen met een passkey'], ['fr', 'Se connecter avec une clé d’accès']]) {
      const { page } = await openTab(s.browser, t, { locale });
      await addAuthenticator(page);
      await start(page);
      await page.waitForSelector('#kc-passkey:not([hidden])');
      assert.equal((await page.textContent('#kc-passkey-login'))?.trim(), button);
    }
  });

  it('a browser without WebAuthn is told so on the registration page, whose button stays off', async (t) => {
    const { page } = await openTab(s.browser, t);
    await page.addInitScript(() => { delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential; });
    await start(page);
    assert.equal(await page.locator('#kc-passkey').isHidden(), true, 'no passkey button on the login page');
    await signIn(page, 'una', 'una-pw');
    await page.waitForSelector('#webauthn-unsupported:not([hidden])');
    assert.match(await page.textContent('#webauthn-unsupported') ?? '', /cannot use passkeys or security keys/);
    assert.equal(await page.locator('#kc-webauthn-register').isDisabled(), true);
  });

  it('realm export and import: the passkey and both policies go in Keycloak\'s format to another server, where paula signs in with it', async () => {
    assert.equal((await admin.put(`/realms/${REALM}`, {
      webAuthnPolicyPasswordlessRpEntityName: 'Web Test', webAuthnPolicyPasswordlessAvoidSameAuthenticatorRegister: true,
    })).status, 204);
    const run = await runCli(['realm', 'export', REALM, '--users', '--data-dir', s.server.dataDir]);
    assert.equal(run.code, 0, run.stderr);
    const exported = JSON.parse(run.stdout);
    assert.equal(exported.webAuthnPolicyPasswordlessRpEntityName, 'Web Test');
    assert.equal(exported.webAuthnPolicyPasswordlessAvoidSameAuthenticatorRegister, true);
    assert.deepEqual(exported.webAuthnPolicySignatureAlgorithms, ['ES256', 'RS256']);
    const user = exported.users.find((u: { username: string }) => u.username === 'paula');
    const passkey = user.credentials.find((c: { type: string }) => c.type === 'webauthn-passwordless');
    assert.equal(passkey.secretData, '{}');
    const data = JSON.parse(passkey.credentialData);
    assert.deepEqual(Object.keys(data).sort(), ['aaguid', 'attestationStatementFormat', 'counter', 'credentialId', 'credentialPublicKey', 'transports'].sort());
    const [held] = await credentialsOf(paula.device);
    assert.equal(data.counter, held.signCount);

    // The users and policies of the export; the clients of a relying party of the new server's.
    const rp = await RelyingParty.listen();
    const server = await startServer({ realms: [{ ...exported, clients: (webRealm(rp) as { clients: unknown[] }).clients }] });
    try {
      await rp.connect(server.issuer(REALM), { ...SECRETS });
      const realm = (await adminApi(server, await masterAdminToken(server)).get(`/realms/${REALM}`)).json;
      assert.equal(realm.webAuthnPolicyPasswordlessRpEntityName, 'Web Test');
      await paula.context.clearCookies();
      const flow = await rp.start({ clientId: 'rp-code' });
      await paula.page.goto(flow.url);
        const outcome = assertSignedIn(await flow.outcome());
      assert.equal(outcome.idToken!.sub, users.paula);
      assert.deepEqual(outcome.idToken!.amr, ['hwk', 'user', 'mfa']);
    } finally {
      await server.stop();
      await rp.stop();
    }
  });

  it('an administrator removes the passkey: REMOVE_CREDENTIAL with its type, and it signs in no more', async () => {
    const listed = (await admin.get(`/realms/${REALM}/users/${users.paula}/credentials`)).json;
    const passkey = listed.find((c: { type: string }) => c.type === 'webauthn-passwordless');
    assert.equal((await admin.delete(`/realms/${REALM}/users/${users.paula}/credentials/${passkey.id}`)).status, 204);
    const removed = await events(users.paula, 'REMOVE_CREDENTIAL');
    assert.equal(removed[0].details?.credential_type, 'webauthn-passwordless');
    await paula.context.clearCookies();
    const flow = await s.rp.start({ clientId: 'rp-code', params: { prompt: 'login' } });
    await paula.page.goto(flow.url);
    await paula.page.waitForSelector('#input-error');
    assert.equal(flow.received, false);
  });

  it('the realm\'s WebAuthn policies in the admin API: Keycloak\'s defaults, changed field by field, bad values refused', async () => {
    const realm = (await admin.get(`/realms/${REALM}`)).json;
    assert.equal(realm.webAuthnPolicyRpEntityName, 'keycloak');
    assert.equal(realm.webAuthnPolicyRpId, '');
    assert.equal(realm.webAuthnPolicyUserVerificationRequirement, 'not specified');
    assert.equal(realm.webAuthnPolicyCreateTimeout, 0);
    assert.deepEqual(realm.webAuthnPolicyExtraOrigins, []);
    assert.equal(realm.webAuthnPolicyPasswordlessRpEntityName, 'Web Test');
    assert.equal((await admin.put(`/realms/${REALM}`, { webAuthnPolicyUserVerificationRequirement: 'required' })).status, 204);
    const changed = (await admin.get(`/realms/${REALM}`)).json;
    assert.equal(changed.webAuthnPolicyUserVerificationRequirement, 'required');
    assert.equal(changed.webAuthnPolicyPasswordlessAvoidSameAuthenticatorRegister, true);
    assert.equal((await admin.put(`/realms/${REALM}`, { webAuthnPolicyUserVerificationRequirement: 'always' })).status, 400);
    assert.equal((await admin.put(`/realms/${REALM}`, { webAuthnPolicySignatureAlgorithms: ['HS256'] })).status, 400);
  });
});
