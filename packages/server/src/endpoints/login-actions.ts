import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { supportsApiAccess } from '../domain/clients.js';
import type { ClientRuntime, RealmRuntime } from '../domain/index.js';
import { signInWithPassword } from '../domain/sign-in.js';
import { continueAuthorization, deliver, type FlowDeps } from '../http/authorization-flow.js';
import { recordSignIn } from '../http/events.js';
import {
  clearSessionCookie, csrfCheck, csrfToken, ownsInteraction, pageContext, readSignedCookie, realmPath, redirectBrowser, sendPage,
  setSessionCookie, SESSION_COOKIE,
} from '../http/browser.js';
import { REALM } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import type { PageContext } from '../pages/types.js';
import type { AuthorizationRequest } from '../protocol/authorization/request.js';
import { authorizationError, reauthenticationRequired } from '../protocol/authorization/respond.js';
import { OAuthError } from '../protocol/errors.js';
import type { InteractionRecord } from '../storage/store.js';

interface Loaded {
  realm: RealmRuntime;
  interaction: InteractionRecord;
  req: AuthorizationRequest;
  client: ClientRuntime;
  ctx: PageContext;
}

type Body = Record<string, string | undefined>;

const LOGIN_ERRORS = {
  invalid_credentials: 'invalidCredentials', disabled: 'accountDisabled', locked: 'accountTemporarilyLocked',
} as const;

const CONSENT_KEYS: Record<string, 'profile' | 'email' | undefined> = { profile: 'profile', email: 'email' };
const CONSENT_MESSAGES: Record<string, string> = {
  profile: 'consentProfile', email: 'consentEmail', phone: 'consentPhone', address: 'consentAddress', offline_access: 'consentOfflineAccess',
};

