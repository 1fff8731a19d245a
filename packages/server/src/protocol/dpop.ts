import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWTPayload } from 'jose';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { now } from '../domain/time.js';
import type { ClientSettings } from '../storage/store.js';
import { ASYMMETRIC_ALGS, ATTRIBUTES } from './client-attributes.js';
import { CLOCK_SKEW, joseReason } from './client-auth.js';
import { OAuthError } from './errors.js';

/** What a DPoP proof may be signed with (dpop_signing_alg_values_supported): the asymmetric JWS algorithms, as Keycloak. */
export const DPOP_ALGS = ASYMMETRIC_ALGS;
/** Seconds a proof is good for after its iat, clock skew aside: long enough for a slow client, short enough that its jti is soon forgotten. */
const DPOP_PROOF_LIFETIME = 60;

/** Whether a client's tokens must be DPoP-bound: every token request of it brings a proof. */
export const dpopRequired = (s: ClientSettings) => s.extraAttributes[ATTRIBUTES.dpopBound] === 'true';

/** Latchkey's client attribute (Keycloak has none): the client's proofs must carry a nonce of ours (RFC 9449 §8). */
export const dpopNonceRequired = (s: ClientSettings) => s.extraAttributes[ATTRIBUTES.dpopNonce] === 'true';

/** Seconds one server nonce is current; the one before it is still taken, so a nonce lives one to two of them. */
const NONCE_PERIOD = 60;

/**
 * The server nonce of a period: a MAC of it under the realm's secret key, so that every node
 * of a cluster makes and accepts the same nonces without storing any.
 */
async function nonceOf(realm: RealmRuntime, period: number): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', realm.hmacKey.key, new TextEncoder().encode(`dpop-nonce:${period}`));
  return Buffer.from(mac).subarray(0, 24).toString('base64url');
}

/** The nonce to hand out now (DPoP-Nonce), and the ones a proof may carry. */
export async function dpopNonces(realm: RealmRuntime): Promise<{ fresh: string; accepted: string[] }> {
  const period = Math.floor(now() / NONCE_PERIOD);
  const fresh = await nonceOf(realm, period);
  return { fresh, accepted: [fresh, await nonceOf(realm, period - 1)] };
}

/** A checked DPoP proof: the thumbprint of its key (RFC 7638) is what tokens are bound to (cnf.jkt). */
export interface DpopProof {
  jkt: string;
}

/** The token response's type, and the scheme a bound token travels in (RFC 9449 §5, §7.1). */
export const DPOP_SCHEME = 'DPoP';

export const invalidDpopProof = (description: string) => new OAuthError('invalid_dpop_proof', description);

/**
 * RFC 9449 §4.3's htu comparison: scheme and host in lower case, the default port dropped, no
 * query or fragment. Undefined when it is no absolute http(s) URL.
 */
function normalizedHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  url.search = '';
  url.hash = '';
  return url.href;
}

/** RFC 9449 §4.2's ath: the access token's SHA-256, base64url. */
const accessTokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');

/** The request's one DPoP header; a request with several is malformed (RFC 9449 §4.3). */
export function dpopHeader(header: string | string[] | undefined): string | undefined {
  if (Array.isArray(header)) throw invalidDpopProof('Only one DPoP proof may be sent');
  return header === undefined || header === '' ? undefined : header;
}

export interface ProofExpectations {
  /** The request's method and URL (htm, htu). */
  htm: string;
  htu: string;
  /** At a protected resource: the access token the proof must name in ath. */
  accessToken?: string;
  /** The error to raise (the token endpoint's 400, or a resource's 401 with its challenge). */
  refuse?: (description: string) => OAuthError;
  /** The server nonces the proof must carry one of, when the client must use them. */
  nonces?: { fresh: string; accepted: string[] };
}

/**
 * RFC 9449 §4.3: a JWT typed dpop+jwt, signed by the public key in its own header with an
 * asymmetric algorithm, for this request's method and URL, issued just now, its jti never
 * seen before with that key (in the database, so a replay to another node is caught too),
 * and at a resource bound to the access token it is sent with.
 */
export async function checkDpopProof(domain: Domain, proof: string, expect: ProofExpectations): Promise<DpopProof> {
  const refuse = expect.refuse ?? ((d: string) => invalidDpopProof(d));
  let payload: JWTPayload;
  let jkt: string;
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt', algorithms: [...DPOP_ALGS], requiredClaims: ['jti', 'htm', 'htu', 'iat'],
      maxTokenAge: DPOP_PROOF_LIFETIME, clockTolerance: CLOCK_SKEW,
    });
    payload = verified.payload;
    jkt = await calculateJwkThumbprint(verified.protectedHeader.jwk!, 'sha256');
  } catch (err) {
    throw refuse(`Invalid DPoP proof: ${joseReason(err)}`);
  }
  if (payload.htm !== expect.htm) throw refuse('DPoP proof is not for this HTTP method (htm)');
  const htu = typeof payload.htu === 'string' ? normalizedHtu(payload.htu) : undefined;
  if (!htu || htu !== normalizedHtu(expect.htu)) throw refuse('DPoP proof is not for this URL (htu)');
  if (expect.accessToken !== undefined && payload.ath !== accessTokenHash(expect.accessToken)) {
    throw refuse('DPoP proof is not for this access token (ath)');
  }
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) throw refuse('DPoP proof has no usable jti');
  // RFC 9449 §8: a proof without a current nonce is answered with one, before its jti is spent.
  if (expect.nonces && !expect.nonces.accepted.includes(payload.nonce as string)) {
    throw new OAuthError('use_dpop_nonce', 'Authorization server requires nonce in DPoP proof', 400, { 'dpop-nonce': expect.nonces.fresh });
  }
  if (!(await domain.jwtIds.useOnce('dpop', jkt, payload.jti, payload.iat! + DPOP_PROOF_LIFETIME + CLOCK_SKEW))) {
    throw refuse('DPoP proof was used before (jti)');
  }
  return { jkt };
}

/** RFC 9449 §10's dpop_jkt: a SHA-256 JWK thumbprint, base64url. */
export const isJkt = (value: string) => /^[A-Za-z0-9_-]{43}$/.test(value);
