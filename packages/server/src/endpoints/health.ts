import type { FastifyPluginAsync } from 'fastify';
import type { Domain } from '../domain/index.js';

/** Set when the server starts shutting down: from then on it is no longer ready. */
export interface Lifecycle {
  draining: boolean;
}

/** Keycloak's health paths: live while the process serves, ready while the database answers and it is not shutting down. */
export const healthEndpoints: FastifyPluginAsync<{ domain: Domain; lifecycle?: Lifecycle }> = async (app, { domain, lifecycle }) => {
  app.get('/health/live', async () => ({ status: 'UP', checks: [] }));
  app.get('/health/ready', async (request, reply) => {
    if (lifecycle?.draining) {
      return reply.code(503).send({ status: 'DOWN', checks: [{ name: 'shutdown', status: 'DOWN' }] });
    }
    try {
      await domain.store.ping();
      return { status: 'UP', checks: [{ name: 'database', status: 'UP' }] };
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed');
      return reply.code(503).send({ status: 'DOWN', checks: [{ name: 'database', status: 'DOWN' }] });
    }
  });
};
