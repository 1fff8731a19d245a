// JSON schemas of the admin API's requests: Keycloak's representations with the
// fields Latchkey reads typed, and anything else accepted and ignored (as Keycloak's
// own clients send whole representations back). `null` means "leave unchanged", as in
// Keycloak. Fastify validates with them and @fastify/swagger documents them.

import { EVENT_LISTENERS } from '../../domain/events.js';
import { COSE_ALGORITHMS } from '../../domain/webauthn.js';
import { UNMANAGED_ATTRIBUTE_POLICIES } from '../../domain/user-profile.js';
import { REALM_NAME } from '../../domain/realms.js';
import { MAX_PHONE_NUMBER, REQUIRED_ACTIONS, SIGNING_ALGS, SSL_REQUIRED } from '../../storage/store.js';

const string = { type: 'string' } as const;
const nullableString = { type: 'string', nullable: true } as const;
const nullableBoolean = { type: 'boolean', nullable: true } as const;
const stringList = { type: 'array', items: { type: 'string' }, nullable: true } as const;
const seconds = (minimum = 1) => ({ type: 'integer', minimum, maximum: 2_147_483_647, nullable: true }) as const;

/** Keycloak's user (and group) attributes: each name has a list of values. */
const userAttributes = {
  type: 'object', nullable: true, additionalProperties: { type: 'array', items: { type: 'string' } },
} as const;


// ---- path and query ------------------------------------------------------------------

export const realmParams = {
  type: 'object', required: ['realm'], properties: { realm: { type: 'string', description: 'The realm name' } },
} as const;

export const paramsWith = (...names: string[]) => ({
  type: 'object',
  required: ['realm', ...names],
  properties: { realm: { type: 'string' }, ...Object.fromEntries(names.map((n) => [n, { type: 'string', minLength: 1 }])) },
}) as const;

/** Keycloak reads first and max as Java ints: past that a paging parameter is refused (400). */
export const MAX_PAGING_VALUE = 2_147_483_647;
/** The most results a page holds; a larger max is lowered to it (page and slice in common.ts do). */
export const MAX_PAGE_SIZE = 10_000;

/** Every admin route's paging parameters: both in range, or 400 naming the parameter. */
export const paging = {
  first: { type: 'integer', minimum: 0, maximum: MAX_PAGING_VALUE, description: 'Index of the first result' },
  max: { type: 'integer', minimum: 0, maximum: MAX_PAGING_VALUE, description: `Results at most; more than ${MAX_PAGE_SIZE} gives ${MAX_PAGE_SIZE}` },
} as const;

// ---- representations -----------------------------------------------------------------


export const customResource = {
  type: 'object',
  description: 'A claim from a user attribute (Latchkey extension; seed 001 custom resources)',
  required: ['userAttribute', 'claim'],
  properties: {
    name: { type: 'string', minLength: 1 },
    userAttribute: { type: 'string', minLength: 1, description: 'An attribute, or username, email, firstName, lastName, phoneNumber' },
    claim: { type: 'string', minLength: 1, description: 'The claim name; dots nest (address.street)' },
    jsonType: { type: 'string', enum: ['String', 'long', 'int', 'boolean', 'JSON'] },
    multivalued: { type: 'boolean' },
    accessToken: { type: 'boolean' },
    idToken: { type: 'boolean' },
    userinfo: { type: 'boolean' },
  },
} as const;

const consentTexts = {
  type: 'object',
  nullable: true,
  description: 'Consent texts by language tag (Latchkey extension)',
  additionalProperties: {
    type: 'object',
    properties: { profile: string, email: string, api: string },
    additionalProperties: false,
  },
} as const;

export const secretInput = {
  type: 'object',
  description: 'A client secret (Latchkey extension); the value is generated when not given',
  properties: {
    value: { type: 'string', minLength: 16, maxLength: 512 },
    expiresAt: { type: 'integer', minimum: 0, nullable: true, description: 'Seconds since the epoch; null: never' },
    label: { type: 'string', maxLength: 255, nullable: true },
  },
} as const;

const mapperConfig = { type: 'object', additionalProperties: { type: 'string', nullable: true } } as const;

export const protocolMapperRepresentation = {
  type: 'object',
  description: "Keycloak's ProtocolMapperRepresentation: config keys as Keycloak's (claim.name, jsonType.label, access.token.claim, …)",
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64 },
    name: { type: 'string', minLength: 1, maxLength: 255 },
    protocol: { type: 'string', enum: ['openid-connect', 'saml'] },
    protocolMapper: { type: 'string', minLength: 1 },
    consentRequired: { type: 'boolean' },
    config: mapperConfig,
  },
} as const;

