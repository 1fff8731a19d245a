import type { ClaimMapping, ClientRecord, UserRecord } from '../storage/store.js';

export type ClaimTarget = 'accessToken' | 'idToken' | 'userinfo';

/** The claims request parameter (OpenID Connect Core §5.5): claim name → null or { essential, value(s) }. */
export interface ClaimsRequest {
  userinfo?: Record<string, unknown>;
  id_token?: Record<string, unknown>;
}

/** The claims request as stored beside a code or a refresh token. */
export const storableClaims = (claims: ClaimsRequest | undefined): string | null => (claims ? JSON.stringify(claims) : null);
export const storedClaims = (json: string | null): ClaimsRequest | undefined => (json ? (JSON.parse(json) as ClaimsRequest) : undefined);

/** The standard claims each scope releases (OpenID Connect Core §5.4, with Keycloak's preferred_username under profile). */
const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  email: ['email', 'email_verified'],
  phone: ['phone_number'],
};
const ALL_SCOPES = new Set(Object.keys(SCOPE_CLAIMS));

/**
 * The scopes whose standard claims a claims request names. Naming a claim releases it whatever
 * the scopes (Core §5.5), so where the user must consent, these are asked for as the scopes are.
 */
export function scopesOfClaims(claims: ClaimsRequest | undefined): string[] {
  const named = new Set([...Object.keys(claims?.userinfo ?? {}), ...Object.keys(claims?.id_token ?? {})]);
  return Object.entries(SCOPE_CLAIMS).filter(([, names]) => names.some((name) => named.has(name))).map(([scope]) => scope);
}

/** Claims asked for by name, released whatever the scope: the claims parameter overrides scope. */
export function requestedClaims(user: UserRecord, client: ClientRecord, asked: Record<string, unknown>): Record<string, unknown> {
  const available = userClaims(user, client, ALL_SCOPES, 'idToken');
  return Object.fromEntries(Object.keys(asked).filter((name) => Object.hasOwn(available, name)).map((name) => [name, available[name]]));
}

/** Standard claims by scope: those of SCOPE_CLAIMS that the user has a value for. */
function standardClaims(user: UserRecord, scopes: Set<string>): Record<string, unknown> {
  const values: Record<string, unknown> = {
    name: [user.firstName, user.lastName].filter(Boolean).join(' ') || undefined,
    given_name: user.firstName || undefined,
    family_name: user.lastName || undefined,
    preferred_username: user.username,
    email: user.email || undefined,
    email_verified: user.email ? user.emailVerified : undefined,
    phone_number: user.phoneNumber || undefined,
  };
  const names = [...scopes].flatMap((scope) => (Object.hasOwn(SCOPE_CLAIMS, scope) ? SCOPE_CLAIMS[scope] : []));
  return Object.fromEntries(names.filter((name) => values[name] !== undefined).map((name) => [name, values[name]]));
}

/** User properties a mapping can name besides free-form attributes, with Keycloak's names. */
function attributeValues(user: UserRecord, attribute: string): string[] {
  const property: Record<string, string | null> = {
    username: user.username,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    phoneNumber: user.phoneNumber,
  };
  if (attribute in property) return property[attribute] ? [property[attribute]!] : [];
  return user.attributes[attribute] ?? [];
}

function convert(value: string, type: ClaimMapping['jsonType']): unknown {
  switch (type) {
    case 'long':
    case 'int': {
      const n = Number(value);
      return Number.isFinite(n) ? n : value;
    }
    case 'boolean':
      return value === 'true';
    case 'JSON':
      try {
        return JSON.parse(value);
      } catch {
        return value;
      }
    default:
      return value;
  }
}

/** Sets a possibly dotted claim name (Keycloak's nested claims, e.g. `address.street`). */
function setClaim(claims: Record<string, unknown>, name: string, value: unknown): void {
  const parts = name.split('.');
  let node = claims;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

/** The claims about a user that a client receives in one kind of token (seed 001 custom resources). */
export function userClaims(user: UserRecord, client: ClientRecord, scopes: Set<string>, target: ClaimTarget): Record<string, unknown> {
  const claims = standardClaims(user, scopes);
  for (const mapping of client.settings.customClaims) {
    if (!mapping[target]) continue;
    const values = attributeValues(user, mapping.userAttribute).map((v) => convert(v, mapping.jsonType));
    if (values.length === 0) continue;
    setClaim(claims, mapping.claim, mapping.multivalued ? values : values[0]);
  }
  return claims;
}
