import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Domain } from '../../domain/index.js';
import type { RealmRecord, RoleRecord } from '../../storage/store.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { roleRep, withoutNulls } from '../representations.js';
import { paging, paramsWith, realmParams, roleRepresentation } from './schemas.js';
import { clientOf, commit, created, realmOf, slice, type AdminRouteOptions } from './common.js';

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

/** Realm roles under /roles, a client's under /clients/{id}/roles: the same five operations. */
function roleRoutes(app: Parameters<FastifyPluginAsync>[0], domain: Domain, opts: {
  base: string; tags: string[]; params: object; itemParams: object; container: (request: FastifyRequest) => Promise<Container>;
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

  app.get(`${base}/:roleName`, {
    schema: { tags, summary: 'The role', params: opts.itemParams },
  }, async (request) => {
    const container = await opts.container(request);
    const role = await roleOf(domain, container, roleName(request));
    return roleRep(role, (await domain.roles.compositeIds(container.realm.id)).has(role.id));
  });

  app.put(`${base}/:roleName`, {
    schema: { tags, summary: 'Rename the role or change its description', params: opts.itemParams, body: roleRepresentation },
  }, async (request, reply) => {
    const container = await opts.container(request);
    const role = await roleOf(domain, container, roleName(request));
    const body = withoutNulls(request.body as { name?: string; description?: string });
    const next: RoleRecord = { ...role, name: body.name ?? role.name, description: body.description ?? role.description };
    if (next.name !== role.name) {
      if (container.clientUuid === null && role.name === container.realm.settings.defaultRoleName) {
        throw badRequest('The default role of the realm cannot be renamed');
      }
      if (await domain.roles.get(container.realm.id, container.clientUuid, next.name)) throw conflict(`Role with name ${next.name} already exists`);
    }
    await commit(domain, (tx) => domain.roles.update(tx, next), invalidate(container.realm));
    return reply.code(204).send();
  });

  app.delete(`${base}/:roleName`, {
    schema: { tags, summary: 'Delete the role; whoever held it no longer does', params: opts.itemParams },
  }, async (request, reply) => {
    const container = await opts.container(request);
    const role = await roleOf(domain, container, roleName(request));
    if (container.clientUuid === null && role.name === container.realm.settings.defaultRoleName) {
      throw badRequest('The default role of the realm cannot be deleted');
    }
    await commit(domain, (tx) => domain.roles.delete(tx, role), invalidate(container.realm));
    return reply.code(204).send();
  });
}

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
};
