import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { newId, randomToken } from '../crypto/random.js';
import { fromKeycloakCredential, hashPassword, type StoredPassword } from '../crypto/passwords.js';
import { clientSettingsProblem, defaultClientSettings, supportsApiAccess, supportsOpenIdConnect } from '../domain/clients.js';
import type { Domain } from '../domain/index.js';
import { defaultRealmSettings, parRequestUriLifespan, REALM_NAME, refreshTokenRules } from '../domain/realms.js';
import { BUILT_IN_SCOPES } from '../domain/builtin-scopes.js';
import type { NewClientScope } from '../domain/client-scopes.js';
import { isKnownMapper, OIDC_PROTOCOL, withCustomResources } from '../protocol/mappers.js';
import { EVENT_LISTENERS, eventSettings } from '../domain/events.js';
import { groupPath, pathNames } from '../domain/groups.js';
import { canonicalUsername, SERVICE_ACCOUNT_PREFIX } from '../domain/users.js';
import { policyProblems } from '../domain/password-policy.js';
import { ProviderSettingsError } from '../broker/settings.js';
import { OIDC_PROVIDERS, providerFromRep, type IdentityProviderMapperRep, type IdentityProviderRep } from './identity-providers.js';
import { now } from '../domain/time.js';
import { phoneAndAttributes, userProfileProblem, type UserProfileConfig } from '../domain/user-profile.js';
import {
  MAX_PHONE_NUMBER, REQUIRED_ACTIONS, SIGNING_ALGS, SSL_REQUIRED, type ClaimMapping, type ClientRecord, type ClientScopeRecord, type ClientSettings, type ProtocolMapperRecord, type FederatedIdentityRecord, type PasswordRecord,
  type PkceMethod, type RealmRecord, type RealmSettings, type RequiredAction, type SigningAlg, type SslRequired, type Store, type UserRecord,
  type OtpPolicy, type CredentialRecord, type ClientPolicy, type ClientProfile, type WebAuthnPolicy,
} from '../storage/store.js';
import { credentialFromKeycloak, otpPolicyOf } from '../domain/credentials.js';
import { COSE_ALGORITHMS, webAuthnPolicyOf } from '../domain/webauthn.js';
import { parseLoaMap } from '../protocol/authorization/acr.js';
import { requiredActionSettings } from '../domain/required-actions.js';
import { clientPoliciesProblem } from '../protocol/client-policies.js';

// The parts of Keycloak's RealmRepresentation that Latchkey reads. Everything
// else in an export (flows, components, policies) is accepted and ignored.
type Attributes = Record<string, string | undefined>;
export interface RoleRep {
  id?: string; name: string; description?: string | null; composite?: boolean;
  composites?: { realm?: string[]; client?: Record<string, string[]> };
  clientRole?: boolean; containerId?: string; attributes?: Record<string, string[]>;
}
export interface MapperRep {
  id?: string; name?: string; protocol?: string; protocolMapper?: string; consentRequired?: boolean;
  config?: Record<string, string | undefined>;
}
/** A Latchkey extension: one of a client's secrets, with its expiry in seconds since the epoch. */
export interface SecretRep { value: string; expiresAt?: number | null; label?: string | null }
export interface ClientRep {
  id?: string; clientId: string; name?: string; description?: string; enabled?: boolean; publicClient?: boolean;
  bearerOnly?: boolean; clientAuthenticatorType?: string; secret?: string; standardFlowEnabled?: boolean;
  implicitFlowEnabled?: boolean; directAccessGrantsEnabled?: boolean; serviceAccountsEnabled?: boolean;
  consentRequired?: boolean; fullScopeAllowed?: boolean; redirectUris?: string[]; webOrigins?: string[];
  attributes?: Attributes; protocolMappers?: MapperRep[]; defaultClientScopes?: string[];
  optionalClientScopes?: string[]; protocol?: string; frontchannelLogout?: boolean;
  /** Keycloak's cluster nodes registered for the client: host → seconds since the epoch. */
  registeredNodes?: Record<string, number>;
  notBefore?: number;
  /** Latchkey extensions beside Keycloak's fields (seed 001): several secrets with expiry, consent texts. */
  secrets?: SecretRep[];
  consentTexts?: ClientSettings['consentTexts'];
  /** Latchkey extensions of the admin API: claim mappings in place of protocolMappers' user attribute mappers, and the logo. */
  customResources?: CustomResourceRep[];
  logoUri?: string;
}
/** A claim from a user attribute (seed 001 custom resources); omitted flags take Keycloak's mapper defaults. */
export interface CustomResourceRep {
  name?: string; userAttribute: string; claim: string; jsonType?: ClaimMapping['jsonType']; multivalued?: boolean;
  accessToken?: boolean; idToken?: boolean; userinfo?: boolean;
}
export interface CredentialRep {
  id?: string; type?: string; userLabel?: string; createdDate?: number; value?: string; temporary?: boolean;
  secretData?: string; credentialData?: string; priority?: number;
}
/** Keycloak's FederatedIdentityRepresentation: a user's account at an identity provider. */
export interface FederatedIdentityRep { identityProvider: string; userId: string; userName?: string }
export interface UserRep {
  id?: string; createdTimestamp?: number; username: string; enabled?: boolean; email?: string; emailVerified?: boolean;
  firstName?: string; lastName?: string; attributes?: Record<string, string[]>; credentials?: CredentialRep[];
  realmRoles?: string[]; clientRoles?: Record<string, string[]>; serviceAccountClientId?: string;
  federatedIdentities?: FederatedIdentityRep[];
  /** The groups the user is a member of, by path ("/staff/berlin"). */
  groups?: string[];
  requiredActions?: string[];
}
/** Keycloak's GroupRepresentation as a realm file has it: the tree, with each group's roles. */
export interface GroupRep {
  id?: string; name: string; path?: string; attributes?: Record<string, string[]>;
  realmRoles?: string[]; clientRoles?: Record<string, string[]>; subGroups?: GroupRep[];
}
export interface ScopeMappingRep { client?: string; clientScope?: string; roles?: string[] }
export interface ClientScopeRep {
  id?: string; name: string; description?: string; protocol?: string; attributes?: Attributes; protocolMappers?: MapperRep[];
}
export interface ComponentRep { id?: string; name?: string; providerId?: string; subComponents?: object; config?: Record<string, string[] | undefined> }

/** Keycloak's component that holds a realm's user profile, as JSON in one config value. */
export const USER_PROFILE_COMPONENT = 'org.keycloak.userprofile.UserProfileProvider';
const USER_PROFILE_CONFIG = 'kc.user.profile.config';

/** The user profile a realm file carries; undefined when it has none (Keycloak's default then). */
function userProfileOfRep(rep: RealmRep): UserProfileConfig | undefined {
  const text = rep.components?.[USER_PROFILE_COMPONENT]?.find((c) => c.config?.[USER_PROFILE_CONFIG])?.config?.[USER_PROFILE_CONFIG]?.[0];
  if (text === undefined) return undefined;
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw new Error(`the user profile (${USER_PROFILE_COMPONENT}'s ${USER_PROFILE_CONFIG}) is not JSON`);
  }
  const problem = userProfileProblem(config);
  if (problem) throw new Error(`the user profile (${USER_PROFILE_COMPONENT}): ${problem}`);
  return config as UserProfileConfig;
}

/** The user profile as Keycloak's export has it: its component. */
export const userProfileComponents = (config: UserProfileConfig): Record<string, ComponentRep[]> => ({
  [USER_PROFILE_COMPONENT]: [{ providerId: 'declarative-user-profile', subComponents: {}, config: { [USER_PROFILE_CONFIG]: [JSON.stringify(config)] } }],
});

