// Records as Keycloak's JSON representations, and back. The way in reuses the importer's
// mapping (clientSettings, realmSettings), so a client posted to the admin API and the
// same client in a realm file become the same record.

import { accountFailureCeiling, DEFAULT_MAX_DELTA_TIME_SECONDS } from '../domain/browser-flow.js';
import { canonicalUsername } from '../domain/users.js';
import { phoneAndAttributes } from '../domain/user-profile.js';
import { defaultClientSettings } from '../domain/clients.js';
import { deviceGrantFields } from '../domain/realms.js';
import { customResources } from '../protocol/mappers.js';
import { smtpServerRep } from '../mail/settings.js';
import {
  clientSettings, keycloakAttributes, realmEventFields, realmOtpFields, realmRefreshFields, realmWebAuthnFields, realmSelfServiceFields, realmSettings, requiredActionsOf, settingsAttributes, type ClientRep, type MapperRep, type RealmRep, type UserRep,
} from '../import/keycloak.js';
import type {
  ClaimMapping, ClientRecord, ClientSecretRecord, ClientSettings, GroupRecord, RealmRecord, RoleRecord, UserRecord,
} from '../storage/store.js';

type Json = Record<string, unknown>;

/** Leaves out members that are undefined, as Keycloak leaves out unset fields. */
export const compact = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** Members that are null mean "unchanged" in Keycloak's update requests: drop them. */
export const withoutNulls = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;

// ---- realms --------------------------------------------------------------------------

export function realmRep(realm: RealmRecord, defaultRole?: RoleRecord): Json {
  const s = realm.settings;
  return compact({
    id: realm.id,
    realm: realm.name,
    displayName: s.displayName,
    enabled: realm.enabled,
    sslRequired: s.sslRequired ?? 'external',
    accessTokenLifespan: s.accessTokenLifespan,
    accessCodeLifespan: s.accessCodeLifespan,
    ...deviceGrantFields(s),
    ssoSessionIdleTimeout: s.ssoSessionIdleTimeout,
    ssoSessionMaxLifespan: s.ssoSessionMaxLifespan,
    offlineSessionIdleTimeout: s.offlineSessionIdleTimeout,
    ssoSessionIdleTimeoutRememberMe: s.ssoSessionIdleTimeoutRememberMe ?? 0,
    ssoSessionMaxLifespanRememberMe: s.ssoSessionMaxLifespanRememberMe ?? 0,
    bruteForceProtected: s.bruteForceProtected,
    permanentLockout: false,
    failureFactor: s.failureFactor,
    waitIncrementSeconds: s.waitIncrementSeconds,
    maxFailureWaitSeconds: s.maxFailureWaitSeconds,
    maxDeltaTimeSeconds: s.maxDeltaTimeSeconds ?? DEFAULT_MAX_DELTA_TIME_SECONDS,
    accountFailureCeiling: accountFailureCeiling(s),
    defaultSignatureAlgorithm: s.defaultSignatureAlgorithm,
    internationalizationEnabled: s.supportedLocales.length > 0,
    supportedLocales: s.supportedLocales,
    defaultLocale: s.defaultLocale,
    defaultRole: compact({
      id: defaultRole?.id,
      name: s.defaultRoleName,
      description: defaultRole?.description ?? undefined,
      composite: true,
      clientRole: false,
      containerId: realm.id,
    }),
    defaultDefaultClientScopes: s.defaultClientScopes,
    defaultOptionalClientScopes: s.optionalClientScopes,
    ...realmEventFields(s),
    ...realmRefreshFields(s),
    ...realmOtpFields(s),
    ...realmWebAuthnFields(s),
    ...realmSelfServiceFields(s),
    smtpServer: smtpServerRep(s),
    notBefore: s.notBefore ?? 0,
  });
}

/**
 * A realm changed by a PUT: the fields given replace the stored ones, the rest stay.
 * The default role is not changed this way.
 */
