// Records are what the store keeps. Times are whole seconds since the epoch so
// that SQLite and PostgreSQL hold them the same way.

export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA';
export const SIGNING_ALGS: readonly SigningAlg[] = ['RS256', 'ES256', 'EdDSA'];

/** Keycloak's realm setting: where plain HTTP is acceptable. */
export type SslRequired = 'all' | 'external' | 'none';
export const SSL_REQUIRED: readonly SslRequired[] = ['all', 'external', 'none'];

/** Keycloak's client policies and profiles, as its realm representation has them. */
export interface ClientPolicyCondition { condition: string; configuration?: Record<string, unknown> }
export interface ClientPolicy {
  name: string;
  description?: string;
  enabled?: boolean;
  conditions?: ClientPolicyCondition[];
  profiles?: string[];
}
export interface ClientPolicyExecutor { executor: string; configuration?: Record<string, unknown> }
export interface ClientProfile { name: string; description?: string; executors?: ClientPolicyExecutor[] }

export interface RealmSettings {
  displayName?: string;
  /**
   * Keycloak's: which redirect URIs may use plain http. Undefined (realms stored before it
   * existed) is Keycloak's default, `external`.
   */
  sslRequired?: SslRequired;
  accessTokenLifespan: number;
  ssoSessionIdleTimeout: number;
  ssoSessionMaxLifespan: number;
  offlineSessionIdleTimeout: number;
  accessCodeLifespan: number;
  defaultSignatureAlgorithm: SigningAlg;
  bruteForceProtected: boolean;
  failureFactor: number;
  waitIncrementSeconds: number;
  maxFailureWaitSeconds: number;
  /** Failures further apart than this start the count again (Keycloak's failure reset time). */
  maxDeltaTimeSeconds?: number;
  /**
   * Latchkey: failureFactor and the waits count per account and source address; this many
   * failures from anywhere lock the account for every address (default ten times failureFactor).
   */
  accountFailureCeiling?: number;
  defaultLocale?: string;
  supportedLocales: string[];
  defaultRoleName: string;
  /** Names of the client scopes a new client gets as default and optional (Keycloak's default-default and default-optional). */
  defaultClientScopes: string[];
  optionalClientScopes: string[];
  /** Keycloak's: login events are recorded unless this is false. */
  eventsEnabled?: boolean;
  /** Keycloak's: seconds a login event is kept (default 7 days). */
  eventsExpiration?: number;
  /** Keycloak's: admin events are recorded unless this is false. */
  adminEventsEnabled?: boolean;
  /** Keycloak's realm attribute: seconds an admin event is kept (default 30 days). */
  adminEventsExpiration?: number;
  /**
   * Keycloak's: a refresh token may make refreshTokenMaxReuse + 1 refreshes, after which
   * presenting it again is reuse. Undefined is Latchkey's default, true (Keycloak's is false).
   */
  revokeRefreshToken?: boolean;
  refreshTokenMaxReuse?: number;
  /** Latchkey's realm attribute: seconds a spent refresh token is still let through (see refreshTokenRules). */
  refreshTokenReuseGrace?: number;
  /** Keycloak's user profile configuration (UPConfig, see domain/user-profile.ts); Keycloak's default when absent. */
  userProfile?: unknown;
  /** Keycloak's default groups: every user created (not imported) joins them. */
  defaultGroupIds?: string[];
  /** Keycloak's OTP policy (its realm representation's otpPolicy… fields); Keycloak's defaults when absent. */
  otpPolicy?: Partial<OtpPolicy>;
  /**
   * Latchkey's realm setting, Keycloak's OTP form made REQUIRED in the browser flow: every
   * user signs in with a second factor, and one without is sent through CONFIGURE_TOTP.
   */
  otpRequired?: boolean;
  /** Keycloak's WebAuthn policy (webAuthnPolicy… fields): security keys as a second factor; Keycloak's defaults when absent. */
  webAuthnPolicy?: Partial<WebAuthnPolicy>;
  /** Keycloak's WebAuthn passwordless policy (webAuthnPolicyPasswordless… fields): passkeys. */
  webAuthnPolicyPasswordless?: Partial<WebAuthnPolicy>;
  /** Latchkey's: the password grant serves users with a second factor too (Keycloak refuses them). */
  passwordGrantWithSecondFactor?: boolean;
  /** Keycloak's registered required actions as the realm has changed them (switched off, made default, reordered), by alias. */
  requiredActions?: Record<string, RequiredActionSetting>;
  /** Keycloak's client policies and the realm's own client profiles (see protocol/client-policies.ts). */
  clientPolicies?: ClientPolicy[];
  clientProfiles?: ClientProfile[];
  /** Keycloak's realm attribute acr.loa.map: acr values and the level of authentication each asks for. */
  acrLoaMap?: Record<string, number>;
  /** Keycloak's self-service switches; absent is Keycloak's default (see selfServiceSettings). */
  registrationAllowed?: boolean;
  registrationEmailAsUsername?: boolean;
  resetPasswordAllowed?: boolean;
  verifyEmail?: boolean;
  loginWithEmailAllowed?: boolean;
  duplicateEmailsAllowed?: boolean;
  rememberMe?: boolean;
  editUsernameAllowed?: boolean;
  /** Keycloak's: a remembered session's idle timeout and maximum lifespan in seconds; 0 or absent: the realm's usual ones. */
  ssoSessionIdleTimeoutRememberMe?: number;
  ssoSessionMaxLifespanRememberMe?: number;
  /** Keycloak's password policy string, e.g. `length(12) and notUsername(undefined)` (see domain/password-policy.ts). */
  passwordPolicy?: string;
  /**
   * Keycloak's smtpServer (host, port, from, ssl, auth, user, …: strings, as Keycloak's map)
   * without its password, which is in smtpPassword, sealed under the master key.
   */
  smtpServer?: Record<string, string>;
  smtpPassword?: string;
  /** Keycloak's: seconds a mailed link works, sent by an administrator (default 12 hours) or asked for by the user (5 minutes). */
  actionTokenGeneratedByAdminLifespan?: number;
  actionTokenGeneratedByUserLifespan?: number;
  /** Keycloak's: seconds a device code (RFC 8628) lives (default 600). */
  oauth2DeviceCodeLifespan?: number;
  /** Keycloak's: seconds a device must wait between polls of the token endpoint (default 5). */
  oauth2DevicePollingInterval?: number;
  /** Keycloak's realm attribute: seconds a pushed authorization request's request_uri works (default 60). */
  parRequestUriLifespan?: number;
  /** Keycloak's not-before (seconds since the epoch): tokens issued earlier are refused. Set by logout-all. */
  notBefore?: number;
}

