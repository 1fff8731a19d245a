import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Broker, BrokerError, type AccountLinkTarget, type LogoutState, type SignInState } from '../broker/index.js';
import type { Domain, RealmRuntime } from '../domain/index.js';
import type { SyncedUser, UpstreamIdentity } from '../domain/identity-providers.js';
import { signInWithPassword } from '../domain/sign-in.js';
import { authContext, dueSteps, identityProviderStep, LOGIN_ERRORS } from '../domain/authentication/index.js';
import { finishSignIn, interactionUrl, loadInteraction, type FlowDeps, type Loaded } from '../http/authorization-flow.js';
import {
  csrfCheck, csrfToken, ownsInteraction, pageContext, readSignedCookie, realmPath, redirectBrowser, sendPage, SESSION_COOKIE,
} from '../http/browser.js';
import { recordBroker, recordSignIn } from '../http/events.js';
import { REALM } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import type { ErrorPage, LinkAccountPage, PageContext } from '../pages/types.js';
import { isUniqueViolation, type BrokerStateRecord, type IdentityProviderRecord, type SessionRecord, type UserRecord } from '../storage/store.js';
import { requestedLevel } from '../protocol/authorization/acr.js';
import { accountLinkHashMatches } from '../protocol/account-link.js';
import { redirectUriAllowed } from '../protocol/redirect-uris.js';

const BROKER = `${REALM}/broker/:alias`;

/** A first sign-in waiting for the password of the existing account its email names (sealed in a broker state). */
interface LinkState {
  kind: 'link';
  userId: string;
  identity: UpstreamIdentity;
}

type AnyState = SignInState | LinkState | LogoutState;

/** A sign-in at a provider, for the session it starts: kept sealed on the interaction while a post-broker login flow's steps are asked. */
export interface BrokeredSignIn {
  providerId: string;
  alias: string;
  /** The provider's ID token, for a logout there. */
  idToken: string;
  /** The user's name there. */
  identity: string;
  type: 'IDENTITY_PROVIDER_LOGIN' | 'IDENTITY_PROVIDER_FIRST_LOGIN' | 'FEDERATED_IDENTITY_LINK';
  /** Why the sign-in went on other than asked (the provider's email was another account's). */
  reason?: string;
}

/** The session a sign-in at a provider started: it keeps the provider's ID token, and the events say where the user came from. */
export async function brokeredSessionStarted(domain: Domain, request: FastifyRequest, l: Loaded, user: UserRecord, b: BrokeredSignIn,
  session: SessionRecord): Promise<void> {
  await domain.identityProviders.rememberSession(session.id, b.providerId, b.idToken);
  await recordBroker(domain, request, l.realm, b.type, {
    alias: b.alias, client: l.client, userId: user.id, sessionId: session.id, identity: b.identity, redirectUri: l.req.redirectUri, reason: b.reason,
  });
  await recordSignIn(domain, request, l.realm, l.client, user, {
    sessionId: session.id, redirectUri: l.req.redirectUri, identityProvider: { alias: b.alias, identity: b.identity },
  });
}

/** Marks a form_post response relayed by our own page, so it is relayed once at most. */
const RELAYED = 'latchkey_relayed';

/** A form or query as URLSearchParams, a parameter given twice kept twice (openid-client refuses that). */
function paramsOf(source: unknown): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries((source ?? {}) as Record<string, unknown>)) {
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') params.append(name, v);
  }
  return params;
}

const aliasOf = (request: FastifyRequest) => (request.params as { alias: string }).alias;
const providerName = (p: IdentityProviderRecord | undefined, alias: string) => p?.settings.displayName || p?.alias || alias;

/**
 * Identity brokering: the login page's "Sign in with …" starts here (login), the provider
 * sends the browser back to the callback (endpoint: GET for query and fragment responses,
 * POST for form_post), a first sign-in whose email an account has may be linked (link),
 * and a logout that ended the provider's session comes back (endpoint/logout_response).
 */
