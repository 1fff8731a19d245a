import type { FastifyRequest } from 'fastify';
import type { ClientRuntime, Domain, RealmRuntime } from '../domain/index.js';
import { checkAccessToken, issuedBeforeNotBefore, type AccessTokenClaims } from '../protocol/access-tokens.js';
import { checkDpopProof, dpopHeader, DPOP_ALGS } from '../protocol/dpop.js';
import { dpopError, invalidRequest, invalidToken, NoBearerToken } from '../protocol/errors.js';
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

/** RFC 9449 §7.1: the token of an `Authorization: DPoP` header (the scheme in any case). */
export function headerDpop(header: string | undefined): string | undefined {
  return header && /^dpop /i.test(header) ? header.slice(5).trim() : undefined;
}

/**
 * RFC 9449 §7: a DPoP-bound token comes with the DPoP scheme and a proof of its key, for this
 * request (its path under the origin of `issuer`, as clients were told) and this token; a bound
 * token sent as a bearer one, or a bearer one in the DPoP scheme, is refused with the DPoP
 * challenge. For every resource of ours that takes access tokens.
 */
export async function checkBinding(domain: Domain, issuer: string, request: FastifyRequest, claims: AccessTokenClaims, dpopToken: string | undefined): Promise<void> {
  const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
  if (dpopToken === undefined) {
    if (jkt !== undefined) throw dpopError('invalid_token', 'The access token is DPoP-bound: send it with the DPoP scheme and a proof', DPOP_ALGS);
    return;
  }
  if (typeof jkt !== 'string') throw dpopError('invalid_token', 'The access token is not DPoP-bound', DPOP_ALGS);
  const refuse = (description: string) => dpopError('invalid_dpop_proof', description, DPOP_ALGS);
  let proof: string | undefined;
  try {
    proof = dpopHeader(request.headers.dpop);
  } catch {
    throw refuse('Only one DPoP proof may be sent');
  }
  if (!proof) throw refuse('DPoP proof is missing');
  const htu = new URL(request.url.split('?')[0], issuer).href;
  const checked = await checkDpopProof(domain, proof, { htm: request.method, htu, accessToken: dpopToken, refuse });
  if (checked.jkt !== jkt) throw refuse('The DPoP proof is not signed with the key the access token is bound to');
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
 * token (with its DPoP proof when it is bound), still good, its user and client enabled and
 * its session alive. 401 with RFC 6750's (or RFC 9449's) challenge otherwise.
 */
export async function bearerUser(domain: Domain, realm: RealmRuntime, request: FastifyRequest): Promise<BearerUser> {
  const dpopToken = headerDpop(request.headers.authorization);
  const token = dpopToken ?? bearerToken(request);
  if (!token) throw new NoBearerToken(realm.realm.name, DPOP_ALGS);
  const check = await checkAccessToken(domain, realm, token);
  if (!check.ok) throw dpopToken ? dpopError('invalid_token', check.reason, DPOP_ALGS) : invalidToken(realm.realm.name, check.reason);
  const { claims } = check;
  await checkBinding(domain, realm.issuer, request, claims, dpopToken);
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
