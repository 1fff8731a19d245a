import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { RealmRuntime } from '../domain/index.js';
import { continueAuthorization, type FlowDeps } from '../http/authorization-flow.js';
import { csrfCheck, csrfToken, pageContext, realmPath, sendPage, ssoSession } from '../http/browser.js';
import { recordCall } from '../http/events.js';
import { formSchema, requireForm } from '../http/form.js';
import { endpointPaths, OIDC, REALM } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import type { DevicePage } from '../pages/types.js';
import type { AuthorizationRequest } from '../protocol/authorization/request.js';
import { authenticateClient } from '../protocol/client-auth.js';
import { enforceClientPolicies, policyAuthentication } from '../protocol/client-policies.js';
import { unauthorizedClient } from '../protocol/errors.js';
import { grantedScopes, parseScope } from '../protocol/scopes.js';

/**
 * RFC 8628 at Keycloak's addresses: the device authorization endpoint, where a device gets its
 * codes, and the page where the user enters the user code (then signs in and confirms as in
 * any authorization request; see answerDevice for its end).
 */
export const deviceEndpoints: FastifyPluginAsync<FlowDeps> = async (app, deps) => {
  const { domain, pages } = deps;

  app.post(`${OIDC}/auth/device`, { schema: { body: formSchema() } }, async (request, reply) => {
    const params = requireForm(request);
    const realm = await realmOf(domain, request);
    const response = await recordCall(domain, realm, request, params, ['OAUTH2_DEVICE_AUTH', 'OAUTH2_DEVICE_AUTH_ERROR'], async (notes) => {
      const client = notes.client = await authenticateClient(domain, realm, {
        authorization: request.headers.authorization, params, endpoint: realm.issuer + endpointPaths.deviceAuthorization,
      });
      if (!client.client.record.settings.deviceGrant) throw unauthorizedClient('Client is not allowed the device authorization grant');
      await enforceClientPolicies(domain, realm, client.client, { kind: 'device-authorization', authentication: policyAuthentication(params, client) });
      const scopes = grantedScopes(client.client, params.scope);
      const { deviceCode, userCode, record } = await domain.deviceCodes.issue(realm.realm, client.client.record.id, scopes.join(' '));
      const verification = realm.issuer + endpointPaths.deviceVerification;
      return {
        device_code: deviceCode,
        user_code: userCode,
        verification_uri: verification,
        verification_uri_complete: `${verification}?user_code=${encodeURIComponent(userCode)}`,
        expires_in: record.expiresAt - record.createdAt,
        interval: record.pollInterval,
      };
    });
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return response;
  });

  function showForm(request: FastifyRequest, reply: FastifyReply, realm: RealmRuntime, userCode: string | undefined, error?: DevicePage['error']) {
    const ctx = pageContext(pages, realm, request, { resourcesPath: deps.resourcesPath });
    const html = pages.device(ctx, {
      form: { action: realmPath(realm, endpointPaths.deviceVerification), hidden: { _csrf: csrfToken(reply, realm) }, userCode }, error,
    });
    return sendPage(reply, html, { status: error === 'tooManyUserCodes' ? 429 : error ? 400 : 200 });
  }

  // verification_uri_complete fills the code in; the user still presses the button, so a link alone approves nothing.
  app.get(`${REALM}${endpointPaths.deviceVerification}`, { config: { page: true } }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const { user_code: userCode } = request.query as Record<string, unknown>;
    return showForm(request, reply, realm, typeof userCode === 'string' ? userCode.slice(0, 32) : undefined);
  });

  app.post(`${REALM}${endpointPaths.deviceVerification}`, { preHandler: csrfCheck(app, deps), config: { page: true } }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const { user_code: entered } = (request.body ?? {}) as Record<string, unknown>;
    const input = typeof entered === 'string' ? entered.slice(0, 32) : '';
    if (await domain.deviceCodes.guessingFrom(request.ip)) return showForm(request, reply, realm, input, 'tooManyUserCodes');
    const record = await domain.deviceCodes.findPending(realm.realm.id, input, request.ip);
    const found = record && await domain.clients.getById(record.clientId);
    const client = found && await domain.clients.runtime(realm.realm.id, found.clientId);
    if (!record || !client?.record.enabled || !client.record.settings.deviceGrant) return showForm(request, reply, realm, input, 'invalidUserCode');
    const req: AuthorizationRequest = {
      clientId: client.record.clientId,
      redirectUri: realm.issuer + endpointPaths.deviceVerification,
      responseType: 'code',
      responseMode: 'query',
      scopes: parseScope(record.scope),
      prompt: [],
      device: record.deviceCodeHash,
    };
    return continueAuthorization(deps, realm, client, req, await ssoSession(domain, realm, request), request, reply);
  });
};
