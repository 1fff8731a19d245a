import type { FastifyPluginAsync } from 'fastify';
import type { EventNotes } from '../domain/events.js';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { recordCall } from '../http/events.js';
import { formSchema, requireForm } from '../http/form.js';
import { endpointPaths, OIDC } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { checkAccessToken } from '../protocol/access-tokens.js';
import { authenticateClient } from '../protocol/client-auth.js';
import { enforceClientPolicies, policyAuthentication } from '../protocol/client-policies.js';
import { unauthorizedClient } from '../protocol/errors.js';

async function revokeRefreshToken(domain: Domain, realm: RealmRuntime, clientUuid: string, token: string, notes: EventNotes): Promise<boolean> {
  const stored = await domain.tokens.findRefresh(token);
  if (!stored || stored.realmId !== realm.realm.id) return false;
  Object.assign(notes, { userId: stored.userId, sessionId: stored.sessionId });
  if (stored.clientId !== clientUuid) throw unauthorizedClient('The token was issued to another client');
  await domain.tokens.revokeFamily(stored.familyId);
  // An offline session is one grant's (see grantSession): with its token revoked it is over,
  // and no longer listed among the user's offline sessions.
  const session = await domain.sessions.active(stored.sessionId);
  if (session?.offline) await domain.sessions.end(session.id);
  return true;
}

async function revokeAccessToken(domain: Domain, realm: RealmRuntime, clientId: string, token: string, notes: EventNotes): Promise<boolean> {
  const check = await checkAccessToken(domain, realm, token);
  if (!check.ok) return false;
  Object.assign(notes, { userId: check.claims.sub, sessionId: check.claims.sid });
  if (check.claims.client_id !== clientId) throw unauthorizedClient('The token was issued to another client');
  await domain.tokens.revokeAccessToken(check.claims.jti, check.claims.exp);
  return true;
}

/** RFC 7009: an unknown or already invalid token still answers 200. */
export const revocationEndpoint: FastifyPluginAsync<{ domain: Domain }> = async (app, { domain }) => {
  app.post(`${OIDC}/revoke`, { schema: { body: formSchema(['token']) } }, async (request, reply) => {
    const params = requireForm(request);
    const realm = await realmOf(domain, request);
    await recordCall(domain, realm, request, params, ['REVOKE_GRANT', 'REVOKE_GRANT_ERROR'], async (notes) => {
      const authenticated = notes.client = await authenticateClient(domain, realm, {
        authorization: request.headers.authorization, params, endpoint: realm.issuer + endpointPaths.revocation,
      });
      const { client } = authenticated;
      await enforceClientPolicies(domain, realm, client, { kind: 'revocation', authentication: policyAuthentication(params, authenticated) });
      const token = params.token!;
      // Both kinds are JWTs: the hint orders the lookups, and either kind is still found (RFC 7009 §2.1).
      const access = () => revokeAccessToken(domain, realm, client.record.clientId, token, notes);
      const refresh = () => revokeRefreshToken(domain, realm, client.record.id, token, notes);
      const revoked = params.token_type_hint === 'refresh_token'
        ? (await refresh()) || (await access())
        : (await access()) || (await refresh());
      // RFC 7009 §2.2: still 200; Keycloak records the unknown token as an error.
      if (!revoked) notes.error = 'invalid_token';
    });
    reply.header('cache-control', 'no-store').code(200).send();
  });
};
