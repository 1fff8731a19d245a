import type { FastifyRequest } from 'fastify';
import type { ClientRuntime, Domain, RealmRuntime } from '../domain/index.js';
import { checkAccessToken, issuedBeforeNotBefore, type AccessTokenClaims } from '../protocol/access-tokens.js';
import { invalidRequest, invalidToken, NoBearerToken } from '../protocol/errors.js';
import type { SessionRecord, UserRecord } from '../storage/store.js';

/** RFC 6750 §2.1: the token of an `Authorization: Bearer` header (the scheme in any case). */
export function headerBearer(header: string | undefined): string | undefined {
  return header && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
}

/** RFC 6750 §2.1 header or §2.2 form body; never both. Undefined when the request has none. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const fromHeader = headerBearer(request.headers.authorization);
  const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
  const body = type === 'application/x-www-form-urlencoded' ? (request.body as Record<string, unknown> | undefined) : undefined;
  const fromBody = body?.access_token;
  if (fromHeader !== undefined && fromBody !== undefined) throw invalidRequest('Token given in more than one way');
  if (fromBody !== undefined && typeof fromBody !== 'string') throw invalidRequest('access_token must be given once');
  return fromHeader || fromBody || undefined;
}

export interface BearerUser {
  claims: AccessTokenClaims;
  user: UserRecord;
  client: ClientRuntime;
  /** The token's session, when it was issued in one (client credentials has none). */
  session?: SessionRecord;
}

/**
 * The user a resource of ours (userinfo, the account API) serves: the request's access
 * token, still good, its user and client enabled and its session alive. 401 with RFC 6750's
 * challenge otherwise.
 */
export async function bearerUser(domain: Domain, realm: RealmRuntime, request: FastifyRequest): Promise<BearerUser> {
  const token = bearerToken(request);
  if (!token) throw new NoBearerToken(realm.realm.name);
  const check = await checkAccessToken(domain, realm, token);
  if (!check.ok) throw invalidToken(realm.realm.name, check.reason);
  const { claims } = check;
  const [user, client] = await Promise.all([
    domain.users.cached(realm.realm.id, claims.sub),
    domain.clients.runtime(realm.realm.id, claims.client_id),
  ]);
  if (!user || !user.enabled) throw invalidToken(realm.realm.name, 'User is disabled or no longer exists');
  if (!client || !client.record.enabled) throw invalidToken(realm.realm.name, 'Client is disabled or no longer exists');
  if (issuedBeforeNotBefore(claims.iat, client.record.settings)) throw invalidToken(realm.realm.name, 'Token is not active');
  const session = claims.sid ? await domain.sessions.active(claims.sid) : undefined;
  if (claims.sid && !session) throw invalidToken(realm.realm.name, 'Session not active');
  return { claims, user, client, session };
}
