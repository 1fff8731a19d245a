import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { NATIVE_ALGORITHM } from '../crypto/passwords.js';
import { smtpServerRep } from '../mail/settings.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { credentialToKeycloak } from '../domain/credentials.js';
import type { Domain } from '../domain/index.js';
import { accountFailureCeiling, DEFAULT_MAX_DELTA_TIME_SECONDS } from '../domain/browser-flow.js';
import { defaultRealmSettings, deviceGrantFields } from '../domain/realms.js';
import { groupPath } from '../domain/groups.js';
import { requiredActionsOfRealm } from '../domain/required-actions.js';
import { now } from '../domain/time.js';
import type { UserProfileConfig } from '../domain/user-profile.js';
import { mapperRep, providerRep } from '../import/identity-providers.js';
import {
  clientScopeRep, keycloakAttributes, realmEventFields, realmOtpFields, realmRefreshFields, realmWebAuthnFields, realmSelfServiceFields, settingsAttributes, userProfileComponents, type ClientRep, type ScopeMappingRep, type CredentialRep, type FederatedIdentityRep, type GroupRep, type RealmRep,
  type RoleRep, type SecretRep, type UserRep,
} from '../import/keycloak.js';
import type {
  ClientRecord, ClientScopeRecord, GroupRecord, IdentityProviderRecord, PasswordRecord, RealmRecord, RoleRecord, Store, UserRecord,
} from '../storage/store.js';

// The export writes Keycloak's realm representation (what `kc.sh export` writes), so that
// Keycloak can read it and Latchkey can import it again. What Latchkey does not keep is not
// written (flows, components); signing keys are not exported (Keycloak
// keeps them as components): the importing side makes new ones. Groups go as Keycloak's tree
// with their roles, users' memberships as their paths. Identity providers go as Keycloak's
// identityProviders and identityProviderMappers, users' links as their federatedIdentities.
// Latchkey extensions ride along, which Keycloak ignores: a client's `secrets` (all of them,
// with expiry) and `consentTexts`, a provider's responseType, responseMode, postLogoutUrl and
// emailCollision.

export interface ExportOptions {
  /** Include the users, with their password hashes and role grants. */
  users?: boolean;
  /** Called after every page of users. */
  onProgress?: (progress: { phase: 'users'; done: number; total: number }) => void;
}

export interface ExportSummary {
  realm: string;
  clients: number;
  users: number;
}

/** Users read per page: one query each for the page's users, passwords, role grants and memberships. */
const USER_PAGE = 1000;

/** Code-point order, so that an export is the same on SQLite and PostgreSQL. */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Omits undefined members, as Keycloak leaves out unset fields. */
const compact = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** What the export needs to name roles and clients, read once per realm. */
interface RealmIndex {
  realm: RealmRecord;
  clients: ClientRecord[];
  clientById: Map<string, ClientRecord>;
  roleById: Map<string, RoleRecord>;
  providers: IdentityProviderRecord[];
  providerById: Map<string, IdentityProviderRecord>;
  groups: GroupRecord[];
  /** Each group's path, for users' memberships. */
  groupPathById: Map<string, string>;
}

async function indexRealm(tx: Store, realm: RealmRecord): Promise<RealmIndex> {
  const clients = await tx.clients.list(realm.id);
  const roles = await tx.roles.listByRealm(realm.id);
  const providers = await tx.identityProviders.list(realm.id);
  const groups = await tx.groups.list(realm.id);
  const byId = new Map(groups.map((g) => [g.id, g]));
  const namesOf = (g: GroupRecord): string[] => {
    const parent = g.parentId === null ? undefined : byId.get(g.parentId);
    return parent ? [...namesOf(parent), g.name] : [g.name];
  };
  return {
    realm,
    clients,
    clientById: new Map(clients.map((c) => [c.id, c])),
    roleById: new Map(roles.map((r) => [r.id, r])),
    providers,
    providerById: new Map(providers.map((p) => [p.id, p])),
    groups,
    groupPathById: new Map(groups.map((g) => [g.id, groupPath(namesOf(g))])),
  };
}

/** Role ids as Keycloak names them: realm role names, and role names by clientId. */
function nameRoles(index: RealmIndex, roleIds: string[]): { realm: string[]; client: Record<string, string[]> } {
  const realm: string[] = [];
  const client: Record<string, string[]> = {};
  for (const id of roleIds) {
    const role = index.roleById.get(id);
    if (!role) continue;
    if (role.clientId === null) {
      realm.push(role.name);
    } else {
      const owner = index.clientById.get(role.clientId);
      if (owner) (client[owner.clientId] ??= []).push(role.name);
    }
  }
  realm.sort(byCodePoint);
  for (const names of Object.values(client)) names.sort(byCodePoint);
  return { realm, client };
}

