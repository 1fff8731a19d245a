// RFC 8628 end to end: openid-client 6 drives the device side (initiateDeviceAuthorization,
// pollDeviceAuthorizationGrant) while the user enters the code in Chromium, signs in and
// confirms. And what must fail: polling too fast, an expired code, a denied confirmation, a
// client without the grant, wrong user codes (bounded per address).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, noChromium, openTab, screenshot, signIn, type Browser, type Page } from '../helpers/browser.js';
import { assertProtocolError } from '../helpers/http.js';
import { claimsOf, client, rp } from '../helpers/oidc.js';
import { postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'devices';
const SHORT = 'devices-short';
const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const DEVICE_GRANT = { 'oauth2.device.authorization.grant.enabled': 'true' };

describe('device authorization grant (RFC 8628)', { skip: noChromium }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    const users = [{ username: 'alice', enabled: true, firstName: 'Alice', credentials: [{ type: 'password', value: 'alice-pw' }] }];
    server = await startServer({
      realms: [{
        realm: REALM, enabled: true, oauth2DevicePollingInterval: 1,
        clients: [
          { clientId: 'tv', publicClient: true, standardFlowEnabled: false, attributes: DEVICE_GRANT },
          { clientId: 'printer', secret: 'printer-secret', standardFlowEnabled: false, attributes: DEVICE_GRANT },
          { clientId: 'no-device', publicClient: true },
        ],
        users,
      }, {
        // As a realm attribute, where Keycloak keeps it too.
        realm: SHORT, enabled: true, attributes: { oauth2DeviceCodeLifespan: '1' },
        clients: [{ clientId: 'tv', publicClient: true, attributes: DEVICE_GRANT }],
        users,
      }],
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const deviceUrl = (realm = REALM) => realmUrl(server, realm, '/protocol/openid-connect/auth/device');
  const tokenUrl = (realm = REALM) => realmUrl(server, realm, '/protocol/openid-connect/token');
  const initiate = async (clientId = 'tv', realm = REALM, extra: Record<string, string> = {}) => {
    const res = await postForm(deviceUrl(realm), { client_id: clientId, scope: 'openid', ...extra });
    assert.equal(res.status, 200, res.text);
    return res.json as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; interval: number; expires_in: number };
  };
  const poll = (deviceCode: string, clientId = 'tv', realm = REALM) =>
    postForm(tokenUrl(realm), { grant_type: GRANT, client_id: clientId, device_code: deviceCode });

  /** Enters the code on the verification page (reached at 127.0.0.1, as another device would), signs in if asked. */
  async function enterCode(page: Page, userCode: string, opts: { signIn?: boolean } = {}) {
    await page.goto(realmUrl(server, REALM, '/device'));
    await page.fill('#device-user-code', userCode);
    await page.click('#kc-device-submit');
    if (opts.signIn !== false) {
      await page.waitForSelector('#username');
      await signIn(page, 'alice', 'alice-pw');
    }
    await page.waitForSelector('#kc-cancel');
  }

  it('discovery names the device endpoint and the grant', async () => {
    const config = await rp(server, REALM, 'tv');
    const metadata = config.serverMetadata();
    assert.equal(metadata.device_authorization_endpoint, `${server.issuer(REALM)}/protocol/openid-connect/auth/device`);
    assert.ok(metadata.grant_types_supported?.includes(GRANT));
  });

  it('openid-client polls (with DPoP) while the user enters the code in Chromium, signs in and confirms: bound tokens for the user', async (t) => {
    const config = await rp(server, REALM, 'tv');
    const response = await client.initiateDeviceAuthorization(config, { scope: 'openid profile' });
    assert.match(response.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/, 'Keycloak\'s format');
    assert.equal(response.verification_uri, `${server.issuer(REALM)}/device`);
    assert.equal(response.interval, 1);
    // The device binds its tokens to a DPoP key (RFC 9449): every poll brings a proof.
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const polled = client.pollDeviceAuthorizationGrant(config, response, undefined, { DPoP });

    const tab = await openTab(browser, t);
    // verification_uri_complete fills the code in; the user still submits it.
    await tab.page.goto(response.verification_uri_complete!.replace('localhost', '127.0.0.1'));
    assert.equal(await tab.page.inputValue('#device-user-code'), response.user_code);
    await screenshot(tab.page, 'device-code');
    await tab.page.click('#kc-device-submit');
    await tab.page.waitForSelector('#username');
    await signIn(tab.page, 'alice', 'alice-pw');
    await tab.page.waitForSelector('#kc-cancel');
    await tab.page.click('#kc-login');
    await tab.page.waitForSelector('#kc-device-outcome[data-outcome="approved"]');
    await screenshot(tab.page, 'device-approved');

    const tokens = await polled;
    assert.ok(tokens.access_token && tokens.refresh_token);
    assert.equal(tokens.claims()?.preferred_username, 'alice');
    assert.equal(claimsOf(tokens.access_token).azp, 'tv');
    assert.equal(tokens.token_type.toLowerCase(), 'dpop');
    assert.ok(claimsOf(tokens.access_token).cnf?.jkt);
    // A public client's refresh token is bound to the key: refreshed with it, and not without.
    assert.ok((await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP })).access_token);
    // The code is spent.
    assertProtocolError(await poll(response.device_code), 400, 'invalid_grant');
  });

  it('a signed-in user is still asked to confirm; typing the code loosely works; a confidential client authenticates', async (t) => {
    const tab = await openTab(browser, t);
    const first = await initiate('printer', REALM, { client_secret: 'printer-secret' });
    await enterCode(tab.page, first.user_code.toLowerCase().replace('-', ' '));
    await tab.page.click('#kc-login');
    await tab.page.waitForSelector('#kc-device-outcome[data-outcome="approved"]');
    const second = await initiate('printer', REALM, { client_secret: 'printer-secret' });
    await enterCode(tab.page, second.user_code, { signIn: false });
    await tab.page.click('#kc-login');
    await tab.page.waitForSelector('#kc-device-outcome[data-outcome="approved"]');
    const res = await postForm(tokenUrl(), { grant_type: GRANT, client_id: 'printer', client_secret: 'printer-secret', device_code: second.device_code });
    assert.equal(res.status, 200, res.text);
    const wrongSecret = await postForm(tokenUrl(), { grant_type: GRANT, client_id: 'printer', client_secret: 'nope', device_code: first.device_code });
    assertProtocolError(wrongSecret, 401, 'invalid_client');
  });

  it('polled too fast: authorization_pending, then slow_down', async () => {
    const { device_code: code } = await initiate();
    assertProtocolError(await poll(code), 400, 'authorization_pending');
    // The interval is one second here, and polls are timed in whole seconds: of two quick polls
    // after the first, at most one can fall into the next second.
    const [second, third] = [await poll(code), await poll(code)];
    assert.ok([second, third].some((r) => r.json?.error === 'slow_down'), `${second.text} ${third.text}`);
    assert.ok([second, third].every((r) => ['slow_down', 'authorization_pending'].includes(r.json?.error)));
  });

  it('an expired device code: expired_token', async () => {
    const { device_code: code } = await initiate('tv', SHORT);
    await new Promise((r) => setTimeout(r, 2100));
    assertProtocolError(await poll(code, 'tv', SHORT), 400, 'expired_token');
  });

  it('the user declines: access_denied for the device', async (t) => {
    const tab = await openTab(browser, t);
    const { device_code: code, user_code: userCode } = await initiate();
    await enterCode(tab.page, userCode);
    await tab.page.click('#kc-cancel');
    await tab.page.waitForSelector('#kc-device-outcome[data-outcome="denied"]');
    assertProtocolError(await poll(code), 400, 'access_denied');
  });

  it('a client without the grant: refused at the device endpoint and at the token endpoint', async () => {
    assertProtocolError(await postForm(deviceUrl(), { client_id: 'no-device' }), 400, 'unauthorized_client');
    const { device_code: code } = await initiate();
    assertProtocolError(await poll(code, 'no-device'), 400, 'unauthorized_client');
    assertProtocolError(await poll('not-a-code'), 400, 'invalid_grant');
  });

  it('bad input at the device endpoint: errors in RFC 6749 §5.2\'s JSON', async () => {
    assertProtocolError(await postForm(deviceUrl(), { scope: 'openid' }), 401, 'invalid_client');
    assertProtocolError(await postForm(deviceUrl(), { client_id: 'printer', client_secret: 'wrong' }), 401, 'invalid_client');
    assertProtocolError(await postForm(deviceUrl(), { client_id: 'tv', scope: 'no-such-scope' }), 400, 'invalid_scope');
    const json = await fetch(deviceUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"client_id":"tv"}' });
    assert.equal(json.status, 400);
    assert.equal((await json.json() as { error: string }).error, 'invalid_request');
    const twice = await fetch(deviceUrl(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=tv&client_id=tv' });
    assert.equal(twice.status, 400);
    assert.equal((await twice.json() as { error: string }).error, 'invalid_request');
  });

  it('wrong user codes: said so, and after ten from one address the page refuses for a while', async (t) => {
    const tab = await openTab(browser, t);
    const { user_code: userCode } = await initiate();
    let status = 0;
    for (let i = 0; i < 10; i++) {
      const response = await Promise.all([
        tab.page.waitForResponse((r) => r.request().method() === 'POST'),
        (async () => {
          await tab.page.goto(realmUrl(server, REALM, '/device'));
          await tab.page.fill('#device-user-code', 'BBBB-BBBB');
          await tab.page.click('#kc-device-submit');
        })(),
      ]);
      status = response[0].status();
      assert.equal(status, 400);
      assert.ok(await tab.page.isVisible('#input-error'));
    }
    await tab.page.goto(realmUrl(server, REALM, '/device'));
    await tab.page.fill('#device-user-code', userCode);
    const [refused] = await Promise.all([tab.page.waitForResponse((r) => r.request().method() === 'POST'), tab.page.click('#kc-device-submit')]);
    assert.equal(refused.status(), 429, 'even the right code, from an address that guessed too often');
  });
});
