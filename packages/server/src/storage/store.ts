import type {
  BrokerSessionRecord,
  BrokerStateRecord,
  FederatedIdentityRecord,
  IdentityProviderRecord,
  GroupRecord,
  UserQuery,
  AdminEventQuery,
  AdminEventRecord,
  LoginEventQuery,
  LoginEventRecord,
  AuthorizationCodeRecord,
  BackchannelLogoutRecord,
  DeviceCodeRecord,
  DeviceCodeStatus,
  ConsentRecord,
  CredentialRecord,
  InteractionRecord,
  AddressFailureRecord,
  LoginFailureRecord,
  ClientRecord,
  ClientInitialAccessRecord,
  ClientScopeRecord,
  ClientSecretRecord,
  HmacKeyRecord,
  PushedRequestRecord,
  KeyRecord,
  OutboxRecord,
  PasswordRecord,
  RealmRecord,
  RefreshTokenRecord,
  RoleRecord,
  SessionRecord,
  UserRecord,
} from './records.js';
import type { ChangeFeed } from './changes.js';

export * from './records.js';
export type { Change, ChangeFeed } from './changes.js';

/**
 * The one seam between Latchkey and its database. Domain services talk to this
 * and nothing else, so SQLite and PostgreSQL are two implementations of it.
 */
