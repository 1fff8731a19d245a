import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { hashPassword, type StoredPassword } from '../../crypto/passwords.js';
import type { Domain } from '../../domain/index.js';
import { keycloakAttributes, type UserRep } from '../../import/keycloak.js';
import type { GroupRecord, PasswordRecord, RealmRecord, UserQuery, UserRecord } from '../../storage/store.js';
import {
  defaultUserProfile, profileErrorBody, profileErrors, profileMetadata, userProfileProblem, type UserProfileConfig,
} from '../../domain/user-profile.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { userFields, userRep, withoutNulls } from '../representations.js';
import { credentialRepresentation, paging, paramsWith, realmParams, userProfileRepresentation, userRepresentation } from './schemas.js';
import {
  attributeQuery, briefGroup, commit, created, fullGroup, groupOf, matchesAttributes, page, realmOf, slice, userOf, type AdminRouteOptions,
} from './common.js';
import { roleMappingRoutes } from './role-mappings.js';

const tags = ['Users'];
const profileTags = ['User profile'];

/** The realm's user profile configuration: Keycloak's default until one is given. */
const userProfileOf = (realm: RealmRecord) => (realm.settings.userProfile as UserProfileConfig | undefined) ?? defaultUserProfile();

/** A user's attributes as the user profile names them: Keycloak's user fields beside the others. */
const profileValues = (user: Pick<UserRecord, 'username' | 'email' | 'firstName' | 'lastName' | 'phoneNumber' | 'attributes'>): Record<string, string[]> => ({
  ...keycloakAttributes(user),
  username: [user.username],
  email: user.email ? [user.email] : [],
  firstName: user.firstName ? [user.firstName] : [],
  lastName: user.lastName ? [user.lastName] : [],
});

/** Keycloak's CredentialRepresentation of a password: its type and date, never the hash. */
function passwordCredential(user: UserRecord, password: PasswordRecord) {
  return {
    // Latchkey keeps one password per user: the user's id names it.
    id: user.id,
    type: 'password',
    createdDate: password.createdAt * 1000,
    // Keycloak's: the user must choose a new password at the next sign-in.
    temporary: user.requiredActions.includes('UPDATE_PASSWORD'),
    credentialData: JSON.stringify({ algorithm: password.algorithm }),
  };
}
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
  emailVerified: { type: 'boolean' },
  idpAlias: { type: 'string', description: 'Only users linked to this identity provider' },
  q: { type: 'string', description: 'Attributes: key:value pairs, space separated; each value contained (equal with exact=true)' },
} as const;

type SearchParams = {
  search?: string; username?: string; email?: string; firstName?: string; lastName?: string; exact?: boolean; enabled?: boolean;
  emailVerified?: boolean; idpAlias?: string; q?: string;
};

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
    exact: q.exact, enabled: q.enabled, emailVerified: q.emailVerified,
  };
}

