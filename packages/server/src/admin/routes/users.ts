import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { hashPassword, type StoredPassword } from '../../crypto/passwords.js';
import type { Domain } from '../../domain/index.js';
import { keycloakAttributes, realmSelfServiceFields, type UserRep } from '../../import/keycloak.js';
import type { CredentialRecord, GroupRecord, PasswordRecord, RealmRecord, UserQuery, UserRecord } from '../../storage/store.js';
import { recordUserEvent } from '../../http/events.js';
import {
  profileErrorBody, profileErrors, profileMetadata, userProfileOf, userProfileProblem, type UserProfileConfig,
} from '../../domain/user-profile.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { OAuthError } from '../../protocol/errors.js';
import type { ActionTokenType } from '../../protocol/action-tokens.js';
import { redirectUriAllowed } from '../../protocol/redirect-uris.js';
import { realmOf as runtimeOf } from '../../http/realm.js';
import { NoMailServerError, type Mailer } from '../../mail/index.js';
import { ACCOUNT_CLIENT } from '../../domain/realms.js';
import type { EmailTemplate } from '../../pages/index.js';
import { userFields, userRep, withoutNulls } from '../representations.js';
import { credentialRepresentation, paging, paramsWith, realmParams, userProfileRepresentation, userRepresentation } from './schemas.js';
import {
  attributeQuery, briefGroup, commit, created, fullGroup, groupOf, matchesAttributes, page, realmOf, slice, userOf, type MailingRouteOptions,
} from './common.js';
import { roleMappingRoutes } from './role-mappings.js';

const tags = ['Users'];
const profileTags = ['User profile'];

/** The realm's user profile configuration: Keycloak's default until one is given. */

/** Keycloak's CredentialRepresentation of a second factor: never its secret data. */
const credentialRep = (c: CredentialRecord) => ({
  id: c.id, type: c.type, ...(c.userLabel ? { userLabel: c.userLabel } : {}), createdDate: c.createdAt * 1000, credentialData: c.data,
});

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

/** Keycloak's built-in required actions, which an execute-actions mail may ask for. */
const KEYCLOAK_REQUIRED_ACTIONS = new Set([
  'UPDATE_PASSWORD', 'VERIFY_EMAIL', 'UPDATE_PROFILE', 'CONFIGURE_TOTP', 'TERMS_AND_CONDITIONS', 'UPDATE_EMAIL', 'webauthn-register',
  'webauthn-register-passwordless', 'delete_credential', 'VERIFY_PROFILE', 'CONFIGURE_RECOVERY_AUTHN_CODES', 'delete_account',
]);

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
  const credential = plainPassword(body);
  return credential ? hashPassword(credential) : undefined;
}

const plainPassword = (body: UserRep) => body.credentials?.find((c) => (c.type ?? 'password') === 'password' && c.value)?.value;

/** A password the realm's policy refuses, as Keycloak's admin API answers: 400, the rule's message key and its text. */
async function checkPolicy(domain: Domain, mailer: Mailer, realm: RealmRecord, user: Pick<UserRecord, 'username' | 'email'> & { id?: string }, password: string | undefined) {
  const violation = password === undefined ? undefined : await domain.users.checkNewPassword(realm, user, password);
  if (violation) throw new OAuthError(violation.error, mailer.message('en', violation.error, ...violation.args), 400);
}

const mailQuery = {
  type: 'object',
  properties: {
    client_id: { type: 'string', maxLength: 255, description: 'The client the user goes on to afterwards (default: account)' },
    redirect_uri: { type: 'string', maxLength: 2048, description: 'Where in that client; one of its redirect URIs' },
    lifespan: { type: 'integer', minimum: 1, maximum: 2592000, description: 'Seconds the link works' },
  },
} as const;
type MailQuery = { client_id?: string; redirect_uri?: string; lifespan?: number };