/** Keycloak's OTP policy: RFC 6238 TOTP or RFC 4226 HOTP, and the codes it accepts. */
export interface OtpPolicy {
  type: 'totp' | 'hotp';
  algorithm: 'HmacSHA1' | 'HmacSHA256' | 'HmacSHA512';
  digits: number;
  /** TOTP: seconds a code lasts. */
  period: number;
  /** Codes this many steps (TOTP) or counts (HOTP) ahead (and, for TOTP, behind) are accepted too. */
  lookAheadWindow: number;
  /** HOTP: the counter a new credential starts at. */
  initialCounter: number;
  /** A code may be used more than once within its window (off: each code signs in once). */
  codeReusable: boolean;
}

/** Keycloak's WebAuthn policy, its values as Keycloak's realm representation spells them. */
export interface WebAuthnPolicy {
  rpEntityName: string;
  /** Keycloak's names: ES256, ES384, ES512, RS256, RS384, RS512, RS1, EdDSA. */
  signatureAlgorithms: string[];
  /** '': the host the sign-in page is served at. */
  rpId: string;
  attestationConveyancePreference: 'not specified' | 'none' | 'indirect' | 'direct' | 'enterprise';
  authenticatorAttachment: 'not specified' | 'platform' | 'cross-platform';
  requireResidentKey: 'not specified' | 'Yes' | 'No';
  userVerificationRequirement: 'not specified' | 'required' | 'preferred' | 'discouraged';
  /** Seconds the browser waits for the authenticator at registration; 0: the browser's default. */
  createTimeout: number;
  /** Registration refuses an authenticator the user registered already. */
  avoidSameAuthenticatorRegister: boolean;
  /** When not empty, only authenticators of these models (AAGUIDs) may be registered. */
  acceptableAaguids: string[];
  /** Origins besides the server's own that may sign (e.g. an Android app's android:apk-key-hash:…). */
  extraOrigins: string[];
}

