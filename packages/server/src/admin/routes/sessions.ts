import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Domain } from '../../domain/index.js';
import type { RealmRecord, SessionRecord, UserRecord } from '../../storage/store.js';
import { now } from '../../domain/time.js';
import { notFound } from '../errors.js';
import { paging, paramsWith, realmParams } from './schemas.js';
import { clientOf, realmOf, slice, userOf, type AdminRouteOptions } from './common.js';

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
    rememberMe: session.rememberMe === true,
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

  // ---- a client's sessions, and the realm's ---------------------------------------------

  /** The sessions alive that served the client, online or offline ones, with their users. */
  const clientSessions = async (request: FastifyRequest, offline: boolean) => {
    const realm = await realmOf(domain, request);
    const client = await clientOf(domain, realm, (request.params as { id: string }).id);
    return { realm, sessions: (await domain.sessions.ofClient(client.id)).filter((s) => s.offline === offline) };
  };
  const listed = (offline: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const { realm, sessions } = await clientSessions(request, offline);
    const reps = [];
    for (const session of slice(sessions, request.query as { first?: number; max?: number })) {
      const user = await domain.users.get(realm.id, session.userId);
      if (user) reps.push(await sessionRep(domain, realm, user, session));
    }
    reply.header('cache-control', 'no-store');
    return reps;
  };
  const counted = (offline: boolean) => async (request: FastifyRequest) => ({ count: (await clientSessions(request, offline)).sessions.length });
  const clientQuery = { type: 'object', properties: paging } as const;

  app.get('/realms/:realm/clients/:id/user-sessions', {
    schema: { tags, summary: 'The sessions alive (not offline) that the client has served, oldest first', params: paramsWith('id'), querystring: clientQuery },
  }, listed(false));
  app.get('/realms/:realm/clients/:id/offline-sessions', {
    schema: { tags, summary: 'The offline sessions alive that the client has served, oldest first', params: paramsWith('id'), querystring: clientQuery },
  }, listed(true));
  app.get('/realms/:realm/clients/:id/session-count', {
    schema: { tags, summary: 'How many sessions alive (not offline) the client has served', params: paramsWith('id') },
  }, counted(false));
  app.get('/realms/:realm/clients/:id/offline-session-count', {
    schema: { tags, summary: 'How many offline sessions alive the client has served', params: paramsWith('id') },
  }, counted(true));

  app.get('/realms/:realm/client-session-stats', {
    schema: { tags, summary: 'For each client with sessions alive: how many, online and offline (as strings, as Keycloak answers)', params: realmParams },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const stats = (await domain.sessions.countByClient(realm.id))
      .map(({ id, clientId, online, offline }) => ({ id, clientId, active: String(online), offline: String(offline) }));
    reply.header('cache-control', 'no-store');
    return stats;
  });

  app.post('/realms/:realm/logout-all', {
    schema: {
      tags, summary: 'Sign every user of the realm out: every session ends, offline ones too, and with them their refresh tokens; '
        + 'the realm\'s notBefore becomes now, so access tokens issued before are refused too',
      params: realmParams,
    },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    await domain.sessions.endAllOfRealm(realm.id);
    await domain.realms.update(realm.name, { ...realm, settings: { ...realm.settings, notBefore: now() } });
    // Keycloak's GlobalRequestResult: the clients told by their admin URL, which Latchkey's clients do not have.
    return {};
  });

  app.post('/realms/:realm/push-revocation', {
    schema: {
      tags, summary: 'Keycloak pushes a not-before policy to clients\' admin URLs; Latchkey\'s clients have none, so none is told',
      params: realmParams,
    },
  }, async (request) => {
    await realmOf(domain, request);
    return {};
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

  app.delete('/realms/:realm/attack-detection/brute-force/users', {
    schema: { tags: ['Attack detection'], summary: 'Forget every user\'s failed sign-ins: whoever was locked out may sign in again', params: realmParams },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    await domain.bruteForce.clearRealm(realm.id);
    return reply.code(204).send();
  });

  app.delete('/realms/:realm/attack-detection/brute-force/users/:id', {
    schema: { tags: ['Attack detection'], summary: 'Forget the user\'s failed sign-ins: a locked-out user may sign in again', params: paramsWith('id') },
  }, async (request, reply) => {
    const { user } = await subject(request);
    await domain.bruteForce.succeeded(user.id);
    return reply.code(204).send();
  });
};
