import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { MAIL_LINK } from '../domain/authentication/index.js';
import type { RealmRuntime } from '../domain/index.js';
import { ACCOUNT_CLIENT } from '../domain/realms.js';
import type { FlowDeps } from '../http/authorization-flow.js';
import {
  csrfCheck, csrfToken, ownsInteraction, pageContext, realmPath, redirectBrowser, rememberInteraction, sendPage,
} from '../http/browser.js';
import { recordLoginError, recordUserEvent } from '../http/events.js';
import { REALM } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { ActionTokenError, knownActions, verifyActionToken, type VerifiedActionToken } from '../protocol/action-tokens.js';
import type { AuthorizationRequest } from '../protocol/authorization/request.js';
import type { InteractionAuth, InteractionRecord, UserRecord } from '../storage/store.js';

/** Each refusal's page message and Keycloak's event error. */
const REFUSALS = {
  expired: { messageKey: 'actionTokenExpired', error: 'expired_code' },
  used: { messageKey: 'actionTokenUsed', error: 'invalid_code' },
  invalid: { messageKey: 'actionTokenInvalid', error: 'invalid_token' },
} as const;

/**
 * Keycloak's login-actions/action-token: the page a mail's link opens (reset, verify email,
 * execute actions). The link's token is checked (signature, issuer, audience, expiry), then
 * used once. Opened in the browser whose sign-in asked for it, it continues that sign-in at
 * once; anywhere else it first asks for a click (a form), so that a mail scanner opening the
 * link uses nothing up, and then runs the link's required actions on their own, ending on a
 * page that says so.
 */
