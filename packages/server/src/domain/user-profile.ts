// Keycloak's declarative user profile (UPConfig): which user attributes there are, how they
// are checked and who may see and edit them. Latchkey keeps a realm's configuration as the
// admin API gives it, and answers Keycloak's default until one is given.

import type { UserRecord } from '../storage/store.js';

export interface UserProfileAttribute {
  name: string;
  displayName?: string;
  validations?: Record<string, Record<string, unknown>>;
  annotations?: Record<string, unknown>;
  required?: { roles?: string[]; scopes?: string[] };
  permissions?: { view?: string[]; edit?: string[] };
  selector?: { scopes?: string[] };
  group?: string | null;
  multivalued?: boolean;
}

export interface UserProfileGroup {
  name: string;
  displayHeader?: string;
  displayDescription?: string;
  annotations?: Record<string, unknown>;
}

export interface UserProfileConfig {
  attributes: UserProfileAttribute[];
  groups?: UserProfileGroup[];
  unmanagedAttributePolicy?: 'ENABLED' | 'ADMIN_VIEW' | 'ADMIN_EDIT';
}

/**
 * Keycloak keeps a user's phone number as the attribute phoneNumber (its user profile's);
 * Latchkey keeps it in a field of its own (which the phone_number claim comes from), so that
 * it is never in the attributes as well, where the two could disagree.
 */
export function phoneAndAttributes(attributes: Record<string, string[]>): Pick<UserRecord, 'phoneNumber' | 'attributes'> {
  const { phoneNumber, ...others } = attributes;
  return { phoneNumber: phoneNumber?.[0] || null, attributes: others };
}

export const UNMANAGED_ATTRIBUTE_POLICIES = ['ENABLED', 'ADMIN_VIEW', 'ADMIN_EDIT'] as const;

/** The attributes a profile cannot lose: Keycloak refuses a configuration without them. */
export const REQUIRED_PROFILE_ATTRIBUTES = ['username', 'email'] as const;

/** Why a configuration cannot be a realm's user profile (naming the field), or undefined when it can. */
export function userProfileProblem(config: unknown): string | undefined {
  const attributes = (config as { attributes?: unknown } | null)?.attributes;
  if (!Array.isArray(attributes) || attributes.some((a) => typeof a?.name !== 'string')) return 'attributes: a list of attributes, each with a name';
  const names = attributes.map((a: UserProfileAttribute) => a.name);
  const missing = REQUIRED_PROFILE_ATTRIBUTES.find((name) => !names.includes(name));
  if (missing) return `attributes: the attribute ${missing} cannot be removed`;
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  return twice ? `attributes: ${twice} is there twice` : undefined;
}

const everyone = { view: ['admin', 'user'], edit: ['admin', 'user'] };

/** The realm's user profile: the one an administrator set, else Keycloak's default. */
export const userProfileOf = (settings: { userProfile?: unknown }): UserProfileConfig =>
  (settings.userProfile as UserProfileConfig | undefined) ?? defaultUserProfile();

/** Keycloak 26's default user profile, as a new realm of Keycloak's has it. */
export function defaultUserProfile(): UserProfileConfig {
  return {
    attributes: [
      {
        name: 'username', displayName: '${username}',
        validations: { length: { min: 3, max: 255 }, 'username-prohibited-characters': {}, 'up-username-not-idn-homograph': {} },
        permissions: everyone, multivalued: false,
      },
      {
        name: 'email', displayName: '${email}',
        validations: { email: {}, length: { max: 255 } },
        required: { roles: ['user'] }, permissions: everyone, multivalued: false,
      },
      {
        name: 'firstName', displayName: '${firstName}',
        validations: { length: { max: 255 }, 'person-name-prohibited-characters': {} },
        required: { roles: ['user'] }, permissions: everyone, multivalued: false,
      },
      {
        name: 'lastName', displayName: '${lastName}',
        validations: { length: { max: 255 }, 'person-name-prohibited-characters': {} },
        required: { roles: ['user'] }, permissions: everyone, multivalued: false,
      },
    ],
    groups: [{ name: 'user-metadata', displayHeader: 'User metadata', displayDescription: 'Attributes, which refer to user metadata' }],
  };
}

