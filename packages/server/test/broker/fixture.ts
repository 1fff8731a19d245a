// The broker suites' stack: a downstream relying party (openid-client) signs in to Latchkey
// A, whose realm `home` brokers to (1) a second Latchkey server B, realm `upstream`, and
// (2) oidc-provider in this process. Started in that order, as each needs the one before's
// address; A's providers are then created through A's admin API, which checks them
// against the upstream's metadata.
import assert from 'node:assert/strict';
import type { IdentityProviderRep } from '../../src/import/identity-providers.js';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { launchBrowser, signIn, type Browser, type Page, type Tab } from '../helpers/browser.js';
import { RelyingParty, type Flow, type FlowOptions, type Outcome } from '../helpers/relying-party.js';
import { startServer, type StartOptions, type TestServer } from '../helpers/server.js';
import {
  OP_CLIENTS, opSignIn, startMetadataProxy, startOidcProvider, type MetadataProxy, type OidcProviderUpstream,
} from './upstreams.js';

export const HOME = 'home';
export const UPSTREAM = 'upstream';

export const APP = { id: 'app', secret: 'app-secret' } as const;
export const APP_CONSENT = { id: 'app-consent', secret: 'app-consent-secret' } as const;

export const B_CLIENTS = {
  confidential: { id: 'latchkey-a', secret: 'b-secret' },
  basic: { id: 'latchkey-a', secret: 'b-secret' },
  /** Public, and B requires PKCE S256 of it. */
  public: { id: 'latchkey-a-public' },
  /** B asks its users to consent: their "No" is an access_denied. */
  consent: { id: 'latchkey-a-consent', secret: 'b-consent-secret' },
} as const;

/** The user attribute `department` as a claim, in ID tokens and userinfo (both servers' clients have it). */
const departmentMapper = {
  name: 'department', protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-attribute-mapper',
  config: {
    'user.attribute': 'department', 'claim.name': 'department', 'jsonType.label': 'String',
    'id.token.claim': 'true', 'access.token.claim': 'true', 'userinfo.token.claim': 'true',
  },
};

function homeRealm(rp: RelyingParty): object {
  return {
    realm: HOME, enabled: true, displayName: 'Home',
    clients: [
      {
        clientId: APP.id, secret: APP.secret, redirectUris: [rp.redirectUri], protocolMappers: [departmentMapper],
        attributes: { 'pkce.code.challenge.method': 'S256', 'post.logout.redirect.uris': rp.loggedOutUri },
      },
      { clientId: APP_CONSENT.id, name: 'Consent App', secret: APP_CONSENT.secret, consentRequired: true, redirectUris: [rp.redirectUri] },
    ],
    users: [
      { username: 'carol', email: 'carol@example.com', emailVerified: true, firstName: 'Carol', lastName: 'Home', credentials: [{ type: 'password', value: 'carol-pw' }] },
      { username: 'dora', email: 'dora@example.com', firstName: 'Dora', credentials: [{ type: 'password', value: 'dora-pw' }] },
      { username: 'ellen', email: 'ellen@example.com', credentials: [{ type: 'password', value: 'ellen-pw' }] },
    ],
  };
}

function upstreamRealm(home: string): object {
  const brokered = `${home}/broker/*`;
  const common = { redirectUris: [brokered], protocolMappers: [departmentMapper], implicitFlowEnabled: true };
  return {
    realm: UPSTREAM, enabled: true, displayName: 'Upstream',
    clients: [
      { clientId: B_CLIENTS.confidential.id, secret: B_CLIENTS.confidential.secret, ...common, attributes: { 'post.logout.redirect.uris': brokered } },
      { clientId: B_CLIENTS.public.id, publicClient: true, ...common, attributes: { 'pkce.code.challenge.method': 'S256', 'post.logout.redirect.uris': brokered } },
      { clientId: B_CLIENTS.consent.id, name: 'Home at Upstream', secret: B_CLIENTS.consent.secret, consentRequired: true, ...common },
    ],
  };
}

export interface ProviderSpec {
  alias: string;
  upstream: 'b' | 'op';
  /** Default code. */
  responseType?: string;
  responseMode?: 'query' | 'fragment' | 'form_post';
  /** Default on for response types with a code. */
  pkce?: boolean;
  /** Which of the upstream's clients; default the confidential one, client_secret_post. */
  client?: 'confidential' | 'basic' | 'public' | 'consent';
  /** oidc-provider's metadata, altered (see startMetadataProxy). */
  metadata?: Parameters<MetadataProxy['url']>[0];
  /** Merged into the representation (config merged into config). */
  rep?: Partial<IdentityProviderRep>;
}

