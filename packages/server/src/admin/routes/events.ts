import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { toAdminEventRepresentation, toEventRepresentation, type EventSettings } from '../../domain/events.js';
import type { Domain } from '../../domain/index.js';
import { realmEventFields } from '../../import/keycloak.js';
import { OAuthError } from '../../protocol/errors.js';
import { requireRealm } from '../auth.js';
import { withoutNulls } from '../representations.js';
import { badPaging, page } from './common.js';
import { eventsConfigRepresentation } from './schemas.js';

type Query = Record<string, string | string[] | undefined>;

/** Keycloak's default page size for events. */
const DEFAULT_MAX = 100;

const badQuery = (description: string) => new OAuthError('invalid_request', description, 400);

/** Every value of a parameter, given once, repeated, or comma-separated. */
function list(query: Query, name: string): string[] | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const values = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return values.length > 0 ? values : undefined;
}

function one(query: Query, name: string): string | undefined {
  const raw = query[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined || value === '' ? undefined : value;
}

function count(query: Query, name: 'first' | 'max'): number | undefined {
  const value = one(query, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw badPaging(name);
  return Number(value);
}

/** first and max as every admin route pages. */
const paged = (query: Query) => page({ first: count(query, 'first'), max: count(query, 'max') }, DEFAULT_MAX);

/**
 * Keycloak's dateFrom / dateTo: a day (yyyy-MM-dd, UTC; dateTo takes in the whole day) or a
 * time in milliseconds. Both bounds are inclusive.
 */
function date(query: Query, name: 'dateFrom' | 'dateTo'): number | undefined {
  const value = one(query, name);
  if (value === undefined) return undefined;
  if (/^\d{10,}$/.test(value)) return Number(value);
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const start = day ? Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : NaN;
  if (!day || Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== value) {
    throw badQuery(`Invalid value for '${name}', expected format is yyyy-MM-dd`);
  }
  return name === 'dateTo' ? start + 86_400_000 - 1 : start;
}

function direction(query: Query): boolean {
  const value = one(query, 'direction')?.toLowerCase();
  if (value === undefined || value === 'desc') return false;
  if (value === 'asc') return true;
  throw badQuery("Invalid value for 'direction', expected asc or desc");
}

/**
 * Keycloak's event queries (GET {realm}/events and GET {realm}/admin-events, newest first),
 * their deletion, and the realm's event settings (GET and PUT {realm}/events/config).
 * Register inside the admin scope (prefix /admin/realms), whose authentication runs
 * first; these routes check only that the admin may administer the realm.
 */
export const eventRoutes: FastifyPluginAsync<{ domain: Domain }> = async (app, { domain }) => {
  async function realmOf(request: FastifyRequest<{ Params: { realm: string } }>) {
    const name = request.params.realm;
    if (request.adminActor) requireRealm(request.adminActor, name);
    const runtime = await domain.realms.runtime(name);
    if (!runtime) throw new OAuthError('not_found', 'Realm not found', 404);
    return runtime.realm;
  }

  app.get<{ Params: { realm: string }; Querystring: Query }>('/:realm/events', async (request, reply) => {
    const realm = await realmOf(request);
    const q = request.query;
    const events = await domain.events.listLogin(realm, {
      types: list(q, 'type'),
      clientId: one(q, 'client'),
      userId: one(q, 'user'),
      ipAddress: one(q, 'ipAddress'),
      fromTime: date(q, 'dateFrom'),
      toTime: date(q, 'dateTo'),
      ...paged(q),
      ascending: direction(q),
    });
    reply.header('cache-control', 'no-store');
    return events.map(toEventRepresentation);
  });

  app.get<{ Params: { realm: string }; Querystring: Query }>('/:realm/admin-events', async (request, reply) => {
    const realm = await realmOf(request);
    const q = request.query;
    const events = await domain.events.listAdmin(realm, {
      operationTypes: list(q, 'operationTypes'),
      resourceTypes: list(q, 'resourceTypes'),
      resourcePath: one(q, 'resourcePath'),
      authRealmId: one(q, 'authRealm'),
      authClientId: one(q, 'authClient'),
      authUserId: one(q, 'authUser'),
      authIpAddress: one(q, 'authIpAddress'),
      fromTime: date(q, 'dateFrom'),
      toTime: date(q, 'dateTo'),
      ...paged(q),
      ascending: direction(q),
    });
    reply.header('cache-control', 'no-store');
    return events.map(toAdminEventRepresentation);
  });

  app.delete<{ Params: { realm: string } }>('/:realm/events', {
    schema: { tags: ['Events'], summary: 'Delete every login event of the realm' },
  }, async (request, reply) => {
    await domain.events.clear(await realmOf(request), 'login');
    return reply.code(204).send();
  });

  app.delete<{ Params: { realm: string } }>('/:realm/admin-events', {
    schema: { tags: ['Events'], summary: 'Delete every admin event of the realm; none is left, not even of this deletion' },
    config: { noAdminEvent: true },
  }, async (request, reply) => {
    await domain.events.clear(await realmOf(request), 'admin');
    return reply.code(204).send();
  });

  app.get<{ Params: { realm: string } }>('/:realm/events/config', {
    schema: { tags: ['Events'], summary: 'Whether events are recorded and how long they are kept' },
  }, async (request) => {
    const { attributes, ...fields } = realmEventFields((await realmOf(request)).settings);
    return { ...fields, adminEventsExpiration: Number(attributes.adminEventsExpiration) };
  });

  app.put<{ Params: { realm: string }; Body: Partial<EventSettings> }>('/:realm/events/config', {
    schema: { tags: ['Events'], summary: 'Change the event settings given; the others stay', body: eventsConfigRepresentation },
  }, async (request, reply) => {
    const realm = await realmOf(request);
    const body = withoutNulls(request.body ?? {});
    const changes: Partial<EventSettings> = withoutNulls({
      eventsEnabled: body.eventsEnabled, eventsExpiration: body.eventsExpiration,
      adminEventsEnabled: body.adminEventsEnabled, adminEventsExpiration: body.adminEventsExpiration,
    });
    // The stored realm, not the cached one: another change may have come since it was cached.
    const current = (await domain.realms.get(realm.name)) ?? realm;
    await domain.realms.update(current.name, { ...current, settings: { ...current.settings, ...changes } });
    return reply.code(204).send();
  });
};