export interface RealmRecord {
  id: string;
  name: string;
  enabled: boolean;
  settings: RealmSettings;
  createdAt: number;
}

/**
 * Keycloak's client initial access token: what a client would present to register itself
 * (dynamic client registration). Only its hash is kept; it is shown once, when made.
 */
export interface ClientInitialAccessRecord {
  id: string;
  realmId: string;
  tokenHash: string;
  createdAt: number;
  /** Seconds it is good for after createdAt; 0: no expiry (Keycloak's). */
  expiration: number;
  /** Registrations it allows, and how many are left. */
  count: number;
  remainingCount: number;
}

/** A realm's HMAC secret, which signs its refresh tokens (HS512, as Keycloak's) and nothing else. */
export interface HmacKeyRecord {
  realmId: string;
  kid: string;
  /** The secret, base64url, sealed under the master key. */
  sealedSecret: string;
  createdAt: number;
}

export type KeyStatus = 'active' | 'passive';

export interface KeyRecord {
  kid: string;
  realmId: string;
  alg: SigningAlg;
  status: KeyStatus;
  publicJwk: Record<string, unknown>;
  /** The private JWK, sealed under the master key. */
  sealedPrivateJwk: string;
  createdAt: number;
  /**
   * When a rotated-out (passive) key leaves the JWKS: once every token it signed has
   * expired. Null while the key is active.
   */
  retiresAt: number | null;
}

/** Keycloak's ProtocolMapperRepresentation: a mapper of a client scope or of a client, config keys as Keycloak's. */
export interface ProtocolMapperRecord {
  id: string;
  name: string;
  protocol: string;
  protocolMapper: string;
  consentRequired?: boolean;
  config: Record<string, string>;
}

/** Keycloak's client scope: a named set of protocol mappers a client gets by default or when asked. */
export interface ClientScopeRecord {
  id: string;
  realmId: string;
  name: string;
  description: string | null;
  protocol: string;
  /** Keycloak's: include.in.token.scope, display.on.consent.screen, consent.screen.text, gui.order, … */
  attributes: Record<string, string>;
  protocolMappers: ProtocolMapperRecord[];
  /** Keycloak's scope mappings: the roles (ids) a client with this scope may carry when its full scope is off. */
  scopeMappings: string[];
  createdAt: number;
}

/** A claim a client receives from a user attribute (seed 001 "custom resources"): a view of its attribute mappers. */
export interface ClaimMapping {
  name: string;
  userAttribute: string;
  claim: string;
  jsonType: 'String' | 'long' | 'int' | 'boolean' | 'JSON';
  multivalued: boolean;
  accessToken: boolean;
  idToken: boolean;
  userinfo: boolean;
}

export interface ConsentTexts {
  profile?: string;
  email?: string;
  api?: string;
}

export type PkceMethod = 'plain' | 'S256';

