import type { FastifyPluginAsync } from 'fastify';
import type { Domain } from '../domain/index.js';
import { recordCall } from '../http/events.js';
import { formSchema, requireForm } from '../http/form.js';
import { endpointPaths, OIDC } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { UnsafeAuthorizationRequest, validateAuthorizationRequest, type CheckContext } from '../protocol/authorization/checks.js';
import type { AuthorizationRequest } from '../protocol/authorization/request.js';
import { authenticateClient } from '../protocol/client-auth.js';
import { policyAuthentication } from '../protocol/client-policies.js';
import { checkDpopProof, dpopHeader, dpopNonceRequired, dpopNonces, invalidDpopProof } from '../protocol/dpop.js';
import { invalidRequest } from '../protocol/errors.js';

/**
 * Pushed authorization requests (RFC 9126), at Keycloak's URL: the client authenticates and
 * sends its authorization request here; it passes the same checks as one from the browser
 * (and is checked again when its request_uri comes back), and is kept, sealed, for a minute.
 */
export const parEndpoint: FastifyPluginAsync<{ domain: Domain }> = async (app, { domain }) => {
  app.post(`${OIDC}/ext/par/request`, { schema: { body: formSchema() } }, async (request, reply) => {
    const params = requireForm(request);
    const realm = await realmOf(domain, request);
    reply.header('cache-control', 'no-store');
    const pushed = await recordCall(domain, realm, request, params, ['PUSHED_AUTHORIZATION_REQUEST', 'PUSHED_AUTHORIZATION_REQUEST_ERROR'], async (notes) => {
      const { client } = notes.client = await authenticateClient(domain, realm, {
        authorization: request.headers.authorization, params, endpoint: realm.issuer + endpointPaths.pushedAuthorizationRequest,
      });
      // The client's credentials are no part of the request to keep.
      const { client_secret: _secret, client_assertion: _assertion, client_assertion_type: _type, ...rest } = params;
      const ctx: CheckContext = {
        domain, realm, params: { ...rest, client_id: client.record.clientId }, request: {}, pushing: true,
        authentication: policyAuthentication(params, notes.client),
      };
      let checked: AuthorizationRequest;
      try {
        checked = await validateAuthorizationRequest(ctx);
      } catch (err) {
        // Nothing is redirected from here: every error is the client's answer (RFC 9126 §2.3).
        if (err instanceof UnsafeAuthorizationRequest) throw invalidRequest(`Invalid parameter: ${err.messageKey === 'invalidRedirectUri' ? 'redirect_uri' : err.detail}`);
        throw err;
      }
      // RFC 9449 §10.1: a proof sent with the push binds the code to its key, as dpop_jkt would.
      const proof = dpopHeader(request.headers.dpop);
      if (proof) {
        const nonces = dpopNonceRequired(client.record.settings) ? await dpopNonces(realm) : undefined;
        if (nonces) reply.header('dpop-nonce', nonces.fresh);
        const { jkt } = await checkDpopProof(domain, proof, { htm: 'POST', htu: realm.issuer + endpointPaths.pushedAuthorizationRequest, nonces });
        if (checked.dpopJkt !== undefined && checked.dpopJkt !== jkt) throw invalidDpopProof('dpop_jkt is not the thumbprint of the DPoP proof\'s key');
        ctx.params.dpop_jkt = jkt;
      }
      return domain.pushedRequests.push(realm.realm, client.record.id, ctx.params as Record<string, string>);
    });
    reply.code(201);
    return { request_uri: pushed.requestUri, expires_in: pushed.expiresIn };
  });
};
