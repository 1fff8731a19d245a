import type { ClientSettings } from '../storage/store.js';

/**
 * Keycloak's clientAuthenticatorType: how a confidential client proves itself. client-secret
 * is a shared secret sent as it is (Basic or in the form), client-secret-jwt a JWT signed
 * with it (HS*), client-jwt a JWT signed with the client's private key (private_key_jwt).
 */
export const CLIENT_AUTHENTICATORS = ['client-secret', 'client-jwt', 'client-secret-jwt'] as const;
export type ClientAuthenticator = (typeof CLIENT_AUTHENTICATORS)[number];
/**
 * Keycloak's client-x509 (mutual TLS) too: a realm file with such a client imports, the value
 * is kept, and the client cannot authenticate, rather than fall back to a secret.
 */
export const KEYCLOAK_AUTHENTICATORS = [...CLIENT_AUTHENTICATORS, 'client-x509'] as const;

/** Keycloak's request.object.required values. */
export const REQUEST_OBJECT_REQUIRED = ['not required', 'request or request_uri', 'request only', 'request_uri only'] as const;
export type RequestObjectRequired = (typeof REQUEST_OBJECT_REQUIRED)[number];

/** Algorithms of the signatures made with a client's own keys: client assertions and request objects (RFC 7518, RFC 8037). */
export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
/** client_secret_jwt: HMAC with the client's secret. */
export const SECRET_ALGS = ['HS256', 'HS384', 'HS512'] as const;

/** Keycloak's client attribute names, as realm files and its admin API carry them. */
export const ATTRIBUTES = {
  useJwksUrl: 'use.jwks.url',
  jwksUrl: 'jwks.url',
  useJwksString: 'use.jwks.string',
  jwksString: 'jwks.string',
  /** Keycloak's default for client-jwt when neither JWKS is used: the certificate generated or uploaded on its Keys tab. */
  certificate: 'jwt.credential.certificate',
  authSigningAlg: 'token.endpoint.auth.signing.alg',
  authMaxExp: 'token.endpoint.auth.signing.max.exp',
  requestObjectRequired: 'request.object.required',
  requestObjectAlg: 'request.object.signature.alg',
  requirePar: 'require.pushed.authorization.requests',
  /** Keycloak's "Valid Request URIs", joined with ##: where request objects may be fetched from. */
  requestUris: 'request.uris',
  standardTokenExchange: 'standard.token.exchange.enabled',
  /** NO (the default) or SAME_SESSION: whether token exchange may issue a refresh token, in the subject token's session. */
  tokenExchangeRefresh: 'standard.token.exchange.enableRefreshRequestedTokenType',
  /** Keycloak's "Require DPoP bound tokens": every token request brings a DPoP proof. */
  dpopBound: 'dpop.bound.access.tokens',
  /** Latchkey's: the client's DPoP proofs must carry a server nonce (RFC 9449 §8). */
  dpopNonce: 'dpop.nonce.required',
} as const;

/** Keycloak's standard.token.exchange.enableRefreshRequestedTokenType values. */
export const TOKEN_EXCHANGE_REFRESH = ['NO', 'SAME_SESSION'] as const;

/** How long a client assertion may live (exp past iat, or past now without iat) unless the client says: Keycloak's default. */
const DEFAULT_ASSERTION_MAX_EXP = 60;

/** What a client's attributes say about its authentication and its authorization requests, defaults applied. */
export interface ClientOAuthPolicy {
  /** Undefined for an authenticator Latchkey does not have (client-x509). */
  authenticator: ClientAuthenticator | undefined;
  /** Where its public keys are: a JWKS URL, a JWKS given inline, or its certificate. */
  jwksUrl?: string;
  jwksString?: string;
  certificate?: string;
  /** The one algorithm its client assertions must use, when it names one. */
  authSigningAlg?: string;
  assertionMaxExp: number;
  requestObjectRequired: RequestObjectRequired;
  /** The request objects' algorithm when it names one: a JWS alg, `none`, or `any` (Keycloak's). */
  requestObjectAlg?: string;
  requirePar: boolean;
  requestUris: string[];
  standardTokenExchange: boolean;
  tokenExchangeRefresh: (typeof TOKEN_EXCHANGE_REFRESH)[number];
}

const isTrue = (v: string | undefined) => v === 'true';