export const clientScopeRepresentation = {
  type: 'object',
  description: "Keycloak's ClientScopeRepresentation",
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' },
    name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\s]+$' },
    description: nullableString,
    protocol: { type: 'string', enum: ['openid-connect', 'saml'], nullable: true },
    attributes: { type: 'object', nullable: true, additionalProperties: { type: 'string', nullable: true } },
    protocolMappers: { type: 'array', nullable: true, items: { ...protocolMapperRepresentation, required: ['name', 'protocolMapper'] } },
  },
} as const;

export const clientRepresentation = {
  type: 'object',
  description: "Keycloak's ClientRepresentation, with Latchkey's consentTexts, customResources, logoUri and secrets",
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' },
    clientId: { type: 'string', minLength: 1, maxLength: 255 },
    name: nullableString,
    description: nullableString,
    enabled: nullableBoolean,
    publicClient: nullableBoolean,
    bearerOnly: nullableBoolean,
    clientAuthenticatorType: { type: 'string', enum: ['client-secret', 'client-jwt', 'client-secret-jwt', 'client-x509', null], nullable: true },
    frontchannelLogout: nullableBoolean,
    secret: { type: 'string', minLength: 1, maxLength: 512, nullable: true },
    standardFlowEnabled: nullableBoolean,
    implicitFlowEnabled: nullableBoolean,
    directAccessGrantsEnabled: nullableBoolean,
    serviceAccountsEnabled: nullableBoolean,
    consentRequired: nullableBoolean,
    redirectUris: stringList,
    webOrigins: stringList,
    defaultClientScopes: stringList,
    optionalClientScopes: stringList,
    protocol: { type: 'string', enum: ['openid-connect', null], nullable: true },
    attributes: { type: 'object', nullable: true, additionalProperties: { type: 'string', nullable: true } },
    fullScopeAllowed: nullableBoolean,
    protocolMappers: { type: 'array', nullable: true, items: { ...protocolMapperRepresentation, required: ['name', 'protocolMapper'] } },
    consentTexts,
    registeredNodes: { type: 'object', nullable: true, additionalProperties: { type: 'integer', minimum: 0 } },
    notBefore: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1, nullable: true, description: 'The client\'s tokens issued before this time (seconds since the epoch) are refused' },
    customResources: { type: 'array', nullable: true, items: customResource },
    logoUri: nullableString,
    secrets: { type: 'array', nullable: true, items: { ...secretInput, required: ['value'] } },
  },
} as const;

const credential = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['password'] },
    value: { type: 'string', minLength: 1, maxLength: 1024 },
    temporary: { type: 'boolean' },
  },
} as const;

export const credentialRepresentation = {
  ...credential,
  description: "Keycloak's CredentialRepresentation: a new password",
  required: ['value'],
} as const;

export const userRepresentation = {
  type: 'object',
  description: "Keycloak's UserRepresentation",
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' },
    username: { type: 'string', minLength: 1, maxLength: 255 },
    enabled: nullableBoolean,
    email: { type: 'string', maxLength: 255, nullable: true, pattern: '^$|^[^\\s@]+@[^\\s@]+$' },
    emailVerified: nullableBoolean,
    firstName: { type: 'string', maxLength: 255, nullable: true },
    lastName: { type: 'string', maxLength: 255, nullable: true },
    attributes: {
      ...userAttributes,
      properties: {
        phoneNumber: {
          type: 'array', items: { type: 'string', maxLength: MAX_PHONE_NUMBER },
          description: 'The phone number (its first value), which the phone scope\'s phone_number claim gives; leaving it out of attributes removes it',
        },
      },
    },
    credentials: { type: 'array', nullable: true, items: credential },
    groups: { ...stringList, description: 'Paths of groups to join (on create)' },
    requiredActions: {
      type: 'array', nullable: true, items: { type: 'string', enum: [...REQUIRED_ACTIONS] },
      description: 'What the user must do at the next sign-in: UPDATE_PASSWORD (choose a new password), CONFIGURE_TOTP (set up an authenticator app), CONFIGURE_RECOVERY_AUTHN_CODES (take recovery codes), webauthn-register (register a security key), webauthn-register-passwordless (create a passkey)',
    },
  },
} as const;

