import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientRuntime, Domain, RealmRuntime } from '../domain/index.js';
import { now } from '../domain/time.js';
import { resolveLocale } from '../pages/locale.js';
import type { Hidden, PageContext, Pages, SignedInAccount } from '../pages/types.js';
import { browserState } from '../protocol/session-state.js';
import type { SessionRecord, UserRecord } from '../storage/store.js';
import { realmOf } from './realm.js';

export const SESSION_COOKIE = 'LATCHKEY_SESSION';
export const INTERACTION_COOKIE = 'LATCHKEY_INTERACTION';

/** Cookies live under the realm's path, so realms on one host never see each other's. */
export function cookieOptions(realm: RealmRuntime) {
  const issuer = new URL(realm.issuer);
  return {
    path: `${issuer.pathname}/`,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: issuer.protocol === 'https:',
    signed: true,
  };
}

/**
 * Sends the browser on. After a form POST it is 303 (RFC 9700 §4.12): with 307 the browser
 * would post the form, password included, to the next URL, and 302 leaves that to it.
 */
export function redirectBrowser(request: FastifyRequest, reply: FastifyReply, location: string): FastifyReply {
  return reply.redirect(location, request.method === 'POST' ? 303 : 302);
}

const csrfTokens = new WeakMap<FastifyReply, string>();

/**
 * A CSRF token for a form; its secret's cookie is Secure on https, like the realm's own cookies.
 * One per response, for all of a page's forms: for a browser without the secret's cookie (or
 * with another server's of the same host), each new token would set a new secret, and the
 * page's earlier forms would then fail the check.
 */
export function csrfToken(reply: FastifyReply, realm: RealmRuntime): string {
  const token = csrfTokens.get(reply) ?? reply.generateCsrf({ secure: cookieOptions(realm).secure });
  csrfTokens.set(reply, token);
  return token;
}

/** A preHandler that refuses a forged or stale form with a page saying so, never a redirect. */
export function csrfCheck(instance: FastifyInstance, deps: { domain: Domain; pages: Pages; resourcesPath: string }) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    // The plugin answers a bad token itself (reply.send of a JSON error) instead of calling back:
    // its answer is caught here and replaced by the theme's page.
    const valid = await new Promise<boolean>((resolve) => {
      const probe = Object.create(reply, { send: { value: () => { resolve(false); return probe; } } }) as FastifyReply;
      instance.csrfProtection(request, probe, (err?: Error) => resolve(!err));
    });
    if (!valid) {
      const realm = await realmOf(deps.domain, request);
      const ctx = pageContext(deps.pages, realm, request, { resourcesPath: deps.resourcesPath });
      return sendPage(reply, deps.pages.error(ctx, { messageKey: 'requestExpired' }), { status: 403 });
    }
  };
}

/** The path under the issuer where the browser is sent, relative to the host. */
export const realmPath = (realm: RealmRuntime, path: string) => `${new URL(realm.issuer).pathname}${path}`;

export function readSignedCookie(request: FastifyRequest, name: string): string | undefined {
  const raw = request.cookies[name];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}

/** The realm's SSO session this browser holds, if it is still alive and its user still enabled. */
export async function ssoSession(domain: Domain, realm: RealmRuntime, request: FastifyRequest): Promise<{ session?: SessionRecord; user?: UserRecord }> {
  const id = readSignedCookie(request, SESSION_COOKIE);
  const session = id ? await domain.sessions.active(id) : undefined;
  if (!session || session.realmId !== realm.realm.id || session.offline) return {};
  const user = await domain.users.get(realm.realm.id, session.userId);
  return user?.enabled ? { session, user } : {};
}

// Several tabs may each have a sign-in in progress: the cookie lists the most recent ones.
const OPEN_INTERACTIONS = 8;

/** The account a page shows as signed in: the user's name with the username, or the username alone. */
export function signedInAccount(user: UserRecord, restart?: { action: string; hidden: Hidden }): SignedInAccount {
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
  return { name: name ? `${name} (${user.username})` : user.username, restart };
}

