import { createProofChecker, DPOP_ALGORITHMS, type DpopOptions, type ProofChecker } from './dpop.js';
import { TokenError } from './errors.js';
import { checkRequirements, type Requirements } from './requirements.js';
import { createVerifier, type Verifier, type VerifiedToken, type VerifierOptions } from './verifier.js';

/** Options shared by the Fastify plugin and the middleware. */
export type AuthOptions = (VerifierOptions | { verifier: Verifier }) & {
  /** Realm named in WWW-Authenticate. Defaults to the realm in a `/realms/<name>` issuer, else the issuer. */
  realm?: string;
  /** How DPoP-bound tokens' proofs are checked (RFC 9449). */
  dpop?: DpopOptions;
};

export interface ResolvedAuth { verifier: Verifier; realm: string; proofs: ProofChecker }

export function resolveAuthOptions(options: AuthOptions): ResolvedAuth {
  const verifier = 'verifier' in options ? options.verifier : createVerifier(options);
  return { verifier, realm: options.realm ?? defaultRealm(verifier.issuer), proofs: createProofChecker(options.dpop) };
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
  /** The request's method, DPoP header, Host header and whether it came over TLS: what a DPoP proof is checked against. */
  method?: string;
  dpop?: string | string[];
  host?: string;
  secure?: boolean;
}

// RFC 6750 §2.1 and RFC 9449 §7.1: b64token, after either scheme.
const CREDENTIALS = /^(bearer|dpop)(?: +(.*))?$/i;
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Only the Authorization header is accepted, in the Bearer or the DPoP scheme: tokens in URLs
 * end up in logs and Referer headers (RFC 6750 §5.3). Query and form tokens are still looked
 * for, so that a client sending one gets a 400 saying so instead of a puzzling "no token" 401.
 */
export function extractCredentials({ authorization, url, body }: RequestParts): { token: string; scheme: 'Bearer' | 'DPoP' } {
  const bearer = authorization === undefined ? null : CREDENTIALS.exec(authorization.trim());
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
  const scheme = bearer[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
  const token = bearer[2]?.trim() ?? '';
  if (!B64TOKEN.test(token)) {
    throw new TokenError('malformed', `The Authorization header does not hold a well-formed ${scheme} token`);
  }
  return { token, scheme };
}

/** The access token of the Authorization header, in either scheme (see {@link extractCredentials}). */
export const extractToken = (parts: RequestParts): string => extractCredentials(parts).token;

/**
 * The verified claims of the request's token. A DPoP-bound one (cnf.jkt) must come in the DPoP
 * scheme with a proof of its key (RFC 9449 §7); a bound token sent as Bearer, or a bearer
 * token in the DPoP scheme, is refused with the DPoP challenge.
 */
export async function authenticate(
  { verifier, proofs }: Pick<ResolvedAuth, 'verifier' | 'proofs'>,
  parts: RequestParts,
  requirements?: Requirements,
): Promise<VerifiedToken> {
  const { token, scheme } = extractCredentials(parts);
  let claims: VerifiedToken;
  try {
    claims = await verifier.verify(token);
  } catch (err) {
    if (scheme === 'DPoP' && err instanceof TokenError) throw new TokenError(err.kind, err.description, err.requiredScopes, 'DPoP');
    throw err;
  }
  const jkt = claims.cnf?.jkt;
  if (scheme === 'Bearer' && jkt !== undefined) {
    throw new TokenError('invalid', 'The access token is DPoP-bound: send it with the DPoP scheme and a proof', [], 'DPoP');
  }
  if (scheme === 'DPoP') {
    if (typeof jkt !== 'string') throw new TokenError('invalid', 'The access token is not DPoP-bound', [], 'DPoP');
    await proofs.check(parts.dpop, { method: parts.method ?? 'GET', url: parts.url ?? '/', host: parts.host, secure: parts.secure }, token, jkt);
  }
  if (requirements) checkRequirements(claims, requirements);
  return claims;
}

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: string; error_description: string };
}

const STATUS = { missing: 401, malformed: 400, invalid: 401, insufficient: 403, dpop: 401 } as const;
const ERROR_CODE = {
  // RFC 6750 §3.1 wants no error code in the challenge when no credentials were sent; the JSON body
  // still names the problem for humans reading it.
  missing: 'missing_token',
  malformed: 'invalid_request',
  invalid: 'invalid_token',
  insufficient: 'insufficient_scope',
  dpop: 'invalid_dpop_proof',
} as const;

/**
 * The RFC 6750 response for a refused request; RFC 9449 §7.1's DPoP challenge for what concerns a
 * DPoP-bound token, and both challenges when no token was sent.
 */
export function errorResponse(error: TokenError, realm: string): ErrorResponse {
  const code = ERROR_CODE[error.kind];
  if (error.scheme === 'DPoP') {
    return {
      status: STATUS[error.kind],
      headers: {
        'www-authenticate': `DPoP error="${code}", error_description="${quotable(error.description)}", algs="${DPOP_ALGORITHMS.join(' ')}"`,
        'cache-control': 'no-store',
      },
      body: { error: code, error_description: error.description },
    };
  }
  const params = [`realm="${quotable(realm)}"`];
  if (error.kind !== 'missing') {
    params.push(`error="${code}"`, `error_description="${quotable(error.description)}"`);
  }
  if (error.kind === 'insufficient' && error.requiredScopes.length > 0) {
    params.push(`scope="${quotable(error.requiredScopes.join(' '))}"`);
  }
  // RFC 9449 §7.1: with no token at all, this resource (which takes DPoP-bound tokens too) offers both schemes.
  const dpopChallenge = error.kind === 'missing' ? `, DPoP algs="${DPOP_ALGORITHMS.join(' ')}"` : '';
  return {
    status: STATUS[error.kind],
    headers: { 'www-authenticate': `Bearer ${params.join(', ')}${dpopChallenge}`, 'cache-control': 'no-store' },
    body: { error: code, error_description: error.description },
  };
}

// RFC 6750 §3 limits these values to printable ASCII without '"' and '\'; replacing the rest keeps
// a role or realm name with odd characters from breaking (or injecting into) the header.
function quotable(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?');
}
