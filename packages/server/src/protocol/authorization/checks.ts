import type { ClientRuntime, Domain, RealmRuntime } from '../../domain/index.js';
import type { ClaimsRequest } from '../claims.js';
import { OAuthError, invalidRequest } from '../errors.js';
import { readIdTokenHint } from '../id-token-hint.js';
import { redirectUriAllowed } from '../redirect-uris.js';
import { OPENID, grantedScopes } from '../scopes.js';
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

export const checkRequestObject: Check = (ctx) => {
  if (ctx.params.request !== undefined) throw new OAuthError('request_not_supported', 'Request objects are not supported');
  if (ctx.params.request_uri !== undefined) throw new OAuthError('request_uri_not_supported', 'request_uri is not supported');
};

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

export const checkHints: Check = (ctx) => {
  ctx.request.loginHint = single(ctx, 'login_hint');
  ctx.request.uiLocales = single(ctx, 'ui_locales');
  const acr = single(ctx, 'acr_values');
  ctx.request.acrValues = acr ? acr.split(' ').filter(Boolean) : undefined;
};

/**
 * The authorization request, one named check at a time. The first two decide
 * whether errors may be redirected at all; the order of the rest is the order
 * errors are reported in.
 */
export const authorizationChecks: ReadonlyArray<readonly [string, Check]> = [
  ['client', checkClient],
  ['redirect_uri', checkRedirectUri],
  ['state', checkState],
  ['response_mode', checkResponseMode],
  ['request object', checkRequestObject],
  ['response_type', checkResponseType],
  ['scope', checkScope],
  ['nonce', checkNonce],
  ['pkce', checkPkce],
  ['prompt', checkPrompt],
  ['max_age', checkMaxAge],
  ['claims', checkClaims],
  ['id_token_hint', checkIdTokenHint],
  ['hints', checkHints],
];

export async function validateAuthorizationRequest(ctx: CheckContext): Promise<AuthorizationRequest> {
  for (const [, check] of authorizationChecks) await check(ctx);
  return ctx.request as AuthorizationRequest;
}

