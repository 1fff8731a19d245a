import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { noChangeFeed, type ChangeFeed } from '../changes.js';
import { arg, PreparedQueries } from './prepared.js';
import type { Database } from './schema.js';
import type {
  AdminEventRecord, LoginEventRecord, GroupRecord, UserQuery, BrokerStateRecord, FederatedIdentityRecord, IdentityProviderRecord,
  AuthorizationCodeRecord, BackchannelLogoutRecord, DeviceCodeRecord, InteractionRecord, ConsentRecord, CredentialRecord, ClientRecord, ClientScopeRecord, ClientSecretRecord, KeyRecord, PasswordRecord, RealmRecord,
  RefreshTokenRecord, RoleRecord, SessionRecord, Store, UserRecord, OutboxRecord,
} from '../store.js';
import { newId } from '../../crypto/random.js';

// PostgreSQL returns bigint columns as strings: normalise every time to a number here.
const n = (v: unknown): number => Number(v);
const nOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const bool = (v: unknown): boolean => Number(v) === 1 || v === true;
const bit = (v: boolean): number => (v ? 1 : 0);

const toRealm = (r: any): RealmRecord => ({
  id: r.id, name: r.name, enabled: bool(r.enabled), settings: JSON.parse(r.settings), createdAt: n(r.created_at),
});
const toKey = (r: any): KeyRecord => ({
  kid: r.kid, realmId: r.realm_id, alg: r.alg, status: r.status, publicJwk: JSON.parse(r.public_jwk),
  sealedPrivateJwk: r.sealed_private_jwk, createdAt: n(r.created_at),
  retiresAt: r.retires_at === null || r.retires_at === undefined ? null : n(r.retires_at),
});
const toClient = (r: any): ClientRecord => ({
  id: r.id, realmId: r.realm_id, clientId: r.client_id, enabled: bool(r.enabled),
  publicClient: bool(r.public_client), settings: JSON.parse(r.settings), createdAt: n(r.created_at),
});
const fromClient = (c: ClientRecord) => ({
  id: c.id, realm_id: c.realmId, client_id: c.clientId, enabled: bit(c.enabled),
  public_client: bit(c.publicClient), settings: JSON.stringify(c.settings), created_at: c.createdAt,
});
const toClientScope = (r: any): ClientScopeRecord => {
  const { description, protocol, attributes, protocolMappers, scopeMappings = [] } = JSON.parse(r.settings);
  return { id: r.id, realmId: r.realm_id, name: r.name, description, protocol, attributes, protocolMappers, scopeMappings, createdAt: n(r.created_at) };
};
const fromClientScope = (c: ClientScopeRecord) => ({
  id: c.id, realm_id: c.realmId, name: c.name, created_at: c.createdAt,
  settings: JSON.stringify({
    description: c.description, protocol: c.protocol, attributes: c.attributes, protocolMappers: c.protocolMappers, scopeMappings: c.scopeMappings,
  }),
});
const toSecret = (r: any): ClientSecretRecord => ({
  id: r.id, clientId: r.client_id, sealedValue: r.sealed_value, label: r.label,
  createdAt: n(r.created_at), expiresAt: nOrNull(r.expires_at),
});
const toUser = (r: any): UserRecord => ({
  id: r.id, realmId: r.realm_id, username: r.username, enabled: bool(r.enabled), email: r.email,
  emailVerified: bool(r.email_verified), firstName: r.first_name, lastName: r.last_name,
  phoneNumber: r.phone_number, attributes: JSON.parse(r.attributes),
  serviceAccountClientId: r.service_account_client_id, requiredActions: JSON.parse(r.required_actions), createdAt: n(r.created_at),
});
const fromUser = (u: UserRecord) => ({
  id: u.id, realm_id: u.realmId, username: u.username, username_lower: u.username.toLowerCase(),
  enabled: bit(u.enabled), email: u.email, email_lower: u.email === null ? null : u.email.toLowerCase(),
  email_verified: bit(u.emailVerified), first_name: u.firstName, last_name: u.lastName, phone_number: u.phoneNumber,
  attributes: JSON.stringify(u.attributes), service_account_client_id: u.serviceAccountClientId, created_at: u.createdAt,
  required_actions: JSON.stringify(u.requiredActions),
  first_name_lower: u.firstName === null ? null : u.firstName.toLowerCase(),
  last_name_lower: u.lastName === null ? null : u.lastName.toLowerCase(),
});
const toGroup = (r: any): GroupRecord => ({
  id: r.id, realmId: r.realm_id, parentId: r.parent_id, name: r.name, attributes: JSON.parse(r.attributes), createdAt: n(r.created_at),
});
/** A LIKE pattern matching `value` literally: its own % and _ (and the escape) are escaped. */
const likeEscape = (value: string): string => value.replace(/[\\%_]/g, (c) => `\\${c}`);
/** `column LIKE pattern`, with the backslash as the escape on both back ends (SQLite has no default escape). */
const like = (column: string, pattern: string) => sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;
const toRole = (r: any): RoleRecord => ({
  id: r.id, realmId: r.realm_id, clientId: r.client_id, name: r.name, description: r.description,
});
const toSession = (r: any): SessionRecord => ({
  id: r.id, realmId: r.realm_id, userId: r.user_id, offline: bool(r.offline), authTime: n(r.auth_time),
  createdAt: n(r.created_at), lastSeenAt: n(r.last_seen_at), expiresAt: n(r.expires_at),
  maxExpiresAt: n(r.max_expires_at), ...(r.amr ? { amr: JSON.parse(r.amr) } : {}), ...(bool(r.remember_me) ? { rememberMe: true } : {}),
});
const fromSession = (s: SessionRecord) => ({
  id: s.id, realm_id: s.realmId, user_id: s.userId, offline: bit(s.offline), auth_time: s.authTime,
  created_at: s.createdAt, last_seen_at: s.lastSeenAt, expires_at: s.expiresAt, max_expires_at: s.maxExpiresAt,
  amr: s.amr ? JSON.stringify(s.amr) : null, remember_me: bit(s.rememberMe === true),
});
const toCredential = (r: any): CredentialRecord => ({
  id: r.id, realmId: r.realm_id, userId: r.user_id, type: r.type, userLabel: r.user_label, priority: n(r.priority),
  createdAt: n(r.created_at), sealedSecret: r.sealed_secret, data: r.data, counter: n(r.counter),
});
const fromCredential = (c: CredentialRecord) => ({
  id: c.id, realm_id: c.realmId, user_id: c.userId, type: c.type, user_label: c.userLabel, priority: c.priority,
  created_at: c.createdAt, sealed_secret: c.sealedSecret, data: c.data, counter: c.counter,
});
const fromRefresh = (t: RefreshTokenRecord) => ({
  id: t.id, token_hash: t.tokenHash, family_id: t.familyId, realm_id: t.realmId, client_id: t.clientId,
  user_id: t.userId, session_id: t.sessionId, scope: t.scope, created_at: t.createdAt,
  expires_at: t.expiresAt, used_at: t.usedAt, revoked_at: t.revokedAt, access_jti: t.accessJti,
  access_expires_at: t.accessExpiresAt, acr: t.acr, claims: t.claims, use_count: t.useCount, dpop_jkt: t.dpopJkt ?? null,
});
const toRefresh = (r: any): RefreshTokenRecord => ({
  id: r.id, tokenHash: r.token_hash, familyId: r.family_id, realmId: r.realm_id, clientId: r.client_id,
  userId: r.user_id, sessionId: r.session_id, scope: r.scope, createdAt: n(r.created_at),
  expiresAt: n(r.expires_at), usedAt: nOrNull(r.used_at), revokedAt: nOrNull(r.revoked_at),
  accessJti: r.access_jti ?? null, accessExpiresAt: nOrNull(r.access_expires_at ?? null), acr: r.acr ?? null,
  claims: r.claims ?? null, useCount: Number(r.use_count), ...(r.dpop_jkt ? { dpopJkt: r.dpop_jkt } : {}),
});

const toConsent = (r: any): ConsentRecord => ({ userId: r.user_id, clientId: r.client_id, scopes: JSON.parse(r.scopes), createdAt: n(r.created_at) });
const toCode = (r: any): AuthorizationCodeRecord => ({
  codeHash: r.code_hash, realmId: r.realm_id, clientId: r.client_id, userId: r.user_id, sessionId: r.session_id,
  redirectUri: r.redirect_uri, scope: r.scope, nonce: r.nonce, codeChallenge: r.code_challenge,
  codeChallengeMethod: r.code_challenge_method, authTime: n(r.auth_time), claims: r.claims, createdAt: n(r.created_at),
  expiresAt: n(r.expires_at), usedAt: nOrNull(r.used_at), issuedFamilyId: r.issued_family_id, issuedJti: r.issued_jti,
  issuedJtiExpiresAt: nOrNull(r.issued_jti_expires_at), acr: r.acr ?? null, ...(r.dpop_jkt ? { dpopJkt: r.dpop_jkt } : {}),
});
const fromCode = (c: AuthorizationCodeRecord) => ({
  code_hash: c.codeHash, realm_id: c.realmId, client_id: c.clientId, user_id: c.userId, session_id: c.sessionId,
  redirect_uri: c.redirectUri, scope: c.scope, nonce: c.nonce, code_challenge: c.codeChallenge,
  code_challenge_method: c.codeChallengeMethod, auth_time: c.authTime, claims: c.claims, created_at: c.createdAt,
  expires_at: c.expiresAt, used_at: c.usedAt, issued_family_id: c.issuedFamilyId, issued_jti: c.issuedJti,
  issued_jti_expires_at: c.issuedJtiExpiresAt, acr: c.acr, dpop_jkt: c.dpopJkt ?? null,
});
const toInteraction = (r: any): InteractionRecord => ({
  id: r.id, realmId: r.realm_id, clientId: r.client_id, request: r.request, userId: r.user_id,
  sessionId: r.session_id, createdAt: n(r.created_at), expiresAt: n(r.expires_at), ...(r.auth ? { auth: JSON.parse(r.auth) } : {}),
});
const fromInteraction = (i: InteractionRecord) => ({
  id: i.id, realm_id: i.realmId, client_id: i.clientId, request: i.request, user_id: i.userId,
  session_id: i.sessionId, created_at: i.createdAt, expires_at: i.expiresAt, auth: i.auth ? JSON.stringify(i.auth) : null,
});

