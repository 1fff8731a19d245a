import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Domain } from '../../domain/index.js';
import type { RealmRecord, RoleRecord } from '../../storage/store.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { roleRep, userRep, withoutNulls } from '../representations.js';
import { paging, paramsWith, realmParams, roleReferences, roleRepresentation } from './schemas.js';
import { briefGroup, clientOf, commit, created, fullGroup, page, realmOf, slice, type AdminRouteOptions } from './common.js';

/** Where a role lives: the realm (realm roles) or one of its clients. */
interface Container {
  realm: RealmRecord;
  /** The client's internal id, or null for realm roles. */
  clientUuid: string | null;
}

/** The role's name as Keycloak puts it in the path, whatever characters it has. */
const roleName = (request: FastifyRequest) => (request.params as { roleName: string }).roleName;

export async function roleOf(domain: Domain, { realm, clientUuid }: Container, name: string): Promise<RoleRecord> {
  const role = await domain.roles.get(realm.id, clientUuid, name);
  if (!role) throw notFound('Could not find role');
  return role;
}

/** Realm roles under /roles, a client's under /clients/{id}/roles: listed and created alike, each then as roleItemRoutes has it. */
function roleRoutes(app: Parameters<FastifyPluginAsync>[0], domain: Domain, opts: {
  base: string; tags: string[]; params: object; itemParams: ReturnType<typeof paramsWith>; container: (request: FastifyRequest) => Promise<Container>;
}): void {
  const { base, tags } = opts;
  const invalidate = (realm: RealmRecord) => () => domain.roles.invalidate(realm.id);

  app.get(base, {
    schema: {
      tags,
      summary: 'The roles, by name',
      params: opts.params,
      querystring: { type: 'object', properties: { search: { type: 'string', description: 'Only roles whose name contains this' }, ...paging } },
    },
  }, async (request) => {
    const container = await opts.container(request);
    const q = request.query as { search?: string; first?: number; max?: number };
    let roles = await domain.roles.list(container.realm.id, container.clientUuid);
    if (q.search) roles = roles.filter((r) => r.name.toLowerCase().includes(q.search!.toLowerCase()));
    const composites = await domain.roles.compositeIds(container.realm.id);
    return slice(roles, q).map((r) => roleRep(r, composites.has(r.id)));
  });

  app.post(base, {
    schema: { tags, summary: 'Create a role', params: opts.params, body: { ...roleRepresentation, required: ['name'] } },
  }, async (request, reply) => {
    const container = await opts.container(request);
    const body = withoutNulls(request.body as { name: string; description?: string });
    if (await domain.roles.get(container.realm.id, container.clientUuid, body.name)) {
      throw conflict(`Role with name ${body.name} already exists`);
    }
    await commit(domain, (tx) => domain.roles.create(tx, container.realm.id, container.clientUuid, body.name, body.description ?? null),
      invalidate(container.realm));
    return created(request, reply, body.name);
  });

  roleItemRoutes(app, domain, {
    path: `${base}/:roleName`, tags, params: opts.itemParams,
    role: async (request) => {
      const container = await opts.container(request);
      return { container, role: await roleOf(domain, container, roleName(request)) };
    },
  });
}

/**
 * What is done to one role, found by name (…/roles/{name}) or by id (roles-by-id/{id}):
 * read, change, delete; its composites; who holds it.
 */
