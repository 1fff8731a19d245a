import { TokenError } from './errors.js';
import { checkRequirements, type Requirements } from './requirements.js';
import { createVerifier, type Verifier, type VerifiedToken, type VerifierOptions } from './verifier.js';

/** Options shared by the Fastify plugin and the middleware. */
export type AuthOptions = (VerifierOptions | { verifier: Verifier }) & {
  /** Realm named in WWW-Authenticate. Defaults to the realm in a `/realms/<name>` issuer, else the issuer. */
  realm?: string;
};

export function resolveAuthOptions(options: AuthOptions): { verifier: Verifier; realm: string } {
  const verifier = 'verifier' in options ? options.verifier : createVerifier(options);
  return { verifier, realm: options.realm ?? defaultRealm(verifier.issuer) };
}

function defaultRealm(issuer: string): string {
  return /\/realms\/([^/]+)\/?$/.exec(new URL(issuer).pathname)?.[1] ?? issuer;
}

export interface RequestParts {
  authorization: string | undefined;
  /** Request target, to notice an `access_token` query parameter. */
  url: string | undefined;
  /** Parsed body if a body parser already ran, to notice an `access_token` form parameter. */
  body?: unknown;
}

// RFC 6750 §2.1: b64token.
const BEARER = /^bearer(?: +(.*))?$/i;
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Only the Authorization header is accepted: tokens in URLs end up in logs and Referer headers
 * (RFC 6750 §5.3). Query and form tokens are still looked for, so that a client sending one gets a
 * 400 saying so instead of a puzzling "no token" 401.
 */
export function extractToken({ authorization, url, body }: RequestParts): string {
  const bearer = authorization === undefined ? null : BEARER.exec(authorization.trim());
  const queryAt = url?.indexOf('?') ?? -1;
  const inQuery = queryAt !== -1 && new URLSearchParams(url?.slice(queryAt + 1)).has('access_token');
  const inBody = typeof body === 'object' && body !== null && Object.hasOwn(body, 'access_token');
  if ([bearer !== null, inQuery, inBody].filter(Boolean).length > 1) {
    throw new TokenError('malformed', 'The access token was sent in more than one way');
  }
  if (inQuery || inBody) {
    throw new TokenError('malformed', 'Send the access token in the Authorization header, not as a parameter');
  }
  if (bearer === null) throw new TokenError('missing', 'An access token is required');
  const token = bearer[1]?.trim() ?? '';
  if (!B64TOKEN.test(token)) {
    throw new TokenError('malformed', 'The Authorization header does not hold a well-formed Bearer token');
  }
  return token;
}

export async function authenticate(
  verifier: Verifier,
  parts: RequestParts,
  requirements?: Requirements,
): Promise<VerifiedToken> {
  const claims = await verifier.verify(extractToken(parts));
  if (requirements) checkRequirements(claims, requirements);
  return claims;
}

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: string; error_description: string };
}

const STATUS = { missing: 401, malformed: 400, invalid: 401, insufficient: 403 } as const;
const ERROR_CODE = {
  // RFC 6750 §3.1 wants no error code in the challenge when no credentials were sent; the JSON body
  // still names the problem for humans reading it.
  missing: 'missing_token',
  malformed: 'invalid_request',
  invalid: 'invalid_token',
  insufficient: 'insufficient_scope',
} as const;

/** The RFC 6750 response for a refused request. */
export function errorResponse(error: TokenError, realm: string): ErrorResponse {
  const code = ERROR_CODE[error.kind];
  const params = [`realm="${quotable(realm)}"`];
  if (error.kind !== 'missing') {
    params.push(`error="${code}"`, `error_description="${quotable(error.description)}"`);
  }
  if (error.kind === 'insufficient' && error.requiredScopes.length > 0) {
    params.push(`scope="${quotable(error.requiredScopes.join(' '))}"`);
  }
  return {
    status: STATUS[error.kind],
    headers: { 'www-authenticate': `Bearer ${params.join(', ')}`, 'cache-control': 'no-store' },
    body: { error: code, error_description: error.description },
  };
}

// RFC 6750 §3 limits these values to printable ASCII without '"' and '\'; replacing the rest keeps
// a role or realm name with odd characters from breaking (or injecting into) the header.
function quotable(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?');
}
