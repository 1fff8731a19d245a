import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import type {
  AuthorizationCodeRecord, InteractionRecord, ClientRecord, ClientSecretRecord, KeyRecord, PasswordRecord, RealmRecord,
  RefreshTokenRecord, RoleRecord, SessionRecord, Store, UserRecord,
} from '../store.js';

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
});
const toClient = (r: any): ClientRecord => ({
  id: r.id, realmId: r.realm_id, clientId: r.client_id, enabled: bool(r.enabled),
  publicClient: bool(r.public_client), settings: JSON.parse(r.settings), createdAt: n(r.created_at),
});
const fromClient = (c: ClientRecord) => ({
  id: c.id, realm_id: c.realmId, client_id: c.clientId, enabled: bit(c.enabled),
  public_client: bit(c.publicClient), settings: JSON.stringify(c.settings), created_at: c.createdAt,
});
const toSecret = (r: any): ClientSecretRecord => ({
  id: r.id, clientId: r.client_id, sealedValue: r.sealed_value, label: r.label,
  createdAt: n(r.created_at), expiresAt: nOrNull(r.expires_at),
});
const toUser = (r: any): UserRecord => ({
  id: r.id, realmId: r.realm_id, username: r.username, enabled: bool(r.enabled), email: r.email,
  emailVerified: bool(r.email_verified), firstName: r.first_name, lastName: r.last_name,
  phoneNumber: r.phone_number, attributes: JSON.parse(r.attributes),
  serviceAccountClientId: r.service_account_client_id, createdAt: n(r.created_at),
});
const fromUser = (u: UserRecord) => ({
  id: u.id, realm_id: u.realmId, username: u.username, username_lower: u.username.toLowerCase(),
  enabled: bit(u.enabled), email: u.email, email_lower: u.email === null ? null : u.email.toLowerCase(),
  email_verified: bit(u.emailVerified), first_name: u.firstName, last_name: u.lastName, phone_number: u.phoneNumber,
  attributes: JSON.stringify(u.attributes), service_account_client_id: u.serviceAccountClientId, created_at: u.createdAt,
});
const toRole = (r: any): RoleRecord => ({
  id: r.id, realmId: r.realm_id, clientId: r.client_id, name: r.name, description: r.description,
});
const toSession = (r: any): SessionRecord => ({
  id: r.id, realmId: r.realm_id, userId: r.user_id, offline: bool(r.offline), authTime: n(r.auth_time),
  createdAt: n(r.created_at), lastSeenAt: n(r.last_seen_at), expiresAt: n(r.expires_at),
  maxExpiresAt: n(r.max_expires_at),
});
const toRefresh = (r: any): RefreshTokenRecord => ({
  id: r.id, tokenHash: r.token_hash, familyId: r.family_id, realmId: r.realm_id, clientId: r.client_id,
  userId: r.user_id, sessionId: r.session_id, scope: r.scope, createdAt: n(r.created_at),
  expiresAt: n(r.expires_at), usedAt: nOrNull(r.used_at), revokedAt: nOrNull(r.revoked_at),
});

const toCode = (r: any): AuthorizationCodeRecord => ({
  codeHash: r.code_hash, realmId: r.realm_id, clientId: r.client_id, userId: r.user_id, sessionId: r.session_id,
  redirectUri: r.redirect_uri, scope: r.scope, nonce: r.nonce, codeChallenge: r.code_challenge,
  codeChallengeMethod: r.code_challenge_method, authTime: n(r.auth_time), claims: r.claims, createdAt: n(r.created_at),
  expiresAt: n(r.expires_at), usedAt: nOrNull(r.used_at), issuedFamilyId: r.issued_family_id, issuedJti: r.issued_jti,
  issuedJtiExpiresAt: nOrNull(r.issued_jti_expires_at),
});
const toInteraction = (r: any): InteractionRecord => ({
  id: r.id, realmId: r.realm_id, clientId: r.client_id, request: r.request, userId: r.user_id,
  sessionId: r.session_id, createdAt: n(r.created_at), expiresAt: n(r.expires_at),
});
const fromInteraction = (i: InteractionRecord) => ({
  id: i.id, realm_id: i.realmId, client_id: i.clientId, request: i.request, user_id: i.userId,
  session_id: i.sessionId, created_at: i.createdAt, expires_at: i.expiresAt,
});

/**
 * PostgreSQL text cannot hold U+0000 (a query with one in a parameter fails) while SQLite's
 * can. So that both answer alike, and untrusted input such as a username with %00 in it is
 * "not found" rather than a database error: a key holding one matches nothing, and a value
 * holding one is refused with UnstorableValueError. JSON columns escape it and are unaffected.
 */
