import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { TokenError } from './errors.js';
import { authenticate, errorResponse, resolveAuthOptions, type AuthOptions } from './http.js';
import type { Requirements } from './requirements.js';
import type { VerifiedToken } from './verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Claims of the verified access token; null only on routes with `config: { auth: false }`. */
    auth: VerifiedToken | null;
  }
  interface FastifyContextConfig {
    /** Scopes/roles this route demands, or `false` for a public route. */
    auth?: false | Requirements;
  }
}

export type LatchkeyFastifyOptions = AuthOptions;

async function plugin(fastify: FastifyInstance, options: LatchkeyFastifyOptions): Promise<void> {
  const resolved = resolveAuthOptions(options);
  const { realm } = resolved;
  fastify.decorateRequest('auth', null);
  // onRequest rather than preHandler: an unauthenticated request is refused before its body is
  // read, parsed and validated. The price is that a token in a form body is not noticed.
  fastify.addHook('onRequest', async (request, reply) => {
    const requirements = request.routeOptions.config.auth;
    if (requirements === false) return;
    try {
      request.auth = await authenticate(resolved, {
        authorization: request.headers.authorization, url: request.url, method: request.method,
        dpop: request.headers.dpop, host: request.headers.host, secure: request.protocol === 'https',
      }, requirements);
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      const response = errorResponse(err, realm);
      return reply.code(response.status).headers(response.headers).send(response.body);
    }
  });
}

/**
 * Protects every route of the instance it is registered on (and its children): not encapsulated,
 * which is what `fastify-plugin` would do, without the dependency.
 */
export const latchkeyFastify: FastifyPluginAsync<LatchkeyFastifyOptions> = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@latchkey/resource',
});
