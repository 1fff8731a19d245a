import { newId } from '../crypto/random.js';
import {
  KEYCLOAK_PARAMETERS_FROM, NATIVE_ALGORITHM, decoyOf, hashPassword, needsRehash, passwordKind, verifyAmongDecoys,
  type Decoys, type StoredPassword,
} from '../crypto/passwords.js';
import type { ClientRecord, PasswordRecord, RealmRecord, RealmSettings, RequiredAction, Store, UserQuery, UserRecord } from '../storage/store.js';
import { Caches, type TtlCache } from './cache.js';
import { checkPassword, earlierPasswordsKept, parsePasswordPolicy, type PolicyViolation } from './password-policy.js';
import { askedRequiredActions, defaultRequiredActions, requiredActionEnabled } from './required-actions.js';
import { now } from './time.js';

export const SERVICE_ACCOUNT_PREFIX = 'service-account-';

const USERS_TOPIC = 'users';

export interface NewUser {
  id?: string;
  username: string;
  enabled?: boolean;
  email?: string | null;
  emailVerified?: boolean;
  firstName?: string | null;
  lastName?: string | null;
  phoneNumber?: string | null;
  attributes?: Record<string, string[]>;
  serviceAccountClientId?: string | null;
  requiredActions?: RequiredAction[];
}

export type PasswordCheck =
  | { ok: true; user: UserRecord }
  | { ok: false; reason: 'invalid_credentials' | 'disabled' };

// The argon2id decoy every realm's sign-ins check, made once.
let nativeDecoy: Promise<StoredPassword> | undefined;

/** Keycloak keeps usernames lower-cased, so tokens and exports spell them one way. */
export const canonicalUsername = (username: string): string => username.toLowerCase();

/**
 * Whether the user has something to do on the login pages before a sign-in completes: a
 * required action, or an address to verify where the realm verifies email (Keycloak adds
 * VERIFY_EMAIL at sign-in then).
 */
export const hasPendingActions = (realm: RealmRecord, user: UserRecord): boolean =>
  askedRequiredActions(realm.settings, user).length > 0 || emailToVerify(realm.settings, user);

/** The realm verifies email (and has VERIFY_EMAIL switched on), and the user's address is not verified yet. */
export const emailToVerify = (settings: RealmSettings, user: Pick<UserRecord, 'email' | 'emailVerified'>): boolean =>
  settings.verifyEmail === true && !!user.email && !user.emailVerified && requiredActionEnabled(settings, 'VERIFY_EMAIL');

/** The required actions with `action` added (on) or taken out. */
function withRequiredAction(actions: RequiredAction[], action: RequiredAction, on: boolean): RequiredAction[] {
  const others = actions.filter((a) => a !== action);
  return on ? [...others, action] : others;
}

export class UserService {
  /** Service-account users by client: read on every client credentials request. */
  private readonly serviceAccounts: TtlCache<UserRecord | undefined>;
  /** By realm: a decoy of each kind of password its users hold, for checkPassword. */
  private readonly decoys: TtlCache<Decoys>;
  /** Users by id: every token request, introspection and userinfo reads its user. */
  private readonly byId: TtlCache<UserRecord | undefined>;

  constructor(private readonly store: Store, private readonly caches: Caches = new Caches()) {
    this.serviceAccounts = caches.create(USERS_TOPIC);
    this.byId = caches.create(USERS_TOPIC);
    this.decoys = caches.create(USERS_TOPIC);
  }

  /** The user as the token paths read it, cached: any committed change of users drops it (in every process). */
  cached(realmId: string, id: string): Promise<UserRecord | undefined> {
    return this.byId.get(`${realmId}\u0000${id}`, () => this.store.users.getById(realmId, id));
  }

  get(realmId: string, id: string): Promise<UserRecord | undefined> {
    return this.store.users.getById(realmId, id);
  }

  getByUsername(realmId: string, username: string): Promise<UserRecord | undefined> {
    return this.store.users.getByUsername(realmId, username);
  }

  /** The user a sign-in names: by username, else by email unless the realm turned loginWithEmailAllowed off. */
  async findForLogin(realm: RealmRecord, login: string): Promise<UserRecord | undefined> {
    return (await this.store.users.getByUsername(realm.id, login))
      ?? (login.includes('@') && realm.settings.loginWithEmailAllowed !== false ? await this.store.users.getByEmail(realm.id, login) : undefined);
  }

