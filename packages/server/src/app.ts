import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import csrf from '@fastify/csrf-protection';
import formBody from '@fastify/formbody';
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import { adminApi } from './admin/plugin.js';
import { accountEndpoint } from './endpoints/account.js';
import { Broker } from './broker/index.js';
import type { Domain } from './domain/index.js';
import { adminConsole } from './endpoints/console.js';
import { authorizationEndpoint } from './endpoints/authorization.js';
import { brokerEndpoints } from './endpoints/broker.js';
import { deviceEndpoints } from './endpoints/device.js';
import { discoveryEndpoint, wellKnownAtRoot } from './endpoints/discovery.js';
import { loginActions } from './endpoints/login-actions.js';
import { actionTokenEndpoint } from './endpoints/action-token.js';
import { logoutEndpoint } from './endpoints/logout.js';
import { resourcesEndpoint } from './endpoints/resources.js';
import { healthEndpoints, type Lifecycle } from './endpoints/health.js';
import { introspectionEndpoint } from './endpoints/introspect.js';
import { jwksEndpoint } from './endpoints/jwks.js';
import { realmInfoEndpoint } from './endpoints/realm-info.js';
import { revocationEndpoint } from './endpoints/revoke.js';
import { parEndpoint } from './endpoints/par.js';
import { sessionIframes } from './endpoints/session-iframes.js';
import { tokenEndpoint } from './endpoints/token.js';
import { userinfoEndpoint } from './endpoints/userinfo.js';
import { welcomePage } from './endpoints/welcome.js';
import { corsPolicy } from './http/cors.js';
import { clientErrorHandler, registerErrorHandling } from './http/errors.js';
import { loggerOptions, registerAnswerHeaders, REQUEST_ID_HEADER } from './http/logging.js';
import { registerMetrics, signInFailures, type PoolStats } from './http/metrics.js';
import { lazyValidation } from './http/validation.js';
import { forwardedIssuerBase } from './http/realm.js';
import { createPages } from './pages/index.js';
import { Mailer } from './mail/index.js';

const THEME = 'latchkey';

export interface AppOptions {
  domain: Domain;
  relativePath: string;
  logLevel: string;
  /** Serve HTTPS with this certificate chain and key (PEM). */
  https?: { cert: Buffer; key: Buffer };
  /** Trust X-Forwarded-Proto/-Host/-For from a reverse proxy. */
  proxyHeaders?: boolean;
  /** Each request's issuer from its (forwarded) scheme and host instead of the configured one. */
  issuerFromRequest?: boolean;
  /** Identity providers may be on loopback, private and link-local addresses. */
  allowPrivateOutbound?: boolean;
  /** Shared with whoever shuts the server down: while draining, /health/ready answers 503. */
  lifecycle?: Lifecycle;
  /** The PostgreSQL pool's counts for /metrics; absent for SQLite. */
  poolStats?: () => PoolStats | undefined;
}

/** Assembles the HTTP server: one plugin per endpoint, all under the relative path. */
export async function buildApp({
  domain, relativePath, logLevel, https, proxyHeaders = false, issuerFromRequest = false, allowPrivateOutbound = false, lifecycle, poolStats,
}: AppOptions): Promise<FastifyInstance> {
  // Typed as the plain HTTP instance: nothing here depends on which server is underneath.
  const app = Fastify({
    ...(https ? { https } : {}),
    // JSON lines; every line of a request carries its id; nothing that may hold a secret is logged.
    ...loggerOptions(logLevel),
    trustProxy: proxyHeaders,
    // While shutting down, requests already on a connection are answered, not refused.
    return503OnClosing: false,
    // Protocol requests are small; a large body is refused before it is read.
    bodyLimit: 64 * 1024,
    // A line per request costs throughput on the hot paths; it is there when debugging.
    logController: new LogController({ disableRequestLogging: logLevel !== 'debug' && logLevel !== 'trace' }),
    // Realm names may be up to 255 characters, past Fastify's default of 100.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512 },
    schemaController: lazyValidation(),
    clientErrorHandler,
    // Errors the router raises before any route (a malformed URL) get the same JSON shape.
    frameworkErrors: (err, request, reply: FastifyReply) => {
      reply.code(err.statusCode ?? 400).header('cache-control', 'no-store').header(REQUEST_ID_HEADER, request.id)
        .send({ error: 'invalid_request', error_description: err.message });
    },
  }) as unknown as FastifyInstance;
  registerAnswerHeaders(app, lifecycle);
  const pages = createPages(THEME);
  const resourcesPath = `${relativePath}/resources/${THEME}`;
  registerErrorHandling(app, { pages, resourcesPath });
  registerMetrics(app, { relativePath, poolStats });
  domain.onSignInFailure = (reason) => signInFailures.inc({ reason });
  domain.clientOutbound.allowPrivateOutbound(allowPrivateOutbound);
  if (issuerFromRequest) app.decorate('issuerBaseOf', forwardedIssuerBase(relativePath));
  await app.register(formBody);
  const broker = new Broker(domain, app.log, allowPrivateOutbound);
  const mailer = new Mailer(domain, pages, resourcesPath);
  const flow = { domain, pages, resourcesPath, broker, mailer };

  await app.register(wellKnownAtRoot, { domain, relativePath });
  await app.register(async (scoped) => {
    // Not a plugin of its own: its hooks must reach every endpoint of this scope.
    await scoped.register(cors, corsPolicy(domain));
    // What servers and apps call with tokens and credentials, never with cookies: no cookie
    // hooks here, which would otherwise run on every token, introspection and userinfo request.
    await scoped.register(async (api) => {
      await api.register(discoveryEndpoint, { domain });
      await api.register(realmInfoEndpoint, { domain });
      await api.register(healthEndpoints, { domain, lifecycle });
      await api.register(jwksEndpoint, { domain });
      await api.register(tokenEndpoint, { domain });
      await api.register(userinfoEndpoint, { domain });
      await api.register(accountEndpoint, { domain, mailer });
      await api.register(introspectionEndpoint, { domain });
      await api.register(revocationEndpoint, { domain });
      await api.register(parEndpoint, { domain });
      await api.register(resourcesEndpoint, { themeName: THEME });
      await api.register(adminApi, { domain, broker, mailer, theme: { name: THEME, locales: pages.locales }, prefix: '/admin' });
      await api.register(adminConsole, { relativePath });
    });
    // The browser's pages: sign-in, logout, the session iframes and the welcome page.
    await scoped.register(async (browser) => {
      // Cookies are signed with a key derived from the master key, so every node agrees on it.
      await browser.register(cookie, { secret: domain.box.deriveKey('cookies') });
      // Secure is added per request (csrfToken in http/browser.ts): the issuer, and so the scheme, may follow the request.
      await browser.register(csrf, { cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/' } });
      await browser.register(authorizationEndpoint, flow);
      await browser.register(loginActions, flow);
      await browser.register(actionTokenEndpoint, flow);
      await browser.register(deviceEndpoints, flow);
      await browser.register(logoutEndpoint, flow);
      await browser.register(sessionIframes, flow);
      await browser.register(brokerEndpoints, flow);
      await browser.register(welcomePage, { domain, pages, resourcesPath });
    });
  }, { prefix: relativePath });
  return app;
}
