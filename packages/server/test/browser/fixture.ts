// The realm every browser suite signs in to, and the pieces each suite starts:
// the relying party first (its port is in the redirect URIs), then the server
// with the realm imported, then Chromium.
import { launchBrowser, type Browser } from '../helpers/browser.js';
import { RelyingParty } from '../helpers/relying-party.js';
import { startServer, type TestServer } from '../helpers/server.js';

export const REALM = 'web';

export const SECRETS = {
  'rp-code': 'rp-code-secret',
  'rp-public-plain': undefined,
  'rp-hybrid': 'rp-hybrid-secret',
  'rp-consent': 'rp-consent-secret',
  'rp-api': 'rp-api-secret',
} as const;

/** A small logo as a data: URI, which the pages' CSP (img-src 'self' https: data:) allows without network. */
export const LOGO = 'data:image/svg+xml;base64,' + Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
  + '<rect width="64" height="64" rx="14" fill="#2d6cdf"/>'
  + '<text x="32" y="42" font-family="sans-serif" font-size="26" font-weight="bold" fill="#fff" text-anchor="middle">RP</text></svg>',
).toString('base64');

export const CONSENT_TEXTS = {
  en: { profile: 'Read your profile (en)', email: 'Read your email (en)' },
  de: { profile: 'Profil lesen (de)', email: 'E-Mail lesen (de)' },
};

/** rp-api's texts: its own API line in English; in German none, so the theme's (seed 001's API consent). */
export const API_CONSENT_TEXTS = {
  en: { profile: 'Read your profile (api, en)', api: 'Call the Orders API for you (en)' },
  de: { profile: 'Profil lesen (api, de)' },
};

export function webRealm(rp: RelyingParty): object {
  const redirectUris = [rp.redirectUri];
  return {
    realm: REALM,
    enabled: true,
    displayName: 'Web Test Realm',
    clients: [
      {
        clientId: 'rp-code', name: 'Code RP', publicClient: false, secret: SECRETS['rp-code'], standardFlowEnabled: true, redirectUris,
        attributes: { 'pkce.code.challenge.method': 'S256', 'post.logout.redirect.uris': rp.loggedOutUri },
      },
      {
        clientId: 'rp-public-plain', publicClient: true, standardFlowEnabled: true, redirectUris,
        attributes: { 'pkce.code.challenge.method': 'plain' },
      },
      {
        clientId: 'rp-hybrid', publicClient: false, secret: SECRETS['rp-hybrid'], standardFlowEnabled: true, implicitFlowEnabled: true,
        redirectUris,
      },
      {
        clientId: 'rp-consent', name: 'Consent RP', publicClient: false, secret: SECRETS['rp-consent'], standardFlowEnabled: true,
        consentRequired: true, redirectUris, attributes: { logoUri: LOGO },
        // Latchkey extension beside Keycloak's fields.
        consentTexts: CONSENT_TEXTS,
      },
      {
        // Reaches an API on the user's behalf (an audience mapper), so its consent page has an API line.
        clientId: 'rp-api', name: 'API RP', publicClient: false, secret: SECRETS['rp-api'], standardFlowEnabled: true,
        consentRequired: true, redirectUris, consentTexts: API_CONSENT_TEXTS,
        protocolMappers: [{
          name: 'orders audience', protocolMapper: 'oidc-audience-mapper',
          config: { 'included.custom.audience': 'https://orders.example', 'access.token.claim': 'true' },
        }],
      },
    ],
    users: [
      {
        username: 'alice', enabled: true, email: 'alice@example.com', emailVerified: true, firstName: 'Alice', lastName: 'Liddell',
        credentials: [{ type: 'password', value: 'alice-pw' }],
      },
      { username: 'bob', enabled: false, email: 'bob@example.com', firstName: 'Bob', credentials: [{ type: 'password', value: 'bob-pw' }] },
    ],
  };
}

export interface Stack {
  rp: RelyingParty;
  server: TestServer;
  browser: Browser;
  issuer: string;
  stop(): Promise<void>;
}

/** `realm` adds to (or changes) the web realm's fields; `args` go to the server's command line. */
export async function startStack(opts: { realm?: object; args?: string[] } = {}): Promise<Stack> {
  const rp = await RelyingParty.listen();
  // Chromium starts while the server does: neither waits on the other.
  const [server, browser] = await Promise.allSettled([
    startServer({ realms: [{ ...webRealm(rp), ...opts.realm }], args: opts.args }), launchBrowser(),
  ]);
  try {
    if (server.status === 'rejected') throw server.reason;
    if (browser.status === 'rejected') throw browser.reason;
    const s = server.value;
    await rp.connect(s.issuer(REALM), { ...SECRETS });
    return {
      rp, server: s, browser: browser.value, issuer: s.issuer(REALM),
      async stop() {
        await browser.value.close().catch(() => undefined);
        await s.stop();
        await rp.stop();
      },
    };
  } catch (err) {
    if (browser.status === 'fulfilled') await browser.value.close().catch(() => undefined);
    if (server.status === 'fulfilled') await server.value.stop();
    await rp.stop();
    throw err;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when a URL is one of the server's sign-in pages. */
export const isLoginAction = (url: string) => url.includes(`/realms/${REALM}/login-actions/`);