function roleItemRoutes(app: Parameters<FastifyPluginAsync>[0], domain: Domain, opts: {
  path: string; tags: string[]; params: ReturnType<typeof paramsWith>;
  role: (request: FastifyRequest) => Promise<{ container: Container; role: RoleRecord }>;
}): void {
  const { path, tags } = opts;
  const params = opts.params;
  const invalidate = (realm: RealmRecord) => () => domain.roles.invalidate(realm.id);
  const withParam = (name: string) => ({ ...params, required: [...params.required, name], properties: { ...params.properties, [name]: { type: 'string', minLength: 1 } } });

  app.get(path, {
    schema: { tags, summary: 'The role', params },
  }, async (request) => {
    const { container, role } = await opts.role(request);
    return roleRep(role, (await domain.roles.compositeIds(container.realm.id)).has(role.id), { full: true });
  });

  app.put(path, {
    schema: { tags, summary: 'Rename the role or change its description', params, body: roleRepresentation },
  }, async (request, reply) => {
    const { container, role } = await opts.role(request);
    const body = withoutNulls(request.body as { name?: string; description?: string });
    const next: RoleRecord = { ...role, name: body.name ?? role.name, description: body.description ?? role.description };
    if (next.name !== role.name) {
      if (isDefaultRole(container, role)) throw badRequest('The default role of the realm cannot be renamed');
      if (await domain.roles.get(container.realm.id, container.clientUuid, next.name)) throw conflict(`Role with name ${next.name} already exists`);
    }
    await commit(domain, (tx) => domain.roles.update(tx, next), invalidate(container.realm));
    return reply.code(204).send();
  });

  app.delete(path, {
    schema: { tags, summary: 'Delete the role; whoever held it no longer does', params },
  }, async (request, reply) => {
    const { container, role } = await opts.role(request);
    if (isDefaultRole(container, role)) throw badRequest('The default role of the realm cannot be deleted');
    await commit(domain, (tx) => domain.roles.delete(tx, role), invalidate(container.realm));
    return reply.code(204).send();
  });

  // ---- composites: the roles this role contains --------------------------------------

  /** The role's direct composites of one owner (undefined: all; null: realm roles), by name. */
  const composites = async (realm: RealmRecord, role: RoleRecord, owner?: string | null) => {
    const ids = new Set(await domain.roles.childIds(realm.id, role.id));
    const all = await domain.roles.listAll(realm.id);
    const parents = await domain.roles.compositeIds(realm.id);
    return all.filter((r) => ids.has(r.id) && (owner === undefined || r.clientId === owner))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((r) => roleRep(r, parents.has(r.id)));
  };

  app.get(`${path}/composites`, {
    schema: { tags, summary: 'The roles this role contains (directly)', params },
  }, async (request) => {
    const { container, role } = await opts.role(request);
    return composites(container.realm, role);
  });

  app.get(`${path}/composites/realm`, {
    schema: { tags, summary: 'The realm roles this role contains', params },
  }, async (request) => {
    const { container, role } = await opts.role(request);
    return composites(container.realm, role, null);
  });

  app.get(`${path}/composites/clients/:client`, {
    schema: { tags, summary: 'The roles of a client (by its id) this role contains', params: withParam('client') },
  }, async (request) => {
    const { container, role } = await opts.role(request);
    const client = await clientOf(domain, container.realm, (request.params as { client: string }).client);
    return composites(container.realm, role, client.id);
  });

  /** The roles a body names: by id (any role of the realm), else a realm role by name; 404 naming the first missing. */
  const resolve = async (realm: RealmRecord, refs: Array<{ id?: string; name?: string }>) => {
    const roles: RoleRecord[] = [];
    for (const ref of refs) {
      const found = ref.id !== undefined ? await domain.roles.getById(realm.id, ref.id) : await domain.roles.get(realm.id, null, ref.name!);
      if (!found) throw notFound(`Could not find composite role ${ref.name ?? ref.id}`);
      roles.push(found);
    }
    return roles;
  };

  app.post(`${path}/composites`, {
    schema: { tags, summary: 'Make the role contain these roles too: whoever holds it holds them', params, body: roleReferences },
  }, async (request, reply) => {
    const { container, role } = await opts.role(request);
    const children = await resolve(container.realm, request.body as Array<{ id?: string; name?: string }>);
    if (children.some((c) => c.id === role.id)) throw badRequest('A role cannot contain itself');
    await commit(domain, async (tx) => {
      for (const child of children) await domain.roles.addComposite(tx, role.id, child.id);
    }, invalidate(container.realm));
    return reply.code(204).send();
  });

  app.delete(`${path}/composites`, {
    schema: { tags, summary: 'Make the role stop containing these roles', params, body: roleReferences },
  }, async (request, reply) => {
    const { container, role } = await opts.role(request);
    const children = await resolve(container.realm, request.body as Array<{ id?: string; name?: string }>);
    await commit(domain, async (tx) => {
      for (const child of children) await domain.roles.removeComposite(tx, role.id, child.id);
    }, invalidate(container.realm));
    return reply.code(204).send();
  });

  // ---- who holds the role ------------------------------------------------------------

  app.get(`${path}/users`, {
    schema: { tags, summary: 'The users granted the role directly (not through groups or composites)', params, querystring: holdersQuery },
  }, async (request) => {
    const { role } = await opts.role(request);
    const q = request.query as { first?: number; max?: number; briefRepresentation?: boolean };
    return (await domain.roles.holders(role.id, page(q, DEFAULT_MAX))).map((u) => userRep(u, { access: false, brief: q.briefRepresentation !== false }));
  });

  app.get(`${path}/groups`, {
    schema: { tags, summary: 'The groups granted the role directly', params, querystring: holdersQuery },
  }, async (request) => {
    const { role } = await opts.role(request);
    const q = request.query as { first?: number; max?: number; briefRepresentation?: boolean };
    const groups = slice(await domain.groups.withRole(role.id), q);
    return Promise.all(groups.map((g) => (q.briefRepresentation === false ? fullGroup(domain, g) : briefGroup(domain, g))));
  });
}

/** Paging of a role's users or groups; brief by default, as Keycloak's. */
const holdersQuery = {
  type: 'object', properties: { ...paging, briefRepresentation: { type: 'boolean', default: true } },
} as const;

/** Keycloak's page of a role's users when no max is given. */
const DEFAULT_MAX = 100;

const isDefaultRole = ({ realm, clientUuid }: Container, role: RoleRecord) =>
  clientUuid === null && role.name === realm.settings.defaultRoleName;

export const roleRoutesPlugin: FastifyPluginAsync<AdminRouteOptions> = async (app, { domain }) => {
  roleRoutes(app, domain, {
    base: '/realms/:realm/roles',
    tags: ['Realm roles'],
    params: realmParams,
    itemParams: paramsWith('roleName'),
    container: async (request) => ({ realm: await realmOf(domain, request), clientUuid: null }),
  });
  roleRoutes(app, domain, {
    base: '/realms/:realm/clients/:id/roles',
    tags: ['Client roles'],
    params: paramsWith('id'),
    itemParams: paramsWith('id', 'roleName'),
    container: async (request) => {
      const realm = await realmOf(domain, request);
      const client = await clientOf(domain, realm, (request.params as { id: string }).id);
      return { realm, clientUuid: client.id };
    },
  });
  roleItemRoutes(app, domain, {
    path: '/realms/:realm/roles-by-id/:roleId',
    tags: ['Roles by id'],
    params: paramsWith('roleId'),
    role: async (request) => {
      const realm = await realmOf(domain, request);
      const role = await domain.roles.getById(realm.id, (request.params as { roleId: string }).roleId);
      if (!role) throw notFound('Could not find role with id');
      return { container: { realm, clientUuid: role.clientId }, role };
    },
  });
};
