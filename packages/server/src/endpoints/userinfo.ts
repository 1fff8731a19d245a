import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { supportsOpenIdConnect } from '../domain/clients.js';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { OIDC } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { checkAccessToken } from '../protocol/access-tokens.js';
import { userClaims } from '../protocol/claims.js';
import { OAuthError, invalidRequest, invalidToken } from '../protocol/errors.js';
import { parseScope } from '../protocol/scopes.js';

/** RFC 6750 §2.1 header or §2.2 form body; never both. */
function bearerToken(request: FastifyRequest, realm: RealmRuntime): string {
  const header = request.headers.authorization;
  const fromHeader = header && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
  const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
  const body = type === 'application/x-www-form-urlencoded' ? (request.body as Record<string, unknown> | undefined) : undefined;
  const fromBody = body?.access_token;
  if (fromHeader !== undefined && fromBody !== undefined) throw invalidRequest('Token given in more than one way');
  if (fromBody !== undefined && typeof fromBody !== 'string') throw invalidRequest('access_token must be given once');
  const token = fromHeader ?? fromBody;
  if (!token) {
    throw new OAuthError('invalid_request', 'Bearer access token required', 401, {
      'www-authenticate': `Bearer realm="${realm.realm.name}"`,
    });
  }
  return token;
}

/** OpenID Connect Core §5.3: the claims about the user the token was issued for. */
export const userinfoEndpoint: FastifyPluginAsync<{ domain: Domain }> = async (app, { domain }) => {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    const realm = await realmOf(domain, request);
    const token = bearerToken(request, realm);
    const check = await checkAccessToken(domain, realm, token);
    if (!check.ok) throw invalidToken(realm.realm.name, check.reason);
    const { claims } = check;
    const [user, client] = await Promise.all([
      domain.users.get(realm.realm.id, claims.sub),
      domain.clients.runtime(realm.realm.id, claims.client_id),
    ]);
    if (!user || !user.enabled) throw invalidToken(realm.realm.name, 'User is disabled or no longer exists');
    if (!client || !client.record.enabled) throw invalidToken(realm.realm.name, 'Client is disabled or no longer exists');
    if (claims.sid && !(await domain.sessions.active(claims.sid))) throw invalidToken(realm.realm.name, 'Session not active');
    if (!supportsOpenIdConnect(client.record.settings)) {
      throw new OAuthError('insufficient_scope', 'The client does not support OpenID Connect', 403, {
        'www-authenticate': `Bearer realm="${realm.realm.name}", error="insufficient_scope", error_description="The client does not support OpenID Connect"`,
      });
    }
    return { ...userClaims(user, client.record, new Set(parseScope(claims.scope)), 'userinfo'), sub: user.id };
  };
  app.get(`${OIDC}/userinfo`, handler);
  app.post(`${OIDC}/userinfo`, handler);
};
