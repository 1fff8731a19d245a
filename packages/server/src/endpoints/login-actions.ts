import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { authContext, dueSteps, STEPS, type AuthContext, type Form, type Step, type StepResult } from '../domain/authentication/index.js';
import { passkeyStep } from '../domain/authentication/passkey.js';
import { passwordStep } from '../domain/authentication/password.js';
import { supportsApiAccess } from '../domain/clients.js';
import {
  answerDevice, continueAuthorization, deliver, finishSignIn, interactionUrl, loadInteraction, type FlowDeps, type Loaded,
} from '../http/authorization-flow.js';
import { recordLoginError, recordLogout, recordSignIn, recordUserEvent } from '../http/events.js';
import {
  clearSessionCookie, csrfCheck, csrfToken, realmPath, redirectBrowser, sendPage, signedInAccount,
} from '../http/browser.js';
import { REALM } from '../http/paths.js';
import { brokeredSessionStarted, type BrokeredSignIn } from './broker.js';
import { realmSelfServiceFields } from '../import/keycloak.js';
import { NoMailServerError } from '../mail/index.js';
import type { LoginPage, Pages, PageContext, StepError, StepPage } from '../pages/types.js';
import type { InteractionAuth, SessionRecord, UserRecord } from '../storage/store.js';
import { requestedLevel } from '../protocol/authorization/acr.js';
import { authorizationError, consentScopes } from '../protocol/authorization/respond.js';
import { tokenMappers } from '../protocol/scopes.js';
import { OAuthError } from '../protocol/errors.js';

type Body = Record<string, string | undefined>;

/** The link to each authenticator offered as another way on from a step's page. */
const ALTERNATIVE_LABELS: Record<string, string> = { webauthn: 'useSecurityKey', otp: 'useOtp', 'recovery-code': 'useRecoveryCode' };

/** The theme's page of each step after the first (which is the login page). */
const stepPages = (pages: Pages): Record<string, (ctx: PageContext, page: never) => string> => ({
  otp: pages.otp, 'recovery-code': pages.recoveryCode, 'configure-totp': pages.configureTotp,
  'update-password': pages.updatePassword, 'recovery-codes-setup': pages.recoveryCodesSetup,
  webauthn: pages.securityKey, 'webauthn-register': pages.webauthnRegister, 'webauthn-register-passwordless': pages.webauthnRegister,
  registration: pages.register, 'reset-credentials': pages.resetCredentials, 'verify-email': pages.verifyEmail,
  'update-profile': pages.updateProfile, terms: pages.terms,
});

const CONSENT_KEYS: Record<string, 'profile' | 'email' | undefined> = { profile: 'profile', email: 'email' };
const CONSENT_MESSAGES: Record<string, string> = {
  profile: 'consentProfile', email: 'consentEmail', phone: 'consentPhone', address: 'consentAddress', offline_access: 'consentOfflineAccess',
};

