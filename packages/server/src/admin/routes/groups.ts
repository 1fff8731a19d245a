import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { GroupRecord, RealmRecord } from '../../storage/store.js';
import { conflict, notFound } from '../errors.js';
import { groupRep, userRep, withoutNulls } from '../representations.js';
import { groupRepresentation, paging, paramsWith, realmParams } from './schemas.js';
import {
  attributeQuery, briefGroup, commit, created, fullGroup, groupOf, listedGroup, matchesAttributes, page, realmOf, slice, type AdminRouteOptions,
} from './common.js';
import { roleMappingRoutes } from './role-mappings.js';

const tags = ['Groups'];
const groupParams = paramsWith('id');
const listQuery = {
  type: 'object',
  properties: {
    search: { type: 'string', description: 'Groups at any depth whose name contains this' },
    q: { type: 'string', description: 'Groups at any depth whose attributes match: key:value pairs, space separated' },
    exact: { type: 'boolean', default: false, description: 'q\'s values equal, not contained' },
    ...paging,
    briefRepresentation: { type: 'boolean', default: true, description: 'false: with attributes and roles' },
  },
} as const;

type GroupBody = { name?: string; attributes?: Record<string, string[]> };

export const groupRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { domain }) => {
  const afterWrite = (realm: RealmRecord) => () => domain.roles.invalidate(realm.id);
  const groupParam = (request: FastifyRequest) => (request.params as { id: string }).id;

  /** Creates a group under the parent (null: top-level); names are unique among siblings. */
  const create = async (request: FastifyRequest, reply: FastifyReply, realm: RealmRecord, parent: GroupRecord | null) => {
    const body = withoutNulls(request.body as GroupBody) as Required<Pick<GroupBody, 'name'>> & GroupBody;
    if (await domain.groups.getByName(realm.id, parent?.id ?? null, body.name)) {
      throw conflict(parent ? `Sibling group named '${body.name}' already exists.` : `Top level group named '${body.name}' already exists.`);
    }
    const group = await commit(domain, (tx) => domain.groups.create(tx, realm, { name: body.name, parentId: parent?.id ?? null, attributes: body.attributes }),
      afterWrite(realm));
    return created(request, reply, group.id);
  };

  const list = async (request: FastifyRequest, realm: RealmRecord, parentId: string | null) => {
    const q = request.query as { search?: string; q?: string; exact?: boolean; first?: number; max?: number; briefRepresentation?: boolean };
    const pairs = attributeQuery(q.q);
    const represent = (g: GroupRecord) => (q.briefRepresentation === false ? fullGroup(domain, g) : listedGroup(domain, g));
    if (pairs.length > 0) {
      // Attributes are kept as JSON: matched here, over the realm's groups (a few hundred at most).
      const all = await domain.groups.list(realm.id, { parentId: q.search ? undefined : parentId ?? undefined, search: q.search || undefined });
      return Promise.all(slice(all.filter((g) => matchesAttributes(g.attributes, pairs, q.exact === true)), q).map(represent));
    }
    const groups = await domain.groups.list(realm.id, { parentId: q.search ? undefined : parentId, search: q.search || undefined, ...page(q) });
    return Promise.all(groups.map(represent));
  };

  app.get('/realms/:realm/groups', {
    schema: { tags, summary: 'The top-level groups, by name (with search: matching groups at any depth)', params: realmParams, querystring: listQuery },
  }, async (request) => list(request, await realmOf(domain, request), null));

  app.get('/realms/:realm/groups/count', {
    schema: {
      tags, summary: 'How many groups there are', params: realmParams,
      querystring: { type: 'object', properties: { search: { type: 'string' }, top: { type: 'boolean', default: false } } },
    },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const q = request.query as { search?: string; top?: boolean };
    return { count: await domain.groups.count(realm.id, { parentId: q.top ? null : undefined, search: q.search || undefined }) };
  });

  app.post('/realms/:realm/groups', {
    schema: { tags, summary: 'Create a top-level group', params: realmParams, body: { ...groupRepresentation, required: ['name'] } },
  }, async (request, reply) => create(request, reply, await realmOf(domain, request), null));

  app.get('/realms/:realm/groups/:id', {
    schema: { tags, summary: 'The group with its roles', params: groupParams },
  }, async (request) => fullGroup(domain, await groupOf(domain, await realmOf(domain, request), groupParam(request))));

  app.get('/realms/:realm/group-by-path/*', {
    schema: { tags, summary: 'The group a path names (/parent/child), with its roles', params: paramsWith('*') },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const group = await domain.groups.byPath(realm.id, (request.params as { '*': string })['*']);
    if (!group) throw notFound('Group path does not exist');
    return fullGroup(domain, group);
  });

  // ---- default groups: every user created joins them ----------------------------------

  app.get('/realms/:realm/default-groups', {
    schema: { tags, summary: 'The realm\'s default groups, which every user created joins', params: realmParams },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const groups = [];
    for (const id of realm.settings.defaultGroupIds ?? []) {
      const group = await domain.groups.get(realm.id, id);
      if (group) groups.push(await briefGroup(domain, group));
    }
    return groups;
  });

  const defaultGroup = (on: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const realm = await realmOf(domain, request);
    const group = await groupOf(domain, realm, (request.params as { groupId: string }).groupId);
    const others = (realm.settings.defaultGroupIds ?? []).filter((id) => id !== group.id);
    await domain.realms.update(realm.name, { ...realm, settings: { ...realm.settings, defaultGroupIds: on ? [...others, group.id] : others } });
    return reply.code(204).send();
  };
  app.put('/realms/:realm/default-groups/:groupId', {
    schema: { tags, summary: 'Make the group a default group', params: paramsWith('groupId') },
  }, defaultGroup(true));
  app.delete('/realms/:realm/default-groups/:groupId', {
    schema: { tags, summary: 'The group stops being a default group', params: paramsWith('groupId') },
  }, defaultGroup(false));

  app.put('/realms/:realm/groups/:id', {
    schema: { tags, summary: 'Rename the group or replace its attributes', params: groupParams, body: groupRepresentation },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const group = await groupOf(domain, realm, groupParam(request));
    const body = withoutNulls(request.body as GroupBody);
    const next: GroupRecord = { ...group, name: body.name ?? group.name, attributes: body.attributes ?? group.attributes };
    if (next.name !== group.name && (await domain.groups.getByName(realm.id, group.parentId, next.name))) {
      throw conflict(`Group named '${next.name}' already exists.`);
    }
    await commit(domain, (tx) => domain.groups.update(tx, next), afterWrite(realm));
    return reply.code(204).send();
  });

  app.delete('/realms/:realm/groups/:id', {
    schema: { tags, summary: 'Delete the group and its subgroups; their members lose their roles', params: groupParams },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const group = await groupOf(domain, realm, groupParam(request));
    await commit(domain, (tx) => domain.groups.delete(tx, group), afterWrite(realm));
    return reply.code(204).send();
  });

  app.get('/realms/:realm/groups/:id/children', {
    schema: { tags, summary: 'The group\'s subgroups, by name', params: groupParams, querystring: listQuery },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const group = await groupOf(domain, realm, groupParam(request));
    return list(request, realm, group.id);
  });

  app.post('/realms/:realm/groups/:id/children', {
    schema: { tags, summary: 'Create a subgroup', params: groupParams, body: { ...groupRepresentation, required: ['name'] } },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    return create(request, reply, realm, await groupOf(domain, realm, groupParam(request)));
  });

  app.get('/realms/:realm/groups/:id/members', {
    schema: {
      tags, summary: 'The group\'s direct members, by username', params: groupParams,
      querystring: { type: 'object', properties: { ...paging, briefRepresentation: { type: 'boolean' } } },
    },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const group = await groupOf(domain, realm, groupParam(request));
    return (await domain.groups.members(group.id, page(request.query as { first?: number; max?: number }, 100))).map((u) => userRep(u, { access: false }));
  });

  roleMappingRoutes(app, domain, {
    base: '/realms/:realm/groups/:id',
    tags: ['Group role mappings'],
    holder: async (request) => {
      const realm = await realmOf(domain, request);
      const group = await groupOf(domain, realm, groupParam(request));
      return {
        realm,
        roleIds: () => domain.groups.roleIds(group.id),
        inheritedRoleIds: async () => [],
        grant: (tx, roleId) => domain.groups.grantRole(tx, group.id, roleId),
        revoke: (tx, roleId) => domain.groups.revokeRole(tx, group.id, roleId),
      };
    },
  });
};