export interface ClientSettings {
  name?: string;
  description?: string;
  standardFlow: boolean;
  implicitFlow: boolean;
  directAccessGrants: boolean;
  serviceAccounts: boolean;
  consentRequired: boolean;
  /**
   * Latchkey extension (seed 001 "Support OpenID Connect"): the client may ask for the openid
   * scope, get ID tokens and call userinfo. Absent (clients stored before it existed): on.
   */
  openIdConnect?: boolean;
  /**
   * Latchkey extension (seed 001 "Support API access"): the client's access tokens are meant
   * for APIs (their audiences), and it may use client credentials. Absent: on.
   */
  apiAccess?: boolean;
  /** When set, PKCE is required and this is the least method accepted. */
  pkceMethod: PkceMethod | null;
  refreshTokens: boolean;
  logoUri?: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  webOrigins: string[];
  accessTokenLifespan?: number;
  accessTokenAlg?: SigningAlg;
  idTokenAlg?: SigningAlg;
  /** Names of the client's default and optional client scopes. */
  defaultScopes: string[];
  optionalScopes: string[];
  /** Keycloak's: tokens carry all the user's roles; absent (clients stored before it existed) is true. */
  fullScopeAllowed?: boolean;
  /** Keycloak's scope mappings of the client: roles (ids) its tokens may carry when its full scope is off. */
  scopeMappings?: string[];
  /** The client's own protocol mappers; its custom resources (customClaims once) are those of user attributes. */
  protocolMappers: ProtocolMapperRecord[];
  /** Consent texts by language tag (seed 001 "default resource translation"). */
  consentTexts: Record<string, ConsentTexts>;
  /** Keycloak's clientAuthenticatorType (see protocol/client-attributes.ts); absent: client-secret. */
  clientAuthenticatorType?: string;
  /**
   * Keycloak attributes kept as given, so an export gives them back; those of client
   * authentication and request objects are read where used (protocol/client-attributes.ts).
   */
  extraAttributes: Record<string, string>;
  /** Keycloak's cluster nodes registered for the client (host → seconds since the epoch); Latchkey calls none of them. */
  registeredNodes?: Record<string, number>;
  /** OIDC Back-Channel Logout: where logout tokens are posted (Keycloak's backchannel.logout.url). */
  backchannelLogoutUrl?: string;
  /** Keycloak's backchannel.logout.session.required: logout tokens carry sid. Absent: true. */
  backchannelLogoutSessionRequired?: boolean;
  /** Keycloak's backchannel.logout.revoke.offline.tokens: logout tokens ask the client to drop its offline tokens too. */
  backchannelLogoutRevokeOfflineTokens?: boolean;
  /** Keycloak's frontchannelLogout: the logged-out page loads frontchannelLogoutUrl in an iframe. */
  frontchannelLogout?: boolean;
  /** OIDC Front-Channel Logout: Keycloak's frontchannel.logout.url. */
  frontchannelLogoutUrl?: string;
  /** Keycloak's frontchannel.logout.session.required: the iframe's URL carries iss and sid. Absent: true. */
  frontchannelLogoutSessionRequired?: boolean;
  /** Keycloak's oauth2.device.authorization.grant.enabled (RFC 8628). */
  deviceGrant?: boolean;
  /** Keycloak's not-before of the client: its tokens issued earlier are refused. */
  notBefore?: number;
  /** The hash of Keycloak's registration access token of the client (shown once, when made); no endpoint takes it yet. */
  registrationTokenHash?: string;
}

export interface ClientRecord {
  id: string;
  realmId: string;
  clientId: string;
  enabled: boolean;
  publicClient: boolean;
  settings: ClientSettings;
  createdAt: number;
}

export interface ClientSecretRecord {
  id: string;
  clientId: string;
  /** The secret sealed under the master key: the plaintext is never stored. */
  sealedValue: string;
  label: string | null;
  createdAt: number;
  expiresAt: number | null;
}

/** The longest phone number the users table holds. */
export const MAX_PHONE_NUMBER = 64;

export interface UserRecord {
  id: string;
  realmId: string;
  username: string;
  enabled: boolean;
  email: string | null;
  emailVerified: boolean;
  firstName: string | null;
  lastName: string | null;
  /** Keycloak's attribute phoneNumber, kept here rather than in attributes. */
  phoneNumber: string | null;
  attributes: Record<string, string[]>;
  /** The client (its internal id) this user is the service account of. */
  serviceAccountClientId: string | null;
  /** What the user must do at the next sign-in before it completes (Keycloak's required actions). */
  requiredActions: RequiredAction[];
  createdAt: number;
}

/**
 * Keycloak's required actions that Latchkey carries out: UPDATE_PASSWORD, choosing a new
 * password (after an administrator set a temporary one); CONFIGURE_TOTP, setting up a
 * one-time code generator; CONFIGURE_RECOVERY_AUTHN_CODES, taking a set of recovery codes;
 * VERIFY_EMAIL, following the link mailed to the user's address; UPDATE_PROFILE, checking one's
 * name and email; TERMS_AND_CONDITIONS, accepting the terms.
 */
export type RequiredAction = 'UPDATE_PASSWORD' | 'CONFIGURE_TOTP' | 'CONFIGURE_RECOVERY_AUTHN_CODES' | 'webauthn-register' | 'webauthn-register-passwordless'
  | 'VERIFY_EMAIL' | 'UPDATE_PROFILE' | 'TERMS_AND_CONDITIONS';
export const REQUIRED_ACTIONS: readonly RequiredAction[] = [
  'UPDATE_PASSWORD', 'CONFIGURE_TOTP', 'CONFIGURE_RECOVERY_AUTHN_CODES', 'webauthn-register', 'webauthn-register-passwordless', 'VERIFY_EMAIL',
  'UPDATE_PROFILE', 'TERMS_AND_CONDITIONS',
];

