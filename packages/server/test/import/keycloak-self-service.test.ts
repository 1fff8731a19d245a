// A Keycloak 26 realm export whose realm lets people help themselves (registrationAllowed,
// resetPasswordAllowed, verifyEmail, passwordPolicy, smtpServer as Keycloak writes them: every
// SMTP value a string) is imported at start and behaves in Chromium as its Keycloak did: the login
// page offers Register and Forgot password; registration asks for the export's user profile's
// attributes and applies the policy, then asks to verify
// the email, whose mail arrives at a real SMTP server and whose link ends at the client; a
// forgotten password is mailed a link that sets a new one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken } from '../admin/fixture.js';
import { clickAndLoad, launchBrowser, noChromium, openTab, screenshot, type Browser, type Page } from '../helpers/browser.js';
import { passwordGrant } from '../helpers/http.js';
import { assertSignedIn, RelyingParty } from '../helpers/relying-party.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { actionLinkOf, recipient, startMailSink, type MailSink } from '../helpers/smtp.js';

const REALM = 'selfserve';

const everyone = { view: ['admin', 'user'], edit: ['admin', 'user'] };

/** The export's user profile: Keycloak's default attributes and a required one of the realm's own. */
const USER_PROFILE = {
  attributes: [
    { name: 'username', displayName: '${username}', validations: { length: { min: 3, max: 255 }, 'username-prohibited-characters': {}, 'up-username-not-idn-homograph': {} }, permissions: everyone, multivalued: false },
    { name: 'email', displayName: '${email}', validations: { email: {}, length: { max: 255 } }, required: { roles: ['user'] }, permissions: everyone, multivalued: false },
    { name: 'firstName', displayName: '${firstName}', validations: { length: { max: 255 }, 'person-name-prohibited-characters': {} }, required: { roles: ['user'] }, permissions: everyone, multivalued: false },
    { name: 'lastName', displayName: '${lastName}', validations: { length: { max: 255 }, 'person-name-prohibited-characters': {} }, required: { roles: ['user'] }, permissions: everyone, multivalued: false },
    { name: 'customerNumber', displayName: 'Customer number', validations: { pattern: { pattern: '^C[0-9]{6}$', 'error-message': 'Customer numbers look like C123456' } }, required: { roles: ['user'] }, permissions: everyone, multivalued: false },
  ],
  groups: [{ name: 'user-metadata', displayHeader: 'User metadata', displayDescription: 'Attributes, which refer to user metadata' }],
  unmanagedAttributePolicy: 'ADMIN_EDIT',
};

/** The parts of a Keycloak 26 export that matter here, in its shape (its defaults beside the switches). */
function keycloakExport(redirectUri: string, smtpPort: number) {
  return {
    id: '6a3c9a0e-5f1b-4f0e-9d37-3a1f1b2c4d5e',
    realm: REALM,
    displayName: 'Self Service',
    enabled: true,
    sslRequired: 'external',
    registrationAllowed: true,
    registrationEmailAsUsername: false,
    rememberMe: false,
    verifyEmail: true,
    loginWithEmailAllowed: true,
    duplicateEmailsAllowed: false,
    resetPasswordAllowed: true,
    editUsernameAllowed: false,
    bruteForceProtected: false,
    actionTokenGeneratedByAdminLifespan: 43200,
    actionTokenGeneratedByUserLifespan: 600,
    passwordPolicy: 'length(12) and upperCase(1) and digits(1) and notUsername(undefined)',
    smtpServer: {
      replyTo: '', starttls: 'false', auth: 'false', port: String(smtpPort), host: '127.0.0.1',
      replyToDisplayName: '', from: 'accounts@selfserve.example', fromDisplayName: 'Self Service', envelopeFrom: '', ssl: 'false',
    },
    components: {
      'org.keycloak.userprofile.UserProfileProvider': [{
        id: '0b6f4c1e-2d3a-4e5f-8a9b-1c2d3e4f5a6b', providerId: 'declarative-user-profile', subComponents: {},
        config: { 'kc.user.profile.config': [JSON.stringify(USER_PROFILE)] },
      }],
    },
    requiredActions: [
      { alias: 'VERIFY_EMAIL', name: 'Verify Email', providerId: 'VERIFY_EMAIL', enabled: true, defaultAction: false, priority: 50, config: {} },
      { alias: 'UPDATE_PASSWORD', name: 'Update Password', providerId: 'UPDATE_PASSWORD', enabled: true, defaultAction: false, priority: 30, config: {} },
    ],
    clients: [{
      clientId: 'shop', name: 'Shop', enabled: true, clientAuthenticatorType: 'client-secret', secret: 'shop-secret',
      redirectUris: [redirectUri], webOrigins: ['+'], bearerOnly: false, consentRequired: false, standardFlowEnabled: true,
      implicitFlowEnabled: false, directAccessGrantsEnabled: true, serviceAccountsEnabled: false, publicClient: false, protocol: 'openid-connect',
      attributes: { 'pkce.code.challenge.method': 'S256' }, defaultClientScopes: ['web-origins', 'profile', 'roles', 'email'],
      optionalClientScopes: ['address', 'phone', 'offline_access'],
    }],
    users: [{
      username: 'olga', enabled: true, email: 'olga@selfserve.example', emailVerified: true, firstName: 'Olga', lastName: 'Old',
      createdTimestamp: 1733667000000, totp: false, requiredActions: [], realmRoles: ['default-roles-selfserve'], notBefore: 0, groups: [],
      credentials: [{ type: 'password', userLabel: 'My password', createdDate: 1733667000000,
        secretData: '{"value":"tLMG3Ni27tJB7ftc3V2Hb3cV0kv+4XjkINXeh5O5Hxc=","salt":"Uz4Nuz2ZP7+nnzSWy+GtUg==","additionalParameters":{}}',
        credentialData: '{"hashIterations":5,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],"memory":["7168"],"type":["id"],"version":["1.3"],"parallelism":["1"]}}' }],
    }],
  };
}