async function rolesOf(tx: Store, index: RealmIndex): Promise<{ realm: RoleRep[]; client: Record<string, RoleRep[]> }> {
  const children = new Map<string, string[]>();
  for (const { parentId, childId } of await tx.roles.listComposites(index.realm.id)) {
    children.set(parentId, [...(children.get(parentId) ?? []), childId]);
  }
  const rep = (role: RoleRecord): RoleRep => {
    const kids = nameRoles(index, children.get(role.id) ?? []);
    const composite = kids.realm.length > 0 || Object.keys(kids.client).length > 0;
    return compact({
      id: role.id,
      name: role.name,
      description: role.description ?? undefined,
      composite,
      composites: composite ? compact({
        realm: kids.realm.length > 0 ? kids.realm : undefined,
        client: Object.keys(kids.client).length > 0 ? kids.client : undefined,
      }) : undefined,
      clientRole: role.clientId !== null,
      containerId: role.clientId ?? index.realm.id,
      attributes: {},
    });
  };
  const all = [...index.roleById.values()].sort((a, b) => byCodePoint(a.name, b.name));
  const client: Record<string, RoleRep[]> = {};
  for (const c of index.clients) client[c.clientId] = [];
  for (const role of all) {
    if (role.clientId === null) continue;
    const owner = index.clientById.get(role.clientId);
    if (owner) client[owner.clientId].push(rep(role));
  }
  return { realm: all.filter((r) => r.clientId === null).map(rep), client };
}

/** The realm's groups as Keycloak's tree: each with its path, roles and subgroups, siblings by name. */
async function groupsOf(tx: Store, index: RealmIndex): Promise<GroupRep[]> {
  const children = new Map<string | null, GroupRecord[]>();
  for (const g of index.groups) children.set(g.parentId, [...(children.get(g.parentId) ?? []), g]);
  const rep = async (group: GroupRecord): Promise<GroupRep> => {
    const roles = nameRoles(index, await tx.groups.listRoleIds(group.id));
    const subGroups: GroupRep[] = [];
    for (const child of children.get(group.id) ?? []) subGroups.push(await rep(child));
    return {
      id: group.id,
      name: group.name,
      path: index.groupPathById.get(group.id),
      attributes: group.attributes,
      realmRoles: roles.realm,
      clientRoles: roles.client,
      subGroups,
    };
  };
  const top: GroupRep[] = [];
  for (const group of children.get(null) ?? []) top.push(await rep(group));
  return top;
}

async function openSecret(box: SecretBox, sealed: string, owner: string): Promise<string> {
  try {
    return await box.open(sealed);
  } catch {
    throw new Error(`the master key does not open the secrets of ${owner}: `
      + 'give the LATCHKEY_MASTER_KEY (or the data dir with the master.key) the server uses');
  }
}

async function clientRep(tx: Store, box: SecretBox, index: RealmIndex, client: ClientRecord): Promise<ClientRep> {
  const s = client.settings;
  const attributes = settingsAttributes(s);

  const protocolMappers = s.protocolMappers;

  let secret: string | undefined;
  let secrets: SecretRep[] | undefined;
  if (!client.publicClient) {
    const at = now();
    secrets = [];
    for (const record of await tx.clientSecrets.listByClient(client.id)) {
      const value = await openSecret(box, record.sealedValue, `client ${client.clientId}`);
      secrets.push(compact({ value, expiresAt: record.expiresAt ?? undefined, label: record.label ?? undefined }));
      // Keycloak has one secret: the first that has not expired.
      if (secret === undefined && (record.expiresAt === null || record.expiresAt > at)) secret = value;
    }
  }

  return compact({
    id: client.id,
    clientId: client.clientId,
    name: s.name,
    description: s.description,
    enabled: client.enabled,
    clientAuthenticatorType: s.clientAuthenticatorType ?? 'client-secret',
    secret,
    redirectUris: s.redirectUris,
    webOrigins: s.webOrigins,
    notBefore: s.notBefore,
    bearerOnly: false,
    consentRequired: s.consentRequired,
    standardFlowEnabled: s.standardFlow,
    implicitFlowEnabled: s.implicitFlow,
    directAccessGrantsEnabled: s.directAccessGrants,
    serviceAccountsEnabled: s.serviceAccounts,
    publicClient: client.publicClient,
    frontchannelLogout: s.frontchannelLogout,
    protocol: 'openid-connect',
    attributes,
    fullScopeAllowed: s.fullScopeAllowed ?? true,
    protocolMappers: protocolMappers.length > 0 ? protocolMappers : undefined,
    defaultClientScopes: s.defaultScopes,
    optionalClientScopes: s.optionalScopes,
    secrets,
    consentTexts: Object.keys(s.consentTexts).length > 0 ? s.consentTexts : undefined,
    registeredNodes: s.registeredNodes,
  });
}