/** A realm's setting of one of Keycloak's required actions (its RequiredActionProviderRepresentation, alias and provider aside). */
export interface RequiredActionSetting {
  name?: string;
  enabled: boolean;
  defaultAction: boolean;
  priority: number;
  config: Record<string, string>;
}

/** Keycloak's credential types Latchkey keeps besides the password. */
export type CredentialType = 'otp' | 'recovery-authn-codes' | 'webauthn' | 'webauthn-passwordless';
export const CREDENTIAL_TYPES: readonly CredentialType[] = ['otp', 'recovery-authn-codes', 'webauthn', 'webauthn-passwordless'];

/** A second factor of a user, as Keycloak's CredentialModel. */
export interface CredentialRecord {
  id: string;
  realmId: string;
  userId: string;
  type: CredentialType;
  /** The name the user gave it (Keycloak's userLabel), e.g. the device. */
  userLabel: string | null;
  /** Its place in the user's list (Keycloak's priority): smaller first. */
  priority: number;
  createdAt: number;
  /** Keycloak's secretData (JSON: the OTP secret, the recovery codes' hashes), sealed under the master key. */
  sealedSecret: string;
  /** Keycloak's credentialData (JSON): nothing secret. */
  data: string;
  /** HOTP: the next counter; TOTP: the last time step signed in with (so a code is not accepted twice); WebAuthn: the signature counter. */
  counter: number;
}

/** A message accepted for sending, until the realm's mail server took it (or it was given up on). */
export interface OutboxRecord {
  id: string;
  realmId: string;
  /** Which message it is (a template: password-reset, email-verification, executeActions, …), for events and metrics. */
  kind: string;
  userId: string | null;
  /** Recipient, subject and bodies, JSON sealed under the master key (its links are as good as a password); '' once sent. */
  sealedMessage: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  /** Seconds: when a worker may next try it. */
  nextAttemptAt: number;
  /** Seconds: a worker has it until then (null: nobody); a worker that died lets it go when this passes. */
  claimedUntil: number | null;
  /** The mail server's last refusal or the connection's error, without the message. */
  lastError: string | null;
  createdAt: number;
  /** Seconds: when it was sent or given up on. */
  finishedAt: number | null;
}

export interface PasswordRecord {
  userId: string;
  /** 'argon2id' for our own PHC strings; Keycloak's formats are kept as imported. */
  algorithm: string;
  data: string;
  createdAt: number;
}

export interface RoleRecord {
  id: string;
  realmId: string;
  /** Internal id of the owning client, or null for a realm role. */
  clientId: string | null;
  name: string;
  description: string | null;
}

export interface SessionRecord {
  id: string;
  realmId: string;
  userId: string;
  offline: boolean;
  authTime: number;
  createdAt: number;
  lastSeenAt: number;
  /** Idle expiry, pushed forward on use. */
  expiresAt: number;
  /** Absolute expiry, never moved. */
  maxExpiresAt: number;
  /** RFC 8176 methods the user signed in with (pwd, otp, mfa…); absent for sessions begun before Latchkey kept them. */
  amr?: string[];
  /** Keycloak's remember me: the session's lifetimes are the realm's …RememberMe ones, and its cookie outlives the browser. */
  rememberMe?: boolean;
}

export interface RefreshTokenRecord {
  id: string;
  /** SHA-256 of the token: the token itself is never stored. */
  tokenHash: string;
  familyId: string;
  realmId: string;
  clientId: string;
  userId: string;
  sessionId: string;
  scope: string;
  createdAt: number;
  expiresAt: number;
  /** When it was last used; null until then. */
  usedAt: number | null;
  /** How many refreshes it has made (the realm's refreshTokenMaxReuse bounds it). */
  useCount: number;
  revokedAt: number | null;
  /**
   * The access token issued with this refresh token, so revoking the family (a replayed
   * code or refresh token, RFC 7009 revocation) revokes the access tokens it gave out too.
   */
  accessJti: string | null;
  accessExpiresAt: number | null;
  /**
   * The authentication context and the claims parameter (JSON) of the sign-in the family
   * began with: ID tokens from a refresh say what that sign-in did, as Keycloak's do.
   */
  acr: string | null;
  claims: string | null;
  /** The DPoP key a public client's refresh token is bound to (RFC 9449 §5); absent or null when unbound. */
  dpopJkt?: string | null;
}

