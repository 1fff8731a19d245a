// Upstream identity providers for the broker tests, besides a second Latchkey server:
// oidc-provider (certified, written by nobody here) in the test process, and a small
// server that serves altered copies of a provider's metadata (other keys, fewer response
// types, no end_session_endpoint) for the failures a real provider should never produce.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { Provider } from 'oidc-provider';
import type { Page } from '../helpers/browser.js';

export const ALL_RESPONSE_TYPES = ['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token'];

export interface OpAccount {
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  name?: string;
  preferred_username?: string;
  phone_number?: string;
  department?: string;
}

export interface OidcProviderUpstream {
  issuer: string;
  /** Claims by login: what findAccount answers (a login without an entry gets claims made from it). */
  accounts: Map<string, OpAccount>;
  stop(): Promise<void>;
}

export const OP_CLIENTS = {
  post: { id: 'latchkey', secret: 'op-post-secret' },
  basic: { id: 'latchkey-basic', secret: 'op-basic-secret' },
  /** A public client: oidc-provider requires PKCE of it. */
  public: { id: 'latchkey-public' },
} as const;

export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The claims of an account: its entry, or claims made from the login. */
export function opClaims(accounts: Map<string, OpAccount>, login: string): Record<string, unknown> {
  return {
    email: `${login}@op.example`, email_verified: true, given_name: `Given ${login}`, family_name: `Family ${login}`,
    preferred_username: login, ...accounts.get(login), sub: login,
  };
}

/**
 * oidc-provider at http://127.0.0.1:<port> (so another site than Latchkey at localhost: a
 * form_post from it comes without Latchkey's SameSite=Lax cookies), with every response
 * type, devInteractions (any login and password), consent skipped, and RP-initiated logout.
 */
export async function startOidcProvider(redirectUris: string[], postLogoutRedirectUris: string[]): Promise<OidcProviderUpstream> {
  const server = createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const accounts = new Map<string, OpAccount>();
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const client = (id: string, secret: string | undefined, method: string) => ({
    client_id: id, ...(secret ? { client_secret: secret } : {}), token_endpoint_auth_method: method,
    redirect_uris: redirectUris, post_logout_redirect_uris: postLogoutRedirectUris,
    response_types: ALL_RESPONSE_TYPES, grant_types: ['authorization_code', 'implicit'],
  });
  const provider = new Provider(issuer, {
    clients: [
      client(OP_CLIENTS.post.id, OP_CLIENTS.post.secret, 'client_secret_post'),
      client(OP_CLIENTS.basic.id, OP_CLIENTS.basic.secret, 'client_secret_basic'),
      client(OP_CLIENTS.public.id, undefined, 'none'),
    ],
    responseTypes: ALL_RESPONSE_TYPES,
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'op-rs256' }] },
    // oidc-provider 8 (9 wants Node 22) with two of 9's defaults: a SameSite=Lax session cookie
    // (8's SameSite=None, without Secure on http, a browser drops) and PKCE required of public
    // clients only (8 requires it of every client).
    cookies: { keys: [randomBytes(32).toString('base64url')], long: { sameSite: 'lax' } },
    pkce: { required: (_ctx: unknown, c: { clientAuthMethod: string }) => c.clientAuthMethod === 'none' },
    claims: {
      openid: ['sub'], email: ['email', 'email_verified'], phone: ['phone_number'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'department'],
    },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => opClaims(accounts, id) }),
    // Every client here is first-party: no consent screen (oidc-provider's "skip consent" recipe).
    loadExistingGrant: async (ctx: any) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile phone');
      await grant.save();
      return grant;
    },
  });
  // oidc-provider's recipe for implicit responses to http://localhost during development.
  const { invalidate } = provider.Client.Schema.prototype;
  provider.Client.Schema.prototype.invalidate = function relaxed(message: string, code?: string) {
    if (code === 'implicit-force-https' || code === 'implicit-forbid-localhost') return;
    invalidate.call(this, message);
  };
  server.on('request', provider.callback());
  return { issuer, accounts, stop: () => close(server) };
}

/** Signs in at oidc-provider's devInteractions login page: any login, any password. */
export async function opSignIn(page: Page, login: string): Promise<void> {
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any-password');
  await page.click('button[type="submit"]');
}

export interface MetadataProxy {
  /** The altered metadata document of a variant: a /.well-known/ URL, as metadataDescriptorUrl needs. */
  url(variant: 'other-keys' | 'code-only' | 'no-logout' | 'other-issuer'): string;
  stop(): Promise<void>;
}

/**
 * Serves a provider's metadata, altered: `other-keys` points jwks_uri at keys that did not
 * sign anything (same kid and alg), so every signature fails; `code-only` supports only
 * response type code; `no-logout` has no end_session_endpoint; `other-issuer` names another issuer.
 */
export async function startMetadataProxy(issuer: string): Promise<MetadataProxy> {
  const original = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
  const realKeys = await (await fetch(String(original.jwks_uri))).json() as { keys: Array<Record<string, unknown>> };
  const impostors = await Promise.all(realKeys.keys.map(async (k) => {
    const { publicKey } = await generateKeyPair(String(k.alg ?? 'RS256'));
    return { ...(await exportJWK(publicKey)), kid: k.kid, alg: k.alg, use: k.use };
  }));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/other-keys/jwks') return json({ keys: impostors });
    const variant = /^\/([a-z-]+)\/\.well-known\/openid-configuration$/.exec(path)?.[1];
    const base = `http://127.0.0.1:${port}`;
    switch (variant) {
      case 'other-keys': return json({ ...original, jwks_uri: `${base}/other-keys/jwks` });
      case 'code-only': return json({ ...original, response_types_supported: ['code'] });
      case 'no-logout': {
        const { end_session_endpoint: _gone, ...rest } = original;
        return json(rest);
      }
      case 'other-issuer': return json({ ...original, issuer: 'https://somewhere-else.example' });
      default:
        res.writeHead(404);
        res.end();
    }
  });
  const port = await listen(server);
  return { url: (variant) => `http://127.0.0.1:${port}/${variant}/.well-known/openid-configuration`, stop: () => close(server) };
}
