import { readFile } from 'node:fs/promises';
import { newId } from '../crypto/random.js';
import { fromKeycloakCredential, type StoredPassword } from '../crypto/passwords.js';
import type { Domain } from '../domain/index.js';
import { defaultRealmSettings } from '../domain/realms.js';
import { SERVICE_ACCOUNT_PREFIX } from '../domain/users.js';
import {
  SIGNING_ALGS, type ClaimMapping, type ClientRecord, type ClientSettings, type PkceMethod,
  type RealmRecord, type RealmSettings, type SigningAlg, type Store,
} from '../storage/store.js';

// The parts of Keycloak's RealmRepresentation that Latchkey reads. Everything
// else in an export (flows, components, policies) is accepted and ignored.
type Attributes = Record<string, string | undefined>;
interface RoleRep { name: string; description?: string; composite?: boolean; composites?: { realm?: string[]; client?: Record<string, string[]> } }
interface MapperRep { name?: string; protocolMapper?: string; config?: Record<string, string | undefined> }
interface ClientRep {
  id?: string; clientId: string; name?: string; description?: string; enabled?: boolean; publicClient?: boolean;
  bearerOnly?: boolean; secret?: string; standardFlowEnabled?: boolean; implicitFlowEnabled?: boolean;
  directAccessGrantsEnabled?: boolean; serviceAccountsEnabled?: boolean; consentRequired?: boolean;
  redirectUris?: string[]; webOrigins?: string[]; attributes?: Attributes; protocolMappers?: MapperRep[];
  defaultClientScopes?: string[]; optionalClientScopes?: string[]; protocol?: string;
  /** Latchkey extensions beside Keycloak's fields (seed 001): several secrets with expiry, consent texts. */
  secrets?: Array<{ value: string; expiresAt?: number | null; label?: string | null }>;
  consentTexts?: ClientSettings['consentTexts'];
}
interface CredentialRep { type?: string; value?: string; secretData?: string; credentialData?: string }
interface UserRep {
  id?: string; username: string; enabled?: boolean; email?: string; emailVerified?: boolean; firstName?: string;
  lastName?: string; attributes?: Record<string, string[]>; credentials?: CredentialRep[]; realmRoles?: string[];
  clientRoles?: Record<string, string[]>; serviceAccountClientId?: string;
}
interface ClientScopeRep { name: string; attributes?: Attributes }
export interface RealmRep {
  id?: string; realm: string; enabled?: boolean; displayName?: string; accessTokenLifespan?: number;
  ssoSessionIdleTimeout?: number; ssoSessionMaxLifespan?: number; offlineSessionIdleTimeout?: number;
  accessCodeLifespan?: number; defaultSignatureAlgorithm?: string; bruteForceProtected?: boolean;
  failureFactor?: number; waitIncrementSeconds?: number; maxFailureWaitSeconds?: number; defaultLocale?: string;
  supportedLocales?: string[]; defaultRole?: { name: string }; defaultDefaultClientScopes?: string[];
  defaultOptionalClientScopes?: string[]; clientScopes?: ClientScopeRep[];
  roles?: { realm?: RoleRep[]; client?: Record<string, RoleRep[]> }; clients?: ClientRep[]; users?: UserRep[];
}

export interface ImportResult {
  realm: string;
  skipped: boolean;
  clients: number;
  users: number;
}

const isAlg = (v: string | undefined): v is SigningAlg => SIGNING_ALGS.includes(v as SigningAlg);
const num = (v: string | undefined): number | undefined => (v && /^\d+$/.test(v) ? Number(v) : undefined);
const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function realmSettings(rep: RealmRep): Partial<RealmSettings> {
  const notInToken = (rep.clientScopes ?? [])
    .filter((s) => s.attributes?.['include.in.token.scope'] === 'false')
    .map((s) => s.name);
  return defined({
    displayName: rep.displayName,
    accessTokenLifespan: rep.accessTokenLifespan,
    ssoSessionIdleTimeout: rep.ssoSessionIdleTimeout,
    ssoSessionMaxLifespan: rep.ssoSessionMaxLifespan,
    offlineSessionIdleTimeout: rep.offlineSessionIdleTimeout,
    accessCodeLifespan: rep.accessCodeLifespan,
    defaultSignatureAlgorithm: isAlg(rep.defaultSignatureAlgorithm) ? rep.defaultSignatureAlgorithm : undefined,
    bruteForceProtected: rep.bruteForceProtected,
    failureFactor: rep.failureFactor,
    waitIncrementSeconds: rep.waitIncrementSeconds,
    maxFailureWaitSeconds: rep.maxFailureWaitSeconds,
    defaultLocale: rep.defaultLocale,
    supportedLocales: rep.supportedLocales,
    defaultRoleName: rep.defaultRole?.name,
    defaultClientScopes: rep.defaultDefaultClientScopes,
    optionalClientScopes: rep.defaultOptionalClientScopes,
    scopesNotInToken: rep.clientScopes ? [...new Set([...defaultRealmSettings(rep.realm).scopesNotInToken, ...notInToken])] : undefined,
  });
}

