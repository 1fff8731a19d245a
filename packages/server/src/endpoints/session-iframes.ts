import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { RealmRuntime } from '../domain/index.js';
import { originAllowed } from '../http/cors.js';
import { clearCookie, cookieOptions, pageContext, readSignedCookie, sendPage, SESSION_STATE_COOKIE } from '../http/browser.js';
import type { FlowDeps } from '../http/authorization-flow.js';
import { OIDC } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import type { IframePage } from '../pages/types.js';
import { OAuthError } from '../protocol/errors.js';

const THIRD_PARTY_CHECK_COOKIE = 'LATCHKEY_3P_CHECK';

/**
 * Keycloak's iframes, which keycloak-js loads hidden in the application's page:
 * - `3p-cookies/step1.html` sets a cookie as the session cookie is set and goes on to
 *   `step2.html`, which tells the page whether it came back: whether this server's cookies
 *   reach it in a frame. Where they do not (another site, as Latchkey's cookies are
 *   SameSite=Lax), keycloak-js does without the two iframes below and signs in by redirects.
 * - `login-status-iframe.html` is the check session iframe (OIDC Session Management 1.0,
 *   `check_session_iframe` in discovery); its `/init` says whether a client may ask from an origin.
 */
export const sessionIframes: FastifyPluginAsync<FlowDeps> = async (app, deps) => {
  const { domain, pages, resourcesPath } = deps;
  const page = (realm: RealmRuntime, request: FastifyRequest, reply: FastifyReply, iframe: IframePage) =>
    sendPage(reply, pages.iframe(pageContext(pages, realm, request, { resourcesPath }), iframe), { framed: true });

  app.get(`${OIDC}/3p-cookies/step1.html`, { config: { page: true } }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    reply.setCookie(THIRD_PARTY_CHECK_COOKIE, 'supported', { ...cookieOptions(realm), maxAge: 60 });
    return reply.header('cache-control', 'no-store').redirect('step2.html', 302);
  });

  app.get(`${OIDC}/3p-cookies/step2.html`, { config: { page: true } }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const supported = readSignedCookie(request, THIRD_PARTY_CHECK_COOKIE) === 'supported';
    clearCookie(reply, THIRD_PARTY_CHECK_COOKIE, cookieOptions(realm));
    return page(realm, request, reply, { script: '3p-cookies-step2.js', data: { result: supported ? 'supported' : 'unsupported' } });
  });

  app.get(`${OIDC}/login-status-iframe.html`, { config: { page: true } }, async (request, reply) =>
    page(await realmOf(domain, request), request, reply, { script: 'login-status-iframe.js', data: { cookie: SESSION_STATE_COOKIE } }));

  app.get(`${OIDC}/login-status-iframe.html/init`, {
    schema: {
      querystring: {
        type: 'object',
        properties: { client_id: { type: 'string' }, origin: { type: 'string' } },
        required: ['client_id', 'origin'],
      },
    },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const { client_id: clientId, origin } = request.query as { client_id: string; origin: string };
    const client = await domain.clients.runtime(realm.realm.id, clientId);
    if (!client || !client.record.enabled) throw new OAuthError('invalid_client', 'Unknown or disabled client', 404);
    if (!originAllowed(client, origin)) throw new OAuthError('invalid_request', 'The origin is not one of the client\'s web origins', 403);
    return reply.header('cache-control', 'no-store').code(204).send();
  });
};
