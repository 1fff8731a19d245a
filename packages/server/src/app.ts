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
import { loggerOptions, registerRequestId, REQUEST_ID_HEADER } from './http/logging.js';
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
  registerRequestId(app);
  if (lifecycle) {
    // While shutting down, every answer closes its connection: a keep-alive connection left
    // idle after an in-flight request would otherwise hold the shutdown up until it times out.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (lifecycle.draining) reply.header('connection', 'close');
      done(null, payload);
    });
  }
  const pages = createPages(THEME);
  const resourcesPath = `${relativePath}/resources/${THEME}`;
  registerErrorHandling(app, { pages, resourcesPath });
  registerMetrics(app, { relativePath, poolStats });
  domain.onSignInFailure = (reason) => signInFailures.inc({ reason });
  domain.clientOutbound.allowPrivateOutbound(allowPrivateOutbound);
  if (issuerFromRequest) app.decorate('issuerBaseOf', forwardedIssuerBase(relativePath));
  await app.register(formBody);
  // Cookies are signed with a key derived from the master key, so every node agrees on it.
  await app.register(cookie, { secret: domain.box.deriveKey('cookies') });
  // Secure is added per request (csrfToken in http/browser.ts): the issuer, and so the scheme, may follow the request.
  await app.register(csrf, { cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/' } });
  const broker = new Broker(domain, app.log, allowPrivateOutbound);
  const mailer = new Mailer(domain, pages, resourcesPath);
  const flow = { domain, pages, resourcesPath, broker, mailer };

  await app.register(wellKnownAtRoot, { domain, relativePath });
  await app.register(async (scoped) => {
    // Not a plugin of its own: its hooks must reach every endpoint of this scope.
    await scoped.register(cors, corsPolicy(domain));
    await scoped.register(discoveryEndpoint, { domain });
    await scoped.register(realmInfoEndpoint, { domain });
    await scoped.register(healthEndpoints, { domain, lifecycle });
    await scoped.register(jwksEndpoint, { domain });
    await scoped.register(tokenEndpoint, { domain });
    await scoped.register(userinfoEndpoint, { domain });
    await scoped.register(accountEndpoint, { domain, mailer });
    await scoped.register(introspectionEndpoint, { domain });
    await scoped.register(revocationEndpoint, { domain });
    await scoped.register(parEndpoint, { domain });
    await scoped.register(authorizationEndpoint, flow);
    await scoped.register(loginActions, flow);
    await scoped.register(actionTokenEndpoint, flow);
    await scoped.register(deviceEndpoints, flow);
    await scoped.register(logoutEndpoint, flow);
    await scoped.register(sessionIframes, flow);
    await scoped.register(brokerEndpoints, flow);
    await scoped.register(resourcesEndpoint, { themeName: THEME });
    await scoped.register(adminApi, { domain, broker, mailer, theme: { name: THEME, locales: pages.locales }, prefix: '/admin' });
    await scoped.register(adminConsole, { relativePath });
    await scoped.register(welcomePage, { domain, pages, resourcesPath });
  }, { prefix: relativePath });
  return app;
}
