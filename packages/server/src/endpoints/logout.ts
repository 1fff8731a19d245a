import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientRuntime, RealmRuntime } from '../domain/index.js';
import type { FlowDeps } from '../http/authorization-flow.js';
import {
  clearSessionCookie, csrfCheck, csrfToken, pageContext, readSignedCookie, redirectBrowser, sendPage, SESSION_COOKIE, signedInAccount,
} from '../http/browser.js';
import { recordLogout } from '../http/events.js';
import { OIDC } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import type { LoggedOutPage, PageContext } from '../pages/types.js';
import { readIdTokenHint, type IdTokenHint } from '../protocol/id-token-hint.js';
import { postLogoutRedirectUris, redirectUriAllowed } from '../protocol/redirect-uris.js';
import type { ClientRecord, SessionRecord } from '../storage/store.js';

type SessionOrigin = NonNullable<Awaited<ReturnType<FlowDeps['domain']['identityProviders']['sessionOrigin']>>>;

type Params = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The parameters of RP-Initiated Logout §2, as far as they hold up. */
interface LogoutRequest {
  params: Record<string, string>;
  hint?: IdTokenHint;
  client?: ClientRuntime;
  redirect?: string;
  state?: string;
  uiLocales?: string;
  /** A valid hint of an enabled client, client_id (if given) its own, the redirect (if given) registered. */
  proven: boolean;
  /** The clientId of a client asked to redirect to a URI it did not register. */
  unregisteredFor?: string;
}

/** What ending the sessions leaves to do: the identity provider to sign out at, the clients' front-channel logout URLs. */
interface Ended {
  origin?: SessionOrigin;
  frontchannel: string[];
}

/**
 * OIDC Front-Channel Logout §2: the client's URL, with the issuer and the session's id when it
 * asks for them (Keycloak's default); none for a client without front-channel logout.
 */
function frontchannelLogoutUrl(realm: RealmRuntime, client: ClientRecord, session: SessionRecord): string[] {
  const s = client.settings;
  if (!client.enabled || !s.frontchannelLogout || !s.frontchannelLogoutUrl) return [];
  const url = new URL(s.frontchannelLogoutUrl);
  if (s.frontchannelLogoutSessionRequired !== false) {
    url.searchParams.set('iss', realm.issuer);
    url.searchParams.set('sid', session.id);
  }
  return [url.href];
}

// Carried through the confirmation form, so that a proven request still redirects once confirmed.
const CARRIED = ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state', 'ui_locales'] as const;

/**
 * The way back to the application signed out of, for the logged-out page: the origin of its
 * first registered redirect URI, where the application lives (Latchkey keeps no base URL of
 * its own for a client). None for a client without an http(s) redirect URI.
 */
function backToApp(client: ClientRuntime | undefined): LoggedOutPage['back'] {
  for (const uri of client?.record.settings.redirectUris ?? []) {
    let url: URL;
    try {
      url = new URL(uri.replace(/\*$/, ''));
    } catch {
      continue;
    }
    if (url.protocol === 'https:' || url.protocol === 'http:') return { href: `${url.origin}/`, name: client!.record.settings.name?.trim() || client!.record.clientId };
  }
  return undefined;
}

/**
 * RP-Initiated Logout 1.0. A request proven by a valid id_token_hint, made in a browser
 * signed in as the hint's user and session (or in none), ends the session and may redirect
 * to a registered URI. Anything else is confirmed by the user on a page first, so that a
 * link holding somebody's valid hint cannot sign another user out (§4); it redirects
 * afterwards only when proven.
 */
