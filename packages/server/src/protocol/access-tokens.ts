import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { ClientRuntime } from '../domain/clients.js';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { now } from '../domain/time.js';
import type { ClientRecord, ClientSettings, RealmSettings, SessionRecord, UserRecord } from '../storage/store.js';
import { SIGNING_ALGS } from '../storage/store.js';

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  jti: string;
  iat: number;
  exp: number;
  client_id: string;
  scope?: string;
  sid?: string;
}

export type AccessTokenCheck = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: string };

/**
 * Access tokens whose signature, typ and issuer a realm's runtime has checked, by their text:
 * a resource server presents the same token to introspection (and a client to userinfo) many
 * times, and the signature check is most of what each call costs. Held per key set of a realm's
 * runtime (a request's copy of the runtime shares it), so a change of the realm's keys (which
 * makes a new runtime) forgets them; bounded, oldest first out.
 */
const verifiedTokens = new WeakMap<JWTVerifyGetKey, Map<string, AccessTokenClaims>>();
const VERIFIED_TOKENS_MAX = 2_000;

async function verifiedClaims(realm: RealmRuntime, token: string): Promise<AccessTokenClaims> {
  let verified = verifiedTokens.get(realm.verificationKeys);
  const known = verified?.get(token);
  // jose's rules: expired once the clock reaches exp; the issuer is the request's (it may follow
  // the request's host). Otherwise the token is checked afresh, for jose's error.
  if (known && known.exp > now() && known.iss === realm.issuer) return known;
  const { payload } = await jwtVerify(token, realm.verificationKeys, {
    issuer: realm.issuer,
    typ: 'at+jwt',
    algorithms: [...SIGNING_ALGS],
    requiredClaims: ['sub', 'jti', 'iat', 'exp', 'client_id'],
  });
  // Shared by every later call with the token: nobody may change it.
  const claims = Object.freeze(payload) as AccessTokenClaims;
  if (!verified) verifiedTokens.set(realm.verificationKeys, verified = new Map());
  verified.set(token, claims);
  if (verified.size > VERIFIED_TOKENS_MAX) verified.delete(verified.keys().next().value!);
  return claims;
}

/**
 * Validates an access token this realm issued: signature by a realm key, RFC 9068
 * typ, issuer, expiry, and that it was not revoked.
 */
export async function checkAccessToken(domain: Domain, realm: RealmRuntime, token: string): Promise<AccessTokenCheck> {
  let claims: AccessTokenClaims;
  try {
    claims = await verifiedClaims(realm, token);
  } catch (e) {
    if (e instanceof errors.JWTExpired) return { ok: false, reason: 'Token expired' };
    return { ok: false, reason: 'Token is not a valid access token of this realm' };
  }
  if (issuedBeforeNotBefore(claims.iat, realm.realm.settings)) return { ok: false, reason: 'Token is not active' };
  if (await domain.tokens.isAccessTokenRevoked(claims.jti)) return { ok: false, reason: 'Token revoked' };
  return { ok: true, claims };
}

/**
 * Keycloak's not-before of a realm (logout-all sets it) or a client: a token issued before it
 * is refused, as Keycloak compares (iat < notBefore). It lives in the cached realm and client,
 * so the check costs no I/O.
 */
export const issuedBeforeNotBefore = (iat: number | undefined, settings: Pick<RealmSettings | ClientSettings, 'notBefore'>): boolean =>
  settings.notBefore !== undefined && (iat ?? 0) < settings.notBefore;

export type HoldersCheck<C> = { ok: true; user: UserRecord; client: C; session?: SessionRecord } | { ok: false; reason: string };

/**
 * The one rule for every endpoint that accepts a token (userinfo, introspection, the admin
 * API): it is active only while its user, its client and its session are.
 */
export async function tokenHoldersActive<C extends ClientRecord | ClientRuntime>(domain: Domain, realmId: string,
  holders: { userId: string; client: C | undefined; sessionId?: string | null; iat?: number }): Promise<HoldersCheck<C>> {
  const user = await domain.users.cached(realmId, holders.userId);
  if (!user || !user.enabled) return { ok: false, reason: 'User is disabled or no longer exists' };
  const { client } = holders;
  const record: ClientRecord | undefined = client && ('record' in client ? client.record : client);
  if (!client || !record?.enabled || record.realmId !== realmId) return { ok: false, reason: 'Client is disabled or no longer exists' };
  if (holders.iat !== undefined && issuedBeforeNotBefore(holders.iat, record.settings)) return { ok: false, reason: 'Token is not active' };
  const session = holders.sessionId ? await domain.sessions.active(holders.sessionId) : undefined;
  if (holders.sessionId && !session) return { ok: false, reason: 'Session not active' };
  return { ok: true, user, client, session };
}

export type ActiveAccessToken = { ok: true; claims: AccessTokenClaims; user: UserRecord; client: ClientRuntime; session?: SessionRecord } | { ok: false; reason: string };

/**
 * An access token of this realm that is good now: valid and unrevoked (checkAccessToken), and
 * its user, client and session still active (tokenHoldersActive). What introspection answers
 * active for, and what token exchange takes as a subject token.
 */
export async function activeAccessToken(domain: Domain, realm: RealmRuntime, token: string): Promise<ActiveAccessToken> {
  const check = await checkAccessToken(domain, realm, token);
  if (!check.ok) return check;
  const { claims } = check;
  const holders = await tokenHoldersActive(domain, realm.realm.id,
    { userId: claims.sub, client: await domain.clients.runtime(realm.realm.id, claims.client_id), sessionId: claims.sid, iat: claims.iat });
  return holders.ok ? { ...holders, claims } : holders;
}