export function clientOAuthPolicy(s: ClientSettings): ClientOAuthPolicy {
  const a = s.extraAttributes;
  const authenticator = CLIENT_AUTHENTICATORS.find((t) => t === (s.clientAuthenticatorType ?? 'client-secret'));
  const required = REQUEST_OBJECT_REQUIRED.find((r) => r === a[ATTRIBUTES.requestObjectRequired]) ?? 'not required';
  const maxExp = Number(a[ATTRIBUTES.authMaxExp]);
  return {
    authenticator,
    jwksUrl: isTrue(a[ATTRIBUTES.useJwksUrl]) ? a[ATTRIBUTES.jwksUrl] || undefined : undefined,
    jwksString: isTrue(a[ATTRIBUTES.useJwksString]) ? a[ATTRIBUTES.jwksString] || undefined : undefined,
    certificate: a[ATTRIBUTES.certificate] || undefined,
    authSigningAlg: a[ATTRIBUTES.authSigningAlg] || undefined,
    assertionMaxExp: Number.isInteger(maxExp) && maxExp > 0 ? maxExp : DEFAULT_ASSERTION_MAX_EXP,
    requestObjectRequired: required,
    requestObjectAlg: a[ATTRIBUTES.requestObjectAlg] || undefined,
    requirePar: isTrue(a[ATTRIBUTES.requirePar]),
    requestUris: (a[ATTRIBUTES.requestUris] ?? '').split('##').filter(Boolean),
    standardTokenExchange: isTrue(a[ATTRIBUTES.standardTokenExchange]),
    tokenExchangeRefresh: TOKEN_EXCHANGE_REFRESH.find((v) => v === a[ATTRIBUTES.tokenExchangeRefresh]) ?? 'NO',
  };
}

/** Why the client's authentication and request object attributes cannot be, naming the attribute, or undefined. */
export function oauthAttributesProblem(s: ClientSettings): { field: string; problem: string } | undefined {
  const a = s.extraAttributes;
  if (s.clientAuthenticatorType !== undefined && !KEYCLOAK_AUTHENTICATORS.some((t) => t === s.clientAuthenticatorType)) {
    return { field: 'clientAuthenticatorType', problem: `must be one of ${KEYCLOAK_AUTHENTICATORS.join(', ')}` };
  }
  const required = a[ATTRIBUTES.requestObjectRequired];
  if (required && !REQUEST_OBJECT_REQUIRED.some((r) => r === required)) {
    return { field: `attributes.${ATTRIBUTES.requestObjectRequired}`, problem: `must be one of ${REQUEST_OBJECT_REQUIRED.join(', ')}` };
  }
  const authAlg = a[ATTRIBUTES.authSigningAlg];
  if (authAlg && ![...ASYMMETRIC_ALGS, ...SECRET_ALGS].some((alg) => alg === authAlg)) {
    return { field: `attributes.${ATTRIBUTES.authSigningAlg}`, problem: `${authAlg} is not a supported algorithm` };
  }
  const requestAlg = a[ATTRIBUTES.requestObjectAlg];
  if (requestAlg && ![...ASYMMETRIC_ALGS, 'none', 'any'].some((alg) => alg === requestAlg)) {
    return { field: `attributes.${ATTRIBUTES.requestObjectAlg}`, problem: `${requestAlg} is not a supported algorithm` };
  }
  const refresh = a[ATTRIBUTES.tokenExchangeRefresh];
  if (refresh && !TOKEN_EXCHANGE_REFRESH.some((v) => v === refresh)) {
    return { field: `attributes.${ATTRIBUTES.tokenExchangeRefresh}`, problem: `must be one of ${TOKEN_EXCHANGE_REFRESH.join(', ')}` };
  }
  const policy = clientOAuthPolicy(s);
  if (policy.jwksUrl !== undefined && !/^https?:\/\//i.test(policy.jwksUrl)) {
    return { field: `attributes.${ATTRIBUTES.jwksUrl}`, problem: 'must be an http or https URL' };
  }
  if (policy.jwksString !== undefined) {
    let keys: unknown;
    try {
      keys = (JSON.parse(policy.jwksString) as { keys?: unknown }).keys;
    } catch {
      keys = undefined;
    }
    if (!Array.isArray(keys)) return { field: `attributes.${ATTRIBUTES.jwksString}`, problem: 'must be a JSON Web Key Set ({"keys": [...]})' };
  }
  return undefined;
}