/** Keycloak's two audiences of a profile: administrators, and users looking after their own account. */
export type ProfileRole = 'admin' | 'user';

/** Whether the profile requires the attribute of the role (no roles named, or the role among them); usernames always. */
const requiredOf = (a: UserProfileAttribute, role: ProfileRole): boolean =>
  a.name === 'username' || (a.required !== undefined && (!a.required.roles || a.required.roles.includes(role)));
const requiredOfAdmin = (a: UserProfileAttribute): boolean => requiredOf(a, 'admin');

/** Whether users may change the attribute of their own account (its edit permission names `user`). */
export const editableByUser = (a: UserProfileAttribute): boolean => (a.permissions?.edit ?? []).includes('user');

/** An attribute the registration form asks for. */
export interface RegistrationAttribute {
  name: string;
  /** As the profile gives it: text, or `${key}` of the theme's messages. */
  displayName: string;
  required: boolean;
}

/**
 * The attributes Keycloak's registration form (its REGISTRATION context) renders, in the
 * profile's order: username and email always, the others when the user may edit them. One
 * the profile shows only when a client asks for certain scopes (its selector) is left out:
 * Latchkey's form does not depend on the scopes asked for.
 */
export const registrationAttributes = (config: UserProfileConfig): RegistrationAttribute[] =>
  config.attributes
    .filter((a) => (REQUIRED_PROFILE_ATTRIBUTES as readonly string[]).includes(a.name)
      || ((a.permissions?.edit ?? []).includes('user') && !a.selector?.scopes?.length))
    .map((a) => ({ name: a.name, displayName: a.displayName || a.name, required: requiredOf(a, 'user') }));

/**
 * Keycloak's UserProfileMetadata as an administrator sees it: an attribute is required when
 * it is required of administrators (no roles given, or `admin` among them), read-only when
 * administrators may not edit it. Usernames are always required.
 */
export function profileMetadata(config: UserProfileConfig) {
  return {
    attributes: config.attributes.map((a) => ({
      name: a.name,
      displayName: a.displayName ?? '',
      required: requiredOf(a, 'admin'),
      readOnly: !(a.permissions?.edit ?? []).includes('admin'),
      validators: a.validations ?? {},
      multivalued: a.multivalued ?? false,
      ...(a.annotations ? { annotations: a.annotations } : {}),
      ...(a.group ? { group: a.group } : {}),
    })),
    groups: config.groups ?? [],
  };
}

/** A value the profile refuses, as Keycloak's ErrorRepresentation names it: the attribute, the message key, its parameters. */
export interface ProfileError {
  field: string;
  errorMessage: string;
  params: unknown[];
}

// Keycloak's validators' patterns (Java's \v, \h and \p{Cntrl} spelt out for JavaScript).
const CONTROL = '\\x00-\\x1F\\x7F';
const PERSON_NAME = new RegExp(`^[^<>&"\\n\\x0B\\f\\r\\x85\\u2028\\u2029$%!#?§;*~/\\\\|^=\\[\\]{}()${CONTROL}]+$`, 'u');
const USERNAME = new RegExp(`^[^<>&"'\\s$%!#?§,;:*~/\\\\|^=\\[\\]{}()\`${CONTROL}]+$`, 'u');
// The WHATWG form's e-mail address, Keycloak's EmailValidationUtil's shape, with its 64-character local part.
const EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const MAX_LOCAL_PART = 64;

const numberOf = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};
const messageOf = (config: Record<string, unknown>, fallback: string) =>
  typeof config['error-message'] === 'string' && config['error-message'] ? config['error-message'] : fallback;

