// One contract for the Store interface, run unchanged against every back end:
// whatever passes on SQLite must pass on PostgreSQL, and the other way round.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/storage/open.js';
import { UnstorableValueError, type SqlStore } from '../../src/storage/sql/sql-store.js';
import type {
  AuthorizationCodeRecord, BackchannelLogoutRecord, DeviceCodeRecord, BrokerStateRecord, ClientRecord, CredentialRecord, ClientSettings, FederatedIdentityRecord, IdentityProviderRecord,
  InteractionRecord, KeyRecord, RealmRecord, RealmSettings, RefreshTokenRecord, RoleRecord, SessionRecord, Store, UserRecord,
} from '../../src/storage/store.js';
import pg from 'pg';
import type { Change } from '../../src/storage/store.js';
import { isUniqueViolation } from '../../src/storage/store.js';
import { createTestDatabase, postgresUnavailable } from './databases.js';

interface Backend {
  name: string;
  /** Why it cannot run here; the suite is then skipped with this message. */
  skip?: string;
  /** Whether other processes on the database hear of changes (PostgreSQL) or there are none (SQLite). */
  sharesChanges: boolean;
  /**
   * A fresh, migrated store, how to throw it away, and (PostgreSQL) how to break every
   * change feed's connection, as a restart of the database server would.
   */
  setUp(): Promise<{ store: SqlStore; reopen(): Promise<SqlStore>; tearDown(): Promise<void>; breakFeeds?(): Promise<void> }>;
}

