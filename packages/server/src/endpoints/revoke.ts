import type { FastifyPluginAsync } from 'fastify';
import { decodeJwt } from 'jose';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { formSchema, requireForm } from '../http/form.js';
import { OIDC } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { checkAccessToken } from '../protocol/access-tokens.js';
import { authenticateClient } from '../protocol/client-auth.js';
import { unauthorizedClient } from '../protocol/errors.js';

async function revokeRefreshToken(domain: Domain, realm: RealmRuntime, clientUuid: string, token: string): Promise<boolean> {
  const stored = await domain.tokens.findRefresh(token);
  if (!stored || stored.realmId !== realm.realm.id) return false;
  if (stored.clientId !== clientUuid) throw unauthorizedClient('The token was issued to another client');
  await domain.tokens.revokeFamily(stored.familyId);
  return true;
}

async function revokeAccessToken(domain: Domain, realm: RealmRuntime, clientId: string, token: string): Promise<boolean> {
  const check = await checkAccessToken(domain, realm, token);
  if (!check.ok) return false;
  if (check.claims.client_id !== clientId) throw unauthorizedClient('The token was issued to another client');
  await domain.tokens.revokeAccessToken(check.claims.jti, check.claims.exp);
  return true;
}

const looksLikeJwt = (token: string) => {
  try {
    decodeJwt(token);
    return true;
  } catch {
    return false;
  }
};

/** RFC 7009: an unknown or already invalid token still answers 200. */
export const revocationEndpoint: FastifyPluginAsync<{ domain: Domain }> = async (app, { domain }) => {
  app.post(`${OIDC}/revoke`, { schema: { body: formSchema(['token']) } }, async (request, reply) => {
    const params = requireForm(request);
    const realm = await realmOf(domain, request);
    const { client } = await authenticateClient(domain, realm, { authorization: request.headers.authorization, params });
    const token = params.token!;
    if (looksLikeJwt(token)) await revokeAccessToken(domain, realm, client.record.clientId, token);
    else await revokeRefreshToken(domain, realm, client.record.id, token);
    reply.header('cache-control', 'no-store').code(200).send();
  });
};
