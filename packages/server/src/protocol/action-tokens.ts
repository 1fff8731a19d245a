import { errors, jwtVerify, SignJWT } from 'jose';
import { newId } from '../crypto/random.js';
import type { RealmRuntime } from '../domain/index.js';
import { now } from '../domain/time.js';
import { REQUIRED_ACTIONS, type RequiredAction } from '../storage/store.js';

/** Keycloak's kinds of action token, its `typ` claim. */
export const ACTION_TOKEN_TYPES = ['execute-actions', 'verify-email', 'reset-credentials'] as const;
export type ActionTokenType = (typeof ACTION_TOKEN_TYPES)[number];

export interface ActionToken {
  type: ActionTokenType;
  userId: string;
  /** Seconds the link works. */
  lifespan: number;
  /** Keycloak's rqac: the required actions the link runs (execute-actions). */
  actions?: string[];
  /** Keycloak's eml: the address a verify-email link confirms. */
  email?: string;
  /** Where the user goes afterwards: the client (azp) and its redirect URI (reduri). */
  clientId?: string;
  redirectUri?: string;
  /** Keycloak's asid: the sign-in (interaction) the link was asked for from, which it continues in the same browser. */
  interactionId?: string;
  /**
   * Keycloak's lcpt: when the user's password was set (milliseconds, absent without one) as the
   * reset link was made; the link works only while that is still so.
   */
  passwordSetAt?: number;
}

/** A link's token that verified, with its jti and expiry for the single use. */
export interface VerifiedActionToken extends ActionToken {
  jti: string;
  expiresAt: number;
}

/** Why a link is refused, for its page and Keycloak's event error. */
export class ActionTokenError extends Error {
  override name = 'ActionTokenError';
  constructor(readonly reason: 'expired' | 'invalid' | 'used') {
    super(`action token ${reason}`);
  }
}

/**
 * A link's action token as Keycloak's: a JWT with its claims, HS512 under the realm's secret
 * key (only this realm verifies it), with a jti so that a use can be recorded and the link made
 * single-use (login-actions/action-token).
 */
export function mintActionToken(realm: RealmRuntime, t: ActionToken): Promise<string> {
  const iat = now();
  return new SignJWT({
    typ: t.type, azp: t.clientId, rqac: t.actions, eml: t.email, reduri: t.redirectUri, asid: t.interactionId, lcpt: t.passwordSetAt,
  })
    .setProtectedHeader({ alg: 'HS512', typ: 'JWT', kid: realm.hmacKey.kid })
    .setIssuer(realm.issuer).setAudience(realm.issuer).setSubject(t.userId)
    .setIssuedAt(iat).setExpirationTime(iat + t.lifespan).setJti(newId())
    .sign(realm.hmacKey.key);
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The token of a link, if this realm signed it for itself and it has not expired; throws ActionTokenError otherwise. */
export async function verifyActionToken(realm: RealmRuntime, token: string): Promise<VerifiedActionToken> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, realm.hmacKey.key, { issuer: realm.issuer, audience: realm.issuer, algorithms: ['HS512'] }));
  } catch (err) {
    throw new ActionTokenError(err instanceof errors.JWTExpired ? 'expired' : 'invalid');
  }
  const type = ACTION_TOKEN_TYPES.find((t) => t === payload.typ);
  const userId = text(payload.sub);
  const jti = text(payload.jti);
  if (!type || !userId || !jti || typeof payload.exp !== 'number') throw new ActionTokenError('invalid');
  const actions = Array.isArray(payload.rqac) ? payload.rqac.filter((a): a is string => typeof a === 'string') : undefined;
  return {
    type, userId, jti, expiresAt: payload.exp, lifespan: payload.exp - now(), actions,
    email: text(payload.eml), clientId: text(payload.azp), redirectUri: text(payload.reduri), interactionId: text(payload.asid),
    passwordSetAt: typeof payload.lcpt === 'number' ? payload.lcpt : undefined,
  };
}

/** The required actions of a link that Latchkey carries out; the others it passes over. */
export const knownActions = (actions: string[] | undefined): RequiredAction[] =>
  REQUIRED_ACTIONS.filter((a) => actions?.includes(a));

/** The page a link's action token opens, as Keycloak's mails link to it. */
export function actionTokenLink(realm: RealmRuntime, token: string, clientId: string | undefined): string {
  const url = new URL(`${realm.issuer}/login-actions/action-token`);
  url.searchParams.set('key', token);
  if (clientId) url.searchParams.set('client_id', clientId);
  return url.href;
}