export interface RealmRep {
  id?: string; realm: string; enabled?: boolean; displayName?: string; sslRequired?: string; accessTokenLifespan?: number;
  ssoSessionIdleTimeout?: number; ssoSessionMaxLifespan?: number; offlineSessionIdleTimeout?: number;
  ssoSessionIdleTimeoutRememberMe?: number; ssoSessionMaxLifespanRememberMe?: number;
  accessCodeLifespan?: number; defaultSignatureAlgorithm?: string; bruteForceProtected?: boolean;
  failureFactor?: number; waitIncrementSeconds?: number; maxFailureWaitSeconds?: number; maxDeltaTimeSeconds?: number; accountFailureCeiling?: number; defaultLocale?: string;
  internationalizationEnabled?: boolean; supportedLocales?: string[]; defaultRole?: RoleRep;
  defaultDefaultClientScopes?: string[]; defaultOptionalClientScopes?: string[]; clientScopes?: ClientScopeRep[];
  /** Keycloak's scope mappings: realm roles, and (clientScopeMappings) each client's roles, of clients and client scopes. */
  scopeMappings?: ScopeMappingRep[]; clientScopeMappings?: Record<string, ScopeMappingRep[]>;
  roles?: { realm?: RoleRep[]; client?: Record<string, RoleRep[]> }; clients?: ClientRep[]; users?: UserRep[]; groups?: GroupRep[];
  /** The groups every user created joins, by path. */
  defaultGroups?: string[];
  identityProviders?: IdentityProviderRep[]; identityProviderMappers?: IdentityProviderMapperRep[];
  keycloakVersion?: string;
  eventsEnabled?: boolean; eventsExpiration?: number; adminEventsEnabled?: boolean; adminEventsDetailsEnabled?: boolean;
  eventsListeners?: string[]; enabledEventTypes?: string[];
  revokeRefreshToken?: boolean; refreshTokenMaxReuse?: number; notBefore?: number;
  /** Keycloak's components by type; Latchkey reads the user profile's (USER_PROFILE_COMPONENT). */
  components?: Record<string, ComponentRep[] | undefined>;
  otpPolicyType?: string; otpPolicyAlgorithm?: string; otpPolicyDigits?: number; otpPolicyPeriod?: number;
  otpPolicyLookAheadWindow?: number; otpPolicyInitialCounter?: number; otpPolicyCodeReusable?: boolean;
  /** Keycloak's registered required actions (RequiredActionProviderRepresentation): those of its aliases Latchkey knows are read. */
  requiredActions?: unknown[];
  /** Keycloak's WebAuthn policies: webAuthnPolicy… (security keys) and webAuthnPolicyPasswordless… (passkeys), see WEBAUTHN_FIELDS. */
  [webAuthnField: `webAuthnPolicy${string}`]: unknown;
  registrationAllowed?: boolean; registrationEmailAsUsername?: boolean; resetPasswordAllowed?: boolean; verifyEmail?: boolean;
  loginWithEmailAllowed?: boolean; duplicateEmailsAllowed?: boolean; rememberMe?: boolean; editUsernameAllowed?: boolean;
  passwordPolicy?: string;
  actionTokenGeneratedByAdminLifespan?: number; actionTokenGeneratedByUserLifespan?: number;
  /** Keycloak's SMTP settings: strings, the password among them (`**********` from the admin API: the one stored). */
  smtpServer?: Record<string, string>;
  oauth2DeviceCodeLifespan?: number; oauth2DevicePollingInterval?: number;
  clientPolicies?: { policies?: ClientPolicy[] }; clientProfiles?: { profiles?: ClientProfile[] };
  /** Keycloak's realm attributes; Latchkey reads adminEventsExpiration and refreshTokenReuseGrace (seconds, as text) from them. */
  attributes?: Record<string, string | undefined> | null;
}


/** What to do with a realm that exists already: leave it (Keycloak's IGNORE_EXISTING), or replace it. */
export type ImportStrategy = 'skip' | 'overwrite';

export interface ImportProgress {
  /** Hashing plaintext passwords (before the transaction), then writing users. */
  phase: 'passwords' | 'users';
  done: number;
  total: number;
}

export interface ImportOptions {
  /** Default 'skip', as Keycloak does at start-up. */
  strategy?: ImportStrategy;
  /** Called as the slow parts advance: after every batch of users, every few hashed passwords. */
  onProgress?: (progress: ImportProgress) => void;
  /** Plaintext passwords hashed at once (default: the CPUs available). */
  hashConcurrency?: number;
}

export interface ImportResult {
  realm: string;
  skipped: boolean;
  /** An existing realm of that name was deleted and replaced (strategy overwrite). */
  overwritten: boolean;
  clients: number;
  users: number;
  /** Protocol mapper types in the file that Latchkey keeps but does not run. */
  unknownMappers?: string[];
  /** Rules of the file's password policy that Latchkey cannot apply (unknown, or a value that does not fit). */
  passwordPolicyProblems?: string[];
}

/** Users written per batch: one multi-row statement each for users, passwords and role grants. */
const USER_BATCH = 1000;

const isAlg = (v: string | undefined): v is SigningAlg => SIGNING_ALGS.includes(v as SigningAlg);
// Keycloak reads the value upper-cased (its SslRequired enum); an unknown one leaves the default.
const sslRequiredOf = (v: string | undefined): SslRequired | undefined =>
  SSL_REQUIRED.find((s) => s === v?.toLowerCase());
const num = (v: string | undefined): number | undefined => (v && /^\d+$/.test(v) ? Number(v) : undefined);
const bool = (v: string | undefined): boolean | undefined => (v === 'true' ? true : v === 'false' ? false : undefined);
const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export function realmSettings(rep: RealmRep): Partial<RealmSettings> {
  return defined({
    displayName: rep.displayName,
    sslRequired: sslRequiredOf(rep.sslRequired),
    accessTokenLifespan: rep.accessTokenLifespan,
    ssoSessionIdleTimeout: rep.ssoSessionIdleTimeout,
    ssoSessionMaxLifespan: rep.ssoSessionMaxLifespan,
    offlineSessionIdleTimeout: rep.offlineSessionIdleTimeout,
    ssoSessionIdleTimeoutRememberMe: rep.ssoSessionIdleTimeoutRememberMe,
    ssoSessionMaxLifespanRememberMe: rep.ssoSessionMaxLifespanRememberMe,
    accessCodeLifespan: rep.accessCodeLifespan,
    defaultSignatureAlgorithm: isAlg(rep.defaultSignatureAlgorithm) ? rep.defaultSignatureAlgorithm : undefined,
    bruteForceProtected: rep.bruteForceProtected,
    failureFactor: rep.failureFactor,
    waitIncrementSeconds: rep.waitIncrementSeconds,
    maxFailureWaitSeconds: rep.maxFailureWaitSeconds,
    maxDeltaTimeSeconds: rep.maxDeltaTimeSeconds,
    accountFailureCeiling: rep.accountFailureCeiling,
    defaultLocale: rep.defaultLocale,
    supportedLocales: rep.supportedLocales,
    defaultRoleName: rep.defaultRole?.name,
    defaultClientScopes: rep.defaultDefaultClientScopes && withBasic(rep, rep.defaultDefaultClientScopes),
    optionalClientScopes: rep.defaultOptionalClientScopes,
    // Keycloak writes null for what is unset.
    eventsEnabled: rep.eventsEnabled ?? undefined,
    eventsExpiration: rep.eventsExpiration ?? undefined,
    adminEventsEnabled: rep.adminEventsEnabled ?? undefined,
    adminEventsExpiration: num(rep.attributes?.adminEventsExpiration),
    revokeRefreshToken: rep.revokeRefreshToken ?? undefined,
    refreshTokenMaxReuse: rep.refreshTokenMaxReuse ?? undefined,
    refreshTokenReuseGrace: num(rep.attributes?.refreshTokenReuseGrace),
    otpPolicy: otpPolicyFrom(rep),
    otpRequired: flag(rep.attributes?.otpRequired),
    webAuthnPolicy: webAuthnPolicyFrom(rep, ''),
    webAuthnPolicyPasswordless: webAuthnPolicyFrom(rep, 'Passwordless'),
    passwordGrantWithSecondFactor: flag(rep.attributes?.passwordGrantWithSecondFactor),
    acrLoaMap: parseLoaMap(rep.attributes?.['acr.loa.map'] ?? undefined),
    requiredActions: requiredActionSettings(rep.requiredActions),
    ...selfServiceSettings(rep),
    passwordPolicy: rep.passwordPolicy ?? undefined,
    actionTokenGeneratedByAdminLifespan: rep.actionTokenGeneratedByAdminLifespan ?? undefined,
    actionTokenGeneratedByUserLifespan: rep.actionTokenGeneratedByUserLifespan ?? undefined,
    // With its password in clear: RealmService seals it before anything is stored.
    smtpServer: rep.smtpServer ? stringValues(rep.smtpServer) : undefined,
    // Keycloak keeps them as realm attributes and shows them beside the fields as well.
    oauth2DeviceCodeLifespan: rep.oauth2DeviceCodeLifespan ?? num(rep.attributes?.oauth2DeviceCodeLifespan),
    oauth2DevicePollingInterval: rep.oauth2DevicePollingInterval ?? num(rep.attributes?.oauth2DevicePollingInterval),
    parRequestUriLifespan: num(rep.attributes?.parRequestUriLifespan ?? undefined) || undefined,
    notBefore: rep.notBefore ?? undefined,
    userProfile: userProfileOfRep(rep),
    ...clientPoliciesOfRep(rep),
  });
}

