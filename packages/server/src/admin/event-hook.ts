import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OperationType } from '../domain/events.js';
import type { Domain } from '../domain/index.js';
import type { RealmRecord } from '../storage/store.js';

/** Who made an admin request: the part of the admin scope's `request.adminActor` an event needs. */
interface Actor {
  userId: string;
  /** The admin's realm by name; realmId when the scope gives it. */
  realm: string;
  realmId?: string;
  /** The clientId the admin's token was issued to. */
  clientId?: string;
}

const actorOf = (request: FastifyRequest): Actor | undefined => (request as { adminActor?: Actor }).adminActor;

/** Last path segments that are operations rather than resources: POST or PUT to them is an ACTION. */
const ACTION_SEGMENTS = new Set([
  'reset-password', 'reset-password-email', 'execute-actions-email', 'send-verify-email', 'client-secret',
  'registration-access-token', 'logout', 'logout-all', 'push-revocation', 'clear-realm-cache', 'clear-user-cache',
  'clear-keys-cache', 'impersonation', 'test-nodes-available', 'lower-priority', 'raise-priority', 'copy',
  'partial-export', 'disable-credential-types', 'rotate', 'move-after', 'move-to-first', 'testSMTPConnection', 'test-smtp-connection',
]);

/** Keycloak's ResourceType by the path below the realm (parameters as `*`); first match wins. */
const RESOURCE_TYPES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^$/, 'REALM'],
  [/^(users|groups)\/\*\/role-mappings\/realm(\/|$)/, 'REALM_ROLE_MAPPING'],
  [/^(users|groups)\/\*\/role-mappings\/clients(\/|$)/, 'CLIENT_ROLE_MAPPING'],
  [/^users\/\*\/groups(\/|$)/, 'GROUP_MEMBERSHIP'],
  [/^(users\/\*\/sessions|sessions)(\/|$)/, 'USER_SESSION'],
  [/^attack-detection\/brute-force\/users(\/|$)/, 'USER_LOGIN_FAILURE'],
  [/^users(\/|$)/, 'USER'],
  [/^(clients|client-scopes)\/\*\/protocol-mappers(\/|$)/, 'PROTOCOL_MAPPER'],
  [/^clients\/\*\/roles(\/|$)/, 'CLIENT_ROLE'],
  [/^(clients|client-scopes)\/\*\/scope-mappings\/realm(\/|$)/, 'REALM_SCOPE_MAPPING'],
  [/^(clients|client-scopes)\/\*\/scope-mappings\/clients(\/|$)/, 'CLIENT_SCOPE_MAPPING'],
  [/^clients\/\*\/(default|optional)-client-scopes(\/|$)/, 'CLIENT_SCOPE_CLIENT_MAPPING'],
  [/^clients(\/|$)/, 'CLIENT'],
  [/^(client-scopes|default-default-client-scopes|default-optional-client-scopes)(\/|$)/, 'CLIENT_SCOPE'],
  [/^(roles|roles-by-id)(\/|$)/, 'REALM_ROLE'],
  [/^groups(\/|$)/, 'GROUP'],
  [/^identity-provider\/instances\/\*\/mappers(\/|$)/, 'IDENTITY_PROVIDER_MAPPER'],
  [/^identity-provider(\/|$)/, 'IDENTITY_PROVIDER'],
  // Keycloak's keys are components: rotating them is an action on one.
  [/^(components|keys)(\/|$)/, 'COMPONENT'],
  [/^authentication\/required-actions(\/|$)/, 'REQUIRED_ACTION'],
  [/^authentication\/executions(\/|$)/, 'AUTH_EXECUTION'],
  [/^authentication\/config(\/|$)/, 'AUTHENTICATOR_CONFIG'],
  [/^authentication(\/|$)/, 'AUTH_FLOW'],
  [/^organizations(\/|$)/, 'ORGANIZATION'],
  [/^client-policies(\/|$)/, 'REALM'],
  [/^(events|admin-events|logout-all|push-revocation|clear-[a-z]+-cache|partial-?export|partial-?import|partialImport|default-groups)(\/|$)/, 'REALM'],
];

/** Anything else: its first segment, singular, in Keycloak's spelling (e.g. "widgets" → WIDGET). */
const fallbackType = (first: string) => first.replace(/s$/, '').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase() || 'CUSTOM';

export interface AdminRequestEvent {
  operationType: OperationType;
  resourceType: string;
  /** Below /admin/realms/{realm}/, parameters filled in; '' for the realm itself. */
  resourcePath: string;
  /** The realm named in the path, or undefined for /admin/realms itself. */
  realmName?: string;
}

/**
 * What an admin request did, from its method, route pattern and parameters: undefined for
 * reads and for routes outside /admin/realms. `location` (a created resource's URL) adds
 * the new resource's id to a CREATE's path, as Keycloak's resourcePath has it.
 */
