// A user moved from Keycloak keeps their authenticator app: Keycloak 26's own realm export
// (shared/fixtures/keycloak, lakekeeper's), its user peter given an OTP credential in the
// shape Keycloak writes one (secretData {"value"}, credentialData with subType, digits, period,
// algorithm), is imported at start; in Chromium peter signs in with his password and a code
// his app computes from the original secret (otpauth), under the file's OTP policy (openid-client
// as the export's public client).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { launchBrowser, noChromium, openTab, screenshot, signIn, type Browser } from '../helpers/browser.js';
import { assertSignedIn, RelyingParty } from '../helpers/relying-party.js';
import { FIXTURES, NO_FIXTURES, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'iceberg';
/** Keycloak's kind of secret: 20 letters and digits whose UTF-8 bytes are the HMAC key. */
const SECRET = 'Qm7xT2pLz9Wc4Rv8Nk3B';

/**
 * The fixture, with the OTP credential a Keycloak 26 export gives a user who set up an app, and
 * its public client sent back to the test's relying party (its `*` is no redirect URI Latchkey takes).
 */
function exportWithOtp(redirectUri: string): { realm: string; otpPolicyLookAheadWindow: number; users: Array<Record<string, any>> } {
  const realm = JSON.parse(readFileSync(join(FIXTURES, 'full-export-kc26-lakekeeper.json'), 'utf8'));
  realm.clients.find((c: { clientId: string }) => c.clientId === 'lakekeeper').redirectUris = [redirectUri];
  const peter = realm.users.find((u: { username: string }) => u.username === 'peter');
  peter.totp = true;
  peter.credentials.push({
    id: '5d0c2f3e-8a41-4b7e-9c62-1f3a5b7d9e20', type: 'otp', userLabel: 'Peter\'s phone', createdDate: 1733667000000,
    secretData: JSON.stringify({ value: SECRET }),
    credentialData: JSON.stringify({ subType: 'totp', digits: 6, counter: 0, period: 30, algorithm: 'HmacSHA1' }),
  });
  return realm;
}

describe('a Keycloak export with OTP credentials, signed in with in Chromium', { skip: NO_FIXTURES || noChromium }, () => {
  let server: TestServer;
  let browser: Browser;
  let rp: RelyingParty;
  const app = new TOTP({ secret: Secret.fromUTF8(SECRET), algorithm: 'SHA1', digits: 6, period: 30 });

  before(async () => {
    rp = await RelyingParty.listen();
    const realm = exportWithOtp(rp.redirectUri);
    // The file's own policy: one step of look-ahead.
    assert.equal(realm.otpPolicyLookAheadWindow, 1);
    [server, browser] = await Promise.all([startServer({ realms: [realm] }), launchBrowser()]);
    // Keycloak's public client of the export, through openid-client.
    await rp.connect(server.issuer(REALM), { lakekeeper: undefined });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await rp?.stop();
  });

  it('peter signs in with his password and a code from the original secret; one from outside the window is refused', async (t) => {
    const { page } = await openTab(browser, t);
    const flow = await rp.start({ clientId: 'lakekeeper' });
    await page.goto(flow.url);
    await signIn(page, 'peter', 'iceberg');
    await page.waitForSelector('#kc-otp-login-form');
    await page.fill('#otp', app.generate({ timestamp: Date.now() + 5 * 60_000 }));
    await page.click('#kc-login');
    await page.waitForSelector('#input-error');
    assert.equal(flow.received, false);
    await page.fill('#otp', app.generate());
    await page.click('#kc-login');
    const outcome = assertSignedIn(await flow.outcome());
    assert.equal(outcome.idToken!.preferred_username, 'peter');
    assert.deepEqual(outcome.idToken!.amr, ['pwd', 'otp', 'mfa']);
    await screenshot(page, 'keycloak-otp-import-signed-in');
  });
});