const sqlite: Backend = {
  name: 'SQLite',
  sharesChanges: false,
  async setUp() {
    const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-store-'));
    const store = await openStore({ dataDir });
    return {
      store,
      reopen: () => openStore({ dataDir }),
      async tearDown() {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: Backend = {
  name: 'PostgreSQL',
  skip: await postgresUnavailable(),
  sharesChanges: true,
  async setUp() {
    const db = await createTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-store-'));
    let store: SqlStore | undefined;
    try {
      store = await openStore({ dataDir, databaseUrl: db.url });
    } catch (err) {
      await db.drop();
      throw err;
    }
    return {
      store,
      reopen: () => openStore({ dataDir, databaseUrl: db.url }),
      async breakFeeds() {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          await client.query(`select pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and application_name = 'latchkey (change feed)'`);
        } finally {
          await client.end();
        }
      },
      async tearDown() {
        await store.close();
        await db.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

// ---- records -------------------------------------------------------------------------

const rand = () => randomBytes(5).toString('hex');
/** Past 2^31 seconds (2038), so a 32-bit column or a lost bigint would show. */
const T = 4_102_444_800;

function realmSettings(): RealmSettings {
  return {
    displayName: 'Démo ✓ 日本 "quoted" \\ back',
    accessTokenLifespan: 300, ssoSessionIdleTimeout: 1800, ssoSessionMaxLifespan: 36000,
    offlineSessionIdleTimeout: 2592000, accessCodeLifespan: 60, defaultSignatureAlgorithm: 'ES256',
    bruteForceProtected: false, failureFactor: 30, waitIncrementSeconds: 60, maxFailureWaitSeconds: 900,
    supportedLocales: ['en', 'de'], defaultRoleName: 'default-roles-x',
    defaultClientScopes: ['profile', 'email'], optionalClientScopes: [],
  };
}

const newRealm = (name = `realm-${rand()}`): RealmRecord =>
  ({ id: randomUUID(), name, enabled: true, settings: realmSettings(), createdAt: T });

function clientSettings(): ClientSettings {
  return {
    name: 'A client', standardFlow: true, implicitFlow: false, directAccessGrants: true, serviceAccounts: false,
    consentRequired: false, pkceMethod: 'S256', refreshTokens: true, redirectUris: ['https://app.example/*'],
    postLogoutRedirectUris: [], webOrigins: ['+'], defaultScopes: ['profile'], optionalScopes: ['phone'],
    protocolMappers: [{
      id: 'a0c5e3f2-6f0e-4a55-9d1e-3b1f0a8c7d21', name: 'dept', protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-attribute-mapper',
      config: { 'user.attribute': 'department', 'claim.name': 'dept', 'access.token.claim': 'true', 'id.token.claim': 'false' },
    }],
    consentTexts: { de: { profile: 'Ihr Profil' } }, extraAttributes: { 'x.y': 'z' },
  };
}

const newClient = (realmId: string, clientId = `client-${rand()}`): ClientRecord =>
  ({ id: randomUUID(), realmId, clientId, enabled: true, publicClient: false, settings: clientSettings(), createdAt: T });

const newUser = (realmId: string, username = `user-${rand()}`, extra: Partial<UserRecord> = {}): UserRecord => ({
  id: randomUUID(), realmId, username, enabled: true, email: null, emailVerified: false, firstName: 'Ada',
  lastName: null, phoneNumber: null, attributes: { department: ['research', 'ünïcode'] }, serviceAccountClientId: null, requiredActions: [],
  createdAt: T, ...extra,
});

const newSession = (realmId: string, userId: string): SessionRecord => ({
  id: randomUUID(), realmId, userId, offline: false, authTime: T, createdAt: T, lastSeenAt: T,
  expiresAt: T + 1800, maxExpiresAt: T + 36000,
});

const newRefresh = (realmId: string, clientId: string, userId: string, sessionId: string, familyId = randomUUID()): RefreshTokenRecord => ({
  id: randomUUID(), tokenHash: randomBytes(32).toString('hex'), familyId, realmId, clientId, userId, sessionId,
  scope: 'openid profile', createdAt: T, expiresAt: T + 1800, usedAt: null, useCount: 0, revokedAt: null, accessJti: null, accessExpiresAt: null,
  acr: '0', claims: '{"id_token":{"email":{"essential":true}}}',
});

const newCode = (realmId: string, clientId: string, userId: string, sessionId: string): AuthorizationCodeRecord => ({
  codeHash: randomBytes(32).toString('base64url'), realmId, clientId, userId, sessionId,
  redirectUri: 'https://app.example/cb?x=1', scope: 'openid', nonce: 'n-0S6_WzA2Mj', codeChallenge: null,
  codeChallengeMethod: null, authTime: T, claims: '{"userinfo":{"email":null}}', createdAt: T, expiresAt: T + 60,
  usedAt: null, issuedFamilyId: null, issuedJti: null, issuedJtiExpiresAt: null, acr: '1',
});

const newKey = (realmId: string, kid: string, createdAt: number, alg: KeyRecord['alg'] = 'RS256'): KeyRecord => ({
  kid, realmId, alg, status: 'active', publicJwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB', kid, alg, use: 'sig' },
  sealedPrivateJwk: `sealed.${kid}`, createdAt, retiresAt: null,
});

const newProvider = (realmId: string, alias = `idp-${rand()}`): IdentityProviderRecord => ({
  id: randomUUID(), realmId, alias, enabled: true, sealedClientSecret: 'sealed.secret', createdAt: T,
  settings: {
    providerId: 'oidc', displayName: 'Upstream ✓ "quoted"', clientId: 'latchkey', clientAuthMethod: 'client_secret_post',
    issuer: 'https://idp.example/realms/up', scope: 'openid email', responseType: 'code id_token', responseMode: 'form_post', pkce: true,
    syncMode: 'FORCE', emailCollision: 'link', trustEmail: false, userInfo: true, hideOnLogin: false, guiOrder: 2,
    mappers: [{ id: 'm1', name: 'dept', claim: 'org.department', userAttribute: 'department' }],
    endpoints: { authorizationUrl: 'https://idp.example/auth' }, extraConfig: { backchannelSupported: 'false' },
  },
});

const newLink = (user: UserRecord, provider: IdentityProviderRecord, subject = `sub-${rand()}`): FederatedIdentityRecord => ({
  userId: user.id, realmId: user.realmId, providerId: provider.id, subject, username: `upstream-${rand()}`, createdAt: T,
});

const newInteraction = (realmId: string, clientId: string): InteractionRecord => ({
  id: randomUUID(), realmId, clientId, request: '{}', userId: null, sessionId: null, createdAt: T, expiresAt: T + 600,
});

const newBrokerState = (realmId: string, providerId: string, interactionId: string | null, expiresAt = T + 600): BrokerStateRecord => ({
  id: randomBytes(32).toString('base64url'), realmId, providerId, interactionId, sealedData: 'sealed.data', createdAt: T, expiresAt,
});

/** A realm with a client and a user in it, the starting point of most tests. */
async function seed(store: Store) {
  const realm = newRealm();
  const client = newClient(realm.id);
  const user = newUser(realm.id);
  await store.realms.insert(realm);
  await store.clients.insert(client);
  await store.users.insert(user);
  return { realm, client, user };
}

/** Code-point order, as SQLite's BINARY collation and PostgreSQL's "C" sort. */
const binarySort = (values: string[]) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

// ---- the contract --------------------------------------------------------------------

for (const backend of [sqlite, postgres]) {
  // A skipped test rather than a skipped suite, so the run's summary counts it as skipped.
  if (backend.skip) {
    it(`Store contract: ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }
  describe(`Store contract: ${backend.name}`, () => {
    let store: SqlStore;
    let reopen: () => Promise<SqlStore>;
    let tearDown: () => Promise<void> = async () => {};
    let breakFeeds: (() => Promise<void>) | undefined;

    before(async () => {
      ({ store, reopen, tearDown, breakFeeds } = await backend.setUp());
    });
    after(async () => { await tearDown(); });

    describe('opening', () => {
      it('answers ping', async () => {
        await store.ping();
      });

      it('opens again over a migrated database without migrating twice', async () => {
        const again = await reopen();
        try {
          await again.ping();
          const { realm } = await seed(store);
          assert.equal((await again.realms.getByName(realm.name))?.id, realm.id, 'both see the same data');
        } finally {
          await again.close();
        }
      });
    });

    describe('realms', () => {
      it('round-trips every field: JSON settings, booleans, times past 2038', async () => {
        const realm = newRealm();
        realm.enabled = false;
        await store.realms.insert(realm);
        const got = await store.realms.getByName(realm.name);
        assert.deepEqual(got, realm);
        assert.equal(typeof got!.createdAt, 'number');
        assert.equal(got!.enabled, false);
        assert.equal(await store.realms.getByName(`no-such-${rand()}`), undefined);
      });

      it('matches names exactly, case included', async () => {
        const realm = newRealm(`CaseRealm-${rand()}`);
        await store.realms.insert(realm);
        assert.equal(await store.realms.getByName(realm.name.toLowerCase()), undefined);
      });

      it('updates name, enabled and settings', async () => {
        const realm = newRealm();
        await store.realms.insert(realm);
        const changed: RealmRecord = { ...realm, name: `${realm.name}-renamed`, enabled: false,
          settings: { ...realm.settings, accessTokenLifespan: 60, supportedLocales: [] } };
        await store.realms.update(changed);
        assert.equal(await store.realms.getByName(realm.name), undefined);
        assert.deepEqual(await store.realms.getByName(changed.name), changed);
      });

      it('lists by name in code-point order, whatever the database collation', async () => {
        const tag = rand();
        const names = [`Zeta-${tag}`, `alpha-${tag}`, `_under-${tag}`, `-dash-${tag}`, `beta-${tag}`, `Beta2-${tag}`];
        for (const name of names) await store.realms.insert(newRealm(name));
        const listed = (await store.realms.list()).map((r) => r.name).filter((n) => n.endsWith(tag));
        assert.deepEqual(listed, binarySort(names));
      });

      it('refuses a second realm of the same name', async () => {
        const realm = newRealm();
        await store.realms.insert(realm);
        await assert.rejects(store.realms.insert({ ...newRealm(realm.name) }));
      });

      it('deletes', async () => {
        const realm = newRealm();
        await store.realms.insert(realm);
        await store.realms.delete(realm.id);
        assert.equal(await store.realms.getByName(realm.name), undefined);
        await store.realms.delete(realm.id); // deleting what is gone is not an error
      });
    });

    describe('hmacKeys', () => {
      it('keeps the first key stored for a realm, and goes with the realm', async () => {
        const { realm } = await seed(store);
        assert.equal(await store.hmacKeys.get(realm.id), undefined);
        const first = { realmId: realm.id, kid: 'first', sealedSecret: 'sealed-1', createdAt: T };
        await store.hmacKeys.insertIfAbsent(first);
        await store.hmacKeys.insertIfAbsent({ ...first, kid: 'second', sealedSecret: 'sealed-2' });
        assert.deepEqual(await store.hmacKeys.get(realm.id), first);
        await store.realms.delete(realm.id);
        assert.equal(await store.hmacKeys.get(realm.id), undefined);
      });
    });

    describe('keys', () => {
      it('lists newest first, ties in kid order, and retires', async () => {
        const { realm } = await seed(store);
        const keys = [newKey(realm.id, 'b-kid', T), newKey(realm.id, 'A-kid', T, 'ES256'), newKey(realm.id, '_kid', T + 5, 'EdDSA'),
          newKey(realm.id, 'a-kid', T)];
        for (const key of keys) await store.keys.insert(key);
        const listed = await store.keys.listByRealm(realm.id);
        assert.deepEqual(listed.map((k) => k.kid), ['_kid', 'A-kid', 'a-kid', 'b-kid']);
        assert.deepEqual(listed[0], keys[2]);
        await store.keys.retire('A-kid', T + 3_000_000_000);
        const retired = (await store.keys.listByRealm(realm.id)).find((k) => k.kid === 'A-kid')!;
        assert.equal(retired.status, 'passive');
        assert.equal(retired.retiresAt, T + 3_000_000_000);
        assert.deepEqual(await store.keys.listByRealm(randomUUID()), []);
      });

      it('deletes retired keys once their time has come, in batches; active ones never', async () => {
        const { realm } = await seed(store);
        for (const kid of ['k1', 'k2', 'k3', 'k4']) await store.keys.insert(newKey(realm.id, kid, T));
        await store.keys.retire('k1', T + 10);
        await store.keys.retire('k2', T + 10);
        await store.keys.retire('k3', T + 20);
        assert.equal(await store.expired.deleteRetiredKeys(T + 9, 10), 0);
        assert.equal(await store.expired.deleteRetiredKeys(T + 10, 1), 1);
        assert.equal(await store.expired.deleteRetiredKeys(T + 10, 10), 1);
        assert.deepEqual((await store.keys.listByRealm(realm.id)).map((k) => k.kid), ['k3', 'k4']);
        assert.equal(await store.expired.deleteRetiredKeys(T + 20, 10), 1);
        assert.deepEqual((await store.keys.listByRealm(realm.id)).map((k) => k.kid), ['k4']);
      });
    });

    describe('clients', () => {
      it('round-trips and finds by clientId and by id', async () => {
        const { realm } = await seed(store);
        const client = newClient(realm.id);
        client.publicClient = true;
        client.settings.pkceMethod = null;
        await store.clients.insert(client);
        assert.deepEqual(await store.clients.getByClientId(realm.id, client.clientId), client);
        assert.deepEqual(await store.clients.getById(client.id), client);
        assert.deepEqual(await store.clients.getByIds([client.id, randomUUID(), client.id, 'x\u0000']), [client], 'those that exist, each once');
        assert.deepEqual(await store.clients.getByIds([]), []);
        assert.equal(await store.clients.getByClientId(realm.id, client.clientId.toUpperCase()), undefined, 'clientId is case-sensitive');
        assert.equal(await store.clients.getByClientId(randomUUID(), client.clientId), undefined, 'and scoped to its realm');
      });

      it('lists in code-point order of clientId, with first/max paging', async () => {
        const realm = newRealm();
        await store.realms.insert(realm);
        const ids = ['web', 'Admin', 'api', '_internal', 'Zed', 'b-2', 'b_1'];
        for (const id of ids) await store.clients.insert(newClient(realm.id, id));
        const sorted = binarySort(ids);
        assert.deepEqual((await store.clients.list(realm.id)).map((c) => c.clientId), sorted);
        assert.deepEqual((await store.clients.list(realm.id, { max: 3 })).map((c) => c.clientId), sorted.slice(0, 3));
        assert.deepEqual((await store.clients.list(realm.id, { first: 3, max: 3 })).map((c) => c.clientId), sorted.slice(3, 6));
        assert.deepEqual((await store.clients.list(realm.id, { first: 6, max: 3 })).map((c) => c.clientId), sorted.slice(6));
        assert.deepEqual((await store.clients.list(realm.id, { first: 2 })).map((c) => c.clientId), sorted, 'first alone does not page');
      });

      it('updates, and keeps clientId unique per realm only', async () => {
        const { realm, client } = await seed(store);
        const changed: ClientRecord = { ...client, enabled: false, publicClient: true, settings: { ...client.settings, redirectUris: [] } };
        await store.clients.update(changed);
        assert.deepEqual(await store.clients.getById(client.id), changed);
        await assert.rejects(store.clients.insert(newClient(realm.id, client.clientId)));
        const other = newRealm();
        await store.realms.insert(other);
        await store.clients.insert(newClient(other.id, client.clientId));
      });

      it('refuses a client of a realm that does not exist', async () => {
        await assert.rejects(store.clients.insert(newClient(randomUUID())));
      });

      it('deletes', async () => {
        const { client } = await seed(store);
        await store.clients.delete(client.id);
        assert.equal(await store.clients.getById(client.id), undefined);
      });
    });

    describe('client secrets', () => {
      it('lists by creation, round-trips nulls and expiries, deletes', async () => {
        const { client } = await seed(store);
        const secrets = [
          { id: randomUUID(), clientId: client.id, sealedValue: 'sealed-2', label: '2026', createdAt: T + 10, expiresAt: null },
          { id: randomUUID(), clientId: client.id, sealedValue: 'sealed-1', label: null, createdAt: T, expiresAt: T + 99 },
        ];
        for (const s of secrets) await store.clientSecrets.insert(s);
        assert.deepEqual(await store.clientSecrets.listByClient(client.id), [secrets[1], secrets[0]]);
        await store.clientSecrets.delete(secrets[1].id);
        assert.deepEqual(await store.clientSecrets.listByClient(client.id), [secrets[0]]);
      });
    });

    describe('users', () => {
      it('round-trips every field', async () => {
        const { realm, client } = await seed(store);
        const user = newUser(realm.id, `Full-${rand()}`, {
          email: 'Full@Example.com', emailVerified: true, firstName: 'Ünïcödé', lastName: "O'Brien", phoneNumber: '+31 20 123',
          attributes: { a: ['1', '2'], 'x.y': ['quote " and \\ backslash'], empty: [] }, serviceAccountClientId: client.id, enabled: false,
          requiredActions: ['UPDATE_PASSWORD'],
        });
        await store.users.insert(user);
        assert.deepEqual(await store.users.getById(realm.id, user.id), user);
        await store.users.update({ ...user, requiredActions: [] });
        assert.deepEqual((await store.users.getById(realm.id, user.id))?.requiredActions, []);
        await store.users.update(user);
        assert.equal(await store.users.getById(randomUUID(), user.id), undefined, 'getById is scoped to the realm');
        assert.deepEqual(await store.users.getByServiceAccountClient(client.id), user);
      });

      it('finds usernames case-insensitively, Unicode included, and keeps them unique regardless of case', async () => {
        const realm = newRealm();
        await store.realms.insert(realm);
        const tag = rand();
        const alice = newUser(realm.id, `Alice-${tag}`);
        const umlaut = newUser(realm.id, `ÄNNE-${tag}`);
        await store.users.insert(alice);
        await store.users.insert(umlaut);
        for (const name of [`alice-${tag}`, `ALICE-${tag}`, `Alice-${tag}`]) {
          assert.equal((await store.users.getByUsername(realm.id, name))?.id, alice.id, name);
        }
        assert.equal((await store.users.getByUsername(realm.id, `änne-${tag}`))?.id, umlaut.id);
        assert.equal((await store.users.getByUsername(realm.id, `Änne-${tag}`))?.username, `ÄNNE-${tag}`, 'the stored case is kept');
        assert.equal(await store.users.getByUsername(realm.id, `alice-${tag}x`), undefined);
        await assert.rejects(store.users.insert(newUser(realm.id, `ALICE-${tag}`)));
        const other = newRealm();
        await store.realms.insert(other);
        await store.users.insert(newUser(other.id, `ALICE-${tag}`));
      });

      it('finds by email case-insensitively, Unicode included, only when exactly one user has it', async () => {
        const realm = newRealm();
        await store.realms.insert(realm);
        const one = newUser(realm.id, undefined, { email: 'Ünique.ΣΑΣ@Example.COM' });
        await store.users.insert(one);
        await store.users.insert(newUser(realm.id, undefined, { email: 'shared@example.com' }));
        await store.users.insert(newUser(realm.id, undefined, { email: 'SHARED@example.com' }));
        await store.users.insert(newUser(realm.id, undefined, { email: null }));
        assert.equal((await store.users.getByEmail(realm.id, 'ünique.σας@example.com'))?.id, one.id);
        assert.equal((await store.users.getByEmail(realm.id, 'ÜNIQUE.ΣΑΣ@EXAMPLE.COM'))?.id, one.id);
        assert.equal(await store.users.getByEmail(realm.id, 'shared@example.com'), undefined, 'two users share it');
        assert.equal(await store.users.getByEmail(realm.id, 'nobody@example.com'), undefined);
        const moved = { ...one, email: 'moved@example.com' };
        await store.users.update(moved);
        assert.equal(await store.users.getByEmail(realm.id, 'ünique.σας@example.com'), undefined, 'an update moves the lookup');
        assert.equal((await store.users.getByEmail(realm.id, 'MOVED@example.com'))?.id, one.id);
      });

      it('counts as a number', async () => {
        const realm = newRealm();
        await store.realms.insert(realm);
        assert.equal(await store.users.countByRealm(realm.id), 0);
        for (let i = 0; i < 3; i++) await store.users.insert(newUser(realm.id));
        const count = await store.users.countByRealm(realm.id);
        assert.equal(typeof count, 'number');
        assert.equal(count, 3);
      });

      it('updates (renaming moves the case-insensitive lookup) and deletes', async () => {
        const { realm, user } = await seed(store);
        const renamed = { ...user, username: `Renamed-${rand()}`, enabled: false, attributes: {} };
        await store.users.update(renamed);
        assert.equal(await store.users.getByUsername(realm.id, user.username), undefined);
        assert.deepEqual(await store.users.getByUsername(realm.id, renamed.username.toUpperCase()), renamed);
        await store.users.delete(user.id);
        assert.equal(await store.users.getById(realm.id, user.id), undefined);
      });
    });

    describe('passwords', () => {
      it('sets, and setting again replaces (upsert)', async () => {
        const { user } = await seed(store);
        assert.equal(await store.passwords.get(user.id), undefined);
        await store.passwords.set({ userId: user.id, algorithm: 'pbkdf2-sha256', data: '{"v":1}', createdAt: T });
        await store.passwords.set({ userId: user.id, algorithm: 'argon2id', data: '$argon2id$v=19$...', createdAt: T + 1 });
        assert.deepEqual(await store.passwords.get(user.id), { userId: user.id, algorithm: 'argon2id', data: '$argon2id$v=19$...', createdAt: T + 1 });
      });

      it('concurrent sets of one user all succeed and one of them wins', async () => {
        const { user } = await seed(store);
        await Promise.all([1, 2, 3, 4, 5].map((i) =>
          store.passwords.set({ userId: user.id, algorithm: 'argon2id', data: `v${i}`, createdAt: T + i })));
        const got = await store.passwords.get(user.id);
        assert.match(got!.data, /^v[1-5]$/);
        assert.equal(got!.createdAt, T + Number(got!.data.slice(1)), 'one write, not a mix');
      });

      it('samples one password of each kind in a realm: by algorithm, length and the text from a marker on', async () => {
        const { realm, user } = await seed(store);
        const kc = (salt: string, iterations: number) => `{"secretData":{"value":"v${salt}","salt":"${salt}"},"credentialData":{"hashIterations":${iterations}}}`;
        const users = [user, ...await Promise.all([1, 2, 3, 4].map(async () => { const u = newUser(realm.id); await store.users.insert(u); return u; }))];
        const rows = [
          ['keycloak:pbkdf2-sha512', kc('aaaa', 27500)], ['keycloak:pbkdf2-sha512', kc('bbbb', 27500)],
          ['keycloak:pbkdf2-sha512', kc('cccc', 30000)], ['keycloak:pbkdf2', kc('dddd', 27500)], ['argon2id', '$argon2id$v=19$x'],
        ];
        for (const [i, [algorithm, data]] of rows.entries()) await store.passwords.set({ userId: users[i].id, algorithm, data, createdAt: T });
        // Another realm's passwords are not this realm's kinds.
        const elsewhere = await seed(store);
        await store.passwords.set({ userId: elsewhere.user.id, algorithm: 'keycloak:pbkdf2', data: kc('eeee', 1000), createdAt: T });

        const samples = await store.passwords.samplesOfKinds(realm.id, { except: 'argon2id', parametersFrom: '"credentialData"' });
        const kinds = samples.map((s) => `${s.algorithm} ${JSON.parse(s.data).credentialData.hashIterations}`).sort();
        assert.deepEqual(kinds, ['keycloak:pbkdf2 27500', 'keycloak:pbkdf2-sha512 27500', 'keycloak:pbkdf2-sha512 30000']);
        assert.ok(samples.every((s) => rows.some(([, data]) => data === s.data)), 'each sample is a stored password');
        assert.deepEqual(await store.passwords.samplesOfKinds('no-such-realm', { except: 'argon2id', parametersFrom: '"credentialData"' }), []);
      });
    });

    describe('roles', () => {
      it('keeps realm and client roles apart, composites and grants idempotent, lists in a stable order', async () => {
        const { realm, client, user } = await seed(store);
        const realmRole: RoleRecord = { id: randomUUID(), realmId: realm.id, clientId: null, name: 'reader', description: 'Reads' };
        const clientRole: RoleRecord = { id: randomUUID(), realmId: realm.id, clientId: client.id, name: 'reader', description: null };
        const writer: RoleRecord = { id: randomUUID(), realmId: realm.id, clientId: null, name: 'writer', description: null };
        for (const role of [realmRole, clientRole, writer]) await store.roles.insert(role);
        await assert.rejects(store.roles.insert({ ...realmRole, id: randomUUID() }), 'a name is unique within its container');

        assert.deepEqual(await store.roles.getByName(realm.id, null, 'reader'), realmRole);
        assert.deepEqual(await store.roles.getByName(realm.id, client.id, 'reader'), clientRole);
        assert.equal(await store.roles.getByName(realm.id, null, 'Reader'), undefined, 'role names are case-sensitive');
        assert.deepEqual(await store.roles.listByRealm(realm.id),
          [realmRole, clientRole, writer].sort((a, b) => (a.id < b.id ? -1 : 1)));

        await store.roles.addComposite(writer.id, realmRole.id);
        await store.roles.addComposite(writer.id, clientRole.id);
        await store.roles.addComposite(writer.id, realmRole.id); // again: no error, no duplicate
        const expected = [{ parentId: writer.id, childId: realmRole.id }, { parentId: writer.id, childId: clientRole.id }]
          .sort((a, b) => (a.childId < b.childId ? -1 : 1));
        assert.deepEqual(await store.roles.listComposites(realm.id), expected);

        await store.roles.grantToUser(user.id, writer.id);
        await store.roles.grantToUser(user.id, clientRole.id);
        await store.roles.grantToUser(user.id, writer.id);
        assert.deepEqual(await store.roles.listUserRoleIds(user.id), binarySort([writer.id, clientRole.id]));
      });

      it('refuses a composite whose parent does not exist', async () => {
        await assert.rejects(store.roles.addComposite(randomUUID(), randomUUID()));
      });
    });

    describe('sessions', () => {
      it('round-trips, touches and deletes', async () => {
        const { realm, user } = await seed(store);
        const session = { ...newSession(realm.id, user.id), offline: true };
        await store.sessions.insert(session);
        assert.deepEqual(await store.sessions.get(session.id), session);
        await store.sessions.touch(session.id, T + 100, T + 1900);
        assert.deepEqual(await store.sessions.get(session.id), { ...session, lastSeenAt: T + 100, expiresAt: T + 1900 });
        await store.sessions.deleteMany([session.id]);
        assert.equal(await store.sessions.get(session.id), undefined);
      });

      it('keeps whether a session is remembered (Keycloak\'s remember me)', async () => {
        const { realm, user } = await seed(store);
        const remembered = { ...newSession(realm.id, user.id), rememberMe: true, amr: ['pwd'] };
        await store.sessions.insert(remembered);
        assert.deepEqual(await store.sessions.get(remembered.id), remembered);
        assert.deepEqual((await store.sessions.listByUser(user.id)).map((s) => s.rememberMe), [true]);
      });

      it('lists a user\'s sessions oldest first, the clients each served, and deletes them all', async () => {
        const { realm, client, user } = await seed(store);
        const other = newUser(realm.id);
        const second = newClient(realm.id);
        await store.users.insert(other);
        await store.clients.insert(second);
        const later = { ...newSession(realm.id, user.id), createdAt: T + 50 };
        const first = { ...newSession(realm.id, user.id), offline: true };
        const theirs = newSession(realm.id, other.id);
        for (const s of [later, first, theirs]) await store.sessions.insert(s);
        assert.deepEqual(await store.sessions.listByUser(user.id), [first, later]);
        assert.deepEqual(await store.sessions.listByUser(randomUUID()), []);

        // Two refresh tokens and a code to one client count once; a code alone names a client too.
        await store.refreshTokens.insert(newRefresh(realm.id, client.id, user.id, first.id));
        await store.refreshTokens.insert(newRefresh(realm.id, client.id, user.id, first.id));
        await store.codes.insert(newCode(realm.id, client.id, user.id, first.id));
        await store.codes.insert(newCode(realm.id, second.id, user.id, later.id));
        const key = (p: { sessionId: string; clientId: string }) => `${p.sessionId} ${p.clientId}`;
        assert.deepEqual((await store.sessions.listClients([first.id, later.id, theirs.id, 'x\u0000'])).map(key).sort(),
          [key({ sessionId: first.id, clientId: client.id }), key({ sessionId: later.id, clientId: second.id })].sort());
        assert.deepEqual(await store.sessions.listClients([]), []);

        assert.equal(await store.sessions.deleteMany((await store.sessions.listByUser(user.id)).map((s) => s.id)), 2);
        assert.deepEqual(await store.sessions.listByUser(user.id), []);
        assert.deepEqual(await store.sessions.get(theirs.id), theirs);
        assert.deepEqual((await store.sessions.listByRealm(theirs.realmId)).map((s) => s.id), [theirs.id]);
        assert.equal(await store.sessions.deleteMany([first.id]), 0);
      });
    });

    describe('back-channel logouts', () => {
      it('round-trip, come due in order, are claimed by one taker, rescheduled and deleted', async () => {
        const { realm, client, user } = await seed(store);
        const notice = (nextAttemptAt: number): BackchannelLogoutRecord => ({
          id: randomUUID(), realmId: realm.id, clientId: client.id, userId: user.id, sessionId: randomUUID(), attempts: 0, nextAttemptAt, createdAt: T,
        });
        const [soon, later] = [notice(T), notice(T + 10)];
        await store.backchannelLogouts.insert([later, soon]);
        await store.backchannelLogouts.insert([]);
        assert.deepEqual(await store.backchannelLogouts.listDue(T, 10), [soon]);
        assert.deepEqual(await store.backchannelLogouts.listDue(T + 10, 10), [soon, later]);
        assert.deepEqual(await store.backchannelLogouts.listDue(T + 10, 1), [soon]);
        assert.equal(await store.backchannelLogouts.nextDue(), T);
        const claims = await Promise.all([1, 2, 3].map(() => store.backchannelLogouts.claim(soon.id, T, T + 60)));
        assert.equal(claims.filter(Boolean).length, 1, 'one taker');
        assert.deepEqual(await store.backchannelLogouts.listDue(T, 10), []);
        await store.backchannelLogouts.reschedule(soon.id, 1, T + 5);
        assert.deepEqual(await store.backchannelLogouts.listDue(T + 5, 10), [{ ...soon, attempts: 1, nextAttemptAt: T + 5 }]);
        assert.equal(await store.backchannelLogouts.claim('x\u0000', T, T), false);
        await store.backchannelLogouts.delete(soon.id);
        await store.clients.delete(client.id);
        assert.equal(await store.backchannelLogouts.nextDue(), undefined, 'gone with its client');
      });
    });

    describe('device codes', () => {
      it('round-trip by either hash, keep user codes unique, record polls, are decided and redeemed once, expire', async () => {
        const { realm, client, user } = await seed(store);
        const code = (expiresAt = T + 600): DeviceCodeRecord => ({
          deviceCodeHash: rand(), userCodeHash: rand(), realmId: realm.id, clientId: client.id, scope: 'openid profile', status: 'pending',
          userId: null, sessionId: null, pollInterval: 5, lastPolledAt: null, createdAt: T, expiresAt,
        });
        const d = code();
        await store.deviceCodes.insert(d);
        assert.deepEqual(await store.deviceCodes.getByDeviceCode(d.deviceCodeHash), d);
        assert.deepEqual(await store.deviceCodes.getByUserCode(d.userCodeHash), d);
        assert.equal(await store.deviceCodes.getByUserCode('x\u0000'), undefined);
        await assert.rejects(store.deviceCodes.insert({ ...code(), userCodeHash: d.userCodeHash }), isUniqueViolation);
        await store.deviceCodes.polled(d.deviceCodeHash, T + 1, 10);
        const sessionId = randomUUID();
        const decided = await Promise.all([1, 2].map(() => store.deviceCodes.decide(d.deviceCodeHash, 'approved', user.id, sessionId)));
        assert.deepEqual(decided.sort(), [false, true]);
        assert.equal(await store.deviceCodes.decide(d.deviceCodeHash, 'denied', null, null), false, 'decided once');
        assert.deepEqual(await store.deviceCodes.getByDeviceCode(d.deviceCodeHash),
          { ...d, lastPolledAt: T + 1, pollInterval: 10, status: 'approved', userId: user.id, sessionId });
        const redeemed = await Promise.all([1, 2].map(() => store.deviceCodes.delete(d.deviceCodeHash)));
        assert.deepEqual(redeemed.sort(), [false, true]);
        const old = code(T - 1);
        await store.deviceCodes.insert(old);
        assert.ok(await store.expired.deleteDeviceCodes(T, 1000) >= 1);
        assert.equal(await store.deviceCodes.getByDeviceCode(old.deviceCodeHash), undefined);
      });

      it('counts the sessions alive that served each client of the realm, online and offline', async () => {
        const { realm, client, user } = await seed(store);
        const second = newClient(realm.id, `a-${rand()}`);
        await store.clients.insert(second);
        const online = newSession(realm.id, user.id);
        const offline = { ...newSession(realm.id, user.id), offline: true };
        const idle = { ...newSession(realm.id, user.id), expiresAt: T - 1 };
        for (const s of [online, offline, idle]) await store.sessions.insert(s);
        // Several tokens and codes of one session count it once; an idle session not at all.
        await store.refreshTokens.insert(newRefresh(realm.id, client.id, user.id, online.id));
        await store.codes.insert(newCode(realm.id, client.id, user.id, online.id));
        await store.refreshTokens.insert(newRefresh(realm.id, client.id, user.id, offline.id));
        await store.codes.insert(newCode(realm.id, second.id, user.id, online.id));
        await store.codes.insert(newCode(realm.id, second.id, user.id, idle.id));
        assert.deepEqual(await store.sessions.countByClient(realm.id, T - 10), [
          { id: second.id, clientId: second.clientId, online: 2, offline: 0 },
          { id: client.id, clientId: client.clientId, online: 1, offline: 1 },
        ].sort((a, b) => (a.clientId < b.clientId ? -1 : 1)));
        assert.deepEqual(await store.sessions.countByClient(realm.id, T), [
          { id: second.id, clientId: second.clientId, online: 1, offline: 0 },
          { id: client.id, clientId: client.clientId, online: 1, offline: 1 },
        ].sort((a, b) => (a.clientId < b.clientId ? -1 : 1)));
        assert.deepEqual(await store.sessions.countByClient(randomUUID(), T), []);
      });
    });

    describe('user code failures', () => {
      it('count every failure of an address, racing ones too, in a window that starts again once closed', async () => {
        const address = `198.51.100.${Math.floor(Math.random() * 250)}-${rand()}`.slice(0, 60);
        assert.equal(await store.userCodeFailures.count(address, T), 0);
        await Promise.all([1, 2, 3].map(() => store.userCodeFailures.add(address, T, T + 600)));
        assert.equal(await store.userCodeFailures.count(address, T + 599), 3);
        assert.equal(await store.userCodeFailures.count(address, T + 600), 0, 'the window has closed');
        await store.userCodeFailures.add(address, T + 700, T + 1300);
        assert.equal(await store.userCodeFailures.count(address, T + 700), 1, 'a new window');
        assert.equal(await store.userCodeFailures.count('x\u0000', T), 0);
        assert.ok(await store.expired.deleteUserCodeFailures(T + 1300, 1000) >= 1);
        assert.equal(await store.userCodeFailures.count(address, T + 700), 0);
      });
    });

    describe('client initial access', () => {
      it('lists a realm\'s oldest first, and deletes only its own', async () => {
        const { realm } = await seed(store);
        const other = newRealm();
        await store.realms.insert(other);
        const made = (realmId: string, createdAt: number) => ({
          id: randomUUID(), realmId, tokenHash: rand(), createdAt, expiration: 3600, count: 2, remainingCount: 2,
        });
        const [later, first, theirs] = [made(realm.id, T + 5), made(realm.id, T), made(other.id, T)];
        for (const a of [later, first, theirs]) await store.clientInitialAccess.insert(a);
        assert.deepEqual(await store.clientInitialAccess.list(realm.id), [first, later]);
        assert.equal(await store.clientInitialAccess.delete(realm.id, theirs.id), false);
        assert.equal(await store.clientInitialAccess.delete(realm.id, first.id), true);
        assert.deepEqual(await store.clientInitialAccess.list(realm.id), [later]);
        assert.deepEqual(await store.clientInitialAccess.list(other.id), [theirs]);
      });
    });

    describe('refresh tokens', () => {
      it('round-trips and is used once', async () => {
        const { realm, client, user } = await seed(store);
        const session = newSession(realm.id, user.id);
        await store.sessions.insert(session);
        const token = newRefresh(realm.id, client.id, user.id, session.id);
        await store.refreshTokens.insert(token);
        assert.deepEqual(await store.refreshTokens.getByHash(token.tokenHash), token);
        assert.equal(await store.refreshTokens.markUsed(token.id, T + 1, 1), true);
        assert.equal(await store.refreshTokens.markUsed(token.id, T + 2, 1), false);
        assert.equal((await store.refreshTokens.getByHash(token.tokenHash))!.usedAt, T + 1);
        assert.equal(await store.refreshTokens.markUsed(token.id, T + 3, 3), true, 'a further use the realm allows');
        assert.equal(await store.refreshTokens.markUsed(token.id, T + 4, 3), true);
        assert.equal(await store.refreshTokens.markUsed(token.id, T + 5, 3), false);
        const used = (await store.refreshTokens.getByHash(token.tokenHash))!;
        assert.deepEqual([used.usedAt, used.useCount], [T + 4, 3], 'the last use is when it was used');
        assert.equal(await store.refreshTokens.markUsed(randomUUID(), T, 1), false, 'an unknown token');
      });

      it('two concurrent markUsed: exactly one wins, every time', async () => {
        const { realm, client, user } = await seed(store);
        const session = newSession(realm.id, user.id);
        await store.sessions.insert(session);
        for (let round = 0; round < 25; round++) {
          const token = newRefresh(realm.id, client.id, user.id, session.id);
          await store.refreshTokens.insert(token);
          const results = await Promise.all([store.refreshTokens.markUsed(token.id, T + 1, 1), store.refreshTokens.markUsed(token.id, T + 2, 1)]);
          assert.equal(results.filter(Boolean).length, 1, `round ${round}: ${results}`);
        }
      });

      it('revokes a family, keeping an earlier revocation time', async () => {
        const { realm, client, user } = await seed(store);
        const session = newSession(realm.id, user.id);
        await store.sessions.insert(session);
        const family = randomUUID();
        const [a, b] = [newRefresh(realm.id, client.id, user.id, session.id, family), newRefresh(realm.id, client.id, user.id, session.id, family)];
        const outsider = newRefresh(realm.id, client.id, user.id, session.id);
        a.revokedAt = T - 10;
        for (const t of [a, b, outsider]) await store.refreshTokens.insert(t);
        await store.refreshTokens.revokeFamily(family, T);
        assert.equal((await store.refreshTokens.getByHash(a.tokenHash))!.revokedAt, T - 10);
        assert.equal((await store.refreshTokens.getByHash(b.tokenHash))!.revokedAt, T);
        assert.equal((await store.refreshTokens.getByHash(outsider.tokenHash))!.revokedAt, null);
      });

      it("revoking a family revokes its unexpired access tokens too (twice is fine), and no one else's", async () => {
        const { realm, client, user } = await seed(store);
        const session = newSession(realm.id, user.id);
        await store.sessions.insert(session);
        const family = randomUUID();
        const withAccess = (jti: string | null, expiresAt: number | null, fam = family) =>
          ({ ...newRefresh(realm.id, client.id, user.id, session.id, fam), accessJti: jti, accessExpiresAt: expiresAt });
        const [live, expired, none, outsider] = [withAccess(randomUUID(), T + 300), withAccess(randomUUID(), T - 1),
          withAccess(null, null), withAccess(randomUUID(), T + 300, randomUUID())];
        for (const t of [live, expired, none, outsider]) await store.refreshTokens.insert(t);
        assert.deepEqual((await store.refreshTokens.getByHash(live.tokenHash))!.accessJti, live.accessJti);
        await store.refreshTokens.revokeFamily(family, T);
        await store.refreshTokens.revokeFamily(family, T + 1);
        assert.equal(await store.revokedAccessTokens.has(live.accessJti!), true);
        assert.equal(await store.revokedAccessTokens.has(expired.accessJti!), false, 'already expired: nothing to revoke');
        assert.equal(await store.revokedAccessTokens.has(outsider.accessJti!), false);
        assert.equal(await store.expired.deleteRevokedAccessTokens(T + 299, 100) >= 0, true);
        assert.equal(await store.revokedAccessTokens.has(live.accessJti!), true, 'kept until the token would have expired');
      });
    });

    describe('revoked access tokens', () => {
      it('adds (twice is fine) and answers has', async () => {
        const jti = randomUUID();
        assert.equal(await store.revokedAccessTokens.has(jti), false);
        await store.revokedAccessTokens.add(jti, T);
        await store.revokedAccessTokens.add(jti, T + 5);
        assert.equal(await store.revokedAccessTokens.has(jti), true);
      });
    });

    describe('used JWT ids', () => {
      it('claims each once, even when raced; expired ones are deleted, unexpired ones stay', async () => {
        const id = randomUUID();
        const raced = await Promise.all([store.usedJtis.claim(id, T + 60), store.usedJtis.claim(id, T + 60)]);
        assert.equal(raced.filter(Boolean).length, 1, String(raced));
        assert.equal(await store.usedJtis.claim(id, T + 120), false);
        const old = randomUUID();
        assert.equal(await store.usedJtis.claim(old, T - 10), true);
        assert.equal(await store.expired.deleteUsedJtis(T - 10, 1000), 1);
        assert.equal(await store.usedJtis.claim(old, T + 60), true, 'claimable again once deleted');
        assert.equal(await store.usedJtis.claim(id, T + 60), false, 'an unexpired one stays');
      });
    });

    describe('pushed requests', () => {
      it('round-trip, are taken once even when raced, expire, and go with their client', async () => {
        const { realm, client } = await seed(store);
        const pushed = { id: randomUUID(), realmId: realm.id, clientId: client.id, sealedParams: 'sealed ü', createdAt: T, expiresAt: T + 60 };
        await store.pushedRequests.insert(pushed);
        const raced = await Promise.all([store.pushedRequests.take(pushed.id), store.pushedRequests.take(pushed.id)]);
        assert.equal(raced.filter(Boolean).length, 1, String(raced));
        assert.deepEqual(raced.find(Boolean), pushed);
        assert.equal(await store.pushedRequests.take(pushed.id), undefined);
        const old = { ...pushed, id: randomUUID(), expiresAt: T - 20 };
        await store.pushedRequests.insert(old);
        assert.equal(await store.expired.deletePushedRequests(T - 20, 1000), 1);
        assert.equal(await store.pushedRequests.take(old.id), undefined);
        const orphan = { ...pushed, id: randomUUID() };
        await store.pushedRequests.insert(orphan);
        await store.clients.delete(client.id);
        assert.equal(await store.pushedRequests.take(orphan.id), undefined, 'deleted with its client');
      });
    });

    describe('authorization codes', () => {
      it('round-trips with nulls and values, is used once even when raced, records what it issued', async () => {
        const { realm, client, user } = await seed(store);
        const session = newSession(realm.id, user.id);
        await store.sessions.insert(session);
        const code = newCode(realm.id, client.id, user.id, session.id);
        const pkce = { ...newCode(realm.id, client.id, user.id, session.id), nonce: null, claims: null,
          codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', codeChallengeMethod: 'S256' };
        await store.codes.insert(code);
        await store.codes.insert(pkce);
        assert.deepEqual(await store.codes.getByHash(code.codeHash), code);
        assert.deepEqual(await store.codes.getByHash(pkce.codeHash), pkce);

        const plan = (n: number) => ({ familyId: `fam-${n}`, jti: `jti-${n}`, jtiExpiresAt: T + 300 + n });
        const raced = await Promise.all([store.codes.markUsed(code.codeHash, T + 1, plan(1)), store.codes.markUsed(code.codeHash, T + 2, plan(2))]);
        assert.equal(raced.filter(Boolean).length, 1, String(raced));
        assert.equal(await store.codes.markUsed(code.codeHash, T + 3, plan(3)), false);

        // What the winner planned is recorded with the use, in the same write; the losers change nothing.
        const won = raced[0] ? 1 : 2;
        const issued = await store.codes.getByHash(code.codeHash);
        assert.deepEqual({ f: issued!.issuedFamilyId, j: issued!.issuedJti, e: issued!.issuedJtiExpiresAt, u: issued!.usedAt },
          { f: `fam-${won}`, j: `jti-${won}`, e: T + 300 + won, u: T + won });
        assert.equal((await store.codes.getByHash(pkce.codeHash))!.issuedFamilyId, null);
      });
    });

    describe('interactions', () => {
      it('round-trips, updates and deletes', async () => {
        const { realm, client, user } = await seed(store);
        const interaction = { id: randomUUID(), realmId: realm.id, clientId: client.id,
          request: JSON.stringify({ state: 'ü & <x>', nonce: 'n' }), userId: null, sessionId: null, createdAt: T, expiresAt: T + 600 };
        await store.interactions.insert(interaction);
        assert.deepEqual(await store.interactions.get(interaction.id), interaction);
        const signedIn = { ...interaction, userId: user.id, sessionId: randomUUID() };
        await store.interactions.update(signedIn);
        assert.deepEqual(await store.interactions.get(interaction.id), signedIn);
        await store.interactions.delete(interaction.id);
        assert.equal(await store.interactions.get(interaction.id), undefined);
      });
    });

    describe('consents', () => {
      it('puts, and putting again replaces (upsert)', async () => {
        const { client, user } = await seed(store);
        assert.equal(await store.consents.get(user.id, client.id), undefined);
        await store.consents.put({ userId: user.id, clientId: client.id, scopes: ['profile'], createdAt: T });
        await store.consents.put({ userId: user.id, clientId: client.id, scopes: ['profile', 'email'], createdAt: T + 1 });
        assert.deepEqual(await store.consents.get(user.id, client.id), { userId: user.id, clientId: client.id, scopes: ['profile', 'email'], createdAt: T + 1 });
      });
    });

    describe('credentials', () => {
      const credential = (realmId: string, userId: string, priority: number, type: CredentialRecord['type'] = 'otp'): CredentialRecord => ({
        id: randomUUID(), realmId, userId, type, userLabel: `label ${priority}`, priority, createdAt: T + priority,
        sealedSecret: `sealed-${rand()}`, data: '{"subType":"totp","digits":6}', counter: 0,
      });

      it('lists a user\'s by priority, updates label and priority, deletes, and goes with the user', async () => {
        const { realm, user } = await seed(store);
        const [late, early] = [credential(realm.id, user.id, 20), credential(realm.id, user.id, 10, 'recovery-authn-codes')];
        await store.credentials.insert(late);
        await store.credentials.insert(early);
        assert.deepEqual(await store.credentials.listByUser(user.id), [early, late]);
        await store.credentials.update({ ...late, userLabel: null, priority: 5, counter: 99 });
        assert.deepEqual(await store.credentials.listByUser(user.id), [{ ...late, userLabel: null, priority: 5 }, early]);
        await store.credentials.delete(early.id);
        assert.deepEqual((await store.credentials.listByUser(user.id)).map((c) => c.id), [late.id]);
        assert.deepEqual((await store.bulk.listCredentials([user.id])).map((c) => c.id), [late.id]);
        await store.users.delete(user.id);
        assert.deepEqual(await store.credentials.listByUser(user.id), []);
      });

      it('a user search finds those with (secondFactor: true) or without (false) a second factor, and counts them', async () => {
        const { realm, user } = await seed(store);
        const other = newUser(realm.id);
        await store.users.insert(other);
        await store.credentials.insert(credential(realm.id, user.id, 10));
        await store.credentials.insert(credential(realm.id, user.id, 20, 'recovery-authn-codes'));
        assert.deepEqual((await store.users.search(realm.id, { secondFactor: true })).map((u) => u.id), [user.id]);
        assert.deepEqual((await store.users.search(realm.id, { secondFactor: false })).map((u) => u.id), [other.id]);
        assert.equal(await store.users.count(realm.id, { secondFactor: true }), 1);
        assert.equal(await store.users.count(realm.id, { secondFactor: false, username: other.username, exact: true }), 1);
      });

      it('swaps secret, data and counter only while they are as read: of two racing uses, one wins', async () => {
        const { realm, user } = await seed(store);
        const c = credential(realm.id, user.id, 10);
        await store.bulk.insertCredentials([c]);
        const [a, b] = await Promise.all([
          store.credentials.swap(c, { ...c, counter: 7 }),
          store.credentials.swap(c, { ...c, counter: 8 }),
        ]);
        assert.equal(Number(a) + Number(b), 1);
        const stored = (await store.credentials.listByUser(user.id))[0];
        assert.equal(stored.counter, a ? 7 : 8);
        assert.equal(typeof stored.counter, 'number');
        assert.equal(await store.credentials.swap(c, { ...c, sealedSecret: 'other' }), false, 'the counter moved on since');
        assert.equal(await store.credentials.swap(stored, { ...stored, sealedSecret: 'other', data: '{}' }), true);
        assert.deepEqual((await store.credentials.listByUser(user.id))[0], { ...stored, sealedSecret: 'other', data: '{}' });
      });

      it('a session keeps its amr; an interaction its auth', async () => {
        const { realm, client, user } = await seed(store);
        const session = newSession(realm.id, user.id);
        await store.sessions.insert({ ...session, amr: ['pwd'] });
        await store.sessions.setAmr(session.id, ['pwd', 'otp', 'mfa']);
        assert.deepEqual((await store.sessions.get(session.id))?.amr, ['pwd', 'otp', 'mfa']);
        const interaction = {
          id: randomUUID(), realmId: realm.id, clientId: client.id, request: '{}', userId: user.id, sessionId: null,
          createdAt: T, expiresAt: T + 600, auth: { amr: ['pwd'], pending: 'sealed' },
        };
        await store.interactions.insert(interaction);
        assert.deepEqual(await store.interactions.get(interaction.id), interaction);
      });
    });

    describe('login failures', () => {
      it('puts (upsert), gets and clears', async () => {
        const { user } = await seed(store);
        assert.equal(await store.loginFailures.get(user.id), undefined);
        await store.loginFailures.put({ userId: user.id, failures: 1, lastFailureAt: T, lockedUntil: 0 });
        await store.loginFailures.put({ userId: user.id, failures: 2, lastFailureAt: T + 1, lockedUntil: T + 61 });
        const got = await store.loginFailures.get(user.id);
        assert.deepEqual(got, { userId: user.id, failures: 2, lastFailureAt: T + 1, lockedUntil: T + 61 });
        assert.equal(typeof got!.failures, 'number');
        await store.loginFailures.clear(user.id);
        assert.equal(await store.loginFailures.get(user.id), undefined);
      });
    });

    describe('identity providers', () => {
      it('round-trips every field, finds by alias (case-sensitive) and id, lists by alias in code-point order', async () => {
        const { realm } = await seed(store);
        const providers = ['zeta', 'Alpha', 'beta', '_under'].map((alias) => newProvider(realm.id, alias));
        providers[1].sealedClientSecret = null;
        for (const p of providers) await store.identityProviders.insert(p);
        assert.deepEqual(await store.identityProviders.getByAlias(realm.id, 'beta'), providers[2]);
        assert.deepEqual(await store.identityProviders.getById(providers[1].id), providers[1]);
        assert.equal(await store.identityProviders.getByAlias(realm.id, 'BETA'), undefined, 'aliases are case-sensitive');
        assert.equal(await store.identityProviders.getByAlias(randomUUID(), 'beta'), undefined, 'and scoped to the realm');
        assert.deepEqual((await store.identityProviders.list(realm.id)).map((p) => p.alias), binarySort(['zeta', 'Alpha', 'beta', '_under']));
        assert.deepEqual(await store.identityProviders.list(randomUUID()), []);
      });

      it('keeps aliases unique per realm only; updates alias, enabled, settings and secret; deletes', async () => {
        const { realm } = await seed(store);
        const provider = newProvider(realm.id);
        await store.identityProviders.insert(provider);
        await assert.rejects(store.identityProviders.insert(newProvider(realm.id, provider.alias)));
        const other = newRealm();
        await store.realms.insert(other);
        await store.identityProviders.insert(newProvider(other.id, provider.alias));

        const changed: IdentityProviderRecord = {
          ...provider, alias: `${provider.alias}-renamed`, enabled: false, sealedClientSecret: null,
          settings: { ...provider.settings, responseType: 'code', mappers: [] },
        };
        await store.identityProviders.update(changed);
        assert.equal(await store.identityProviders.getByAlias(realm.id, provider.alias), undefined);
        assert.deepEqual(await store.identityProviders.getById(provider.id), changed);
        await store.identityProviders.delete(provider.id);
        assert.equal(await store.identityProviders.getById(provider.id), undefined);
        await store.identityProviders.delete(provider.id);
      });

      it('links users to accounts: one per user and provider, one user per account; finds, lists, updates, unlinks', async () => {
        const { realm, user } = await seed(store);
        const other = newUser(realm.id);
        await store.users.insert(other);
        const [a, b] = [newProvider(realm.id), newProvider(realm.id)];
        for (const p of [a, b]) await store.identityProviders.insert(p);
        const link = newLink(user, a, 'Case-Sub');
        await store.federatedIdentities.insert(link);
        await store.federatedIdentities.insert(newLink(user, b));
        assert.deepEqual(await store.federatedIdentities.find(a.id, 'Case-Sub'), link);
        assert.equal(await store.federatedIdentities.find(a.id, 'case-sub'), undefined, 'subjects are case-sensitive');
        assert.equal(await store.federatedIdentities.find(b.id, 'Case-Sub'), undefined, 'and per provider');
        await assert.rejects(store.federatedIdentities.insert(newLink(user, a)), 'a user is linked once to a provider');
        await assert.rejects(store.federatedIdentities.insert(newLink(other, a, 'Case-Sub')), 'an account is one user\'s');
        await store.federatedIdentities.insert(newLink(other, b, 'Case-Sub'));
        assert.deepEqual((await store.federatedIdentities.listByUser(user.id)).map((l) => l.providerId), binarySort([a.id, b.id]));

        await store.federatedIdentities.update({ ...link, username: 'renamed upstream' });
        assert.equal((await store.federatedIdentities.find(a.id, 'Case-Sub'))!.username, 'renamed upstream');
        await store.federatedIdentities.delete(user.id, a.id);
        await store.federatedIdentities.delete(user.id, a.id);
        assert.equal(await store.federatedIdentities.find(a.id, 'Case-Sub'), undefined);
        assert.equal((await store.federatedIdentities.listByUser(user.id)).length, 1);
      });

      it('bulk: inserts links and lists those of many users, by user then provider', async () => {
        const { realm, user } = await seed(store);
        const other = newUser(realm.id);
        await store.users.insert(other);
        const [a, b] = [newProvider(realm.id), newProvider(realm.id)];
        for (const p of [a, b]) await store.identityProviders.insert(p);
        const links = [newLink(user, b), newLink(other, a), newLink(user, a)];
        await store.bulk.insertFederatedIdentities(links);
        await store.bulk.insertFederatedIdentities([]);
        const listed = await store.bulk.listFederatedIdentities([user.id, other.id, randomUUID()]);
        const key = (l: FederatedIdentityRecord) => `${l.userId} ${l.providerId}`;
        assert.deepEqual(listed.map(key), binarySort(links.map(key)));
        assert.deepEqual(listed.find((l) => l.subject === links[1].subject), links[1]);
        await assert.rejects(store.bulk.insertFederatedIdentities([newLink(user, a)]), 'a duplicate fails the call');
      });

      it('broker states: round-trip with and without an interaction, used once even when raced, expire', async () => {
        const { realm, client } = await seed(store);
        const provider = newProvider(realm.id);
        await store.identityProviders.insert(provider);
        const interaction = newInteraction(realm.id, client.id);
        await store.interactions.insert(interaction);
        const signIn = newBrokerState(realm.id, provider.id, interaction.id);
        const logout = newBrokerState(realm.id, provider.id, null, T - 1);
        for (const b of [signIn, logout]) await store.brokerStates.insert(b);
        assert.deepEqual(await store.brokerStates.get(signIn.id), signIn);
        assert.deepEqual(await store.brokerStates.get(logout.id), logout);
        const raced = await Promise.all([store.brokerStates.delete(signIn.id), store.brokerStates.delete(signIn.id)]);
        assert.equal(raced.filter(Boolean).length, 1, String(raced));
        assert.equal(await store.brokerStates.get(signIn.id), undefined);
        await assert.rejects(store.brokerStates.insert(newBrokerState(realm.id, randomUUID(), null)), 'of a provider that exists');

        assert.equal(await store.expired.deleteBrokerStates(T - 1, 1000), 1);
        assert.equal(await store.brokerStates.get(logout.id), undefined);
        const fresh = newBrokerState(realm.id, provider.id, null);
        await store.brokerStates.insert(fresh);
        assert.equal(await store.expired.deleteBrokerStates(T, 1000), 0);
        assert.ok(await store.brokerStates.get(fresh.id));
      });

      it('broker sessions: put replaces, get; a missing one is undefined', async () => {
        const { realm, user } = await seed(store);
        const provider = newProvider(realm.id);
        await store.identityProviders.insert(provider);
        const session = newSession(realm.id, user.id);
        await store.sessions.insert(session);
        assert.equal(await store.brokerSessions.get(session.id), undefined);
        await store.brokerSessions.put({ sessionId: session.id, providerId: provider.id, sealedIdToken: 'one', createdAt: T });
        await store.brokerSessions.put({ sessionId: session.id, providerId: provider.id, sealedIdToken: 'two', createdAt: T + 1 });
        assert.deepEqual(await store.brokerSessions.get(session.id), { sessionId: session.id, providerId: provider.id, sealedIdToken: 'two', createdAt: T + 1 });
      });

      it('deleting a provider, a user, an interaction, a session or the realm takes what hangs off it', async () => {
        const { realm, client, user } = await seed(store);
        const [kept, gone] = [newProvider(realm.id), newProvider(realm.id)];
        for (const p of [kept, gone]) await store.identityProviders.insert(p);
        await store.federatedIdentities.insert(newLink(user, kept));
        await store.federatedIdentities.insert(newLink(user, gone));
        const session = newSession(realm.id, user.id);
        await store.sessions.insert(session);
        await store.brokerSessions.put({ sessionId: session.id, providerId: gone.id, sealedIdToken: 't', createdAt: T });
        const interaction = newInteraction(realm.id, client.id);
        await store.interactions.insert(interaction);
        const [s1, s2] = [newBrokerState(realm.id, gone.id, null), newBrokerState(realm.id, kept.id, interaction.id)];
        for (const b of [s1, s2]) await store.brokerStates.insert(b);

        await store.identityProviders.delete(gone.id);
        assert.deepEqual((await store.federatedIdentities.listByUser(user.id)).map((l) => l.providerId), [kept.id]);
        assert.equal(await store.brokerSessions.get(session.id), undefined);
        assert.equal(await store.brokerStates.get(s1.id), undefined);
        assert.ok(await store.sessions.get(session.id), 'the session itself stays');

        await store.interactions.delete(interaction.id);
        assert.equal(await store.brokerStates.get(s2.id), undefined);

        const session2 = newSession(realm.id, user.id);
        await store.sessions.insert(session2);
        await store.brokerSessions.put({ sessionId: session2.id, providerId: kept.id, sealedIdToken: 't', createdAt: T });
        await store.sessions.deleteMany([session2.id]);
        assert.equal(await store.brokerSessions.get(session2.id), undefined);

        await store.users.delete(user.id);
        assert.deepEqual(await store.federatedIdentities.listByUser(user.id), []);
        assert.ok(await store.identityProviders.getById(kept.id));
        await store.realms.delete(realm.id);
        assert.equal(await store.identityProviders.getById(kept.id), undefined);
      });

      it('a key holding a NUL matches nothing', async () => {
        const { realm } = await seed(store);
        assert.equal(await store.identityProviders.getByAlias(realm.id, 'a\u0000b'), undefined);
        assert.equal(await store.identityProviders.getById('a\u0000b'), undefined);
        assert.equal(await store.federatedIdentities.find('a\u0000b', 'x'), undefined);
        assert.deepEqual(await store.federatedIdentities.listByUser('a\u0000b'), []);
        assert.equal(await store.brokerStates.get('a\u0000b'), undefined);
        assert.equal(await store.brokerStates.delete('a\u0000b'), false);
        assert.equal(await store.brokerSessions.get('a\u0000b'), undefined);
        await assert.rejects(store.identityProviders.insert(newProvider(realm.id, 'nul\u0000alias')), UnstorableValueError);
      });
    });

    describe('cascading deletes', () => {
      /** A realm with one of everything hanging off it. */
      async function populated() {
        const { realm, client, user } = await seed(store);
        const key = newKey(realm.id, `kid-${rand()}`, T);
        await store.keys.insert(key);
        const secret = { id: randomUUID(), clientId: client.id, sealedValue: 's', label: null, createdAt: T, expiresAt: null };
        await store.clientSecrets.insert(secret);
        const serviceAccount = newUser(realm.id, `service-account-${rand()}`, { serviceAccountClientId: client.id });
        await store.users.insert(serviceAccount);
        await store.passwords.set({ userId: user.id, algorithm: 'argon2id', data: 'x', createdAt: T });
        const role: RoleRecord = { id: randomUUID(), realmId: realm.id, clientId: client.id, name: 'r', description: null };
        await store.roles.insert(role);
        await store.roles.grantToUser(user.id, role.id);
        const session = newSession(realm.id, user.id);
        await store.sessions.insert(session);
        const refresh = newRefresh(realm.id, client.id, user.id, session.id);
        await store.refreshTokens.insert(refresh);
        const code = newCode(realm.id, client.id, user.id, session.id);
        await store.codes.insert(code);
        const interaction = { id: randomUUID(), realmId: realm.id, clientId: client.id, request: '{}', userId: null, sessionId: null, createdAt: T, expiresAt: T };
        await store.interactions.insert(interaction);
        await store.consents.put({ userId: user.id, clientId: client.id, scopes: ['a'], createdAt: T });
        await store.loginFailures.put({ userId: user.id, failures: 1, lastFailureAt: T, lockedUntil: 0 });
        return { realm, client, user, key, secret, serviceAccount, role, session, refresh, code, interaction };
      }

      it('deleting a realm removes everything in it', async () => {
        const x = await populated();
        const bystander = await populated();
        await store.realms.delete(x.realm.id);
        assert.equal(await store.realms.getByName(x.realm.name), undefined);
        assert.deepEqual(await store.keys.listByRealm(x.realm.id), []);
        assert.equal(await store.clients.getById(x.client.id), undefined);
        assert.deepEqual(await store.clients.list(x.realm.id), []);
        assert.deepEqual(await store.clientSecrets.listByClient(x.client.id), []);
        assert.equal(await store.users.getById(x.realm.id, x.user.id), undefined);
        assert.equal(await store.users.getByServiceAccountClient(x.client.id), undefined);
        assert.equal(await store.users.countByRealm(x.realm.id), 0);
        assert.equal(await store.passwords.get(x.user.id), undefined);
        assert.deepEqual(await store.roles.listByRealm(x.realm.id), []);
        assert.deepEqual(await store.roles.listUserRoleIds(x.user.id), []);
        assert.equal(await store.sessions.get(x.session.id), undefined);
        assert.equal(await store.refreshTokens.getByHash(x.refresh.tokenHash), undefined);
        assert.equal(await store.codes.getByHash(x.code.codeHash), undefined);
        assert.equal(await store.interactions.get(x.interaction.id), undefined);
        assert.equal(await store.consents.get(x.user.id, x.client.id), undefined);
        assert.equal(await store.loginFailures.get(x.user.id), undefined);
        // The other realm is untouched.
        assert.ok(await store.clients.getById(bystander.client.id));
        assert.ok(await store.users.getById(bystander.realm.id, bystander.user.id));
        assert.ok(await store.refreshTokens.getByHash(bystander.refresh.tokenHash));
      });

      it('deleting a client removes its secrets, roles, service account and tokens; the user stays', async () => {
        const x = await populated();
        await store.clients.delete(x.client.id);
        assert.deepEqual(await store.clientSecrets.listByClient(x.client.id), []);
        assert.equal(await store.users.getById(x.realm.id, x.serviceAccount.id), undefined);
        assert.equal(await store.roles.getByName(x.realm.id, x.client.id, 'r'), undefined);
        assert.deepEqual(await store.roles.listUserRoleIds(x.user.id), []);
        assert.equal(await store.refreshTokens.getByHash(x.refresh.tokenHash), undefined);
        assert.equal(await store.codes.getByHash(x.code.codeHash), undefined);
        assert.equal(await store.consents.get(x.user.id, x.client.id), undefined);
        assert.ok(await store.users.getById(x.realm.id, x.user.id));
        assert.ok(await store.sessions.get(x.session.id));
      });

      it('deleting a user removes its password, sessions, tokens, grants and failures', async () => {
        const x = await populated();
        await store.users.delete(x.user.id);
        assert.equal(await store.passwords.get(x.user.id), undefined);
        assert.equal(await store.sessions.get(x.session.id), undefined);
        assert.equal(await store.refreshTokens.getByHash(x.refresh.tokenHash), undefined);
        assert.deepEqual(await store.roles.listUserRoleIds(x.user.id), []);
        assert.equal(await store.loginFailures.get(x.user.id), undefined);
        assert.ok(await store.roles.getByName(x.realm.id, x.client.id, 'r'), 'the role itself stays');
      });
    });

    describe('transactions', () => {
      it('commit together, and see their own writes', async () => {
        const realm = newRealm();
        const client = newClient(realm.id);
        const result = await store.transaction(async (tx) => {
          await tx.realms.insert(realm);
          await tx.clients.insert(client);
          assert.ok(await tx.clients.getById(client.id));
          return 'done';
        });
        assert.equal(result, 'done');
        assert.deepEqual(await store.clients.getById(client.id), client);
      });

      it('roll back everything when the work throws, and pass the error on', async () => {
        const realm = newRealm();
        const client = newClient(realm.id);
        const boom = new Error('boom');
        await assert.rejects(store.transaction(async (tx) => {
          await tx.realms.insert(realm);
          await tx.clients.insert(client);
          throw boom;
        }), (err) => err === boom);
        assert.equal(await store.realms.getByName(realm.name), undefined);
        assert.equal(await store.clients.getById(client.id), undefined);
      });

      it('roll back earlier writes when a statement fails (a duplicate)', async () => {
        const { realm } = await seed(store);
        const fresh = newClient(realm.id);
        await assert.rejects(store.transaction(async (tx) => {
          await tx.clients.insert(fresh);
          await tx.realms.insert(newRealm(realm.name));
        }));
        assert.equal(await store.clients.getById(fresh.id), undefined);
      });

      it('nest by joining the outer transaction: an outer failure undoes the inner work', async () => {
        const realm = newRealm();
        await assert.rejects(store.transaction(async (tx) => {
          await tx.transaction(async (inner) => { await inner.realms.insert(realm); });
          assert.ok(await tx.realms.getByName(realm.name));
          throw new Error('after the inner one');
        }));
        assert.equal(await store.realms.getByName(realm.name), undefined);
      });

      it('concurrent transactions each commit their own writes', async () => {
        const realms = Array.from({ length: 6 }, () => newRealm());
        await Promise.all(realms.map((realm) => store.transaction(async (tx) => {
          await tx.realms.insert(realm);
          await tx.clients.insert(newClient(realm.id, 'c'));
        })));
        for (const realm of realms) assert.ok(await store.clients.getByClientId(realm.id, 'c'));
      });
    });

    describe('bulk sessions, refresh tokens and codes', () => {
      it('insert more than one statement takes, each row as the one-row insert stores it', async () => {
        const { realm, client, user } = await seed(store);
        const sessions = Array.from({ length: 2100 }, (_, i) => ({ ...newSession(realm.id, user.id), offline: i % 2 === 0 }));
        await store.bulk.insertSessions(sessions);
        const tokens = sessions.map((s, i) => ({ ...newRefresh(realm.id, client.id, user.id, s.id), usedAt: i % 3 ? null : T + i }));
        await store.bulk.insertRefreshTokens(tokens);
        const codes = sessions.slice(0, 1500).map((s) => newCode(realm.id, client.id, user.id, s.id));
        await store.bulk.insertCodes(codes);
        for (const i of [0, 999, 1000, 2099]) {
          assert.deepEqual(await store.sessions.get(sessions[i].id), sessions[i]);
          assert.deepEqual(await store.refreshTokens.getByHash(tokens[i].tokenHash), tokens[i]);
        }
        for (const i of [0, 1000, 1499]) assert.deepEqual(await store.codes.getByHash(codes[i].codeHash), codes[i]);
        await store.bulk.insertSessions([]);
        await store.bulk.insertRefreshTokens([]);
        await store.bulk.insertCodes([]);
      });

      it('a duplicate fails the call', async () => {
        const { realm, client, user } = await seed(store);
        const session = newSession(realm.id, user.id);
        const token = newRefresh(realm.id, client.id, user.id, session.id);
        const code = newCode(realm.id, client.id, user.id, session.id);
        await assert.rejects(store.bulk.insertSessions([session, session]), isUniqueViolation);
        await assert.rejects(store.bulk.insertRefreshTokens([token, { ...token, id: randomUUID() }]), isUniqueViolation);
        await assert.rejects(store.bulk.insertCodes([code, code]), isUniqueViolation);
      });
    });

    describe('change feed', () => {
      /** The next change `s` hears, or 'nothing' after `ms`. */
      const next = (s: SqlStore, ms = 5000) => new Promise<Change | undefined | 'nothing'>((resolve) => {
        const timer = setTimeout(() => { off(); resolve('nothing'); }, ms);
        const off = s.changes.subscribe((change) => { clearTimeout(timer); off(); resolve(change); });
      });

      it(backend.sharesChanges ? 'another store on the database hears every change, key or none; the publisher does not'
        : 'publishing succeeds with nobody to tell', async () => {
        const other = await reopen();
        try {
          const heardByOther = next(other, backend.sharesChanges ? 5000 : 300);
          const heardBySelf = next(store, 300);
          await store.changes.publish({ topic: 'client', key: 'realm-1\u0000web "app" ✓' });
          assert.deepEqual(await heardByOther, backend.sharesChanges ? { topic: 'client', key: 'realm-1\u0000web "app" ✓' } : 'nothing');
          assert.equal(await heardBySelf, 'nothing');
          const all = next(other, backend.sharesChanges ? 5000 : 300);
          await store.changes.publish({ topic: 'users' });
          assert.deepEqual(await all, backend.sharesChanges ? { topic: 'users' } : 'nothing');
          // A key too long for a notification becomes "all of the topic", never a failed publish.
          const long = next(other, backend.sharesChanges ? 5000 : 300);
          await store.changes.publish({ topic: 'realm', key: 'r'.repeat(10_000) });
          assert.deepEqual(await long, backend.sharesChanges ? { topic: 'realm' } : 'nothing');
        } finally {
          await other.close();
        }
      });

      it('the same feed inside a transaction', async () => {
        await store.transaction(async (tx) => assert.equal(tx.changes, store.changes));
      });

      it('a listener whose connection broke reconnects by itself and says that changes may have been missed',
        { skip: backend.sharesChanges ? false : 'SQLite has no feed connection' }, async () => {
          const other = await reopen();
          try {
            const reset = next(other, 15_000);
            await breakFeeds!();
            assert.equal(await reset, undefined, 'undefined: drop everything');
            // The reset comes once it listens again: what is published now arrives.
            const heard = next(other);
            await store.changes.publish({ topic: 'roles', key: 'after' });
            assert.deepEqual(await heard, { topic: 'roles', key: 'after' });
          } finally {
            await other.close();
          }
        });
    });

    describe('NUL characters (PostgreSQL text cannot hold them)', () => {
      it('a key holding one matches nothing, without an error', async () => {
        const { realm, client, user } = await seed(store);
        const bad = 'a\u0000b';
        assert.equal(await store.realms.getByName(bad), undefined);
        assert.equal(await store.clients.getByClientId(realm.id, `${client.clientId}\u0000`), undefined);
        assert.equal(await store.users.getByUsername(realm.id, `${user.username}\u0000`), undefined);
        assert.equal(await store.users.getByEmail(realm.id, 'a\u0000@example.com'), undefined);
        assert.equal(await store.users.getById(realm.id, bad), undefined);
        assert.equal(await store.sessions.get(bad), undefined);
        assert.equal(await store.interactions.get(bad), undefined);
        assert.equal(await store.refreshTokens.getByHash(bad), undefined);
        assert.equal(await store.codes.getByHash(bad), undefined);
        assert.equal(await store.refreshTokens.markUsed(bad, T, 1), false);
        assert.equal(await store.codes.markUsed(bad, T, { familyId: 'f', jti: 'j', jtiExpiresAt: T }), false);
        assert.equal(await store.revokedAccessTokens.has(bad), false);
        assert.deepEqual(await store.clients.list(bad), []);
        assert.equal(await store.users.countByRealm(bad), 0);
        assert.equal(await store.sessions.deleteMany([bad]), 0);
      });

      it('a value holding one is refused before the database sees it; in JSON it is escaped and kept', async () => {
        const { realm } = await seed(store);
        await assert.rejects(store.users.insert(newUser(realm.id, 'nul\u0000user')), UnstorableValueError);
        await assert.rejects(store.realms.insert(newRealm('nul\u0000realm')), UnstorableValueError);
        const user = newUser(realm.id, undefined, { attributes: { note: ['before\u0000after'] } });
        await store.users.insert(user);
        assert.deepEqual((await store.users.getById(realm.id, user.id))!.attributes, { note: ['before\u0000after'] });
      });
    });
  });
}