/**
 * Keycloak's validators that Latchkey runs, each over one value that is not blank (Keycloak's
 * AbstractStringValidator leaves those to `required`); the message key when it fails.
 */
const VALIDATORS: Record<string, (value: string, config: Record<string, unknown>) => { message: string; params?: unknown[] } | undefined> = {
  length(value, config) {
    const min = numberOf(config.min);
    const max = numberOf(config.max);
    const length = (config['trim-disabled'] === true || config['trim-disabled'] === 'true' ? value : value.trim()).length;
    if ((min === undefined || length >= min) && (max === undefined || length <= max)) return undefined;
    const message = min !== undefined && max !== undefined ? 'error-invalid-length' : min !== undefined ? 'error-invalid-length-too-short' : 'error-invalid-length-too-long';
    return { message, params: [min, max] };
  },
  email(value, config) {
    const local = numberOf(config['max-local-length']) ?? MAX_LOCAL_PART;
    return EMAIL.test(value) && value.indexOf('@') <= local ? undefined : { message: 'error-invalid-email' };
  },
  pattern(value, config) {
    if (typeof config.pattern !== 'string') return undefined;
    let pattern: RegExp;
    try {
      pattern = new RegExp(config.pattern, 'u');
    } catch {
      return { message: 'error-invalid-value' };
    }
    // Java's Matcher.matches(): the whole value.
    const match = pattern.exec(value);
    return match && match.index === 0 && match[0].length === value.length ? undefined : { message: messageOf(config, 'error-pattern-no-match'), params: [config.pattern] };
  },
  'person-name-prohibited-characters': (value, config) =>
    (PERSON_NAME.test(value) ? undefined : { message: messageOf(config, 'error-person-name-invalid-character') }),
  'username-prohibited-characters': (value, config) =>
    (USERNAME.test(value) ? undefined : { message: messageOf(config, 'error-username-invalid-character') }),
  options(value, config) {
    const options = Array.isArray(config.options) ? config.options.map(String) : [];
    return options.includes(value) ? undefined : { message: 'error-invalid-value', params: [value] };
  },
};

/**
 * What the profile refuses of a user's attributes (username, email, firstName, lastName and the
 * others, each a list of values) as an administrator (or, `role` user, the user) writes them.
 * Only the attributes in `checked` are looked at (an update checks what it changes).
 * Validators Latchkey does not know (up-username-not-idn-homograph, …) pass.
 */
export function profileErrors(config: UserProfileConfig, values: Record<string, string[]>, checked: (name: string) => boolean = () => true,
  role: ProfileRole = 'admin'): ProfileError[] {
  const errors: ProfileError[] = [];
  for (const attribute of config.attributes) {
    if (!checked(attribute.name)) continue;
    const present = (values[attribute.name] ?? []).filter((v) => v.trim() !== '');
    if (present.length === 0) {
      if (requiredOf(attribute, role)) errors.push({ field: attribute.name, errorMessage: 'error-user-attribute-required', params: [attribute.name] });
      continue;
    }
    for (const [name, validatorConfig] of Object.entries(attribute.validations ?? {})) {
      const validate = Object.hasOwn(VALIDATORS, name) ? VALIDATORS[name] : undefined;
      const failure = validate && present.map((v) => validate(v, validatorConfig ?? {})).find((f) => f !== undefined);
      if (failure) errors.push({ field: attribute.name, errorMessage: failure.message, params: [attribute.name, ...(failure.params ?? [])] });
    }
  }
  return errors;
}

/**
 * Keycloak's answer to a refused profile (the one error as it is, several in `errors`), beside
 * the error and description every admin API error has.
 */
export function profileErrorBody(errors: ProfileError[]) {
  const [first] = errors;
  return {
    error: 'invalid_request',
    error_description: errors.map((e) => `Invalid field ${e.field}: ${e.errorMessage}`).join('; '),
    ...(errors.length === 1 ? first : { errorMessage: first.errorMessage, errors }),
  };
}
