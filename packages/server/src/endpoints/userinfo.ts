import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { supportsOpenIdConnect } from '../domain/clients.js';
import type { Domain } from '../domain/index.js';
import { bearerUser } from '../http/bearer.js';
import { OIDC } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { insufficientScope } from '../protocol/errors.js';
import { OPENID, parseScope } from '../protocol/scopes.js';
import { USERINFO_CLAIMS, userinfoClaims } from '../protocol/tokens.js';

/** OpenID Connect Core §5.3: the claims about the user the token was issued for. */
export const userinfoEndpoint: FastifyPluginAsync<{ domain: Domain }> = async (app, { domain }) => {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    const realm = await realmOf(domain, request);
    const { claims, user, client, session } = await bearerUser(domain, realm, request);
    const scopes = new Set(parseScope(claims.scope));
    // Core §5.3: userinfo answers for OpenID Connect requests; Keycloak says so the same way.
    if (!scopes.has(OPENID)) throw insufficientScope(realm.realm.name, 'Missing openid scope');
    if (!supportsOpenIdConnect(client.record.settings)) {
      throw insufficientScope(realm.realm.name, 'The client does not support OpenID Connect');
    }
    return userinfoClaims(domain, client, user, [...scopes], claims[USERINFO_CLAIMS], session);
  };
  app.get(`${OIDC}/userinfo`, handler);
  app.post(`${OIDC}/userinfo`, handler);
};
