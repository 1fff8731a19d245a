import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { hashPassword, type StoredPassword } from '../../crypto/passwords.js';
import type { Domain } from '../../domain/index.js';
import type { UserRep } from '../../import/keycloak.js';
import type { GroupRecord, RealmRecord, UserQuery, UserRecord } from '../../storage/store.js';
import { badRequest, conflict } from '../errors.js';
import { groupRep, userFields, userRep, withoutNulls } from '../representations.js';
import { credentialRepresentation, paging, paramsWith, realmParams, userRepresentation } from './schemas.js';
import { commit, created, groupOf, page, realmOf, slice, userOf, type AdminRouteOptions } from './common.js';
import { roleMappingRoutes } from './role-mappings.js';

const tags = ['Users'];
const userParams = paramsWith('id');

/** Keycloak's default page of users. */
const DEFAULT_MAX = 100;

const searchQuery = {
  search: { type: 'string', description: 'In username, email, first or last name: prefix by default, * as a wildcard, "quoted" for exact' },
  username: { type: 'string', description: 'Contained in the username (equal with exact=true)' },
  email: { type: 'string' },
  firstName: { type: 'string' },
  lastName: { type: 'string' },
  exact: { type: 'boolean', default: false },
  enabled: { type: 'boolean' },
} as const;

type SearchParams = { search?: string; username?: string; email?: string; firstName?: string; lastName?: string; exact?: boolean; enabled?: boolean };

/** Keycloak's search string: "foo" is a prefix, * a wildcard, "\"foo\"" exact, "*" everyone. */
function searchPattern(search: string | undefined): string | undefined {
  const s = search?.trim();
  if (!s || s === '*') return undefined;
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) return s.slice(1, -1);
  return s.includes('*') ? s : `${s}*`;
}

function userQuery(q: SearchParams): UserQuery {
  return {
    search: searchPattern(q.search),
    username: q.username, email: q.email, firstName: q.firstName, lastName: q.lastName,
    exact: q.exact, enabled: q.enabled,
  };
}

/** A group as listed (brief): without its roles. */
export async function briefGroup(domain: Domain, group: GroupRecord) {
  return groupRep(group, await domain.groups.path(group), {
    subGroupCount: await domain.groups.count(group.realmId, { parentId: group.id }),
  });
}

