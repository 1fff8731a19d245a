import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload, type RemoteJWKSet } from 'jose';
import { AuthServerError, TokenError } from './errors.js';

/** Claims of a verified RFC 9068 access token, with the Keycloak-style role claims typed. */
export interface VerifiedToken extends JWTPayload {
  iss: string;
  sub: string;
  exp: number;
  client_id?: string;
  azp?: string;
  /** Space-separated granted scopes. */
  scope?: string;
  realm_access?: { roles?: string[] };
  resource_access?: Record<string, { roles?: string[] } | undefined>;
  /** RFC 9449 §6: the thumbprint of the DPoP key the token is bound to. */
  cnf?: { jkt?: string };
}

export interface VerifierOptions {
  /** Exact `iss` value, e.g. `https://id.example.com/realms/demo`. */
  issuer: string;
  /**
   * Accept the token only if its `aud` contains this value (or one of these): RFC 9068 §4
   * makes the check a MUST, so it must be given. `false` skips it, for an API that is the
   * only one of its realm and knowingly accepts any token the realm issues.
   */
  audience: string | readonly string[] | false;
  /** Defaults to `<issuer>/.well-known/openid-configuration`. */
  discoveryUrl?: string;
  /** Allowed JWS algorithms. Defaults to the asymmetric ones. */
  algorithms?: readonly string[];
  /** Leeway for `exp`/`nbf`, in seconds or as a jose time span such as `"30s"`. */
  clockTolerance?: number | string;
  /**
   * Ask the server (RFC 7662) on every request whether the token is still active, so revocation and
   * logout take effect at once instead of when the token expires. Costs one round trip per request.
   */
  introspection?: { clientId: string; clientSecret: string };
  fetch?: typeof globalThis.fetch;
}

export interface Verifier {
  readonly issuer: string;
  /** Resolves to the token's claims, or rejects with a {@link TokenError} or {@link AuthServerError}. */
  verify(token: string): Promise<VerifiedToken>;
}

// Symmetric algorithms are left out on purpose: with a public JWKS they would let anyone who can
// read a published "oct" key mint tokens.
const DEFAULT_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
];

const REQUEST_TIMEOUT_MS = 5000;

interface Endpoints {
  jwks: RemoteJWKSet;
  introspectionEndpoint?: string;
}