export const roleRepresentation = {
  type: 'object',
  description: "Keycloak's RoleRepresentation",
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    description: nullableString,
  },
} as const;

/** The body of role mapping requests: roles by id or name. */
export const roleReferences = {
  type: 'array',
  description: 'Roles, each named by id or by name',
  items: {
    type: 'object',
    properties: { id: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } },
    anyOf: [{ required: ['id'] }, { required: ['name'] }],
  },
} as const;

export const groupRepresentation = {
  type: 'object',
  description: "Keycloak's GroupRepresentation",
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^/]+$' },
    attributes: userAttributes,
  },
} as const;

/** Keycloak's event settings, in the realm representation and RealmEventsConfigRepresentation alike. */
const eventSettings = {
  eventsEnabled: { ...nullableBoolean, description: 'Record login events (default true; Keycloak\'s is false)' },
  eventsExpiration: { ...seconds(0), description: 'Seconds a login event is kept (default 604800, a week); 0 keeps them for good' },
  adminEventsEnabled: { ...nullableBoolean, description: 'Record admin events (default true; Keycloak\'s is false)' },
  adminEventsDetailsEnabled: {
    type: 'boolean', nullable: true, enum: [false, null], description: 'Always false: an admin event never holds the request\'s body',
  },
  eventsListeners: {
    type: 'array', nullable: true, items: { type: 'string', enum: [...EVENT_LISTENERS] },
    description: 'Accepted as Keycloak\'s tools send it: events go to Latchkey\'s own store, there are no other listeners',
  },
  enabledEventTypes: { ...stringList, description: 'Accepted as Keycloak\'s tools send it: every event type is recorded' },
} as const;

/** Keycloak's RealmEventsConfigRepresentation, with Latchkey's adminEventsExpiration (a realm attribute in Keycloak). */
export const eventsConfigRepresentation = {
  type: 'object',
  description: "Keycloak's RealmEventsConfigRepresentation; fields left out stay as they are",
  properties: {
    ...eventSettings,
    adminEventsExpiration: { ...seconds(0), description: 'Seconds an admin event is kept (default 2592000, 30 days); 0 keeps them for good' },
  },
} as const;

/** A role of a realm import, with its composites by name. */
const importedRole = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    description: nullableString,
    composites: {
      type: 'object',
      properties: { realm: { type: 'array', items: string }, client: { type: 'object', additionalProperties: { type: 'array', items: string } } },
    },
  },
} as const;

/** Keycloak's WebAuthn policy fields, after webAuthnPolicy (security keys) and webAuthnPolicyPasswordless (passkeys). */
const webAuthnPolicyFields = (prefix: '' | 'Passwordless') => ({
  [`webAuthnPolicy${prefix}RpEntityName`]: { type: 'string', maxLength: 255, nullable: true, description: 'The name authenticators show (default keycloak)' },
  [`webAuthnPolicy${prefix}SignatureAlgorithms`]: {
    type: 'array', nullable: true, items: { type: 'string', enum: Object.keys(COSE_ALGORITHMS) }, description: 'Default ES256 and RS256',
  },
  [`webAuthnPolicy${prefix}RpId`]: { type: 'string', maxLength: 255, nullable: true, description: 'The relying party id; empty: the host of the sign-in pages' },
  [`webAuthnPolicy${prefix}AttestationConveyancePreference`]: {
    type: 'string', nullable: true, enum: ['not specified', 'none', 'indirect', 'direct', 'enterprise', null],
  },
  [`webAuthnPolicy${prefix}AuthenticatorAttachment`]: { type: 'string', nullable: true, enum: ['not specified', 'platform', 'cross-platform', null] },
  [`webAuthnPolicy${prefix}RequireResidentKey`]: { type: 'string', nullable: true, enum: ['not specified', 'Yes', 'No', null] },
  [`webAuthnPolicy${prefix}UserVerificationRequirement`]: {
    type: 'string', nullable: true, enum: ['not specified', 'required', 'preferred', 'discouraged', null],
  },
  [`webAuthnPolicy${prefix}CreateTimeout`]: { ...seconds(0), description: 'Seconds the browser waits for the authenticator; 0: its default' },
  [`webAuthnPolicy${prefix}AvoidSameAuthenticatorRegister`]: { ...nullableBoolean, description: 'Refuse an authenticator the user registered already' },
  [`webAuthnPolicy${prefix}AcceptableAaguids`]: { ...stringList, description: 'Only these authenticator models (AAGUIDs) may register; empty: any' },
  [`webAuthnPolicy${prefix}ExtraOrigins`]: { ...stringList, description: 'Origins besides the server\'s own whose signatures count' },
});

