import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { SIGNING_ALGS } from '../storage/store.js';

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  jti: string;
  exp: number;
  client_id: string;
  scope?: string;
  sid?: string;
}

export type AccessTokenCheck = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: string };

/**
 * Validates an access token this realm issued: signature by a realm key, RFC 9068
 * typ, issuer, expiry, and that it was not revoked.
 */
export async function checkAccessToken(domain: Domain, realm: RealmRuntime, token: string): Promise<AccessTokenCheck> {
  let claims: AccessTokenClaims;
  try {
    const verified = await jwtVerify(token, realm.verificationKeys, {
      issuer: realm.issuer,
      typ: 'at+jwt',
      algorithms: [...SIGNING_ALGS],
      requiredClaims: ['sub', 'jti', 'exp', 'client_id'],
    });
    claims = verified.payload as AccessTokenClaims;
  } catch (e) {
    if (e instanceof errors.JWTExpired) return { ok: false, reason: 'Token expired' };
    return { ok: false, reason: 'Token is not a valid access token of this realm' };
  }
  if (await domain.tokens.isAccessTokenRevoked(claims.jti)) return { ok: false, reason: 'Token revoked' };
  return { ok: true, claims };
}
