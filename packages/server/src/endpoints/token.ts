import type { FastifyPluginAsync } from 'fastify';
import type { Domain } from '../domain/index.js';
import { formSchema, requireForm } from '../http/form.js';
import { recordGrant } from '../http/events.js';
import { endpointPaths, OIDC } from '../http/paths.js';
import { tokensIssued } from '../http/metrics.js';
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
    const tokens = await recordGrant(domain, realm, request, grant.type, params, async (notes) => {
      const client = notes.client = await authenticateClient(domain, realm, {
        authorization: request.headers.authorization, params, endpoint: realm.issuer + endpointPaths.token,
      });
      grant.allowed(client);
      return grant.handle({ domain, realm, client, params, address: request.ip, notes });
    });
    tokensIssued.inc({ grant_type: grant.type });
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return tokens;
  });
};
