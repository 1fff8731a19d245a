import { decodeProtectedHeader } from 'jose';
import { APPLICATION_INITIATED_ACTIONS } from '../../domain/authentication/index.js';
import type { ClientRuntime, Domain, RealmRuntime } from '../../domain/index.js';
import { RequestUriUnavailable } from '../../domain/client-outbound.js';
import { PUSHED_REQUEST_URN } from '../../domain/single-use.js';
import { now } from '../../domain/time.js';
import { clientOAuthPolicy } from '../client-attributes.js';
import type { ClaimsRequest } from '../claims.js';
import { enforceClientPolicies, type PolicyAuthentication } from '../client-policies.js';
import { isJkt } from '../dpop.js';
import { OAuthError, invalidRequest } from '../errors.js';
import { readIdTokenHint } from '../id-token-hint.js';
import { redirectUriAllowed } from '../redirect-uris.js';
import { OPENID, grantedScopes } from '../scopes.js';
import { requestObjectParams } from './request-object.js';
import { RESPONSE_TYPES, canonicalResponseType, returnsCode, returnsIdToken, type AuthorizationRequest } from './request.js';
import { defaultResponseMode, responseModes } from './response-modes.js';

/**
 * Raised before the redirect URI is known to be the client's: the user sees an
 * error page and is never redirected (RFC 6749 §4.1.2.1).
 */
export class UnsafeAuthorizationRequest extends Error {
  constructor(readonly messageKey: 'unknownClient' | 'invalidRedirectUri' | 'invalidRequest', readonly detail: string) {
    super(detail);
  }
}

export interface CheckContext {
  domain: Domain;
  realm: RealmRuntime;
  params: Record<string, unknown>;
  client?: ClientRuntime;
  request: Partial<AuthorizationRequest>;
  /** The request is being pushed (RFC 9126), not sent by the browser. */
  pushing?: boolean;
  /** The browser brought the request_uri of a pushed request: the parameters are the pushed ones. */
  viaPushedRequest?: boolean;
  /** How the pushing client authenticated, for the client policies. */
  authentication?: PolicyAuthentication;
  /** The algorithm the request object was signed with, when the parameters came in one. */
  requestObjectAlg?: string;
}

export type Check = (ctx: CheckContext) => void | Promise<void>;

