import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { supportsOpenIdConnect } from '../domain/clients.js';
import type { Domain } from '../domain/index.js';
import { OIDC } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { checkAccessToken, tokenHoldersActive } from '../protocol/access-tokens.js';
import { requestedClaims, userClaims } from '../protocol/claims.js';
import { insufficientScope, invalidRequest, invalidToken, NoBearerToken } from '../protocol/errors.js';
import { OPENID, parseScope } from '../protocol/scopes.js';
import { USERINFO_CLAIMS } from '../protocol/tokens.js';

/** RFC 6750 §2.1 header or §2.2 form body; never both. Undefined when the request has none. */
function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const fromHeader = header && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
  const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
  const body = type === 'application/x-www-form-urlencoded' ? (request.body as Record<string, unknown> | undefined) : undefined;
  const fromBody = body?.access_token;
  if (fromHeader !== undefined && fromBody !== undefined) throw invalidRequest('Token given in more than one way');
  if (fromBody !== undefined && typeof fromBody !== 'string') throw invalidRequest('access_token must be given once');
  return fromHeader || fromBody || undefined;
}

/** OpenID Connect Core §5.3: the claims about the user the token was issued for. */
export const userinfoEndpoint: FastifyPluginAsync<{ domain: Domain }> = async (app, { domain }) => {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    const realm = await realmOf(domain, request);
    const token = bearerToken(request);
    if (!token) throw new NoBearerToken(realm.realm.name);
    const check = await checkAccessToken(domain, realm, token);
    if (!check.ok) throw invalidToken(realm.realm.name, check.reason);
    const { claims } = check;
    const scopes = new Set(parseScope(claims.scope));
    // Core §5.3: userinfo answers for OpenID Connect requests; Keycloak says so the same way.
    if (!scopes.has(OPENID)) throw insufficientScope(realm.realm.name, 'Missing openid scope');
    const holders = await tokenHoldersActive(domain, realm.realm.id,
      { userId: claims.sub, client: await domain.clients.runtime(realm.realm.id, claims.client_id), sessionId: claims.sid });
    if (!holders.ok) throw invalidToken(realm.realm.name, holders.reason);
    const { user, client } = holders;
    if (!supportsOpenIdConnect(client.record.settings)) {
      throw insufficientScope(realm.realm.name, 'The client does not support OpenID Connect');
    }
    const asked = claims[USERINFO_CLAIMS];
    return {
      ...userClaims(user, client.record, scopes, 'userinfo'),
      // Core §5.5: claims asked for by name come whatever the scope.
      ...(asked && typeof asked === 'object' ? requestedClaims(user, client.record, asked as Record<string, unknown>) : {}),
      sub: user.id,
    };
  };
  app.get(`${OIDC}/userinfo`, handler);
  app.post(`${OIDC}/userinfo`, handler);
};
