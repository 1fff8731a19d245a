import type { FastifyPluginAsync } from 'fastify';
import { newId, randomToken, sha256 } from '../../crypto/random.js';
import { now } from '../../domain/time.js';
import type { ClientInitialAccessRecord } from '../../storage/store.js';
import { notFound } from '../errors.js';
import { created, realmOf, type AdminRouteOptions } from './common.js';
import { paramsWith, realmParams } from './schemas.js';

const tags = ['Client initial access'];

/** Keycloak's ClientInitialAccessPresentation (times in seconds); the token only when it is made. */
const presentation = (a: ClientInitialAccessRecord, token?: string) => ({
  id: a.id,
  ...(token !== undefined ? { token } : {}),
  timestamp: a.createdAt,
  expiration: a.expiration,
  count: a.count,
  remainingCount: a.remainingCount,
});

const expired = (a: ClientInitialAccessRecord, at: number) => a.expiration > 0 && a.createdAt + a.expiration <= at;

/**
 * Keycloak's client initial access tokens, kept by their hash. Latchkey has no dynamic client
 * registration, so no endpoint takes them yet: they are made, listed and deleted as Keycloak's.
 */
export const initialAccessRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { domain }) => {
  app.get('/realms/:realm/clients-initial-access', {
    schema: { tags, summary: 'The realm\'s initial access tokens that have not expired, oldest first, never their values', params: realmParams },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const at = now();
    reply.header('cache-control', 'no-store');
    return (await domain.store.clientInitialAccess.list(realm.id)).filter((a) => !expired(a, at)).map((a) => presentation(a));
  });

  app.post('/realms/:realm/clients-initial-access', {
    schema: {
      tags,
      summary: 'Make an initial access token; the answer shows it, this once (only its hash is kept)',
      params: realmParams,
      body: {
        type: 'object',
        description: "Keycloak's ClientInitialAccessCreatePresentation",
        properties: {
          expiration: { type: 'integer', minimum: 0, maximum: 2_147_483_647, description: 'Seconds it is good for; 0 (the default): no expiry' },
          count: { type: 'integer', minimum: 0, maximum: 2_147_483_647, description: 'Clients it may register (default 1)' },
        },
      },
    },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const body = request.body as { expiration?: number; count?: number };
    const token = randomToken();
    const count = body.count ?? 1;
    const record: ClientInitialAccessRecord = {
      id: newId(), realmId: realm.id, tokenHash: sha256(token), createdAt: now(),
      expiration: body.expiration ?? 0, count, remainingCount: count,
    };
    await domain.store.clientInitialAccess.insert(record);
    reply.header('cache-control', 'no-store');
    return created(request, reply, record.id, presentation(record, token));
  });

  app.delete('/realms/:realm/clients-initial-access/:id', {
    schema: { tags, summary: 'Delete an initial access token', params: paramsWith('id') },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    if (!(await domain.store.clientInitialAccess.delete(realm.id, (request.params as { id: string }).id))) {
      throw notFound('Could not find client initial access');
    }
    return reply.code(204).send();
  });
};