const hasNul = (...keys: Array<string | null>): boolean => keys.some((k) => k !== null && k.includes('\u0000'));

/** A value neither back end can store the same way; thrown before the database sees it. */
export class UnstorableValueError extends Error {
  override name = 'UnstorableValueError';
}

function storable<R extends object>(table: string, row: R): R {
  for (const [column, value] of Object.entries(row)) {
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
}

/** The Store over Kysely: portable SQL only, shared by the SQLite and PostgreSQL back ends. */
export class SqlStore implements Store {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: SqlStoreOptions = {},
  ) {}

  async transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return work(this);
    return this.db.transaction().execute((trx: Transaction<Database>) => work(new SqlStore(trx, this.options)));
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

  async ping(): Promise<void> {
    await this.db.selectFrom('realms').select('id').limit(1).execute();
  }

  async close(): Promise<void> {
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

  keys: Store['keys'] = {
    listByRealm: async (realmId) => {
      if (hasNul(realmId)) return [];
      return (await this.db.selectFrom('realm_keys').selectAll().where('realm_id', '=', realmId)
        .orderBy('created_at', 'desc').orderBy(this.byText('kid')).execute()).map(toKey);
    },
    insert: async (k) => {
      await this.db.insertInto('realm_keys').values(storable('realm_keys', {
        kid: k.kid, realm_id: k.realmId, alg: k.alg, status: k.status, public_jwk: JSON.stringify(k.publicJwk),
        sealed_private_jwk: k.sealedPrivateJwk, created_at: k.createdAt,
      })).execute();
    },
    setStatus: async (kid, status) => {
      if (hasNul(kid)) return;
      await this.db.updateTable('realm_keys').set(storable('realm_keys', { status })).where('kid', '=', kid).execute();
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
      const r = await this.db.selectFrom('users').selectAll()
        .where('realm_id', '=', realmId).where('id', '=', id).executeTakeFirst();
      return r && toUser(r);
    },
    getByUsername: async (realmId, username) => {
      if (hasNul(realmId, username)) return undefined;
      const r = await this.db.selectFrom('users').selectAll()
        .where('realm_id', '=', realmId).where('username_lower', '=', username.toLowerCase()).executeTakeFirst();
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
  };

  passwords: Store['passwords'] = {
    get: async (userId) => {
      if (hasNul(userId)) return undefined;
      const r = await this.db.selectFrom('passwords').selectAll().where('user_id', '=', userId).executeTakeFirst();
      return r && { userId: r.user_id, algorithm: r.algorithm, data: r.data, createdAt: n(r.created_at) } satisfies PasswordRecord;
    },
    set: async (p) => {
      const row = storable('passwords', { user_id: p.userId, algorithm: p.algorithm, data: p.data, created_at: p.createdAt });
      await this.db.insertInto('passwords').values(row)
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ algorithm: p.algorithm, data: p.data, created_at: p.createdAt }))
        .execute();
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
  };

  sessions: Store['sessions'] = {
    get: async (id) => {
      if (hasNul(id)) return undefined;
      const r = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toSession(r);
    },
    insert: async (s) => {
      await this.db.insertInto('sessions').values(storable('sessions', {
        id: s.id, realm_id: s.realmId, user_id: s.userId, offline: bit(s.offline), auth_time: s.authTime,
        created_at: s.createdAt, last_seen_at: s.lastSeenAt, expires_at: s.expiresAt, max_expires_at: s.maxExpiresAt,
      })).execute();
    },
    touch: async (id, lastSeenAt, expiresAt) => {
      if (hasNul(id)) return;
      await this.db.updateTable('sessions').set({ last_seen_at: lastSeenAt, expires_at: expiresAt })
        .where('id', '=', id).execute();
    },
    delete: async (id) => {
      if (hasNul(id)) return;
      await this.db.deleteFrom('sessions').where('id', '=', id).execute();
    },
  };

  refreshTokens: Store['refreshTokens'] = {
    getByHash: async (tokenHash) => {
      if (hasNul(tokenHash)) return undefined;
      const r = await this.db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return r && toRefresh(r);
    },
    insert: async (t) => {
      await this.db.insertInto('refresh_tokens').values(storable('refresh_tokens', {
        id: t.id, token_hash: t.tokenHash, family_id: t.familyId, realm_id: t.realmId, client_id: t.clientId,
        user_id: t.userId, session_id: t.sessionId, scope: t.scope, created_at: t.createdAt,
        expires_at: t.expiresAt, used_at: t.usedAt, revoked_at: t.revokedAt,
      })).execute();
    },
    markUsed: async (id, at) => {
      if (hasNul(id)) return false;
      const r = await this.db.updateTable('refresh_tokens').set({ used_at: at })
        .where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    revokeFamily: async (familyId, at) => {
      if (hasNul(familyId)) return;
      await this.db.updateTable('refresh_tokens').set({ revoked_at: at })
        .where('family_id', '=', familyId).where('revoked_at', 'is', null).execute();
    },
  };

  revokedAccessTokens: Store['revokedAccessTokens'] = {
    add: async (jti, expiresAt) => {
      await this.db.insertInto('revoked_access_tokens').values(storable('revoked_access_tokens', { jti, expires_at: expiresAt }))
        .onConflict((oc) => oc.doNothing()).execute();
    },
    has: async (jti) => {
      if (hasNul(jti)) return false;
      return (await this.db.selectFrom('revoked_access_tokens').select('jti').where('jti', '=', jti).executeTakeFirst()) !== undefined;
    },
  };

  codes: Store['codes'] = {
    insert: async (c) => {
      await this.db.insertInto('authorization_codes').values(storable('authorization_codes', {
        code_hash: c.codeHash, realm_id: c.realmId, client_id: c.clientId, user_id: c.userId, session_id: c.sessionId,
        redirect_uri: c.redirectUri, scope: c.scope, nonce: c.nonce, code_challenge: c.codeChallenge,
        code_challenge_method: c.codeChallengeMethod, auth_time: c.authTime, claims: c.claims, created_at: c.createdAt,
        expires_at: c.expiresAt, used_at: c.usedAt, issued_family_id: c.issuedFamilyId, issued_jti: c.issuedJti,
        issued_jti_expires_at: c.issuedJtiExpiresAt,
      })).execute();
    },
    getByHash: async (codeHash) => {
      if (hasNul(codeHash)) return undefined;
      const r = await this.db.selectFrom('authorization_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
      return r && toCode(r);
    },
    markUsed: async (codeHash, at) => {
      if (hasNul(codeHash)) return false;
      const r = await this.db.updateTable('authorization_codes').set({ used_at: at })
        .where('code_hash', '=', codeHash).where('used_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    setIssued: async (codeHash, issued) => {
      if (hasNul(codeHash)) return;
      await this.db.updateTable('authorization_codes').set(storable('authorization_codes', {
        issued_family_id: issued.familyId, issued_jti: issued.jti, issued_jti_expires_at: issued.jtiExpiresAt,
      })).where('code_hash', '=', codeHash).execute();
    },
  };

  interactions: Store['interactions'] = {
    insert: async (i) => { await this.db.insertInto('interactions').values(storable('interactions', fromInteraction(i))).execute(); },
    get: async (id) => {
      if (hasNul(id)) return undefined;
      const r = await this.db.selectFrom('interactions').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toInteraction(r);
    },
    update: async (i) => {
      const { id, ...rest } = fromInteraction(i);
      if (hasNul(id)) return;
      await this.db.updateTable('interactions').set(storable('interactions', rest)).where('id', '=', id).execute();
    },
    delete: async (id) => {
      if (hasNul(id)) return;
      await this.db.deleteFrom('interactions').where('id', '=', id).execute();
    },
  };

  consents: Store['consents'] = {
    get: async (userId, clientId) => {
      if (hasNul(userId, clientId)) return undefined;
      const r = await this.db.selectFrom('consents').selectAll()
        .where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
      return r && { userId: r.user_id, clientId: r.client_id, scopes: JSON.parse(r.scopes), createdAt: n(r.created_at) };
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
      const r = await this.db.selectFrom('login_failures').selectAll().where('user_id', '=', userId).executeTakeFirst();
      return r && { userId: r.user_id, failures: n(r.failures), lastFailureAt: n(r.last_failure_at), lockedUntil: n(r.locked_until) };
    },
    put: async (f) => {
      const row = { failures: f.failures, last_failure_at: f.lastFailureAt, locked_until: f.lockedUntil };
      await this.db.insertInto('login_failures').values(storable('login_failures', { user_id: f.userId, ...row }))
        .onConflict((oc) => oc.column('user_id').doUpdateSet(row)).execute();
    },
    clear: async (userId) => {
      if (hasNul(userId)) return;
      await this.db.deleteFrom('login_failures').where('user_id', '=', userId).execute();
    },
  };
}