/** A realm file's client policies and profiles; one Latchkey could not enforce is refused rather than kept unenforced. */
function clientPoliciesOfRep(rep: RealmRep): Pick<RealmSettings, 'clientPolicies' | 'clientProfiles'> {
  const policies = rep.clientPolicies?.policies ?? [];
  const profiles = rep.clientProfiles?.profiles ?? [];
  if (policies.length === 0 && profiles.length === 0) return {};
  const problem = clientPoliciesProblem(policies, profiles);
  if (problem) throw new Error(`the client policies: ${problem}`);
  return { clientPolicies: policies, clientProfiles: profiles };
}

const flag = (v: string | undefined | null): boolean | undefined => (v === 'true' ? true : v === 'false' ? false : undefined);
const OTP_TYPES = ['totp', 'hotp'] as const;
const OTP_ALGORITHMS = ['HmacSHA1', 'HmacSHA256', 'HmacSHA512'] as const;

/** The OTP policy fields a representation gives (an unknown type or algorithm is left out). */
function otpPolicyFrom(rep: RealmRep): Partial<OtpPolicy> | undefined {
  const policy = defined({
    type: OTP_TYPES.find((t) => t === rep.otpPolicyType),
    algorithm: OTP_ALGORITHMS.find((a) => a === rep.otpPolicyAlgorithm),
    digits: rep.otpPolicyDigits ?? undefined,
    period: rep.otpPolicyPeriod ?? undefined,
    lookAheadWindow: rep.otpPolicyLookAheadWindow ?? undefined,
    initialCounter: rep.otpPolicyInitialCounter ?? undefined,
    codeReusable: rep.otpPolicyCodeReusable ?? undefined,
  });
  return Object.keys(policy).length > 0 ? policy : undefined;
}

/** Keycloak's WebAuthn policy fields (after webAuthnPolicy or webAuthnPolicyPasswordless), and which values each takes. */
const WEBAUTHN_FIELDS = {
  RpEntityName: { key: 'rpEntityName', valid: (v: unknown) => typeof v === 'string' && v.length <= 255 },
  SignatureAlgorithms: { key: 'signatureAlgorithms', valid: (v: unknown) => Array.isArray(v) && v.every((a) => Object.hasOwn(COSE_ALGORITHMS, a)) },
  RpId: { key: 'rpId', valid: (v: unknown) => typeof v === 'string' && v.length <= 255 },
  AttestationConveyancePreference: { key: 'attestationConveyancePreference', valid: oneOf('not specified', 'none', 'indirect', 'direct', 'enterprise') },
  AuthenticatorAttachment: { key: 'authenticatorAttachment', valid: oneOf('not specified', 'platform', 'cross-platform') },
  RequireResidentKey: { key: 'requireResidentKey', valid: oneOf('not specified', 'Yes', 'No') },
  UserVerificationRequirement: { key: 'userVerificationRequirement', valid: oneOf('not specified', 'required', 'preferred', 'discouraged') },
  CreateTimeout: { key: 'createTimeout', valid: (v: unknown) => Number.isInteger(v) && (v as number) >= 0 },
  AvoidSameAuthenticatorRegister: { key: 'avoidSameAuthenticatorRegister', valid: (v: unknown) => typeof v === 'boolean' },
  AcceptableAaguids: { key: 'acceptableAaguids', valid: (v: unknown) => Array.isArray(v) && v.every((a) => typeof a === 'string') },
  ExtraOrigins: { key: 'extraOrigins', valid: (v: unknown) => Array.isArray(v) && v.every((o) => typeof o === 'string') },
} as const satisfies Record<string, { key: keyof WebAuthnPolicy; valid: (v: unknown) => boolean }>;

function oneOf(...values: string[]) {
  return (v: unknown) => typeof v === 'string' && values.includes(v);
}

/** The WebAuthn policy fields a representation gives (`prefix` '' or 'Passwordless'); a value Keycloak would not take is left out. */
function webAuthnPolicyFrom(rep: RealmRep, prefix: '' | 'Passwordless'): Partial<WebAuthnPolicy> | undefined {
  const policy: Record<string, unknown> = {};
  for (const [field, { key, valid }] of Object.entries(WEBAUTHN_FIELDS)) {
    const value = rep[`webAuthnPolicy${prefix}${field}`];
    if (valid(value)) policy[key] = value;
  }
  return Object.keys(policy).length > 0 ? policy as Partial<WebAuthnPolicy> : undefined;
}

/** Both WebAuthn policies as Keycloak's RealmRepresentation has them, defaults applied. */
export function realmWebAuthnFields(s: RealmSettings): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [prefix, passwordless] of [['', false], ['Passwordless', true]] as const) {
    const policy = webAuthnPolicyOf(s, passwordless);
    for (const [field, { key }] of Object.entries(WEBAUTHN_FIELDS)) fields[`webAuthnPolicy${prefix}${field}`] = policy[key];
  }
  return fields;
}

/**
 * The realm's multi-factor settings as Keycloak's RealmRepresentation has them: its OTP policy
 * (defaults applied) and the authenticator apps its CONFIGURE_TOTP page names; the attributes
 * are in realmEventFields, with the realm's others.
 */
export function realmOtpFields(s: RealmSettings) {
  const p = otpPolicyOf(s);
  return {
    otpPolicyType: p.type, otpPolicyAlgorithm: p.algorithm, otpPolicyDigits: p.digits, otpPolicyPeriod: p.period,
    otpPolicyLookAheadWindow: p.lookAheadWindow, otpPolicyInitialCounter: p.initialCounter, otpPolicyCodeReusable: p.codeReusable,
    otpSupportedApplications: ['totpAppFreeOTPName', 'totpAppGoogleName', 'totpAppMicrosoftAuthenticatorName'],
  };
}


/** Keycloak's self-service switches of a realm, and their defaults there. */
const SELF_SERVICE_DEFAULTS = {
  registrationAllowed: false, registrationEmailAsUsername: false, resetPasswordAllowed: false, verifyEmail: false,
  loginWithEmailAllowed: true, duplicateEmailsAllowed: false, rememberMe: false, editUsernameAllowed: false,
};
type SelfService = typeof SELF_SERVICE_DEFAULTS;

function selfServiceSettings(rep: RealmRep): Partial<SelfService> {
  const given: Partial<SelfService> = {};
  for (const key of Object.keys(SELF_SERVICE_DEFAULTS) as Array<keyof SelfService>) {
    if (typeof rep[key] === 'boolean') given[key] = rep[key];
  }
  return given;
}

/** Keycloak's defaults: seconds a mailed link works, sent by an administrator or asked for by the user. */
const ADMIN_LINK_LIFESPAN = 12 * 3600;
const USER_LINK_LIFESPAN = 300;

/** The self-service switches, password policy and link lifespans as Keycloak's RealmRepresentation has them, defaults applied. */
export function realmSelfServiceFields(s: RealmSettings) {
  const fields = { ...SELF_SERVICE_DEFAULTS };
  for (const key of Object.keys(fields) as Array<keyof SelfService>) fields[key] = s[key] ?? fields[key];
  return {
    ...fields,
    passwordPolicy: s.passwordPolicy || undefined,
    actionTokenGeneratedByAdminLifespan: s.actionTokenGeneratedByAdminLifespan ?? ADMIN_LINK_LIFESPAN,
    actionTokenGeneratedByUserLifespan: s.actionTokenGeneratedByUserLifespan ?? USER_LINK_LIFESPAN,
  };
}

/** Keycloak's smtpServer is a map of strings; a file may hold numbers and booleans (a port, ssl) where strings belong. */
const stringValues = (map: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(map).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)]));

/**
 * The realm's event settings as Keycloak's RealmRepresentation has them, defaults applied
 * (see eventSettings): admin events' retention is one of its attributes there. Admin events
 * never hold request bodies, and every event type is recorded.
 */
export function realmEventFields(s: RealmSettings) {
  const e = eventSettings(s);
  return {
    eventsEnabled: e.eventsEnabled,
    eventsExpiration: e.eventsExpiration,
    eventsListeners: [...EVENT_LISTENERS],
    enabledEventTypes: [] as string[],
    adminEventsEnabled: e.adminEventsEnabled,
    adminEventsDetailsEnabled: false,
    // The refresh token grace rides here too: the realm's attributes are one object.
    attributes: {
      adminEventsExpiration: String(e.adminEventsExpiration), refreshTokenReuseGrace: String(refreshTokenRules(s).refreshTokenReuseGrace),
      parRequestUriLifespan: String(parRequestUriLifespan(s)),
      // And the multi-factor settings Keycloak keeps as attributes, or that are Latchkey's own (when on).
      ...(s.otpRequired ? { otpRequired: 'true' } : {}),
      ...(s.passwordGrantWithSecondFactor ? { passwordGrantWithSecondFactor: 'true' } : {}),
      ...(s.acrLoaMap ? { 'acr.loa.map': JSON.stringify(s.acrLoaMap) } : {}),
    },
  };
}

