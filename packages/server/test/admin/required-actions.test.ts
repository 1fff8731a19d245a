// Keycloak's authentication/required-actions through @keycloak/keycloak-admin-client: the
// realm's required actions by Keycloak's aliases, switched off (then a user's is passed over
// at sign-in), made a default action (given to every new user), reordered (the sign-in asks
// them in that order); a realm file carries them in and out.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { HttpBrowser, responseParams } from '../helpers/http-browser.js';
import { ADMIN_PASSWORD, realmUrl, runCli, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'actions';
const REDIRECT = 'http://localhost:9/cb';

/** Keycloak 26's registered actions (a new realm's, as its realm export lists them), by priority. */
const KEYCLOAK_ALIASES = [
  'CONFIGURE_TOTP', 'TERMS_AND_CONDITIONS', 'UPDATE_PASSWORD', 'UPDATE_PROFILE', 'VERIFY_EMAIL', 'webauthn-register',
  'webauthn-register-passwordless', 'CONFIGURE_RECOVERY_AUTHN_CODES',
];

const status = (expected: number) => (err: { response?: Response }) => err.response?.status === expected;

describe('admin API: required actions', () => {
  let server: TestServer;
  let kc: KcAdminClient;

  before(async () => {
    server = await startServer({
      realms: [{
        realm: REALM, enabled: true,
        clients: [{ clientId: 'app', publicClient: true, standardFlowEnabled: true, redirectUris: [REDIRECT] }],
        // As a Keycloak export has them: VERIFY_EMAIL switched off, one Latchkey does not know (kept out).
        requiredActions: [
          { alias: 'VERIFY_EMAIL', name: 'Verify Email', providerId: 'VERIFY_EMAIL', enabled: false, defaultAction: false, priority: 50, config: {} },
          { alias: 'delete_account', name: 'Delete Account', providerId: 'delete_account', enabled: false, defaultAction: false, priority: 60, config: {} },
        ],
      }],
    });
    kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
    await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
    kc.setConfig({ realmName: REALM });
  });
  after(async () => { await server?.stop(); });

  /** Signs in on the login page over HTTP: the page that follows the password, or the authorization response's code. */
  async function signIn(username: string, password: string): Promise<{ page?: string; code?: string }> {
    const browser = new HttpBrowser();
    const page = await browser.authorize(`${realmUrl(server, REALM, '/protocol/openid-connect/auth')}?${new URLSearchParams({
      client_id: 'app', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 's',
    })}`, { username, password });
    if (page.status === 200) return { page: page.text };
    return { code: responseParams(page).code };
  }

  it('lists the realm\'s required actions by Keycloak\'s aliases, names and priorities; a realm file\'s settings are read', async () => {
    const actions = await kc.authenticationManagement.getRequiredActions();
    assert.deepEqual(actions.map((a) => a.alias), KEYCLOAK_ALIASES);
    const totp = await kc.authenticationManagement.getRequiredActionForAlias({ alias: 'CONFIGURE_TOTP' });
    assert.deepEqual(totp, {
      alias: 'CONFIGURE_TOTP', name: 'Configure OTP', providerId: 'CONFIGURE_TOTP', enabled: true, defaultAction: false, priority: 10, config: {},
    });
    assert.equal((await kc.authenticationManagement.getRequiredActionForAlias({ alias: 'VERIFY_EMAIL' })).enabled, false);
    assert.equal((await kc.authenticationManagement.getRequiredActionForAlias({ alias: 'TERMS_AND_CONDITIONS' })).enabled, false);
    // The admin client answers Keycloak's 404 with null.
    assert.equal(await kc.authenticationManagement.getRequiredActionForAlias({ alias: 'delete_account' }), null);
    await assert.rejects(kc.authenticationManagement.updateRequiredAction({ alias: 'nope' }, { enabled: true }), status(404));
    assert.deepEqual(await kc.authenticationManagement.getUnregisteredRequiredActions(), []);
  });

  it('an action switched off is passed over at sign-in; switched on again, it is asked', async () => {
    await kc.users.create({ username: 'tom', enabled: true, credentials: [{ type: 'password', value: 'tom-pw', temporary: true }] });
    const update = await kc.authenticationManagement.getRequiredActionForAlias({ alias: 'UPDATE_PASSWORD' });
    await kc.authenticationManagement.updateRequiredAction({ alias: 'UPDATE_PASSWORD' }, { ...update, enabled: false });
    assert.equal((await kc.authenticationManagement.getRequiredActionForAlias({ alias: 'UPDATE_PASSWORD' })).enabled, false);
    assert.ok((await signIn('tom', 'tom-pw')).code, 'signed in without a new password');
    // Nor does the single sign-on that follows send him back to the login page for it.
    const browser = new HttpBrowser();
    const authorize = () => browser.authorize(`${realmUrl(server, REALM, '/protocol/openid-connect/auth')}?${new URLSearchParams({
      client_id: 'app', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 's',
    })}`, { username: 'tom', password: 'tom-pw' });
    assert.ok(responseParams(await authorize()).code);
    assert.ok(responseParams(await authorize()).code, 'served by the session');
    await kc.authenticationManagement.updateRequiredAction({ alias: 'UPDATE_PASSWORD' }, { ...update, enabled: true });
    assert.match((await signIn('tom', 'tom-pw')).page ?? '', /id="kc-passwd-update-form"/);
  });

  it('a default action is given to every user created from then on, unless the representation names the user\'s', async () => {
    const codes = await kc.authenticationManagement.getRequiredActionForAlias({ alias: 'CONFIGURE_RECOVERY_AUTHN_CODES' });
    await kc.authenticationManagement.updateRequiredAction({ alias: 'CONFIGURE_RECOVERY_AUTHN_CODES' }, { ...codes, defaultAction: true });
    const ann = await kc.users.create({ username: 'ann', enabled: true });
    assert.deepEqual((await kc.users.findOne({ id: ann.id }))!.requiredActions, ['CONFIGURE_RECOVERY_AUTHN_CODES']);
    const bob = await kc.users.create({ username: 'bob', enabled: true, requiredActions: [] });
    assert.deepEqual((await kc.users.findOne({ id: bob.id }))!.requiredActions, []);
    await kc.authenticationManagement.updateRequiredAction({ alias: 'CONFIGURE_RECOVERY_AUTHN_CODES' }, { ...codes, defaultAction: false });
    assert.deepEqual((await kc.users.findOne({ id: (await kc.users.create({ username: 'cyd', enabled: true })).id }))!.requiredActions, []);
  });

  it('raise-priority and lower-priority reorder the actions, and the sign-in asks them in that order', async () => {
    await kc.users.create({
      username: 'uma', enabled: true, requiredActions: ['CONFIGURE_RECOVERY_AUTHN_CODES'],
      credentials: [{ type: 'password', value: 'uma-pw', temporary: true }],
    });
    // Keycloak's order: the new password (30) before the recovery codes (130).
    assert.match((await signIn('uma', 'uma-pw')).page ?? '', /id="kc-passwd-update-form"/);
    for (let i = 0; i < 5; i++) await kc.authenticationManagement.raiseRequiredActionPriority({ alias: 'CONFIGURE_RECOVERY_AUTHN_CODES' });
    const order = (await kc.authenticationManagement.getRequiredActions()).map((a) => a.alias);
    assert.deepEqual(order.slice(0, 3), ['CONFIGURE_TOTP', 'TERMS_AND_CONDITIONS', 'CONFIGURE_RECOVERY_AUTHN_CODES']);
    assert.match((await signIn('uma', 'uma-pw')).page ?? '', /id="kc-recovery-codes-settings-form"/);
    // The first stays first.
    await kc.authenticationManagement.raiseRequiredActionPriority({ alias: 'CONFIGURE_TOTP' });
    assert.equal((await kc.authenticationManagement.getRequiredActions())[0].alias, 'CONFIGURE_TOTP');
    await kc.authenticationManagement.lowerRequiredActionPriority({ alias: 'CONFIGURE_TOTP' });
    const lowered = (await kc.authenticationManagement.getRequiredActions()).map((a) => a.alias);
    assert.deepEqual(lowered.slice(0, 2), ['TERMS_AND_CONDITIONS', 'CONFIGURE_TOTP']);
  });

  it('an export lists the realm\'s required actions as Keycloak\'s does', async () => {
    const run = await runCli(['realm', 'export', REALM, '--data-dir', server.dataDir]);
    assert.equal(run.code, 0, run.stderr);
    const exported = JSON.parse(run.stdout).requiredActions as Array<{ alias: string; enabled: boolean; priority: number; providerId: string }>;
    assert.equal(exported.length, KEYCLOAK_ALIASES.length);
    const verify = exported.find((a) => a.alias === 'VERIFY_EMAIL')!;
    assert.equal(verify.enabled, false);
    assert.equal(verify.providerId, 'VERIFY_EMAIL');
    const codes = exported.find((a) => a.alias === 'CONFIGURE_RECOVERY_AUTHN_CODES')!;
    assert.ok(codes.priority < exported.find((a) => a.alias === 'UPDATE_PASSWORD')!.priority);
  });
});