export const brokerEndpoints: FastifyPluginAsync<FlowDeps> = async (app, deps) => {
  const { domain, pages, broker } = deps;

  function errorPage(reply: FastifyReply, ctx: PageContext, status: number, page: ErrorPage) {
    return sendPage(reply, pages.error(ctx, page), { status });
  }

  /** A page about a failed sign-in, with the way back to the login page when the sign-in can go on. */
  function failed(reply: FastifyReply, l: Loaded, provider: IdentityProviderRecord, status: number, messageKey: string, detail?: string) {
    return errorPage(reply, l.ctx, status, {
      messageKey, detail, args: [providerName(provider, provider.alias)],
      link: { href: interactionUrl(l, 'authenticate'), labelKey: 'backToLogin' },
    });
  }

  /** A response that belongs to no sign-in of this browser: nothing to go back to. */
  async function unknownState(request: FastifyRequest, reply: FastifyReply, realm: RealmRuntime, alias: string, reason: string) {
    await recordBroker(domain, request, realm, 'IDENTITY_PROVIDER_LOGIN_ERROR', { alias, error: 'invalid_state', reason });
    return errorPage(reply, pageContext(pages, realm, request, { resourcesPath: deps.resourcesPath }), 400, { messageKey: 'brokerUnknownState' });
  }

  /** The state a key names, when it is of this realm and provider and of the kind wanted. */
  async function stateFor<K extends AnyState['kind']>(realm: RealmRuntime, provider: IdentityProviderRecord | undefined, key: unknown, kind: K) {
    if (!provider || typeof key !== 'string' || key === '') return undefined;
    const found = await domain.identityProviders.readState<AnyState>(key);
    if (!found || found.data.kind !== kind || found.record.realmId !== realm.realm.id || found.record.providerId !== provider.id) return undefined;
    return found as { record: typeof found.record; data: Extract<AnyState, { kind: K }> };
  }

  // ---- starting the sign-in at the provider -----------------------------------------------

  app.get(`${BROKER}/login`, async (request, reply) => {
    const l = await loadInteraction(deps, request, reply, (request.query as Record<string, unknown>).interaction);
    if (!l) return reply;
    const alias = aliasOf(request);
    const provider = await domain.identityProviders.enabled(l.realm.realm.id, alias);
    if (!provider) {
      return errorPage(reply, l.ctx, 404, { messageKey: 'invalidRequest', detail: `No identity provider ${alias}`, link: { href: interactionUrl(l, 'authenticate'), labelKey: 'backToLogin' } });
    }
    let url: string;
    try {
      url = await broker.authorizationUrl(l.realm, provider, { interaction: l.interaction });
    } catch (err) {
      if (!(err instanceof BrokerError)) throw err;
      request.log.warn({ err, alias }, 'identity provider sign-in could not start');
      await recordBroker(domain, request, l.realm, 'IDENTITY_PROVIDER_LOGIN_ERROR', { alias, client: l.client, error: err.error, reason: err.detail });
      return failed(reply, l, provider, err.status, err.messageKey, err.detail);
    }
    return reply.header('cache-control', 'no-store').redirect(url, 302);
  });

  // ---- the provider's response ------------------------------------------------------------

  async function callback(request: FastifyRequest, reply: FastifyReply, params: URLSearchParams) {
    const realm = await realmOf(domain, request);
    const alias = aliasOf(request);
    const relayed = params.get(RELAYED) !== null;
    params.delete(RELAYED);
    const provider = await domain.identityProviders.enabled(realm.realm.id, alias);
    const found = await stateFor(realm, provider, params.get('state'), 'sign-in');
    // A form_post from another site comes without our SameSite=Lax cookies: post it again from here, once.
    const relay = () => {
      const action = Broker.redirectUri(realm, alias);
      const ctx = pageContext(pages, realm, request, { resourcesPath: deps.resourcesPath });
      const html = pages.formPost(ctx, { action, fields: { ...Object.fromEntries(params), [RELAYED]: '1' } });
      return sendPage(reply, html, { formTargets: [action] });
    };
    if (provider && found?.data.link) {
      if (readSignedCookie(request, SESSION_COOKIE) !== found.data.link.sessionId) {
        if (request.method === 'POST' && !relayed) return relay();
        return unknownState(request, reply, realm, alias, 'the link was started in another browser');
      }
      return linkTo(request, reply, realm, provider, { record: found.record, data: found.data, link: found.data.link }, params);
    }
    if (!provider || !found || !found.record.interactionId) return unknownState(request, reply, realm, alias, 'no sign-in in progress has this state');

    if (!ownsInteraction(request, found.record.interactionId)) {
      if (request.method === 'POST' && !relayed) return relay();
      return unknownState(request, reply, realm, alias, 'the sign-in was started in another browser');
    }
    const l = await loadInteraction(deps, request, reply, found.record.interactionId);
    if (!l) return reply;
    // Used once, whatever comes of it: a replayed response finds nothing.
    if (!(await domain.identityProviders.useState(found.record))) return unknownState(request, reply, realm, alias, 'the state was used already');

    let identity: UpstreamIdentity;
    try {
      identity = await broker.signedIn(provider, found.data, params);
    } catch (err) {
      if (!(err instanceof BrokerError)) throw err;
      request.log.info({ alias, error: err.error, detail: err.detail }, 'identity provider sign-in failed');
      await recordBroker(domain, request, l.realm, 'IDENTITY_PROVIDER_LOGIN_ERROR', {
        alias, client: l.client, error: err.error, reason: err.detail, redirectUri: l.req.redirectUri,
      });
      return failed(reply, l, provider, err.status, err.messageKey, err.detail);
    }
    return signInAs(request, reply, l, provider, identity);
  }

  /** The user the provider's account is, signed in; or the page saying why not, or the link page. */
  async function signInAs(request: FastifyRequest, reply: FastifyReply, l: Loaded, provider: IdentityProviderRecord, identity: UpstreamIdentity) {
    const alias = provider.alias;
    const refuse = async (error: string, status: number, messageKey: string, userId?: string) => {
      await recordBroker(domain, request, l.realm, 'IDENTITY_PROVIDER_LOGIN_ERROR', {
        alias, client: l.client, error, userId, identity: identity.username, redirectUri: l.req.redirectUri,
      });
      return failed(reply, l, provider, status, messageKey);
    };
    const resolved = await domain.identityProviders.resolve(l.realm.realm, provider, identity);
    if (resolved.kind === 'unnamed') return refuse('username_in_use', 409, 'brokerNoUsername');
    if (resolved.kind === 'collision') {
      // Never linked silently: whoever holds an account at the provider would take over the one here.
      if (provider.settings.emailCollision === 'refuse' || resolved.existing.length !== 1 || resolved.existing[0].serviceAccountClientId) {
        return refuse('federated_identity_account_exists', 409, 'brokerEmailExists', resolved.existing.length === 1 ? resolved.existing[0].id : undefined);
      }
      const state: LinkState = { kind: 'link', userId: resolved.existing[0].id, identity };
      const key = await domain.identityProviders.saveState(l.realm.realm, provider, state, { interaction: l.interaction });
      return redirectBrowser(request, reply, realmPath(l.realm, `/broker/${encodeURIComponent(alias)}/link?link=${encodeURIComponent(key)}`));
    }
    if (!resolved.user.enabled) return refuse('user_disabled', 403, 'accountDisabled', resolved.user.id);
    return brokeredSession(request, reply, l, provider, identity, resolved, resolved.kind === 'created' ? 'IDENTITY_PROVIDER_FIRST_LOGIN' : 'IDENTITY_PROVIDER_LOGIN');
  }

  /**
   * The SSO session of a sign-in at a provider, which keeps the provider's ID token for the
   * logout. With a post-broker login flow, the steps it asks (the user's second factor) come
   * first, on the login-actions pages, which start the session once they are done.
   */
  async function brokeredSession(request: FastifyRequest, reply: FastifyReply, l: Loaded, provider: IdentityProviderRecord, identity: UpstreamIdentity,
    { user, emailTaken }: SyncedUser, type: BrokeredSignIn['type']) {
    // The sign-in goes on without the provider's email; the log and the event say why.
    const reason = emailTaken ? 'the provider\'s email is another account\'s here: the user kept its own' : undefined;
    if (reason) request.log.warn({ alias: provider.alias, userId: user.id }, reason);
    const brokered: BrokeredSignIn = { providerId: provider.id, alias: provider.alias, idToken: identity.idToken, identity: identity.username, type, reason };
    if (provider.settings.postBrokerLoginFlowAlias) {
      const auth = { amr: [identityProviderStep.amr], broker: await domain.box.seal(JSON.stringify(brokered)) };
      const due = dueSteps(await authContext(domain, l.realm.realm, user, auth, requestedLevel(l.realm.realm, l.client, l.req) ?? 1, request.ip,
        new URL(l.realm.issuer).origin));
      if (due.length > 0) {
        await domain.interactions.update({ ...l.interaction, userId: user.id, auth });
        return redirectBrowser(request, reply, interactionUrl(l, due[0].id));
      }
    }
    return finishSignIn(deps, l, user, request, reply, (session) => brokeredSessionStarted(domain, request, l, user, brokered, session),
      { viaPage: true, amr: [identityProviderStep.amr] });
  }

  app.get(`${BROKER}/endpoint`, async (request, reply) => {
    const params = paramsOf(request.query);
    if ([...params.keys()].length > 0) return callback(request, reply, params);
    // Nothing in the query: the response is in the fragment, which only the browser sees.
    const realm = await realmOf(domain, request);
    const ctx = pageContext(pages, realm, request, { resourcesPath: deps.resourcesPath });
    return sendPage(reply, pages.brokerFragment(ctx, { action: realmPath(realm, `/broker/${encodeURIComponent(aliasOf(request))}/endpoint`) }));
  });

  app.post(`${BROKER}/endpoint`, async (request, reply) => callback(request, reply, paramsOf(request.body)));

  // ---- client-initiated account linking (Keycloak's) ----------------------------------------

  /**
   * broker/{alias}/link?client_id&redirect_uri&nonce&hash: the signed-in user of this browser
   * links an account at the provider. The hash (protocol/account-link.ts) shows the client holds
   * a token of this very session; the redirect URI must be the client's.
   */
  async function startAccountLink(request: FastifyRequest, reply: FastifyReply) {
    const realm = await realmOf(domain, request);
    const alias = aliasOf(request);
    const q = request.query as Record<string, unknown>;
    const [clientId, redirectUri, nonce, hash] = [q.client_id, q.redirect_uri, q.nonce, q.hash].map((v) => (typeof v === 'string' ? v : ''));
    const ctx = pageContext(pages, realm, request, { resourcesPath: deps.resourcesPath });
    const refuse = (detail: string) => errorPage(reply, ctx, 400, { messageKey: 'invalidRequest', detail });
    const sessionId = readSignedCookie(request, SESSION_COOKIE);
    const session = sessionId ? await domain.sessions.active(sessionId) : undefined;
    if (!session || session.realmId !== realm.realm.id || session.offline) return refuse('Not signed in');
    if (!accountLinkHashMatches(hash, nonce, session.id, clientId, alias)) return refuse('The link request is not for this session');
    const client = await domain.clients.getByClientId(realm.realm.id, clientId);
    if (!client?.enabled || !redirectUriAllowed(client.settings.redirectUris, redirectUri, realm.realm.settings.sslRequired, realm.base)) {
      return refuse('Invalid client or redirect uri');
    }
    const provider = await domain.identityProviders.enabled(realm.realm.id, alias);
    if (!provider) return errorPage(reply, ctx, 404, { messageKey: 'invalidRequest', detail: `No identity provider ${alias}` });
    try {
      const url = await broker.authorizationUrl(realm, provider, { link: { userId: session.userId, sessionId: session.id, clientId, redirectUri } });
      return reply.header('cache-control', 'no-store').redirect(url, 302);
    } catch (err) {
      if (!(err instanceof BrokerError)) throw err;
      return errorPage(reply, ctx, err.status, { messageKey: err.messageKey, detail: err.detail, args: [providerName(provider, alias)] });
    }
  }

  /** The provider's answer to a client-initiated link: its account is the session's user's from now on, and the browser goes back. */
  async function linkTo(request: FastifyRequest, reply: FastifyReply, realm: RealmRuntime, provider: IdentityProviderRecord,
    found: { record: BrokerStateRecord; data: SignInState; link: AccountLinkTarget }, params: URLSearchParams) {
    const { link } = found;
    const ctx = pageContext(pages, realm, request, { resourcesPath: deps.resourcesPath });
    const back = { href: link.redirectUri, labelKey: 'backToApplication' };
    if (!(await domain.identityProviders.useState(found.record))) return unknownState(request, reply, realm, provider.alias, 'the state was used already');
    const user = await domain.users.get(realm.realm.id, link.userId);
    const fail = async (status: number, messageKey: string, error: string, detail?: string) => {
      await recordBroker(domain, request, realm, 'FEDERATED_IDENTITY_LINK_ERROR', { alias: provider.alias, userId: link.userId, error, reason: detail });
      return errorPage(reply, ctx, status, { messageKey, detail, args: [providerName(provider, provider.alias)], link: back });
    };
    if (!user?.enabled) return fail(403, 'accountDisabled', 'user_disabled');
    let identity: UpstreamIdentity;
    try {
      identity = await broker.signedIn(provider, found.data, params);
    } catch (err) {
      if (!(err instanceof BrokerError)) throw err;
      return fail(err.status, err.messageKey, err.error, err.detail);
    }
    try {
      await domain.identityProviders.linkExisting(realm.realm, provider, user, identity);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return fail(409, 'brokerLinkedElsewhere', 'federated_identity_account_exists');
    }
    await recordBroker(domain, request, realm, 'FEDERATED_IDENTITY_LINK', {
      alias: provider.alias, userId: user.id, sessionId: link.sessionId, identity: identity.username, redirectUri: link.redirectUri,
    });
    return redirectBrowser(request, reply, link.redirectUri);
  }

  // ---- linking to the account of the same email -------------------------------------------

  /** The pending link a key names, for the browser whose sign-in it is. */
  async function loadLink(request: FastifyRequest, reply: FastifyReply) {
    const realm = await realmOf(domain, request);
    const alias = aliasOf(request);
    const key = (request.query as Record<string, unknown>).link;
    const provider = await domain.identityProviders.enabled(realm.realm.id, alias);
    const found = await stateFor(realm, provider, key, 'link');
    if (!provider || !found || !found.record.interactionId || !ownsInteraction(request, found.record.interactionId)) {
      await unknownState(request, reply, realm, alias, 'no link in progress has this key');
      return undefined;
    }
    const l = await loadInteraction(deps, request, reply, found.record.interactionId);
    if (!l) return undefined;
    const user = await domain.users.get(realm.realm.id, found.data.userId);
    if (!user) {
      await unknownState(request, reply, realm, alias, 'the account to link is gone');
      return undefined;
    }
    return { l, provider, found, user, key: key as string };
  }

  type Link = NonNullable<Awaited<ReturnType<typeof loadLink>>>;

  function showLink(reply: FastifyReply, k: Link, error?: LinkAccountPage['error']) {
    const html = pages.linkAccount(k.l.ctx, {
      action: realmPath(k.l.realm, `/broker/${encodeURIComponent(k.provider.alias)}/link?link=${encodeURIComponent(k.key)}`),
      hidden: { _csrf: csrfToken(reply, k.l.realm) },
      provider: providerName(k.provider, k.provider.alias),
      email: k.found.data.identity.profile.email ?? '',
      error,
      cancelUrl: interactionUrl(k.l, 'authenticate'),
    });
    return sendPage(reply, html, { formTargets: [k.l.req.redirectUri] });
  }

  app.get(`${BROKER}/link`, async (request, reply) => {
    if ((request.query as Record<string, unknown>).client_id !== undefined) return startAccountLink(request, reply);
    const k = await loadLink(request, reply);
    return k ? showLink(reply, k) : reply;
  });

  app.post(`${BROKER}/link`, { preHandler: csrfCheck(app, deps) }, async (request, reply) => {
    const k = await loadLink(request, reply);
    if (!k) return reply;
    const { l, provider, user } = k;
    const identity = k.found.data.identity;
    const password = ((request.body ?? {}) as Record<string, string | undefined>).password ?? '';
    // The account is named by its username: brute-force detection counts against it as on the login page.
    const check = await signInWithPassword(domain, l.realm.realm, user.username, password, request.ip);
    if (!check.ok || check.user.id !== user.id) {
      await recordBroker(domain, request, l.realm, 'FEDERATED_IDENTITY_LINK_ERROR', {
        alias: provider.alias, client: l.client, userId: user.id, identity: identity.username,
        error: check.ok ? 'invalid_user_credentials' : { invalid_credentials: 'invalid_user_credentials', disabled: 'user_disabled', locked: 'user_temporarily_disabled' }[check.reason],
      });
      return showLink(reply, k, check.ok ? 'invalidCredentials' : LOGIN_ERRORS[check.reason]);
    }
    if (!(await domain.identityProviders.useState(k.found.record))) return unknownState(request, reply, l.realm, provider.alias, 'the link was used already');
    let linked: SyncedUser;
    try {
      linked = await domain.identityProviders.linkExisting(l.realm.realm, provider, user, identity);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return unknownState(request, reply, l.realm, provider.alias, 'the account is linked already');
    }
    return brokeredSession(request, reply, l, provider, identity, linked, 'FEDERATED_IDENTITY_LINK');
  });

  // ---- back from the provider's logout ----------------------------------------------------

  app.get(`${BROKER}/endpoint/logout_response`, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const alias = aliasOf(request);
    const provider = (await domain.identityProviders.all(realm.realm.id)).find((p) => p.alias === alias);
    const found = await stateFor(realm, provider, (request.query as Record<string, unknown>).state, 'logout');
    const ctx = pageContext(pages, realm, request, { resourcesPath: deps.resourcesPath });
    // Our own session ended before the browser left: without a state of ours, say so and go nowhere.
    if (!found || !(await domain.identityProviders.useState(found.record))) return sendPage(reply, pages.loggedOut(ctx));
    const next = found.data.next ?? provider!.settings.postLogoutUrl;
    if (!next) return sendPage(reply, pages.loggedOut(ctx));
    return reply.header('cache-control', 'no-store').redirect(next, 302);
  });
};