const toOutbox = (r: any): OutboxRecord => ({
  id: r.id, realmId: r.realm_id, kind: r.kind, userId: r.user_id, sealedMessage: r.sealed_message, status: r.status,
  attempts: n(r.attempts), nextAttemptAt: n(r.next_attempt_at), claimedUntil: nOrNull(r.claimed_until), lastError: r.last_error,
  createdAt: n(r.created_at), finishedAt: nOrNull(r.finished_at),
});

const toProvider = (r: any): IdentityProviderRecord => ({
  id: r.id, realmId: r.realm_id, alias: r.alias, enabled: bool(r.enabled), settings: JSON.parse(r.settings),
  sealedClientSecret: r.sealed_client_secret, createdAt: n(r.created_at),
});
const fromProvider = (p: IdentityProviderRecord) => ({
  id: p.id, realm_id: p.realmId, alias: p.alias, enabled: bit(p.enabled), settings: JSON.stringify(p.settings),
  sealed_client_secret: p.sealedClientSecret, created_at: p.createdAt,
});
const toLink = (r: any): FederatedIdentityRecord => ({
  userId: r.user_id, realmId: r.realm_id, providerId: r.provider_id, subject: r.subject, username: r.username, createdAt: n(r.created_at),
});
const fromLink = (l: FederatedIdentityRecord) => ({
  user_id: l.userId, realm_id: l.realmId, provider_id: l.providerId, subject: l.subject, username: l.username, created_at: l.createdAt,
});
const toBackchannelLogout = (r: any): BackchannelLogoutRecord => ({
  id: r.id, realmId: r.realm_id, clientId: r.client_id, userId: r.user_id, sessionId: r.session_id, attempts: n(r.attempts),
  nextAttemptAt: n(r.next_attempt_at), createdAt: n(r.created_at),
});
const toDeviceCode = (r: any): DeviceCodeRecord => ({
  deviceCodeHash: r.device_code_hash, userCodeHash: r.user_code_hash, realmId: r.realm_id, clientId: r.client_id, scope: r.scope,
  status: r.status, userId: r.user_id, sessionId: r.session_id, pollInterval: n(r.poll_interval), lastPolledAt: nOrNull(r.last_polled_at),
  createdAt: n(r.created_at), expiresAt: n(r.expires_at),
});
// Ids per statement where a list goes into `in (…)`: well under SQLite's limit of bound parameters.
const IDS_PER_STATEMENT = 500;
const toBrokerState = (r: any): BrokerStateRecord => ({
  id: r.id, realmId: r.realm_id, providerId: r.provider_id, interactionId: r.interaction_id, sealedData: r.sealed_data,
  createdAt: n(r.created_at), expiresAt: n(r.expires_at),
});

const toLoginEvent = (r: any): LoginEventRecord => ({
  id: r.id, time: n(r.time), type: r.type, realmId: r.realm_id, clientId: r.client_id, userId: r.user_id,
  sessionId: r.session_id, ipAddress: r.ip_address, error: r.error, details: r.details === null ? null : JSON.parse(r.details),
});
const toAdminEvent = (r: any): AdminEventRecord => ({
  id: r.id, time: n(r.time), realmId: r.realm_id, operationType: r.operation_type, resourceType: r.resource_type,
  resourcePath: r.resource_path, authRealmId: r.auth_realm_id, authClientId: r.auth_client_id, authUserId: r.auth_user_id,
  authIpAddress: r.auth_ip_address, error: r.error,
});

const LOGIN_EVENT_COLUMNS = [
  'id', 'realm_id', 'time', 'type', 'client_id', 'user_id', 'session_id', 'ip_address', 'error', 'details',
] as const;

/** A LIKE pattern from Keycloak's `*` wildcard, the rest matched literally (escaped with backslash). */
const likePattern = (wildcard: string): string => wildcard.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');

/**
 * PostgreSQL text cannot hold U+0000 (a query with one in a parameter fails) while SQLite's
 * can. So that both answer alike, and untrusted input such as a username with %00 in it is
 * "not found" rather than a database error: a key holding one matches nothing, and a value
 * holding one is refused with UnstorableValueError. JSON columns escape it and are unaffected.
 * A key that is not text at all (a parameter that came as a list from an input no schema
 * typed) matches nothing too, rather than failing the query as a row value.
 */
const hasNul = (...keys: Array<string | null>): boolean => keys.some((k) => k !== null && (typeof k !== 'string' || k.includes('\u0000')));

/** A value neither back end can store the same way; thrown before the database sees it. */
export class UnstorableValueError extends Error {
  override name = 'UnstorableValueError';
}

function storable<R extends object>(table: string, row: R): R {
  // for…in rather than Object.entries: events insert thousands of rows a second through here.
  for (const column in row) {
    const value: unknown = row[column];
    if (typeof value === 'string' && value.includes('\u0000')) {
      throw new UnstorableValueError(`${table}.${column} contains a NUL character, which cannot be stored`);
    }
  }
  return row;
}

/** What differs between the back ends, given by the one that opens the store. */
export interface SqlStoreOptions {
  /** Releases what the database handle does not own (e.g. a file lock). */
  onClose?: () => Promise<void>;
  /**
   * Runs `work` while no other process sharing the database runs its own: start-up
   * steps (imports, first-start bootstrap) that must not interleave. Default: just runs it.
   */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
  /**
   * Text ordering by code point, as SQLite's BINARY collation sorts. PostgreSQL sorts
   * text by the database's collation (e.g. en_US puts "alpha" before "Zeta"); "C" sorts as SQLite does.
   */
  binaryCollation?: string;
  /** The function giving where a text first holds another (1-based, 0 when nowhere): SQLite's instr (the default), PostgreSQL's strpos. */
  positionFunction?: string;
  /** PostgreSQL: the connection pool's counts, for the metrics. */
  poolStats?: () => { total: number; idle: number; waiting: number };
  /** How the processes sharing the database hear of each other's changes (default: nobody to tell). */
  changes?: ChangeFeed;
  /**
   * Given by a back end that commits writes in groups (SQLite's group commit): resolves once
   * every write made so far is committed, or undefined when none waits; `writes` counts them.
   */
  groupCommit?: { durable(): Promise<void> | undefined; readonly writes: number };
}

/** Not namespaces of the Store: the instance's own plumbing. */
const PLUMBING = new Set(['db', 'options', 'queries', 'changes']);

/**
 * With group commit a write is committed with the others of its turn of the event loop, after
 * the statement has run: each of the store's operations (outside a transaction, whose own
 * statements wait for its end) resolves only once whatever was written while it ran is
 * committed, so that whoever awaits a write may tell of it.
 */
function awaitCommits(store: SqlStore, group: NonNullable<SqlStoreOptions['groupCommit']>): void {
  const namespaces = store as unknown as Record<string, Record<string, unknown>>;
  for (const name of Object.keys(store)) {
    const namespace = namespaces[name];
    if (PLUMBING.has(name) || typeof namespace !== 'object' || namespace === null || Object.getPrototypeOf(namespace) !== Object.prototype) continue;
    for (const [key, operation] of Object.entries(namespace)) {
      if (typeof operation !== 'function') continue;
      namespace[key] = async (...args: unknown[]) => {
        const writesBefore = group.writes;
        const result = await (operation as (...a: unknown[]) => Promise<unknown>)(...args);
        if (group.writes !== writesBefore) await group.durable();
        return result;
      };
    }
  }
}