/** The password a representation's credentials give, hashed before any transaction opens. */
export async function passwordOf(body: UserRep): Promise<StoredPassword | undefined> {
  const credential = body.credentials?.find((c) => (c.type ?? 'password') === 'password' && c.value);
  return credential ? hashPassword(credential.value!) : undefined;
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


  /**
   * The users a search finds, paged. An idpAlias that names no provider finds no one; `q`'s
   * attributes are kept as JSON, so they are matched here, over what the other criteria found.
   */
  const find = async (realm: RealmRecord, q: SearchParams, paging?: { first?: number; max?: number }): Promise<UserRecord[]> => {
    const query = userQuery(q);
    if (q.idpAlias !== undefined) {
      const provider = await domain.identityProviders.get(realm.id, q.idpAlias);
      if (!provider) return [];
      query.identityProviderId = provider.id;
    }
    const pairs = attributeQuery(q.q);
    if (pairs.length === 0) return domain.users.search(realm.id, { ...query, ...paging });
    // The phone number is a column of its own, not among the stored attributes.
    const narrowing = pairs.filter(([key]) => key !== 'phoneNumber');
    const found = (await domain.users.search(realm.id, { ...query, attributesLike: narrowing }))
      .filter((u) => matchesAttributes(keycloakAttributes(u), pairs, q.exact === true));
    return paging ? slice(found, paging) : found;
  };

  app.get('/realms/:realm/users', {
    schema: {
      tags,
      summary: 'Search the realm\'s users (service accounts left out), by username',
      params: realmParams,
      querystring: { type: 'object', properties: { ...searchQuery, ...paging, briefRepresentation: { type: 'boolean', default: false } } },
    },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const q = request.query as SearchParams & { first?: number; max?: number; briefRepresentation?: boolean };
    const users = await find(realm, q, page(q, DEFAULT_MAX));
    return users.map((u) => userRep(u, { brief: q.briefRepresentation === true }));
  });

  app.get('/realms/:realm/users/count', {
    schema: { tags, summary: 'How many users match (service accounts left out)', params: realmParams, querystring: { type: 'object', properties: searchQuery } },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const q = request.query as SearchParams;
    if (q.idpAlias === undefined && attributeQuery(q.q).length === 0) return domain.users.count(realm.id, userQuery(q));
    return (await find(realm, q)).length;
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
    const refused = profileErrors(userProfileOf(realm), profileValues(fields));
    if (refused.length > 0) return reply.code(400).send(profileErrorBody(refused));
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
    // What was there already stays (a user imported before the profile said otherwise): what changes is checked.
    const [was, will] = [profileValues(user), profileValues(next)];
    const changed = (name: string) => JSON.stringify(was[name] ?? []) !== JSON.stringify(will[name] ?? []);
    const refused = profileErrors(userProfileOf(realm), will, changed);
    if (refused.length > 0) return reply.code(400).send(profileErrorBody(refused));
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

  // ---- credentials: the password, the one Latchkey keeps --------------------------------

  app.get('/realms/:realm/users/:id/credentials', {
    schema: { tags, summary: 'The user\'s credentials: the password, if the user has one (never its hash)', params: userParams },
  }, async (request) => {
    const user = await userOf(domain, await realmOf(domain, request), userParam(request));
    const password = await domain.users.password(user.id);
    return password ? [passwordCredential(user, password)] : [];
  });

  app.delete('/realms/:realm/users/:id/credentials/:credentialId', {
    schema: { tags, summary: 'Delete a credential: the password, which the user then no longer signs in with', params: paramsWith('id', 'credentialId') },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const user = await userOf(domain, realm, userParam(request));
    const password = await domain.users.password(user.id);
    if (!password || (request.params as { credentialId: string }).credentialId !== passwordCredential(user, password).id) {
      throw notFound('Credential not found');
    }
    await commit(domain, (tx) => domain.users.deletePassword(tx, user.id), afterWrite(realm));
    return reply.code(204).send();
  });

  // ---- the user profile (Keycloak's UPConfig) ---------------------------------------------

  app.get('/realms/:realm/users/profile', {
    schema: { tags: profileTags, summary: 'The realm\'s user profile configuration (Keycloak\'s default until changed)', params: realmParams },
  }, async (request) => userProfileOf(await realmOf(domain, request)));

  app.put('/realms/:realm/users/profile', {
    schema: { tags: profileTags, summary: 'Replace the user profile configuration; username and email stay', params: realmParams, body: userProfileRepresentation },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const config = request.body as UserProfileConfig;
    const problem = userProfileProblem(config);
    if (problem) throw badRequest(`Invalid field ${problem}`);
    await domain.realms.update(realm.name, { ...realm, settings: { ...realm.settings, userProfile: config } });
    return config;
  });

  app.get('/realms/:realm/users/profile/metadata', {
    schema: { tags: profileTags, summary: 'The user profile as an administrator\'s forms use it', params: realmParams },
  }, async (request) => profileMetadata(userProfileOf(await realmOf(domain, request))));

  // ---- groups ------------------------------------------------------------------------

  /** The user's groups whose name contains `search` (ignoring case), by name. */
  const groupsOf = async (request: FastifyRequest) => {
    const realm = await realmOf(domain, request);
    const user = await userOf(domain, realm, userParam(request));
    const search = (request.query as { search?: string }).search?.toLowerCase();
    const groups = await domain.groups.ofUser(user.id);
    return search ? groups.filter((g) => g.name.toLowerCase().includes(search)) : groups;
  };

  app.get('/realms/:realm/users/:id/groups', {
    schema: {
      tags,
      summary: 'The groups the user is a member of: id, name and path (briefRepresentation=false: with attributes and roles)',
      params: userParams,
      querystring: { type: 'object', properties: { search: { type: 'string' }, ...paging, briefRepresentation: { type: 'boolean', default: true } } },
    },
  }, async (request) => {
    const q = request.query as { first?: number; max?: number; briefRepresentation?: boolean };
    const groups = slice(await groupsOf(request), q);
    return Promise.all(groups.map((g) => (q.briefRepresentation === false ? fullGroup(domain, g) : briefGroup(domain, g))));
  });

  app.get('/realms/:realm/users/:id/groups/count', {
    schema: {
      tags, summary: 'How many groups the user is a member of', params: userParams,
      querystring: { type: 'object', properties: { search: { type: 'string' } } },
    },
  }, async (request) => ({ count: (await groupsOf(request)).length }));

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