export const userRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { domain }) => {
  const afterWrite = (realm: RealmRecord) => () => {
    domain.users.invalidate();
    domain.roles.invalidate(realm.id);
  };
  const userParam = (request: FastifyRequest) => (request.params as { id: string }).id;

  /** 409 when another user of the realm has the username (ignoring case) or the email. */
  const checkUnique = async (realm: RealmRecord, user: Pick<UserRecord, 'username' | 'email'>, self?: string) => {
    const sameName = await domain.users.getByUsername(realm.id, user.username);
    if (sameName && sameName.id !== self) throw conflict('User exists with same username');
    if (user.email) {
      if ((await domain.users.othersWithEmail(realm.id, user.email, self)).length > 0) throw conflict('User exists with same email');
    }
  };

  /** The password a representation's credentials give, hashed before any transaction opens. */
  const passwordOf = async (body: UserRep): Promise<StoredPassword | undefined> => {
    const credential = body.credentials?.find((c) => (c.type ?? 'password') === 'password' && c.value);
    return credential ? hashPassword(credential.value!) : undefined;
  };

  app.get('/realms/:realm/users', {
    schema: {
      tags,
      summary: 'Search the realm\'s users (service accounts left out), by username',
      params: realmParams,
      querystring: { type: 'object', properties: { ...searchQuery, ...paging, briefRepresentation: { type: 'boolean' } } },
    },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const q = request.query as SearchParams & { first?: number; max?: number };
    const users = await domain.users.search(realm.id, { ...userQuery(q), ...page(q, DEFAULT_MAX) });
    return users.map((u) => userRep(u));
  });

  app.get('/realms/:realm/users/count', {
    schema: { tags, summary: 'How many users match (service accounts left out)', params: realmParams, querystring: { type: 'object', properties: searchQuery } },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    return domain.users.count(realm.id, userQuery(request.query as SearchParams));
  });

  app.post('/realms/:realm/users', {
    schema: {
      tags,
      summary: 'Create a user holding the realm\'s default role; credentials and groups (by path) may be given',
      params: realmParams,
      body: { ...userRepresentation, required: ['username'] },
    },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const body = withoutNulls(request.body as UserRep & { groups?: string[] });
    const fields = userFields(body);
    await checkUnique(realm, fields);
    const groups: GroupRecord[] = [];
    for (const path of body.groups ?? []) {
      const group = await domain.groups.byPath(realm.id, path);
      if (!group) throw badRequest(`Group ${path} not found`);
      groups.push(group);
    }
    const password = await passwordOf(body);
    const user = await commit(domain, async (tx) => {
      const user = await domain.users.create(tx, realm, { id: body.id, ...fields });
      if (password) await domain.users.setPassword(tx, user.id, password);
      for (const group of groups) await domain.groups.addMember(tx, group.id, user.id);
      return user;
    }, afterWrite(realm));
    return created(request, reply, user.id);
  });

  app.get('/realms/:realm/users/:id', {
    schema: { tags, summary: 'The user', params: userParams },
  }, async (request) => userRep(await userOf(domain, await realmOf(domain, request), userParam(request))));

  app.put('/realms/:realm/users/:id', {
    schema: {
      tags,
      summary: 'Change the fields given; the others stay (attributes, when given, replace all of them)',
      params: userParams,
      body: userRepresentation,
    },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const user = await userOf(domain, realm, userParam(request));
    const body = withoutNulls(request.body as UserRep);
    const next: UserRecord = { ...user, ...userFields(body, user) };
    await checkUnique(realm, next, user.id);
    const password = await passwordOf(body);
    await commit(domain, async (tx) => {
      await domain.users.update(tx, next);
      if (password) await domain.users.setPassword(tx, user.id, password);
    }, afterWrite(realm));
    return reply.code(204).send();
  });

  app.delete('/realms/:realm/users/:id', {
    schema: { tags, summary: 'Delete the user with its sessions, tokens and grants', params: userParams },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const user = await userOf(domain, realm, userParam(request));
    await commit(domain, (tx) => domain.users.delete(tx, user), afterWrite(realm));
    return reply.code(204).send();
  });

  app.put('/realms/:realm/users/:id/reset-password', {
    schema: {
      tags,
      summary: 'Set the user\'s password; a temporary one makes the user choose a new one at the next sign-in (UPDATE_PASSWORD)',
      params: userParams,
      body: credentialRepresentation,
    },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const user = await userOf(domain, realm, userParam(request));
    const body = request.body as { value: string; temporary?: boolean };
    const password = await hashPassword(body.value);
    await commit(domain, (tx) => domain.users.resetPassword(tx, user, password, { temporary: body.temporary === true }), afterWrite(realm));
    return reply.code(204).send();
  });

  // ---- groups ------------------------------------------------------------------------

  app.get('/realms/:realm/users/:id/groups', {
    schema: {
      tags,
      summary: 'The groups the user is a member of',
      params: userParams,
      querystring: { type: 'object', properties: { search: { type: 'string' }, ...paging, briefRepresentation: { type: 'boolean' } } },
    },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const user = await userOf(domain, realm, userParam(request));
    const q = request.query as { search?: string; first?: number; max?: number };
    let groups = await domain.groups.ofUser(user.id);
    if (q.search) groups = groups.filter((g) => g.name.toLowerCase().includes(q.search!.toLowerCase()));
    groups = slice(groups, q);
    return Promise.all(groups.map((g) => briefGroup(domain, g)));
  });

  const membership = (join: boolean) => async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const realm = await realmOf(domain, request);
    const user = await userOf(domain, realm, userParam(request));
    const group = await groupOf(domain, realm, (request.params as { groupId: string }).groupId);
    await commit(domain, (tx) => (join ? domain.groups.addMember(tx, group.id, user.id) : domain.groups.removeMember(tx, group.id, user.id)),
      afterWrite(realm));
    return reply.code(204).send();
  };
  const groupParams = paramsWith('id', 'groupId');
  app.put('/realms/:realm/users/:id/groups/:groupId', {
    schema: { tags, summary: 'Make the user a member of the group: the user holds its roles', params: groupParams },
  }, membership(true));
  app.delete('/realms/:realm/users/:id/groups/:groupId', {
    schema: { tags, summary: 'Take the user out of the group', params: groupParams },
  }, membership(false));

  // ---- role mappings -----------------------------------------------------------------

  roleMappingRoutes(app, domain, {
    base: '/realms/:realm/users/:id',
    tags: ['User role mappings'],
    holder: async (request) => {
      const realm = await realmOf(domain, request);
      const user = await userOf(domain, realm, userParam(request));
      return {
        realm,
        roleIds: () => domain.roles.userRoleIds(user.id),
        inheritedRoleIds: () => domain.groups.roleIdsOfUser(user.id),
        grant: (tx, roleId) => domain.roles.grantToUser(tx, user.id, roleId),
        revoke: (tx, roleId) => domain.roles.revokeFromUser(tx, user.id, roleId),
      };
    },
  });
};