/** Binds an interaction to this browser, beside any it already has open. */
export function rememberInteraction(request: FastifyRequest, reply: FastifyReply, realm: RealmRuntime, id: string): void {
  const open = (readSignedCookie(request, INTERACTION_COOKIE) ?? '').split(' ').filter(Boolean);
  const kept = [...open.filter((o) => o !== id), id].slice(-OPEN_INTERACTIONS);
  reply.setCookie(INTERACTION_COOKIE, kept.join(' '), cookieOptions(realm));
}

/** True when this browser started the interaction. */
export function ownsInteraction(request: FastifyRequest, id: string): boolean {
  return (readSignedCookie(request, INTERACTION_COOKIE) ?? '').split(' ').includes(id);
}

/**
 * The session's browser state (OIDC Session Management), for the check session iframe's
 * script to read: not HttpOnly, and holding only a hash of the session's id.
 */
export const SESSION_STATE_COOKIE = 'LATCHKEY_SESSION_STATE';

const sessionStateCookieOptions = (realm: RealmRuntime) => ({ ...cookieOptions(realm), httpOnly: false, signed: false });

export function setSessionCookie(reply: FastifyReply, realm: RealmRuntime, session: SessionRecord): void {
  // No Max-Age: the server decides when the session ends; the cookie only names it. A remembered
  // session (Keycloak's remember me) outlives the browser: its cookies last as long as it may.
  const lasting = session.rememberMe ? { maxAge: Math.max(0, session.maxExpiresAt - now()) } : {};
  reply.setCookie(SESSION_COOKIE, session.id, { ...cookieOptions(realm), ...lasting });
  reply.setCookie(SESSION_STATE_COOKIE, browserState(session.id), { ...sessionStateCookieOptions(realm), ...lasting });
}

/** Clears a cookie that was set with these options: the browser matches it by name and path. */
export function clearCookie(reply: FastifyReply, name: string, options: ReturnType<typeof cookieOptions>): void {
  const { signed: _signed, ...opts } = options;
  reply.clearCookie(name, opts);
}

export function clearSessionCookie(reply: FastifyReply, realm: RealmRuntime): void {
  clearCookie(reply, SESSION_COOKIE, cookieOptions(realm));
  clearCookie(reply, SESSION_STATE_COOKIE, sessionStateCookieOptions(realm));
}

export function pageContext(
  pages: Pages, realm: RealmRuntime, request: FastifyRequest, opts: { uiLocales?: string; client?: ClientRuntime; resourcesPath: string },
): PageContext {
  const settings = realm.realm.settings;
  return {
    realm: { name: realm.realm.name, displayName: settings.displayName },
    locale: resolveLocale({
      uiLocales: opts.uiLocales,
      acceptLanguage: request.headers['accept-language'],
      realmDefault: settings.defaultLocale,
      supported: pages.locales,
    }),
    client: opts.client && {
      clientId: opts.client.record.clientId,
      title: opts.client.record.settings.name,
      logoUri: opts.client.record.settings.logoUri,
    },
    resourcesPath: opts.resourcesPath,
  };
}

/** A CSP source for a form's target: its origin, or for a native app's scheme (RFC 8252) the scheme alone. */
function formActionSource(target: string): string {
  const url = new URL(target);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
}

/**
 * Sends a page with headers that keep it out of frames and scripts out of it.
 * form-action must list where a form (or the redirect after it) may go, or
 * browsers stop the redirect back to the client.
 */
export function sendPage(
  reply: FastifyReply, html: string, opts: { status?: number; formTargets?: string[]; frameTargets?: string[]; framed?: boolean } = {},
): FastifyReply {
  const targets = [...new Set((opts.formTargets ?? []).map(formActionSource))];
  const frames = [...new Set((opts.frameTargets ?? []).map((t) => new URL(t).origin))];
  const csp = [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' https: data:",
    `form-action 'self'${targets.map((t) => ` ${t}`).join('')}`, "base-uri 'none'",
    ...(frames.length > 0 ? [`frame-src ${frames.join(' ')}`] : []),
    // Keycloak's iframes are framed by clients' pages anywhere; they show nothing and ask for no input.
    ...(opts.framed ? ["connect-src 'self'"] : ["frame-ancestors 'none'"]),
  ].join('; ');
  if (!opts.framed) reply.header('x-frame-options', 'DENY');
  return reply.code(opts.status ?? 200)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', csp)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .send(html);
}
