import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { hashPassword } from '../crypto/passwords.js';
import { supportsApiAccess } from '../domain/clients.js';
import { signInWithPassword } from '../domain/sign-in.js';
import {
  answerDevice, continueAuthorization, deliver, finishSignIn, interactionUrl, loadInteraction, type FlowDeps, type Loaded,
} from '../http/authorization-flow.js';
import { recordLogout, recordSignIn, recordUpdatePassword } from '../http/events.js';
import {
  clearSessionCookie, csrfCheck, csrfToken, realmPath, redirectBrowser, sendPage, signedInAccount,
} from '../http/browser.js';
import { REALM } from '../http/paths.js';
import type { LoginPage, UpdatePasswordPage } from '../pages/types.js';
import type { UserRecord } from '../storage/store.js';
import { authorizationError, consentScopes } from '../protocol/authorization/respond.js';
import { tokenMappers } from '../protocol/scopes.js';
import { OAuthError } from '../protocol/errors.js';

type Body = Record<string, string | undefined>;

/** The login page's message for a failed sign-in; a lockout reads as a wrong password, or it would tell which accounts exist. */
export const LOGIN_ERRORS = {
  invalid_credentials: 'invalidCredentials', disabled: 'accountDisabled', locked: 'invalidCredentials',
} as const;

const CONSENT_KEYS: Record<string, 'profile' | 'email' | undefined> = { profile: 'profile', email: 'email' };
const CONSENT_MESSAGES: Record<string, string> = {
  profile: 'consentProfile', email: 'consentEmail', phone: 'consentPhone', address: 'consentAddress', offline_access: 'consentOfflineAccess',
};

