import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify, type JWTPayload } from 'jose';
import { TokenError } from './errors.js';

/** What DPoP proofs may be signed with: the asymmetric algorithms (RFC 9449 §4.2), advertised in the challenge's algs. */
export const DPOP_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export interface DpopOptions {
  /**
   * The origin (scheme, host and port) clients call this API at, which their proofs name in htu.
   * Defaults to the request's Host header over http (https on a TLS socket): set it behind a proxy.
   */
  publicUrl?: string;
  /** Seconds a proof is accepted after its iat (default 60). */
  proofLifetime?: number;
  /** Seconds the client's clock may be ahead of or behind ours (default 5). */
  clockTolerance?: number;
}

/** The request a proof must be for. */
export interface ProofTarget {
  method: string;
  /** The request target (path and query), as the HTTP request line has it. */
  url: string;
  host?: string;
  secure?: boolean;
}

const proofError = (description: string) => new TokenError('dpop', description, [], 'DPoP');

/** RFC 9449 §4.3: htu compared without query and fragment, scheme and host in lower case, default ports dropped. */
function normalized(value: string): string | undefined {
  try {
    const url = new URL(value);
    url.search = '';
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}

export interface ProofChecker {
  /** Throws a {@link TokenError} unless `proof` proves possession of the key `jkt` for this request and token. */
  check(proof: string | string[] | undefined, target: ProofTarget, token: string, jkt: string): Promise<void>;
}

/**
 * Checks DPoP proofs (RFC 9449 §4.3, §7.1) with jose: typ dpop+jwt, signed by the public key
 * in its header, htm and htu this request's, iat recent, ath the token's hash, the key the
 * token's cnf.jkt, and its jti not seen before (remembered in memory for the proof's lifetime:
 * behind a load balancer, a replay to another instance is not caught).
 */
export function createProofChecker(options: DpopOptions = {}): ProofChecker {
  const lifetime = options.proofLifetime ?? 60;
  const tolerance = options.clockTolerance ?? 5;
  const seen = new Map<string, number>();
  let nextSweep = 0;

  function remember(key: string, until: number): boolean {
    const at = Date.now();
    if (at >= nextSweep) {
      for (const [k, expiry] of seen) if (expiry <= at) seen.delete(k);
      nextSweep = at + 10_000;
    }
    if ((seen.get(key) ?? 0) > at) return false;
    seen.set(key, until);
    return true;
  }

  return {
    async check(proof, target, token, jkt) {
      if (Array.isArray(proof)) throw proofError('Only one DPoP proof may be sent');
      if (!proof) throw proofError('A DPoP proof is required with a DPoP-bound access token');
      let payload: JWTPayload;
      let thumbprint: string;
      try {
        const verified = await jwtVerify(proof, EmbeddedJWK, {
          typ: 'dpop+jwt', algorithms: [...DPOP_ALGORITHMS], requiredClaims: ['jti', 'htm', 'htu', 'iat', 'ath'],
          maxTokenAge: lifetime, clockTolerance: tolerance,
        });
        payload = verified.payload;
        thumbprint = await calculateJwkThumbprint(verified.protectedHeader.jwk!, 'sha256');
      } catch (err) {
        throw proofError(err instanceof errors.JWTClaimValidationFailed && err.reason === 'missing'
          ? `The DPoP proof has no ${err.claim} claim` : 'The DPoP proof is invalid, expired or not signed by the key in its header');
      }
      if (payload.htm !== target.method.toUpperCase()) throw proofError('The DPoP proof is for another HTTP method (htm)');
      const origin = options.publicUrl ?? `${target.secure ? 'https' : 'http'}://${target.host ?? 'localhost'}`;
      const expected = normalized(new URL(target.url, origin).href);
      if (typeof payload.htu !== 'string' || normalized(payload.htu) !== expected) throw proofError('The DPoP proof is for another URL (htu)');
      if (payload.ath !== createHash('sha256').update(token).digest('base64url')) throw proofError('The DPoP proof is for another access token (ath)');
      if (thumbprint !== jkt) throw proofError('The DPoP proof is not signed with the key the access token is bound to');
      if (typeof payload.jti !== 'string' || !remember(`${jkt}:${payload.jti}`, (payload.iat! + lifetime + tolerance) * 1000)) {
        throw proofError('The DPoP proof was used before');
      }
    },
  };
}