export function updatedRealm(current: RealmRecord, body: RealmRep): RealmRecord {
  const given = withoutNulls(body);
  const name = given.realm ?? current.name;
  const { defaultRoleName: _role, ...changes } = realmSettings({ ...given, realm: name, clientScopes: undefined });
  // The policies' fields given change, the others stay.
  const policies = (['otpPolicy', 'webAuthnPolicy', 'webAuthnPolicyPasswordless'] as const)
    .flatMap((key) => (changes[key] ? [[key, { ...current.settings[key], ...changes[key] }]] : []));
  return { ...current, name, enabled: given.enabled ?? current.enabled, settings: { ...current.settings, ...changes, ...Object.fromEntries(policies) } };
}

// ---- clients -------------------------------------------------------------------------

/** The attributes as Keycloak's admin API shows them: PKCE and logout redirects even when unset. */
export function clientAttributes(s: ClientSettings): Record<string, string> {
  return {
    ...settingsAttributes(s),
    'pkce.code.challenge.method': s.pkceMethod ?? '',
    'post.logout.redirect.uris': s.postLogoutRedirectUris.join('##'),
  };
}

/** Keycloak's one secret of a client with several: the first (oldest) that has not expired. */
export function currentSecret<S extends Pick<ClientSecretRecord, 'expiresAt'>>(secrets: S[], at: number): S | undefined {
  return secrets.find((s) => s.expiresAt === null || s.expiresAt > at);
}

export function clientRep(client: ClientRecord, secret?: string): Json {
  const s = client.settings;
  return compact({
    id: client.id,
    clientId: client.clientId,
    name: s.name,
    description: s.description,
    enabled: client.enabled,
    alwaysDisplayInConsole: false,
    clientAuthenticatorType: s.clientAuthenticatorType ?? 'client-secret',
    secret: client.publicClient ? undefined : secret,
    redirectUris: s.redirectUris,
    webOrigins: s.webOrigins,
    notBefore: s.notBefore ?? 0,
    bearerOnly: false,
    consentRequired: s.consentRequired,
    standardFlowEnabled: s.standardFlow,
    implicitFlowEnabled: s.implicitFlow,
    directAccessGrantsEnabled: s.directAccessGrants,
    serviceAccountsEnabled: s.serviceAccounts,
    publicClient: client.publicClient,
    frontchannelLogout: s.frontchannelLogout ?? false,
    protocol: 'openid-connect',
    attributes: clientAttributes(s),
    fullScopeAllowed: s.fullScopeAllowed ?? true,
    protocolMappers: s.protocolMappers,
    defaultClientScopes: s.defaultScopes,
    optionalClientScopes: s.optionalScopes,
    registeredNodes: s.registeredNodes,
    access: { view: true, configure: true, manage: true },
    // Latchkey's extensions beside Keycloak's fields.
    logoUri: s.logoUri,
    consentTexts: s.consentTexts,
    customResources: customResources(s.protocolMappers),
  });
}

export interface ClientFields {
  clientId: string;
  enabled: boolean;
  publicClient: boolean;
  settings: ClientSettings;
}

/**
 * The client a POST describes, or (given the current one) what a PUT makes of it: the
 * fields given replace the stored ones, attributes are merged (null removes one), and
 * claims come from customResources when given, else from the protocol mappers.
 */
export function clientFields(body: ClientRep, current?: ClientRecord, realm?: RealmRecord): ClientFields {
  const given = withoutNulls(body);
  const base = (current ? clientRep(current) : {}) as unknown as ClientRep;
  const attributes: Record<string, string | undefined> = { ...base.attributes, ...given.attributes };
  for (const [k, v] of Object.entries(attributes)) if (v === null || v === undefined) delete attributes[k];
  const merged: ClientRep = {
    ...base,
    ...given,
    attributes,
    customResources: given.customResources,
    logoUri: given.logoUri,
    bearerOnly: given.bearerOnly,
  };
  return {
    clientId: merged.clientId,
    enabled: merged.enabled ?? true,
    publicClient: merged.publicClient === true,
    settings: { ...defaultClientSettings(realm), ...clientSettings(merged) },
  };
}

/** A client secret as listed (Latchkey extension): never its value. Times in seconds since the epoch. */
export function secretRep(secret: ClientSecretRecord, at: number): Json {
  return {
    id: secret.id,
    label: secret.label,
    createdAt: secret.createdAt,
    expiresAt: secret.expiresAt,
    expired: secret.expiresAt !== null && secret.expiresAt <= at,
  };
}

// ---- users ---------------------------------------------------------------------------

