// The relying-party side of identity brokering: Latchkey as the client of another OpenID
// provider. openid-client (certified) does the protocol work: discovery, the authorization
// request, state, nonce, PKCE, the ID token's signature and claims, c_hash, the code
// exchange, userinfo. What it leaves to its caller is done here: at_hash (it does not check
// it), azp when the audience is only us, and the response types carrying an access token.
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';
import { sha256 } from '../crypto/random.js';
import { TtlCache } from '../domain/cache.js';
import type { UpstreamIdentity } from '../domain/identity-providers.js';
import type { Domain, RealmRuntime } from '../domain/index.js';
import type { DiscoveredEndpoints, IdentityProviderRecord, IdentityProviderSettings, InteractionRecord } from '../storage/store.js';
import { identityFromClaims, UnusableClaimError } from './claims.js';
import { outboundFetch, PrivateAddressError } from './outbound.js';
import {
  checkMetadata, checkSettings, metadataUrlOf, ProviderSettingsError, returnsAccessToken, returnsCode, secureUrl,
} from './settings.js';

export { ProviderSettingsError } from './settings.js';

/** What the callback needs of the request that went out, sealed in the broker state. */
export interface SignInState {
  kind: 'sign-in';
  nonce: string;
  codeVerifier?: string;
  /** Exactly as sent: the token request repeats it. */
  redirectUri: string;
  /** Keycloak's client-initiated account linking: the provider's account goes to this signed-in user, not a sign-in. */
  link?: AccountLinkTarget;
}

/** Whom a client-initiated account link is for (the user of the browser's session), and where the browser goes back to. */
export interface AccountLinkTarget {
  userId: string;
  sessionId: string;
  clientId: string;
  redirectUri: string;
}

/** Where the browser goes once the provider has ended its session too. */
export interface LogoutState {
  kind: 'logout';
  next?: string;
}

/**
 * A sign-in at the provider that did not work, for the page the user sees and the
 * IDENTITY_PROVIDER_LOGIN_ERROR event: `error` is a code (the provider's own, or
 * Latchkey's), `detail` a fixed text of Latchkey's or openid-client's, never the provider's.
 */
export class BrokerError extends Error {
  override name = 'BrokerError';
  constructor(
    readonly error: string,
    readonly messageKey: 'brokerDenied' | 'brokerRefused' | 'brokerInvalidResponse' | 'brokerUnavailable',
    readonly status: number,
    readonly detail?: string,
  ) {
    super(`${error}${detail ? `: ${detail}` : ''}`);
  }
}

const HYBRID = new Set(['code id_token', 'code id_token token']);
const IMPLICIT = new Set(['id_token', 'id_token token']);
/** Metadata is re-read after this, and at once when the provider's settings change. */
const METADATA_TTL_MS = 10 * 60_000;
/** How long a request to the provider may take (discovery, token, userinfo): openid-client's timeout. */
const TIMEOUT_SECONDS = 10;

