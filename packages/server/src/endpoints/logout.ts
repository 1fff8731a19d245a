import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { jwtVerify } from 'jose';
import type { ClientRuntime, RealmRuntime } from '../domain/index.js';
import type { FlowDeps } from '../http/authorization-flow.js';
import { clearSessionCookie, pageContext, readSignedCookie, sendPage, SESSION_COOKIE } from '../http/browser.js';
import { recordLogout } from '../http/events.js';
import { OIDC } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { redirectUriMatches } from '../protocol/authorization/checks.js';
import type { PageContext } from '../pages/types.js';
import { SIGNING_ALGS } from '../storage/store.js';

type Params = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

interface Hint {
  sub: string;
  sid?: string;
  clientId: string;
}

/** Our own ID token, expired or not (RP-Initiated Logout §2). */
async function readHint(realm: RealmRuntime, token: string | undefined): Promise<Hint | undefined> {
  if (!token) return undefined;
  try {
    const { payload } = await jwtVerify(token, realm.verificationKeys, {
      issuer: realm.issuer, algorithms: [...SIGNING_ALGS], currentDate: new Date(0),
    });
    const clientId = typeof payload.azp === 'string' ? payload.azp : Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
    if (typeof payload.sub !== 'string' || typeof clientId !== 'string') return undefined;
    return { sub: payload.sub, sid: typeof payload.sid === 'string' ? payload.sid : undefined, clientId };
  } catch {
    return undefined;
  }
}

/** Keycloak's `+` means "the same as the login redirects". */
function logoutRedirectAllowed(client: ClientRuntime, uri: string): boolean {
  const s = client.record.settings;
  const allowed = s.postLogoutRedirectUris.flatMap((u) => (u === '+' ? s.redirectUris : [u]));
  return redirectUriMatches(allowed, uri);
}

/**
 * RP-Initiated Logout 1.0. A request proven by a valid id_token_hint ends the
 * session and may redirect to a registered URI; anything else is confirmed by
 * the user on a page and never redirects.
 */
export const logoutEndpoint: FastifyPluginAsync<FlowDeps> = async (app, deps) => {
  const { domain, pages } = deps;

  /** Ends the sessions; returns the identity provider one of them began at, with its ID token, if one did. */
  async function endSessions(request: FastifyRequest, reply: FastifyReply, realm: RealmRuntime, hint?: Hint) {
    const cookieSession = readSignedCookie(request, SESSION_COOKIE);
    let origin: Awaited<ReturnType<typeof domain.identityProviders.sessionOrigin>>;
    for (const id of new Set([cookieSession, hint?.sid].filter((v): v is string => Boolean(v)))) {
      const session = await domain.sessions.active(id);
      // A hint can only end its own user's session.
      if (session && session.realmId === realm.realm.id && (!hint || id === cookieSession || session.userId === hint.sub)) {
        origin ??= await domain.identityProviders.sessionOrigin(id);
        await domain.sessions.end(id);
        await recordLogout(domain, request, realm, session, hint?.clientId);
      }
    }
    clearSessionCookie(reply, realm);
    return origin;
  }

  /**
   * After the local logout: to the identity provider the session began at, so it ends its
   * session too (id_token_hint), then back to `next`, the provider's postLogoutUrl, or our
   * page. A GET, so the provider's SameSite=Lax session cookie comes along.
   */
  async function afterLogout(reply: FastifyReply, realm: RealmRuntime, ctx: PageContext,
    origin: Awaited<ReturnType<typeof endSessions>>, next: string | undefined) {
    const upstream = origin && (await deps.broker.logoutUrl(realm, origin.provider, origin.idToken, next));
    const target = upstream ?? next ?? origin?.provider.settings.postLogoutUrl;
    if (!target) return sendPage(reply, pages.loggedOut(ctx));
    return reply.header('cache-control', 'no-store').redirect(target, 302);
  }

  /**
   * Where the confirmation form's redirects may go when this browser's session began at an
   * identity provider: its end-session endpoint, back here, then its postLogoutUrl. Browsers
   * hold every redirect after a form to the page's CSP form-action.
   */
  async function upstreamTargets(request: FastifyRequest, realm: RealmRuntime): Promise<string[]> {
    const id = readSignedCookie(request, SESSION_COOKIE);
    const origin = id ? await domain.identityProviders.sessionOrigin(id) : undefined;
    const endpoint = origin && (await deps.broker.endSessionEndpoint(origin.provider));
    if (!origin || !endpoint) return origin?.provider.settings.postLogoutUrl ? [origin.provider.settings.postLogoutUrl] : [];
    return [endpoint, realm.issuer, ...(origin.provider.settings.postLogoutUrl ? [origin.provider.settings.postLogoutUrl] : [])];
  }

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const realm = await realmOf(domain, request);
    const params = ((request.method === 'POST' ? request.body : request.query) ?? {}) as Params;
    const hint = await readHint(realm, str(params.id_token_hint));
    const clientId = str(params.client_id);
    const client = hint || clientId ? await domain.clients.runtime(realm.realm.id, hint?.clientId ?? clientId!) : undefined;
    const redirect = str(params.post_logout_redirect_uri);
    const uiLocales = str(params.ui_locales);
    const ctx = pageContext(pages, realm, request, { uiLocales, client, resourcesPath: deps.resourcesPath });

    const consistent = !clientId || !hint || clientId === hint.clientId;
    if (hint && client && consistent && (!redirect || logoutRedirectAllowed(client, redirect))) {
      const origin = await endSessions(request, reply, realm, hint);
      let target: URL | undefined;
      if (redirect) {
        target = new URL(redirect);
        const state = str(params.state);
        if (state !== undefined) target.searchParams.set('state', state);
      }
      return afterLogout(reply, realm, ctx, origin, target?.toString());
    }
    // Unproven or unregistered: ask, and afterwards show our own page rather than go anywhere.
    const html = pages.logoutConfirm(ctx, {
      action: `${new URL(realm.issuer).pathname}/protocol/openid-connect/logout/confirm`,
      hidden: { _csrf: reply.generateCsrf(), ...(uiLocales ? { ui_locales: uiLocales } : {}) },
    });
    return sendPage(reply, html, { formTargets: await upstreamTargets(request, realm) });
  };
  app.get(`${OIDC}/logout`, handler);
  app.post(`${OIDC}/logout`, handler);

  app.post(`${OIDC}/logout/confirm`, { preHandler: app.csrfProtection }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const origin = await endSessions(request, reply, realm);
    const uiLocales = str((request.body as Params | undefined)?.ui_locales);
    return afterLogout(reply, realm, pageContext(pages, realm, request, { uiLocales, resourcesPath: deps.resourcesPath }), origin, undefined);
  });
};