/** Keycloak's scopeMappings (realm roles) and clientScopeMappings (by the roles' client) of client scopes and clients. */
function scopeMappingsOf(index: RealmIndex, scopes: ClientScopeRecord[]): Pick<RealmRep, 'scopeMappings' | 'clientScopeMappings'> {
  const realmMappings: ScopeMappingRep[] = [];
  const clientMappings: Record<string, ScopeMappingRep[]> = {};
  const holders = [
    ...scopes.map((s) => ({ holder: { clientScope: s.name }, ids: s.scopeMappings })),
    ...index.clients.map((c) => ({ holder: { client: c.clientId }, ids: c.settings.scopeMappings ?? [] })),
  ];
  for (const { holder, ids } of holders) {
    const byOwner = new Map<string | null, string[]>();
    for (const role of ids.map((id) => index.roleById.get(id)).filter((r): r is RoleRecord => r !== undefined)) {
      byOwner.set(role.clientId, [...(byOwner.get(role.clientId) ?? []), role.name]);
    }
    for (const [owner, roles] of byOwner) {
      if (owner === null) realmMappings.push({ ...holder, roles });
      else {
        const clientId = index.clientById.get(owner)?.clientId;
        if (clientId) (clientMappings[clientId] ??= []).push({ ...holder, roles });
      }
    }
  }
  return {
    ...(realmMappings.length > 0 ? { scopeMappings: realmMappings } : {}),
    ...(Object.keys(clientMappings).length > 0 ? { clientScopeMappings: clientMappings } : {}),
  };
}

/** The realm with its roles and clients, without users: what `kc.sh export` writes first. */
async function realmHead(tx: Store, box: SecretBox, index: RealmIndex): Promise<RealmRep> {
  const { realm } = index;
  const s = realm.settings;
  const defaultRole = [...index.roleById.values()].find((r) => r.clientId === null && r.name === s.defaultRoleName);
  const clients: ClientRep[] = [];
  for (const client of index.clients) clients.push(await clientRep(tx, box, index, client));
  const scopes = await tx.clientScopes.list(realm.id);
  return compact({
    id: realm.id,
    realm: realm.name,
    displayName: s.displayName,
    enabled: realm.enabled,
    sslRequired: s.sslRequired ?? 'external',
    defaultSignatureAlgorithm: s.defaultSignatureAlgorithm,
    accessTokenLifespan: s.accessTokenLifespan,
    ssoSessionIdleTimeout: s.ssoSessionIdleTimeout,
    ssoSessionMaxLifespan: s.ssoSessionMaxLifespan,
    offlineSessionIdleTimeout: s.offlineSessionIdleTimeout,
    ssoSessionIdleTimeoutRememberMe: s.ssoSessionIdleTimeoutRememberMe ?? 0,
    ssoSessionMaxLifespanRememberMe: s.ssoSessionMaxLifespanRememberMe ?? 0,
    accessCodeLifespan: s.accessCodeLifespan,
    ...deviceGrantFields(s),
    bruteForceProtected: s.bruteForceProtected,
    failureFactor: s.failureFactor,
    waitIncrementSeconds: s.waitIncrementSeconds,
    maxFailureWaitSeconds: s.maxFailureWaitSeconds,
    maxDeltaTimeSeconds: s.maxDeltaTimeSeconds ?? DEFAULT_MAX_DELTA_TIME_SECONDS,
    accountFailureCeiling: accountFailureCeiling(s),
    internationalizationEnabled: s.supportedLocales.length > 0,
    supportedLocales: s.supportedLocales,
    defaultLocale: s.defaultLocale,
    roles: await rolesOf(tx, index),
    defaultRole: {
      id: defaultRole?.id,
      name: s.defaultRoleName,
      description: defaultRole?.description ?? '${role_default-roles}',
      composite: true,
      clientRole: false,
      containerId: realm.id,
    },
    clients,
    groups: await groupsOf(tx, index),
    defaultGroups: s.defaultGroupIds?.length
      ? s.defaultGroupIds.map((id) => index.groupPathById.get(id)).filter((p): p is string => p !== undefined)
      : undefined,
    clientScopes: scopes.map(clientScopeRep),
    ...scopeMappingsOf(index, scopes),
    defaultDefaultClientScopes: s.defaultClientScopes,
    defaultOptionalClientScopes: s.optionalClientScopes,
    ...realmEventFields(s),
    ...realmRefreshFields(s),
    ...realmOtpFields(s),
    requiredActions: requiredActionsOfRealm(s),
    ...realmWebAuthnFields(s),
    ...realmSelfServiceFields(s),
    // In clear, as the file's client secrets are: an export is to be imported again.
    smtpServer: smtpServerRep(s, s.smtpPassword ? await openSecret(box, s.smtpPassword, `realm ${realm.name}'s mail server`) : undefined),
    notBefore: s.notBefore ?? 0,
    components: s.userProfile ? userProfileComponents(s.userProfile as UserProfileConfig) : undefined,
    clientProfiles: { profiles: s.clientProfiles ?? [] },
    clientPolicies: { policies: s.clientPolicies ?? [] },
    ...(await providersOf(box, index)),
  });
}