/** A code from the authorization endpoint (RFC 6749 §4.1.2); stored only as a hash. */
export interface AuthorizationCodeRecord {
  codeHash: string;
  realmId: string;
  clientId: string;
  userId: string;
  sessionId: string;
  redirectUri: string;
  scope: string;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  authTime: number;
  /** Claims asked for with the claims parameter, JSON. */
  claims: string | null;
  /** The authentication context the user reached (Keycloak's level: "1" signed in for this request, "0" SSO). */
  acr: string | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  /** What the code was exchanged for, so a replay can revoke it (RFC 6749 §4.1.2). */
  issuedFamilyId: string | null;
  issuedJti: string | null;
  issuedJtiExpiresAt: number | null;
  /** The authorization request's dpop_jkt (RFC 9449 §10): the key the token request's proof must be signed with. */
  dpopJkt?: string | null;
}

/** An authorization request waiting for the user to sign in or consent. */
export interface InteractionRecord {
  id: string;
  realmId: string;
  clientId: string;
  /** The validated authorization request, JSON. */
  request: string;
  userId: string | null;
  sessionId: string | null;
  createdAt: number;
  expiresAt: number;
  /** How far the sign-in has come (domain/authentication): null before its first step. */
  auth?: InteractionAuth | null;
}

/** The steps of a sign-in done so far, as RFC 8176 methods, and what a step set up awaits. */
export interface InteractionAuth {
  amr: string[];
  /** The login page's "remember me" was ticked: the session it begins is a remembered one. */
  rememberMe?: boolean;
  /** What became of the client's kc_action (an application-initiated action); absent while it is due. */
  actionStatus?: 'success' | 'cancelled';
  /** Sealed under the master key: a TOTP secret or recovery codes being set up, shown until confirmed; or the WebAuthn challenge the page was given. */
  pending?: string;
  /** Sealed under the master key: the sign-in at an identity provider the steps follow (its post-broker login flow), for its session. */
  broker?: string;
  /**
   * Required actions asked of this sign-in only, not of the account (Keycloak's
   * authentication session's): a reset link's UPDATE_PASSWORD, an execute-actions link's list.
   */
  actions?: RequiredAction[];
  /** The kind of mail link (action token) that began or continued the sign-in, for the events its end records. */
  link?: 'reset-credentials' | 'execute-actions' | 'verify-email';
  /** When the step's last mail went (seconds), for a page that mails once and then only when asked. */
  mailedAt?: number;
}

export interface ConsentRecord {
  userId: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
}

/** Brute-force detection state per user, with Keycloak's semantics. */
export interface LoginFailureRecord {
  userId: string;
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
}

/** The same, for the sign-ins to one account from one source address. */
export interface AddressFailureRecord extends LoginFailureRecord {
  address: string;
}

/**
 * A login event, as Keycloak's EventRepresentation. Unlike every other record its time is
 * in milliseconds, as Keycloak's. Nothing secret is ever in one: details are an allow-list.
 */
export interface LoginEventRecord {
  id: string;
  /** Milliseconds since the epoch. */
  time: number;
  /** Keycloak's event type: LOGIN, LOGIN_ERROR, CODE_TO_TOKEN, CLIENT_LOGIN, REFRESH_TOKEN, LOGOUT, … */
  type: string;
  realmId: string;
  /** The client's clientId (not its internal id), as Keycloak records it; as presented when unknown. */
  clientId: string | null;
  userId: string | null;
  sessionId: string | null;
  ipAddress: string | null;
  /** Set on *_ERROR events: an error code, never free text from the request. */
  error: string | null;
  details: Record<string, string> | null;
}

/** An admin event, as Keycloak's AdminEventRepresentation without its representation (never stored). */
export interface AdminEventRecord {
  id: string;
  /** Milliseconds since the epoch. */
  time: number;
  realmId: string;
  /** CREATE, UPDATE, DELETE or ACTION. */
  operationType: string;
  /** Keycloak's ResourceType: REALM, CLIENT, USER, REALM_ROLE, CLIENT_ROLE, GROUP, … */
  resourceType: string;
  /** The path under /admin/realms/{realm}/, e.g. clients/<id>. */
  resourcePath: string | null;
  authRealmId: string | null;
  authClientId: string | null;
  authUserId: string | null;
  authIpAddress: string | null;
  error: string | null;
}