export const realmRepresentation = {
  type: 'object',
  description: "Keycloak's RealmRepresentation. POST also takes clients, roles and users, as a realm import does.",
  properties: {
    id: nullableString,
    realm: { type: 'string', pattern: REALM_NAME.source, description: 'The realm name: letters, digits, . _ -, not dots alone' },
    displayName: nullableString,
    enabled: nullableBoolean,
    sslRequired: {
      type: 'string', nullable: true, enum: [...SSL_REQUIRED, ...SSL_REQUIRED.map((v) => v.toUpperCase()), null],
      description: 'Where redirect URIs may use plain http: `external` (loopback and private addresses), `all` (nowhere), `none` (anywhere)',
    },
    accessTokenLifespan: seconds(),
    accessCodeLifespan: seconds(),
    oauth2DeviceCodeLifespan: { ...seconds(), description: 'Seconds a device code of the device flow lives (default 600)' },
    oauth2DevicePollingInterval: { ...seconds(), description: 'Seconds a device waits between polls of the token endpoint (default 5)' },
    ssoSessionIdleTimeout: seconds(),
    ssoSessionMaxLifespan: seconds(),
    offlineSessionIdleTimeout: seconds(),
    // 0: the usual lifetimes (Keycloak's default).
    ssoSessionIdleTimeoutRememberMe: seconds(0),
    ssoSessionMaxLifespanRememberMe: seconds(0),
    bruteForceProtected: nullableBoolean,
    failureFactor: seconds(),
    waitIncrementSeconds: seconds(0),
    maxFailureWaitSeconds: seconds(0),
    maxDeltaTimeSeconds: seconds(1),
    accountFailureCeiling: { ...seconds(1), description: 'Latchkey extension: failures from any address that lock the account for all (default 10 × failureFactor)' },
    defaultLocale: nullableString,
    supportedLocales: stringList,
    defaultSignatureAlgorithm: { type: 'string', enum: [...SIGNING_ALGS, null], nullable: true },
    defaultDefaultClientScopes: stringList,
    defaultOptionalClientScopes: stringList,
    ...eventSettings,
    revokeRefreshToken: { ...nullableBoolean, description: 'A refresh token may make refreshTokenMaxReuse + 1 refreshes; Latchkey\'s default is true (Keycloak\'s false)' },
    refreshTokenMaxReuse: { ...seconds(0), description: 'How many more times than once a refresh token may be used when revokeRefreshToken is on (default 0)' },
    otpPolicyType: { type: 'string', enum: ['totp', 'hotp', null], nullable: true, description: 'RFC 6238 time-based or RFC 4226 counter-based codes (default totp)' },
    otpPolicyAlgorithm: { type: 'string', enum: ['HmacSHA1', 'HmacSHA256', 'HmacSHA512', null], nullable: true },
    otpPolicyDigits: { type: 'integer', minimum: 6, maximum: 8, nullable: true },
    otpPolicyPeriod: { type: 'integer', minimum: 1, maximum: 600, nullable: true, description: 'Seconds a TOTP code lasts (default 30)' },
    otpPolicyLookAheadWindow: { type: 'integer', minimum: 0, maximum: 20, nullable: true, description: 'Codes this many steps off are accepted too (default 1)' },
    otpPolicyInitialCounter: { type: 'integer', minimum: 0, nullable: true, description: 'The counter a new HOTP generator starts at' },
    otpPolicyCodeReusable: { ...nullableBoolean, description: 'A code may sign in more than once within its window (default false)' },
    otpSupportedApplications: { ...stringList, description: 'Read only' },
    ...webAuthnPolicyFields(''),
    ...webAuthnPolicyFields('Passwordless'),
    registrationAllowed: nullableBoolean,
    registrationEmailAsUsername: nullableBoolean,
    resetPasswordAllowed: nullableBoolean,
    verifyEmail: nullableBoolean,
    loginWithEmailAllowed: { ...nullableBoolean, description: 'Users may sign in with their email instead of their username (default true)' },
    duplicateEmailsAllowed: { ...nullableBoolean, description: 'Several users may have one email; sign-in by email then finds none of them (default false)' },
    rememberMe: nullableBoolean,
    editUsernameAllowed: nullableBoolean,
    actionTokenGeneratedByAdminLifespan: { ...seconds(1), description: 'Seconds a link an administrator mails (execute-actions-email) works (default 43200)' },
    actionTokenGeneratedByUserLifespan: { ...seconds(1), description: 'Seconds a link the user asked for (verify email, reset password) works (default 300)' },
    passwordPolicy: {
      type: 'string', nullable: true, maxLength: 4096,
      description: 'Keycloak\'s password policy, rules joined by " and ": length, maxLength, digits, lowerCase, upperCase, specialChars, notUsername, '
        + 'notEmail, notContainsUsername, passwordHistory, forceExpiredPasswordChange, regexPattern, hashAlgorithm, hashIterations, maxAuthAge',
    },
    smtpServer: {
      type: 'object', nullable: true,
      description: 'Keycloak\'s SMTP settings (host, port, from, fromDisplayName, replyTo, replyToDisplayName, envelopeFrom, ssl, starttls, auth, user, password), '
        + 'all strings; the password is shown as ********** and that value keeps the stored one',
      additionalProperties: { type: 'string', maxLength: 1024 },
    },
    notBefore: { ...seconds(0), description: 'Tokens issued before this time (seconds since the epoch) are refused; logout-all sets it to now' },
    attributes: {
      type: 'object', nullable: true,
      description: 'Keycloak\'s realm attributes: Latchkey keeps adminEventsExpiration (seconds an admin event is kept, default 2592000; 0: for good) '
        + 'and refreshTokenReuseGrace (seconds a spent refresh token is still let through, default 10), '
        + 'and Keycloak\'s parRequestUriLifespan (seconds a pushed request_uri works, default 60)',
      properties: {
        adminEventsExpiration: { type: 'string', pattern: '^\\d{1,10}$', nullable: true },
        parRequestUriLifespan: { type: 'string', pattern: '^[1-9]\\d{0,9}$', nullable: true },
        refreshTokenReuseGrace: { type: 'string', pattern: '^\\d{1,10}$', nullable: true },
        otpRequired: { type: 'string', enum: ['true', 'false', null], nullable: true, description: 'Every user signs in with a second factor' },
        passwordGrantWithSecondFactor: { type: 'string', enum: ['true', 'false', null], nullable: true, description: 'The password grant serves users with a second factor' },
        'acr.loa.map': { type: 'string', maxLength: 4096, nullable: true, description: 'JSON: acr value → level of authentication (1 a password, 2 a second factor)' },
      },
      additionalProperties: { type: 'string', nullable: true },
    },
    // On POST, a realm import's contents: typed as the importer reads them, and looser than the
    // client and user routes' (an export holds SAML clients, which are skipped, and OTP credentials).
    clients: {
      type: 'array', nullable: true,
      items: {
        ...clientRepresentation,
        required: ['clientId'],
        properties: { ...clientRepresentation.properties, protocol: nullableString, secrets: { type: 'array', nullable: true, items: { type: 'object' } } },
      },
    },
    users: {
      type: 'array', nullable: true,
      items: {
        type: 'object',
        required: ['username'],
        properties: {
          ...userRepresentation.properties,
          email: { type: 'string', maxLength: 255, nullable: true },
          credentials: { type: 'array', nullable: true, items: { type: 'object', properties: { type: string, value: string, secretData: string, credentialData: string } } },
          realmRoles: stringList,
          clientRoles: { type: 'object', nullable: true, additionalProperties: { type: 'array', items: string } },
          serviceAccountClientId: nullableString,
          createdTimestamp: { type: 'integer', nullable: true },
          // A realm file's required actions: those Latchkey has no page for are left out, as the CLI's import does.
          requiredActions: stringList,
        },
      },
    },
    groups: {
      type: 'array', nullable: true,
      description: 'The group tree: name, attributes, realmRoles, clientRoles and subGroups (groups as these); users join them by path in their groups',
      items: { type: 'object', required: ['name'], properties: { name: string, subGroups: { type: 'array', items: { type: 'object' } } } },
    },
    roles: {
      type: 'object', nullable: true,
      properties: {
        realm: { type: 'array', items: importedRole },
        client: { type: 'object', additionalProperties: { type: 'array', items: importedRole } },
      },
    },
  },
} as const;