/** Keycloak's identityProviders (with their client secrets, as clients have theirs) and identityProviderMappers. */
async function providersOf(box: SecretBox, index: RealmIndex): Promise<Pick<RealmRep, 'identityProviders' | 'identityProviderMappers'>> {
  if (index.providers.length === 0) return {};
  const identityProviders = [];
  for (const p of index.providers) {
    const secret = p.sealedClientSecret === null ? undefined : await openSecret(box, p.sealedClientSecret, `identity provider ${p.alias}`);
    identityProviders.push(providerRep(p, secret, { mappers: 'apart' }));
  }
  return { identityProviders, identityProviderMappers: index.providers.flatMap((p) => p.settings.mappers.map((m) => mapperRep(p.alias, m))) };
}

const PHC = /^\$argon2(id|i|d)\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/**
 * A stored password as Keycloak's password credential. Latchkey's own argon2id hashes take
 * the form of Keycloak's argon2 provider (Keycloak 24+ reads and verifies them); hashes
 * imported from Keycloak go back as they came.
 */
export function credentialOf(password: PasswordRecord, username: string): CredentialRep {
  const createdDate = password.createdAt * 1000;
  if (password.algorithm === NATIVE_ALGORITHM) {
    const m = PHC.exec(password.data);
    if (!m) throw new Error(`user ${username}: the stored argon2id hash is not a PHC string`);
    const [, type, version, memory, iterations, parallelism, salt, hash] = m;
    const b64 = (unpadded: string) => Buffer.from(unpadded, 'base64');
    const value = b64(hash);
    return {
      type: 'password',
      createdDate,
      secretData: JSON.stringify({ value: value.toString('base64'), salt: b64(salt).toString('base64'), additionalParameters: {} }),
      credentialData: JSON.stringify({
        hashIterations: Number(iterations),
        algorithm: 'argon2',
        additionalParameters: {
          hashLength: [String(value.length)],
          memory: [memory],
          type: [type],
          version: [version === '19' ? '1.3' : '1.0'],
          parallelism: [parallelism],
        },
      }),
    };
  }
  if (password.algorithm.startsWith('keycloak:')) {
    const { secretData, credentialData } = JSON.parse(password.data) as { secretData: unknown; credentialData: unknown };
    return { type: 'password', createdDate, secretData: JSON.stringify(secretData), credentialData: JSON.stringify(credentialData) };
  }
  throw new Error(`user ${username}: a password stored as "${password.algorithm}" cannot be exported`);
}

function userRep(index: RealmIndex, user: UserRecord, password: PasswordRecord | undefined, roleIds: string[],
  groupIds: string[], links: FederatedIdentityRep[], factors: CredentialRep[]): UserRep {
  const roles = nameRoles(index, roleIds);
  const serviceAccountOf = user.serviceAccountClientId ? index.clientById.get(user.serviceAccountClientId) : undefined;
  return compact({
    id: user.id,
    createdTimestamp: user.createdAt * 1000,
    username: user.username,
    enabled: user.enabled,
    totp: factors.some((c) => c.type === 'otp'),
    emailVerified: user.emailVerified,
    firstName: user.firstName ?? undefined,
    lastName: user.lastName ?? undefined,
    email: user.email ?? undefined,
    attributes: keycloakAttributes(user),
    serviceAccountClientId: serviceAccountOf?.clientId,
    credentials: [...(password ? [credentialOf(password, user.username)] : []), ...factors],
    disableableCredentialTypes: [],
    requiredActions: user.requiredActions,
    realmRoles: roles.realm,
    clientRoles: Object.keys(roles.client).length > 0 ? roles.client : undefined,
    federatedIdentities: links.length > 0 ? links : undefined,
    notBefore: 0,
    groups: groupIds.map((id) => index.groupPathById.get(id)).filter((p): p is string => p !== undefined).sort(byCodePoint),
  });
}

