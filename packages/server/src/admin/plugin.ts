import swagger from '@fastify/swagger';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import type { Broker } from '../broker/index.js';
import type { Domain } from '../domain/index.js';
import type { Mailer } from '../mail/index.js';
import { isUniqueViolation } from '../storage/store.js';
import { authenticateAdmin, requireRealm, type AdminActor } from './auth.js';
import { badRequest, conflict, schemaErrorFormatter } from './errors.js';
import { registerAdminEventHook } from './event-hook.js';
import { clientRoutes } from './routes/clients.js';
import { clientScopeRoutes } from './routes/client-scopes.js';
import { eventRoutes } from './routes/events.js';
import { groupRoutes } from './routes/groups.js';
import { identityProviderRoutes } from './routes/identity-providers.js';
import { initialAccessRoutes } from './routes/initial-access.js';
import { clientPolicyRoutes } from './routes/client-policies.js';
import { installationRoutes } from './routes/installation.js';
import { keyRoutes } from './routes/keys.js';
import { partialRoutes } from './routes/partial.js';
import { realmRoutes } from './routes/realms.js';
import { requiredActionRoutes } from './routes/required-actions.js';
import { roleRoutesPlugin } from './routes/roles.js';
import { serverInfoRoutes, type ThemeInfo } from './routes/server-info.js';
import { sessionRoutes } from './routes/sessions.js';
import { userRoutes } from './routes/users.js';

export type { AdminActor } from './auth.js';

export interface AdminApiOptions {
  domain: Domain;
  /** Checks identity providers against their metadata when they are saved. */
  broker: Broker;
  /** Writes and queues the realm's mails (execute-actions-email, send-verify-email, testSMTPConnection). */
  mailer: Mailer;
  /** The theme the pages are in, which serverinfo names. */
  theme: ThemeInfo;
}

/** Admin requests are larger than protocol ones (a client with its mappers), but still bounded. */
const ADMIN_BODY_LIMIT = 1024 * 1024;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** An admin API route anyone may call (the OpenAPI document). */
    adminPublic?: boolean;
    /** A change that records no admin event (deleting the admin events, which leaves none behind). */
    noAdminEvent?: boolean;
  }
}

/**
 * Keycloak's admin REST API, registered with the prefix `<relative-path>/admin`:
 * /admin/realms/... for realms, clients, users, roles and groups, with Keycloak's paths
 * and JSON representations, and /admin/openapi.json describing it. Every other route
 * needs a bearer token of an administrator (see auth.ts); the acting admin is on
 * request.adminActor for hooks that record what admins do.
 */
export const adminApi: FastifyPluginAsync<AdminApiOptions> = async (app, { domain, broker, mailer, theme }) => {
  app.decorateRequest('adminActor', undefined as unknown as AdminActor);
  // Validation failures name the field, and leave through the app's error handler.
  app.setSchemaErrorFormatter(schemaErrorFormatter);
  // What only the admin API can run into becomes a 4xx here; everything goes on to the app's handler.
  app.setErrorHandler((err: FastifyError) => {
    if (err?.name === 'UnstorableValueError') throw badRequest('A value holds a NUL character, which cannot be stored');
    if (isUniqueViolation(err)) throw conflict('Conflicts with what exists already: an id, or a name that must be unique');
    throw err;
  });
  // Keycloak takes a DELETE (or POST) with a JSON content type and no body at all: so does this scope.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else json(request, String(body), done);
  });
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= ADMIN_BODY_LIMIT;
  });

  // Only this scope's routes go into the document: swagger collects the routes registered after it here.
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Latchkey admin REST API',
        description: "Keycloak's admin REST API (its paths and JSON representations) for realms, clients, users, roles, groups and identity providers, "
          + 'with Latchkey\'s extensions: several client secrets with expiry, consent texts, custom resources, logo.',
        version: '1',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });

  // Authentication before the body is read: an anonymous caller learns nothing, not even what is invalid.
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.adminPublic) return;
    const actor = await authenticateAdmin(domain, request);
    request.adminActor = actor;
    const realm = (request.params as { realm?: string } | undefined)?.realm;
    if (realm !== undefined) requireRealm(actor, realm);
  });
  registerAdminEventHook(app, domain);

  app.get('/openapi.json', { schema: { hide: true }, config: { adminPublic: true } }, async () => app.swagger());

  await app.register(realmRoutes, { domain, mailer });
  await app.register(clientRoutes, { domain });
  await app.register(clientScopeRoutes, { domain });
  await app.register(userRoutes, { domain, mailer });
  await app.register(roleRoutesPlugin, { domain });
  await app.register(groupRoutes, { domain });
  await app.register(identityProviderRoutes, { domain, broker });
  await app.register(sessionRoutes, { domain });
  await app.register(keyRoutes, { domain });
  await app.register(requiredActionRoutes, { domain });
  await app.register(partialRoutes, { domain, broker });
  await app.register(eventRoutes, { domain, prefix: '/realms' });
  await app.register(installationRoutes, { domain });
  await app.register(initialAccessRoutes, { domain });
  await app.register(clientPolicyRoutes, { domain });
  await app.register(serverInfoRoutes, { domain, theme });
};
