import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Broker } from '../broker/index.js';
import type { ClientRuntime, Domain, RealmRuntime } from '../domain/index.js';
import type { Mailer } from '../mail/index.js';
import type { PageContext, Pages } from '../pages/types.js';
import { returnsToken, type AuthorizationRequest } from '../protocol/authorization/request.js';
import { acrOf } from '../protocol/authorization/acr.js';
import {
  authorizationError, authorizationResponse, nextStep, reauthenticationRequired, type Situation,
} from '../protocol/authorization/respond.js';
import type { AuthorizationResponse } from '../protocol/authorization/response-modes.js';
import { OAuthError } from '../protocol/errors.js';
import type { InteractionAuth, InteractionRecord, SessionRecord, UserRecord } from '../storage/store.js';
import {
  csrfToken, ownsInteraction, pageContext, readSignedCookie, realmPath, redirectBrowser, rememberInteraction, sendPage, SESSION_COOKIE,
  setSessionCookie,
} from './browser.js';
import { finalAmr } from '../domain/authentication/index.js';
import { tokensIssued } from './metrics.js';
import { realmOf } from './realm.js';

export interface FlowDeps {
  domain: Domain;
  pages: Pages;
  resourcesPath: string;
  /** Signs users in through other OpenID providers. */
  broker: Broker;
  /** Mails the sign-in's links (reset, verification). */
  mailer: Mailer;
}

/** A parked authorization request, loaded for the browser that started it. */
export interface Loaded {
  realm: RealmRuntime;
  interaction: InteractionRecord;
  req: AuthorizationRequest;
  client: ClientRuntime;
  ctx: PageContext;
}

/**
 * The parked request of that id, only for the browser that started it and only while it is
 * fresh; otherwise the page saying it expired is sent, and undefined returned.
 */
export async function loadInteraction(deps: FlowDeps, request: FastifyRequest, reply: FastifyReply, id: unknown): Promise<Loaded | undefined> {
  const { domain, pages } = deps;
  const realm = await realmOf(domain, request);
  const interaction = typeof id === 'string' && ownsInteraction(request, id) ? await domain.interactions.get(id) : undefined;
  const client = interaction && interaction.realmId === realm.realm.id ? await domain.clients.getById(interaction.clientId) : undefined;
  if (!interaction || !client) {
    const ctx = pageContext(pages, realm, request, { resourcesPath: deps.resourcesPath });
    sendPage(reply, pages.error(ctx, { messageKey: 'requestExpired' }), { status: 400 });
    return undefined;
  }
  const req = JSON.parse(interaction.request) as AuthorizationRequest;
  const runtime = (await domain.clients.runtime(realm.realm.id, client.clientId))!;
  const ctx = pageContext(pages, realm, request, { uiLocales: req.uiLocales, client: runtime, resourcesPath: deps.resourcesPath });
  return { realm, interaction, req, client: runtime, ctx };
}

/** A step of the parked request's pages: login-actions/<step>?interaction=<id>. */
export const interactionUrl = (l: Loaded, step: string) =>
  realmPath(l.realm, `/login-actions/${step}?interaction=${encodeURIComponent(l.interaction.id)}`);

/**
 * The end of every sign-in, by password or at another provider: a new SSO session replaces
 * whatever this browser had (and so any other user's), `started` records what the way of
 * signing in keeps of it, and the request goes on (consent, then the response): at once, or
 * `viaPage` (see sendContinuePage). The same user signing in again where no fresh
 * authentication was asked for (prompt=select_account, a step-up) keeps the session, and with
 * it every client signed in through it; what this sign-in did (`amr`) is added to it.
 */
