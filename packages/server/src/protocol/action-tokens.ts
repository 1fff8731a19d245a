import { SignJWT } from 'jose';
import { newId } from '../crypto/random.js';
import type { RealmRuntime } from '../domain/index.js';
import { now } from '../domain/time.js';

/** Keycloak's kinds of action token, its `typ` claim. */
export type ActionTokenType = 'execute-actions' | 'verify-email';

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
}

/**
 * A link's action token as Keycloak's: a JWT with its claims, HS512 under the realm's secret
 * key (only this realm verifies it), with a jti so that a use can be recorded and the link made
 * single-use. The endpoint that takes it (login-actions/action-token) comes with the sign-in flows.
 */
export function mintActionToken(realm: RealmRuntime, t: ActionToken): Promise<string> {
  const iat = now();
  return new SignJWT({
    typ: t.type, azp: t.clientId, rqac: t.actions, eml: t.email, reduri: t.redirectUri,
  })
    .setProtectedHeader({ alg: 'HS512', typ: 'JWT', kid: realm.hmacKey.kid })
    .setIssuer(realm.issuer).setAudience(realm.issuer).setSubject(t.userId)
    .setIssuedAt(iat).setExpirationTime(iat + t.lifespan).setJti(newId())
    .sign(realm.hmacKey.key);
}

/** The page a link's action token opens, as Keycloak's mails link to it. */
export function actionTokenLink(realm: RealmRuntime, token: string, clientId: string | undefined): string {
  const url = new URL(`${realm.issuer}/login-actions/action-token`);
  url.searchParams.set('key', token);
  if (clientId) url.searchParams.set('client_id', clientId);
  return url.href;
}
