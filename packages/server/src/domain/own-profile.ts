import type { RealmRecord, UserRecord } from '../storage/store.js';
import type { Domain } from './index.js';
import { canonicalUsername } from './users.js';
import { editableByUser, profileErrors, userProfileOf, type ProfileError } from './user-profile.js';

/** What a user may change of their own account: the user profile's attributes Latchkey keeps as fields. */
export const OWN_PROFILE_FIELDS = ['username', 'email', 'firstName', 'lastName'] as const;
export type OwnProfileField = (typeof OWN_PROFILE_FIELDS)[number];
export type OwnProfileInput = Partial<Record<OwnProfileField, string>>;

export type OwnProfileChange =
  | { ok: true; user: UserRecord; previousEmail: string | null; emailChanged: boolean }
  | { ok: false; errors: ProfileError[] };

/** The fields of the realm's profile the user may edit; the username only where the realm lets users change it (Keycloak's editUsernameAllowed). */
export function editableFields(realm: RealmRecord): OwnProfileField[] {
  const s = realm.settings;
  const profile = userProfileOf(s);
  return OWN_PROFILE_FIELDS.filter((name) => {
    if (name === 'username' && (!s.editUsernameAllowed || s.registrationEmailAsUsername)) return false;
    const attribute = profile.attributes.find((a) => a.name === name);
    return attribute !== undefined && editableByUser(attribute);
  });
}

/**
 * A user's own change of their profile, from the UPDATE_PROFILE page or the account console:
 * what they may not edit is left as it is, the rest is checked as the realm's user profile
 * says (required of users, validators), a username or email another account has is refused
 * (emails only where the realm wants them unique), and a new email is not verified.
 */
export async function changeOwnProfile(domain: Domain, realm: RealmRecord, user: UserRecord, input: OwnProfileInput): Promise<OwnProfileChange> {
  const editable = editableFields(realm);
  const text = (name: OwnProfileField, current: string | null) =>
    (editable.includes(name) && input[name] !== undefined ? input[name]!.trim() || null : current);
  const next = {
    username: text('username', user.username) ?? '',
    email: text('email', user.email),
    firstName: text('firstName', user.firstName),
    lastName: text('lastName', user.lastName),
  };
  const values = Object.fromEntries(Object.entries(next).map(([k, v]) => [k, v ? [v] : []]));
  const errors = profileErrors(userProfileOf(realm.settings), values, (name) => editable.includes(name as OwnProfileField), 'user');
  const usernameChanged = canonicalUsername(next.username) !== canonicalUsername(user.username);
  if (usernameChanged && !errors.some((e) => e.field === 'username')) {
    const other = await domain.users.getByUsername(realm.id, next.username);
    if (other && other.id !== user.id) errors.push({ field: 'username', errorMessage: 'usernameExistsMessage', params: [] });
  }
  const emailChanged = (next.email ?? '').toLowerCase() !== (user.email ?? '').toLowerCase();
  if (emailChanged && next.email && !realm.settings.duplicateEmailsAllowed && !errors.some((e) => e.field === 'email')
    && (await domain.users.othersWithEmail(realm.id, next.email, user.id)).length > 0) {
    errors.push({ field: 'email', errorMessage: 'emailExistsMessage', params: [] });
  }
  if (errors.length > 0) return { ok: false, errors };
  const updated: UserRecord = {
    ...user, ...next, username: usernameChanged ? canonicalUsername(next.username) : user.username,
    emailVerified: emailChanged ? false : user.emailVerified,
  };
  await domain.users.update(domain.store, updated);
  domain.users.invalidate();
  return { ok: true, user: updated, previousEmail: user.email, emailChanged };
}