// ---- identity providers --------------------------------------------------------------

const stringMap = { type: 'object', nullable: true, additionalProperties: { type: 'string', nullable: true } } as const;

export const claimMapperInput = {
  type: 'object',
  description: 'A claim of the provider copied into a user attribute at sign-in (Latchkey extension)',
  required: ['claim', 'userAttribute'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64 },
    name: { type: 'string', minLength: 1, maxLength: 255 },
    claim: { type: 'string', minLength: 1, maxLength: 255, description: 'From the ID token or userinfo; dots reach into objects' },
    userAttribute: { type: 'string', minLength: 1, maxLength: 255, description: 'email, firstName, lastName, phoneNumber, or any attribute' },
  },
} as const;

export const identityProviderRepresentation = {
  type: 'object',
  description: "Keycloak's IdentityProviderRepresentation (providerId oidc), with Latchkey's responseType, responseMode, "
    + 'postLogoutUrl, emailCollision and claimMappers beside it. config.clientSecret reads as ********** and is kept when sent back so.',
  properties: {
    alias: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._~-]+$' },
    displayName: nullableString,
    internalId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', nullable: true },
    providerId: { type: 'string', enum: ['oidc', 'keycloak-oidc', null], nullable: true },
    enabled: nullableBoolean,
    trustEmail: nullableBoolean,
    hideOnLogin: nullableBoolean,
    config: {
      ...stringMap,
      description: 'clientId, clientSecret, clientAuthMethod, issuer, metadataDescriptorUrl, defaultScope, pkceEnabled, pkceMethod, '
        + 'syncMode, disableUserInfo, guiOrder, … (strings, as Keycloak\'s)',
    },
    responseType: { type: 'string', description: 'code (default), id_token, id_token token, code id_token, code token or code id_token token', nullable: true },
    responseMode: { type: 'string', enum: ['query', 'fragment', 'form_post', '', null], nullable: true, description: "'' is the response type's own" },
    postLogoutUrl: nullableString,
    postBrokerLoginFlowAlias: { ...nullableString, maxLength: 255, description: 'Set: the user\'s second factor is asked after each sign-in there (Keycloak\'s usual post-broker flow, a conditional OTP); \'\' takes it away' },
    emailCollision: { type: 'string', enum: ['link', 'refuse', null], nullable: true, description: 'A first sign-in with the email of an existing account: link after its password (default), or refuse' },
    claimMappers: { type: 'array', nullable: true, items: claimMapperInput },
  },
} as const;