/** Keycloak's refresh token settings as its RealmRepresentation has them, defaults applied. */
export function realmRefreshFields(s: RealmSettings) {
  const { revokeRefreshToken, refreshTokenMaxReuse } = refreshTokenRules(s);
  return { revokeRefreshToken, refreshTokenMaxReuse };
}

/** Latchkey's client attributes for seed 001's "Support OpenID Connect" and "Support API access". */
export const OIDC_ATTRIBUTE = 'latchkey.oidc';
export const API_ACCESS_ATTRIBUTE = 'latchkey.api.access';
const POST_LOGOUT_ATTRIBUTE = 'post.logout.redirect.uris';
/** Keycloak's client attributes of the logout and device specs, by the setting each carries. */
const LOGOUT_ATTRIBUTES = {
  backchannelLogoutUrl: 'backchannel.logout.url',
  backchannelLogoutSessionRequired: 'backchannel.logout.session.required',
  backchannelLogoutRevokeOfflineTokens: 'backchannel.logout.revoke.offline.tokens',
  frontchannelLogoutUrl: 'frontchannel.logout.url',
  frontchannelLogoutSessionRequired: 'frontchannel.logout.session.required',
  deviceGrant: 'oauth2.device.authorization.grant.enabled',
} as const;
const STRING_ATTRIBUTES = ['backchannelLogoutUrl', 'frontchannelLogoutUrl'] as const;
const BOOLEAN_ATTRIBUTES = ['backchannelLogoutSessionRequired', 'backchannelLogoutRevokeOfflineTokens', 'frontchannelLogoutSessionRequired', 'deviceGrant'] as const;

/** Where, in Keycloak's client representation, the settings clientSettingsProblem names are given. */
export const CLIENT_FIELDS = { apiAccess: `attributes.${API_ACCESS_ATTRIBUTE}`, postLogoutRedirectUris: `attributes.${POST_LOGOUT_ATTRIBUTE}` };

/** Client attributes the importer turns into settings; the export writes them back from the settings. */
export const INTERPRETED_ATTRIBUTES = new Set([
  'pkce.code.challenge.method', 'use.refresh.tokens', POST_LOGOUT_ATTRIBUTE, 'access.token.lifespan',
  'access.token.signed.response.alg', 'id.token.signed.response.alg', 'logoUri', OIDC_ATTRIBUTE, API_ACCESS_ATTRIBUTE,
  ...Object.values(LOGOUT_ATTRIBUTES),
]);

/**
 * The attributes that carry the settings clientSettings interprets, beside those kept as they
 * came; unset settings are left out. Seed 001's two switches are Latchkey attributes, which
 * Keycloak keeps and ignores, so a realm file goes there and back.
 */
export function settingsAttributes(s: ClientSettings): Record<string, string> {
  const attributes: Record<string, string> = { ...s.extraAttributes };
  if (s.pkceMethod) attributes['pkce.code.challenge.method'] = s.pkceMethod;
  attributes['use.refresh.tokens'] = String(s.refreshTokens);
  if (s.postLogoutRedirectUris.length > 0) attributes[POST_LOGOUT_ATTRIBUTE] = s.postLogoutRedirectUris.join('##');
  if (s.accessTokenLifespan !== undefined) attributes['access.token.lifespan'] = String(s.accessTokenLifespan);
  if (s.accessTokenAlg) attributes['access.token.signed.response.alg'] = s.accessTokenAlg;
  if (s.idTokenAlg) attributes['id.token.signed.response.alg'] = s.idTokenAlg;
  if (s.logoUri) attributes.logoUri = s.logoUri;
  for (const key of [...STRING_ATTRIBUTES, ...BOOLEAN_ATTRIBUTES]) {
    if (s[key] !== undefined) attributes[LOGOUT_ATTRIBUTES[key]] = String(s[key]);
  }
  attributes[OIDC_ATTRIBUTE] = String(supportsOpenIdConnect(s));
  attributes[API_ACCESS_ATTRIBUTE] = String(supportsApiAccess(s));
  return attributes;
}

