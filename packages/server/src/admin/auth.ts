import type { FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { MASTER_REALM } from '../domain/bootstrap.js';
import type { Domain } from '../domain/index.js';
import { REALM_ADMIN_ROLE, REALM_MANAGEMENT_CLIENT } from '../domain/realms.js';
import { checkAccessToken, tokenHoldersActive } from '../protocol/access-tokens.js';
import { invalidToken, NoBearerToken } from '../protocol/errors.js';
import { forbidden } from './errors.js';
import { checkBinding, headerBearer, headerDpop } from '../http/bearer.js';

/** The master realm's role that administers every realm (Keycloak's `admin`). */
export const MASTER_ADMIN_ROLE = 'admin';

/** Who is making an admin request: the user behind the bearer token. */
export interface AdminActor {
  userId: string;
  username: string;
  /** The realm the token was issued by, and so the realm the user belongs to. */
  realm: string;
  realmId: string;
  /** The client the token was issued to (its clientId). */
  clientId: string;
  /** An administrator of every realm (role `admin` in master), or of its own realm only. */
  scope: 'all-realms' | 'own-realm';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on every authenticated request of the admin API, for whoever records what admins do. */
    adminActor?: AdminActor;
  }
}

/** 401 with RFC 6750's challenge for a token that is not (or no longer) good. */
const unauthorized = (description: string) => invalidToken(MASTER_REALM, description);

/**
 * Authenticates an admin request as Keycloak does: a bearer access token of one of our
 * realms whose user holds `admin` in master (every realm) or the `realm-admin` role of the
 * realm's `realm-management` client (that realm only). Everything is read fresh or from
 * caches that writes invalidate, so a disabled admin is refused at once.
 */
export async function authenticateAdmin(domain: Domain, request: FastifyRequest): Promise<AdminActor> {
  const dpopToken = headerDpop(request.headers.authorization);
  const token = dpopToken ?? headerBearer(request.headers.authorization);
  if (!token) throw new NoBearerToken(MASTER_REALM);

  // The issuer names the realm whose keys must have signed the token.
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    throw unauthorized('Token is not a valid access token');
  }
  const base = request.server.issuerBaseOf?.(request);
  const prefix = domain.realms.issuerOf('', base);
  if (typeof iss !== 'string' || !iss.startsWith(prefix)) throw unauthorized('Token was not issued by this server');
  let name: string;
  try {
    name = decodeURIComponent(iss.slice(prefix.length));
  } catch {
    throw unauthorized('Token was not issued by this server');
  }
  const cached = await domain.realms.runtime(name);
  if (!cached || !cached.realm.enabled) throw unauthorized('Token was not issued by an enabled realm');
  const realm = base === undefined ? cached : { ...cached, base, issuer: domain.realms.issuerOf(name, base) };

  const check = await checkAccessToken(domain, realm, token);
  if (!check.ok) throw unauthorized(check.reason);
  const { claims } = check;
  await checkBinding(domain, realm.issuer, request, claims, dpopToken);
  const holders = await tokenHoldersActive(domain, realm.realm.id,
    { userId: claims.sub, client: await domain.clients.runtime(realm.realm.id, claims.client_id), sessionId: claims.sid, iat: claims.iat });
  if (!holders.ok) throw unauthorized(holders.reason);
  const { user, client } = holders;

  const roles = await domain.roles.effective(realm.realm.id, user.id);
  const actor = {
    userId: user.id, username: user.username, realm: realm.realm.name, realmId: realm.realm.id, clientId: client.record.clientId,
  };
  if (name === MASTER_REALM && roles.realm.includes(MASTER_ADMIN_ROLE)) return { ...actor, scope: 'all-realms' };
  if (name !== MASTER_REALM && roles.clients[REALM_MANAGEMENT_CLIENT]?.includes(REALM_ADMIN_ROLE)) return { ...actor, scope: 'own-realm' };
  throw forbidden('The user is not an administrator');
}

/** May this admin administer the realm of that name? */
export const mayAdminister = (actor: AdminActor, realm: string): boolean =>
  actor.scope === 'all-realms' || actor.realm === realm;

/** 403 unless the admin may administer the realm. */
export function requireRealm(actor: AdminActor, realm: string): void {
  if (!mayAdminister(actor, realm)) throw forbidden(`The user may not administer realm ${realm}`);
}

/** 403 unless the admin administers every realm (creating realms, for one). */
export function requireAllRealms(actor: AdminActor): void {
  if (actor.scope !== 'all-realms') throw forbidden('Only an administrator of the master realm may do this');
}