export const identityProviderMapperRepresentation = {
  type: 'object',
  description: "Keycloak's IdentityProviderMapperRepresentation: only oidc-user-attribute-idp-mapper (claim → user attribute)",
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64 },
    name: { type: 'string', minLength: 1, maxLength: 255 },
    identityProviderAlias: string,
    identityProviderMapper: { type: 'string', enum: ['oidc-user-attribute-idp-mapper'] },
    config: {
      type: 'object',
      description: 'claim and user.attribute (both needed when adding one); syncMode is accepted and ignored: the provider\'s applies',
      properties: { claim: { type: 'string', minLength: 1 }, 'user.attribute': { type: 'string', minLength: 1 }, syncMode: string },
      additionalProperties: { type: 'string' },
    },
  },
} as const;

export const federatedIdentityRepresentation = {
  type: 'object',
  description: "Keycloak's FederatedIdentityRepresentation: the user's account at the provider",
  required: ['userId'],
  properties: {
    identityProvider: string,
    userId: { type: 'string', minLength: 1, maxLength: 255, description: 'The provider\'s sub for the user' },
    userName: { type: 'string', minLength: 1, maxLength: 255 },
  },
} as const;

/** Keycloak's UPConfig: the user profile's attributes, their groups and the policy for others. */
export const userProfileRepresentation = {
  type: 'object',
  description: "Keycloak's user profile configuration (UPConfig)",
  required: ['attributes'],
  properties: {
    attributes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._-]+$' },
          displayName: { type: 'string', maxLength: 255 },
          validations: { type: 'object', additionalProperties: { type: 'object' } },
          annotations: { type: 'object' },
          required: { type: 'object', properties: { roles: { type: 'array', items: string }, scopes: { type: 'array', items: string } } },
          permissions: { type: 'object', properties: { view: { type: 'array', items: string }, edit: { type: 'array', items: string } } },
          selector: { type: 'object', properties: { scopes: { type: 'array', items: string } } },
          group: nullableString,
          multivalued: { type: 'boolean' },
        },
      },
    },
    groups: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1 }, displayHeader: string, displayDescription: string, annotations: { type: 'object' } },
      },
    },
    unmanagedAttributePolicy: { type: 'string', enum: [...UNMANAGED_ATTRIBUTE_POLICIES] },
  },
} as const;