function single(ctx: CheckContext, name: string): string | undefined {
  const value = ctx.params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Parameter ${name} must be given once`);
  if (value.includes('\u0000')) throw invalidRequest(`Parameter ${name} contains a NUL character`);
  return value;
}

export const checkClient: Check = async (ctx) => {
  const clientId = ctx.params.client_id;
  if (typeof clientId !== 'string' || !clientId) throw new UnsafeAuthorizationRequest('unknownClient', 'client_id is missing or given more than once');
  const client = await ctx.domain.clients.runtime(ctx.realm.realm.id, clientId);
  if (!client || !client.record.enabled) throw new UnsafeAuthorizationRequest('unknownClient', clientId);
  ctx.client = client;
  ctx.request.clientId = clientId;
};

export const checkRedirectUri: Check = (ctx) => {
  const uri = ctx.params.redirect_uri;
  if (typeof uri !== 'string' || !uri) throw new UnsafeAuthorizationRequest('invalidRedirectUri', 'redirect_uri is missing or given more than once');
  if (!redirectUriAllowed(ctx.client!.record.settings.redirectUris, uri, ctx.realm.realm.settings.sslRequired, ctx.realm.base)) {
    throw new UnsafeAuthorizationRequest('invalidRedirectUri', uri);
  }
  ctx.request.redirectUri = uri;
};

/** Decided early so that every later error can be redirected in the right mode. */
export const checkResponseMode: Check = (ctx) => {
  const rawType = typeof ctx.params.response_type === 'string' ? canonicalResponseType(ctx.params.response_type) : undefined;
  const asked = typeof ctx.params.response_mode === 'string' ? ctx.params.response_mode : undefined;
  const fallback = defaultResponseMode(rawType);
  ctx.request.responseMode = asked && responseModes.has(asked) ? asked : fallback;
  if (asked !== undefined && !responseModes.has(asked)) throw invalidRequest(`Unsupported response_mode "${asked}"`);
  // Tokens must never travel in a query string (Multiple Response Types §2.1).
  if (asked === 'query' && fallback !== 'query') {
    ctx.request.responseMode = fallback;
    throw invalidRequest('response_mode query is not allowed for response types that return tokens');
  }
};

/**
 * Where the parameters come from: a pushed request its request_uri names (RFC 9126 §4), a
 * request object (RFC 9101), or the request itself; and whether the client may send them
 * so (Keycloak's require.pushed.authorization.requests and request.object.required). Runs
 * before the redirect URI is known: its errors go to the request's own redirect_uri (with its
 * state) when that is one of the client's, and are shown otherwise.
 */
export const checkRequestObject: Check = async (ctx) => {
  try {
    await resolveParams(ctx);
  } catch (err) {
    if (err instanceof OAuthError && !ctx.pushing) {
      try {
        checkRedirectUri(ctx);
        checkState(ctx);
        checkResponseMode(ctx);
      } catch {
        // The error is shown instead, or goes where the redirect URI and state already checked say.
      }
    }
    throw err;
  }
};

async function resolveParams(ctx: CheckContext): Promise<void> {
  const client = ctx.client!;
  const policy = clientOAuthPolicy(client.record.settings);
  const { request, request_uri: requestUri } = ctx.params;
  if (request !== undefined && requestUri !== undefined) throw invalidRequest('request and request_uri cannot both be given');
  if (ctx.pushing) {
    // RFC 9126 §2.1: a pushed request cannot point at another.
    if (requestUri !== undefined) throw invalidRequest('request_uri is not allowed in a pushed authorization request');
    // The request_uri the push returns is what `request_uri only` asks for.
    if (request === undefined && (policy.requestObjectRequired === 'request only' || policy.requestObjectRequired === 'request or request_uri')) {
      throw invalidRequest('This client must send its authorization request as a request object');
    }
  } else if (typeof requestUri === 'string' && requestUri.startsWith(PUSHED_REQUEST_URN)) {
    ctx.params = await pushedParams(ctx, requestUri);
    ctx.viaPushedRequest = true;
    return;
  } else {
    if (policy.requirePar) throw invalidRequest('This client must push its authorization requests (PAR) and send their request_uri');
    const missing = {
      'not required': false,
      'request or request_uri': request === undefined && requestUri === undefined,
      'request only': request === undefined,
      'request_uri only': requestUri === undefined,
    }[policy.requestObjectRequired];
    if (missing) throw invalidRequest(`This client must send its authorization request as a request object (${policy.requestObjectRequired})`);
  }
  const jwt = requestUri !== undefined ? await referencedRequestObject(ctx, requestUri, policy.requestUris) : request;
  if (jwt === undefined) return;
  if (typeof jwt !== 'string') throw invalidRequest('Parameter request must be given once');
  ctx.params = await requestObjectParams(ctx.domain, ctx.realm, client, jwt);
  ctx.requestObjectAlg = decodeProtectedHeader(jwt).alg;
}

/**
 * RFC 9101 §5.2: the request object at a URL the client registered (Keycloak's request.uris,
 * matched as redirect URIs are), fetched through the SSRF guard. A client that registered
 * none sends its request objects by value or pushes them.
 */
async function referencedRequestObject(ctx: CheckContext, requestUri: unknown, registered: string[]): Promise<string> {
  if (typeof requestUri !== 'string' || !requestUri) throw invalidRequest('Parameter request_uri must be given once');
  if (registered.length === 0) throw new OAuthError('request_uri_not_supported', 'The client registered no request URIs (request.uris)');
  if (!redirectUriAllowed(registered, requestUri, ctx.realm.realm.settings.sslRequired, ctx.realm.base)) {
    throw new OAuthError('invalid_request_uri', 'The request_uri is not one the client registered');
  }
  try {
    return await ctx.domain.clientOutbound.requestObject(requestUri);
  } catch (err) {
    if (err instanceof RequestUriUnavailable) throw new OAuthError('invalid_request_uri', err.message);
    throw err;
  }
}

/** The parameters pushed for this client, checked as they were pushed; the request_uri is used up. */
async function pushedParams(ctx: CheckContext, requestUri: string): Promise<Record<string, string>> {
  const pushed = await ctx.domain.pushedRequests.take(requestUri);
  if (!pushed || pushed.realmId !== ctx.realm.realm.id || pushed.clientUuid !== ctx.client!.record.id) {
    throw new OAuthError('invalid_request_uri', 'The request_uri is unknown or was used before');
  }
  if (pushed.expiresAt <= now()) throw new OAuthError('invalid_request_uri', 'The request_uri has expired');
  return pushed.params;
}

export const checkResponseType: Check = (ctx) => {
  const raw = single(ctx, 'response_type');
  if (!raw) throw invalidRequest('Missing parameter: response_type');
  const type = canonicalResponseType(raw);
  const flows = RESPONSE_TYPES[type];
  if (!flows) throw new OAuthError('unsupported_response_type', `Unsupported response_type "${raw}"`);
  const s = ctx.client!.record.settings;
  if ((flows.code && !s.standardFlow) || (flows.implicit && !s.implicitFlow)) {
    throw new OAuthError('unauthorized_client', `Client is not allowed to use response_type "${type}"`);
  }
  ctx.request.responseType = type;
};

export const checkScope: Check = (ctx) => {
  const scopes = grantedScopes(ctx.client!, single(ctx, 'scope'));
  if (returnsIdToken(ctx.request as AuthorizationRequest) && !scopes.includes(OPENID)) {
    throw invalidRequest('The openid scope is required when an ID token is requested');
  }
  ctx.request.scopes = scopes;
};

export const checkState: Check = (ctx) => {
  ctx.request.state = single(ctx, 'state');
};

export const checkNonce: Check = (ctx) => {
  const nonce = single(ctx, 'nonce');
  // Core §3.2.2.1 / §3.3.2.11: an ID token straight from this endpoint must be bound to a nonce.
  if (!nonce && returnsIdToken(ctx.request as AuthorizationRequest)) throw invalidRequest('Missing parameter: nonce');
  ctx.request.nonce = nonce;
};

export const checkPkce: Check = (ctx) => {
  const challenge = single(ctx, 'code_challenge');
  const method = single(ctx, 'code_challenge_method');
  const required = ctx.client!.record.settings.pkceMethod;
  if (!challenge) {
    if (method) throw invalidRequest('code_challenge_method given without code_challenge');
    if (required && returnsCode(ctx.request as AuthorizationRequest)) throw invalidRequest('Missing parameter: code_challenge (PKCE is required for this client)');
    return;
  }
  const effective = method ?? 'plain';
  if (effective !== 'plain' && effective !== 'S256') throw invalidRequest(`Unsupported code_challenge_method "${effective}"`);
  if (required === 'S256' && effective !== 'S256') throw invalidRequest('This client requires code_challenge_method S256');
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(challenge)) throw invalidRequest('Invalid code_challenge');
  ctx.request.codeChallenge = challenge;
  ctx.request.codeChallengeMethod = effective;
};

const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);

export const checkPrompt: Check = (ctx) => {
  const prompt = (single(ctx, 'prompt') ?? '').split(' ').filter(Boolean);
  const unknown = prompt.filter((p) => !PROMPTS.has(p));
  if (unknown.length > 0) throw invalidRequest(`Unsupported prompt value "${unknown[0]}"`);
  if (prompt.includes('none') && prompt.length > 1) throw invalidRequest('prompt=none cannot be combined with other values');
  ctx.request.prompt = prompt;
};

export const checkMaxAge: Check = (ctx) => {
  const raw = single(ctx, 'max_age');
  if (raw === undefined) return;
  if (!/^\d+$/.test(raw)) throw invalidRequest('max_age must be a non-negative integer');
  ctx.request.maxAge = Number(raw);
};

export const checkClaims: Check = (ctx) => {
  const raw = single(ctx, 'claims');
  if (raw === undefined) return;
  let claims: ClaimsRequest;
  try {
    claims = JSON.parse(raw);
  } catch {
    throw invalidRequest('The claims parameter is not valid JSON');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw invalidRequest('The claims parameter must be a JSON object');
  ctx.request.claims = claims;
};

/** The hint is one of our ID tokens, possibly expired (Core §3.1.2.1). */
export const checkIdTokenHint: Check = async (ctx) => {
  const token = single(ctx, 'id_token_hint');
  if (!token) return;
  const hint = await readIdTokenHint(ctx.realm, token);
  if (!hint) throw invalidRequest('id_token_hint is not a valid ID token of this realm');
  ctx.request.idTokenHintSub = hint.sub;
};

/** RFC 9449 §10: the thumbprint of the DPoP key the client will redeem the code with. */
export const checkDpopJkt: Check = (ctx) => {
  const jkt = single(ctx, 'dpop_jkt');
  if (jkt === undefined) return;
  if (!isJkt(jkt)) throw invalidRequest('dpop_jkt must be the SHA-256 JWK thumbprint of a key, base64url');
  ctx.request.dpopJkt = jkt;
};

export const checkHints: Check = (ctx) => {
  ctx.request.loginHint = single(ctx, 'login_hint');
  ctx.request.uiLocales = single(ctx, 'ui_locales');
  const acr = single(ctx, 'acr_values');
  ctx.request.acrValues = acr ? acr.split(' ').filter(Boolean) : undefined;
  const action = single(ctx, 'kc_action');
  if (action !== undefined) {
    if (!APPLICATION_INITIATED_ACTIONS.includes(action)) throw invalidRequest(`kc_action ${action} is not a required action this server has`);
    ctx.request.kcAction = action;
  }
};

/** The realm's client policies (FAPI 2.0's profiles among them), once the request is known. */
export const checkClientPolicies: Check = (ctx) => enforceClientPolicies(ctx.domain, ctx.realm, ctx.client!, {
  kind: 'authorization', request: ctx.request as AuthorizationRequest, pushed: ctx.pushing === true,
  viaPushedRequest: ctx.viaPushedRequest === true, authentication: ctx.authentication, requestObjectAlg: ctx.requestObjectAlg,
});

/**
 * The authorization request, one named check at a time. The first three decide where
 * the parameters come from and whether errors may be redirected at all; the order of the
 * rest is the order errors are reported in.
 */
export const authorizationChecks: ReadonlyArray<readonly [string, Check]> = [
  ['client', checkClient],
  ['request object', checkRequestObject],
  ['redirect_uri', checkRedirectUri],
  ['state', checkState],
  ['response_mode', checkResponseMode],
  ['response_type', checkResponseType],
  ['scope', checkScope],
  ['nonce', checkNonce],
  ['pkce', checkPkce],
  ['prompt', checkPrompt],
  ['max_age', checkMaxAge],
  ['claims', checkClaims],
  ['id_token_hint', checkIdTokenHint],
  ['hints', checkHints],
  ['dpop_jkt', checkDpopJkt],
  ['client policies', checkClientPolicies],
];

export async function validateAuthorizationRequest(ctx: CheckContext): Promise<AuthorizationRequest> {
  for (const [, check] of authorizationChecks) await check(ctx);
  return ctx.request as AuthorizationRequest;
}