  serviceAccountOf(clientUuid: string): Promise<UserRecord | undefined> {
    return this.serviceAccounts.get(clientUuid, () => this.store.users.getByServiceAccountClient(clientUuid));
  }

  /** After a user changes; whoever changes users calls this once the change is committed (in every process). */
  invalidate(): void {
    this.caches.changed(USERS_TOPIC);
  }

  /** Creates a user holding the realm's default role, as Keycloak does, in the caller's transaction. */
  async create(tx: Store, realm: RealmRecord, input: NewUser, opts: { defaultRole?: boolean } = {}): Promise<UserRecord> {
    const user: UserRecord = {
      id: input.id ?? newId(),
      realmId: realm.id,
      username: canonicalUsername(input.username),
      enabled: input.enabled ?? true,
      email: input.email ?? null,
      emailVerified: input.emailVerified ?? false,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      phoneNumber: input.phoneNumber ?? null,
      attributes: input.attributes ?? {},
      serviceAccountClientId: input.serviceAccountClientId ?? null,
      // As Keycloak's: a new user is given the realm's default actions, unless told which to hold.
      requiredActions: input.requiredActions ?? defaultRequiredActions(realm.settings),
      createdAt: now(),
    };
    await tx.users.insert(user);
    if (opts.defaultRole !== false) {
      const role = await tx.roles.getByName(realm.id, null, realm.settings.defaultRoleName);
      if (role) await tx.roles.grantToUser(user.id, role.id);
      // As Keycloak: the realm's default groups come with its default role. A group deleted since is passed over.
      for (const groupId of realm.settings.defaultGroupIds ?? []) {
        if (await tx.groups.getById(realm.id, groupId)) await tx.groups.addMember(groupId, user.id);
      }
    }
    return user;
  }

  createServiceAccount(tx: Store, realm: RealmRecord, client: ClientRecord): Promise<UserRecord> {
    return this.create(tx, realm, {
      username: SERVICE_ACCOUNT_PREFIX + client.clientId,
      serviceAccountClientId: client.id,
    });
  }

  async setPassword(tx: Store, userId: string, password: StoredPassword | string): Promise<void> {
    const stored = typeof password === 'string' ? await hashPassword(password) : password;
    await tx.passwords.set({ userId, ...stored, createdAt: now() });
  }

  /** When the user's password was set, in milliseconds as Keycloak's credential createdDate; undefined without one. */
  async passwordSetAt(userId: string): Promise<number | undefined> {
    const stored = await this.store.passwords.get(userId);
    return stored && stored.createdAt * 1000;
  }

  /**
   * Gives the user a new password, as Keycloak's reset-password does: a temporary one makes
   * the user choose their own at the next sign-in (UPDATE_PASSWORD); any other, an
   * administrator's or the one the user chose, settles that.
   */
  async resetPassword(tx: Store, user: UserRecord, password: StoredPassword, opts: { temporary: boolean }): Promise<UserRecord> {
    // The password it replaces is kept while the realm's passwordHistory asks to compare against it.
    const realm = await tx.realms.getById(user.realmId);
    const keep = realm ? earlierPasswordsKept(parsePasswordPolicy(realm.settings.passwordPolicy)) : 0;
    const current = keep > 0 ? await tx.passwords.get(user.id) : undefined;
    if (current) await tx.passwordHistory.add(current, keep);
    await this.setPassword(tx, user.id, password);
    const next = { ...user, requiredActions: withRequiredAction(user.requiredActions, 'UPDATE_PASSWORD', opts.temporary) };
    await tx.users.update(next);
    return next;
  }

  /** The user with a required action done (taken off the list), in the caller's transaction. */
  async settle(tx: Store, user: UserRecord, action: RequiredAction): Promise<UserRecord> {
    const next = { ...user, requiredActions: withRequiredAction(user.requiredActions, action, false) };
    await tx.users.update(next);
    return next;
  }

  /**
   * The first rule of the realm's password policy that a new password for the user breaks, or
   * undefined; for a user not yet created, its username and email.
   */
  async checkNewPassword(realm: RealmRecord, user: Pick<UserRecord, 'username' | 'email'> & { id?: string }, password: string): Promise<PolicyViolation | undefined> {
    const policy = parsePasswordPolicy(realm.settings.passwordPolicy);
    return checkPassword(policy, password, user, async (depth) => {
      if (!user.id) return [];
      const current = await this.store.passwords.get(user.id);
      const earlier = await this.store.passwordHistory.list(user.id, depth - 1);
      return current ? [current, ...earlier] : earlier;
    });
  }

