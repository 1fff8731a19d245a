import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ClientRuntime, Domain, RealmRuntime } from '../domain/index.js';
import type { Pages } from '../pages/types.js';
import type { AuthorizationRequest } from '../protocol/authorization/request.js';
import { acrOf, authorizationError, authorizationResponse, nextStep, type Situation } from '../protocol/authorization/respond.js';
import type { AuthorizationResponse } from '../protocol/authorization/response-modes.js';
import { OAuthError } from '../protocol/errors.js';
import { pageContext, realmPath, redirectBrowser, rememberInteraction, sendPage } from './browser.js';

export interface FlowDeps {
  domain: Domain;
  pages: Pages;
  resourcesPath: string;
}

/** Hands the authorization response to the browser: a redirect, or an auto-submitting form. */
export function deliver(deps: FlowDeps, realm: RealmRuntime, request: FastifyRequest, reply: FastifyReply, response: AuthorizationResponse, client?: ClientRuntime): FastifyReply {
  if (response.type === 'redirect') return redirectBrowser(request, reply.header('cache-control', 'no-store'), response.location);
  const ctx = pageContext(deps.pages, realm, request, { client, resourcesPath: deps.resourcesPath });
  return sendPage(reply, deps.pages.formPost(ctx, { action: response.action, fields: response.fields }), { formTargets: [response.action] });
}

/**
 * Moves a validated request on: straight to the client when nothing is needed
 * from the user, else to the login or consent page through a parked interaction.
 */
export async function continueAuthorization(
  deps: FlowDeps, realm: RealmRuntime, client: ClientRuntime, req: AuthorizationRequest,
  situation: Situation, request: FastifyRequest, reply: FastifyReply, interactionId?: string,
): Promise<FastifyReply> {
  let next;
  try {
    next = await nextStep(deps.domain, client, req, situation);
  } catch (err) {
    if (err instanceof OAuthError) return deliver(deps, realm, request, reply, authorizationError(realm, req, err), client);
    throw err;
  }
  if (next === 'respond') {
    const { session, user } = situation;
    if (interactionId) await deps.domain.interactions.finish(interactionId);
    const touched = await deps.domain.sessions.touch(realm.realm, session!);
    const response = await authorizationResponse(deps.domain, realm, client, req, user!, touched, acrOf(situation.freshLogin));
    return deliver(deps, realm, request, reply, response, client);
  }
  let id = interactionId;
  if (!id) {
    // Only consent is left when the user is already signed in: park who that is, so the page asks nothing else.
    const signedIn = next === 'consent' ? situation : {};
    const interaction = await deps.domain.interactions.create(
      realm.realm, client.record.id, req, signedIn.session?.id ?? null, signedIn.user?.id ?? null);
    id = interaction.id;
    // The interaction belongs to this browser: another one holding its id cannot continue it.
    rememberInteraction(request, reply, realm, id);
  }
  return redirectBrowser(request, reply, realmPath(realm, `/login-actions/authenticate?interaction=${encodeURIComponent(id)}`));
}
