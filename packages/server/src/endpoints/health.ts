import type { FastifyPluginAsync } from 'fastify';
import type { Domain } from '../domain/index.js';

/** Keycloak's health paths: live while the process serves, ready while the database answers. */
export const healthEndpoints: FastifyPluginAsync<{ domain: Domain }> = async (app, { domain }) => {
  app.get('/health/live', async () => ({ status: 'UP', checks: [] }));
  app.get('/health/ready', async (request, reply) => {
    try {
      await domain.store.ping();
      return { status: 'UP', checks: [{ name: 'database', status: 'UP' }] };
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed');
      return reply.code(503).send({ status: 'DOWN', checks: [{ name: 'database', status: 'DOWN' }] });
    }
  });
};