export const logoutEndpoint: FastifyPluginAsync<FlowDeps> = async (app, deps) => {
  const { domain, pages } = deps;

  async function read(realm: RealmRuntime, raw: Params): Promise<LogoutRequest> {
    const params = Object.fromEntries(CARRIED.flatMap((k) => (str(raw[k]) !== undefined ? [[k, str(raw[k])!]] : [])));
    const hint = params.id_token_hint ? await readIdTokenHint(realm, params.id_token_hint) : undefined;
    const clientId = params.client_id;
    const found = hint || clientId ? await domain.clients.runtime(realm.realm.id, hint?.clientId ?? clientId!) : undefined;
    const client = found?.record.enabled ? found : undefined;
    const redirect = params.post_logout_redirect_uri;
    const consistent = !clientId || !hint || clientId === hint.clientId;
    const unregisteredFor = redirect && client
      && !redirectUriAllowed(postLogoutRedirectUris(client.record.settings), redirect, realm.realm.settings.sslRequired, realm.base)
      ? client.record.clientId : undefined;
    const proven = Boolean(hint && client && consistent && unregisteredFor === undefined);
    return { params, hint, client, redirect, state: params.state, uiLocales: params.ui_locales, proven, unregisteredFor };
  }

  /** The session this browser's cookie names, whatever the state of its user. */
  async function browserSession(request: FastifyRequest, realm: RealmRuntime): Promise<SessionRecord | undefined> {
    const id = readSignedCookie(request, SESSION_COOKIE);
    const session = id ? await domain.sessions.active(id) : undefined;
    return session?.realmId === realm.realm.id ? session : undefined;
  }

  /**
   * Ends the browser's session and the hint's own (when it is its user's), and clears the
   * cookie. Returns the identity provider one of them began at, with its ID token, if one did,
   * and the front-channel logout URLs of the clients they served.
   */
  async function endSessions(request: FastifyRequest, reply: FastifyReply, realm: RealmRuntime, current?: SessionRecord, hint?: IdTokenHint): Promise<Ended> {
    const ending = new Map<string, SessionRecord>(current ? [[current.id, current]] : []);
    if (hint?.sid && !ending.has(hint.sid)) {
      const session = await domain.sessions.active(hint.sid);
      // A hint can only end its own user's session.
      if (session && session.realmId === realm.realm.id && session.userId === hint.sub) ending.set(session.id, session);
    }
    let origin: SessionOrigin | undefined;
    const frontchannel: string[] = [];
    for (const session of ending.values()) {
      origin ??= await domain.identityProviders.sessionOrigin(session.id);
      const served = await domain.sessions.end(session.id);
      frontchannel.push(...served.flatMap((client) => frontchannelLogoutUrl(realm, client, session)));
      await recordLogout(domain, request, realm, session, hint?.clientId);
    }
    clearSessionCookie(reply, realm);
    return { origin, frontchannel };
  }

  /**
   * Back to the client with state when proven and asked for, else our logged-out page. A
   * session that began at an identity provider goes there first, so that it ends its session
   * too (id_token_hint), and comes back by our logout_response: then to the client, the
   * provider's postLogoutUrl, or our page. A GET, so the provider's SameSite=Lax cookie comes along.
   */
  async function done(request: FastifyRequest, reply: FastifyReply, realm: RealmRuntime, ctx: PageContext, lr: LogoutRequest, { origin, frontchannel }: Ended) {
    let next: string | undefined;
    if (lr.proven && lr.redirect) {
      const target = new URL(lr.redirect);
      if (lr.state !== undefined) target.searchParams.set('state', lr.state);
      next = target.toString();
    }
    const upstream = origin && (await deps.broker.logoutUrl(realm, origin.provider, origin.idToken, next));
    const target = upstream ?? next ?? origin?.provider.settings.postLogoutUrl;
    // The clients' front-channel logout iframes need a page of ours: it goes on to the target once they have loaded.
    if (!target || frontchannel.length > 0) {
      return sendPage(reply, pages.loggedOut(ctx, { back: target ? undefined : backToApp(lr.client), frontchannel, next: target }), { frameTargets: frontchannel });
    }
    return redirectBrowser(request, reply.header('cache-control', 'no-store'), target);
  }

  /**
   * Where the confirmation form's redirects may go when the browser's session began at an
   * identity provider: its end-session endpoint, back here, then its postLogoutUrl. Browsers
   * hold every redirect after a form to the page's CSP form-action.
   */
  async function upstreamTargets(realm: RealmRuntime, current: SessionRecord | undefined): Promise<string[]> {
    const origin = current && (await domain.identityProviders.sessionOrigin(current.id));
    if (!origin) return [];
    const endpoint = await deps.broker.endSessionEndpoint(origin.provider);
    const after = origin.provider.settings.postLogoutUrl;
    return [...(endpoint ? [endpoint, realm.issuer] : []), ...(after ? [after] : [])];
  }

  const context = (request: FastifyRequest, realm: RealmRuntime, lr: LogoutRequest) =>
    pageContext(pages, realm, request, { uiLocales: lr.uiLocales, client: lr.client, resourcesPath: deps.resourcesPath });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const realm = await realmOf(domain, request);
    const lr = await read(realm, ((request.method === 'POST' ? request.body : request.query) ?? {}) as Params);
    const current = await browserSession(request, realm);
    const hintsThisBrowser = !current || (lr.hint !== undefined && current.userId === lr.hint.sub && (!lr.hint.sid || lr.hint.sid === current.id));
    if (lr.proven && hintsThisBrowser) {
      const ended = await endSessions(request, reply, realm, current, lr.hint);
      return done(request, reply, realm, context(request, realm, lr), lr, ended);
    }
    // Unproven requests carry nothing to the confirmation but the language and the client (for
    // the way back to it from the logged-out page, to its registered address): they never redirect.
    const carried = lr.proven ? lr.params : {
      ...(lr.uiLocales ? { ui_locales: lr.uiLocales } : {}), ...(lr.client ? { client_id: lr.client.record.clientId } : {}),
    };
    // Keycloak refuses it as "Invalid redirect uri"; here the user may still sign out, and is told why they stay.
    if (lr.unregisteredFor !== undefined) {
      request.log.warn({ clientId: lr.unregisteredFor }, 'post_logout_redirect_uri is not registered for the client: no redirect after logout');
    }
    const user = current && await domain.users.get(realm.realm.id, current.userId);
    const html = pages.logoutConfirm(context(request, realm, lr), {
      action: `${new URL(realm.issuer).pathname}/protocol/openid-connect/logout/confirm`,
      hidden: { _csrf: csrfToken(reply, realm), ...carried },
      account: user ? signedInAccount(user) : undefined,
      notice: lr.unregisteredFor !== undefined ? 'invalidPostLogoutRedirectUri' : undefined,
    });
    return sendPage(reply, html, { formTargets: [...(lr.proven && lr.redirect ? [lr.redirect] : []), ...(await upstreamTargets(realm, current))] });
  };
  app.get(`${OIDC}/logout`, { config: { page: true } }, handler);
  app.post(`${OIDC}/logout`, { config: { page: true } }, handler);

  app.post(`${OIDC}/logout/confirm`, { preHandler: csrfCheck(app, deps), config: { page: true } }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const lr = await read(realm, (request.body ?? {}) as Params);
    const ended = await endSessions(request, reply, realm, await browserSession(request, realm), lr.proven ? lr.hint : undefined);
    return done(request, reply, realm, context(request, realm, lr), lr, ended);
  });
};