export async function finishSignIn(
  deps: FlowDeps, l: Loaded, user: UserRecord, request: FastifyRequest, reply: FastifyReply,
  started: (session: SessionRecord) => Promise<void>,
  opts: { viaPage?: boolean; amr: string[]; rememberMe?: boolean; actionStatus?: InteractionAuth['actionStatus'] },
): Promise<FastifyReply> {
  const { domain } = deps;
  const realm = l.realm.realm;
  const previousId = readSignedCookie(request, SESSION_COOKIE);
  const previous = previousId ? await domain.sessions.active(previousId) : undefined;
  const kept = previous && previous.realmId === realm.id && !previous.offline && previous.userId === user.id
    && !reauthenticationRequired(l.req, previous.authTime) ? previous : undefined;
  if (previousId && !kept) await domain.sessions.end(previousId);
  const session = kept
    ? await domain.sessions.raise(kept, finalAmr([...kept.amr ?? ['pwd'], ...opts.amr]))
    : await domain.sessions.start(realm, user.id, { offline: false, amr: finalAmr(opts.amr), rememberMe: opts.rememberMe });
  if (!kept) setSessionCookie(reply, l.realm, session);
  await started(session);
  // What became of the client's kc_action stays with the request until it answers the client (after consent, perhaps).
  const { actionStatus } = opts;
  await domain.interactions.update({ ...l.interaction, userId: user.id, sessionId: session.id, auth: actionStatus ? { amr: session.amr ?? [], actionStatus } : null });
  if (opts.viaPage) return sendContinuePage(deps, l, reply);
  return continueAuthorization(deps, l.realm, l.client, l.req, { session, user, freshLogin: true, actionStatus }, request, reply, l.interaction.id);
}

/**
 * A page that moves a signed-in request on with a form of its own (login-actions/continue).
 * It ends the redirect chain that another site's form began (an identity provider's login
 * page): browsers check every redirect of that chain against the other site's CSP
 * form-action, which would stop the redirect to the client.
 */
export function sendContinuePage(deps: FlowDeps, l: Loaded, reply: FastifyReply): FastifyReply {
  const action = new URL(interactionUrl(l, 'continue'), l.realm.issuer).href;
  const html = deps.pages.formPost(l.ctx, { action, fields: { _csrf: csrfToken(reply, l.realm) } });
  return sendPage(reply, html, { formTargets: [action, l.req.redirectUri] });
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
  firstPage = 'authenticate',
): Promise<FastifyReply> {
  let next;
  try {
    next = await nextStep(deps.domain, realm, client, req, situation);
  } catch (err) {
    if (err instanceof OAuthError) return deliver(deps, realm, request, reply, authorizationError(realm, req, err), client);
    throw err;
  }
  if (next === 'respond') {
    const { session, user } = situation;
    if (interactionId) await deps.domain.interactions.finish(interactionId);
    if (req.device) return answerDevice(deps, realm, client, req.device, { userId: user!.id, sessionId: session!.id }, request, reply);
    const touched = await deps.domain.sessions.touch(realm.realm, session!);
    const acr = acrOf(realm.realm, client, req, touched, situation.freshLogin);
    const response = await authorizationResponse(deps.domain, realm, client, req, user!, touched, acr, situation.actionStatus);
    // Keycloak has no grant type for an access token from the authorization endpoint: OAuth's implicit grant names it.
    if (returnsToken(req)) tokensIssued.inc({ grant_type: 'implicit' });
    return deliver(deps, realm, request, reply, response, client);
  }
  let id = interactionId;
  if (!id) {
    // Only consent, or the second factor of a step-up, is left when the user is already signed in:
    // park who that is, with what the session's sign-in did, so the pages ask nothing else.
    const signedIn = next === 'consent' || next === 'step-up' || next === 'action' ? situation : {};
    const interaction = await deps.domain.interactions.create(
      realm.realm, client.record.id, req, signedIn.session?.id ?? null, signedIn.user?.id ?? null,
      signedIn.session ? { amr: signedIn.session.amr ?? ['pwd'] } : null);
    id = interaction.id;
    // The interaction belongs to this browser: another one holding its id cannot continue it.
    rememberInteraction(request, reply, realm, id);
  }
  return redirectBrowser(request, reply, realmPath(realm, `/login-actions/${firstPage}?interaction=${encodeURIComponent(id)}`));
}

/**
 * The end of a device's sign-in (RFC 8628 §3.3): the user's answer is recorded for the
 * device's next poll, and the page says to go back to it.
 */
export async function answerDevice(
  deps: FlowDeps, realm: RealmRuntime, client: ClientRuntime, deviceCodeHash: string, answer: { userId: string; sessionId: string } | 'denied',
  request: FastifyRequest, reply: FastifyReply,
): Promise<FastifyReply> {
  const recorded = await deps.domain.deviceCodes.decide(deviceCodeHash, answer);
  const ctx = pageContext(deps.pages, realm, request, { client, resourcesPath: deps.resourcesPath });
  const outcome = !recorded ? 'expired' : answer === 'denied' ? 'denied' : 'approved';
  return sendPage(reply, deps.pages.device(ctx, { outcome }), { status: recorded ? 200 : 400 });
}