export function describeAdminRequest(method: string, routeUrl: string, params: Record<string, unknown>, location?: string): AdminRequestEvent | undefined {
  const verb = method.toUpperCase();
  if (verb === 'GET' || verb === 'HEAD' || verb === 'OPTIONS') return undefined;
  const at = routeUrl.indexOf('/admin/realms');
  if (at < 0) return undefined;
  const segments = routeUrl.slice(at + '/admin/realms'.length).split('/').filter(Boolean);
  let realmName: string | undefined;
  if (segments[0]?.startsWith(':')) {
    const value = params[paramName(segments.shift()!)];
    realmName = typeof value === 'string' ? value : undefined;
  }
  const literal = segments.map((s) => (s.startsWith(':') || s === '*' ? '*' : s)).join('/');
  const filled = segments.map((s) => {
    if (!s.startsWith(':') && s !== '*') return s;
    const value = params[s === '*' ? '*' : paramName(s)];
    return typeof value === 'string' ? value : '';
  });
  const last = segments.at(-1) ?? '';
  const operationType: OperationType =
    verb === 'DELETE' ? 'DELETE'
      : (verb === 'POST' || verb === 'PUT') && ACTION_SEGMENTS.has(last) ? 'ACTION'
        : verb === 'POST' ? 'CREATE'
          : 'UPDATE';
  if (operationType === 'CREATE' && location) {
    const created = lastSegmentOf(location);
    if (created && filled.at(-1) !== created) filled.push(created);
  }
  const resourceType = RESOURCE_TYPES.find(([pattern]) => pattern.test(literal))?.[1] ?? fallbackType(segments[0] ?? '');
  return { operationType, resourceType, resourcePath: filled.join('/'), realmName };
}

/** `:id` or `:id(^\\d+)` → `id`. */
const paramName = (segment: string) => segment.slice(1).replace(/\(.*$/, '');

function lastSegmentOf(location: string): string | undefined {
  try {
    const last = new URL(location, 'http://localhost').pathname.split('/').filter(Boolean).at(-1);
    return last === undefined ? undefined : decodeURIComponent(last);
  } catch {
    return undefined;
  }
}

async function realmNamed(domain: Domain, nameOrId: string | undefined): Promise<RealmRecord | undefined> {
  if (!nameOrId) return undefined;
  const byName = (await domain.realms.runtime(nameOrId))?.realm;
  return byName ?? (await domain.realms.list()).find((r) => r.id === nameOrId);
}

/** Keycloak's authDetails.clientId is the client's internal id. */
async function clientUuid(domain: Domain, realm: RealmRecord | undefined, clientId: string | undefined): Promise<string | undefined> {
  if (!realm || !clientId) return clientId;
  return (await domain.clients.runtime(realm.id, clientId))?.record.id ?? clientId;
}

/**
 * Records an admin event for every successful (2xx) change made through the admin scope:
 * operation from the method, resource type and path from the route pattern and its
 * parameters (below /admin/realms/{realm}/). Reads are not recorded, and neither is any
 * request or response body. The realm is looked up before the handler runs, so an event
 * for a renamed realm still finds it; creating or deleting a realm itself is recorded in
 * the admin's own realm, since the realm is not there before or after.
 */
export function registerAdminEventHook(adminScope: FastifyInstance, domain: Domain): void {
  const realms = new WeakMap<FastifyRequest, RealmRecord | undefined>();

  adminScope.addHook('preHandler', async (request) => {
    const described = describeAdminRequest(request.method, request.routeOptions.url ?? '', (request.params ?? {}) as Record<string, unknown>);
    if (described?.realmName !== undefined) realms.set(request, await realmNamed(domain, described.realmName));
  });

  // Before the answer goes out (onSend, not onResponse): an admin who reads the events after a
  // change is answered finds it there, however busy the machine.
  adminScope.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    await recordAdminEvent(request, reply);
    return payload;
  });

  async function recordAdminEvent(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (reply.statusCode < 200 || reply.statusCode >= 300 || request.routeOptions.config?.noAdminEvent) return;
    const actor = actorOf(request);
    if (!actor) return;
    const location = reply.getHeader('location');
    const described = describeAdminRequest(request.method, request.routeOptions.url ?? '',
      (request.params ?? {}) as Record<string, unknown>, typeof location === 'string' ? location : undefined);
    if (!described) return;
    try {
      const actorRealm = await realmNamed(domain, actor.realmId ?? actor.realm);
      const onRealmItself = described.resourcePath === '' || described.realmName === undefined;
      const elsewhere = onRealmItself && described.operationType !== 'UPDATE' && described.operationType !== 'ACTION';
      const realm = elsewhere ? actorRealm : realms.get(request) ?? (await realmNamed(domain, described.realmName));
      if (!realm) return;
      await domain.events.admin(realm, {
        operationType: described.operationType,
        resourceType: described.resourceType,
        resourcePath: elsewhere ? described.realmName ?? described.resourcePath : described.resourcePath,
        authDetails: { realmId: actorRealm?.id ?? actor.realm, clientId: await clientUuid(domain, actorRealm, actor.clientId), userId: actor.userId, ipAddress: request.ip },
      });
    } catch (err) {
      request.log.warn({ err }, 'could not record an admin event');
    }
  }
}
