import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { continueAuthorization, deliver, type FlowDeps } from '../http/authorization-flow.js';
import { pageContext, sendPage, ssoSession } from '../http/browser.js';
import { OIDC } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { UnsafeAuthorizationRequest, validateAuthorizationRequest, type CheckContext } from '../protocol/authorization/checks.js';
import type { AuthorizationRequest } from '../protocol/authorization/request.js';
import { authorizationError } from '../protocol/authorization/respond.js';
import { OAuthError } from '../protocol/errors.js';

/** The authorization endpoint (OpenID Connect Core §3.1.2), GET and POST, and Keycloak's registrations endpoint beside it. */
export const authorizationEndpoint: FastifyPluginAsync<FlowDeps> = async (app, deps) => {
  const handler = (firstPage?: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const realm = await realmOf(deps.domain, request);
    const params = (request.method === 'POST' ? request.body : request.query) as Record<string, unknown> ?? {};
    const ctx: CheckContext = { domain: deps.domain, realm, params, request: {} };
    let req: AuthorizationRequest;
    try {
      req = await validateAuthorizationRequest(ctx);
    } catch (err) {
      if (err instanceof OAuthError && ctx.request.redirectUri) {
        return deliver(deps, realm, request, reply, authorizationError(realm, { ...ctx.request, redirectUri: ctx.request.redirectUri }, err), ctx.client);
      }
      const page = err instanceof UnsafeAuthorizationRequest ? err : err instanceof OAuthError
        ? { messageKey: 'invalidRequest', detail: err.description } : undefined;
      if (!page) throw err;
      const pc = pageContext(deps.pages, realm, request, { client: ctx.client, resourcesPath: deps.resourcesPath });
      return sendPage(reply, deps.pages.error(pc, { messageKey: page.messageKey, detail: page.detail }), { status: 400 });
    }
    const situation = await ssoSession(deps.domain, realm, request);
    return continueAuthorization(deps, realm, ctx.client!, req, situation, request, reply, undefined, firstPage);
  };
  app.get(`${OIDC}/auth`, { config: { page: true } }, handler());
  app.post(`${OIDC}/auth`, { config: { page: true } }, handler());
  // Keycloak's: an authorization request that opens at the registration page (the login page where the realm has none).
  app.get(`${OIDC}/registrations`, { config: { page: true } }, handler('registration'));
};