export function createVerifier(options: VerifierOptions): Verifier {
  const { issuer, introspection } = options;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const discoveryUrl =
    options.discoveryUrl ?? `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  // Fail at start-up rather than on the first request, and so that a TypeError seen while
  // verifying can only come from the network.
  new URL(discoveryUrl);
  if (options.audience === undefined || (Array.isArray(options.audience) && options.audience.length === 0)) {
    throw new TypeError('audience is required (RFC 9068 §4): the identifier(s) this API accepts in aud, or false to accept any');
  }
  const verifyOptions = {
    issuer,
    audience: options.audience === false ? undefined
      : typeof options.audience === 'string' ? options.audience : [...options.audience],
    algorithms: [...(options.algorithms ?? DEFAULT_ALGORITHMS)],
    clockTolerance: options.clockTolerance,
    // RFC 9068: without the typ check an ID token from the same issuer would pass as an access token.
    typ: 'at+jwt',
    // No exp means a token that never expires; no sub means nobody to authorize.
    requiredClaims: ['exp', 'sub'],
  };

  let endpoints: Promise<Endpoints> | undefined;
  const getEndpoints = () => {
    // A failed discovery is not cached, so the API recovers by itself once the server is back.
    endpoints ??= discover().catch((err: unknown) => {
      endpoints = undefined;
      throw err;
    });
    return endpoints;
  };

  async function discover(): Promise<Endpoints> {
    const doc = await fetchJson(fetchImpl, discoveryUrl, { headers: { accept: 'application/json' } }, 'OpenID discovery');
    // OpenID Connect Discovery §4.3: trusting a document for another issuer would mean trusting its keys.
    if (doc.issuer !== issuer) {
      throw new AuthServerError(`Discovery document at ${discoveryUrl} is for issuer ${String(doc.issuer)}, not ${issuer}`);
    }
    if (typeof doc.jwks_uri !== 'string') {
      throw new AuthServerError(`Discovery document at ${discoveryUrl} has no jwks_uri`);
    }
    if (introspection && typeof doc.introspection_endpoint !== 'string') {
      throw new AuthServerError(`Discovery document at ${discoveryUrl} has no introspection_endpoint`);
    }
    return {
      // jose caches the key set and refetches it when a token names an unknown kid, at most once
      // per cooldown period, which covers key rotation without letting junk tokens hammer the server.
      jwks: createRemoteJWKSet(new URL(doc.jwks_uri), {
        timeoutDuration: REQUEST_TIMEOUT_MS,
        [customFetch]: fetchImpl,
      }),
      introspectionEndpoint: doc.introspection_endpoint as string | undefined,
    };
  }

  async function isActive(endpoint: string, token: string, client: { clientId: string; clientSecret: string }) {
    // RFC 6749 §2.3.1: both halves are form-encoded before being joined for Basic authentication.
    const credentials = Buffer.from(`${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`).toString('base64');
    const body = await fetchJson(
      fetchImpl,
      endpoint,
      {
        method: 'POST',
        headers: {
          accept: 'application/json',
          authorization: `Basic ${credentials}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      },
      'Token introspection',
    );
    return body.active === true;
  }

  return {
    issuer,
    async verify(token: string): Promise<VerifiedToken> {
      if (!token) throw new TokenError('missing', 'No access token was sent');
      const { jwks, introspectionEndpoint } = await getEndpoints();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, verifyOptions));
      } catch (err) {
        throw fromJoseError(err);
      }
      // Checked after the local verification so that forged or foreign tokens cost no round trip,
      // and so that a refresh token, which introspection would also call active, is never accepted.
      if (introspection && introspectionEndpoint && !(await isActive(introspectionEndpoint, token, introspection))) {
        throw new TokenError('invalid', 'The access token is no longer active');
      }
      return payload as VerifiedToken;
    },
  };
}

async function fetchJson(
  fetchImpl: typeof globalThis.fetch,
  url: string,
  init: RequestInit,
  what: string,
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetchImpl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (cause) {
    throw new AuthServerError(`${what} request to ${url} failed`, { cause });
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new AuthServerError(`${what} at ${url} answered HTTP ${response.status}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    throw new AuthServerError(`${what} at ${url} did not answer with JSON`, { cause });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AuthServerError(`${what} at ${url} did not answer with a JSON object`);
  }
  return body as Record<string, unknown>;
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice('v='.length);
}

const CLAIM_FAILURES: Record<string, string> = {
  typ: 'The token is not an access token (its typ header is not at+jwt)',
  iss: 'The access token was issued by another issuer',
  aud: 'The access token is not meant for this resource (audience mismatch)',
  nbf: 'The access token is not valid yet',
};

/**
 * Descriptions are written here rather than taken from jose because they end up in a
 * WWW-Authenticate header, where jose's quoted claim names are not allowed (RFC 6750 §3).
 */
function fromJoseError(err: unknown): Error {
  if (err instanceof errors.JWTExpired) return new TokenError('invalid', 'The access token expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    const description =
      CLAIM_FAILURES[err.claim] ??
      (err.reason === 'missing'
        ? `The access token has no ${err.claim} claim`
        : `The access token has an invalid ${err.claim} claim`);
    return new TokenError('invalid', description);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenError('invalid', 'The access token signature is invalid');
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return new TokenError('invalid', 'The access token was signed with an unknown key');
  }
  if (err instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenError('invalid', 'The access token does not say which key signed it');
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return new TokenError('invalid', 'The access token is signed with an algorithm that is not accepted');
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return new TokenError('invalid', 'The access token is malformed');
  }
  // What is left is the key set failing to load (timeout, HTTP error, bad JSON, bad key): the
  // server's problem, not the token's.
  return new AuthServerError('Loading the JSON Web Key Set failed', { cause: err });
}