/** Filters of Keycloak's GET /admin/realms/{realm}/events; every one optional. */
export interface LoginEventQuery {
  types?: string[];
  clientId?: string;
  userId?: string;
  ipAddress?: string;
  /** Inclusive bounds, milliseconds. */
  fromTime?: number;
  toTime?: number;
  first?: number;
  max?: number;
  /** Oldest first; by default newest first. */
  ascending?: boolean;
}

/** Filters of Keycloak's GET /admin/realms/{realm}/admin-events; every one optional. */
export interface AdminEventQuery {
  operationTypes?: string[];
  resourceTypes?: string[];
  /** Case-insensitive; `*` matches any run of characters, as in Keycloak. */
  resourcePath?: string;
  authRealmId?: string;
  authClientId?: string;
  authUserId?: string;
  authIpAddress?: string;
  fromTime?: number;
  toTime?: number;
  first?: number;
  max?: number;
  ascending?: boolean;
}

/** A group of users (Keycloak's GroupRepresentation): its members hold its roles. */
export interface GroupRecord {
  id: string;
  realmId: string;
  /** The parent group, or null for a top-level group. */
  parentId: string | null;
  name: string;
  attributes: Record<string, string[]>;
  createdAt: number;
}

/**
 * Filters of the admin API's user search; every one optional, all must match.
 * Matching ignores case, as usernames and emails are compared.
 */
export interface UserQuery {
  /** Username, email, first or last name matches this pattern whole; `*` matches any run of characters. */
  search?: string;
  /** Each contains the value, or equals it when `exact` is set. */
  username?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  exact?: boolean;
  enabled?: boolean;
  emailVerified?: boolean;
  /** Only users linked to this identity provider (its id). */
  identityProviderId?: string;
  /** Only users with (true) or without (false) a second factor: any credential besides the password. */
  secondFactor?: boolean;
  /**
   * A narrowing for attribute searches: users whose stored attributes have each key, with a
   * value that may contain the value (ignoring case). It may let through users whose value is
   * elsewhere, never leaves out one that matches: the caller checks the values exactly.
   */
  attributesLike?: Array<[string, string]>;
  /** Service-account users are left out unless this is set, as in Keycloak. */
  includeServiceAccounts?: boolean;
  first?: number;
  max?: number;
}

/** A claim of the identity provider copied into a user attribute (Keycloak's oidc-user-attribute-idp-mapper). */
export interface ClaimMapperRecord {
  id: string;
  name: string;
  /** The claim, from the ID token or userinfo; dots reach into nested claims (address.locality). */
  claim: string;
  /** email, firstName, lastName, phoneNumber, or any other name: a free-form attribute. */
  userAttribute: string;
}

/** Endpoints of the provider as discovered when its settings were last checked (Keycloak's config keys). */
export interface DiscoveredEndpoints {
  authorizationUrl?: string;
  tokenUrl?: string;
  userInfoUrl?: string;
  jwksUrl?: string;
  logoutUrl?: string;
}