/** The realm's users, a page at a time, in id order. */
async function* userPages(tx: Store, box: SecretBox, index: RealmIndex, ids: string[]): AsyncGenerator<UserRep[]> {
  for (let start = 0; start < ids.length; start += USER_PAGE) {
    const page = ids.slice(start, start + USER_PAGE);
    const users = await tx.bulk.getUsers(page);
    const passwords = new Map((await tx.bulk.listPasswords(page)).map((p) => [p.userId, p]));
    const grants = new Map<string, string[]>();
    for (const { userId, roleId } of await tx.bulk.listUserRoles(page)) grants.set(userId, [...(grants.get(userId) ?? []), roleId]);
    const memberships = new Map<string, string[]>();
    if (index.groups.length > 0) {
      for (const { userId, groupId } of await tx.bulk.listMemberships(page)) memberships.set(userId, [...(memberships.get(userId) ?? []), groupId]);
    }
    const links = new Map<string, FederatedIdentityRep[]>();
    if (index.providers.length > 0) {
      for (const l of await tx.bulk.listFederatedIdentities(page)) {
        const provider = index.providerById.get(l.providerId);
        if (provider) links.set(l.userId, [...(links.get(l.userId) ?? []), { identityProvider: provider.alias, userId: l.subject, userName: l.username }]);
      }
    }
    const factors = new Map<string, CredentialRep[]>();
    for (const c of await tx.bulk.listCredentials(page)) factors.set(c.userId, [...(factors.get(c.userId) ?? []), await credentialToKeycloak(box, c)]);
    yield users.map((u) => userRep(index, u, passwords.get(u.id), grants.get(u.id) ?? [], memberships.get(u.id) ?? [], links.get(u.id) ?? [],
      factors.get(u.id) ?? []));
  }
}

async function findRealm(store: Store, name: string): Promise<RealmRecord> {
  const realm = await store.realms.getByName(name);
  if (realm) return realm;
  const names = (await store.realms.list()).map((r) => r.name);
  throw new Error(`there is no realm "${name}" (${names.length > 0 ? `realms: ${names.join(', ')}` : 'no realms at all'})`);
}

/**
 * Writes the realm's representation as JSON to `out`, users a page at a time so that a
 * large realm never sits in memory whole. Everything is read in one transaction, so the
 * file is one consistent state of the realm even while a server changes it.
 */
export async function writeRealmExport(domain: Domain, name: string, out: Writable, opts: ExportOptions = {}): Promise<ExportSummary> {
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  return domain.store.transaction(async (tx) => {
    const realm = await findRealm(tx, name);
    const index = await indexRealm(tx, realm);
    const head = JSON.stringify(await realmHead(tx, domain.box, index), null, 2);
    if (!opts.users) {
      await write(head + '\n');
      return { realm: realm.name, clients: index.clients.length, users: 0 };
    }
    const ids = await tx.bulk.listUserIds(realm.id);
    // The head ends in "\n}": the users go in before that brace, indented as the rest.
    await write(head.slice(0, -2) + ',\n  "users": [');
    let done = 0;
    for await (const page of userPages(tx, domain.box, index, ids)) {
      const text = page.map((u) => '\n    ' + JSON.stringify(u, null, 2).replace(/\n/g, '\n    ')).join(',');
      await write((done > 0 ? ',' : '') + text);
      done += page.length;
      opts.onProgress?.({ phase: 'users', done, total: ids.length });
    }
    await write('\n  ]\n}\n');
    return { realm: realm.name, clients: index.clients.length, users: done };
  });
}

/** The realm's representation as an object (users included with `users`): for tests and small realms. */
export async function exportRealm(domain: Domain, name: string, opts: ExportOptions = {}): Promise<RealmRep> {
  return domain.store.transaction(async (tx) => {
    const index = await indexRealm(tx, await findRealm(tx, name));
    const rep = await realmHead(tx, domain.box, index);
    if (opts.users) {
      rep.users = [];
      for await (const page of userPages(tx, domain.box, index, await tx.bulk.listUserIds(index.realm.id))) rep.users.push(...page);
    }
    return rep;
  });
}
