import { REQUIRED_ACTIONS, type RealmSettings, type RequiredAction, type RequiredActionSetting, type UserRecord } from '../storage/store.js';

/** Keycloak's RequiredActionProviderRepresentation: a required action as a realm has it registered. */
export interface RequiredActionProvider {
  alias: string;
  name: string;
  providerId: string;
  enabled: boolean;
  defaultAction: boolean;
  priority: number;
  config: Record<string, string>;
}

/**
 * The required actions a realm has, as Keycloak 26 registers them in a new realm (its names,
 * priorities and switches): those a user may be asked for here, by Keycloak's aliases.
 */
const action = (alias: string, name: string, enabled: boolean, priority: number): RequiredActionProvider =>
  ({ alias, name, providerId: alias, enabled, defaultAction: false, priority, config: {} });

export const KEYCLOAK_REQUIRED_ACTIONS: readonly RequiredActionProvider[] = [
  action('CONFIGURE_TOTP', 'Configure OTP', true, 10),
  action('TERMS_AND_CONDITIONS', 'Terms and Conditions', false, 20),
  action('UPDATE_PASSWORD', 'Update Password', true, 30),
  action('UPDATE_PROFILE', 'Update Profile', true, 40),
  action('VERIFY_EMAIL', 'Verify Email', true, 50),
  action('webauthn-register', 'Webauthn Register', true, 80),
  action('webauthn-register-passwordless', 'Webauthn Register Passwordless', true, 90),
  action('CONFIGURE_RECOVERY_AUTHN_CODES', 'Recovery Authentication Codes', true, 130),
];

/** The realm's required actions, its own settings over Keycloak's, by priority (then alias, as Keycloak sorts them). */
export function requiredActionsOfRealm(s: RealmSettings): RequiredActionProvider[] {
  return KEYCLOAK_REQUIRED_ACTIONS.map((a) => ({ ...a, ...s.requiredActions?.[a.alias] }))
    .sort((a, b) => a.priority - b.priority || a.alias.localeCompare(b.alias));
}

export const requiredActionOfRealm = (s: RealmSettings, alias: string): RequiredActionProvider | undefined =>
  requiredActionsOfRealm(s).find((a) => a.alias === alias);

/** Whether the realm asks for the action: one it has switched off is passed over, as in Keycloak. */
export const requiredActionEnabled = (s: RealmSettings, alias: string): boolean => requiredActionOfRealm(s, alias)?.enabled ?? true;

/** The user's required actions the realm asks for (those it has switched off are not). */
export const askedRequiredActions = (s: RealmSettings, user: Pick<UserRecord, 'requiredActions'>): RequiredAction[] =>
  user.requiredActions.filter((a) => requiredActionEnabled(s, a));

/** The realm's order of its required actions: the lower first. */
export const requiredActionPriority = (s: RealmSettings, alias: string): number => requiredActionOfRealm(s, alias)?.priority ?? Number.MAX_SAFE_INTEGER;

/** The actions every new user is given (Keycloak's default actions, those enabled), among those Latchkey's users may hold. */
export const defaultRequiredActions = (s: RealmSettings): RequiredAction[] =>
  REQUIRED_ACTIONS.filter((a) => requiredActionsOfRealm(s).some((p) => p.alias === a && p.enabled && p.defaultAction));

/** A realm's setting of one of its actions, from Keycloak's representation (a realm file's requiredActions, or the admin API). */
export function requiredActionSetting(rep: Partial<RequiredActionProvider>): RequiredActionSetting {
  return {
    ...(typeof rep.name === 'string' ? { name: rep.name } : {}),
    // As Keycloak's update: a switch left out is off, a priority left out 0.
    enabled: rep.enabled === true,
    defaultAction: rep.defaultAction === true,
    priority: Number.isInteger(rep.priority) ? rep.priority! : 0,
    config: Object.fromEntries(Object.entries(rep.config ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string')),
  };
}

/** The settings of a realm file's requiredActions: those of Keycloak's actions Latchkey knows; others are left out. */
export function requiredActionSettings(reps: unknown): RealmSettings['requiredActions'] {
  if (!Array.isArray(reps)) return undefined;
  const known = reps.filter((r): r is RequiredActionProvider => typeof r?.alias === 'string' && KEYCLOAK_REQUIRED_ACTIONS.some((a) => a.alias === r.alias));
  return known.length > 0 ? Object.fromEntries(known.map((r) => [r.alias, requiredActionSetting(r)])) : undefined;
}
