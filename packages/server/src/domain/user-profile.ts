// Keycloak's declarative user profile (UPConfig): which user attributes there are, how they
// are checked and who may see and edit them. Latchkey keeps a realm's configuration as the
// admin API gives it, and answers Keycloak's default until one is given.

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

export const UNMANAGED_ATTRIBUTE_POLICIES = ['ENABLED', 'ADMIN_VIEW', 'ADMIN_EDIT'] as const;

/** The attributes a profile cannot lose: Keycloak refuses a configuration without them. */
export const REQUIRED_PROFILE_ATTRIBUTES = ['username', 'email'] as const;

const everyone = { view: ['admin', 'user'], edit: ['admin', 'user'] };

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

/**
 * Keycloak's UserProfileMetadata as an administrator sees it: an attribute is required when
 * it is required of administrators (no roles given, or `admin` among them), read-only when
 * administrators may not edit it. Usernames are always required.
 */
export function profileMetadata(config: UserProfileConfig) {
  const required = (a: UserProfileAttribute) =>
    a.name === 'username' || (a.required !== undefined && (!a.required.roles || a.required.roles.includes('admin')));
  return {
    attributes: config.attributes.map((a) => ({
      name: a.name,
      displayName: a.displayName ?? '',
      required: required(a),
      readOnly: !(a.permissions?.edit ?? []).includes('admin'),
      validators: a.validations ?? {},
      multivalued: a.multivalued ?? false,
      ...(a.annotations ? { annotations: a.annotations } : {}),
      ...(a.group ? { group: a.group } : {}),
    })),
    groups: config.groups ?? [],
  };
}