/** The login and consent steps of an authorization request (Keycloak's login-actions). */
export const loginActions: FastifyPluginAsync<FlowDeps> = async (app, deps) => {
  const { domain, pages } = deps;

  const load = (request: FastifyRequest, reply: FastifyReply) =>
    loadInteraction(deps, request, reply, (request.query as Record<string, unknown>).interaction);

  /** A button per identity provider the realm offers, each a link that starts the sign-in there. */
  async function providerButtons(l: Loaded): Promise<LoginPage['providers']> {
    const providers = await domain.identityProviders.buttons(l.realm.realm.id);
    return providers.map((p) => ({
      alias: p.alias,
      name: p.settings.displayName || p.alias,
      href: realmPath(l.realm, `/broker/${encodeURIComponent(p.alias)}/login?interaction=${encodeURIComponent(l.interaction.id)}`),
    }));
  }

  async function showLogin(l: Loaded, reply: FastifyReply, opts: { username?: string; error?: LoginPage['error'] } = {}) {
    const html = pages.login(l.ctx, {
      action: interactionUrl(l, 'authenticate'),
      hidden: { _csrf: csrfToken(reply, l.realm) },
      username: opts.username ?? l.req.loginHint,
      error: opts.error,
      providers: await providerButtons(l),
    });
    return sendPage(reply, html, { formTargets: [l.req.redirectUri] });
  }

  function consentItems(l: Loaded): string[] {
    const { locale } = l.ctx;
    const texts = l.client.record.settings.consentTexts;
    const own = texts[locale] ?? texts[locale.split('-')[0]] ?? texts.en ?? {};
    const items = consentScopes(l.client, l.req).flatMap((scope) => {
      const key = CONSENT_KEYS[scope];
      const custom = key ? own[key] : undefined;
      if (custom) return [custom];
      return CONSENT_MESSAGES[scope] ? [pages.message(locale, CONSENT_MESSAGES[scope])] : [];
    });
    // Seed 001's API consent: asked when the client reaches other applications on the user's behalf
    // (never when it has no API access: its tokens then reach no API).
    const settings = l.client.record.settings;
    const audiences = tokenMappers(l.client, l.req.scopes).some((m) => m.protocolMapper === 'oidc-audience-mapper');
    if (supportsApiAccess(settings) && (own.api || audiences)) items.push(own.api ?? pages.message(locale, 'consentApi'));
    return items;
  }

  /** The user the request is parked for, with "not you?": back to the sign-in page (login-actions/restart). */
  const account = (l: Loaded, reply: FastifyReply, user: UserRecord) =>
    signedInAccount(user, { action: interactionUrl(l, 'restart'), hidden: { _csrf: csrfToken(reply, l.realm) } });

  function showConsent(l: Loaded, reply: FastifyReply, user: UserRecord) {
    const html = pages.consent(l.ctx, {
      action: interactionUrl(l, 'consent'), hidden: { _csrf: csrfToken(reply, l.realm) }, items: consentItems(l), account: account(l, reply, user),
    });
    return sendPage(reply, html, { formTargets: [l.req.redirectUri] });
  }

  function showUpdatePassword(l: Loaded, reply: FastifyReply, user: UserRecord, error?: UpdatePasswordPage['error']) {
    const html = pages.updatePassword(l.ctx, {
      action: interactionUrl(l, 'update-password'), hidden: { _csrf: csrfToken(reply, l.realm) }, error, account: account(l, reply, user),
    });
    return sendPage(reply, html, { formTargets: [l.req.redirectUri] });
  }

  /**
   * The user whose password this sign-in checked and who must now choose a new one: parked on
   * the interaction without a session (no other step parks a user so), still enabled, still asked to.
   */
  async function awaitingNewPassword(l: Loaded) {
    if (!l.interaction.userId || l.interaction.sessionId) return undefined;
    const user = await domain.users.get(l.realm.realm.id, l.interaction.userId);
    return user?.enabled && user.requiredActions.includes('UPDATE_PASSWORD') ? user : undefined;
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
    if (session && user) return showConsent(l, reply, user);
    return showLogin(l, reply);
  });

  app.post(`${REALM}/login-actions/authenticate`, { preHandler: csrfCheck(app, deps), config: { page: true } }, async (request, reply) => {
    const l = await load(request, reply);
    if (!l) return reply;
    const body = (request.body ?? {}) as Body;
    const username = (body.username ?? '').trim();
    const realmRecord = l.realm.realm;
    const check = await signInWithPassword(domain, realmRecord, username, body.password ?? '', request.ip);
    const signInEvent = (sessionId?: string) => recordSignIn(domain, request, l.realm, l.client, username, check, { sessionId, redirectUri: l.req.redirectUri });
    if (!check.ok) {
      await signInEvent();
      return showLogin(l, reply, { username, error: LOGIN_ERRORS[check.reason] });
    }
    if (check.user.requiredActions.includes('UPDATE_PASSWORD')) {
      // The temporary password was right: the user chooses a new one before any session begins.
      await domain.interactions.update({ ...l.interaction, userId: check.user.id, sessionId: null });
      return showUpdatePassword(l, reply, check.user);
    }
    return finishSignIn(deps, l, check.user, request, reply, (session) => signInEvent(session.id));
  });

  // Keycloak's UPDATE_PASSWORD required action, after the password on the login page.
  app.get(`${REALM}/login-actions/update-password`, { config: { page: true } }, async (request, reply) => {
    const l = await load(request, reply);
    if (!l) return reply;
    const user = await awaitingNewPassword(l);
    if (!user) return redirectBrowser(request, reply, interactionUrl(l, 'authenticate'));
    return showUpdatePassword(l, reply, user);
  });

  app.post(`${REALM}/login-actions/update-password`, { preHandler: csrfCheck(app, deps), config: { page: true } }, async (request, reply) => {
    const l = await load(request, reply);
    if (!l) return reply;
    const user = await awaitingNewPassword(l);
    if (!user) return redirectBrowser(request, reply, interactionUrl(l, 'authenticate'));
    const body = (request.body ?? {}) as Body;
    const password = body['password-new'] ?? '';
    if (password === '') return showUpdatePassword(l, reply, user, 'passwordMissing');
    if (password !== body['password-confirm']) return showUpdatePassword(l, reply, user, 'passwordConfirmMismatch');
    const hashed = await hashPassword(password);
    const updated = await domain.store.transaction((tx) => domain.users.resetPassword(tx, user, hashed, { temporary: false }));
    domain.users.invalidate();
    await recordUpdatePassword(domain, request, l.realm, l.client, user.id);
    return finishSignIn(deps, l, updated, request, reply, (session) => recordSignIn(domain, request, l.realm, l.client, user.username,
      { ok: true, user: updated }, { sessionId: session.id, redirectUri: l.req.redirectUri }));
  });

  // "Not you?" on the consent and update-password pages: whoever is signed in here (another
  // person's single sign-on, or a temporary password just given) is dropped, its session ended,
  // and the same request starts again at the sign-in page. A form, so no link can sign anybody out.
  app.post(`${REALM}/login-actions/restart`, { preHandler: csrfCheck(app, deps), config: { page: true } }, async (request, reply) => {
    const l = await load(request, reply);
    if (!l) return reply;
    const { session } = await signedIn(l);
    if (session) {
      await domain.sessions.end(session.id);
      await recordLogout(domain, request, l.realm, session, l.client.record.clientId);
      clearSessionCookie(reply, l.realm);
    }
    await domain.interactions.update({ ...l.interaction, userId: null, sessionId: null });
    return redirectBrowser(request, reply, interactionUrl(l, 'authenticate'));
  });

  // After a sign-in that ended on a page of ours (sendContinuePage): on to consent or the client.
  app.post(`${REALM}/login-actions/continue`, { preHandler: csrfCheck(app, deps) }, async (request, reply) => {
    const l = await load(request, reply);
    if (!l) return reply;
    const { session, user } = await signedIn(l);
    if (!session || !user) return redirectBrowser(request, reply, interactionUrl(l, 'authenticate'));
    return continueAuthorization(deps, l.realm, l.client, l.req, { session, user, freshLogin: true }, request, reply, l.interaction.id);
  });

  app.post(`${REALM}/login-actions/consent`, { preHandler: csrfCheck(app, deps), config: { page: true } }, async (request, reply) => {
    const l = await load(request, reply);
    if (!l) return reply;
    const { session, user } = await signedIn(l);
    if (!session || !user) {
      clearSessionCookie(reply, l.realm);
      return redirectBrowser(request, reply, interactionUrl(l, 'authenticate'));
    }
    const body = (request.body ?? {}) as Body;
    if (body.accept === undefined) {
      await domain.interactions.finish(l.interaction.id);
      if (l.req.device) return answerDevice(deps, l.realm, l.client, l.req.device, 'denied', request, reply);
      return deliver(deps, l.realm, request, reply, authorizationError(l.realm, l.req, new OAuthError('access_denied', 'The user declined')), l.client);
    }
    await domain.consents.grant(user.id, l.client.record.id, consentScopes(l.client, l.req));
    // Signed in for this very request when the session began after it did (not a single sign-on parked for consent).
    const freshLogin = session.authTime >= l.interaction.createdAt;
    return continueAuthorization(deps, l.realm, l.client, l.req, { session, user, freshLogin, consentGiven: true }, request, reply, l.interaction.id);
  });
};