export interface BrokerStack {
  rp: RelyingParty;
  a: TestServer;
  b: TestServer;
  op: OidcProviderUpstream;
  proxy: MetadataProxy;
  browser: Browser;
  /** A's home realm. */
  issuer: string;
  aAdmin: AdminApi;
  bAdmin: AdminApi;
  /** The provider's representation as the fixture posts it. */
  providerRep(spec: ProviderSpec): IdentityProviderRep;
  /** Creates a user at B with a password (its username, reversed, plus -pw). */
  addUpstreamUser(username: string, fields?: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

export const upstreamPassword = (username: string) => `${[...username].reverse().join('')}-pw`;

export interface StackOptions {
  /** Aliases of providers of A's home realm the test creates itself at oidc-provider (its redirect URIs are fixed at start). */
  opAliases?: string[];
  /** The same for providers of other realms of A. */
  opBrokers?: Array<{ realm: string; alias: string }>;
  a?: StartOptions;
}

export async function startBrokerStack(specs: ProviderSpec[], opts: StackOptions = {}): Promise<BrokerStack> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  // Chromium starts while the servers do (a failed launch is reported where it is awaited).
  const launching = launchBrowser();
  launching.catch(() => undefined);
  stops.push(() => launching.then((browser) => browser.close()));
  try {
    const rp = await RelyingParty.listen();
    stops.push(() => rp.stop());
    const a = await startServer({ ...opts.a, realms: [homeRealm(rp)] });
    stops.push(() => a.stop());
    const issuer = a.issuer(HOME);
    const b = await startServer({ realms: [upstreamRealm(issuer)] });
    stops.push(() => b.stop());
    const brokers = [
      ...[...specs.filter((spec) => spec.upstream === 'op').map((spec) => spec.alias), ...(opts.opAliases ?? [])].map((alias) => ({ realm: HOME, alias })),
      ...(opts.opBrokers ?? []),
    ].map(({ realm, alias }) => `${a.issuer(realm)}/broker/${alias}/endpoint`);
    const op = await startOidcProvider(brokers, brokers.map((endpoint) => `${endpoint}/logout_response`));
    stops.push(() => op.stop());
    const proxy = await startMetadataProxy(op.issuer);
    stops.push(() => proxy.stop());
    const aAdmin = adminApi(a, await masterAdminToken(a));
    const bAdmin = adminApi(b, await masterAdminToken(b));

    const providerRep = (spec: ProviderSpec): IdentityProviderRep => {
      const type = spec.responseType ?? 'code';
      const kind = spec.client ?? 'confidential';
      const upstream = spec.upstream === 'b'
        ? { issuer: b.issuer(UPSTREAM), client: B_CLIENTS[kind] }
        : { issuer: op.issuer, client: kind === 'basic' ? OP_CLIENTS.basic : kind === 'public' ? OP_CLIENTS.public : OP_CLIENTS.post };
      const secret = 'secret' in upstream.client ? upstream.client.secret : undefined;
      return {
        alias: spec.alias,
        displayName: `Upstream ${spec.alias}`,
        providerId: 'oidc',
        enabled: true,
        responseType: type,
        ...(spec.responseMode ? { responseMode: spec.responseMode } : {}),
        claimMappers: [{ name: 'department', claim: 'department', userAttribute: 'department' }],
        ...spec.rep,
        config: {
          clientId: upstream.client.id,
          ...(secret ? { clientSecret: secret } : {}),
          clientAuthMethod: !secret ? 'none' : kind === 'basic' ? 'client_secret_basic' : 'client_secret_post',
          issuer: upstream.issuer,
          defaultScope: 'openid email profile',
          pkceEnabled: String(spec.pkce ?? type.includes('code')),
          ...(spec.metadata ? { metadataDescriptorUrl: proxy.url(spec.metadata) } : {}),
          ...spec.rep?.config,
        },
      };
    };
    for (const spec of specs) {
      const res = await aAdmin.post(`/realms/${HOME}/identity-provider/instances`, providerRep(spec));
      assert.equal(res.status, 201, `creating provider ${spec.alias}: ${res.status} ${res.text}`);
    }
    await rp.connect(issuer, { [APP.id]: APP.secret, [APP_CONSENT.id]: APP_CONSENT.secret });
    const browser = await launching;

    return {
      rp, a, b, op, proxy, browser, issuer, aAdmin, bAdmin, providerRep,
      async addUpstreamUser(username, fields = {}) {
        return bAdmin.create(`/realms/${UPSTREAM}/users`, {
          username, enabled: true, credentials: [{ type: 'password', value: upstreamPassword(username), temporary: false }], ...fields,
        });
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** How a test signs in at the upstream once the browser is on its login page. */
export type UpstreamLogin = (page: Page) => Promise<void>;

export const atB = (username: string): UpstreamLogin => (page) => signIn(page, username, upstreamPassword(username));
export const atOp = (login: string): UpstreamLogin => (page) => opSignIn(page, login);

/** The downstream app's authorization request, through the provider's button on A's login page, and the sign-in there when `login` is given. */
export async function throughProvider(s: BrokerStack, tab: Tab, alias: string, login?: UpstreamLogin, flow: Partial<FlowOptions> = {}): Promise<Flow> {
  const f = await s.rp.start({ clientId: APP.id, ...flow });
  await tab.page.goto(f.url);
  await tab.page.click(`[id="social-${alias}"]`);
  if (login) await login(tab.page);
  return f;
}

/** From the downstream app's authorization request to its outcome, through the provider's button on A's login page. */
export async function signInVia(s: BrokerStack, tab: Tab, alias: string, login: UpstreamLogin, flow: Partial<FlowOptions> = {}): Promise<Outcome> {
  const outcome = await (await throughProvider(s, tab, alias, login, flow)).outcome();
  // The app has the response; let its page finish loading, so the test's next navigation is not cut short.
  await tab.page.waitForURL((url) => url.origin === s.rp.origin, { waitUntil: 'load' });
  return outcome;
}

/** A's users of that username (exact), as the admin API shows them. */
export async function homeUser(s: BrokerStack, username: string): Promise<any> {
  const res = await s.aAdmin.get(`/realms/${HOME}/users?username=${encodeURIComponent(username)}&exact=true`);
  assert.equal(res.status, 200, res.text);
  return res.json[0];
}

/** The text of A's error page, once the browser shows one. */
export async function errorPageText(page: Page): Promise<string> {
  await page.waitForSelector('#kc-error-message');
  return (await page.textContent('#kc-error-message'))?.replace(/\s+/g, ' ').trim() ?? '';
}
