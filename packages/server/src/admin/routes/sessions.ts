import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Domain } from '../../domain/index.js';
import type { RealmRecord, SessionRecord, UserRecord } from '../../storage/store.js';
import { notFound } from '../errors.js';
import { paramsWith } from './schemas.js';
import { realmOf, userOf, type AdminRouteOptions } from './common.js';

const tags = ['User sessions'];

/** Keycloak's UserSessionRepresentation (times in milliseconds), with Latchkey's `offline`. */
async function sessionRep(domain: Domain, realm: RealmRecord, user: UserRecord, session: SessionRecord & { clientIds: string[] }) {
  const clients: Record<string, string> = {};
  for (const id of session.clientIds) {
    const client = await domain.clients.get(realm.id, id);
    if (client) clients[client.id] = client.clientId;
  }
  return {
    id: session.id,
    username: user.username,
    userId: user.id,
    start: session.createdAt * 1000,
    lastAccess: session.lastSeenAt * 1000,
    rememberMe: false,
    clients,
    transientUser: false,
    offline: session.offline,
  };
}

/**
 * Keycloak's user sessions: a user's sessions and offline sessions, signing the user out
 * everywhere, ending one session; and the brute-force detection state of a user.
 */
export const sessionRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { domain }) => {
  const subject = async (request: FastifyRequest) => {
    const realm = await realmOf(domain, request);
    return { realm, user: await userOf(domain, realm, (request.params as { id: string }).id) };
  };

  app.get('/realms/:realm/users/:id/sessions', {
    schema: { tags, summary: 'The user\'s sessions that are alive (not the offline ones), oldest first', params: paramsWith('id') },
  }, async (request, reply) => {
    const { realm, user } = await subject(request);
    const sessions = (await domain.sessions.ofUser(user.id)).filter((s) => !s.offline);
    reply.header('cache-control', 'no-store');
    return Promise.all(sessions.map((s) => sessionRep(domain, realm, user, s)));
  });

  app.get('/realms/:realm/users/:id/offline-sessions/:clientUuid', {
    schema: { tags, summary: 'The user\'s offline sessions that served the client (by its id)', params: paramsWith('id', 'clientUuid') },
  }, async (request, reply) => {
    const { realm, user } = await subject(request);
    const { clientUuid } = request.params as { clientUuid: string };
    const sessions = (await domain.sessions.ofUser(user.id)).filter((s) => s.offline && s.clientIds.includes(clientUuid));
    reply.header('cache-control', 'no-store');
    return Promise.all(sessions.map((s) => sessionRep(domain, realm, user, s)));
  });

  app.post('/realms/:realm/users/:id/logout', {
    schema: { tags, summary: 'Sign the user out everywhere: every session ends, offline ones too, and with them their refresh tokens', params: paramsWith('id') },
  }, async (request, reply) => {
    const { user } = await subject(request);
    await domain.sessions.endAllOf(user.id);
    return reply.code(204).send();
  });

  app.delete('/realms/:realm/sessions/:session', {
    schema: { tags, summary: 'End one session (online or offline): its refresh tokens stop working', params: paramsWith('session') },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const session = await domain.sessions.active((request.params as { session: string }).session);
    if (!session || session.realmId !== realm.id) throw notFound('Session not found');
    await domain.sessions.end(session.id);
    return reply.code(204).send();
  });

  app.get('/realms/:realm/attack-detection/brute-force/users/:id', {
    schema: { tags: ['Attack detection'], summary: 'The user\'s failed sign-ins and whether they lock the user out now', params: paramsWith('id') },
  }, async (request, reply) => {
    const { realm, user } = await subject(request);
    const status = await domain.bruteForce.status(realm, user.id);
    reply.header('cache-control', 'no-store');
    return {
      numFailures: status.failures,
      disabled: status.locked,
      lastIPFailure: 'n/a',
      lastFailure: status.lastFailureAt === null ? 0 : status.lastFailureAt * 1000,
    };
  });

  app.delete('/realms/:realm/attack-detection/brute-force/users/:id', {
    schema: { tags: ['Attack detection'], summary: 'Forget the user\'s failed sign-ins: a locked-out user may sign in again', params: paramsWith('id') },
  }, async (request, reply) => {
    const { user } = await subject(request);
    await domain.bruteForce.succeeded(user.id);
    return reply.code(204).send();
  });
};
