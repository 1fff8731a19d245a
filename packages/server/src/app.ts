import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formBody from '@fastify/formbody';
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Domain } from './domain/index.js';
import { authorizationEndpoint } from './endpoints/authorization.js';
import { discoveryEndpoint, wellKnownAtRoot } from './endpoints/discovery.js';
import { loginActions } from './endpoints/login-actions.js';
import { logoutEndpoint } from './endpoints/logout.js';
import { resourcesEndpoint } from './endpoints/resources.js';
import { healthEndpoints } from './endpoints/health.js';
import { introspectionEndpoint } from './endpoints/introspect.js';
import { jwksEndpoint } from './endpoints/jwks.js';
import { revocationEndpoint } from './endpoints/revoke.js';
import { tokenEndpoint } from './endpoints/token.js';
import { userinfoEndpoint } from './endpoints/userinfo.js';
import { registerErrorHandling } from './http/errors.js';
import { createPages } from './pages/index.js';

const THEME = 'latchkey';

export interface AppOptions {
  domain: Domain;
  relativePath: string;
  logLevel: string;
}

/** Assembles the HTTP server: one plugin per endpoint, all under the relative path. */
export async function buildApp({ domain, relativePath, logLevel }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: logLevel,
      // Credentials travel in these headers; they must never reach a log line.
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    // Protocol requests are small; a large body is refused before it is read.
    bodyLimit: 64 * 1024,
    // A line per request costs throughput on the hot paths; it is there when debugging.
    logController: new LogController({ disableRequestLogging: logLevel !== 'debug' && logLevel !== 'trace' }),
    // Realm names may be up to 255 characters, past Fastify's default of 100.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512 },
    // Errors the router raises before any route (a malformed URL) get the same JSON shape.
    frameworkErrors: (err, _request, reply: FastifyReply) => {
      reply.code(err.statusCode ?? 400).header('cache-control', 'no-store')
        .send({ error: 'invalid_request', error_description: err.message });
    },
  });
  registerErrorHandling(app);
  await app.register(formBody);
  // Cookies are signed with a key derived from the master key, so every node agrees on it.
  await app.register(cookie, { secret: domain.box.deriveKey('cookies') });
  await app.register(csrf, { cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/' } });
  const flow = { domain, pages: createPages(THEME), resourcesPath: `${relativePath}/resources/${THEME}` };

  await app.register(wellKnownAtRoot, { domain, relativePath });
  await app.register(async (scoped) => {
    await scoped.register(discoveryEndpoint, { domain });
    await scoped.register(healthEndpoints, { domain });
    await scoped.register(jwksEndpoint, { domain });
    await scoped.register(tokenEndpoint, { domain });
    await scoped.register(userinfoEndpoint, { domain });
    await scoped.register(introspectionEndpoint, { domain });
    await scoped.register(revocationEndpoint, { domain });
    await scoped.register(authorizationEndpoint, flow);
    await scoped.register(loginActions, flow);
    await scoped.register(logoutEndpoint, flow);
    await scoped.register(resourcesEndpoint, { themeName: THEME });
  }, { prefix: relativePath });
  return app;
}