/** OIDC Core §3.2.2.9 / §3.3.2.11: base64url of the left half of the hash the ID token's algorithm uses. */
function halfHash(value: string, alg: unknown): string | undefined {
  const bits = typeof alg === 'string' ? (/^(?:RS|PS|ES)(256|384|512)$/.exec(alg)?.[1] ?? (alg === 'EdDSA' || alg === 'Ed25519' ? '512' : undefined)) : undefined;
  if (!bits) return undefined;
  const digest = createHash(`sha${bits}`).update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

const invalid = (detail: string) => new BrokerError('invalid_provider_response', 'brokerInvalidResponse', 400, detail);

/** The ID token's at_hash matches the access token; `required` when the response type demands it. */
function checkAtHash(idToken: string, accessToken: string, required: boolean): void {
  const { at_hash: atHash } = decodeJwt(idToken);
  if (atHash === undefined && !required) return;
  if (typeof atHash !== 'string') throw invalid('the ID token has no at_hash claim, which this response type requires');
  if (atHash !== halfHash(accessToken, decodeProtectedHeader(idToken).alg)) throw invalid('the ID token\'s at_hash does not match the access token');
}

const NETWORK_CODES = new Set([PrivateAddressError.CODE, 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

function unreachable(err: unknown): boolean {
  for (let e = err as { name?: string; code?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || (e.code && NETWORK_CODES.has(e.code)) || e.message === 'fetch failed') return true;
    if (e.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') return true;
  }
  return false;
}

/**
 * openid-client's own text of what failed: the innermost library message (never the provider's
 * text); a refused address is not named, as where a name resolves is not the admin's to learn.
 */
function reasonOf(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  if (refusedAddress(err) !== undefined) return 'the provider\'s address is not public (see --allow-private-outbound)';
  const inner = e.cause && typeof e.cause === 'object' && typeof e.cause.message === 'string' ? e.cause.message : undefined;
  return (inner ?? e.message ?? String(err)).slice(0, 200);
}

/** The address refused, if that is what failed: for the debug log only. */
function refusedAddress(err: unknown): string | undefined {
  for (let e = err as { cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e instanceof PrivateAddressError) return e.address;
  }
  return undefined;
}

/** Latin letters, digits and _ only: what an error code may be before it reaches a page or an event. */
const errorCode = (value: string | undefined) => (value && /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : 'invalid_request');

/** Any failure of a round trip to the provider as a BrokerError. */
function asBrokerError(err: unknown): BrokerError {
  if (err instanceof BrokerError) return err;
  if (err instanceof client.AuthorizationResponseError) {
    const code = errorCode(err.error);
    return code === 'access_denied' ? new BrokerError(code, 'brokerDenied', 403, code) : new BrokerError(code, 'brokerRefused', 400, code);
  }
  if (unreachable(err)) return new BrokerError('identity_provider_unavailable', 'brokerUnavailable', 502, reasonOf(err));
  if (err instanceof UnusableClaimError || err instanceof ProviderSettingsError) return invalid(err.message);
  return invalid(reasonOf(err));
}

/**
 * Discovers each provider once (per settings: a change is a new entry) and keeps the
 * openid-client configuration, with the provider's keys, for METADATA_TTL_MS.
 */
export class Broker {
  private readonly configs = new TtlCache<client.Configuration>(METADATA_TTL_MS);
  /** Every request to a provider goes through it: discovery, keys, token, userinfo. */
  private readonly fetch: ReturnType<typeof outboundFetch>;

  /** `allowPrivateOutbound`: providers may be on loopback, private and link-local addresses. */
  constructor(private readonly domain: Domain, private readonly log: FastifyBaseLogger, allowPrivateOutbound: boolean) {
    this.fetch = outboundFetch(allowPrivateOutbound);
  }

  /** The callback the provider sends the browser to: Keycloak's path, so registrations move over. */
  static redirectUri(realm: RealmRuntime, alias: string): string {
    return `${realm.issuer}/broker/${encodeURIComponent(alias)}/endpoint`;
  }

  /** Where the provider's logout sends the browser back to (Keycloak's path too). */
  static logoutResponseUri(realm: RealmRuntime, alias: string): string {
    return `${Broker.redirectUri(realm, alias)}/logout_response`;
  }

  /**
   * Checks settings before they are saved: the rules of their own, then the provider's
   * metadata (fetched now) against them. Returns the endpoints discovered; throws
   * ProviderSettingsError saying what is wrong.
   */
  async check(alias: string, settings: IdentityProviderSettings, secret: string | undefined): Promise<DiscoveredEndpoints> {
    checkSettings(settings, alias, secret !== undefined);
    let config: client.Configuration;
    try {
      config = await this.discover(settings, secret);
    } catch (err) {
      if (err instanceof ProviderSettingsError) throw err;
      // One message whatever went wrong, with nothing of the answer: a refused address, a
      // closed port and a service that is no provider look alike to whoever saves settings.
      this.log.debug({ url: metadataUrlOf(settings), reason: reasonOf(err), address: refusedAddress(err) }, 'identity provider metadata not fetched');
      throw new ProviderSettingsError(`the provider's metadata could not be fetched from ${metadataUrlOf(settings)}`);
    }
    return checkMetadata(settings, config.serverMetadata());
  }

  /** Forgets a provider's metadata, e.g. when it was saved (a change of settings alone already does). */
  invalidate(): void {
    this.configs.invalidate();
  }

  private async configuration(provider: IdentityProviderRecord): Promise<client.Configuration> {
    const key = `${provider.id}\u0000${sha256(JSON.stringify(provider.settings) + (provider.sealedClientSecret ?? ''))}`;
    return this.configs.get(key, async () => this.discover(provider.settings, await this.domain.identityProviders.secretOf(provider)));
  }

  private async discover(s: IdentityProviderSettings, secret: string | undefined): Promise<client.Configuration> {
    const url = secureUrl(metadataUrlOf(s), 'config.metadataDescriptorUrl');
    const auth = s.clientAuthMethod === 'client_secret_basic' ? client.ClientSecretBasic(secret)
      : s.clientAuthMethod === 'client_secret_post' ? client.ClientSecretPost(secret) : client.None();
    const config = await client.discovery(url, s.clientId, secret, auth, {
      execute: url.protocol === 'http:' ? [client.allowInsecureRequests] : [],
      timeout: TIMEOUT_SECONDS,
      ...(this.fetch ? { [client.customFetch]: this.fetch } : {}),
    });
    const metadata = config.serverMetadata();
    const endpoints = checkMetadata(s, metadata);
    // Plain http only to this machine: checkMetadata refused it anywhere else.
    if (Object.values(endpoints).some((e) => e.startsWith('http:'))) client.allowInsecureRequests(config);
    if (IMPLICIT.has(s.responseType)) client.useIdTokenResponseType(config);
    if (HYBRID.has(s.responseType)) client.useCodeIdTokenResponseType(config);
    // ID tokens from the token endpoint are verified against the provider's keys too, not only the front channel's.
    if (returnsCode(s.responseType)) client.enableNonRepudiationChecks(config);
    return config;
  }

  /** The authorization request to send the browser to, its state remembered with the interaction (a sign-in) or the link's target. */
  async authorizationUrl(realm: RealmRuntime, provider: IdentityProviderRecord,
    binding: { interaction: InteractionRecord } | { link: AccountLinkTarget }): Promise<string> {
    let config: client.Configuration;
    try {
      config = await this.configuration(provider);
    } catch (err) {
      throw asBrokerError(err);
    }
    const s = provider.settings;
    const state: SignInState = {
      kind: 'sign-in', nonce: client.randomNonce(), redirectUri: Broker.redirectUri(realm, provider.alias),
      ...('link' in binding ? { link: binding.link } : {}),
    };
    const params: Record<string, string> = { redirect_uri: state.redirectUri, scope: s.scope, response_type: s.responseType, nonce: state.nonce };
    if (s.responseMode) params.response_mode = s.responseMode;
    if (s.pkce && returnsCode(s.responseType)) {
      state.codeVerifier = client.randomPKCECodeVerifier();
      params.code_challenge = await client.calculatePKCECodeChallenge(state.codeVerifier);
      params.code_challenge_method = 'S256';
    }
    params.state = await this.domain.identityProviders.saveState(realm.realm, provider, state, 'interaction' in binding ? { interaction: binding.interaction } : {});
    return client.buildAuthorizationUrl(config, params).href;
  }

  /**
   * Validates the provider's response (whichever way it came: query, fragment or form_post)
   * and returns who signed in. Throws BrokerError.
   */
  async signedIn(provider: IdentityProviderRecord, state: SignInState, params: URLSearchParams): Promise<UpstreamIdentity> {
    try {
      return await this.validate(provider, state, params);
    } catch (err) {
      throw asBrokerError(err);
    }
  }

  private async validate(provider: IdentityProviderRecord, state: SignInState, params: URLSearchParams): Promise<UpstreamIdentity> {
    const config = await this.configuration(provider);
    const s = provider.settings;
    const type = s.responseType;
    const expectedState = params.get('state') ?? undefined;
    // openid-client reads implicit and hybrid responses from the fragment, code responses from the query.
    const current = new URL(state.redirectUri);
    if (IMPLICIT.has(type) || HYBRID.has(type)) current.hash = params.toString();
    else current.search = params.toString();

    let claims: Record<string, unknown>;
    let idToken: string;
    let accessToken: string | undefined;
    const frontToken = params.get('access_token') ?? undefined;
    if (returnsAccessToken(type) && !frontToken) throw invalid(`the response has no access_token, which responseType ${type} requires`);

    if (IMPLICIT.has(type)) {
      claims = await client.implicitAuthentication(config, current, state.nonce, { expectedState });
      idToken = params.get('id_token')!;
      if (frontToken) {
        checkAtHash(idToken, frontToken, true);
        accessToken = frontToken;
      }
    } else {
      const tokens = await client.authorizationCodeGrant(config, current, {
        expectedState, expectedNonce: state.nonce, pkceCodeVerifier: state.codeVerifier, idTokenExpected: true,
      });
      claims = tokens.claims() as Record<string, unknown>;
      idToken = tokens.id_token!;
      accessToken = tokens.access_token;
      checkAtHash(idToken, accessToken, false);
      const front = params.get('id_token');
      if (HYBRID.has(type) && front) {
        // Core §3.3.2.12: the front channel's ID token (verified, c_hash too, by openid-client) is about the same user.
        const frontClaims = decodeJwt(front);
        if (frontClaims.iss !== claims.iss || frontClaims.sub !== claims.sub) throw invalid('the two ID tokens are not about the same user');
        if (frontToken) checkAtHash(front, frontToken, true);
      }
    }
    // Core §3.1.3.7: an azp must be us, even with us as the only audience.
    if (claims.azp !== undefined && claims.azp !== s.clientId) throw invalid('the ID token\'s azp is another client');

    let all = claims;
    if (s.userInfo && accessToken && config.serverMetadata().userinfo_endpoint) {
      const info = await client.fetchUserInfo(config, accessToken, String(claims.sub));
      // The ID token is signed: where both say something, it wins.
      all = { ...info, ...claims };
    }
    return identityFromClaims(s, all, idToken);
  }

  /** The provider's end_session_endpoint, when it has one and can be reached. */
  async endSessionEndpoint(provider: IdentityProviderRecord): Promise<string | undefined> {
    try {
      return (await this.configuration(provider)).serverMetadata().end_session_endpoint;
    } catch {
      return undefined;
    }
  }

  /**
   * The provider's end-session URL for a session that began there (id_token_hint, and back to
   * our logout_response with a state naming where to go then), or undefined when the provider
   * has no end_session_endpoint or cannot be reached: the local logout stands alone then.
   */
  async logoutUrl(realm: RealmRuntime, provider: IdentityProviderRecord, idToken: string, next: string | undefined): Promise<string | undefined> {
    if (!(await this.endSessionEndpoint(provider))) return undefined;
    const config = await this.configuration(provider);
    const state: LogoutState = { kind: 'logout', next };
    const key = await this.domain.identityProviders.saveState(realm.realm, provider, state, {});
    return client.buildEndSessionUrl(config, {
      id_token_hint: idToken, post_logout_redirect_uri: Broker.logoutResponseUri(realm, provider.alias), state: key,
    }).href;
  }
}
