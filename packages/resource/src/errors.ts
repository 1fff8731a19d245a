/**
 * Why a request was refused. Each kind maps to one RFC 6750 response:
 * - `missing`: no bearer token at all → 401 with a bare challenge, so clients know to authenticate;
 * - `malformed`: the request itself is wrong (e.g. a token sent in two ways) → 400 `invalid_request`;
 * - `invalid`: the token is bad, expired, revoked or meant for someone else → 401 `invalid_token`;
 * - `insufficient`: the token is fine but lacks a scope or role → 403 `insufficient_scope`;
 * - `dpop`: the DPoP proof of a DPoP-bound token is missing or wrong → 401 `invalid_dpop_proof` (RFC 9449 §7.1).
 */
export type TokenErrorKind = 'missing' | 'malformed' | 'invalid' | 'insufficient' | 'dpop';

export class TokenError extends Error {
  override readonly name = 'TokenError';

  constructor(
    readonly kind: TokenErrorKind,
    readonly description: string,
    /** For `insufficient`: the scopes the resource requires, advertised in the challenge. */
    readonly requiredScopes: readonly string[] = [],
    /** The scheme whose challenge answers: DPoP for what concerns a DPoP-bound token (RFC 9449 §7.1). */
    readonly scheme: 'Bearer' | 'DPoP' = 'Bearer',
  ) {
    super(description);
  }
}

/**
 * The authorization server could not be asked (down, timing out, answering nonsense). This is not
 * the client's fault, so it must not become a 401: a client told its token is invalid would throw
 * away a good token. `statusCode` is what both Fastify's and Express's default error handlers read.
 */
export class AuthServerError extends Error {
  override readonly name = 'AuthServerError';
  readonly statusCode = 503;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