/** Keycloak's user attribute/property mappers become custom claims (seed 001 custom resources). */
function claimMapping(m: MapperRep): ClaimMapping | undefined {
  const c = m.config ?? {};
  const attribute = m.protocolMapper === 'oidc-usermodel-attribute-mapper' ? c['user.attribute']
    : m.protocolMapper === 'oidc-usermodel-property-mapper' ? c['user.attribute'] : undefined;
  if (!attribute || !c['claim.name']) return undefined;
  const jsonType = (['String', 'long', 'int', 'boolean', 'JSON'] as const).find((t) => t === c['jsonType.label']) ?? 'String';
  return {
    name: m.name ?? c['claim.name'],
    userAttribute: attribute,
    claim: c['claim.name'],
    jsonType,
    multivalued: c.multivalued === 'true',
    accessToken: c['access.token.claim'] !== 'false',
    idToken: c['id.token.claim'] !== 'false',
    userinfo: c['userinfo.token.claim'] !== 'false',
  };
}

const INTERPRETED_ATTRIBUTES = new Set([
  'pkce.code.challenge.method', 'use.refresh.tokens', 'post.logout.redirect.uris', 'access.token.lifespan',
  'access.token.signed.response.alg', 'id.token.signed.response.alg', 'logoUri',
]);

export function clientSettings(rep: ClientRep): Partial<ClientSettings> {
  const a = rep.attributes ?? {};
  const pkce = a['pkce.code.challenge.method'];
  const mappers = rep.protocolMappers ?? [];
  const audiences = mappers
    .filter((m) => m.protocolMapper === 'oidc-audience-mapper' && m.config?.['access.token.claim'] !== 'false')
    .map((m) => m.config?.['included.client.audience'] || m.config?.['included.custom.audience'])
    .filter((v): v is string => Boolean(v));
  const bearerOnly = rep.bearerOnly === true;
  return defined({
    name: rep.name,
    description: rep.description,
    standardFlow: bearerOnly ? false : rep.standardFlowEnabled ?? true,
    implicitFlow: bearerOnly ? false : rep.implicitFlowEnabled ?? false,
    directAccessGrants: bearerOnly ? false : rep.directAccessGrantsEnabled ?? false,
    serviceAccounts: bearerOnly ? false : rep.serviceAccountsEnabled ?? false,
    consentRequired: rep.consentRequired ?? false,
    pkceMethod: pkce === 'plain' || pkce === 'S256' ? (pkce as PkceMethod) : null,
    refreshTokens: a['use.refresh.tokens'] !== 'false',
    logoUri: a.logoUri || undefined,
    redirectUris: rep.redirectUris ?? [],
    postLogoutRedirectUris: (a['post.logout.redirect.uris'] ?? '').split('##').filter(Boolean),
    webOrigins: rep.webOrigins ?? [],
    accessTokenLifespan: num(a['access.token.lifespan']),
    accessTokenAlg: isAlg(a['access.token.signed.response.alg']) ? a['access.token.signed.response.alg'] : undefined,
    idTokenAlg: isAlg(a['id.token.signed.response.alg']) ? a['id.token.signed.response.alg'] : undefined,
    defaultScopes: rep.defaultClientScopes ?? [],
    optionalScopes: rep.optionalClientScopes ?? [],
    audiences,
    customClaims: mappers.map(claimMapping).filter((m): m is ClaimMapping => m !== undefined),
    consentTexts: rep.consentTexts,
    extraAttributes: Object.fromEntries(
      Object.entries(a).filter((e): e is [string, string] => e[1] !== undefined && !INTERPRETED_ATTRIBUTES.has(e[0])),
    ),
  });
}

function password(user: UserRep): StoredPassword | string | undefined {
  const cred = user.credentials?.find((c) => (c.type ?? 'password') === 'password');
  if (!cred) return undefined;
  if (cred.value !== undefined) return cred.value;
  if (cred.secretData && cred.credentialData) return fromKeycloakCredential(cred.secretData, cred.credentialData);
  throw new Error(`user ${user.username}: password credential has neither a value nor secretData/credentialData`);
}