/** The login and consent steps of an authorization request (Keycloak's login-actions). */
export const loginActions: FastifyPluginAsync<FlowDeps> = async (app, deps) => {
  const { domain, pages } = deps;
  const STEP_PAGES = stepPages(pages);

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

  /** The login page: the password's form, a passkey's (its challenge kept on the interaction), the identity providers. */
  async function showLogin(l: Loaded, reply: FastifyReply, ctx: AuthContext,
    opts: { username?: string; rememberMe?: boolean; error?: LoginPage['error']; autofill?: boolean } = {}) {
    const passkey = await passkeyStep.view!(ctx);
    await domain.interactions.update({ ...l.interaction, auth: { ...ctx.auth, pending: passkey.pending } });
    // The other ways to the first factor the pipeline offers now, as the links under the form.
    const offered = (id: string) => (dueSteps(ctx).some((s) => s.id === id) ? interactionUrl(l, id) : undefined);
    const html = pages.login(l.ctx, {
      action: interactionUrl(l, passwordStep.id),
      hidden: { _csrf: csrfToken(reply, l.realm) },
      username: opts.username ?? l.req.loginHint,
      // Keycloak's remember me: offered where the realm allows it.
      ...(l.realm.realm.settings.rememberMe ? { rememberMe: opts.rememberMe ?? false } : {}),
      error: opts.error,
      providers: await providerButtons(l),
      passkey: { action: interactionUrl(l, passkeyStep.id), options: passkey.data.webauthn as string, autofill: opts.autofill ?? true },
      links: { resetCredentials: offered('reset-credentials'), register: offered('registration') },
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

  async function signedIn(l: Loaded) {
    const session = l.interaction.sessionId ? await domain.sessions.active(l.interaction.sessionId) : undefined;
    const user = l.interaction.userId ? await domain.users.get(l.realm.realm.id, l.interaction.userId) : undefined;
    return { session, user };
  }

  /** The sign-in's situation for the pipeline: whom the first factor named, what is done, what the client asks for. */
  async function situation(l: Loaded, request: FastifyRequest): Promise<{ ctx: AuthContext; session?: SessionRecord }> {
    const realm = l.realm.realm;
    const { session, user: found } = await signedIn(l);
    // Disabled since the first factor: the sign-in starts again, and the password step says why.
    const user = found?.enabled ? found : undefined;
    // Parked signed in (for consent): what the session's sign-in did is done.
    const auth = l.interaction.auth ?? (session && user ? { amr: session.amr ?? ['pwd'] } : { amr: [] });
    const ctx = await authContext(domain, realm, user, auth, requestedLevel(realm, l.client, l.req) ?? 1, request.ip,
      new URL(l.realm.issuer).origin, mailLinkFor(l), l.req.kcAction);
    return { ctx, session };
  }

  /** The sign-in's mails: a link (an action token) bound to it, its client and redirect, working for the realm's user-link lifespan. */
  const mailLinkFor = (l: Loaded): AuthContext['mailLink'] => async (user, link) => {
    try {
      await deps.mailer.queueLink(l.realm, user, link.template, {
        type: link.type, userId: user.id, lifespan: realmSelfServiceFields(l.realm.realm.settings).actionTokenGeneratedByUserLifespan,
        email: link.type === 'verify-email' ? user.email : undefined,
        clientId: l.client.record.clientId, redirectUri: l.req.redirectUri, interactionId: l.interaction.id,
        passwordSetAt: link.type === 'reset-credentials' ? await domain.users.passwordSetAt(user.id) : undefined,
      });
      return true;
    } catch (err) {
      if (err instanceof NoMailServerError) return false;
      throw err;
    }
  };

  /** A step's page: its form, whom it signs in, and the other due authenticators as ways to go on instead. */
  async function show(l: Loaded, reply: FastifyReply, ctx: AuthContext, step: Step,
    opts: { error?: StepError; info?: string; keep?: Form; field?: string; fieldErrors?: Record<string, StepError> } = {}) {
    if (step === passwordStep || step === passkeyStep) {
      // After a passkey that failed, the autofill's request waits for the button: a browser that
      // answers it at once would otherwise send the same passkey again, and again.
      return showLogin(l, reply, ctx, {
        username: opts.keep?.username, rememberMe: opts.keep?.rememberMe !== undefined, error: opts.error as LoginPage['error'],
        autofill: !(step === passkeyStep && opts.error),
      });
    }
    const view = step.view ? await step.view(ctx) : { data: {} };
    if (view.pending !== ctx.auth.pending || view.mailedAt !== ctx.auth.mailedAt) {
      await domain.interactions.update({ ...l.interaction, auth: { ...ctx.auth, pending: view.pending, mailedAt: view.mailedAt } });
    }
    const page: StepPage & Record<string, unknown> = {
      action: interactionUrl(l, step.id), hidden: { _csrf: csrfToken(reply, l.realm) }, error: opts.error, info: opts.info,
      field: opts.field, account: ctx.user && account(l, reply, ctx.user),
      alternatives: dueSteps(ctx).filter((s) => s !== step && ALTERNATIVE_LABELS[s.id])
        .map((s) => ({ href: interactionUrl(l, s.id), labelKey: ALTERNATIVE_LABELS[s.id] })),
      // Back to the login page (the first factor's other ways), and the page again (once a mail's link was followed elsewhere).
      loginUrl: interactionUrl(l, 'authenticate'), continueUrl: interactionUrl(l, step.id),
      // Asked for by the client (kc_action): the user may say no, and the client hears so.
      cancellable: ctx.action === step.name,
      ...view.data,
      ...(opts.keep ? { keep: opts.keep } : {}),
      ...(opts.fieldErrors ? { fieldErrors: opts.fieldErrors } : {}),
    };
    return sendPage(reply, STEP_PAGES[step.id](l.ctx, page as never), { formTargets: [l.req.redirectUri] });
  }

  /**
   * Every step done: the session begins (or, after a step-up, gains the factor) and the request
   * goes on. After an identity provider's post-broker login flow, the session is the provider's
   * sign-in's. A mail link's required actions (no client's request) end on a page saying so.
   */
  async function complete(l: Loaded, ctx: AuthContext, request: FastifyRequest, reply: FastifyReply) {
    const user = ctx.user!;
    if (l.req.accountUpdate) {
      await domain.interactions.finish(l.interaction.id);
      if (ctx.auth.link === 'execute-actions') await recordUserEvent(domain, request, l.realm.realm, l.client, 'EXECUTE_ACTIONS', user.id);
      const back = l.req.accountUpdate.back;
      return sendPage(reply, pages.info(l.ctx, { messageKey: 'accountUpdatedMessage', link: back ? { href: back, labelKey: 'backToApplication' } : undefined }));
    }
    const brokered = ctx.auth.broker ? JSON.parse(await domain.box.open(ctx.auth.broker)) as BrokeredSignIn : undefined;
    return finishSignIn(deps, l, user, request, reply, (session) => (brokered
      ? brokeredSessionStarted(domain, request, l, user, brokered, session)
      : recordSignIn(domain, request, l.realm, l.client, user, { sessionId: session.id, redirectUri: l.req.redirectUri })), { amr: ctx.auth.amr, rememberMe: ctx.auth.rememberMe, actionStatus: ctx.auth.actionStatus });
  }

  /** The user said no (to consent, to the terms): the request ends, and the client (or device) hears access_denied. */
  async function deny(l: Loaded, request: FastifyRequest, reply: FastifyReply) {
    await domain.interactions.finish(l.interaction.id);
    if (l.req.device) return answerDevice(deps, l.realm, l.client, l.req.device, 'denied', request, reply);
    return deliver(deps, l.realm, request, reply, authorizationError(l.realm, l.req, new OAuthError('access_denied', 'The user declined')), l.client);
  }

  // One page per step of the pipeline (domain/authentication): a step that is not due sends the
  // browser to the first one that is; none due, and signed in, the consent page (or the client).
  for (const step of STEPS) {
    app.get(`${REALM}/login-actions/${step.id}`, { config: { page: true } }, async (request, reply) => {
      const l = await load(request, reply);
      if (!l) return reply;
      const { ctx, session } = await situation(l, request);
      const due = dueSteps(ctx);
      if (due.length === 0) return session ? showConsent(l, reply, ctx.user!) : complete(l, ctx, request, reply);
      if (!due.includes(step)) return redirectBrowser(request, reply, interactionUrl(l, due[0].id));
      return show(l, reply, ctx, step);
    });

    app.post(`${REALM}/login-actions/${step.id}`, { preHandler: csrfCheck(app, deps), config: { page: true } }, async (request, reply) => {
      const l = await load(request, reply);
      if (!l) return reply;
      const { ctx } = await situation(l, request);
      const due = dueSteps(ctx);
      if (!due.includes(step)) return redirectBrowser(request, reply, interactionUrl(l, due[0]?.id ?? passwordStep.id));
      const form = (request.body ?? {}) as Form;
      const asked = ctx.action === step.name;
      // The client's kc_action, cancelled: the sign-in goes on without it, and the client hears so.
      const cancelled = asked && form['cancel-aia'] !== undefined;
      const result: StepResult = cancelled ? { ok: true } : await step.submit(ctx, form);
      if (!result.ok) {
        if (result.declined) {
          await recordLoginError(domain, request, l.realm, l.client, {
            error: 'rejected_by_user', userId: ctx.user?.id, details: { redirect_uri: l.req.redirectUri },
          });
          return deny(l, request, reply);
        }
        if (result.error) {
          await recordLoginError(domain, request, l.realm, l.client, {
            type: result.event, error: result.error, userId: result.userId, details: { redirect_uri: l.req.redirectUri, ...result.details },
          });
        }
        const message = result.info ? { info: result.message as string } : { error: result.message };
        return show(l, reply, ctx, step, { ...message, keep: result.keep, field: result.field, fieldErrors: result.fieldErrors });
      }
      const user = result.user ?? ctx.user!;
      for (const event of result.events ?? []) await recordUserEvent(domain, request, l.realm.realm, l.client, event.type, user.id, event.details);
      // What a step set up (and showed) is used up with it, and so is its required action if this
      // sign-in asked for it; the provider's sign-in, if any, waits for the session.
      const auth: InteractionAuth = {
        ...ctx.auth, amr: [...new Set([...ctx.auth.amr, ...result.amr ?? []])], pending: undefined, mailedAt: undefined,
        actions: ctx.auth.actions?.filter((a) => a !== step.name),
        ...(ctx.auth.rememberMe || result.rememberMe ? { rememberMe: true } : {}),
        ...(asked ? { actionStatus: cancelled ? 'cancelled' as const : 'success' as const } : {}),
      };
      const interaction = { ...l.interaction, userId: user.id, auth };
      await domain.interactions.update(interaction);
      const next = { ...l, interaction };
      const nextCtx: AuthContext = { ...ctx, user, auth, credentials: await domain.credentials.list(user.id), action: auth.actionStatus ? undefined : ctx.action };
      const remaining = dueSteps(nextCtx);
      if (remaining.length > 0) return redirectBrowser(request, reply, interactionUrl(next, remaining[0].id));
      return complete(next, nextCtx, request, reply);
    });
  }

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
    await domain.interactions.update({ ...l.interaction, userId: null, sessionId: null, auth: null });
    return redirectBrowser(request, reply, interactionUrl(l, 'authenticate'));
  });

  // After a sign-in that ended on a page of ours (sendContinuePage): on to consent or the client.
  app.post(`${REALM}/login-actions/continue`, { preHandler: csrfCheck(app, deps) }, async (request, reply) => {
    const l = await load(request, reply);
    if (!l) return reply;
    const { session, user } = await signedIn(l);
    if (!session || !user) return redirectBrowser(request, reply, interactionUrl(l, 'authenticate'));
    return continueAuthorization(deps, l.realm, l.client, l.req, {
      session, user, freshLogin: true, actionStatus: l.interaction.auth?.actionStatus,
    }, request, reply, l.interaction.id);
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
    if (body.accept === undefined) return deny(l, request, reply);
    await domain.consents.grant(user.id, l.client.record.id, consentScopes(l.client, l.req));
    // Signed in for this very request when the session began after it did (not a single sign-on parked for consent).
    const freshLogin = session.authTime >= l.interaction.createdAt;
    return continueAuthorization(deps, l.realm, l.client, l.req, {
      session, user, freshLogin, consentGiven: true, actionStatus: l.interaction.auth?.actionStatus,
    }, request, reply, l.interaction.id);
  });
};
