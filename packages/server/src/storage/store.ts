import type {
  AuthorizationCodeRecord,
  ConsentRecord,
  InteractionRecord,
  LoginFailureRecord,
  ClientRecord,
  ClientSecretRecord,
  KeyRecord,
  KeyStatus,
  PasswordRecord,
  RealmRecord,
  RefreshTokenRecord,
  RoleRecord,
  SessionRecord,
  UserRecord,
} from './records.js';

export * from './records.js';

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

  realms: {
    list(): Promise<RealmRecord[]>;
    getByName(name: string): Promise<RealmRecord | undefined>;
    insert(realm: RealmRecord): Promise<void>;
    update(realm: RealmRecord): Promise<void>;
    delete(id: string): Promise<void>;
  };
  keys: {
    listByRealm(realmId: string): Promise<KeyRecord[]>;
    insert(key: KeyRecord): Promise<void>;
    setStatus(kid: string, status: KeyStatus): Promise<void>;
  };
  clients: {
    getByClientId(realmId: string, clientId: string): Promise<ClientRecord | undefined>;
    getById(id: string): Promise<ClientRecord | undefined>;
    list(realmId: string, opts?: { first?: number; max?: number }): Promise<ClientRecord[]>;
    insert(client: ClientRecord): Promise<void>;
    update(client: ClientRecord): Promise<void>;
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
  };
  passwords: {
    get(userId: string): Promise<PasswordRecord | undefined>;
    set(password: PasswordRecord): Promise<void>;
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
  };
  sessions: {
    get(id: string): Promise<SessionRecord | undefined>;
    insert(session: SessionRecord): Promise<void>;
    touch(id: string, lastSeenAt: number, expiresAt: number): Promise<void>;
    delete(id: string): Promise<void>;
  };
  refreshTokens: {
    getByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
    insert(token: RefreshTokenRecord): Promise<void>;
    /** Marks a token used; false when it was already used, so two racing refreshes can't both win. */
    markUsed(id: string, at: number): Promise<boolean>;
    revokeFamily(familyId: string, at: number): Promise<void>;
  };
  revokedAccessTokens: {
    add(jti: string, expiresAt: number): Promise<void>;
    has(jti: string): Promise<boolean>;
  };
  codes: {
    insert(code: AuthorizationCodeRecord): Promise<void>;
    getByHash(codeHash: string): Promise<AuthorizationCodeRecord | undefined>;
    /** Marks a code used; false when it already was, so two racing exchanges can't both win. */
    markUsed(codeHash: string, at: number): Promise<boolean>;
    setIssued(codeHash: string, issued: { familyId: string | null; jti: string; jtiExpiresAt: number }): Promise<void>;
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
  };
  loginFailures: {
    get(userId: string): Promise<LoginFailureRecord | undefined>;
    put(record: LoginFailureRecord): Promise<void>;
    clear(userId: string): Promise<void>;
  };
}
