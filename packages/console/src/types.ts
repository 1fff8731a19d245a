// The parts of Keycloak's representations (and Latchkey's extensions) the console reads.

export interface RealmRep {
  id: string; realm: string; displayName?: string; enabled: boolean;
  accessTokenLifespan: number; accessCodeLifespan: number; ssoSessionIdleTimeout: number; ssoSessionMaxLifespan: number;
  ssoSessionIdleTimeoutRememberMe: number; ssoSessionMaxLifespanRememberMe: number;
  offlineSessionIdleTimeout: number; bruteForceProtected: boolean; failureFactor: number; waitIncrementSeconds: number;
  maxFailureWaitSeconds: number; defaultSignatureAlgorithm: string; supportedLocales: string[]; defaultLocale?: string;
  eventsEnabled: boolean; eventsExpiration: number; adminEventsEnabled: boolean;
  revokeRefreshToken: boolean; refreshTokenMaxReuse: number;
  otpPolicyType: 'totp' | 'hotp'; otpPolicyAlgorithm: string; otpPolicyDigits: number; otpPolicyPeriod: number;
  otpPolicyLookAheadWindow: number; otpPolicyCodeReusable: boolean;
  /** Keycloak's WebAuthn policies: webAuthnPolicy… (security keys) and webAuthnPolicyPasswordless… (passkeys). */
  [webAuthnField: `webAuthnPolicy${string}`]: string | string[] | number | boolean;
  /** Keycloak's realm attributes: adminEventsExpiration and refreshTokenReuseGrace (seconds, as text) among them, otpRequired and passwordGrantWithSecondFactor ('true'/'false'). */
  registrationAllowed: boolean; registrationEmailAsUsername: boolean; resetPasswordAllowed: boolean; verifyEmail: boolean;
  loginWithEmailAllowed: boolean; duplicateEmailsAllowed: boolean; rememberMe: boolean; editUsernameAllowed: boolean;
  /** Keycloak's password policy string: `length(12) and notUsername(undefined)`. */
  passwordPolicy?: string;
  /** Seconds a mailed link works: sent by an administrator, asked for by the user. */
  actionTokenGeneratedByAdminLifespan: number; actionTokenGeneratedByUserLifespan: number;
  /** Keycloak's SMTP settings, all strings; the password shown as `**********`. */
  smtpServer?: Record<string, string>;
  attributes?: Record<string, string>;
}

export interface CustomResource {
  name?: string; userAttribute: string; claim: string; jsonType: 'String' | 'long' | 'int' | 'boolean' | 'JSON';
  multivalued: boolean; accessToken: boolean; idToken: boolean; userinfo: boolean;
}

export type ConsentTexts = Record<string, { profile?: string; email?: string; api?: string }>;

export interface ClientRep {
  id: string; clientId: string; name?: string; description?: string; enabled: boolean; publicClient: boolean;
  clientAuthenticatorType?: string;
  standardFlowEnabled: boolean; implicitFlowEnabled: boolean; directAccessGrantsEnabled: boolean; serviceAccountsEnabled: boolean;
  consentRequired: boolean; redirectUris: string[]; webOrigins: string[]; attributes: Record<string, string>;
  defaultClientScopes: string[]; optionalClientScopes: string[];
  logoUri?: string; consentTexts?: ConsentTexts; customResources?: CustomResource[]; frontchannelLogout?: boolean;
}

export interface SecretRep { id: string; label: string | null; createdAt: number; expiresAt: number | null; expired: boolean; value?: string }

export interface UserRep {
  id: string; username: string; email?: string; firstName?: string; lastName?: string; enabled: boolean; emailVerified: boolean;
  createdTimestamp: number; serviceAccountClientId?: string; attributes?: Record<string, string[]>;
  /** Whether the user has a one-time code generator (Keycloak's totp). */
  totp?: boolean;
  /** UPDATE_PASSWORD while a temporary password waits to be replaced; CONFIGURE_TOTP, CONFIGURE_RECOVERY_AUTHN_CODES, VERIFY_EMAIL. */
  requiredActions?: string[];
}

export interface RoleRep { id: string; name: string; description?: string; composite: boolean; clientRole: boolean; containerId: string }

export interface GroupRep { id: string; name: string; path: string; parentId?: string; subGroupCount: number; realmRoles?: string[] }

export interface SessionRep { id: string; username: string; userId: string; start: number; lastAccess: number; clients: Record<string, string> }

/** Keycloak's CredentialRepresentation as the admin API lists a user's: never the secret. */
export interface CredentialRep { id: string; type: string; createdDate: number; temporary?: boolean; userLabel?: string; credentialData?: string }

export interface BruteForceRep { numFailures: number; disabled: boolean; lastFailure: number }

export interface EventRep {
  id?: string; time: number; type: string; clientId?: string; userId?: string; sessionId?: string; ipAddress?: string;
  error?: string; details?: Record<string, string>;
}

export interface AdminEventRep {
  id?: string; time: number; operationType: string; resourceType: string; resourcePath?: string;
  authDetails?: { realmId?: string; clientId?: string; userId?: string; ipAddress?: string }; error?: string;
}

export interface KeyRep {
  kid: string; algorithm: string; type: string; status: string; use?: string; publicKey?: string; certificate?: string;
  providerId?: string; providerPriority?: number; validTo?: number; createdTimestamp?: number;
}

export interface KeysRep { active: Record<string, string>; keys: KeyRep[] }

export interface IdentityProviderRep {
  alias: string; displayName?: string; providerId: string; enabled: boolean; hideOnLogin?: boolean; trustEmail?: boolean;
  config: Record<string, string | undefined>;
  responseType: string; responseMode?: string; postLogoutUrl?: string; emailCollision?: string;
  /** Set: the user's second factor is asked after a sign-in there. */
  postBrokerLoginFlowAlias?: string;
  claimMappers?: Array<{ id?: string; name?: string; claim: string; userAttribute: string }>;
}

/** Keycloak's ProtocolMapperRepresentation. */
export interface MapperRep { id?: string; name: string; protocol: string; protocolMapper: string; consentRequired?: boolean; config: Record<string, string> }

export interface ClientScopeRep { id: string; name: string; description?: string; protocol: string; attributes?: Record<string, string>; protocolMappers?: MapperRep[] }