/** How Latchkey signs its users in through another OpenID provider (seed 003's settings). */
export interface IdentityProviderSettings {
  /** Keycloak's providerId: oidc or keycloak-oidc, which Latchkey treats alike. */
  providerId: string;
  displayName?: string;
  clientId: string;
  /** client_secret_post (Keycloak's default), client_secret_basic, or none for a public client. */
  clientAuthMethod: 'client_secret_post' | 'client_secret_basic' | 'none';
  /** The provider's issuer (seed 003's Authority). */
  issuer: string;
  /** Its discovery document (MetadataAddress); by default the issuer's /.well-known/openid-configuration. */
  metadataUrl?: string;
  /** Space-separated, openid first. */
  scope: string;
  /** One of the six OpenID Connect response types, canonical order. */
  responseType: string;
  /** Unset: the response type's default (query for code, fragment otherwise). */
  responseMode?: 'query' | 'fragment' | 'form_post';
  /** PKCE with S256 on requests that return a code. */
  pkce: boolean;
  /** Where the browser goes after a logout that ended the session at the provider too. */
  postLogoutUrl?: string;
  /** FORCE: mapped claims are copied at every sign-in; IMPORT: at the first only. */
  syncMode: 'FORCE' | 'IMPORT';
  /** A first sign-in whose email belongs to an existing account: link after its password, or refuse. */
  emailCollision: 'link' | 'refuse';
  /** Keycloak's trustEmail: the provider's emails count as verified. */
  trustEmail: boolean;
  /** Read the userinfo endpoint too, when there is an access token (Keycloak's disableUserInfo off). */
  userInfo: boolean;
  /** Keycloak's hideOnLogin: no button on the login page. */
  hideOnLogin: boolean;
  /** Keycloak's guiOrder: buttons sort by it, then by name. */
  guiOrder?: number;
  /**
   * Keycloak's postBrokerLoginFlowAlias: the flow that runs here after each sign-in there.
   * Latchkey runs Keycloak's usual one whatever its name, a conditional OTP: the user's second
   * factor is asked (one the realm requires is set up). Absent: the provider's sign-in is enough.
   */
  postBrokerLoginFlowAlias?: string;
  mappers: ClaimMapperRecord[];
  endpoints?: DiscoveredEndpoints;
  /** Keycloak config Latchkey does not interpret, kept so an export gives it back. */
  extraConfig: Record<string, string>;
}

export interface IdentityProviderRecord {
  id: string;
  realmId: string;
  /** Unique in the realm; in the callback path /realms/<realm>/broker/<alias>/endpoint. */
  alias: string;
  enabled: boolean;
  settings: IdentityProviderSettings;
  /** The client secret at the provider, sealed under the master key; null without one. */
  sealedClientSecret: string | null;
  createdAt: number;
}

/** A user's account at an identity provider (Keycloak's federated identity). */
export interface FederatedIdentityRecord {
  userId: string;
  realmId: string;
  /** The provider's internal id. */
  providerId: string;
  /** The provider's `sub` for the user. */
  subject: string;
  /** The user's name there (preferred_username, else email, else sub). */
  username: string;
  createdAt: number;
}

/**
 * What a sign-in or logout at a provider must remember until the browser comes back:
 * keyed by the SHA-256 of the random key sent along (the state), its data sealed.
 */
/** An authorization request its client pushed (RFC 9126), kept until its request_uri is used or expires. */
export interface PushedRequestRecord {
  /** sha256 of the request_uri: the URI itself, a bearer of the request, is never stored. */
  id: string;
  realmId: string;
  /** The client's internal id. */
  clientId: string;
  /** The request's parameters as JSON, sealed under the master key: they may hold an id_token_hint. */
  sealedParams: string;
  createdAt: number;
  expiresAt: number;
}

export interface BrokerStateRecord {
  id: string;
  realmId: string;
  providerId: string;
  /** The sign-in it belongs to; null for a logout. */
  interactionId: string | null;
  /** JSON sealed under the master key: nonce, PKCE verifier, a pending link, where to go after logout. */
  sealedData: string;
  createdAt: number;
  expiresAt: number;
}

/** The provider's ID token of an SSO session that began there, sealed: logout sends it as id_token_hint. */
export interface BrokerSessionRecord {
  sessionId: string;
  providerId: string;
  sealedIdToken: string;
  createdAt: number;
}

/** A logout token still to be posted to a client's back-channel logout URL (OIDC Back-Channel Logout). */
export interface BackchannelLogoutRecord {
  /** The logout token's jti, the same at every attempt. */
  id: string;
  realmId: string;
  /** The client's internal id. */
  clientId: string;
  userId: string;
  sessionId: string;
  /** Failed attempts so far. */
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
}

export type DeviceCodeStatus = 'pending' | 'approved' | 'denied';

/** A device authorization (RFC 8628): the device polls with its code while the user approves it elsewhere. */
export interface DeviceCodeRecord {
  deviceCodeHash: string;
  userCodeHash: string;
  realmId: string;
  /** The client's internal id. */
  clientId: string;
  scope: string;
  status: DeviceCodeStatus;
  /** Who approved it and in which session, once approved. */
  userId: string | null;
  sessionId: string | null;
  /** Seconds the device must wait between polls; grows with every slow_down. */
  pollInterval: number;
  lastPolledAt: number | null;
  createdAt: number;
  expiresAt: number;
}
