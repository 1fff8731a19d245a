import type { FastifyPluginAsync } from 'fastify';
import { ProviderSettingsError, type Broker } from '../../broker/index.js';
import { clientSettingsProblem } from '../../domain/clients.js';
import { exportRealm } from '../../export/keycloak.js';
import { OIDC_PROVIDERS, providerFromRep, type IdentityProviderMapperRep, type IdentityProviderRep } from '../../import/identity-providers.js';
import { CLIENT_FIELDS, type ClientRep, type GroupRep, type RoleRep, type UserRep } from '../../import/keycloak.js';
import type { GroupRecord, RealmRecord, Store } from '../../storage/store.js';
import { badRequest, conflict } from '../errors.js';
import { clientFields, userFields, withoutNulls } from '../representations.js';
import { clientRepresentation, identityProviderMapperRepresentation, identityProviderRepresentation, realmParams, userRepresentation } from './schemas.js';
import { realmOf, type AdminRouteOptions } from './common.js';
import { passwordOf } from './users.js';
import { MASKED_SECRET } from '../../import/identity-providers.js';

const tags = ['Realm partial import and export'];

type Policy = 'FAIL' | 'SKIP' | 'OVERWRITE';
type ResourceType = 'USER' | 'CLIENT' | 'GROUP' | 'REALM_ROLE' | 'CLIENT_ROLE' | 'IDP';
interface Result { action: 'ADDED' | 'SKIPPED' | 'OVERWRITTEN'; resourceType: ResourceType; resourceName: string; id?: string }

interface PartialImport {
  ifResourceExists?: Policy;
  users?: UserRep[];
  clients?: ClientRep[];
  groups?: GroupRep[];
  roles?: { realm?: RoleRep[]; client?: Record<string, RoleRep[]> };
  identityProviders?: IdentityProviderRep[];
  identityProviderMappers?: IdentityProviderMapperRep[];
}

const names = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 255 } } as const;
const roleItem = {
  type: 'object', required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    description: { type: 'string', nullable: true },
    composite: { type: 'boolean' },
    composites: {
      type: 'object', nullable: true,
      description: 'The roles it contains, by name: realm roles, and client roles by clientId (of the realm, or of this import)',
      properties: { realm: names, client: { type: 'object', additionalProperties: names } },
    },
  },
} as const;
const groupItem = {
  type: 'object', required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^/]+$' },
    attributes: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    realmRoles: { type: 'array', items: { type: 'string' } },
    subGroups: { type: 'array', items: { type: 'object' } },
  },
} as const;

const partialImportRepresentation = {
  type: 'object',
  description: "Keycloak's PartialImportRepresentation: users, clients, groups, roles (with their composites) and OpenID Connect identity providers with their mappers",
  properties: {
    ifResourceExists: { type: 'string', enum: ['FAIL', 'SKIP', 'OVERWRITE'], default: 'FAIL' },
    policy: { type: 'string', enum: ['FAIL', 'SKIP', 'OVERWRITE'] },
    users: { type: 'array', items: { ...userRepresentation, required: ['username'] } },
    clients: { type: 'array', items: { ...clientRepresentation, required: ['clientId'] } },
    groups: { type: 'array', items: groupItem },
    roles: {
      type: 'object',
      properties: {
        realm: { type: 'array', items: roleItem },
        client: { type: 'object', additionalProperties: { type: 'array', items: roleItem } },
      },
    },
    identityProviders: {
      type: 'array',
      items: { ...identityProviderRepresentation, required: ['alias'], properties: { ...identityProviderRepresentation.properties, providerId: { type: 'string', nullable: true } } },
      description: 'OpenID Connect ones (oidc, keycloak-oidc), taken as a realm import takes them: their metadata is not fetched; others are passed over',
    },
    identityProviderMappers: {
      type: 'array',
      items: {
        ...identityProviderMapperRepresentation, required: ['identityProviderAlias'],
        properties: { ...identityProviderMapperRepresentation.properties, identityProviderMapper: { type: 'string' } },
      },
    },
  },
} as const;

/**
 * Keycloak's partial export (the realm without its users, secrets masked) and partial import
 * (users, clients, groups and roles added to a realm that exists, what exists already failing
 * the import, skipped or replaced as asked). The import is one transaction: a failure leaves nothing.
 */