/**
 * Keycloak's UserRepresentation. `access` (what the caller may do with the user) is there
 * where Keycloak puts it: on the users resource, not on a group's members or a role's users.
 * The brief form is Keycloak's toBriefRepresentation.
 */
export function userRep(user: UserRecord, opts: { serviceAccountClientId?: string; access?: boolean; brief?: boolean; totp?: boolean } = {}): Json {
  if (opts.brief) {
    return compact({
      id: user.id, username: user.username, firstName: user.firstName ?? undefined, lastName: user.lastName ?? undefined,
      email: user.email ?? undefined, emailVerified: user.emailVerified, enabled: user.enabled,
      createdTimestamp: user.createdAt * 1000, access: opts.access === false ? undefined : USER_ACCESS,
    });
  }
  return compact({
    id: user.id,
    username: user.username,
    firstName: user.firstName ?? undefined,
    lastName: user.lastName ?? undefined,
    email: user.email ?? undefined,
    emailVerified: user.emailVerified,
    enabled: user.enabled,
    createdTimestamp: user.createdAt * 1000,
    totp: opts.totp === true,
    attributes: keycloakAttributes(user),
    serviceAccountClientId: opts.serviceAccountClientId,
    disableableCredentialTypes: [],
    requiredActions: user.requiredActions,
    notBefore: 0,
    access: opts.access === false ? undefined : USER_ACCESS,
  });
}

const USER_ACCESS = { manageGroupMembership: true, view: true, mapRoles: true, impersonate: false, manage: true };

/**
 * What a POST (no current user) or PUT sets: given fields replace stored ones; attributes replace
 * all of them, the phone number (Keycloak's attribute phoneNumber) included, as Keycloak does.
 */
export function userFields(body: UserRep, current?: UserRecord): Omit<UserRecord, 'id' | 'realmId' | 'serviceAccountClientId' | 'createdAt'> {
  const given = withoutNulls(body);
  const text = (v: string | undefined, was: string | null | undefined) => (v === undefined ? was ?? null : v === '' ? null : v);
  const phoneAndOthers = given.attributes
    ? phoneAndAttributes(given.attributes)
    : { phoneNumber: current?.phoneNumber ?? null, attributes: current?.attributes ?? {} };
  return {
    username: given.username === undefined ? current!.username : canonicalUsername(given.username),
    enabled: given.enabled ?? current?.enabled ?? true,
    email: text(given.email, current?.email),
    emailVerified: given.emailVerified ?? current?.emailVerified ?? false,
    firstName: text(given.firstName, current?.firstName),
    lastName: text(given.lastName, current?.lastName),
    ...phoneAndOthers,
    requiredActions: requiredActionsOf({ requiredActions: given.requiredActions ?? current?.requiredActions, credentials: given.credentials }),
  };
}

// ---- roles and groups ----------------------------------------------------------------

/**
 * Keycloak's RoleRepresentation: brief (no attributes) where Keycloak lists roles and role
 * mappings, full (with attributes, which Latchkey's roles do not have) for one role.
 */
export function roleRep(role: RoleRecord, composite: boolean, opts: { full?: boolean } = {}): Json {
  return compact({
    id: role.id,
    name: role.name,
    description: role.description ?? undefined,
    composite,
    clientRole: role.clientId !== null,
    containerId: role.clientId ?? role.realmId,
    attributes: opts.full ? {} : undefined,
  });
}

/** Keycloak's brief GroupRepresentation (a user's groups, briefRepresentation): no roles, attributes or counts. */
export function briefGroupRep(group: GroupRecord, path: string): Json {
  return compact({ id: group.id, name: group.name, path, parentId: group.parentId ?? undefined });
}

export function groupRep(group: GroupRecord, path: string, extra: {
  subGroupCount: number; realmRoles?: string[]; clientRoles?: Record<string, string[]>;
}): Json {
  return compact({
    id: group.id,
    name: group.name,
    path,
    parentId: group.parentId ?? undefined,
    subGroupCount: extra.subGroupCount,
    subGroups: [],
    attributes: group.attributes,
    realmRoles: extra.realmRoles,
    clientRoles: extra.clientRoles,
    access: { view: true, viewMembers: true, manageMembers: true, manage: true, manageMembership: true },
  });
}
