import type { MappedProfile, UpstreamIdentity } from '../domain/identity-providers.js';
import { MAX_PHONE_NUMBER, type IdentityProviderSettings } from '../storage/store.js';

/** A claim too odd to take: the provider's response is refused with this. */
export class UnusableClaimError extends Error {
  override name = 'UnusableClaimError';
}

// The users table holds names and emails of at most 255 characters, phone numbers of 64.
const LIMITS = { email: 255, firstName: 255, lastName: 255, phoneNumber: MAX_PHONE_NUMBER } as const;
const MAX_VALUES = 100;
const MAX_VALUE_LENGTH = 4096;
/** User fields a claim mapper may name; any other name is a free-form attribute. */
export const PROFILE_FIELDS = new Set(Object.keys(LIMITS));

/** Text as it may be stored: no NUL (PostgreSQL refuses it), trimmed, bounded; '' as absent. */
function text(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const cleaned = String(value).replace(/\u0000/g, '').trim().slice(0, max);
  return cleaned === '' ? undefined : cleaned;
}

/** A claim by name; dots reach into objects (address.locality), as Keycloak's mappers read them. */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  let node: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** A claim's values as attribute values: each string as it is, anything else as JSON. */
function values(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.slice(0, MAX_VALUES)
    .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
    .map((v) => v.replace(/\u0000/g, '').slice(0, MAX_VALUE_LENGTH))
    .filter((v) => v !== '');
}

/**
 * Who the provider's claims (the ID token's, and userinfo's beside them) say the user is.
 * By default sub, name, email, given_name, family_name and phone_number (seed 003); then
 * each claim mapper of the provider. A standard claim the provider leaves out keeps the
 * user's value; a mapped attribute whose claim is missing is removed, as Keycloak's
 * attribute importer does.
 */
export function identityFromClaims(settings: IdentityProviderSettings, claims: Record<string, unknown>, idToken: string): UpstreamIdentity {
  const subject = claims.sub;
  if (typeof subject !== 'string' || subject === '' || subject.length > 255 || subject.includes('\u0000')) {
    throw new UnusableClaimError('The ID token has no usable sub claim');
  }
  const profile: MappedProfile = { attributes: {} };
  const email = text(claims.email, LIMITS.email);
  if (email) {
    profile.email = email;
    profile.emailVerified = settings.trustEmail || claims.email_verified === true;
  }
  const given = text(claims.given_name, LIMITS.firstName);
  const family = text(claims.family_name, LIMITS.lastName);
  if (given) profile.firstName = given;
  if (family) profile.lastName = family;
  // Latchkey's `name` claim is first and last name joined: a provider's whole name alone goes in the first.
  const name = text(claims.name, LIMITS.firstName);
  if (!given && !family && name) profile.firstName = name;
  const phone = text(claims.phone_number, LIMITS.phoneNumber);
  if (phone) profile.phoneNumber = phone;

  for (const mapper of settings.mappers) {
    const value = claimAt(claims, mapper.claim);
    if (PROFILE_FIELDS.has(mapper.userAttribute)) {
      const field = mapper.userAttribute as keyof typeof LIMITS;
      const mapped = text(Array.isArray(value) ? value[0] : value, LIMITS[field]);
      if (mapped !== undefined) profile[field] = mapped;
    } else {
      profile.attributes[mapper.userAttribute] = values(value);
    }
  }

  const username = text(claims.preferred_username, 255) ?? email ?? subject;
  return { subject, username, profile, idToken };
}