export const partialRoutes: FastifyPluginAsync<AdminRouteOptions & { broker: Broker }> = async (app, { domain, broker }) => {
  app.post('/realms/:realm/partial-export', {
    schema: {
      tags, summary: 'The realm\'s representation without users; clients, groups and roles when asked; secrets masked',
      params: realmParams,
      querystring: { type: 'object', properties: { exportClients: { type: 'boolean', default: false }, exportGroupsAndRoles: { type: 'boolean', default: false } } },
    },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const q = request.query as { exportClients: boolean; exportGroupsAndRoles: boolean };
    const rep = await exportRealm(domain, realm.name);
    if (!q.exportClients) delete rep.clients;
    if (!q.exportGroupsAndRoles) {
      delete rep.groups;
      delete rep.roles;
    }
    for (const client of rep.clients ?? []) {
      if (client.secret !== undefined) client.secret = MASKED_SECRET;
      delete client.secrets;
    }
    for (const provider of rep.identityProviders ?? []) {
      if (provider.config?.clientSecret !== undefined) provider.config.clientSecret = MASKED_SECRET;
    }
    if (rep.smtpServer?.password !== undefined) rep.smtpServer.password = MASKED_SECRET;
    reply.header('cache-control', 'no-store');
    return rep;
  });

  app.post('/realms/:realm/partialImport', {
    bodyLimit: 16 * 1024 * 1024,
    schema: { tags, summary: 'Add users, clients, groups, roles and identity providers to the realm', params: realmParams, body: partialImportRepresentation },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const body = request.body as PartialImport & { policy?: Policy };
    const policy: Policy = body.policy ?? body.ifResourceExists ?? 'FAIL';
    // Hashing is slow, and a transaction holds SQLite's write lock: before it.
    const passwords = await Promise.all((body.users ?? []).map(passwordOf));
    const results: Result[] = [];
    try {
      await domain.store.transaction(async (tx) => {
        const outcome = async (type: ResourceType, name: string, exists: boolean, remove: () => Promise<void>): Promise<boolean> => {
          if (!exists) return true;
          if (policy === 'FAIL') throw conflict(`${type} ${name} already exists`);
          if (policy === 'SKIP') {
            results.push({ action: 'SKIPPED', resourceType: type, resourceName: name });
            return false;
          }
          await remove();
          return true;
        };
        const record = (type: ResourceType, name: string, id: string, replaced: boolean) =>
          results.push({ action: replaced ? 'OVERWRITTEN' : 'ADDED', resourceType: type, resourceName: name, id });

        for (const rep of body.clients ?? []) {
          const fields = clientFields(withoutNulls(rep), undefined, realm);
          const found = clientSettingsProblem(fields.settings, CLIENT_FIELDS);
          if (found) throw badRequest(`Invalid field clients.${found.field}: ${found.problem}`);
          const existing = await tx.clients.getByClientId(realm.id, fields.clientId);
          if (!(await outcome('CLIENT', fields.clientId, existing !== undefined, () => domain.clients.delete(tx, existing!)))) continue;
          const secrets = rep.secret ? [{ value: rep.secret }] : undefined;
          const { record: created } = await domain.createClient(realm, { id: existing?.id ?? rep.id, ...fields, secrets: fields.publicClient ? undefined : secrets }, tx);
          record('CLIENT', created.clientId, created.id, existing !== undefined);
        }

        const written = new Set<RoleRep>();
        const roles = async (clientId: string | null, reps: RoleRep[]) => {
          const client = clientId === null ? null : await tx.clients.getByClientId(realm.id, clientId);
          if (client === undefined) throw badRequest(`Invalid field roles.client: no client ${clientId}`);
          const type = client ? 'CLIENT_ROLE' : 'REALM_ROLE';
          for (const rep of reps) {
            const existing = await tx.roles.getByName(realm.id, client?.id ?? null, rep.name);
            if (existing && client === null && rep.name === realm.settings.defaultRoleName) throw badRequest('The default role of the realm cannot be replaced');
            if (!(await outcome(type, rep.name, existing !== undefined, () => domain.roles.delete(tx, existing!)))) continue;
            const created = await domain.roles.create(tx, realm.id, client?.id ?? null, rep.name, rep.description ?? null);
            written.add(rep);
            record(type, rep.name, created.id, existing !== undefined);
          }
        };
        await roles(null, body.roles?.realm ?? []);
        for (const [clientId, reps] of Object.entries(body.roles?.client ?? {})) await roles(clientId, reps);
        // Composites once every role of the import is there, as a realm import does.
        const roleId = async (clientId: string | null, name: string, of: string) => {
          const client = clientId === null ? null : await tx.clients.getByClientId(realm.id, clientId);
          const role = client === undefined ? undefined : await tx.roles.getByName(realm.id, client?.id ?? null, name);
          if (!role) throw badRequest(`Invalid field roles.composites: ${of} names no ${clientId === null ? 'realm role' : `role of client ${clientId}`} ${name}`);
          return role.id;
        };
        const withComposites = [
          ...(body.roles?.realm ?? []).map((rep) => [null, rep] as const),
          ...Object.entries(body.roles?.client ?? {}).flatMap(([clientId, reps]) => reps.map((rep) => [clientId, rep] as const)),
        ];
        for (const [clientId, rep] of withComposites) {
          if (!rep.composites || !written.has(rep)) continue;
          const parent = await roleId(clientId, rep.name, rep.name);
          for (const child of rep.composites.realm ?? []) await domain.roles.addComposite(tx, parent, await roleId(null, child, rep.name));
          for (const [childClient, children] of Object.entries(rep.composites.client ?? {})) {
            for (const child of children) await domain.roles.addComposite(tx, parent, await roleId(childClient, child, rep.name));
          }
        }

        for (const rep of body.identityProviders ?? []) {
          if (!OIDC_PROVIDERS.has(rep.providerId ?? 'oidc')) continue;
          let input;
          try {
            input = providerFromRep(rep, { keycloakDefaults: true, mappers: (body.identityProviderMappers ?? []).filter((m) => m.identityProviderAlias === rep.alias) });
          } catch (err) {
            if (err instanceof ProviderSettingsError) throw badRequest(`Invalid field identityProviders: ${rep.alias}: ${err.message}`);
            throw err;
          }
          const existing = await tx.identityProviders.getByAlias(realm.id, rep.alias);
          if (!(await outcome('IDP', rep.alias, existing !== undefined, () => domain.identityProviders.delete(tx, existing!)))) continue;
          record('IDP', rep.alias, (await domain.identityProviders.create(tx, realm, input)).id, existing !== undefined);
        }

        const group = async (rep: GroupRep, parent: GroupRecord | null): Promise<GroupRecord> => {
          const created = await domain.groups.create(tx, realm, { name: rep.name, parentId: parent?.id ?? null, attributes: rep.attributes });
          for (const name of rep.realmRoles ?? []) {
            const role = await tx.roles.getByName(realm.id, null, name);
            if (!role) throw badRequest(`Invalid field groups.realmRoles: no realm role ${name}`);
            await domain.groups.grantRole(tx, created.id, role.id);
          }
          for (const child of rep.subGroups ?? []) await group(child, created);
          return created;
        };
        for (const rep of body.groups ?? []) {
          const existing = await tx.groups.getByName(realm.id, null, rep.name);
          if (!(await outcome('GROUP', rep.name, existing !== undefined, () => domain.groups.delete(tx, existing!)))) continue;
          record('GROUP', rep.name, (await group(rep, null)).id, existing !== undefined);
        }

        for (const [i, rep] of (body.users ?? []).entries()) {
          const fields = userFields(withoutNulls(rep));
          const existing = await tx.users.getByUsername(realm.id, fields.username);
          if (!(await outcome('USER', fields.username, existing !== undefined, () => domain.users.delete(tx, existing!)))) continue;
          const user = await domain.users.create(tx, realm, { id: existing?.id ?? rep.id, ...fields });
          if (passwords[i]) await domain.users.setPassword(tx, user.id, passwords[i]);
          await grantUserRoles(tx, realm, user.id, rep);
          for (const path of rep.groups ?? []) {
            const found = await domain.groups.byPath(realm.id, path, tx);
            if (!found) throw badRequest(`Invalid field users.groups: no group ${path}`);
            await domain.groups.addMember(tx, found.id, user.id);
          }
          record('USER', user.username, user.id, existing !== undefined);
        }
      });
    } finally {
      domain.identityProviders.invalidate(realm.id);
      broker.invalidate();
      domain.clients.invalidateAll();
      domain.roles.invalidate(realm.id);
      domain.users.invalidate();
    }
    const count = (action: Result['action']) => results.filter((r) => r.action === action).length;
    return { overwritten: count('OVERWRITTEN'), added: count('ADDED'), skipped: count('SKIPPED'), results };
  });

  /** The realm and client roles a user representation names, granted; 400 naming the first missing. */
  const grantUserRoles = async (tx: Store, realm: RealmRecord, userId: string, rep: UserRep) => {
    const names: Array<[string | null, string]> = [
      ...(rep.realmRoles ?? []).map((n): [null, string] => [null, n]),
      ...Object.entries(rep.clientRoles ?? {}).flatMap(([c, ns]) => ns.map((n): [string, string] => [c, n])),
    ];
    for (const [clientId, name] of names) {
      const client = clientId === null ? null : await tx.clients.getByClientId(realm.id, clientId);
      const role = client === undefined ? undefined : await tx.roles.getByName(realm.id, client?.id ?? null, name);
      if (!role) throw badRequest(`Invalid field users.${clientId === null ? 'realmRoles' : 'clientRoles'}: no role ${name}`);
      await domain.roles.grantToUser(tx, userId, role.id);
    }
  };
};
