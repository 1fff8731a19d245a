// A second factor after a sign-in at an identity provider: a provider with Keycloak's
// postBrokerLoginFlowAlias asks a user who has one-time codes for one before the session
// starts (Keycloak's usual post-broker flow, a conditional OTP), and a realm that requires a
// second factor sends a user without one through CONFIGURE_TOTP; a provider without it asks
// nothing more. The setting goes through the admin API and a realm export.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { noChromium, openTab, screenshot, type Page } from '../helpers/browser.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { runCli } from '../helpers/server.js';
import { atB, HOME, homeUser, signInVia, startBrokerStack, throughProvider, type BrokerStack } from './fixture.js';

const FLOW = 'post broker otp';

describe('broker: a second factor after the provider\'s sign-in', { skip: noChromium }, () => {
  let s: BrokerStack;
  /** The authenticator app set up after the first brokered sign-in. */
  let app: TOTP;
  let step = 0;
  const nextCode = () => app.generate({ timestamp: Date.now() + 30_000 * ++step });

  before(async () => {
    s = await startBrokerStack([{ alias: 'b-otp', upstream: 'b', rep: { postBrokerLoginFlowAlias: FLOW } }]);
    assert.equal((await s.aAdmin.put(`/realms/${HOME}`, { otpPolicyLookAheadWindow: 5, failureFactor: 3 })).status, 204);
    await s.addUpstreamUser('fred', { email: 'fred@upstream.example', firstName: 'Fred' });
  });
  after(async () => { await s?.stop(); });

  const events = async (type: string, userId: string) =>
    (await s.aAdmin.get(`/realms/${HOME}/events?type=${type}&user=${userId}`)).json as Array<{ error?: string; sessionId?: string; details?: Record<string, string> }>;
  const setFlow = async (alias: string) => {
    const current = (await s.aAdmin.get(`/realms/${HOME}/identity-provider/instances/b-otp`)).json;
    const res = await s.aAdmin.put(`/realms/${HOME}/identity-provider/instances/b-otp`, { ...current, postBrokerLoginFlowAlias: alias });
    assert.equal(res.status, 204, res.text);
  };
  const submitOtp = async (page: Page, code: string) => {
    await page.waitForSelector('#kc-otp-login-form');
    await page.fill('#otp', code);
    await page.click('#kc-login');
  };

  it('the admin API and a realm export carry postBrokerLoginFlowAlias', async () => {
    assert.equal((await s.aAdmin.get(`/realms/${HOME}/identity-provider/instances/b-otp`)).json.postBrokerLoginFlowAlias, FLOW);
    const run = await runCli(['realm', 'export', HOME, '--data-dir', s.a.dataDir]);
    assert.equal(run.code, 0, run.stderr);
    const provider = JSON.parse(run.stdout).identityProviders.find((p: { alias: string }) => p.alias === 'b-otp');
    assert.equal(provider.postBrokerLoginFlowAlias, FLOW);
  });

  it('a user without a second factor is signed in by the provider alone; given CONFIGURE_TOTP, sets one up after it', async (t) => {
    const first = assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'b-otp', atB('fred')));
    assert.deepEqual(first.idToken!.amr, ['fed']);
    const fred = await homeUser(s, 'fred');
    assert.equal((await s.aAdmin.put(`/realms/${HOME}/users/${fred.id}`, { requiredActions: ['CONFIGURE_TOTP'] })).status, 204);

    const tab = await openTab(s.browser, t);
    const flow = await throughProvider(s, tab, 'b-otp', atB('fred'));
    await tab.page.waitForSelector('#kc-totp-settings-form');
    assert.match(await tab.page.textContent('#kc-account') ?? '', /fred/);
    const secret = (await tab.page.textContent('#kc-totp-secret'))!.replace(/\s/g, '');
    app = new TOTP({ secret: Secret.fromBase32(secret) });
    await tab.page.fill('#totp', app.generate());
    await tab.page.click('#saveTOTPBtn');
    const outcome = assertSignedIn(await flow.outcome());
    assert.deepEqual(outcome.idToken!.amr, ['fed', 'otp', 'mfa']);
    assert.equal(outcome.idToken!.acr, '2');
  });

  it('with a second factor, the code is asked after the provider\'s sign-in: wrong ones are refused, the session starts after a right one', async (t) => {
    const fred = await homeUser(s, 'fred');
    const tab = await openTab(s.browser, t);
    const flow = await throughProvider(s, tab, 'b-otp', atB('fred'));
    await submitOtp(tab.page, '000000');
    assert.match(await tab.page.textContent('#input-error') ?? '', /Invalid code/);
    assert.equal(flow.received, false);
    const [wrong] = await events('LOGIN_ERROR', fred.id);
    assert.equal(wrong.error, 'invalid_user_credentials');
    await screenshot(tab.page, 'broker-post-login-otp');
    await submitOtp(tab.page, nextCode());
    const outcome = assertSignedIn(await flow.outcome());
    assert.deepEqual(outcome.idToken!.amr, ['fed', 'otp', 'mfa']);
    assert.equal(outcome.idToken!.sub, fred.id);
    // The session is the provider's sign-in's: the events say so, as after a sign-in there alone.
    const [brokered] = await events('IDENTITY_PROVIDER_LOGIN', fred.id);
    assert.equal(brokered.details?.identity_provider, 'b-otp');
    assert.equal(brokered.sessionId, outcome.idToken!.sid);
    const [login] = await events('LOGIN', fred.id);
    assert.equal(login.details?.identity_provider, 'b-otp');
    assert.equal(login.sessionId, outcome.idToken!.sid);
  });

  it('without a post-broker login flow the provider\'s sign-in is enough, a second factor or not', async (t) => {
    await setFlow('');
    assert.equal((await s.aAdmin.get(`/realms/${HOME}/identity-provider/instances/b-otp`)).json.postBrokerLoginFlowAlias, undefined);
    const outcome = assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'b-otp', atB('fred')));
    assert.deepEqual(outcome.idToken!.amr, ['fed']);
    await setFlow(FLOW);
  });

  it('a realm that requires a second factor sends a user without one through CONFIGURE_TOTP after the provider\'s sign-in', async (t) => {
    await s.aAdmin.put(`/realms/${HOME}`, { attributes: { otpRequired: 'true' } });
    try {
      await s.addUpstreamUser('gwen', { email: 'gwen@upstream.example' });
      const tab = await openTab(s.browser, t);
      const flow = await throughProvider(s, tab, 'b-otp', atB('gwen'));
      await tab.page.waitForSelector('#kc-totp-settings-form');
      const secret = (await tab.page.textContent('#kc-totp-secret'))!.replace(/\s/g, '');
      await tab.page.fill('#totp', new TOTP({ secret: Secret.fromBase32(secret) }).generate());
      await tab.page.click('#saveTOTPBtn');
      assert.deepEqual(assertSignedIn(await flow.outcome()).idToken!.amr, ['fed', 'otp', 'mfa']);
      const [created] = await events('IDENTITY_PROVIDER_FIRST_LOGIN', (await homeUser(s, 'gwen')).id);
      assert.equal(created.details?.identity_provider, 'b-otp');
    } finally {
      await s.aAdmin.put(`/realms/${HOME}`, { attributes: { otpRequired: 'false' } });
    }
  });
});