export const userRoutes: FastifyPluginAsync<MailingRouteOptions> = async (app, { domain, mailer }) => {
  const afterWrite = (realm: RealmRecord) => () => {
    domain.users.invalidate();
    domain.roles.invalidate(realm.id);
  };
  const userParam = (request: FastifyRequest) => (request.params as { id: string }).id;

  /** 409 when another user of the realm has the username (ignoring case) or, unless the realm allows it, the email. */
  const checkUnique = async (realm: RealmRecord, user: Pick<UserRecord, 'username' | 'email'>, self?: string) => {
    const sameName = await domain.users.getByUsername(realm.id, user.username);
    if (sameName && sameName.id !== self) throw conflict('User exists with same username');
    if (user.email && realm.settings.duplicateEmailsAllowed !== true) {
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
    const refused = profileErrors(userProfileOf(realm.settings), profileValues(fields));
    if (refused.length > 0) return reply.code(400).send(profileErrorBody(refused));
    await checkUnique(realm, fields);
    await checkPolicy(domain, mailer, realm, fields, plainPassword(body));
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
    const refused = profileErrors(userProfileOf(realm.settings), will, changed);
    if (refused.length > 0) return reply.code(400).send(profileErrorBody(refused));
    await checkUnique(realm, next, user.id);
    await checkPolicy(domain, mailer, realm, next, plainPassword(body));
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
    await checkPolicy(domain, mailer, realm, user, body.value);
    const password = await hashPassword(body.value);
    await commit(domain, (tx) => domain.users.resetPassword(tx, user, password, { temporary: body.temporary === true }), afterWrite(realm));
    return reply.code(204).send();
  });

  // ---- mail with a link (Keycloak's execute-actions-email and send-verify-email) ------------

  /**
   * Queues the mail with its action token's link, after Keycloak's checks in Keycloak's order
   * and words. The mail server is not waited on: a realm without one is refused at once,
   * and a server that is down gets the mail when it is back (mail/worker.ts).
   */
  const mailLink = async (request: FastifyRequest, template: EmailTemplate, type: ActionTokenType, actions: string[]) => {
    const realm = await realmOf(domain, request);
    const user = await userOf(domain, realm, userParam(request));
    const q = request.query as MailQuery;
    if (!user.email) throw badRequest('User email missing');
    if (!user.enabled) throw badRequest('User is disabled');
    if (q.redirect_uri !== undefined && q.client_id === undefined) throw badRequest('Client id missing');
    const clientId = q.client_id ?? ACCOUNT_CLIENT;
    const client = await domain.clients.getByClientId(realm.id, clientId);
    if (!client) throw badRequest("Client doesn't exist");
    if (!client.enabled) throw badRequest('Client is not enabled');
    const runtime = await runtimeOf(domain, request);
    if (q.redirect_uri !== undefined && !redirectUriAllowed(client.settings.redirectUris, q.redirect_uri, realm.settings.sslRequired, runtime.base)) {
      throw badRequest('Invalid redirect uri.');
    }
    // Keycloak's: the admin's link lives as long as the realm gives an admin's; the verify link, a user's.
    const lifespans = realmSelfServiceFields(realm.settings);
    const lifespan = q.lifespan ?? (type === 'execute-actions' ? lifespans.actionTokenGeneratedByAdminLifespan : lifespans.actionTokenGeneratedByUserLifespan);
    try {
      await mailer.queueActionLink(runtime, { ...user, email: user.email }, { template, type, actions, clientId, redirectUri: q.redirect_uri, lifespan });
    } catch (err) {
      if (err instanceof NoMailServerError) throw badRequest(`Failed to send ${template === 'executeActions' ? 'execute actions' : 'verify'} email: ${err.message}`);
      throw err;
    }
  };

  app.put('/realms/:realm/users/:id/execute-actions-email', {
    schema: {
      tags,
      summary: 'Mail the user a link that has them carry out required actions (UPDATE_PASSWORD, VERIFY_EMAIL, …); queued, sent as soon as the mail server takes it',
      params: userParams,
      querystring: mailQuery,
      body: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 64 } },
    },
  }, async (request, reply) => {
    const actions = (request.body as string[] | undefined) ?? [];
    const unknown = actions.find((a) => !KEYCLOAK_REQUIRED_ACTIONS.has(a));
    if (unknown !== undefined) throw badRequest(`Provided invalid required actions: ${unknown}`);
    await mailLink(request, 'executeActions', 'execute-actions', actions);
    return reply.code(204).send();
  });

  app.put('/realms/:realm/users/:id/send-verify-email', {
    schema: {
      tags,
      summary: 'Mail the user a link that confirms their email address; queued, sent as soon as the mail server takes it',
      params: userParams,
      querystring: mailQuery,
    },
  }, async (request, reply) => {
    await mailLink(request, 'email-verification', 'verify-email', ['VERIFY_EMAIL']);
    return reply.code(204).send();
  });

  // ---- credentials: the password and the second factors --------------------------------

  /** The user's credentials as Keycloak lists them: the password first, then the others by priority. */
  const credentialsOf = async (user: UserRecord) => {
    const password = await domain.users.password(user.id);
    const others = await domain.credentials.list(user.id);
    return [...(password ? [passwordCredential(user, password)] : []), ...others.map(credentialRep)];
  };
  const credentialParams = paramsWith('id', 'credentialId');
  const credentialParam = (request: FastifyRequest) => (request.params as { credentialId: string }).credentialId;
  /** A second factor of the user's, or 404. */
  const secondFactorOf = async (user: UserRecord, id: string) => {
    const found = (await domain.credentials.list(user.id)).find((c) => c.id === id);
    if (!found) throw notFound('Credential not found');
    return found;
  };
  /** The user's events for credentials an administrator removed: REMOVE_CREDENTIAL, and REMOVE_TOTP for a generator, as Keycloak's. */
  const recordRemoved = async (request: FastifyRequest, realm: RealmRecord, user: UserRecord, removed: CredentialRecord[]) => {
    for (const c of removed) {
      const details = { credential_type: c.type, credential_id: c.id, ...(c.userLabel ? { credential_user_label: c.userLabel } : {}) };
      if (c.type === 'otp') await recordUserEvent(domain, request, realm, undefined, 'REMOVE_TOTP', user.id, details);
      await recordUserEvent(domain, request, realm, undefined, 'REMOVE_CREDENTIAL', user.id, details);
    }
  };

  app.get('/realms/:realm/users/:id/credentials', {
    schema: { tags, summary: 'The user\'s credentials: the password, one-time code generators, recovery codes (never a secret)', params: userParams },
  }, async (request) => credentialsOf(await userOf(domain, await realmOf(domain, request), userParam(request))));

  app.delete('/realms/:realm/users/:id/credentials/:credentialId', {
    schema: { tags, summary: 'Delete a credential: the password, or a second factor the user then no longer signs in with', params: credentialParams },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const user = await userOf(domain, realm, userParam(request));
    const id = credentialParam(request);
    const password = await domain.users.password(user.id);
    if (password && id === passwordCredential(user, password).id) {
      await commit(domain, (tx) => domain.users.deletePassword(tx, user.id), afterWrite(realm));
      return reply.code(204).send();
    }
    const credential = await secondFactorOf(user, id);
    await commit(domain, (tx) => tx.credentials.delete(credential.id), afterWrite(realm));
    await recordRemoved(request, realm, user, [credential]);
    return reply.code(204).send();
  });

  app.put('/realms/:realm/users/:id/credentials/:credentialId/userLabel', {
    schema: {
      tags, summary: 'Rename a second factor (its userLabel): the body is the new name, as text', params: credentialParams,
      body: { type: 'string', maxLength: 255 },
    },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const user = await userOf(domain, realm, userParam(request));
    const credential = await secondFactorOf(user, credentialParam(request));
    const label = String(request.body ?? '').trim();
    await commit(domain, (tx) => tx.credentials.update({ ...credential, userLabel: label || null }), afterWrite(realm));
    return reply.code(204).send();
  });

  /** Moves a second factor first, or after another credential (the password, always first, counts as none). */
  const move = (after: (request: FastifyRequest) => string | null) => async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const realm = await realmOf(domain, request);
    const user = await userOf(domain, realm, userParam(request));
    const target = after(request);
    const afterId = target === user.id ? null : target;
    const moved = await commit(domain, (tx) => domain.credentials.move(tx, user.id, credentialParam(request), afterId), afterWrite(realm));
    if (!moved) throw notFound('Credential not found');
    return reply.code(204).send();
  };
  app.post('/realms/:realm/users/:id/credentials/:credentialId/moveToFirst', {
    schema: { tags, summary: 'Put a second factor first among the user\'s (after the password)', params: credentialParams },
  }, move(() => null));
  app.post('/realms/:realm/users/:id/credentials/:credentialId/moveAfter/:newPreviousCredentialId', {
    schema: { tags, summary: 'Put a second factor right after another credential of the user\'s', params: paramsWith('id', 'credentialId', 'newPreviousCredentialId') },
  }, move((request) => (request.params as { newPreviousCredentialId: string }).newPreviousCredentialId));

  app.put('/realms/:realm/users/:id/disable-credential-types', {
    schema: {
      tags, summary: 'Delete all of the user\'s credentials of these types (otp, recovery-authn-codes)', params: userParams,
      body: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 16 },
    },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const user = await userOf(domain, realm, userParam(request));
    const types = request.body as string[];
    const removed = (await domain.credentials.list(user.id)).filter((c) => types.includes(c.type));
    await commit(domain, async (tx) => {
      for (const c of removed) await tx.credentials.delete(c.id);
    }, afterWrite(realm));
    await recordRemoved(request, realm, user, removed);
    return reply.code(204).send();
  });

  // ---- the user profile (Keycloak's UPConfig) ---------------------------------------------

  app.get('/realms/:realm/users/profile', {
    schema: { tags: profileTags, summary: 'The realm\'s user profile configuration (Keycloak\'s default until changed)', params: realmParams },
  }, async (request) => userProfileOf((await realmOf(domain, request)).settings));

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
  }, async (request) => profileMetadata(userProfileOf((await realmOf(domain, request)).settings)));

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