/** The login and consent steps of an authorization request (Keycloak's login-actions). */
export const loginActions: FastifyPluginAsync<FlowDeps> = async (app, deps) => {
  const { domain, pages } = deps;

  /** The parked request, only for the browser that started it and only while it is fresh. */
  async function load(request: FastifyRequest, reply: FastifyReply): Promise<Loaded | undefined> {
    const realm = await realmOf(domain, request);
    const id = (request.query as Record<string, unknown>).interaction;
    const interaction = typeof id === 'string' && ownsInteraction(request, id)
      ? await domain.interactions.get(id) : undefined;
    const client = interaction && interaction.realmId === realm.realm.id
      ? await domain.clients.getById(interaction.clientId) : undefined;
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

  const actionUrl = (l: Loaded, step: string) => realmPath(l.realm, `/login-actions/${step}?interaction=${encodeURIComponent(l.interaction.id)}`);

  function showLogin(l: Loaded, reply: FastifyReply, opts: { username?: string; error?: 'invalidCredentials' | 'accountDisabled' | 'accountTemporarilyLocked' } = {}) {
    const html = pages.login(l.ctx, {
      action: actionUrl(l, 'authenticate'),
      hidden: { _csrf: csrfToken(reply, l.realm) },
      username: opts.username ?? l.req.loginHint,
      error: opts.error,
    });
    return sendPage(reply, html, { formTargets: [l.req.redirectUri] });
  }

  function consentItems(l: Loaded): string[] {
    const { locale } = l.ctx;
    const texts = l.client.record.settings.consentTexts;
    const own = texts[locale] ?? texts[locale.split('-')[0]] ?? texts.en ?? {};
    const items = l.req.scopes.flatMap((scope) => {
      const key = CONSENT_KEYS[scope];
      const custom = key ? own[key] : undefined;
      if (custom) return [custom];
      return CONSENT_MESSAGES[scope] ? [pages.message(locale, CONSENT_MESSAGES[scope])] : [];
    });
    // Seed 001's API consent: asked when the client reaches other applications on the user's behalf
    // (never when it has no API access: its tokens then reach no API).
    const settings = l.client.record.settings;
    if (supportsApiAccess(settings) && (own.api || settings.audiences.length > 0)) items.push(own.api ?? pages.message(locale, 'consentApi'));
    return items;
  }

  function showConsent(l: Loaded, reply: FastifyReply) {
    const html = pages.consent(l.ctx, { action: actionUrl(l, 'consent'), hidden: { _csrf: csrfToken(reply, l.realm) }, items: consentItems(l) });
    return sendPage(reply, html, { formTargets: [l.req.redirectUri] });
  }

  async function signedIn(l: Loaded) {
    const session = l.interaction.sessionId ? await domain.sessions.active(l.interaction.sessionId) : undefined;
    const user = l.interaction.userId ? await domain.users.get(l.realm.realm.id, l.interaction.userId) : undefined;
    return { session, user };
  }

  app.get(`${REALM}/login-actions/authenticate`, { config: { page: true } }, async (request, reply) => {
    const l = await load(request, reply);
    if (!l) return reply;
    const { session, user } = await signedIn(l);
    if (session && user) return showConsent(l, reply);
    return showLogin(l, reply);
  });

  app.post(`${REALM}/login-actions/authenticate`, { preHandler: csrfCheck(app, deps), config: { page: true } }, async (request, reply) => {
    const l = await load(request, reply);
    if (!l) return reply;
    const body = (request.body ?? {}) as Body;
    const username = (body.username ?? '').trim();
    const realmRecord = l.realm.realm;
    const check = await signInWithPassword(domain, realmRecord, username, body.password ?? '');
    const signInEvent = (sessionId?: string) => recordSignIn(domain, request, l.realm, l.client, username, check, { sessionId, redirectUri: l.req.redirectUri });
    if (!check.ok) {
      await signInEvent();
      return showLogin(l, reply, { username, error: LOGIN_ERRORS[check.reason] });
    }

    // A new sign-in replaces whatever session this browser had (and so any other user's). The same
    // user signing in again where no fresh authentication was asked for (prompt=select_account)
    // keeps the session, and with it every client signed in through it.
    const previousId = readSignedCookie(request, SESSION_COOKIE);
    const previous = previousId ? await domain.sessions.active(previousId) : undefined;
    const kept = previous && previous.realmId === realmRecord.id && !previous.offline && previous.userId === check.user.id
      && !reauthenticationRequired(l.req, previous.authTime) ? previous : undefined;
    if (previousId && !kept) await domain.sessions.end(previousId);
    const session = kept ?? await domain.sessions.start(realmRecord, check.user.id, { offline: false });
    if (!kept) setSessionCookie(reply, l.realm, session);
    await signInEvent(session.id);
    await domain.interactions.update({ ...l.interaction, userId: check.user.id, sessionId: session.id });
    return continueAuthorization(deps, l.realm, l.client, l.req, { session, user: check.user, freshLogin: true }, request, reply, l.interaction.id);
  });

  app.post(`${REALM}/login-actions/consent`, { preHandler: csrfCheck(app, deps), config: { page: true } }, async (request, reply) => {
    const l = await load(request, reply);
    if (!l) return reply;
    const { session, user } = await signedIn(l);
    if (!session || !user) {
      clearSessionCookie(reply, l.realm);
      return redirectBrowser(request, reply, actionUrl(l, 'authenticate'));
    }
    const body = (request.body ?? {}) as Body;
    if (body.accept === undefined) {
      await domain.interactions.finish(l.interaction.id);
      return deliver(deps, l.realm, request, reply, authorizationError(l.realm, l.req, new OAuthError('access_denied', 'The user declined')), l.client);
    }
    await domain.consents.grant(user.id, l.client.record.id, l.req.scopes);
    // Signed in for this very request when the session began after it did (not a single sign-on parked for consent).
    const freshLogin = session.authTime >= l.interaction.createdAt;
    return continueAuthorization(deps, l.realm, l.client, l.req, { session, user, freshLogin, consentGiven: true }, request, reply, l.interaction.id);
  });
};