  /**
   * Checks a username and password. A password kept in an imported format is
   * rehashed with argon2id on its first successful use. Whether the user exists, and
   * which kind of hash the user's password is kept in, the check takes the same time:
   * it checks one hash of each kind the realm holds (verifyAmongDecoys).
   */
  async checkPassword(realm: RealmRecord, username: string, password: string): Promise<PasswordCheck> {
    const [user, decoys] = await Promise.all([this.findForLogin(realm, username), this.decoysOf(realm.id)]);
    const stored = user && (await this.store.passwords.get(user.id));
    if (!(await verifyAmongDecoys(stored, password, decoys)) || !user || !stored) {
      return { ok: false, reason: 'invalid_credentials' };
    }
    if (!user.enabled) return { ok: false, reason: 'disabled' };
    // The same password in a new hash: its age (forceExpiredPasswordChange, a reset link's lcpt) stays.
    if (needsRehash(stored)) await this.store.passwords.set({ userId: user.id, ...(await hashPassword(password)), createdAt: stored.createdAt });
    return { ok: true, user: await this.expirePassword(realm, user, stored.createdAt) };
  }

  /**
   * Keycloak's forceExpiredPasswordChange(days): a password older than that is right, but the
   * user must choose a new one (UPDATE_PASSWORD) before the sign-in completes.
   */
  private async expirePassword(realm: RealmRecord, user: UserRecord, setAt: number): Promise<UserRecord> {
    const days = parsePasswordPolicy(realm.settings.passwordPolicy).numbers.forceExpiredPasswordChange;
    if (days === undefined || setAt + days * 86400 > now() || user.requiredActions.includes('UPDATE_PASSWORD')) return user;
    const expired = { ...user, requiredActions: withRequiredAction(user.requiredActions, 'UPDATE_PASSWORD', true) };
    await this.store.users.update(expired);
    this.invalidate();
    return expired;
  }

  /**
   * A decoy of each kind of password the realm's users hold: an imported realm's keep the
   * kinds they came with (pbkdf2 at 210,000 iterations takes five times argon2id's time)
   * until each user next signs in. Kept 15 s, or until users change: a kind missing for
   * that while makes its users' checks slower than others', one gone meanwhile costs only time.
   */
  private decoysOf(realmId: string): Promise<Decoys> {
    return this.decoys.get(realmId, async () => {
      const native = await (nativeDecoy ??= hashPassword('decoy'));
      const samples = await this.store.passwords.samplesOfKinds(realmId, { except: NATIVE_ALGORITHM, parametersFrom: KEYCLOAK_PARAMETERS_FROM });
      return new Map([native, ...samples.flatMap(decoyOf)].map((d) => [passwordKind(d), d]));
    });
  }

  // ---- the admin API: writes take the caller's transaction, and the caller
  // invalidates once it has committed.

  search(realmId: string, query: UserQuery = {}): Promise<UserRecord[]> {
    return this.store.users.search(realmId, query);
  }

  /**
   * The users other than `except` with this email, ignoring case, service accounts too: at
   * most two, enough to tell one from several. An email belongs to one account, as sign-in
   * by email finds no one when several have it.
   */
  async othersWithEmail(realmId: string, email: string, except?: string, tx: Store = this.store): Promise<UserRecord[]> {
    const found = await tx.users.search(realmId, { email, exact: true, includeServiceAccounts: true, max: 3 });
    return found.filter((u) => u.id !== except).slice(0, 2);
  }

  count(realmId: string, query: UserQuery = {}): Promise<number> {
    return this.store.users.count(realmId, query);
  }

  /** The client's service-account user as stored now (serviceAccountOf may answer from its cache). */
  findServiceAccount(clientUuid: string, tx: Store = this.store): Promise<UserRecord | undefined> {
    return tx.users.getByServiceAccountClient(clientUuid);
  }

  update(tx: Store, user: UserRecord): Promise<void> {
    return tx.users.update(user);
  }

  /** The user's password as stored (a hash), if the user has one: the one credential Latchkey keeps. */
  password(userId: string): Promise<PasswordRecord | undefined> {
    return this.store.passwords.get(userId);
  }

  deletePassword(tx: Store, userId: string): Promise<void> {
    return tx.passwords.delete(userId);
  }

  /** Deletes the user with its password, sessions, tokens, role grants and memberships. */
  delete(tx: Store, user: UserRecord): Promise<void> {
    return tx.users.delete(user.id);
  }
}