export interface Store {
  /**
   * Runs `work` atomically; the store passed in must be used for every call inside. If a
   * statement fails, let the error end the transaction: on PostgreSQL nothing more can run
   * in it, so catching the error and carrying on inside works on SQLite only.
   */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Tells the other processes on this database what changed of what they may cache, and
   * hears what they changed (PostgreSQL's LISTEN/NOTIFY; nobody to tell on SQLite). The
   * same feed inside a transaction: publish once it has committed.
   */
  changes: ChangeFeed;

  realms: {
    list(): Promise<RealmRecord[]>;
    getByName(name: string): Promise<RealmRecord | undefined>;
    getById(id: string): Promise<RealmRecord | undefined>;
    insert(realm: RealmRecord): Promise<void>;
    update(realm: RealmRecord): Promise<void>;
    delete(id: string): Promise<void>;
  };
  /** Keycloak's client initial access tokens of each realm. */
  clientInitialAccess: {
    /** A realm's, oldest first. */
    list(realmId: string): Promise<ClientInitialAccessRecord[]>;
    insert(record: ClientInitialAccessRecord): Promise<void>;
    /** False when the realm has none of that id. */
    delete(realmId: string, id: string): Promise<boolean>;
  };
  hmacKeys: {
    get(realmId: string): Promise<HmacKeyRecord | undefined>;
    /** Keeps the realm's key when it has one already: processes starting together may each make one. */
    insertIfAbsent(key: HmacKeyRecord): Promise<void>;
  };
  keys: {
    listByRealm(realmId: string): Promise<KeyRecord[]>;
    insert(key: KeyRecord): Promise<void>;
    /** Rotates a key out: it stops signing, and verifies until retiresAt (seconds). */
    retire(kid: string, retiresAt: number): Promise<void>;
  };
  clients: {
    getByClientId(realmId: string, clientId: string): Promise<ClientRecord | undefined>;
    getById(id: string): Promise<ClientRecord | undefined>;
    /** Those of the clients (their internal ids) that exist, in no particular order: one statement. */
    getByIds(ids: string[]): Promise<ClientRecord[]>;
    list(realmId: string, opts?: { first?: number; max?: number }): Promise<ClientRecord[]>;
    insert(client: ClientRecord): Promise<void>;
    update(client: ClientRecord): Promise<void>;
    delete(id: string): Promise<void>;
  };
  /** Keycloak's client scopes of a realm; names are unique within it. */
  clientScopes: {
    /** By name, in code-point order. */
    list(realmId: string): Promise<ClientScopeRecord[]>;
    getById(realmId: string, id: string): Promise<ClientScopeRecord | undefined>;
    getByName(realmId: string, name: string): Promise<ClientScopeRecord | undefined>;
    insert(scope: ClientScopeRecord): Promise<void>;
    /** Changes name, description, protocol, attributes and mappers. */
    update(scope: ClientScopeRecord): Promise<void>;
    delete(id: string): Promise<void>;
  };
  clientSecrets: {
    listByClient(clientId: string): Promise<ClientSecretRecord[]>;
    insert(secret: ClientSecretRecord): Promise<void>;
    delete(id: string): Promise<void>;
  };
  users: {
    getById(realmId: string, id: string): Promise<UserRecord | undefined>;
    /** Case-insensitive, as usernames are unique per realm regardless of case. */
    getByUsername(realmId: string, username: string): Promise<UserRecord | undefined>;
    /** Case-insensitive; undefined unless exactly one user of the realm has that email. */
    getByEmail(realmId: string, email: string): Promise<UserRecord | undefined>;
    getByServiceAccountClient(clientId: string): Promise<UserRecord | undefined>;
    countByRealm(realmId: string): Promise<number>;
    insert(user: UserRecord): Promise<void>;
    update(user: UserRecord): Promise<void>;
    delete(id: string): Promise<void>;
    /** A realm's users matching the query, in code-point order of their lower-cased username. */
    search(realmId: string, query?: UserQuery): Promise<UserRecord[]>;
    /** How many users match the query (first and max ignored). */
    count(realmId: string, query?: UserQuery): Promise<number>;
  };
  passwords: {
    get(userId: string): Promise<PasswordRecord | undefined>;
    set(password: PasswordRecord): Promise<void>;
    /** Deleting a password the user does not have is not an error. */
    delete(userId: string): Promise<void>;
    /**
     * One password of each kind the realm's users hold, other than `except`'s: a kind is an
     * algorithm, the length of the stored text and the text from `parametersFrom` on (where it has it).
     */
    samplesOfKinds(realmId: string, opts: { except: string; parametersFrom: string }): Promise<Array<{ algorithm: string; data: string }>>;
  };
  /** A user's earlier passwords (hashes), for the password policy's passwordHistory. */
  passwordHistory: {
    /** Newest first, at most `limit`. */
    list(userId: string, limit: number): Promise<PasswordRecord[]>;
    /** Adds an earlier password and forgets all but the newest `keep` of the user's. */
    add(password: PasswordRecord, keep: number): Promise<void>;
  };
  /** Mail waiting for the realm's mail server (see mail/outbox.ts). */
  outbox: {
    insert(message: OutboxRecord): Promise<void>;
    /** Pending messages due at `at` that nobody holds, oldest first: candidates, each still to be claimed. */
    listDue(at: number, limit: number): Promise<OutboxRecord[]>;
    /**
     * Takes a due message until `until`, counting an attempt, in one conditional write: false
     * when another worker (in this process or another node) took it first.
     */
    claim(id: string, at: number, until: number): Promise<boolean>;
    /** Sent: its message is dropped at once (only the row stays, until housekeeping). */
    markSent(id: string, at: number): Promise<void>;
    /** Failed this time: tried again at nextAttemptAt, or (null) given up on. */
    markFailed(id: string, error: string, nextAttemptAt: number | null, at: number): Promise<void>;
  };
  roles: {
    listByRealm(realmId: string): Promise<RoleRecord[]>;
    /** A realm role when clientId is null, else a role of that client (its internal id). */
    getByName(realmId: string, clientId: string | null, name: string): Promise<RoleRecord | undefined>;
    insert(role: RoleRecord): Promise<void>;
    /** Parent → child pairs of composite roles in a realm. */
    listComposites(realmId: string): Promise<Array<{ parentId: string; childId: string }>>;
    addComposite(parentId: string, childId: string): Promise<void>;
    listUserRoleIds(userId: string): Promise<string[]>;
    grantToUser(userId: string, roleId: string): Promise<void>;
    getById(id: string): Promise<RoleRecord | undefined>;
    /** Changes name and description; the owner stays. */
    update(role: RoleRecord): Promise<void>;
    /** Deletes the role with its composites and grants (to users and groups). */
    delete(id: string): Promise<void>;
    /** Revoking a role the user does not hold is not an error. */
    revokeFromUser(userId: string, roleId: string): Promise<void>;
    /** Removing a composite that is not there is not an error. */
    removeComposite(parentId: string, childId: string): Promise<void>;
    /** The users granted the role directly, in code-point order of lower-cased username. */
    listUsers(roleId: string, opts?: { first?: number; max?: number }): Promise<UserRecord[]>;
  };
  sessions: {
    get(id: string): Promise<SessionRecord | undefined>;
    insert(session: SessionRecord): Promise<void>;
    touch(id: string, lastSeenAt: number, expiresAt: number): Promise<void>;
    /** A user's sessions, expired ones too until housekeeping deletes them, oldest first. */
    listByUser(userId: string): Promise<SessionRecord[]>;
    /** Which clients (internal ids) each of these sessions issued codes or refresh tokens to, each pair once. */
    listClients(sessionIds: string[]): Promise<Array<{ sessionId: string; clientId: string }>>;
    /** The sessions that issued codes or refresh tokens to the client (its internal id), expired ones too, oldest first. */
    listByClient(clientId: string): Promise<SessionRecord[]>;
    /** What the session's sign-in has done now (a step-up added a factor). */
    setAmr(id: string, amr: string[]): Promise<void>;
    /** The realm's sessions, expired ones too. */
    listByRealm(realmId: string): Promise<SessionRecord[]>;
    /** Deletes those sessions; returns how many were there. */
    deleteMany(ids: string[]): Promise<number>;
    /**
     * For each client of the realm (its internal `id` and its `clientId`) that sessions alive at
     * `at` (neither idle nor past their lifespan) issued codes or refresh tokens to: how many,
     * online and offline; by clientId.
     */
    countByClient(realmId: string, at: number): Promise<Array<{ id: string; clientId: string; online: number; offline: number }>>;
  };
  /** Logout tokens waiting for delivery to clients' back-channel logout URLs. */
  backchannelLogouts: {
    insert(records: BackchannelLogoutRecord[]): Promise<void>;
    /** At most `limit` due at `at`, earliest first. */
    listDue(at: number, limit: number): Promise<BackchannelLogoutRecord[]>;
    /** When the earliest one is due, if there is any. */
    nextDue(): Promise<number | undefined>;
    /**
     * Takes one for an attempt: moves its next attempt from `expected` to `until`; false when
     * another process took it first.
     */
    claim(id: string, expected: number, until: number): Promise<boolean>;
    reschedule(id: string, attempts: number, nextAttemptAt: number): Promise<void>;
    delete(id: string): Promise<void>;
  };
  /** RFC 8628 device authorizations. */
  deviceCodes: {
    /** A user code hash taken already fails the call (a unique violation). */
    insert(record: DeviceCodeRecord): Promise<void>;
    getByDeviceCode(deviceCodeHash: string): Promise<DeviceCodeRecord | undefined>;
    getByUserCode(userCodeHash: string): Promise<DeviceCodeRecord | undefined>;
    /** Records a poll, and the interval from then on. */
    polled(deviceCodeHash: string, at: number, pollInterval: number): Promise<void>;
    /** Approves or denies a pending one; false when it was no longer pending. */
    decide(deviceCodeHash: string, status: Exclude<DeviceCodeStatus, 'pending'>, userId: string | null, sessionId: string | null): Promise<boolean>;
    /** False when it was gone already, so that two racing polls can't both redeem it. */
    delete(deviceCodeHash: string): Promise<boolean>;
  };
  /**
   * Wrong user codes entered (RFC 8628 §5.1) by source address, counted in windows: in the
   * database, so that guessing spread over several nodes is bounded as on one.
   */
  userCodeFailures: {
    /**
     * Counts one from the address, in one write (racing requests each count): in its window
     * while that is open at `at`, else in a new one that closes at `windowEnd`.
     */
    add(address: string, at: number, windowEnd: number): Promise<void>;
    /** The failures from the address in its window open at `at` (0 when none is). */
    count(address: string, at: number): Promise<number>;
  };
  /** Users' second factors (OTP generators, recovery codes); the password is in `passwords`. */
  credentials: {
    /** The user's, by priority, then age. */
    listByUser(userId: string): Promise<CredentialRecord[]>;
    insert(credential: CredentialRecord): Promise<void>;
    /** Changes the label and the priority. */
    update(credential: CredentialRecord): Promise<void>;
    /**
     * Replaces secret, data and counter, only while they are still `previous`'s (a code used
     * up, a counter moved on): false when another sign-in changed them first, so two racing
     * sign-ins cannot both use one code.
     */
    swap(previous: CredentialRecord, next: CredentialRecord): Promise<boolean>;
    /** Deleting what is not there is not an error. */
    delete(id: string): Promise<void>;
  };
  refreshTokens: {
    getByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
    insert(token: RefreshTokenRecord): Promise<void>;
    /**
     * Counts a use of the token at `at` unless it has had `maxUses` already (then false), in
     * one write, so that two racing refreshes can't both take its last use.
     */
    markUsed(id: string, at: number, maxUses: number): Promise<boolean>;
    /** Revokes every refresh token of the family and the unexpired access tokens issued with them. */
    revokeFamily(familyId: string, at: number): Promise<void>;
  };
  revokedAccessTokens: {
    add(jti: string, expiresAt: number): Promise<void>;
    has(jti: string): Promise<boolean>;
  };
  /**
   * JWT ids that may be used once (client assertions, request objects), each remembered until
   * the JWT expires: in the database, so that a replay to another node is caught too.
   */
  usedJtis: {
    /** False when the key was claimed before: a replay. */
    claim(key: string, expiresAt: number): Promise<boolean>;
  };
  /** Pushed authorization requests (RFC 9126), each used once. */
  pushedRequests: {
    insert(request: PushedRequestRecord): Promise<void>;
    /** Removes and returns it, so two racing uses can't both get it; undefined when gone. */
    take(id: string): Promise<PushedRequestRecord | undefined>;
  };
  codes: {
    insert(code: AuthorizationCodeRecord): Promise<void>;
    getByHash(codeHash: string): Promise<AuthorizationCodeRecord | undefined>;
    /**
     * Marks a code used, with what it is about to be exchanged for (in the same write, so a
     * replay racing the exchange still finds what to revoke); false when it already was, so
     * two racing exchanges can't both win.
     */
    markUsed(codeHash: string, at: number, issued: { familyId: string; jti: string; jtiExpiresAt: number }): Promise<boolean>;
  };
  interactions: {
    insert(interaction: InteractionRecord): Promise<void>;
    get(id: string): Promise<InteractionRecord | undefined>;
    update(interaction: InteractionRecord): Promise<void>;
    delete(id: string): Promise<void>;
  };
  consents: {
    get(userId: string, clientId: string): Promise<ConsentRecord | undefined>;
    put(consent: ConsentRecord): Promise<void>;
    listByUser(userId: string): Promise<ConsentRecord[]>;
    /** False when there was none. */
    delete(userId: string, clientId: string): Promise<boolean>;
  };
  loginFailures: {
    get(userId: string): Promise<LoginFailureRecord | undefined>;
    put(record: LoginFailureRecord): Promise<void>;
    /** The account's failures from one source address. */
    getAt(userId: string, address: string): Promise<AddressFailureRecord | undefined>;
    putAt(record: AddressFailureRecord): Promise<void>;
    /** Forgets the account's failures, from every address. */
    clear(userId: string): Promise<void>;
    /** Forgets the failures of every user of the realm. */
    clearRealm(realmId: string): Promise<void>;
  };
  /**
   * Many rows at a time, for realm import and export (and seeding benchmarks): a 100,000-user realm would take
   * hundreds of thousands of one-row statements. Each call may run several statements;
   * wrap them in a transaction to make them atomic.
   */
  bulk: {
    /** Inserts every user; a duplicate (id, or username in the realm regardless of case) fails the call. */
    insertUsers(users: UserRecord[]): Promise<void>;
    /** Sets every password, replacing a user's existing one (upsert). */
    setPasswords(passwords: PasswordRecord[]): Promise<void>;
    /** Grants each role to its user; a grant that exists already is kept. */
    grantRoles(grants: Array<{ userId: string; roleId: string }>): Promise<void>;
    /** Inserts every session (many sign-ins at once: seeding a benchmark); a duplicate id fails the call. */
    insertSessions(sessions: SessionRecord[]): Promise<void>;
    /** Inserts every refresh token; a duplicate id or hash fails the call. */
    insertRefreshTokens(tokens: RefreshTokenRecord[]): Promise<void>;
    /** Inserts every authorization code; a duplicate hash fails the call. */
    insertCodes(codes: AuthorizationCodeRecord[]): Promise<void>;
    /**
     * The ids of all of a realm's users, in code-point order: one sort for the whole realm,
     * where paging by a range of ids would sort the realm's users again for every page.
     */
    listUserIds(realmId: string): Promise<string[]>;
    /** Those users (of any realm) that exist, in the order of `ids`. */
    getUsers(ids: string[]): Promise<UserRecord[]>;
    /** The passwords of those users that have one. */
    listPasswords(userIds: string[]): Promise<PasswordRecord[]>;
    /** The direct role grants of those users (composites and groups not expanded). */
    listUserRoles(userIds: string[]): Promise<Array<{ userId: string; roleId: string }>>;
    /** Inserts every link; a duplicate (a user linked twice to a provider, or one account at a provider twice) fails the call. */
    insertFederatedIdentities(links: FederatedIdentityRecord[]): Promise<void>;
    /** The provider links of those users, by user then provider. */
    listFederatedIdentities(userIds: string[]): Promise<FederatedIdentityRecord[]>;
    /** Makes each user a member of its group; a membership that exists already is kept. */
    addMembers(memberships: Array<{ userId: string; groupId: string }>): Promise<void>;
    /** The direct group memberships of those users (a parent group's membership not implied). */
    listMemberships(userIds: string[]): Promise<Array<{ userId: string; groupId: string }>>;
    /** Inserts every credential; a duplicate id fails the call. */
    insertCredentials(credentials: CredentialRecord[]): Promise<void>;
    /** The second factors of those users, by user then priority. */
    listCredentials(userIds: string[]): Promise<CredentialRecord[]>;
  };
  /** Login and admin events (Keycloak's event store); times in milliseconds. */
  events: {
    /** Several in one statement: login events are written in batches, off the request's path. */
    insertLogins(events: LoginEventRecord[]): Promise<void>;
    insertAdmin(event: AdminEventRecord): Promise<void>;
    /** A realm's login events matching every filter given, newest first unless ascending. */
    listLogin(realmId: string, query?: LoginEventQuery): Promise<LoginEventRecord[]>;
    listAdmin(realmId: string, query?: AdminEventQuery): Promise<AdminEventRecord[]>;
    /**
     * Deletes, oldest first, at most `limit` events of each kind (or only of `kind`) with a
     * time before cutoffMs, in one realm or in all; returns how many went. Call again until
     * it returns less than the limit: short statements, so no long lock on a busy table.
     */
    deleteOlderThan(cutoffMs: number, limit: number, scope?: { kind?: 'login' | 'admin'; realmId?: string }): Promise<number>;
  };
  /**
   * Housekeeping: each deletes at most `limit` rows whose expiry (seconds) is at or before
   * `before`, and returns how many it deleted.
   */
  expired: {
    deleteCodes(before: number, limit: number): Promise<number>;
    deleteInteractions(before: number, limit: number): Promise<number>;
    deleteRevokedAccessTokens(before: number, limit: number): Promise<number>;
    deleteRefreshTokens(before: number, limit: number): Promise<number>;
    /** Passive keys whose retiresAt has come; their realms' cached JWKS must then be dropped. */
    deleteRetiredKeys(before: number, limit: number): Promise<number>;
    deleteBrokerStates(before: number, limit: number): Promise<number>;
    deleteUsedJtis(before: number, limit: number): Promise<number>;
    deletePushedRequests(before: number, limit: number): Promise<number>;
    /** Outbox rows sent or given up on at or before `before`. */
    deleteFinishedMail(before: number, limit: number): Promise<number>;
    deleteDeviceCodes(before: number, limit: number): Promise<number>;
    /** Windows of wrong user codes closed at or before `before`. */
    deleteUserCodeFailures(before: number, limit: number): Promise<number>;
    /** Client initial access tokens with an expiry (not 0) that has come. */
    deleteClientInitialAccess(before: number, limit: number): Promise<number>;
    /** At most `limit` sessions past their idle or absolute expiry. */
    listSessions(before: number, limit: number): Promise<SessionRecord[]>;
  };
  /** Other OpenID providers a realm signs its users in through. */
  identityProviders: {
    /** A realm's providers, in code-point order of alias. */
    list(realmId: string): Promise<IdentityProviderRecord[]>;
    /** Aliases are case-sensitive, unique in a realm. */
    getByAlias(realmId: string, alias: string): Promise<IdentityProviderRecord | undefined>;
    getById(id: string): Promise<IdentityProviderRecord | undefined>;
    insert(provider: IdentityProviderRecord): Promise<void>;
    /** Changes alias, enabled, settings and secret. */
    update(provider: IdentityProviderRecord): Promise<void>;
    /** Deletes the provider with its users' links, pending states and session tokens. */
    delete(id: string): Promise<void>;
  };
  /** Which user is which account at a provider. */
  federatedIdentities: {
    /** The link of the provider's account `subject` (its sub; case-sensitive). */
    find(providerId: string, subject: string): Promise<FederatedIdentityRecord | undefined>;
    /** A user's links, by provider id. */
    listByUser(userId: string): Promise<FederatedIdentityRecord[]>;
    /** One link per user and provider, and one user per account at a provider: a second fails. */
    insert(link: FederatedIdentityRecord): Promise<void>;
    /** Changes the username at the provider. */
    update(link: FederatedIdentityRecord): Promise<void>;
    /** Unlinking what is not linked is not an error. */
    delete(userId: string, providerId: string): Promise<void>;
  };
  /** Sign-ins and logouts waiting for the browser to come back from a provider. */
  brokerStates: {
    insert(state: BrokerStateRecord): Promise<void>;
    get(id: string): Promise<BrokerStateRecord | undefined>;
    /** False when it was gone already, so two racing callbacks can't both use one state. */
    delete(id: string): Promise<boolean>;
  };
  /** The provider's ID token of each session that began at a provider. */
  brokerSessions: {
    /** One per session: putting again replaces it. */
    put(record: BrokerSessionRecord): Promise<void>;
    get(sessionId: string): Promise<BrokerSessionRecord | undefined>;
  };
  /** Groups of users; a member holds the group's roles (and its ancestors'). */
  groups: {
    /** A realm's groups with that parent (null: top-level), by name in code-point order; `search` is contained in the name, ignoring case. */
    list(realmId: string, opts?: { parentId?: string | null; search?: string; first?: number; max?: number }): Promise<GroupRecord[]>;
    count(realmId: string, opts?: { parentId?: string | null; search?: string }): Promise<number>;
    getById(realmId: string, id: string): Promise<GroupRecord | undefined>;
    /** Names are unique among the children of one parent (or among top-level groups). */
    getByName(realmId: string, parentId: string | null, name: string): Promise<GroupRecord | undefined>;
    insert(group: GroupRecord): Promise<void>;
    /** Changes name and attributes. */
    update(group: GroupRecord): Promise<void>;
    /** Deletes the group, its subgroups, their role grants and memberships. */
    delete(id: string): Promise<void>;
    listRoleIds(groupId: string): Promise<string[]>;
    grantRole(groupId: string, roleId: string): Promise<void>;
    revokeRole(groupId: string, roleId: string): Promise<void>;
    /** The groups a user is a direct member of, by name. */
    listByUser(userId: string): Promise<GroupRecord[]>;
    addMember(groupId: string, userId: string): Promise<void>;
    removeMember(groupId: string, userId: string): Promise<void>;
    /** Direct members, in code-point order of lower-cased username. */
    listMembers(groupId: string, opts?: { first?: number; max?: number }): Promise<UserRecord[]>;
    /** The roles granted to the user's groups and to their ancestors (composites not expanded). */
    listUserGroupRoleIds(userId: string): Promise<string[]>;
    /** The groups granted the role directly, by name. */
    listByRole(roleId: string): Promise<GroupRecord[]>;
  };
}

type Cause = { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };

/** The error and its causes (and, for an AggregateError, the errors it holds), a few levels deep. */
function* causes(err: unknown, depth = 0): Generator<Cause> {
  if (!err || typeof err !== 'object' || depth > 5) return;
  const e = err as Cause;
  yield e;
  yield* causes(e.cause, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* causes(inner, depth + 1);
}

/** True when a write failed on a unique or primary key constraint, on either back end. */
export function isUniqueViolation(err: unknown): boolean {
  for (const e of causes(err)) {
    if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.code === '23505') return true;
  }
  return false;
}

// The socket errors of a database that cannot be reached.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH',
  'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// PostgreSQL SQLSTATEs of a server that is going away, starting up, overloaded or too slow:
// class 08 (connection exception), 53 (insufficient resources), 57P01-57P03 (shutting down,
// crashed, not accepting connections yet), 57014 (statement_timeout), 55P03 (lock_timeout),
// 40001 and 40P01 (serialization failure, deadlock: worth a retry).
const POSTGRES_TRANSIENT = /^(?:08...|53...|57P0[123]|57014|55P03|40001|40P01)$/;
// What pg itself throws, without a code, for a connection that broke or never came.
const PG_CONNECTION_MESSAGES = /^(?:Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated due to connection timeout)/;
// SQLite: locked beyond busy_timeout by another process, or the disk failing or full.
const SQLITE_TRANSIENT = /^SQLITE_(?:BUSY|LOCKED|IOERR|FULL)/;

/**
 * True when an error says the database is out of reach or overloaded for now, not that the
 * request was wrong or the code broken: the caller answers 503 and may be retried.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of causes(err)) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (NETWORK_CODES.has(code) || POSTGRES_TRANSIENT.test(code) || SQLITE_TRANSIENT.test(code)) return true;
    if (typeof e.message === 'string' && PG_CONNECTION_MESSAGES.test(e.message)) return true;
  }
  return false;
}