/** The Store over Kysely: portable SQL only, shared by the SQLite and PostgreSQL back ends. */
export class SqlStore implements Store {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: SqlStoreOptions = {},
    private readonly queries = new PreparedQueries(),
  ) {
    this.changes = options.changes ?? noChangeFeed;
    if (options.groupCommit && !db.isTransaction) awaitCommits(this, options.groupCommit);
  }

  readonly changes: ChangeFeed;

  async transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return work(this);
    const result = await this.db.transaction().execute((trx: Transaction<Database>) => work(new SqlStore(trx, this.options, this.queries)));
    // Within a group commit the transaction was a savepoint: it is durable once the group is.
    await this.options.groupCommit?.durable();
    return result;
  }

  /** See SqlStoreOptions.exclusive. Not part of Store: only start-up uses it. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.options.exclusive ? this.options.exclusive(work) : work();
  }

  /** A text column to order by, in the same order on every back end. */
  private byText(column: string): RawBuilder<string> {
    const collation = this.options.binaryCollation;
    return collation ? sql<string>`${sql.ref(column)} collate ${sql.id(collation)}` : sql<string>`${sql.ref(column)}`;
  }

  /** The connection pool's counts (PostgreSQL), or undefined (SQLite has no pool). */
  poolStats(): { total: number; idle: number; waiting: number } | undefined {
    return this.options.poolStats?.();
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('realms').select('id').limit(1).execute();
  }

  async close(): Promise<void> {
    // First: publishes in flight go out on the pool.
    await this.changes.close();
    await this.db.destroy();
    await this.options.onClose?.();
  }

  realms: Store['realms'] = {
    list: async () => (await this.db.selectFrom('realms').selectAll().orderBy(this.byText('name')).execute()).map(toRealm),
    getByName: async (name) => {
      if (hasNul(name)) return undefined;
      const r = await this.db.selectFrom('realms').selectAll().where('name', '=', name).executeTakeFirst();
      return r && toRealm(r);
    },
    getById: async (id) => {
      if (hasNul(id)) return undefined;
      const r = await this.db.selectFrom('realms').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toRealm(r);
    },
    insert: async (r) => {
      await this.db.insertInto('realms').values(storable('realms', {
        id: r.id, name: r.name, enabled: bit(r.enabled), settings: JSON.stringify(r.settings), created_at: r.createdAt,
      })).execute();
    },
    update: async (r) => {
      if (hasNul(r.id)) return;
      await this.db.updateTable('realms')
        .set(storable('realms', { name: r.name, enabled: bit(r.enabled), settings: JSON.stringify(r.settings) }))
        .where('id', '=', r.id).execute();
    },
    delete: async (id) => {
      if (hasNul(id)) return;
      await this.db.deleteFrom('realms').where('id', '=', id).execute();
    },
  };

  clientInitialAccess: Store['clientInitialAccess'] = {
    list: async (realmId) => {
      if (hasNul(realmId)) return [];
      return (await this.db.selectFrom('client_initial_access').selectAll().where('realm_id', '=', realmId)
        .orderBy('created_at').orderBy(this.byText('id')).execute()).map((r) => ({
        id: r.id, realmId: r.realm_id, tokenHash: r.token_hash, createdAt: n(r.created_at),
        expiration: n(r.expiration), count: n(r.count), remainingCount: n(r.remaining_count),
      }));
    },
    insert: async (a) => {
      await this.db.insertInto('client_initial_access').values(storable('client_initial_access', {
        id: a.id, realm_id: a.realmId, token_hash: a.tokenHash, created_at: a.createdAt,
        expiration: a.expiration, count: a.count, remaining_count: a.remainingCount,
      })).execute();
    },
    delete: async (realmId, id) => {
      if (hasNul(realmId, id)) return false;
      const r = await this.db.deleteFrom('client_initial_access').where('realm_id', '=', realmId).where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };

  hmacKeys: Store['hmacKeys'] = {
    get: async (realmId) => {
      if (hasNul(realmId)) return undefined;
      const r = await this.db.selectFrom('realm_hmac_keys').selectAll().where('realm_id', '=', realmId).executeTakeFirst();
      return r && { realmId: r.realm_id, kid: r.kid, sealedSecret: r.sealed_secret, createdAt: n(r.created_at) };
    },
    insertIfAbsent: async (k) => {
      await this.db.insertInto('realm_hmac_keys').values(storable('realm_hmac_keys', {
        realm_id: k.realmId, kid: k.kid, sealed_secret: k.sealedSecret, created_at: k.createdAt,
      })).onConflict((oc) => oc.column('realm_id').doNothing()).execute();
    },
  };

  keys: Store['keys'] = {
    listByRealm: async (realmId) => {
      if (hasNul(realmId)) return [];
      return (await this.db.selectFrom('realm_keys').selectAll().where('realm_id', '=', realmId)
        .orderBy('created_at', 'desc').orderBy(this.byText('kid')).execute()).map(toKey);
    },
    insert: async (k) => {
      await this.db.insertInto('realm_keys').values(storable('realm_keys', {
        kid: k.kid, realm_id: k.realmId, alg: k.alg, status: k.status, public_jwk: JSON.stringify(k.publicJwk),
        sealed_private_jwk: k.sealedPrivateJwk, created_at: k.createdAt, retires_at: k.retiresAt,
      })).execute();
    },
    retire: async (kid, retiresAt) => {
      if (hasNul(kid)) return;
      await this.db.updateTable('realm_keys').set({ status: 'passive', retires_at: retiresAt }).where('kid', '=', kid).execute();
    },
  };

  clients: Store['clients'] = {
    getByClientId: async (realmId, clientId) => {
      if (hasNul(realmId, clientId)) return undefined;
      const r = await this.db.selectFrom('clients').selectAll()
        .where('realm_id', '=', realmId).where('client_id', '=', clientId).executeTakeFirst();
      return r && toClient(r);
    },
    getById: async (id) => {
      if (hasNul(id)) return undefined;
      const r = await this.db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toClient(r);
    },
    getByIds: async (ids) => {
      const wanted = [...new Set(ids)].filter((id) => !hasNul(id));
      if (wanted.length === 0) return [];
      return (await this.db.selectFrom('clients').selectAll().where('id', 'in', wanted).execute()).map(toClient);
    },
    list: async (realmId, opts = {}) => {
      if (hasNul(realmId)) return [];
      let q = this.db.selectFrom('clients').selectAll().where('realm_id', '=', realmId).orderBy(this.byText('client_id'));
      if (opts.max !== undefined) q = q.limit(opts.max).offset(opts.first ?? 0);
      return (await q.execute()).map(toClient);
    },
    insert: async (c) => { await this.db.insertInto('clients').values(storable('clients', fromClient(c))).execute(); },
    update: async (c) => {
      const { id, ...rest } = fromClient(c);
      if (hasNul(id)) return;
      await this.db.updateTable('clients').set(storable('clients', rest)).where('id', '=', id).execute();
    },
    delete: async (id) => {
      if (hasNul(id)) return;
      await this.db.deleteFrom('clients').where('id', '=', id).execute();
    },
  };

  clientScopes: Store['clientScopes'] = {
    list: async (realmId) => {
      if (hasNul(realmId)) return [];
      return (await this.db.selectFrom('client_scopes').selectAll().where('realm_id', '=', realmId)
        .orderBy(this.byText('name')).execute()).map(toClientScope);
    },
    getById: async (realmId, id) => {
      if (hasNul(realmId, id)) return undefined;
      const r = await this.db.selectFrom('client_scopes').selectAll().where('realm_id', '=', realmId).where('id', '=', id).executeTakeFirst();
      return r && toClientScope(r);
    },
    getByName: async (realmId, name) => {
      if (hasNul(realmId, name)) return undefined;
      const r = await this.db.selectFrom('client_scopes').selectAll().where('realm_id', '=', realmId).where('name', '=', name).executeTakeFirst();
      return r && toClientScope(r);
    },
    insert: async (c) => { await this.db.insertInto('client_scopes').values(storable('client_scopes', fromClientScope(c))).execute(); },
    update: async (c) => {
      const { id, name, settings } = fromClientScope(c);
      if (hasNul(id)) return;
      await this.db.updateTable('client_scopes').set(storable('client_scopes', { name, settings })).where('id', '=', id).execute();
    },
    delete: async (id) => {
      if (hasNul(id)) return;
      await this.db.deleteFrom('client_scopes').where('id', '=', id).execute();
    },
  };

  clientSecrets: Store['clientSecrets'] = {
    listByClient: async (clientId) => {
      if (hasNul(clientId)) return [];
      return (await this.db.selectFrom('client_secrets').selectAll().where('client_id', '=', clientId)
        .orderBy('created_at').orderBy(this.byText('id')).execute()).map(toSecret);
    },
    insert: async (s) => {
      await this.db.insertInto('client_secrets').values(storable('client_secrets', {
        id: s.id, client_id: s.clientId, sealed_value: s.sealedValue, label: s.label,
        created_at: s.createdAt, expires_at: s.expiresAt,
      })).execute();
    },
    delete: async (id) => {
      if (hasNul(id)) return;
      await this.db.deleteFrom('client_secrets').where('id', '=', id).execute();
    },
  };

  users: Store['users'] = {
    getById: async (realmId, id) => {
      if (hasNul(realmId, id)) return undefined;
      const { rows: [r] } = await this.queries.run(this.db, 'users.getById',
        (db) => db.selectFrom('users').selectAll().where('realm_id', '=', arg(0)).where('id', '=', arg(1)), [realmId, id]);
      return r && toUser(r);
    },
    getByUsername: async (realmId, username) => {
      if (hasNul(realmId, username)) return undefined;
      const { rows: [r] } = await this.queries.run(this.db, 'users.getByUsername',
        (db) => db.selectFrom('users').selectAll().where('realm_id', '=', arg(0)).where('username_lower', '=', arg(1)),
        [realmId, username.toLowerCase()]);
      return r && toUser(r);
    },
    getByEmail: async (realmId, email) => {
      if (hasNul(realmId, email)) return undefined;
      const rows = await this.db.selectFrom('users').selectAll()
        .where('realm_id', '=', realmId).where('email_lower', '=', email.toLowerCase()).limit(2).execute();
      return rows.length === 1 ? toUser(rows[0]) : undefined;
    },
    getByServiceAccountClient: async (clientId) => {
      if (hasNul(clientId)) return undefined;
      const r = await this.db.selectFrom('users').selectAll()
        .where('service_account_client_id', '=', clientId).executeTakeFirst();
      return r && toUser(r);
    },
    countByRealm: async (realmId) => {
      if (hasNul(realmId)) return 0;
      const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll().as('count'))
        .where('realm_id', '=', realmId).executeTakeFirstOrThrow();
      return n(r.count);
    },
    insert: async (u) => { await this.db.insertInto('users').values(storable('users', fromUser(u))).execute(); },
    update: async (u) => {
      const { id, ...rest } = fromUser(u);
      if (hasNul(id)) return;
      await this.db.updateTable('users').set(storable('users', rest)).where('id', '=', id).execute();
    },
    delete: async (id) => {
      if (hasNul(id)) return;
      await this.db.deleteFrom('users').where('id', '=', id).execute();
    },
    search: async (realmId, query = {}) => {
      const q = this.userQuery(realmId, query);
      if (!q) return [];
      let rows = q.selectAll().orderBy(this.byText('username_lower'));
      if (query.max !== undefined) rows = rows.limit(query.max).offset(query.first ?? 0);
      return (await rows.execute()).map(toUser);
    },
    count: async (realmId, query = {}) => {
      const q = this.userQuery(realmId, query);
      if (!q) return 0;
      const r = await q.select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow();
      return n(r.count);
    },
  };

  /** The users of a realm matching a query, or undefined when a value can match nothing (a NUL). */
  private userQuery(realmId: string, query: UserQuery) {
    const { search, username, email, firstName, lastName, exact } = query;
    if (hasNul(realmId, search ?? null, username ?? null, email ?? null, firstName ?? null, lastName ?? null)) return undefined;
    let q = this.db.selectFrom('users').where('realm_id', '=', realmId);
    if (!query.includeServiceAccounts) q = q.where('service_account_client_id', 'is', null);
    if (query.enabled !== undefined) q = q.where('enabled', '=', bit(query.enabled));
    if (query.emailVerified !== undefined) q = q.where('email_verified', '=', bit(query.emailVerified));
    for (const [key, value] of query.attributesLike ?? []) {
      // The JSON text holds `"key":[` and each value as a JSON string. Lower-casing is the same on
      // both back ends only for ASCII (SQLite's lower()), so other values narrow by key alone.
      if (hasNul(key, value)) return undefined;
      q = q.where(like('attributes', `%${likeEscape(JSON.stringify(key))}:[%`));
      if (/^[\x20-\x7e]*$/.test(value)) {
        q = q.where(sql<boolean>`lower(${sql.ref('attributes')}) like ${`%${likeEscape(JSON.stringify(value.toLowerCase()).slice(1, -1))}%`} escape '\\'`);
      }
    }
    if (query.identityProviderId !== undefined) {
      if (hasNul(query.identityProviderId)) return undefined;
      q = q.where('id', 'in', this.db.selectFrom('federated_identities').select('user_id').where('provider_id', '=', query.identityProviderId));
    }
    if (query.secondFactor !== undefined) {
      q = q.where('id', query.secondFactor ? 'in' : 'not in', this.db.selectFrom('credentials').select('user_id'));
    }
    if (search !== undefined) {
      const pattern = likeEscape(search.toLowerCase()).replace(/\*/g, '%');
      q = q.where(sql<boolean>`(${like('username_lower', pattern)} or ${like('email_lower', pattern)}
        or ${like('first_name_lower', pattern)} or ${like('last_name_lower', pattern)})`);
    }
    const fields = [['username_lower', username], ['email_lower', email], ['first_name_lower', firstName], ['last_name_lower', lastName]] as const;
    for (const [column, value] of fields) {
      if (value === undefined) continue;
      q = exact ? q.where(column, '=', value.toLowerCase()) : q.where(like(column, `%${likeEscape(value.toLowerCase())}%`));
    }
    return q;
  }

  passwords: Store['passwords'] = {
    get: async (userId) => {
      if (hasNul(userId)) return undefined;
      const { rows: [r] } = await this.queries.run(this.db, 'passwords.get',
        (db) => db.selectFrom('passwords').selectAll().where('user_id', '=', arg(0)), [userId]);
      return r && { userId: r.user_id, algorithm: r.algorithm, data: r.data, createdAt: n(r.created_at) } satisfies PasswordRecord;
    },
    set: async (p) => {
      const row = storable('passwords', { user_id: p.userId, algorithm: p.algorithm, data: p.data, created_at: p.createdAt });
      await this.db.insertInto('passwords').values(row)
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ algorithm: p.algorithm, data: p.data, created_at: p.createdAt }))
        .execute();
    },
    delete: async (userId) => {
      if (hasNul(userId)) return;
      await this.db.deleteFrom('passwords').where('user_id', '=', userId).execute();
    },
    samplesOfKinds: async (realmId, { except, parametersFrom }) => {
      if (hasNul(realmId, except, parametersFrom)) return [];
      const from = sql`${sql.raw(this.options.positionFunction ?? 'instr')}(passwords.data, ${parametersFrom})`;
      return this.db.selectFrom('passwords').innerJoin('users', 'users.id', 'passwords.user_id')
        .select((eb) => ['passwords.algorithm', eb.fn.min('passwords.data').as('data')])
        .where('users.realm_id', '=', realmId).where('passwords.algorithm', '<>', except)
        .groupBy(['passwords.algorithm', sql`length(passwords.data)`, sql`substr(passwords.data, ${from})`])
        .execute();
    },
  };

  passwordHistory: Store['passwordHistory'] = {
    list: async (userId, limit) => {
      if (hasNul(userId) || limit <= 0) return [];
      return (await this.db.selectFrom('password_history').selectAll().where('user_id', '=', userId)
        .orderBy('replaced_at', 'desc').limit(limit).execute())
        .map((r) => ({ userId: r.user_id, algorithm: r.algorithm, data: r.data, createdAt: n(r.created_at) }));
    },
    add: async (p, keep) => {
      await this.transaction(async (tx) => {
        const db = (tx as SqlStore).db;
        await db.insertInto('password_history')
          .values(storable('password_history', {
            id: newId(), user_id: p.userId, algorithm: p.algorithm, data: p.data, created_at: p.createdAt, replaced_at: Date.now(),
          }))
          .execute();
        const kept = db.selectFrom('password_history').select('id').where('user_id', '=', p.userId)
          .orderBy('replaced_at', 'desc').limit(Math.max(0, keep));
        await db.deleteFrom('password_history').where('user_id', '=', p.userId).where('id', 'not in', kept).execute();
      });
    },
  };

  outbox: Store['outbox'] = {
    insert: async (m) => {
      await this.db.insertInto('mail_outbox').values(storable('mail_outbox', {
        id: m.id, realm_id: m.realmId, kind: m.kind, user_id: m.userId, sealed_message: m.sealedMessage, status: m.status,
        attempts: m.attempts, next_attempt_at: m.nextAttemptAt, claimed_until: m.claimedUntil, last_error: m.lastError,
        created_at: m.createdAt, finished_at: m.finishedAt,
      })).execute();
    },
    listDue: async (at, limit) =>
      (await this.db.selectFrom('mail_outbox').selectAll().where('status', '=', 'pending').where('next_attempt_at', '<=', at)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)]))
        .orderBy('next_attempt_at').orderBy('created_at').limit(limit).execute()).map(toOutbox),
    claim: async (id, at, until) => {
      const r = await this.db.updateTable('mail_outbox').set((eb) => ({ claimed_until: until, attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id).where('status', '=', 'pending').where('next_attempt_at', '<=', at)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    markSent: async (id, at) => {
      await this.db.updateTable('mail_outbox')
        .set({ status: 'sent', sealed_message: '', claimed_until: null, last_error: null, finished_at: at })
        .where('id', '=', id).execute();
    },
    markFailed: async (id, error, nextAttemptAt, at) => {
      const row = storable('mail_outbox', { last_error: error });
      await this.db.updateTable('mail_outbox').set(nextAttemptAt === null
        ? { ...row, status: 'failed', sealed_message: '', claimed_until: null, finished_at: at }
        : { ...row, next_attempt_at: nextAttemptAt, claimed_until: null })
        .where('id', '=', id).execute();
    },
  };

  roles: Store['roles'] = {
    listByRealm: async (realmId) => {
      if (hasNul(realmId)) return [];
      return (await this.db.selectFrom('roles').selectAll().where('realm_id', '=', realmId)
        .orderBy(this.byText('id')).execute()).map(toRole);
    },
    getByName: async (realmId, clientId, name) => {
      if (hasNul(realmId, clientId, name)) return undefined;
      const r = await this.db.selectFrom('roles').selectAll()
        .where('container_id', '=', clientId ?? realmId).where('name', '=', name).executeTakeFirst();
      return r && toRole(r);
    },
    insert: async (r) => {
      await this.db.insertInto('roles').values(storable('roles', {
        id: r.id, realm_id: r.realmId, client_id: r.clientId, container_id: r.clientId ?? r.realmId,
        name: r.name, description: r.description,
      })).execute();
    },
    listComposites: async (realmId) => {
      if (hasNul(realmId)) return [];
      return (await this.db.selectFrom('role_composites').select(['parent_id', 'child_id'])
        .where('realm_id', '=', realmId).orderBy(this.byText('parent_id')).orderBy(this.byText('child_id')).execute())
        .map((r) => ({ parentId: r.parent_id, childId: r.child_id }));
    },
    addComposite: async (parentId, childId) => {
      storable('role_composites', { parent_id: parentId, child_id: childId });
      const parent = await this.db.selectFrom('roles').select('realm_id').where('id', '=', parentId).executeTakeFirstOrThrow();
      await this.db.insertInto('role_composites').values({ parent_id: parentId, child_id: childId, realm_id: parent.realm_id })
        .onConflict((oc) => oc.doNothing()).execute();
    },
    listUserRoleIds: async (userId) => {
      if (hasNul(userId)) return [];
      return (await this.db.selectFrom('user_roles').select('role_id').where('user_id', '=', userId)
        .orderBy(this.byText('role_id')).execute()).map((r) => r.role_id);
    },
    grantToUser: async (userId, roleId) => {
      await this.db.insertInto('user_roles').values(storable('user_roles', { user_id: userId, role_id: roleId }))
        .onConflict((oc) => oc.doNothing()).execute();
    },
    getById: async (id) => {
      if (hasNul(id)) return undefined;
      const r = await this.db.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toRole(r);
    },
    update: async (r) => {
      if (hasNul(r.id)) return;
      await this.db.updateTable('roles').set(storable('roles', { name: r.name, description: r.description }))
        .where('id', '=', r.id).execute();
    },
    delete: async (id) => {
      if (hasNul(id)) return;
      await this.db.deleteFrom('roles').where('id', '=', id).execute();
    },
    revokeFromUser: async (userId, roleId) => {
      if (hasNul(userId, roleId)) return;
      await this.db.deleteFrom('user_roles').where('user_id', '=', userId).where('role_id', '=', roleId).execute();
    },
    removeComposite: async (parentId, childId) => {
      if (hasNul(parentId, childId)) return;
      await this.db.deleteFrom('role_composites').where('parent_id', '=', parentId).where('child_id', '=', childId).execute();
    },
    listUsers: (roleId, opts = {}) => this.linkedUsers(USER_ROLES, roleId, opts),
  };

  sessions: Store['sessions'] = {
    get: async (id) => {
      if (hasNul(id)) return undefined;
      const { rows: [r] } = await this.queries.run(this.db, 'sessions.get',
        (db) => db.selectFrom('sessions').selectAll().where('id', '=', arg(0)), [id]);
      return r && toSession(r);
    },
    insert: async (s) => { await this.queries.insert(this.db, 'sessions', storable('sessions', fromSession(s))); },
    touch: async (id, lastSeenAt, expiresAt) => {
      if (hasNul(id)) return;
      await this.queries.run(this.db, 'sessions.touch',
        (db) => db.updateTable('sessions').set({ last_seen_at: arg(0), expires_at: arg(1) }).where('id', '=', arg(2)),
        [lastSeenAt, expiresAt, id]);
    },
    listByUser: async (userId) => {
      if (hasNul(userId)) return [];
      const rows = await this.db.selectFrom('sessions').selectAll().where('user_id', '=', userId)
        .orderBy('created_at').orderBy('id').execute();
      return rows.map(toSession);
    },
    listClients: async (sessionIds) => {
      const ids = sessionIds.filter((id) => !hasNul(id));
      if (ids.length === 0) return [];
      const rows = await this.db.selectFrom('refresh_tokens').select(['session_id', 'client_id']).where('session_id', 'in', ids)
        .union(this.db.selectFrom('authorization_codes').select(['session_id', 'client_id']).where('session_id', 'in', ids))
        .execute();
      return rows.map((r) => ({ sessionId: r.session_id, clientId: r.client_id }));
    },
    listByClient: async (clientId) => {
      if (hasNul(clientId)) return [];
      const served = this.db.selectFrom('refresh_tokens').select('session_id').where('client_id', '=', clientId)
        .union(this.db.selectFrom('authorization_codes').select('session_id').where('client_id', '=', clientId));
      const rows = await this.db.selectFrom('sessions').selectAll().where('id', 'in', served)
        .orderBy('created_at').orderBy('id').execute();
      return rows.map(toSession);
    },
    listByRealm: async (realmId) => {
      if (hasNul(realmId)) return [];
      return (await this.db.selectFrom('sessions').selectAll().where('realm_id', '=', realmId).orderBy('created_at').orderBy('id').execute()).map(toSession);
    },
    setAmr: async (id, amr) => {
      if (hasNul(id)) return;
      await this.db.updateTable('sessions').set({ amr: JSON.stringify(amr) }).where('id', '=', id).execute();
    },
    countByClient: async (realmId, at) => {
      if (hasNul(realmId)) return [];
      // The union makes each (session, client) pair count once, however many codes and tokens it has.
      const served = this.db.selectFrom('refresh_tokens').select(['session_id', 'client_id']).where('realm_id', '=', realmId)
        .union(this.db.selectFrom('authorization_codes').select(['session_id', 'client_id']).where('realm_id', '=', realmId));
      const rows = await this.db.selectFrom(served.as('served'))
        .innerJoin('sessions', 'sessions.id', 'served.session_id')
        .innerJoin('clients', 'clients.id', 'served.client_id')
        .select(({ fn }) => [
          'clients.id as id',
          'clients.client_id as client_id',
          fn.countAll().as('total'),
          fn.sum<number | string>('sessions.offline').as('offline'),
        ])
        .where('sessions.expires_at', '>', at).where('sessions.max_expires_at', '>', at)
        .groupBy(['clients.id', 'clients.client_id']).orderBy(this.byText('clients.client_id')).execute();
      return rows.map((r) => ({ id: r.id, clientId: r.client_id, online: Number(r.total) - Number(r.offline), offline: Number(r.offline) }));
    },
    deleteMany: async (ids) => {
      const valid = ids.filter((id) => !hasNul(id));
      let deleted = 0;
      for (let i = 0; i < valid.length; i += IDS_PER_STATEMENT) {
        const r = await this.db.deleteFrom('sessions').where('id', 'in', valid.slice(i, i + IDS_PER_STATEMENT)).executeTakeFirst();
        deleted += Number(r.numDeletedRows);
      }
      return deleted;
    },
  };

  backchannelLogouts: Store['backchannelLogouts'] = {
    insert: async (records) => {
      for (let i = 0; i < records.length; i += IDS_PER_STATEMENT) {
        await this.db.insertInto('backchannel_logouts').values(records.slice(i, i + IDS_PER_STATEMENT).map((b) => storable('backchannel_logouts', {
          id: b.id, realm_id: b.realmId, client_id: b.clientId, user_id: b.userId, session_id: b.sessionId, attempts: b.attempts,
          next_attempt_at: b.nextAttemptAt, created_at: b.createdAt,
        }))).execute();
      }
    },
    listDue: async (at, limit) => (await this.db.selectFrom('backchannel_logouts').selectAll().where('next_attempt_at', '<=', at)
      .orderBy('next_attempt_at').orderBy('id').limit(Math.max(1, Math.trunc(limit))).execute()).map(toBackchannelLogout),
    nextDue: async () => {
      const r = await this.db.selectFrom('backchannel_logouts').select((eb) => eb.fn.min('next_attempt_at').as('next')).executeTakeFirst();
      return nOrNull(r?.next) ?? undefined;
    },
    claim: async (id, expected, until) => {
      if (hasNul(id)) return false;
      const r = await this.db.updateTable('backchannel_logouts').set({ next_attempt_at: until })
        .where('id', '=', id).where('next_attempt_at', '=', expected).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    reschedule: async (id, attempts, nextAttemptAt) => {
      if (hasNul(id)) return;
      await this.db.updateTable('backchannel_logouts').set({ attempts, next_attempt_at: nextAttemptAt }).where('id', '=', id).execute();
    },
    delete: async (id) => {
      if (hasNul(id)) return;
      await this.db.deleteFrom('backchannel_logouts').where('id', '=', id).execute();
    },
  };

  deviceCodes: Store['deviceCodes'] = {
    insert: async (d) => {
      await this.db.insertInto('device_codes').values(storable('device_codes', {
        device_code_hash: d.deviceCodeHash, user_code_hash: d.userCodeHash, realm_id: d.realmId, client_id: d.clientId, scope: d.scope,
        status: d.status, user_id: d.userId, session_id: d.sessionId, poll_interval: d.pollInterval, last_polled_at: d.lastPolledAt,
        created_at: d.createdAt, expires_at: d.expiresAt,
      })).execute();
    },
    getByDeviceCode: async (hash) => {
      if (hasNul(hash)) return undefined;
      const r = await this.db.selectFrom('device_codes').selectAll().where('device_code_hash', '=', hash).executeTakeFirst();
      return r && toDeviceCode(r);
    },
    getByUserCode: async (hash) => {
      if (hasNul(hash)) return undefined;
      const r = await this.db.selectFrom('device_codes').selectAll().where('user_code_hash', '=', hash).executeTakeFirst();
      return r && toDeviceCode(r);
    },
    polled: async (hash, at, pollInterval) => {
      if (hasNul(hash)) return;
      await this.db.updateTable('device_codes').set({ last_polled_at: at, poll_interval: pollInterval }).where('device_code_hash', '=', hash).execute();
    },
    decide: async (hash, status, userId, sessionId) => {
      if (hasNul(hash)) return false;
      const r = await this.db.updateTable('device_codes').set({ status, user_id: userId, session_id: sessionId })
        .where('device_code_hash', '=', hash).where('status', '=', 'pending').executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    delete: async (hash) => {
      if (hasNul(hash)) return false;
      const r = await this.db.deleteFrom('device_codes').where('device_code_hash', '=', hash).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
  };

  userCodeFailures: Store['userCodeFailures'] = {
    add: async (address, at, windowEnd) => {
      if (hasNul(address)) return;
      // The SET's right-hand sides read the row as it was: a closed window starts again at 1.
      const closed = sql<boolean>`user_code_failures.window_end <= ${at}`;
      await this.db.insertInto('user_code_failures').values({ address, count: 1, window_end: windowEnd })
        .onConflict((oc) => oc.column('address').doUpdateSet({
          count: sql`case when ${closed} then 1 else user_code_failures.count + 1 end`,
          window_end: sql`case when ${closed} then ${windowEnd} else user_code_failures.window_end end`,
        })).execute();
    },
    count: async (address, at) => {
      if (hasNul(address)) return 0;
      const r = await this.db.selectFrom('user_code_failures').select('count').where('address', '=', address).where('window_end', '>', at).executeTakeFirst();
      return r ? Number(r.count) : 0;
    },
  };

  credentials: Store['credentials'] = {
    listByUser: async (userId) => {
      if (hasNul(userId)) return [];
      const { rows } = await this.queries.run(this.db, 'credentials.listByUser',
        (db) => db.selectFrom('credentials').selectAll().where('user_id', '=', arg(0)).orderBy('priority').orderBy('created_at').orderBy('id'), [userId]);
      return rows.map(toCredential);
    },
    insert: async (c) => { await this.db.insertInto('credentials').values(storable('credentials', fromCredential(c))).execute(); },
    update: async (c) => {
      if (hasNul(c.id)) return;
      await this.db.updateTable('credentials').set(storable('credentials', { user_label: c.userLabel, priority: c.priority }))
        .where('id', '=', c.id).execute();
    },
    swap: async (previous, next) => {
      if (hasNul(previous.id)) return false;
      const r = await this.db.updateTable('credentials')
        .set(storable('credentials', { sealed_secret: next.sealedSecret, data: next.data, counter: next.counter }))
        .where('id', '=', previous.id).where('sealed_secret', '=', previous.sealedSecret).where('counter', '=', previous.counter)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    delete: async (id) => {
      if (hasNul(id)) return;
      await this.db.deleteFrom('credentials').where('id', '=', id).execute();
    },
  };

  refreshTokens: Store['refreshTokens'] = {
    getByHash: async (tokenHash) => {
      if (hasNul(tokenHash)) return undefined;
      const { rows: [r] } = await this.queries.run(this.db, 'refreshTokens.getByHash',
        (db) => db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', arg(0)), [tokenHash]);
      return r && toRefresh(r);
    },
    insert: async (t) => { await this.queries.insert(this.db, 'refresh_tokens', storable('refresh_tokens', fromRefresh(t))); },
    markUsed: async (id, at, maxUses) => {
      if (hasNul(id)) return false;
      const r = await this.queries.run(this.db, 'refreshTokens.markUsed',
        (db) => db.updateTable('refresh_tokens').set((eb) => ({ used_at: arg(0), use_count: eb('use_count', '+', 1) }))
          .where('id', '=', arg(1)).where('use_count', '<', arg(2)),
        [at, id, maxUses]);
      return Number(r.numAffectedRows) === 1;
    },
    revokeFamily: async (familyId, at) => {
      if (hasNul(familyId)) return;
      await this.transaction(async (tx) => {
        const db = (tx as SqlStore).db;
        await db.updateTable('refresh_tokens').set({ revoked_at: at })
          .where('family_id', '=', familyId).where('revoked_at', 'is', null).execute();
        // The family's access tokens that have not expired yet go on the revocation list.
        await db.insertInto('revoked_access_tokens').columns(['jti', 'expires_at'])
          .expression(db.selectFrom('refresh_tokens').select(['access_jti as jti', 'access_expires_at as expires_at'])
            .where('family_id', '=', familyId).where('access_jti', 'is not', null).where('access_expires_at', '>', at) as any)
          .onConflict((oc) => oc.doNothing()).execute();
      });
    },
  };

  revokedAccessTokens: Store['revokedAccessTokens'] = {
    add: async (jti, expiresAt) => {
      await this.db.insertInto('revoked_access_tokens').values(storable('revoked_access_tokens', { jti, expires_at: expiresAt }))
        .onConflict((oc) => oc.doNothing()).execute();
    },
    has: async (jti) => {
      if (hasNul(jti)) return false;
      const { rows } = await this.queries.run(this.db, 'revokedAccessTokens.has',
        (db) => db.selectFrom('revoked_access_tokens').select('jti').where('jti', '=', arg(0)), [jti]);
      return rows.length > 0;
    },
  };

  usedJtis: Store['usedJtis'] = {
    claim: async (id, expiresAt) => {
      const r = await this.db.insertInto('used_jtis').values(storable('used_jtis', { id, expires_at: expiresAt }))
        .onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
  };

  pushedRequests: Store['pushedRequests'] = {
    insert: async (p) => {
      await this.db.insertInto('pushed_requests').values(storable('pushed_requests', {
        id: p.id, realm_id: p.realmId, client_id: p.clientId, sealed_params: p.sealedParams, created_at: p.createdAt, expires_at: p.expiresAt,
      })).execute();
    },
    take: async (id) => {
      if (hasNul(id)) return undefined;
      const r = await this.db.selectFrom('pushed_requests').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) return undefined;
      const gone = await this.db.deleteFrom('pushed_requests').where('id', '=', id).executeTakeFirst();
      if (Number(gone.numDeletedRows) !== 1) return undefined;
      return {
        id: r.id, realmId: r.realm_id, clientId: r.client_id, sealedParams: r.sealed_params, createdAt: n(r.created_at), expiresAt: n(r.expires_at),
      };
    },
  };

  codes: Store['codes'] = {
    insert: async (c) => { await this.queries.insert(this.db, 'authorization_codes', storable('authorization_codes', fromCode(c))); },
    getByHash: async (codeHash) => {
      if (hasNul(codeHash)) return undefined;
      const { rows: [r] } = await this.queries.run(this.db, 'codes.getByHash',
        (db) => db.selectFrom('authorization_codes').selectAll().where('code_hash', '=', arg(0)), [codeHash]);
      return r && toCode(r);
    },
    markUsed: async (codeHash, at, issued) => {
      if (hasNul(codeHash)) return false;
      storable('authorization_codes', { issued_family_id: issued.familyId, issued_jti: issued.jti });
      const r = await this.queries.run(this.db, 'codes.markUsed', (db) => db.updateTable('authorization_codes').set({
        used_at: arg(0), issued_family_id: arg(1), issued_jti: arg(2), issued_jti_expires_at: arg(3),
      }).where('code_hash', '=', arg(4)).where('used_at', 'is', null), [at, issued.familyId, issued.jti, issued.jtiExpiresAt, codeHash]);
      return Number(r.numAffectedRows) === 1;
    },
  };

  interactions: Store['interactions'] = {
    insert: async (i) => { await this.queries.insert(this.db, 'interactions', storable('interactions', fromInteraction(i))); },
    get: async (id) => {
      if (hasNul(id)) return undefined;
      const { rows: [r] } = await this.queries.run(this.db, 'interactions.get',
        (db) => db.selectFrom('interactions').selectAll().where('id', '=', arg(0)), [id]);
      return r && toInteraction(r);
    },
    update: async (i) => {
      const { id, ...rest } = fromInteraction(i);
      if (hasNul(id)) return;
      await this.db.updateTable('interactions').set(storable('interactions', rest)).where('id', '=', id).execute();
    },
    delete: async (id) => {
      if (hasNul(id)) return;
      await this.queries.run(this.db, 'interactions.delete', (db) => db.deleteFrom('interactions').where('id', '=', arg(0)), [id]);
    },
  };

  consents: Store['consents'] = {
    get: async (userId, clientId) => {
      if (hasNul(userId, clientId)) return undefined;
      const { rows: [r] } = await this.queries.run(this.db, 'consents.get',
        (db) => db.selectFrom('consents').selectAll().where('user_id', '=', arg(0)).where('client_id', '=', arg(1)), [userId, clientId]);
      return r && toConsent(r);
    },
    listByUser: async (userId) => {
      if (hasNul(userId)) return [];
      const rows = await this.db.selectFrom('consents').selectAll().where('user_id', '=', userId).execute();
      return rows.map(toConsent);
    },
    delete: async (userId, clientId) => {
      if (hasNul(userId, clientId)) return false;
      const result = await this.db.deleteFrom('consents').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    put: async (c) => {
      const scopes = JSON.stringify(c.scopes);
      await this.db.insertInto('consents').values(storable('consents', { user_id: c.userId, client_id: c.clientId, scopes, created_at: c.createdAt }))
        .onConflict((oc) => oc.columns(['user_id', 'client_id']).doUpdateSet({ scopes, created_at: c.createdAt }))
        .execute();
    },
  };

  loginFailures: Store['loginFailures'] = {
    get: async (userId) => {
      if (hasNul(userId)) return undefined;
      const { rows: [r] } = await this.queries.run(this.db, 'loginFailures.get',
        (db) => db.selectFrom('login_failures').selectAll().where('user_id', '=', arg(0)), [userId]);
      return r && { userId: r.user_id, failures: n(r.failures), lastFailureAt: n(r.last_failure_at), lockedUntil: n(r.locked_until) };
    },
    put: async (f) => {
      const row = { failures: f.failures, last_failure_at: f.lastFailureAt, locked_until: f.lockedUntil };
      await this.db.insertInto('login_failures').values(storable('login_failures', { user_id: f.userId, ...row }))
        .onConflict((oc) => oc.column('user_id').doUpdateSet(row)).execute();
    },
    getAt: async (userId, address) => {
      if (hasNul(userId) || hasNul(address)) return undefined;
      const { rows: [r] } = await this.queries.run(this.db, 'loginFailures.getAt',
        (db) => db.selectFrom('login_failures_by_address').selectAll().where('user_id', '=', arg(0)).where('address', '=', arg(1)), [userId, address]);
      return r && { userId: r.user_id, address: r.address, failures: n(r.failures), lastFailureAt: n(r.last_failure_at), lockedUntil: n(r.locked_until) };
    },
    putAt: async (f) => {
      const row = { failures: f.failures, last_failure_at: f.lastFailureAt, locked_until: f.lockedUntil };
      await this.db.insertInto('login_failures_by_address').values(storable('login_failures_by_address', { user_id: f.userId, address: f.address, ...row }))
        .onConflict((oc) => oc.columns(['user_id', 'address']).doUpdateSet(row)).execute();
    },
    clear: async (userId) => {
      if (hasNul(userId)) return;
      await this.db.deleteFrom('login_failures').where('user_id', '=', userId).execute();
      await this.db.deleteFrom('login_failures_by_address').where('user_id', '=', userId).execute();
    },
    clearRealm: async (realmId) => {
      if (hasNul(realmId)) return;
      for (const table of ['login_failures', 'login_failures_by_address'] as const) {
        await this.db.deleteFrom(table)
          .where('user_id', 'in', this.db.selectFrom('users').select('id').where('realm_id', '=', realmId)).execute();
      }
    },
  };

  bulk: Store['bulk'] = {
    insertUsers: async (users) => {
      for (const rows of chunks(users.map((u) => storable('users', fromUser(u))), 500)) {
        await this.db.insertInto('users').values(rows).execute();
      }
    },
    setPasswords: async (passwords) => {
      // One statement may not update a row twice (PostgreSQL): the last password of a user wins.
      const last = new Map(passwords.map((p) => [p.userId, p]));
      const all = [...last.values()].map((p) =>
        storable('passwords', { user_id: p.userId, algorithm: p.algorithm, data: p.data, created_at: p.createdAt }));
      for (const rows of chunks(all, 1000)) {
        await this.db.insertInto('passwords').values(rows)
          .onConflict((oc) => oc.column('user_id').doUpdateSet((eb) => ({
            algorithm: eb.ref('excluded.algorithm'), data: eb.ref('excluded.data'), created_at: eb.ref('excluded.created_at'),
          })))
          .execute();
      }
    },
    grantRoles: (grants) => this.linkUsers(USER_ROLES, grants.map((g) => ({ userId: g.userId, id: g.roleId }))),
    insertSessions: async (sessions) => {
      for (const rows of chunks(sessions.map((x) => storable('sessions', fromSession(x))), 1000)) {
        await this.db.insertInto('sessions').values(rows).execute();
      }
    },
    insertRefreshTokens: async (tokens) => {
      for (const rows of chunks(tokens.map((t) => storable('refresh_tokens', fromRefresh(t))), 1000)) {
        await this.db.insertInto('refresh_tokens').values(rows).execute();
      }
    },
    insertCodes: async (codes) => {
      for (const rows of chunks(codes.map((c) => storable('authorization_codes', fromCode(c))), 1000)) {
        await this.db.insertInto('authorization_codes').values(rows).execute();
      }
    },
    listUserIds: async (realmId) => {
      if (hasNul(realmId)) return [];
      return (await this.db.selectFrom('users').select('id').where('realm_id', '=', realmId)
        .orderBy(this.byText('id')).execute()).map((r) => r.id);
    },
    getUsers: async (ids) => {
      const byId = new Map<string, UserRecord>();
      for (const chunk of chunks(ids.filter((id) => !hasNul(id)), 1000)) {
        for (const r of await this.db.selectFrom('users').selectAll().where('id', 'in', chunk).execute()) byId.set(r.id, toUser(r));
      }
      return ids.map((id) => byId.get(id)).filter((u): u is UserRecord => u !== undefined);
    },
    listPasswords: async (userIds) => {
      const result: PasswordRecord[] = [];
      for (const ids of chunks(userIds.filter((id) => !hasNul(id)), 1000)) {
        const rows = await this.db.selectFrom('passwords').selectAll().where('user_id', 'in', ids)
          .orderBy(this.byText('user_id')).execute();
        for (const r of rows) result.push({ userId: r.user_id, algorithm: r.algorithm, data: r.data, createdAt: n(r.created_at) });
      }
      return result;
    },
    listUserRoles: async (userIds) => (await this.listUserLinks(USER_ROLES, userIds)).map((l) => ({ userId: l.userId, roleId: l.id })),
    insertFederatedIdentities: async (links) => {
      for (const rows of chunks(links.map((l) => storable('federated_identities', fromLink(l))), 1000)) {
        await this.db.insertInto('federated_identities').values(rows).execute();
      }
    },
    listFederatedIdentities: async (userIds) => {
      const result: FederatedIdentityRecord[] = [];
      for (const ids of chunks(userIds.filter((id) => !hasNul(id)), 1000)) {
        const rows = await this.db.selectFrom('federated_identities').selectAll().where('user_id', 'in', ids)
          .orderBy(this.byText('user_id')).orderBy(this.byText('provider_id')).execute();
        result.push(...rows.map(toLink));
      }
      return result;
    },
    addMembers: (memberships) => this.linkUsers(USER_GROUPS, memberships.map((m) => ({ userId: m.userId, id: m.groupId }))),
    listMemberships: async (userIds) => (await this.listUserLinks(USER_GROUPS, userIds)).map((l) => ({ userId: l.userId, groupId: l.id })),
    insertCredentials: async (credentials) => {
      for (const rows of chunks(credentials.map((c) => storable('credentials', fromCredential(c))), 1000)) {
        await this.db.insertInto('credentials').values(rows).execute();
      }
    },
    listCredentials: async (userIds) => {
      const result: CredentialRecord[] = [];
      for (const ids of chunks(userIds.filter((id) => !hasNul(id)), 1000)) {
        const rows = await this.db.selectFrom('credentials').selectAll().where('user_id', 'in', ids)
          .orderBy(this.byText('user_id')).orderBy('priority').orderBy('created_at').execute();
        result.push(...rows.map(toCredential));
      }
      return result;
    },
  };

  /** Links each user to a role or group, in multi-row statements; a link given twice, or there already, is kept once. */
  private async linkUsers(link: UserLinkTable, links: Array<{ userId: string; id: string }>): Promise<void> {
    const db = this.db as unknown as Kysely<any>;
    const unique = new Map(links.map((l) => [`${l.userId}\u0000${l.id}`, l]));
    const all = [...unique.values()].map((l) => storable(link.table, { user_id: l.userId, [link.column]: l.id }));
    for (const rows of chunks(all, 2000)) {
      await db.insertInto(link.table).values(rows).onConflict((oc) => oc.doNothing()).execute();
    }
  }

  /** The users linked to one role or group, in code-point order of lower-cased username. */
  private async linkedUsers(link: UserLinkTable, id: string, opts: { first?: number; max?: number }): Promise<UserRecord[]> {
    if (hasNul(id)) return [];
    const db = this.db as unknown as Kysely<any>;
    let q = db.selectFrom(link.table).innerJoin('users', 'users.id', `${link.table}.user_id`)
      .selectAll('users').where(`${link.table}.${link.column}`, '=', id).orderBy(this.byText('users.username_lower'));
    if (opts.max !== undefined) q = q.limit(opts.max).offset(opts.first ?? 0);
    return (await q.execute()).map(toUser);
  }

  /** The roles or groups those users are linked to, by user then id within each statement's users. */
  private async listUserLinks(link: UserLinkTable, userIds: string[]): Promise<Array<{ userId: string; id: string }>> {
    const db = this.db as unknown as Kysely<any>;
    const result: Array<{ userId: string; id: string }> = [];
    for (const ids of chunks(userIds.filter((id) => !hasNul(id)), 1000)) {
      const rows = await db.selectFrom(link.table).select(['user_id', `${link.column} as id`]).where('user_id', 'in', ids)
        .orderBy(this.byText('user_id')).orderBy(this.byText(link.column)).execute();
      for (const r of rows) result.push({ userId: r.user_id, id: r.id });
    }
    return result;
  }

  /** Deletes at most `limit` rows of `table` that `where` selects, by primary key: portable batch deletes. */
  private async deleteBatch(table: keyof Database, key: string, limit: number, where: (q: any) => any, orderBy?: string): Promise<number> {
    const db = this.db as unknown as Kysely<any>;
    const batch = Math.max(1, Math.trunc(limit));
    const r = await db.deleteFrom(table).where(key, 'in', (eb: any) => {
      let q = where(eb.selectFrom(table).select(key));
      if (orderBy) q = q.orderBy(orderBy);
      return q.limit(batch);
    }).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  events: Store['events'] = {
    insertLogins: async (events) => {
      await this.transaction(async (tx) => {
        const { db, queries } = tx as SqlStore;
        // A realm deleted while its events waited takes them with it; one missing realm must
        // not fail the batch (its foreign key) and so hold back every other realm's events.
        const realmIds = [...new Set(events.map((e) => e.realmId))];
        if (realmIds.length === 0) return;
        const existing = new Set((await db.selectFrom('realms').select('id').where('id', 'in', realmIds).execute()).map((r) => r.id));
        // One flat list of values, in LOGIN_EVENT_COLUMNS' order, row after row.
        const values: unknown[] = [];
        let count = 0;
        for (const e of events) {
          if (!existing.has(e.realmId)) continue;
          const row = storable('login_events', {
            id: e.id, realm_id: e.realmId, time: e.time, type: e.type, client_id: e.clientId, user_id: e.userId,
            session_id: e.sessionId, ip_address: e.ipAddress, error: e.error, details: e.details === null ? null : JSON.stringify(e.details),
          });
          values.push(row.id, row.realm_id, row.time, row.type, row.client_id, row.user_id, row.session_id, row.ip_address, row.error, row.details);
          count++;
        }
        const width = LOGIN_EVENT_COLUMNS.length;
        // Statements of 256, 128, ... 1 rows (the batch's size in binary), each compiled once, so
        // that any batch takes at most nine; 256 rows of 10 stay within every bound-value limit.
        let at = 0;
        for (let size = 256; size >= 1; size /= 2) {
          for (; count - at >= size; at += size) {
            await queries.run(db, `events.insertLogins ${size}`, (q) => q.insertInto('login_events').values(Array.from({ length: size },
              (_, r) => Object.fromEntries(LOGIN_EVENT_COLUMNS.map((c, i) => [c, arg(r * width + i)]))) as never),
            values.slice(at * width, (at + size) * width));
          }
        }
      });
    },
    insertAdmin: async (e) => {
      await this.db.insertInto('admin_events').values(storable('admin_events', {
        id: e.id, realm_id: e.realmId, time: e.time, operation_type: e.operationType, resource_type: e.resourceType,
        resource_path: e.resourcePath, resource_path_lower: e.resourcePath === null ? null : e.resourcePath.toLowerCase(),
        auth_realm_id: e.authRealmId, auth_client_id: e.authClientId, auth_user_id: e.authUserId,
        auth_ip_address: e.authIpAddress, error: e.error,
      })).execute();
    },
    listLogin: async (realmId, f = {}) => {
      if (hasNul(realmId, f.clientId ?? null, f.userId ?? null, f.ipAddress ?? null, ...(f.types ?? []))) return [];
      let q = this.db.selectFrom('login_events').selectAll().where('realm_id', '=', realmId);
      if (f.types?.length) q = q.where('type', 'in', f.types);
      if (f.clientId !== undefined) q = q.where('client_id', '=', f.clientId);
      if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
      if (f.ipAddress !== undefined) q = q.where('ip_address', '=', f.ipAddress);
      if (f.fromTime !== undefined) q = q.where('time', '>=', f.fromTime);
      if (f.toTime !== undefined) q = q.where('time', '<=', f.toTime);
      const dir = f.ascending ? 'asc' : 'desc';
      q = q.orderBy('time', dir).orderBy(this.byText('id'), dir);
      // SQLite takes no OFFSET without a LIMIT.
      if (f.max !== undefined || f.first) q = q.limit(f.max ?? Number.MAX_SAFE_INTEGER).offset(f.first ?? 0);
      return (await q.execute()).map(toLoginEvent);
    },
    listAdmin: async (realmId, f = {}) => {
      const keys = [f.authRealmId, f.authClientId, f.authUserId, f.authIpAddress, f.resourcePath].map((v) => v ?? null);
      if (hasNul(realmId, ...keys, ...(f.operationTypes ?? []), ...(f.resourceTypes ?? []))) return [];
      let q = this.db.selectFrom('admin_events').selectAll().where('realm_id', '=', realmId);
      if (f.operationTypes?.length) q = q.where('operation_type', 'in', f.operationTypes);
      if (f.resourceTypes?.length) q = q.where('resource_type', 'in', f.resourceTypes);
      if (f.resourcePath !== undefined) {
        // Folded in JavaScript on both sides, so SQLite (ASCII-only lower()) and PostgreSQL agree.
        const path = f.resourcePath.toLowerCase();
        q = path.includes('*')
          ? q.where(sql<boolean>`${sql.ref('resource_path_lower')} like ${likePattern(path)} escape '\\'`)
          : q.where('resource_path_lower', '=', path);
      }
      if (f.authRealmId !== undefined) q = q.where('auth_realm_id', '=', f.authRealmId);
      if (f.authClientId !== undefined) q = q.where('auth_client_id', '=', f.authClientId);
      if (f.authUserId !== undefined) q = q.where('auth_user_id', '=', f.authUserId);
      if (f.authIpAddress !== undefined) q = q.where('auth_ip_address', '=', f.authIpAddress);
      if (f.fromTime !== undefined) q = q.where('time', '>=', f.fromTime);
      if (f.toTime !== undefined) q = q.where('time', '<=', f.toTime);
      const dir = f.ascending ? 'asc' : 'desc';
      q = q.orderBy('time', dir).orderBy(this.byText('id'), dir);
      if (f.max !== undefined || f.first) q = q.limit(f.max ?? Number.MAX_SAFE_INTEGER).offset(f.first ?? 0);
      return (await q.execute()).map(toAdminEvent);
    },
    deleteOlderThan: async (cutoffMs, limit, scope = {}) => {
      if (scope.realmId !== undefined && hasNul(scope.realmId)) return 0;
      const tables = scope.kind === 'login' ? ['login_events'] as const
        : scope.kind === 'admin' ? ['admin_events'] as const : ['login_events', 'admin_events'] as const;
      let deleted = 0;
      for (const table of tables) {
        deleted += await this.deleteBatch(table, 'id', limit, (q) => {
          const old = q.where('time', '<', cutoffMs);
          return scope.realmId === undefined ? old : old.where('realm_id', '=', scope.realmId);
        }, 'time');
      }
      return deleted;
    },
  };

  expired: Store['expired'] = {
    deleteCodes: (before, limit) =>
      this.deleteBatch('authorization_codes', 'code_hash', limit, (q) => q.where('expires_at', '<=', before)),
    deleteInteractions: (before, limit) =>
      this.deleteBatch('interactions', 'id', limit, (q) => q.where('expires_at', '<=', before)),
    deleteRevokedAccessTokens: (before, limit) =>
      this.deleteBatch('revoked_access_tokens', 'jti', limit, (q) => q.where('expires_at', '<=', before)),
    deleteRefreshTokens: (before, limit) =>
      this.deleteBatch('refresh_tokens', 'id', limit, (q) => q.where('expires_at', '<=', before)),
    deleteRetiredKeys: (before, limit) =>
      this.deleteBatch('realm_keys', 'kid', limit, (q) => q.where('status', '=', 'passive').where('retires_at', '<=', before)),
    deleteBrokerStates: (before, limit) =>
      this.deleteBatch('broker_states', 'id', limit, (q) => q.where('expires_at', '<=', before)),
    deleteUsedJtis: (before, limit) =>
      this.deleteBatch('used_jtis', 'id', limit, (q) => q.where('expires_at', '<=', before)),
    deletePushedRequests: (before, limit) =>
      this.deleteBatch('pushed_requests', 'id', limit, (q) => q.where('expires_at', '<=', before)),
    deleteFinishedMail: (before, limit) =>
      this.deleteBatch('mail_outbox', 'id', limit, (q) => q.where('status', '<>', 'pending').where('finished_at', '<=', before)),
    deleteDeviceCodes: (before, limit) =>
      this.deleteBatch('device_codes', 'device_code_hash', limit, (q) => q.where('expires_at', '<=', before)),
    deleteUserCodeFailures: (before, limit) =>
      this.deleteBatch('user_code_failures', 'address', limit, (q) => q.where('window_end', '<=', before)),
    deleteClientInitialAccess: (before, limit) =>
      this.deleteBatch('client_initial_access', 'id', limit, (q) => q.where('expiration', '>', 0).where(sql`created_at + expiration`, '<=', before)),
    listSessions: async (before, limit) => (await this.db.selectFrom('sessions').selectAll()
      .where((eb) => eb.or([eb('expires_at', '<=', before), eb('max_expires_at', '<=', before)]))
      .orderBy('expires_at').limit(Math.max(1, Math.trunc(limit))).execute()).map(toSession),
  };

  identityProviders: Store['identityProviders'] = {
    list: async (realmId) => {
      if (hasNul(realmId)) return [];
      return (await this.db.selectFrom('identity_providers').selectAll().where('realm_id', '=', realmId)
        .orderBy(this.byText('alias')).execute()).map(toProvider);
    },
    getByAlias: async (realmId, alias) => {
      if (hasNul(realmId, alias)) return undefined;
      const r = await this.db.selectFrom('identity_providers').selectAll()
        .where('realm_id', '=', realmId).where('alias', '=', alias).executeTakeFirst();
      return r && toProvider(r);
    },
    getById: async (id) => {
      if (hasNul(id)) return undefined;
      const r = await this.db.selectFrom('identity_providers').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toProvider(r);
    },
    insert: async (p) => {
      await this.db.insertInto('identity_providers').values(storable('identity_providers', fromProvider(p))).execute();
    },
    update: async (p) => {
      const { id, realm_id: _realm, created_at: _created, ...rest } = fromProvider(p);
      if (hasNul(id)) return;
      await this.db.updateTable('identity_providers').set(storable('identity_providers', rest)).where('id', '=', id).execute();
    },
    delete: async (id) => {
      if (hasNul(id)) return;
      await this.db.deleteFrom('identity_providers').where('id', '=', id).execute();
    },
  };

  federatedIdentities: Store['federatedIdentities'] = {
    find: async (providerId, subject) => {
      if (hasNul(providerId, subject)) return undefined;
      const r = await this.db.selectFrom('federated_identities').selectAll()
        .where('provider_id', '=', providerId).where('subject', '=', subject).executeTakeFirst();
      return r && toLink(r);
    },
    listByUser: async (userId) => {
      if (hasNul(userId)) return [];
      return (await this.db.selectFrom('federated_identities').selectAll().where('user_id', '=', userId)
        .orderBy(this.byText('provider_id')).execute()).map(toLink);
    },
    insert: async (l) => {
      await this.db.insertInto('federated_identities').values(storable('federated_identities', fromLink(l))).execute();
    },
    update: async (l) => {
      if (hasNul(l.userId, l.providerId)) return;
      await this.db.updateTable('federated_identities').set(storable('federated_identities', { username: l.username }))
        .where('user_id', '=', l.userId).where('provider_id', '=', l.providerId).execute();
    },
    delete: async (userId, providerId) => {
      if (hasNul(userId, providerId)) return;
      await this.db.deleteFrom('federated_identities').where('user_id', '=', userId).where('provider_id', '=', providerId).execute();
    },
  };

  brokerStates: Store['brokerStates'] = {
    insert: async (b) => {
      await this.db.insertInto('broker_states').values(storable('broker_states', {
        id: b.id, realm_id: b.realmId, provider_id: b.providerId, interaction_id: b.interactionId, sealed_data: b.sealedData,
        created_at: b.createdAt, expires_at: b.expiresAt,
      })).execute();
    },
    get: async (id) => {
      if (hasNul(id)) return undefined;
      const r = await this.db.selectFrom('broker_states').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toBrokerState(r);
    },
    delete: async (id) => {
      if (hasNul(id)) return false;
      const r = await this.db.deleteFrom('broker_states').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
  };

  brokerSessions: Store['brokerSessions'] = {
    put: async (b) => {
      const row = { provider_id: b.providerId, sealed_id_token: b.sealedIdToken, created_at: b.createdAt };
      await this.db.insertInto('broker_sessions').values(storable('broker_sessions', { session_id: b.sessionId, ...row }))
        .onConflict((oc) => oc.column('session_id').doUpdateSet(row)).execute();
    },
    get: async (sessionId) => {
      if (hasNul(sessionId)) return undefined;
      const r = await this.db.selectFrom('broker_sessions').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
      return r && { sessionId: r.session_id, providerId: r.provider_id, sealedIdToken: r.sealed_id_token, createdAt: n(r.created_at) };
    },
  };

  groups: Store['groups'] = {
    list: async (realmId, opts = {}) => {
      const q = this.groupQuery(realmId, opts);
      if (!q) return [];
      let rows = q.selectAll().orderBy(this.byText('name')).orderBy(this.byText('id'));
      if (opts.max !== undefined) rows = rows.limit(opts.max).offset(opts.first ?? 0);
      return (await rows.execute()).map(toGroup);
    },
    count: async (realmId, opts = {}) => {
      const q = this.groupQuery(realmId, opts);
      if (!q) return 0;
      return n((await q.select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow()).count);
    },
    getById: async (realmId, id) => {
      if (hasNul(realmId, id)) return undefined;
      const r = await this.db.selectFrom('groups').selectAll().where('realm_id', '=', realmId).where('id', '=', id).executeTakeFirst();
      return r && toGroup(r);
    },
    getByName: async (realmId, parentId, name) => {
      if (hasNul(realmId, parentId, name)) return undefined;
      const r = await this.db.selectFrom('groups').selectAll().where('realm_id', '=', realmId)
        .where('container_id', '=', parentId ?? realmId).where('name', '=', name).executeTakeFirst();
      return r && toGroup(r);
    },
    insert: async (g) => {
      await this.db.insertInto('groups').values(storable('groups', {
        id: g.id, realm_id: g.realmId, parent_id: g.parentId, container_id: g.parentId ?? g.realmId, name: g.name,
        name_lower: g.name.toLowerCase(), attributes: JSON.stringify(g.attributes), created_at: g.createdAt,
      })).execute();
    },
    update: async (g) => {
      if (hasNul(g.id)) return;
      await this.db.updateTable('groups').set(storable('groups', {
        name: g.name, name_lower: g.name.toLowerCase(), attributes: JSON.stringify(g.attributes),
      })).where('id', '=', g.id).execute();
    },
    delete: async (id) => {
      if (hasNul(id)) return;
      await this.db.deleteFrom('groups').where('id', '=', id).execute();
    },
    listRoleIds: async (groupId) => {
      if (hasNul(groupId)) return [];
      return (await this.db.selectFrom('group_roles').select('role_id').where('group_id', '=', groupId)
        .orderBy(this.byText('role_id')).execute()).map((r) => r.role_id);
    },
    grantRole: async (groupId, roleId) => {
      await this.db.insertInto('group_roles').values(storable('group_roles', { group_id: groupId, role_id: roleId }))
        .onConflict((oc) => oc.doNothing()).execute();
    },
    revokeRole: async (groupId, roleId) => {
      if (hasNul(groupId, roleId)) return;
      await this.db.deleteFrom('group_roles').where('group_id', '=', groupId).where('role_id', '=', roleId).execute();
    },
    listByUser: async (userId) => {
      if (hasNul(userId)) return [];
      return (await this.db.selectFrom('user_groups').innerJoin('groups', 'groups.id', 'user_groups.group_id')
        .selectAll('groups').where('user_groups.user_id', '=', userId)
        .orderBy(this.byText('groups.name')).orderBy(this.byText('groups.id')).execute()).map(toGroup);
    },
    addMember: async (groupId, userId) => {
      await this.db.insertInto('user_groups').values(storable('user_groups', { user_id: userId, group_id: groupId }))
        .onConflict((oc) => oc.doNothing()).execute();
    },
    removeMember: async (groupId, userId) => {
      if (hasNul(groupId, userId)) return;
      await this.db.deleteFrom('user_groups').where('group_id', '=', groupId).where('user_id', '=', userId).execute();
    },
    listMembers: (groupId, opts = {}) => this.linkedUsers(USER_GROUPS, groupId, opts),
    listUserGroupRoleIds: async (userId) => {
      if (hasNul(userId)) return [];
      // The user's groups, then their ancestors a level at a time: groups nest only a few deep.
      const rows = await this.db.selectFrom('user_groups').innerJoin('groups', 'groups.id', 'user_groups.group_id')
        .select(['groups.id', 'groups.parent_id']).where('user_groups.user_id', '=', userId).execute();
      if (rows.length === 0) return [];
      const ids = new Set(rows.map((r) => r.id));
      let parents = [...new Set(rows.map((r) => r.parent_id).filter((p): p is string => p !== null && !ids.has(p)))];
      while (parents.length > 0) {
        for (const p of parents) ids.add(p);
        const up = await this.db.selectFrom('groups').select('parent_id').where('id', 'in', parents).execute();
        parents = [...new Set(up.map((r) => r.parent_id).filter((p): p is string => p !== null && !ids.has(p)))];
      }
      const roles = await this.db.selectFrom('group_roles').select('role_id')
        .where('group_id', 'in', [...ids]).orderBy(this.byText('role_id')).execute();
      return [...new Set(roles.map((r) => r.role_id))];
    },
    listByRole: async (roleId) => {
      if (hasNul(roleId)) return [];
      return (await this.db.selectFrom('group_roles').innerJoin('groups', 'groups.id', 'group_roles.group_id')
        .selectAll('groups').where('group_roles.role_id', '=', roleId)
        .orderBy(this.byText('groups.name')).orderBy(this.byText('groups.id')).execute()).map(toGroup);
    },
  };

  /** A realm's groups under one parent (or all, when parentId is undefined) whose name contains `search`. */
  private groupQuery(realmId: string, opts: { parentId?: string | null; search?: string }) {
    if (hasNul(realmId, opts.parentId ?? null, opts.search ?? null)) return undefined;
    let q = this.db.selectFrom('groups').where('realm_id', '=', realmId);
    if (opts.parentId === null) q = q.where('parent_id', 'is', null);
    else if (opts.parentId !== undefined) q = q.where('parent_id', '=', opts.parentId);
    if (opts.search !== undefined) q = q.where(like('name_lower', `%${likeEscape(opts.search.toLowerCase())}%`));
    return q;
  }
}

/** A table linking users to roles or groups: user_id and the other's id column. */
interface UserLinkTable { table: 'user_roles' | 'user_groups'; column: 'role_id' | 'group_id' }
const USER_ROLES: UserLinkTable = { table: 'user_roles', column: 'role_id' };
const USER_GROUPS: UserLinkTable = { table: 'user_groups', column: 'group_id' };

/**
 * Slices rows for multi-row statements: SQLite takes at most 32,766 parameters in one
 * statement and PostgreSQL 65,535, so a chunk of `size` rows stays well below both.
 */
function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}