/** Everything below the realm itself, in one transaction. */
async function importContents(domain: Domain, tx: Store, realm: RealmRecord, rep: RealmRep): Promise<{ clients: number; users: number }> {
  const clients = new Map<string, ClientRecord>();
  for (const c of rep.clients ?? []) {
    if (c.protocol && c.protocol !== 'openid-connect') continue;
    const publicClient = c.publicClient === true;
    const { record } = await domain.clients.create(tx, realm.id, {
      id: c.id,
      clientId: c.clientId,
      enabled: c.enabled ?? true,
      publicClient,
      settings: clientSettings(c),
      secrets: publicClient ? undefined : [...(c.secret ? [{ value: c.secret }] : []), ...(c.secrets ?? [])],
    }, async () => {});
    clients.set(c.clientId, record);
  }
  const clientUuid = (clientId: string, context: string) => {
    const client = clients.get(clientId);
    if (!client) throw new Error(`${context}: unknown client "${clientId}"`);
    return client.id;
  };

  // Roles first, composites once every role exists.
  const roleId = new Map<string, string>();
  const key = (clientId: string | null, name: string) => `${clientId ?? ''}\u0000${name}`;
  const ensureRole = async (clientId: string | null, role: RoleRep) => {
    const owner = clientId === null ? null : clientUuid(clientId, `role ${role.name}`);
    const existing = await tx.roles.getByName(realm.id, owner, role.name);
    const id = existing?.id ?? (await domain.roles.create(tx, realm.id, owner, role.name, role.description ?? null)).id;
    roleId.set(key(clientId, role.name), id);
  };
  const realmRoles = rep.roles?.realm ?? [];
  const clientRoles = Object.entries(rep.roles?.client ?? {}).filter(([clientId]) => clients.has(clientId));
  for (const role of realmRoles) await ensureRole(null, role);
  for (const [clientId, roles] of clientRoles) for (const role of roles) await ensureRole(clientId, role);
  const idOf = async (clientId: string | null, name: string, context: string): Promise<string> => {
    const known = roleId.get(key(clientId, name));
    if (known) return known;
    const owner = clientId === null ? null : clientUuid(clientId, context);
    const existing = await tx.roles.getByName(realm.id, owner, name);
    if (!existing) throw new Error(`${context}: unknown ${clientId ? `client role ${clientId}/` : 'realm role '}${name}`);
    return existing.id;
  };
  const composites = [...realmRoles.map((r) => [null, r] as const), ...clientRoles.flatMap(([c, rs]) => rs.map((r) => [c, r] as const))];
  for (const [clientId, role] of composites) {
    const parent = await idOf(clientId, role.name, `role ${role.name}`);
    for (const child of role.composites?.realm ?? []) await tx.roles.addComposite(parent, await idOf(null, child, `composite of ${role.name}`));
    for (const [childClient, names] of Object.entries(role.composites?.client ?? {})) {
      if (!clients.has(childClient)) continue;
      for (const child of names) await tx.roles.addComposite(parent, await idOf(childClient, child, `composite of ${role.name}`));
    }
  }

  const serviceAccounts = new Set<string>();
  for (const u of rep.users ?? []) {
    const user = await domain.users.create(tx, realm, {
      id: u.id,
      username: u.username,
      enabled: u.enabled ?? true,
      email: u.email ?? null,
      emailVerified: u.emailVerified ?? false,
      firstName: u.firstName ?? null,
      lastName: u.lastName ?? null,
      phoneNumber: u.attributes?.phoneNumber?.[0] ?? u.attributes?.phone_number?.[0] ?? null,
      attributes: u.attributes ?? {},
      serviceAccountClientId: u.serviceAccountClientId ? clientUuid(u.serviceAccountClientId, `user ${u.username}`) : null,
    }, { defaultRole: false });
    if (u.serviceAccountClientId) serviceAccounts.add(u.serviceAccountClientId);
    const pw = password(u);
    if (pw !== undefined) await domain.users.setPassword(tx, user.id, pw);
    for (const name of u.realmRoles ?? []) await tx.roles.grantToUser(user.id, await idOf(null, name, `user ${u.username}`));
    for (const [clientId, names] of Object.entries(u.clientRoles ?? {})) {
      if (!clients.has(clientId)) continue;
      for (const name of names) await tx.roles.grantToUser(user.id, await idOf(clientId, name, `user ${u.username}`));
    }
  }
  // A client with service accounts always has its user, even when the export left it out (seed 000).
  for (const client of clients.values()) {
    if (client.settings.serviceAccounts && !client.publicClient && !serviceAccounts.has(client.clientId)) {
      const existing = await tx.users.getByUsername(realm.id, SERVICE_ACCOUNT_PREFIX + client.clientId);
      if (!existing) await domain.users.createServiceAccount(tx, realm, client);
    }
  }
  return { clients: clients.size, users: (rep.users ?? []).length };
}

/** Imports one Keycloak realm representation. An existing realm is left alone, as Keycloak does. */
export async function importRealm(domain: Domain, rep: RealmRep): Promise<ImportResult> {
  if (!rep || typeof rep.realm !== 'string') throw new Error('not a Keycloak realm representation: "realm" is missing');
  if (await domain.realms.exists(rep.realm)) return { realm: rep.realm, skipped: true, clients: 0, users: 0 };
  const realm = await domain.realms.create(rep.realm, realmSettings(rep), { enabled: rep.enabled ?? true, id: rep.id ?? newId() });
  try {
    const counts = await domain.store.transaction((tx) => importContents(domain, tx, realm, rep));
    return { realm: rep.realm, skipped: false, ...counts };
  } catch (err) {
    await domain.store.realms.delete(realm.id);
    throw new Error(`import of realm ${rep.realm} failed: ${(err as Error).message}`);
  } finally {
    domain.realms.invalidate(rep.realm);
    domain.roles.invalidate(realm.id);
    domain.users.invalidate();
  }
}

export async function importRealmFile(domain: Domain, file: string): Promise<ImportResult> {
  let rep: RealmRep;
  try {
    rep = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read realm file ${file}: ${(err as Error).message}`);
  }
  return importRealm(domain, rep);
}