/** Keycloak's protocol mappers as kept: every field as given, an id made where there is none. */
export function mapperRecords(reps: MapperRep[] = []): ProtocolMapperRecord[] {
  return reps.map((m) => ({
    id: m.id ?? newId(),
    name: m.name ?? m.config?.['claim.name'] ?? m.protocolMapper ?? '',
    protocol: m.protocol ?? OIDC_PROTOCOL,
    protocolMapper: m.protocolMapper ?? '',
    ...(m.consentRequired !== undefined ? { consentRequired: m.consentRequired } : {}),
    config: Object.fromEntries(Object.entries(m.config ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string')),
  }));
}

/** Keycloak's ClientScopeRepresentation of a client scope, as the admin API and an export give it. */
export function clientScopeRep(scope: ClientScopeRecord): ClientScopeRep & { id: string; protocolMappers: ProtocolMapperRecord[] } {
  return {
    id: scope.id,
    name: scope.name,
    ...(scope.description !== null ? { description: scope.description } : {}),
    protocol: scope.protocol,
    attributes: scope.attributes,
    protocolMappers: scope.protocolMappers,
  };
}

/**
 * A realm file's client scopes, or undefined for Keycloak's built-in ones (a file without
 * any). Keycloak 25 brought the `basic` scope (sub, auth_time) and added it to older realms
 * as it migrated them: a file from before it gets it here.
 */
export function clientScopesOf(rep: RealmRep): NewClientScope[] | undefined {
  if (!rep.clientScopes) return undefined;
  const scopes: NewClientScope[] = rep.clientScopes.map((s) => ({
    id: s.id, name: s.name, description: s.description ?? null, protocol: s.protocol ?? OIDC_PROTOCOL,
    attributes: Object.fromEntries(Object.entries(s.attributes ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string')),
    protocolMappers: mapperRecords(s.protocolMappers),
  }));
  if (needsBasicScope(rep)) scopes.push(BUILT_IN_SCOPES.find((s) => s.name === BASIC_SCOPE)!);
  return scopes;
}

const BASIC_SCOPE = 'basic';
const needsBasicScope = (rep: RealmRep): boolean =>
  rep.clientScopes !== undefined && !rep.clientScopes.some((s) => s.name === BASIC_SCOPE)
  && Number(rep.keycloakVersion?.split('.')[0]) < 25;

const withBasic = (rep: RealmRep, scopes: string[]): string[] =>
  needsBasicScope(rep) && !scopes.includes(BASIC_SCOPE) ? [...scopes, BASIC_SCOPE] : scopes;

/** What an import tells whoever ran it beside its counts: the mapper types it kept without running them. */
export const importNotes = (r: ImportResult): string[] => [
  ...(r.unknownMappers ?? []).map((type) => `realm ${r.realm}: protocol mapper type ${type} is kept but does nothing in Latchkey`),
  ...(r.passwordPolicyProblems ?? []).map((problem) => `realm ${r.realm}: password policy: ${problem}; the rule is kept but not applied`),
];

/** Mapper types a realm file has that Latchkey does not run: kept, and said once. */
export function unknownMapperTypes(rep: RealmRep): string[] {
  const all = [...(rep.clientScopes ?? []).flatMap((s) => s.protocolMappers ?? []), ...(rep.clients ?? []).flatMap((c) => c.protocolMappers ?? [])];
  return [...new Set(mapperRecords(all).filter((m) => !isKnownMapper(m)).map((m) => m.protocolMapper))];
}

export function clientSettings(rep: ClientRep): Partial<ClientSettings> {
  const a = rep.attributes ?? {};
  const pkce = a['pkce.code.challenge.method'];
  const mappers = mapperRecords(rep.protocolMappers);
  const bearerOnly = rep.bearerOnly === true;
  return defined({
    name: rep.name,
    description: rep.description,
    standardFlow: bearerOnly ? false : rep.standardFlowEnabled ?? true,
    implicitFlow: bearerOnly ? false : rep.implicitFlowEnabled ?? false,
    directAccessGrants: bearerOnly ? false : rep.directAccessGrantsEnabled ?? false,
    serviceAccounts: bearerOnly ? false : rep.serviceAccountsEnabled ?? false,
    consentRequired: rep.consentRequired ?? false,
    clientAuthenticatorType: rep.clientAuthenticatorType,
    openIdConnect: a[OIDC_ATTRIBUTE] !== 'false',
    apiAccess: a[API_ACCESS_ATTRIBUTE] !== 'false',
    pkceMethod: pkce === 'plain' || pkce === 'S256' ? (pkce as PkceMethod) : null,
    refreshTokens: a['use.refresh.tokens'] !== 'false',
    logoUri: (rep.logoUri ?? a.logoUri) || undefined,
    redirectUris: rep.redirectUris ?? [],
    postLogoutRedirectUris: (a[POST_LOGOUT_ATTRIBUTE] ?? '').split('##').filter(Boolean),
    webOrigins: rep.webOrigins ?? [],
    accessTokenLifespan: num(a['access.token.lifespan']),
    accessTokenAlg: isAlg(a['access.token.signed.response.alg']) ? a['access.token.signed.response.alg'] : undefined,
    idTokenAlg: isAlg(a['id.token.signed.response.alg']) ? a['id.token.signed.response.alg'] : undefined,
    // Unset, a client gets the realm's default and optional scopes as it is created.
    defaultScopes: rep.defaultClientScopes,
    optionalScopes: rep.optionalClientScopes,
    fullScopeAllowed: rep.fullScopeAllowed,
    // Given as customResources, they replace the user attribute mappers among the protocol mappers.
    protocolMappers: rep.customResources ? withCustomResources(mappers, rep.customResources.map((r): ClaimMapping => ({
      name: r.name ?? r.claim, userAttribute: r.userAttribute, claim: r.claim, jsonType: r.jsonType ?? 'String',
      multivalued: r.multivalued ?? false, accessToken: r.accessToken ?? true, idToken: r.idToken ?? true, userinfo: r.userinfo ?? true,
    })), newId) : mappers,
    consentTexts: rep.consentTexts,
    registeredNodes: rep.registeredNodes && Object.keys(rep.registeredNodes).length > 0 ? rep.registeredNodes : undefined,
    frontchannelLogout: rep.frontchannelLogout,
    ...Object.fromEntries(STRING_ATTRIBUTES.map((k) => [k, a[LOGOUT_ATTRIBUTES[k]] || undefined])),
    ...Object.fromEntries(BOOLEAN_ATTRIBUTES.map((k) => [k, bool(a[LOGOUT_ATTRIBUTES[k]])])),
    notBefore: rep.notBefore || undefined,
    extraAttributes: Object.fromEntries(
      Object.entries(a).filter((e): e is [string, string] => typeof e[1] === 'string' && !INTERPRETED_ATTRIBUTES.has(e[0])),
    ),
  });
}

/**
 * A client's secrets: Keycloak's one `secret`, and Latchkey's `secrets` with expiry. An
 * export of Latchkey's carries both, `secret` being one of `secrets`: it is kept once.
 */
function secretsOf(c: ClientRep): SecretRep[] {
  const list = (c.secrets ?? []).map((s) => ({ value: s.value, expiresAt: s.expiresAt ?? null, label: s.label ?? null }));
  if (c.secret && !list.some((s) => s.value === c.secret)) list.unshift({ value: c.secret, expiresAt: null, label: null });
  return list;
}

/** A user's attributes as Keycloak's representation has them: the phone number as phoneNumber, none left out. */
export function keycloakAttributes(user: Pick<UserRecord, 'phoneNumber' | 'attributes'>): Record<string, string[]> | undefined {
  // Users stored before the phone number was taken out of the attributes may still have one there: the field wins.
  const { phoneNumber: _stored, ...others } = user.attributes;
  const attributes = user.phoneNumber ? { ...others, phoneNumber: [user.phoneNumber] } : others;
  return Object.keys(attributes).length > 0 ? attributes : undefined;
}

/**
 * The required actions Latchkey carries out among those a representation names, and
 * UPDATE_PASSWORD for a temporary password, as Keycloak makes of one. Others (VERIFY_EMAIL,
 * CONFIGURE_TOTP, …) are left out: Latchkey has no page for them.
 */
export function requiredActionsOf(user: Pick<UserRep, 'requiredActions' | 'credentials'>): RequiredAction[] {
  const named = new Set(user.requiredActions ?? []);
  if (user.credentials?.some((c) => (c.type ?? 'password') === 'password' && c.temporary === true)) named.add('UPDATE_PASSWORD');
  return REQUIRED_ACTIONS.filter((a) => named.has(a));
}

/** A password the file gives: plaintext (to hash) or a Keycloak hash (kept as it is). */
function passwordOf(user: UserRep): StoredPassword | string | undefined {
  const cred = user.credentials?.find((c) => (c.type ?? 'password') === 'password');
  if (!cred) return undefined;
  if (typeof cred.value === 'string') return cred.value;
  if (cred.secretData && cred.credentialData) {
    try {
      return fromKeycloakCredential(cred.secretData, cred.credentialData);
    } catch (err) {
      throw new Error(`user ${user.username}: ${(err as Error).message}`);
    }
  }
  throw new Error(`user ${user.username}: password credential has neither a value nor secretData/credentialData`);
}

// ---- checking the file --------------------------------------------------------------

/** Representations checked already (a 100,000-user file takes a while): not checked twice. */
const checked = new WeakSet<object>();
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * Checks the shape of what the importer reads before anything is written, so that a
 * broken file is refused with a message naming what is wrong rather than half imported.
 */
export function checkRealmRep(rep: unknown): asserts rep is RealmRep {
  if (typeof rep === 'object' && rep !== null && checked.has(rep)) return;
  const fail = (why: string): never => { throw new Error(`not a Keycloak realm representation: ${why}`); };
  if (Array.isArray(rep)) fail(`the file holds a list of ${rep.length} realms; give each realm a file of its own`);
  if (!isObject(rep)) fail('the file does not hold a JSON object');
  const r = rep as Record<string, unknown>;
  if (typeof r.realm !== 'string' || r.realm === '') fail('"realm" (the realm\'s name) is missing');
  if (!REALM_NAME.test(r.realm as string)) fail('"realm" must be one path segment of letters, digits, . _ and -, not dots alone');
  const list = (key: string): unknown[] => {
    const v = r[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) fail(`"${key}" is not a list`);
    return v as unknown[];
  };
  for (const key of ['eventsEnabled', 'adminEventsEnabled']) {
    if (r[key] !== undefined && r[key] !== null && typeof r[key] !== 'boolean') fail(`"${key}" is not true or false`);
  }
  if (r.eventsExpiration !== undefined && r.eventsExpiration !== null && !(Number.isInteger(r.eventsExpiration) && (r.eventsExpiration as number) >= 0)) {
    fail('"eventsExpiration" is not a number of seconds');
  }
  if (r.attributes !== undefined && r.attributes !== null && !isObject(r.attributes)) fail('"attributes" is not an object');
  for (const key of Object.keys(SELF_SERVICE_DEFAULTS)) {
    if (r[key] !== undefined && r[key] !== null && typeof r[key] !== 'boolean') fail(`"${key}" is not true or false`);
  }
  if (r.passwordPolicy !== undefined && r.passwordPolicy !== null && typeof r.passwordPolicy !== 'string') fail('"passwordPolicy" is not a string');
  for (const key of ['actionTokenGeneratedByAdminLifespan', 'actionTokenGeneratedByUserLifespan']) {
    if (r[key] !== undefined && r[key] !== null && !(Number.isInteger(r[key]) && (r[key] as number) > 0)) fail(`"${key}" is not a number of seconds`);
  }
  if (r.smtpServer !== undefined && r.smtpServer !== null && (!isObject(r.smtpServer)
    || !Object.values(r.smtpServer).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v)))) {
    fail('"smtpServer" is not an object of strings');
  }
  for (const key of ['supportedLocales', 'defaultDefaultClientScopes', 'defaultOptionalClientScopes']) {
    if (r[key] !== undefined && !isStringArray(r[key])) fail(`"${key}" is not a list of strings`);
  }
  for (const [i, a] of list('requiredActions').entries()) {
    if (!isObject(a) || typeof a.alias !== 'string') fail(`requiredActions[${i}]: a required action without an "alias"`);
  }
  const checkRole = (role: unknown, where: string) => {
    if (!isObject(role) || typeof role.name !== 'string') fail(`${where}: a role without a "name"`);
    const c = (role as RoleRep).composites;
    if (c !== undefined && (!isObject(c) || (c.realm !== undefined && !isStringArray(c.realm))
      || (c.client !== undefined && (!isObject(c.client) || !Object.values(c.client).every(isStringArray))))) {
      fail(`${where}: role ${(role as RoleRep).name} has malformed "composites"`);
    }
  };
  if (r.roles !== undefined) {
    if (!isObject(r.roles)) fail('"roles" is not an object');
    const roles = r.roles as Record<string, unknown>;
    if (roles.realm !== undefined) {
      if (!Array.isArray(roles.realm)) fail('"roles.realm" is not a list');
      for (const role of roles.realm as unknown[]) checkRole(role, 'roles.realm');
    }
    if (roles.client !== undefined) {
      if (!isObject(roles.client)) fail('"roles.client" is not an object');
      for (const [clientId, list] of Object.entries(roles.client as Record<string, unknown>)) {
        if (!Array.isArray(list)) fail(`"roles.client.${clientId}" is not a list`);
        for (const role of list as unknown[]) checkRole(role, `roles.client.${clientId}`);
      }
    }
  }
  const clientIds = new Set<string>();
  for (const [i, c] of list('clients').entries()) {
    if (!isObject(c) || typeof c.clientId !== 'string' || c.clientId === '') fail(`clients[${i}] has no "clientId"`);
    const client = c as unknown as ClientRep;
    if (clientIds.has(client.clientId)) fail(`client ${client.clientId} appears twice`);
    clientIds.add(client.clientId);
    for (const key of ['redirectUris', 'webOrigins', 'defaultClientScopes', 'optionalClientScopes'] as const) {
      if (client[key] !== undefined && !isStringArray(client[key])) fail(`client ${client.clientId}: "${key}" is not a list of strings`);
    }
    if (client.attributes !== undefined && !isObject(client.attributes)) fail(`client ${client.clientId}: "attributes" is not an object`);
    if (client.protocolMappers !== undefined && !Array.isArray(client.protocolMappers)) {
      fail(`client ${client.clientId}: "protocolMappers" is not a list`);
    }
    const found = clientSettingsProblem({ ...defaultClientSettings(), ...clientSettings(client) }, CLIENT_FIELDS);
    if (found) fail(`client ${client.clientId}: ${found.field}: ${found.problem}`);
    if (client.secrets !== undefined && (!Array.isArray(client.secrets) || !client.secrets.every((s) =>
      isObject(s) && typeof s.value === 'string' && s.value !== ''
      && (s.expiresAt === undefined || s.expiresAt === null || Number.isInteger(s.expiresAt))))) {
      fail(`client ${client.clientId}: "secrets" must be a list of {value, expiresAt?: seconds, label?}`);
    }
  }
  const aliases = new Set<string>();
  for (const [i, p] of list('identityProviders').entries()) {
    if (!isObject(p) || typeof p.alias !== 'string' || p.alias === '') fail(`identityProviders[${i}] has no "alias"`);
    const provider = p as unknown as IdentityProviderRep;
    if (aliases.has(provider.alias)) fail(`identity provider ${provider.alias} appears twice`);
    aliases.add(provider.alias);
    if (provider.config !== undefined && (!isObject(provider.config) || !Object.values(provider.config).every((v) => typeof v === 'string'))) {
      fail(`identity provider ${provider.alias}: "config" is not an object of strings`);
    }
    if (provider.claimMappers !== undefined && (!Array.isArray(provider.claimMappers)
      || !provider.claimMappers.every((m) => isObject(m) && typeof m.claim === 'string' && typeof m.userAttribute === 'string'))) {
      fail(`identity provider ${provider.alias}: "claimMappers" must be a list of {claim, userAttribute}`);
    }
  }
  for (const [i, m] of list('identityProviderMappers').entries()) {
    if (!isObject(m) || typeof m.identityProviderAlias !== 'string') fail(`identityProviderMappers[${i}] has no "identityProviderAlias"`);
    const mapper = m as IdentityProviderMapperRep;
    if (mapper.config !== undefined && (!isObject(mapper.config) || !Object.values(mapper.config).every((v) => typeof v === 'string'))) {
      fail(`identityProviderMappers[${i}]: "config" is not an object of strings`);
    }
  }
  const checkGroups = (groups: unknown, where: string) => {
    if (groups === undefined) return;
    if (!Array.isArray(groups)) fail(`"${where}" is not a list`);
    const names = new Set<string>();
    for (const [i, g] of (groups as unknown[]).entries()) {
      if (!isObject(g) || typeof g.name !== 'string' || g.name === '') fail(`${where}[${i}] has no "name"`);
      const group = g as unknown as GroupRep;
      // A slash would make the group's path name another group.
      if (group.name.includes('/')) fail(`group ${group.name}: a group's name cannot hold a "/"`);
      if (names.has(group.name)) fail(`group ${group.name} appears twice in ${where}`);
      names.add(group.name);
      if (group.id !== undefined && (typeof group.id !== 'string' || group.id === '')) fail(`group ${group.name}: "id" is not a string`);
      if (group.realmRoles !== undefined && !isStringArray(group.realmRoles)) fail(`group ${group.name}: "realmRoles" is not a list of strings`);
      if (group.clientRoles !== undefined && (!isObject(group.clientRoles) || !Object.values(group.clientRoles).every(isStringArray))) {
        fail(`group ${group.name}: "clientRoles" is not an object of lists of role names`);
      }
      if (group.attributes !== undefined && (!isObject(group.attributes) || !Object.values(group.attributes).every(isStringArray))) {
        fail(`group ${group.name}: "attributes" is not an object of lists of strings`);
      }
      checkGroups(group.subGroups, `${where}[${i}].subGroups`);
    }
  };
  checkGroups(r.groups, 'groups');
  if (r.defaultGroups !== undefined && !isStringArray(r.defaultGroups)) fail('"defaultGroups" is not a list of group paths');
  const usernames = new Set<string>();
  const ids = new Set<string>();
  for (const [i, u] of list('users').entries()) {
    if (!isObject(u) || typeof u.username !== 'string' || u.username === '') fail(`users[${i}] has no "username"`);
    const user = u as unknown as UserRep;
    const lower = user.username.toLowerCase();
    if (usernames.has(lower)) fail(`user ${user.username} appears twice (usernames are unique regardless of case)`);
    usernames.add(lower);
    if (user.id !== undefined) {
      if (typeof user.id !== 'string' || user.id === '') fail(`user ${user.username}: "id" is not a string`);
      if (ids.has(user.id)) fail(`user id ${user.id} appears twice`);
      ids.add(user.id);
    }
    if (user.realmRoles !== undefined && !isStringArray(user.realmRoles)) fail(`user ${user.username}: "realmRoles" is not a list of strings`);
    if (user.requiredActions !== undefined && !isStringArray(user.requiredActions)) fail(`user ${user.username}: "requiredActions" is not a list of strings`);
    if (user.groups !== undefined && !isStringArray(user.groups)) fail(`user ${user.username}: "groups" is not a list of group paths`);
    if (user.clientRoles !== undefined && (!isObject(user.clientRoles) || !Object.values(user.clientRoles).every(isStringArray))) {
      fail(`user ${user.username}: "clientRoles" is not an object of lists of role names`);
    }
    if (user.attributes !== undefined && (!isObject(user.attributes) || !Object.values(user.attributes).every(isStringArray))) {
      fail(`user ${user.username}: "attributes" is not an object of lists of strings`);
    }
    if ((user.attributes?.phoneNumber?.[0]?.length ?? 0) > MAX_PHONE_NUMBER) {
      fail(`user ${user.username}: "attributes.phoneNumber" is longer than ${MAX_PHONE_NUMBER} characters`);
    }
    if (user.credentials !== undefined && (!Array.isArray(user.credentials) || !user.credentials.every(isObject))) {
      fail(`user ${user.username}: "credentials" is not a list of objects`);
    }
    if (user.federatedIdentities !== undefined && (!Array.isArray(user.federatedIdentities) || !user.federatedIdentities.every((f) =>
      isObject(f) && typeof f.identityProvider === 'string' && typeof f.userId === 'string' && f.userId !== ''))) {
      fail(`user ${user.username}: "federatedIdentities" must be a list of {identityProvider, userId, userName}`);
    }
  }
  checked.add(rep as object);
}

// ---- importing ----------------------------------------------------------------------

/** Runs fn over items, at most `limit` at a time, in order of start. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>, onDone: (done: number) => void): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
      onDone(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Calls onProgress at most every 200 ms, and always for the last item. */
function throttled(onProgress: ImportOptions['onProgress']): (p: ImportProgress) => void {
  if (!onProgress) return () => {};
  let last = 0;
  return (p) => {
    const t = Date.now();
    if (p.done === p.total || t - last >= 200) {
      last = t;
      onProgress(p);
    }
  };
}

/** The passwords of the file's users, plaintext ones hashed (several at once, before the transaction). */
async function preparePasswords(users: UserRep[], opts: ImportOptions): Promise<Array<StoredPassword | undefined>> {
  const given = users.map(passwordOf);
  const plain = given.map((p, i) => [p, i] as const).filter((e): e is readonly [string, number] => typeof e[0] === 'string');
  const result = given.map((p) => (typeof p === 'string' ? undefined : p));
  if (plain.length === 0) return result;
  const progress = throttled(opts.onProgress);
  const hashed = await mapLimit(plain, opts.hashConcurrency ?? availableParallelism(), ([value]) => hashPassword(value),
    (done) => progress({ phase: 'passwords', done, total: plain.length }));
  plain.forEach(([, i], k) => { result[i] = hashed[k]; });
  return result;
}

const roleKey = (clientUuid: string | null, name: string) => `${clientUuid ?? ''}\u0000${name}`;

/** Everything below the realm itself, inside the import's transaction. */
async function importContents(domain: Domain, tx: Store, realm: RealmRecord, rep: RealmRep,
  passwords: Array<StoredPassword | undefined>, opts: ImportOptions): Promise<{ clients: ClientRecord[]; users: number }> {
  // Clients. One the realm's creation made already (e.g. a built-in one) takes the file's settings.
  const clients = new Map<string, ClientRecord>();
  for (const c of rep.clients ?? []) {
    if (c.protocol && c.protocol !== 'openid-connect') continue;
    const existing = await tx.clients.getByClientId(realm.id, c.clientId);
    const record: ClientRecord = {
      id: existing?.id ?? c.id ?? newId(),
      realmId: realm.id,
      clientId: c.clientId,
      enabled: c.enabled ?? true,
      publicClient: c.publicClient === true,
      settings: { ...defaultClientSettings(realm), ...clientSettings({ ...c, defaultClientScopes: c.defaultClientScopes && withBasic(rep, c.defaultClientScopes) }) },
      createdAt: existing?.createdAt ?? now(),
    };
    let secrets = record.publicClient ? [] : secretsOf(c);
    if (existing) {
      await tx.clients.update(record);
      if (secrets.length > 0 || record.publicClient) {
        for (const s of await tx.clientSecrets.listByClient(record.id)) await tx.clientSecrets.delete(s.id);
      }
    } else {
      await tx.clients.insert(record);
      // As when a client is created: a confidential client always has a secret.
      if (!record.publicClient && secrets.length === 0) secrets = [{ value: randomToken(), expiresAt: null, label: null }];
    }
    // Creation times a second apart keep the file's order, which is the order secrets are listed and exported in.
    const base = now() - secrets.length;
    for (const [i, s] of secrets.entries()) {
      await tx.clientSecrets.insert({
        id: newId(), clientId: record.id, sealedValue: await domain.box.seal(s.value), label: s.label ?? null,
        createdAt: base + i, expiresAt: s.expiresAt ?? null,
      });
    }
    clients.set(c.clientId, record);
  }
  const clientUuid = (clientId: string, context: string) => {
    const client = clients.get(clientId);
    if (!client) throw new Error(`${context}: unknown client "${clientId}"`);
    return client.id;
  };

  // Roles, each created unless the realm has it already (the default roles, and any built-in
  // ones the realm's creation makes); composites once every role exists.
  const roleIds = new Map((await tx.roles.listByRealm(realm.id)).map((r) => [roleKey(r.clientId, r.name), r.id]));
  const ensureRole = async (owner: string | null, name: string, description: string | null) => {
    if (roleIds.has(roleKey(owner, name))) return;
    const id = newId();
    await tx.roles.insert({ id, realmId: realm.id, clientId: owner, name, description });
    roleIds.set(roleKey(owner, name), id);
  };
  const realmRoles = rep.roles?.realm ?? [];
  const clientRoles = Object.entries(rep.roles?.client ?? {}).filter(([clientId]) => clients.has(clientId));
  for (const role of realmRoles) await ensureRole(null, role.name, role.description ?? null);
  for (const [clientId, roles] of clientRoles) {
    for (const role of roles) await ensureRole(clients.get(clientId)!.id, role.name, role.description ?? null);
  }
  const idOf = (clientId: string | null, name: string, context: string): string => {
    const owner = clientId === null ? null : clientUuid(clientId, context);
    const id = roleIds.get(roleKey(owner, name));
    if (!id) throw new Error(`${context}: unknown ${clientId ? `client role ${clientId}/` : 'realm role '}${name}`);
    return id;
  };
  const composites = [...realmRoles.map((r) => [null, r] as const), ...clientRoles.flatMap(([c, rs]) => rs.map((r) => [c, r] as const))];
  for (const [clientId, role] of composites) {
    const parent = idOf(clientId, role.name, `role ${role.name}`);
    for (const child of role.composites?.realm ?? []) await tx.roles.addComposite(parent, idOf(null, child, `composite of ${role.name}`));
    for (const [childClient, names] of Object.entries(role.composites?.client ?? {})) {
      if (!clients.has(childClient)) continue;
      for (const child of names) await tx.roles.addComposite(parent, idOf(childClient, child, `composite of ${role.name}`));
    }
  }

  // Scope mappings: the roles a client whose full scope is off, or a client scope, lets into tokens.
  // A role or holder the file does not have is passed over, as the realm has nothing to map.
  const mapped = new Map<string, string[]>();
  const addMappings = (mappings: ScopeMappingRep[], owner: string | null) => {
    for (const m of mappings) {
      const holder = m.clientScope !== undefined ? `scope\u0000${m.clientScope}` : `client\u0000${m.client}`;
      const ids = (m.roles ?? []).map((name) => roleIds.get(roleKey(owner, name))).filter((id): id is string => id !== undefined);
      mapped.set(holder, [...(mapped.get(holder) ?? []), ...ids]);
    }
  };
  addMappings(rep.scopeMappings ?? [], null);
  for (const [clientId, mappings] of Object.entries(rep.clientScopeMappings ?? {})) {
    if (clients.has(clientId)) addMappings(mappings, clients.get(clientId)!.id);
  }
  for (const [holder, ids] of mapped) {
    const [kind, name] = holder.split('\u0000');
    if (kind === 'scope') {
      const scope = await tx.clientScopes.getByName(realm.id, name);
      if (scope) await tx.clientScopes.update({ ...scope, scopeMappings: [...new Set(ids)] });
    } else if (clients.has(name)) {
      const client = clients.get(name)!;
      const updated = { ...client, settings: { ...client.settings, scopeMappings: [...new Set(ids)] } };
      await tx.clients.update(updated);
      clients.set(name, updated);
    }
  }

  // Groups, parents before their subgroups, each with its roles; users join them by path below.
  const groupIds = new Map<string, string>();
  const importGroups = async (groups: GroupRep[], parent: { id: string; names: string[] } | null) => {
    for (const g of groups) {
      const names = [...(parent?.names ?? []), g.name];
      const path = groupPath(names);
      const group = await domain.groups.create(tx, realm, { id: g.id, name: g.name, parentId: parent?.id ?? null, attributes: g.attributes });
      groupIds.set(path, group.id);
      for (const name of g.realmRoles ?? []) await domain.groups.grantRole(tx, group.id, idOf(null, name, `group ${path}`));
      for (const [clientId, roles] of Object.entries(g.clientRoles ?? {})) {
        if (!clients.has(clientId)) continue;
        for (const name of roles) await domain.groups.grantRole(tx, group.id, idOf(clientId, name, `group ${path}`));
      }
      await importGroups(g.subGroups ?? [], { id: group.id, names });
    }
  };
  await importGroups(rep.groups ?? [], null);
  const groupIdOf = (path: string, context: string): string => {
    const id = groupIds.get(groupPath(pathNames(path)));
    if (!id) throw new Error(`${context}: unknown group ${path}`);
    return id;
  };
  // Keycloak's default groups, by path: every user created later joins them.
  if (rep.defaultGroups?.length) {
    const defaultGroupIds = rep.defaultGroups.map((path) => groupIdOf(path, 'defaultGroups'));
    await tx.realms.update({ ...realm, settings: { ...realm.settings, defaultGroupIds } });
  }

  // Identity providers (OpenID Connect ones), read as Keycloak reads them. Their metadata is not
  // fetched: an import must not depend on the provider being reachable. A sign-in checks it.
  const providers = new Map<string, string>();
  for (const p of rep.identityProviders ?? []) {
    if (!OIDC_PROVIDERS.has(p.providerId ?? 'oidc')) continue;
    let input;
    try {
      input = providerFromRep(p, {
        keycloakDefaults: true, mappers: (rep.identityProviderMappers ?? []).filter((m) => m.identityProviderAlias === p.alias),
      });
    } catch (err) {
      if (err instanceof ProviderSettingsError) throw new Error(`identity provider ${p.alias}: ${err.message}`);
      throw err;
    }
    providers.set(p.alias, (await domain.identityProviders.create(tx, realm, input)).id);
  }

  // Users, a batch at a time: one statement each for the batch's users, passwords and role grants.
  const users = rep.users ?? [];
  const serviceAccounts = new Set<string>();
  const progress = throttled(opts.onProgress);
  const at = now();
  for (let start = 0; start < users.length; start += USER_BATCH) {
    const batch = users.slice(start, start + USER_BATCH);
    const records: UserRecord[] = [];
    const batchPasswords: PasswordRecord[] = [];
    const grants: Array<{ userId: string; roleId: string }> = [];
    const links: FederatedIdentityRecord[] = [];
    const memberships: Array<{ userId: string; groupId: string }> = [];
    const factors: CredentialRecord[] = [];
    for (const [k, u] of batch.entries()) {
      const record: UserRecord = {
        id: u.id ?? newId(),
        realmId: realm.id,
        username: canonicalUsername(u.username),
        enabled: u.enabled ?? true,
        email: u.email ?? null,
        emailVerified: u.emailVerified ?? false,
        firstName: u.firstName ?? null,
        lastName: u.lastName ?? null,
        ...phoneAndAttributes(u.attributes ?? {}),
        serviceAccountClientId: u.serviceAccountClientId ? clientUuid(u.serviceAccountClientId, `user ${u.username}`) : null,
        requiredActions: requiredActionsOf(u),
        createdAt: Number.isFinite(u.createdTimestamp) ? Math.floor(u.createdTimestamp! / 1000) : at,
      };
      records.push(record);
      if (u.serviceAccountClientId) serviceAccounts.add(u.serviceAccountClientId);
      const password = passwords[start + k];
      // Set when the credential says (Keycloak's createdDate, ms): forceExpiredPasswordChange counts from then.
      const setAt = u.credentials?.find((c) => (c.type ?? 'password') === 'password')?.createdDate;
      if (password) batchPasswords.push({ userId: record.id, ...password, createdAt: Number.isFinite(setAt) ? Math.floor(setAt! / 1000) : at });
      for (const name of u.realmRoles ?? []) grants.push({ userId: record.id, roleId: idOf(null, name, `user ${u.username}`) });
      for (const [clientId, names] of Object.entries(u.clientRoles ?? {})) {
        if (!clients.has(clientId)) continue;
        for (const name of names) grants.push({ userId: record.id, roleId: idOf(clientId, name, `user ${u.username}`) });
      }
      for (const path of u.groups ?? []) memberships.push({ userId: record.id, groupId: groupIdOf(path, `user ${u.username}`) });
      for (const [i, c] of (u.credentials ?? []).entries()) {
        try {
          const factor = await credentialFromKeycloak(domain.box, realm.id, record.id, c, (i + 1) * 10);
          if (factor) factors.push(factor);
        } catch (err) {
          throw new Error(`user ${u.username}: ${(err as Error).message}`);
        }
      }
      for (const f of u.federatedIdentities ?? []) {
        // A link to a provider the file does not have (or that is not OpenID Connect) goes with it.
        const providerId = providers.get(f.identityProvider);
        if (providerId) {
          links.push({ userId: record.id, realmId: realm.id, providerId, subject: f.userId, username: f.userName ?? f.userId, createdAt: at });
        }
      }
    }
    await tx.bulk.insertUsers(records);
    await tx.bulk.setPasswords(batchPasswords);
    await tx.bulk.grantRoles(grants);
    await tx.bulk.insertFederatedIdentities(links);
    await tx.bulk.addMembers(memberships);
    await tx.bulk.insertCredentials(factors);
    progress({ phase: 'users', done: start + batch.length, total: users.length });
  }

  // A client with service accounts always has its user, even when the export left it out (seed 000).
  for (const client of clients.values()) {
    if (client.settings.serviceAccounts && !client.publicClient && !serviceAccounts.has(client.clientId)) {
      const existing = await tx.users.getByServiceAccountClient(client.id)
        ?? await tx.users.getByUsername(realm.id, SERVICE_ACCOUNT_PREFIX + client.clientId);
      if (!existing) await domain.users.createServiceAccount(tx, realm, client);
    }
  }
  return { clients: [...clients.values()], users: users.length };
}

/**
 * The file's own ids when they are free here, else none: a realm exported and imported under
 * another name beside the one it came from (or a copy of a realm here) carries that realm's
 * ids, which the import would trip over. Everything in the file refers to names, not ids, so
 * new ids change nothing else. `replaced` is the realm the import overwrites, whose ids it frees.
 */
async function freeIds(store: Store, rep: RealmRep, replaced: RealmRecord | undefined): Promise<RealmRep> {
  const elsewhere = (realmId: string | undefined) => realmId !== undefined && realmId !== replaced?.id;
  let taken = rep.id !== undefined && (await store.realms.list()).some((r) => r.id === rep.id && elsewhere(r.id));
  for (const c of rep.clients ?? []) {
    if (taken) break;
    if (c.id !== undefined) taken = elsewhere((await store.clients.getById(c.id))?.realmId);
  }
  if (!taken) return rep;
  const groups = (list: GroupRep[] | undefined): GroupRep[] | undefined =>
    list?.map((g) => ({ ...g, id: undefined, subGroups: groups(g.subGroups) }));
  return {
    ...rep,
    id: undefined,
    clients: rep.clients?.map((c) => ({ ...c, id: undefined })),
    clientScopes: rep.clientScopes?.map((s) => ({ ...s, id: undefined, protocolMappers: s.protocolMappers?.map((m) => ({ ...m, id: undefined })) })),
    groups: groups(rep.groups),
    users: rep.users?.map((u) => ({ ...u, id: undefined })),
  };
}

/**
 * Imports one Keycloak realm representation, all of it in one transaction: a failed import
 * leaves nothing behind, and with `overwrite` the realm it replaces is still there.
 * An existing realm is left alone unless the strategy is `overwrite`.
 */
export async function importRealm(domain: Domain, rep: RealmRep, opts: ImportOptions = {}): Promise<ImportResult> {
  checkRealmRep(rep);
  const strategy = opts.strategy ?? 'skip';
  const existing = await domain.store.realms.getByName(rep.realm);
  if (existing && strategy === 'skip') return { realm: rep.realm, skipped: true, overwritten: false, clients: 0, users: 0 };
  let passwords: Array<StoredPassword | undefined>;
  let realmId: string | undefined;
  let clients: ClientRecord[] = [];
  try {
    // Before the transaction: hashing is slow, and a transaction holds SQLite's write lock.
    passwords = await preparePasswords(rep.users ?? [], opts);
    const counts = await domain.store.transaction(async (tx) => {
      // The first statement writes, so that on SQLite the transaction waits for the write lock
      // (busy_timeout) rather than failing when a running server wrote since it began.
      if (existing) await tx.realms.delete(existing.id);
      const own = await freeIds(tx, rep, existing);
      const realm = await domain.realms.within(tx).create(
        rep.realm, realmSettings(own), { enabled: own.enabled ?? true, id: own.id ?? newId(), clientScopes: clientScopesOf(own) });
      realmId = realm.id;
      return importContents(domain, tx, realm, own, passwords, opts);
    });
    clients = counts.clients;
    return {
      realm: rep.realm, skipped: false, overwritten: existing !== undefined, clients: counts.clients.length, users: counts.users,
      unknownMappers: unknownMapperTypes(rep),
      passwordPolicyProblems: policyProblems(rep.passwordPolicy),
    };
  } catch (err) {
    // An id freeIds could not see (a user's or group's, in a file edited by hand) taken already.
    const clash = /UNIQUE constraint failed: (\w+)\.id\b|unique constraint "(\w+)_pkey"/.exec((err as Error).message);
    const why = clash ? `an id in the file is taken by another realm's ${clash[1] ?? clash[2]} here: remove the "id" members from the file` : (err as Error).message;
    throw new Error(`import of realm ${rep.realm} failed: ${why}`, { cause: err });
  } finally {
    domain.realms.invalidate(rep.realm);
    for (const id of [existing?.id, realmId]) if (id) domain.roles.invalidate(id);
    for (const c of clients) domain.clients.invalidate(c.realmId, c.clientId);
    domain.users.invalidate();
    domain.identityProviders.invalidate();
  }
}

/** Reads a realm file: its JSON, with a message naming the file when it is not there or not JSON. */
export async function readRealmFile(file: string): Promise<RealmRep> {
  let rep: unknown;
  try {
    rep = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read realm file ${file}: ${(err as Error).message}`);
  }
  try {
    checkRealmRep(rep);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  return rep;
}

export async function importRealmFile(domain: Domain, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  return importRealm(domain, await readRealmFile(file), opts);
}
