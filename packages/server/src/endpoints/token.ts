import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { formSchema, requireForm } from '../http/form.js';
import { recordGrant } from '../http/events.js';
import { endpointPaths, OIDC } from '../http/paths.js';
import { tokensIssued } from '../http/metrics.js';
import { realmOf } from '../http/realm.js';
import { authenticateClient, type AuthenticatedClient } from '../protocol/client-auth.js';
import { enforceClientPolicies, policyAuthentication } from '../protocol/client-policies.js';
import { checkDpopProof, dpopHeader, dpopNonceRequired, dpopNonces, dpopRequired, invalidDpopProof, type DpopProof } from '../protocol/dpop.js';
import { OAuthError } from '../protocol/errors.js';
import { grants } from '../protocol/grants/index.js';

/**
 * The DPoP proof of a token request (RFC 9449 §5), checked: required of a client whose tokens
 * must be bound (Keycloak's dpop.bound.access.tokens), optional for the others.
 */
async function tokenRequestProof(domain: Domain, realm: RealmRuntime, { client }: AuthenticatedClient, request: FastifyRequest,
  reply: FastifyReply): Promise<DpopProof | undefined> {
  const proof = dpopHeader(request.headers.dpop);
  if (!proof) {
    if (dpopRequired(client.record.settings)) throw invalidDpopProof('DPoP proof is missing');
    return undefined;
  }
  const nonces = dpopNonceRequired(client.record.settings) ? await dpopNonces(realm) : undefined;
  // RFC 9449 §8.2: the next nonce rides on every answer, so the client need not fail to learn it.
  if (nonces) reply.header('dpop-nonce', nonces.fresh);
  return checkDpopProof(domain, proof, { htm: 'POST', htu: realm.issuer + endpointPaths.token, nonces });
}

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
      const dpop = await tokenRequestProof(domain, realm, client, request, reply);
      await enforceClientPolicies(domain, realm, client.client, { kind: 'token', grantType: grant.type, dpop, authentication: policyAuthentication(params, client) });
      return grant.handle({ domain, realm, client, params, address: request.ip, notes, dpop });
    });
    tokensIssued.inc({ grant_type: grant.type });
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return tokens;
  });
};