export const actionTokenEndpoint: FastifyPluginAsync<FlowDeps> = async (app, deps) => {
  const { domain, pages } = deps;
  const path = `${REALM}/login-actions/action-token`;

  const refuse = async (request: FastifyRequest, reply: FastifyReply, realm: RealmRuntime, reason: keyof typeof REFUSALS, token?: VerifiedActionToken) => {
    await recordLoginError(domain, request, realm, undefined, {
      type: 'EXECUTE_ACTION_TOKEN_ERROR', error: REFUSALS[reason].error, userId: token?.userId, details: { action: token?.type },
    });
    const ctx = pageContext(pages, realm, request, { resourcesPath: deps.resourcesPath });
    return sendPage(reply, pages.error(ctx, { messageKey: REFUSALS[reason].messageKey }), { status: 400 });
  };

  /** The sign-in the link was asked from, when it is this browser's, still open, and about the link's user. */
  async function ownSignIn(request: FastifyRequest, realm: RealmRuntime, token: VerifiedActionToken): Promise<InteractionRecord | undefined> {
    if (!token.interactionId || !ownsInteraction(request, token.interactionId)) return undefined;
    const interaction = await domain.interactions.get(token.interactionId);
    return interaction && interaction.realmId === realm.realm.id && (interaction.userId ?? token.userId) === token.userId ? interaction : undefined;
  }

  /** The address verified (it is the one the link was sent to), and VERIFY_EMAIL done. */
  async function verifyEmail(request: FastifyRequest, realm: RealmRuntime, user: UserRecord): Promise<void> {
    await domain.store.transaction(async (tx) => {
      const verified = { ...user, emailVerified: true };
      await domain.users.update(tx, verified);
      await domain.users.settle(tx, verified, 'VERIFY_EMAIL');
    });
    domain.users.invalidate();
    await recordUserEvent(domain, request, realm.realm, undefined, 'VERIFY_EMAIL', user.id, { email: user.email ?? undefined });
  }

  /** A sign-in of its own for the link's required actions, bound to this browser, starting at the first of them. */
  async function runActions(request: FastifyRequest, reply: FastifyReply, realm: RealmRuntime, token: VerifiedActionToken,
    user: UserRecord, auth: InteractionAuth) {
    const client = (token.clientId && await domain.clients.getByClientId(realm.realm.id, token.clientId))
      || await domain.clients.getByClientId(realm.realm.id, ACCOUNT_CLIENT);
    if (!client) return refuse(request, reply, realm, 'invalid', token);
    const req: AuthorizationRequest = {
      clientId: client.clientId, redirectUri: token.redirectUri ?? `${realm.issuer}/account/`, responseType: 'none', responseMode: 'query',
      scopes: [], prompt: [], accountUpdate: { back: token.redirectUri },
    };
    const interaction = await domain.interactions.create(realm.realm, client.id, req, null, user.id, auth);
    rememberInteraction(request, reply, realm, interaction.id);
    return redirectBrowser(request, reply, realmPath(realm, `/login-actions/authenticate?interaction=${encodeURIComponent(interaction.id)}`));
  }

  const open = (confirmed: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const realm = await realmOf(domain, request);
    const { key } = request.query as Record<string, unknown>;
    let token: VerifiedActionToken;
    try {
      if (typeof key !== 'string' || key.length > 8192) throw new ActionTokenError('invalid');
      token = await verifyActionToken(realm, key);
    } catch (err) {
      if (err instanceof ActionTokenError) return refuse(request, reply, realm, err.reason);
      throw err;
    }
    const user = await domain.users.get(realm.realm.id, token.userId);
    // A verify link confirms the address it was sent to, and no other the account has since.
    const stale = token.type === 'verify-email' && (!token.email || token.email.toLowerCase() !== user?.email?.toLowerCase());
    if (!user?.enabled || stale) return refuse(request, reply, realm, 'invalid', token);
    const own = await ownSignIn(request, realm, token);
    if (!own && !confirmed) {
      const ctx = pageContext(pages, realm, request, { resourcesPath: deps.resourcesPath });
      return sendPage(reply, pages.actionToken(ctx, {
        action: request.url, hidden: { _csrf: csrfToken(reply, realm) }, type: token.type, email: token.email, actions: knownActions(token.actions),
      }));
    }
    if (!(await domain.jwtIds.useOnce('action-token', realm.realm.id, token.jti, token.expiresAt))) return refuse(request, reply, realm, 'used', token);
    // As Keycloak's: a reset link is bound to the password it was asked for against; once that changed, it has had its day
    // (a link used already says so first).
    if (token.type === 'reset-credentials' && token.passwordSetAt !== await domain.users.passwordSetAt(user.id)) {
      return refuse(request, reply, realm, 'expired', token);
    }
    await recordUserEvent(domain, request, realm.realm, undefined, 'EXECUTE_ACTION_TOKEN', user.id, { action: token.type });

    if (token.type === 'verify-email') {
      await verifyEmail(request, realm, user);
      if (own) {
        const auth = own.auth && { ...own.auth, actions: own.auth.actions?.filter((a) => a !== 'VERIFY_EMAIL') };
        await domain.interactions.update({ ...own, auth });
        return redirectBrowser(request, reply, realmPath(realm, `/login-actions/verify-email?interaction=${encodeURIComponent(own.id)}`));
      }
      const ctx = pageContext(pages, realm, request, { resourcesPath: deps.resourcesPath });
      const back = token.redirectUri ? { href: token.redirectUri, labelKey: 'backToApplication' } : undefined;
      return sendPage(reply, pages.info(ctx, { messageKey: 'emailVerifiedMessage', link: back }));
    }
    if (token.type === 'reset-credentials') {
      // Keycloak's reset flow: the link stands in for the password, and a new one is chosen before the sign-in ends.
      const auth: InteractionAuth = { amr: [MAIL_LINK], actions: ['UPDATE_PASSWORD'], link: 'reset-credentials' };
      if (!own) return runActions(request, reply, realm, token, user, auth);
      await domain.interactions.update({ ...own, userId: user.id, auth });
      return redirectBrowser(request, reply, realmPath(realm, `/login-actions/authenticate?interaction=${encodeURIComponent(own.id)}`));
    }
    // execute-actions: the link proves the address it came to, so VERIFY_EMAIL is done by following it, as in Keycloak.
    let actions = knownActions(token.actions);
    if (actions.includes('VERIFY_EMAIL')) {
      await verifyEmail(request, realm, user);
      actions = actions.filter((a) => a !== 'VERIFY_EMAIL');
    }
    return runActions(request, reply, realm, token, user, { amr: [MAIL_LINK], actions, link: 'execute-actions' });
  };

  app.get(path, { config: { page: true } }, open(false));
  app.post(path, { preHandler: csrfCheck(app, deps), config: { page: true } }, open(true));
};
