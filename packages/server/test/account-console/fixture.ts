// What the account console suites share: a realm whose user has a second factor, a link to an
// identity provider and a client that asks for consent; the console at the server's public
// address (localhost), where account-console may redirect; signing in there.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { launchBrowser, openTab, signIn, type Browser, type Page, type Tab } from '../helpers/browser.js';
import { RelyingParty } from '../helpers/relying-party.js';
import { startServer, type TestServer } from '../helpers/server.js';

export const REALM = 'acc';
/** Keycloak's OTP secret: its UTF-8 bytes are the HMAC key. */
const OTP_SECRET = 'JhYJxX8E5Qyf0xxVcd5B';

function accountRealm(rp: RelyingParty): object {
  return {
    realm: REALM, enabled: true, displayName: 'Account Test Realm', rememberMe: true,
    // The suite's other sessions come from the password grant.
    attributes: { passwordGrantWithSecondFactor: 'true' },
    clients: [
      { clientId: 'shop', name: 'Shop', publicClient: false, secret: 'shop-secret', consentRequired: true, redirectUris: [rp.redirectUri] },
      { clientId: 'cli', publicClient: true, directAccessGrantsEnabled: true, standardFlowEnabled: false },
    ],
    identityProviders: [{
      alias: 'partner', displayName: 'Partner Login', providerId: 'oidc', enabled: true,
      config: {
        clientId: 'latchkey', clientSecret: 'partner-secret', authorizationUrl: 'https://partner.example/auth', tokenUrl: 'https://partner.example/token',
        jwksUrl: 'https://partner.example/jwks', issuer: 'https://partner.example', useJwksUrl: 'true', validateSignature: 'true',
      },
    }],
    users: [{
      username: 'ann', enabled: true, email: 'ann@example.com', emailVerified: true, firstName: 'Ann', lastName: 'Able',
      realmRoles: [`default-roles-${REALM}`],
      credentials: [
        { type: 'password', value: 'ann-pw' },
        {
          type: 'otp', userLabel: 'Phone', secretData: JSON.stringify({ value: OTP_SECRET }),
          credentialData: JSON.stringify({ subType: 'totp', digits: 6, counter: 0, period: 30, algorithm: 'HmacSHA1' }),
        },
      ],
      federatedIdentities: [{ identityProvider: 'partner', userId: 'ann-at-partner', userName: 'ann.partner' }],
    }],
  };
}

export interface AccountStack {
  rp: RelyingParty;
  server: TestServer;
  browser: Browser;
  /** The admin API as master's administrator, to see what the console changed. */
  admin: AdminApi;
  /** ann's user id. */
  annId: string;
  stop(): Promise<void>;
}

export async function startAccountStack(): Promise<AccountStack> {
  const rp = await RelyingParty.listen();
  const [server, browser] = await Promise.all([startServer({ realms: [accountRealm(rp)] }), launchBrowser()]);
  await rp.connect(server.issuer(REALM), { shop: 'shop-secret' });
  const admin = adminApi(server, await masterAdminToken(server));
  const annId: string = (await admin.get(`/realms/${REALM}/users?username=ann&exact=true`)).json[0].id;
  return {
    rp, server, browser, admin, annId,
    async stop() {
      await browser.close().catch(() => undefined);
      await server.stop();
      await rp.stop();
    },
  };
}

/** The console at the server's public address. */
export const accountUrl = (s: AccountStack, hash = '') => `http://localhost:${s.server.port}/realms/${REALM}/account/${hash}`;

let step = 0;
/** A fresh code of ann's authenticator (each a later time step: a code signs in once). */
export const otpCode = () => new TOTP({ secret: Secret.fromUTF8(OTP_SECRET), algorithm: 'SHA1', digits: 6, period: 30 })
  .generate({ timestamp: Date.now() + 30_000 * step++ });

/** Signs ann in on the login page the browser is at: password, then her one-time code while she has one. */
export async function signInAnn(page: Page, password = 'ann-pw'): Promise<void> {
  await signIn(page, 'ann', password);
  await page.waitForURL((url) => !url.pathname.endsWith('/login-actions/authenticate'));
  if (!page.url().includes('/login-actions/otp')) return;
  await page.waitForSelector('#kc-otp-login-form');
  await page.fill('#otp', otpCode());
  await page.click('#kc-login');
}

/** A tab signed in to the account console at the size given. */
export async function signedInAccount(s: AccountStack, t: TestContext, size: { width: number; height: number },
  opts: { locale?: string; password?: string } = {}): Promise<Tab> {
  const tab = await openTab(s.browser, t, { locale: opts.locale ?? 'en-US' });
  await tab.page.setViewportSize(size);
  await tab.page.goto(accountUrl(s));
  await tab.page.waitForSelector('#kc-form-login');
  await signInAnn(tab.page, opts.password);
  await tab.page.waitForSelector('#account-page-title');
  assert.equal(await tab.page.textContent('#account-username'), 'ann');
  return tab;
}

/** Whether the page is wider than its window (a phone would scroll sideways). */
export const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
