import type { FastifyPluginAsync } from 'fastify';
import type { Domain } from '../domain/index.js';
import { formSchema, requireForm } from '../http/form.js';
import { OIDC } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { authenticateClient } from '../protocol/client-auth.js';
import { OAuthError } from '../protocol/errors.js';
import { grants } from '../protocol/grants/index.js';

/** The token endpoint (RFC 6749 §3.2): authenticates the client, then hands off to the grant. */
export const tokenEndpoint: FastifyPluginAsync<{ domain: Domain }> = async (app, { domain }) => {
  app.post(`${OIDC}/token`, { schema: { body: formSchema(['grant_type']) } }, async (request, reply) => {
    const params = requireForm(request);
    const realm = await realmOf(domain, request);
    const grant = grants.get(params.grant_type!);
    if (!grant) throw new OAuthError('unsupported_grant_type', `Unsupported grant_type "${params.grant_type}"`);
    const client = await authenticateClient(domain, realm, { authorization: request.headers.authorization, params });
    grant.allowed(client);
    const tokens = await grant.handle({ domain, realm, client, params });
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return tokens;
  });
};