describe('a Keycloak export that lets people register and reset their password, in Chromium', { skip: noChromium }, () => {
  let server: TestServer;
  let browser: Browser;
  let rp: RelyingParty;
  let sink: MailSink;
  const mailTo = (address: string) => sink.waitFor((m) => recipient(m) === address, `to ${address}`);

  before(async () => {
    [rp, sink] = await Promise.all([RelyingParty.listen(), startMailSink()]);
    [server, browser] = await Promise.all([startServer({ realms: [keycloakExport(rp.redirectUri, sink.port)] }), launchBrowser()]);
    await rp.connect(server.issuer(REALM), { shop: 'shop-secret' });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await rp?.stop();
    await sink?.stop();
  });

  const register = async (page: Page, password: string, customerNumber = 'C000042') => {
    for (const [field, value] of Object.entries({
      username: 'newton', email: 'newton@selfserve.example', firstName: 'Isaac', lastName: 'Newton', customerNumber, password, 'password-confirm': password,
    })) await page.fill(`#${field}`, value);
    await clickAndLoad(page, '#kc-register');
  };

  it('offers Register and Forgot password; registration applies the policy, mails the verification, and ends at the client', async (t) => {
    const { page } = await openTab(browser, t);
    const flow = await rp.start({ clientId: 'shop', scope: 'openid email' });
    await page.goto(flow.url);
    await page.waitForSelector('#kc-form-login');
    assert.ok(await page.isVisible('#kc-registration'), 'the Register link');
    assert.ok(await page.isVisible('#kc-forgot-password'), 'the Forgot password link');
    await screenshot(page, 'keycloak-self-service-login');

    await page.click('#kc-registration');
    await page.waitForSelector('#kc-register-form');
    await register(page, 'newton-pw-1');
    assert.match(await page.textContent('#input-error') ?? '', /minimum length 12/);
    await register(page, 'newtonian-pw-1');
    assert.match(await page.textContent('#input-error') ?? '', /upper case/i);
    await register(page, 'Newtonian-pw-1', '42');
    assert.match(await page.textContent('#input-error') ?? '', /Customer numbers look like C123456/, 'the profile\'s own message');
    await register(page, 'Newtonian-pw-1');
    await page.waitForSelector('#kc-verify-email-form');
    assert.equal(flow.received, false, 'not signed in before the address is verified');

    const mail = await mailTo('newton@selfserve.example');
    assert.match(String(mail.from?.text), /Self Service.*accounts@selfserve\.example/);
    assert.match(mail.text ?? '', /10 minutes/, 'the export\'s actionTokenGeneratedByUserLifespan');
    await page.goto(actionLinkOf(mail));
    const outcome = assertSignedIn(await flow.outcome());
    assert.equal(outcome.idToken!.preferred_username, 'newton');
    assert.equal(outcome.idToken!.email_verified, true);
    const admin = adminApi(server, await masterAdminToken(server));
    const [newton] = (await admin.get(`/realms/${REALM}/users?username=newton&exact=true`)).json;
    assert.deepEqual(newton.attributes, { customerNumber: ['C000042'] });
  });

  it('mails a forgotten password\'s link, which sets a new one under the policy', async (t) => {
    const { page } = await openTab(browser, t);
    const flow = await rp.start({ clientId: 'shop' });
    await page.goto(flow.url);
    await page.click('#kc-forgot-password');
    await page.waitForSelector('#kc-reset-password-form');
    await page.fill('#username', 'olga@selfserve.example');
    await clickAndLoad(page, '#kc-submit');
    assert.match(await page.textContent('#kc-info-message') ?? '', /If the account exists/);

    const mail = await mailTo('olga@selfserve.example');
    await page.goto(actionLinkOf(mail));
    await page.waitForSelector('#kc-passwd-update-form');
    const choose = async (password: string) => {
      await page.fill('#password-new', password);
      await page.fill('#password-confirm', password);
      await clickAndLoad(page, '#kc-submit');
    };
    await choose('olga');
    assert.match(await page.textContent('#input-error') ?? '', /minimum length 12/);
    await choose('Olga-new-password-1');
    const outcome = assertSignedIn(await flow.outcome());
    assert.equal(outcome.idToken!.preferred_username, 'olga');
    assert.equal((await passwordGrant(server, REALM, 'shop', 'shop-secret', 'olga', 'Olga-new-password-1')).status, 200);
  });
});
