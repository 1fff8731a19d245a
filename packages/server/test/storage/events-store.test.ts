// The events and housekeeping parts of the Store, run unchanged on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { EventService, toAdminEventRepresentation, toEventRepresentation } from '../../src/domain/events.js';
import { sweep } from '../../src/domain/housekeeping.js';
import { Domain } from '../../src/domain/index.js';
import { defaultRealmSettings } from '../../src/domain/realms.js';
import { openStore } from '../../src/storage/open.js';
import type { SqlStore } from '../../src/storage/sql/sql-store.js';
import type {
  AdminEventRecord, AuthorizationCodeRecord, ClientRecord, InteractionRecord, LoginEventRecord, RealmRecord, RealmSettings,
  RefreshTokenRecord, SessionRecord, Store, UserRecord,
} from '../../src/storage/store.js';
import { createTestDatabase, postgresUnavailable } from './databases.js';

interface Backend {
  name: string;
  skip?: string;
  setUp(): Promise<{ store: SqlStore; tearDown(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    async setUp() {
      const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-events-'));
      const store = await openStore({ dataDir });
      return { store, async tearDown() { await store.close(); rmSync(dataDir, { recursive: true, force: true }); } };
    },
  },
  {
    name: 'PostgreSQL',
    skip: await postgresUnavailable(),
    async setUp() {
      const db = await createTestDatabase();
      const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-events-'));
      let store: SqlStore;
      try {
        store = await openStore({ dataDir, databaseUrl: db.url });
      } catch (err) {
        await db.drop();
        throw err;
      }
      return {
        store,
        async tearDown() {
          await store.close();
          await db.drop();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
];

/** Seconds, 2100-01-01: past 2^31, as the contract tests. */
const T = 4_102_444_800;
/** The same instant in milliseconds, the unit of event times. */
const T_MS = T * 1000;
const rand = () => randomBytes(5).toString('hex');

const newRealm = (settings: Partial<RealmSettings> = {}): RealmRecord => {
  const name = `realm-${rand()}`;
  return { id: randomUUID(), name, enabled: true, settings: { ...defaultRealmSettings(name), ...settings }, createdAt: T };
};

function loginEvent(realmId: string, time: number, extra: Partial<LoginEventRecord> = {}): LoginEventRecord {
  return {
    id: randomUUID(), time, type: 'LOGIN', realmId, clientId: 'webapp', userId: randomUUID(), sessionId: randomUUID(),
    ipAddress: '127.0.0.1', error: null, details: { username: 'alice', auth_method: 'openid-connect' }, ...extra,
  };
}

function adminEvent(realmId: string, time: number, extra: Partial<AdminEventRecord> = {}): AdminEventRecord {
  return {
    id: randomUUID(), time, realmId, operationType: 'CREATE', resourceType: 'CLIENT', resourcePath: `clients/${randomUUID()}`,
    authRealmId: randomUUID(), authClientId: randomUUID(), authUserId: randomUUID(), authIpAddress: '::1', error: null, ...extra,
  };
}

const clientOf = (realmId: string): ClientRecord => ({
  id: randomUUID(), realmId, clientId: `client-${rand()}`, enabled: true, publicClient: true, createdAt: T,
  settings: {
    standardFlow: true, implicitFlow: false, directAccessGrants: true, serviceAccounts: false, consentRequired: false,
    pkceMethod: null, refreshTokens: true, redirectUris: [], postLogoutRedirectUris: [], webOrigins: [], defaultScopes: [],
    optionalScopes: [], protocolMappers: [], consentTexts: {}, extraAttributes: {},
  },
});

const userOf = (realmId: string): UserRecord => ({
  id: randomUUID(), realmId, username: `user-${rand()}`, enabled: true, email: null, emailVerified: false, firstName: null,
  lastName: null, phoneNumber: null, attributes: {}, serviceAccountClientId: null, requiredActions: [], createdAt: T,
});

/** A realm (with these settings), a client and a user. */
async function seed(store: Store, settings: Partial<RealmSettings> = {}) {
  const realm = newRealm(settings);
  const client = clientOf(realm.id);
  const user = userOf(realm.id);
  await store.realms.insert(realm);
  await store.clients.insert(client);
  await store.users.insert(user);
  return { realm, client, user };
}

for (const backend of backends) {
  if (backend.skip) {
    it(`events store: ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }
  describe(`events store: ${backend.name}`, () => {
    let store: SqlStore;
    let tearDown: () => Promise<void> = async () => {};
    before(async () => { ({ store, tearDown } = await backend.setUp()); });
    after(async () => { await tearDown(); });

    describe('login events', () => {
      it('round-trips every field, times in milliseconds, details as JSON', async () => {
        const { realm } = await seed(store);
        const full = loginEvent(realm.id, T_MS + 123, { details: { username: 'Ünïcode "quoted"', grant_type: 'password' } });
        const bare = loginEvent(realm.id, T_MS + 124, {
          type: 'CLIENT_LOGIN_ERROR', clientId: null, userId: null, sessionId: null, ipAddress: null, error: 'invalid_client', details: null,
        });
        await store.events.insertLogins([full]);
        await store.events.insertLogins([bare]);
        const listed = await store.events.listLogin(realm.id);
        assert.deepEqual(listed, [bare, full], 'newest first');
        assert.equal(typeof listed[0].time, 'number');
        assert.deepEqual(toEventRepresentation(bare), {
          id: bare.id, time: bare.time, type: 'CLIENT_LOGIN_ERROR', realmId: realm.id, error: 'invalid_client',
        }, 'fields without a value are left out, as in Keycloak');
      });

      it('filters by type (several), client, user, IP address and an inclusive time range', async () => {
        const { realm } = await seed(store);
        const user = randomUUID();
        const events = [
          loginEvent(realm.id, T_MS + 1, { type: 'LOGIN', userId: user }),
          loginEvent(realm.id, T_MS + 2, { type: 'LOGIN_ERROR', error: 'invalid_user_credentials', clientId: 'spa' }),
          loginEvent(realm.id, T_MS + 3, { type: 'REFRESH_TOKEN', userId: user, ipAddress: '10.0.0.7' }),
          loginEvent(realm.id, T_MS + 4, { type: 'LOGOUT', clientId: 'spa' }),
        ];
        await store.events.insertLogins(events);
        const ids = async (q: Parameters<Store['events']['listLogin']>[1]) => (await store.events.listLogin(realm.id, q)).map((e) => e.time - T_MS);
        assert.deepEqual(await ids({ types: ['LOGIN', 'LOGOUT'] }), [4, 1]);
        assert.deepEqual(await ids({ clientId: 'spa' }), [4, 2]);
        assert.deepEqual(await ids({ userId: user }), [3, 1]);
        assert.deepEqual(await ids({ ipAddress: '10.0.0.7' }), [3]);
        assert.deepEqual(await ids({ fromTime: T_MS + 2, toTime: T_MS + 3 }), [3, 2], 'both bounds inclusive');
        assert.deepEqual(await ids({ types: ['LOGIN_ERROR'], clientId: 'webapp' }), [], 'every filter applies');
        assert.deepEqual(await ids({ types: [] }), [4, 3, 2, 1], 'an empty type list filters nothing');
      });

      it('pages with first/max, newest first or oldest first', async () => {
        const { realm } = await seed(store);
        for (let i = 0; i < 7; i++) await store.events.insertLogins([loginEvent(realm.id, T_MS + i * 1000)]);
        const times = async (q: Parameters<Store['events']['listLogin']>[1]) =>
          (await store.events.listLogin(realm.id, q)).map((e) => (e.time - T_MS) / 1000);
        assert.deepEqual(await times({ max: 3 }), [6, 5, 4]);
        assert.deepEqual(await times({ first: 3, max: 3 }), [3, 2, 1]);
        assert.deepEqual(await times({ first: 5 }), [1, 0], 'first without max');
        assert.deepEqual(await times({ ascending: true, max: 2 }), [0, 1]);
        assert.deepEqual(await times({ max: 0 }), []);
      });

      it('keeps realms apart, and a NUL in a filter matches nothing', async () => {
        const a = await seed(store);
        const b = await seed(store);
        await store.events.insertLogins([loginEvent(a.realm.id, T_MS)]);
        assert.equal((await store.events.listLogin(b.realm.id)).length, 0);
        assert.deepEqual(await store.events.listLogin(a.realm.id, { clientId: 'web\u0000app' }), []);
        assert.deepEqual(await store.events.listLogin('a\u0000b'), []);
      });
      it('a batch holding events of a deleted realm writes the others and drops those', async () => {
        const kept = await seed(store);
        const gone = await seed(store);
        await store.realms.delete(gone.realm.id);
        const batch = [loginEvent(gone.realm.id, T_MS), loginEvent(kept.realm.id, T_MS + 1), loginEvent(kept.realm.id, T_MS + 2)];
        await store.events.insertLogins(batch);
        assert.deepEqual((await store.events.listLogin(kept.realm.id)).map((e) => e.time - T_MS), [2, 1]);
        assert.deepEqual(await store.events.listLogin(gone.realm.id), []);
      });
    });

    describe('admin events', () => {
      it('round-trips; the representation has authDetails and never a representation', async () => {
        const { realm } = await seed(store);
        const event = adminEvent(realm.id, T_MS, { resourcePath: 'clients/ÄBC' });
        await store.events.insertAdmin(event);
        const [got] = await store.events.listAdmin(realm.id);
        assert.deepEqual(got, event);
        const rep = toAdminEventRepresentation(got);
        assert.deepEqual(rep.authDetails, {
          realmId: event.authRealmId, clientId: event.authClientId, userId: event.authUserId, ipAddress: '::1',
        });
        assert.equal('representation' in rep, false);
      });

      it('filters by operation and resource types, auth details and resource path (exact or with *, case-insensitive)', async () => {
        const { realm } = await seed(store);
        const admin = randomUUID();
        const events = [
          adminEvent(realm.id, T_MS + 1, { resourcePath: 'clients/abc', authUserId: admin }),
          adminEvent(realm.id, T_MS + 2, { operationType: 'UPDATE', resourcePath: 'clients/abc/roles/r1', resourceType: 'CLIENT_ROLE' }),
          adminEvent(realm.id, T_MS + 3, { operationType: 'DELETE', resourceType: 'USER', resourcePath: 'users/u_1' }),
          adminEvent(realm.id, T_MS + 4, { operationType: 'ACTION', resourceType: 'USER', resourcePath: 'users/uX1/reset-password' }),
          adminEvent(realm.id, T_MS + 5, { operationType: 'UPDATE', resourceType: 'REALM', resourcePath: null }),
        ];
        for (const e of events) await store.events.insertAdmin(e);
        const times = async (q: Parameters<Store['events']['listAdmin']>[1]) => (await store.events.listAdmin(realm.id, q)).map((e) => e.time - T_MS);
        assert.deepEqual(await times({ operationTypes: ['UPDATE', 'DELETE'] }), [5, 3, 2]);
        assert.deepEqual(await times({ resourceTypes: ['USER'] }), [4, 3]);
        assert.deepEqual(await times({ resourcePath: 'CLIENTS/ABC' }), [1], 'exact, whatever the case');
        assert.deepEqual(await times({ resourcePath: 'clients/*' }), [2, 1]);
        assert.deepEqual(await times({ resourcePath: 'clients/*/roles/*' }), [2]);
        assert.deepEqual(await times({ resourcePath: 'users/u_1' }), [3]);
        assert.deepEqual(await times({ resourcePath: 'users/u_*' }), [3], '_ is literal, not a LIKE wildcard');
        assert.deepEqual(await times({ resourcePath: 'users/%' }), [], '% is literal too');
        assert.deepEqual(await times({ authUserId: admin }), [1]);
        assert.deepEqual(await times({ operationTypes: ['UPDATE'], fromTime: T_MS + 3 }), [5]);
        assert.deepEqual(await times({ max: 2, first: 1 }), [4, 3]);
      });
    });

    describe('retention', () => {
      it('deletes events older than the cutoff in batches, oldest first, one realm and kind at a time', async () => {
        const a = await seed(store);
        const b = await seed(store);
        const old = Array.from({ length: 25 }, (_, i) => loginEvent(a.realm.id, T_MS - 100_000 + i));
        const fresh = Array.from({ length: 3 }, (_, i) => loginEvent(a.realm.id, T_MS + i));
        await store.events.insertLogins([...old, ...fresh]);
        await store.events.insertLogins([loginEvent(b.realm.id, T_MS - 100_000)]);
        await store.events.insertAdmin(adminEvent(a.realm.id, T_MS - 100_000));

        const scope = { kind: 'login', realmId: a.realm.id } as const;
        assert.equal(await store.events.deleteOlderThan(T_MS, 10, scope), 10);
        const left = await store.events.listLogin(a.realm.id, { ascending: true });
        assert.deepEqual(left.slice(0, 2).map((e) => e.id), [old[10].id, old[11].id], 'the oldest went first');
        assert.equal(await store.events.deleteOlderThan(T_MS, 10, scope), 10);
        assert.equal(await store.events.deleteOlderThan(T_MS, 10, scope), 5);
        assert.equal(await store.events.deleteOlderThan(T_MS, 10, scope), 0);
        assert.deepEqual((await store.events.listLogin(a.realm.id, { ascending: true })).map((e) => e.id), fresh.map((e) => e.id));
        assert.equal((await store.events.listLogin(b.realm.id)).length, 1, 'another realm is untouched');
        assert.equal((await store.events.listAdmin(a.realm.id)).length, 1, 'admin events are untouched');

        assert.equal(await store.events.deleteOlderThan(T_MS, 1000, { realmId: b.realm.id }), 1);
        assert.equal(await store.events.deleteOlderThan(T_MS, 1000, { kind: 'admin' }), 1);
        assert.equal((await store.events.listAdmin(a.realm.id)).length, 0);
      });

      it("a realm's events go with it", async () => {
        const { realm } = await seed(store);
        await store.events.insertLogins([loginEvent(realm.id, T_MS)]);
        await store.events.insertAdmin(adminEvent(realm.id, T_MS));
        await store.realms.delete(realm.id);
        assert.deepEqual(await store.events.listLogin(realm.id), []);
        assert.deepEqual(await store.events.listAdmin(realm.id), []);
      });
    });

    describe('housekeeping', () => {
      /** Expired and fresh rows of every kind housekeeping deletes, `at` seconds being now. */
      async function expiring(at: number) {
        const { realm, client, user } = await seed(store);
        const session = (expiresAt: number, maxExpiresAt: number): SessionRecord => ({
          id: randomUUID(), realmId: realm.id, userId: user.id, offline: false, authTime: at - 10, createdAt: at - 10,
          lastSeenAt: at - 10, expiresAt, maxExpiresAt,
        });
        const sessions = {
          idled: session(at - 1, at + 1000), ended: session(at + 1000, at), fresh: session(at + 1, at + 1000),
          offline: { ...session(at + 1, Number.MAX_SAFE_INTEGER), offline: true },
        };
        for (const s of Object.values(sessions)) await store.sessions.insert(s);
        const refresh = (expiresAt: number): RefreshTokenRecord => ({
          id: randomUUID(), tokenHash: randomBytes(32).toString('hex'), familyId: randomUUID(), realmId: realm.id,
          clientId: client.id, userId: user.id, sessionId: sessions.fresh.id, scope: 'openid', createdAt: at - 10,
          expiresAt, usedAt: null, useCount: 0, revokedAt: null, accessJti: null, accessExpiresAt: null, acr: null, claims: null,
        });
        const refreshTokens = { expired: refresh(at), fresh: refresh(at + 1) };
        for (const t of Object.values(refreshTokens)) await store.refreshTokens.insert(t);
        const code = (expiresAt: number): AuthorizationCodeRecord => ({
          codeHash: randomBytes(32).toString('base64url'), realmId: realm.id, clientId: client.id, userId: user.id,
          sessionId: sessions.fresh.id, redirectUri: 'https://app.example/cb', scope: 'openid', nonce: null, codeChallenge: null,
          codeChallengeMethod: null, authTime: at, claims: null, createdAt: at - 60, expiresAt, usedAt: null,
          issuedFamilyId: null, issuedJti: null, issuedJtiExpiresAt: null, acr: null,
        });
        const codes = { expired: code(at - 1), fresh: code(at + 60) };
        for (const c of Object.values(codes)) await store.codes.insert(c);
        const interaction = (expiresAt: number): InteractionRecord => ({
          id: randomUUID(), realmId: realm.id, clientId: client.id, request: '{}', userId: null, sessionId: null,
          createdAt: at - 1800, expiresAt,
        });
        const interactions = { expired: interaction(at), fresh: interaction(at + 1) };
        for (const i of Object.values(interactions)) await store.interactions.insert(i);
        const jtis = { expired: `jti-${rand()}`, fresh: `jti-${rand()}` };
        await store.revokedAccessTokens.add(jtis.expired, at);
        await store.revokedAccessTokens.add(jtis.fresh, at + 1);
        return { realm, sessions, refreshTokens, codes, interactions, jtis };
      }

      it('deletes expired rows of each kind, at most a batch at a time, and leaves fresh ones', async () => {
        const at = T + 5_000_000;
        const rows = await expiring(at);
        const [first] = await store.expired.listSessions(at, 1);
        assert.equal(await store.sessions.deleteMany([first.id]), 1, 'a batch of one');
        assert.equal(await store.sessions.deleteMany((await store.expired.listSessions(at, 1000)).map((s) => s.id)), 1);
        assert.deepEqual(await store.expired.listSessions(at, 1000), []);
        assert.equal(await store.sessions.get(rows.sessions.idled.id), undefined, 'idled out');
        assert.equal(await store.sessions.get(rows.sessions.ended.id), undefined, 'past its maximum');
        assert.ok(await store.sessions.get(rows.sessions.fresh.id));
        assert.ok(await store.sessions.get(rows.sessions.offline.id), 'an offline session without a maximum');

        assert.equal(await store.expired.deleteRefreshTokens(at, 1000), 1);
        assert.equal(await store.refreshTokens.getByHash(rows.refreshTokens.expired.tokenHash), undefined);
        assert.ok(await store.refreshTokens.getByHash(rows.refreshTokens.fresh.tokenHash));

        assert.equal(await store.expired.deleteCodes(at, 1000), 1);
        assert.equal(await store.codes.getByHash(rows.codes.expired.codeHash), undefined);
        assert.ok(await store.codes.getByHash(rows.codes.fresh.codeHash));

        assert.equal(await store.expired.deleteInteractions(at, 1000), 1);
        assert.equal(await store.interactions.get(rows.interactions.expired.id), undefined);
        assert.ok(await store.interactions.get(rows.interactions.fresh.id));

        assert.equal(await store.expired.deleteRevokedAccessTokens(at, 1000), 1);
        assert.equal(await store.revokedAccessTokens.has(rows.jtis.expired), false);
        assert.equal(await store.revokedAccessTokens.has(rows.jtis.fresh), true);
      });

      it("sweep(): events past each realm's retention, expired rows in batches; fresh rows survive", async () => {
        const at = T + 9_000_000;
        const nowMs = at * 1000;
        const hour = 3600;
        const short = await seed(store, { eventsExpiration: hour, adminEventsExpiration: 2 * hour });
        const byDefault = await seed(store);
        const forever = await seed(store, { eventsExpiration: 0 });
        const ago = (seconds: number) => nowMs - seconds * 1000;
        const oldShort = Array.from({ length: 7 }, (_, i) => loginEvent(short.realm.id, ago(hour + 1 + i)));
        const keptShort = loginEvent(short.realm.id, ago(hour - 1));
        const adminOld = adminEvent(short.realm.id, ago(2 * hour + 1));
        const adminKept = adminEvent(short.realm.id, ago(2 * hour - 1));
        const defaultOld = loginEvent(byDefault.realm.id, ago(7 * 24 * hour + 1));
        const defaultKept = loginEvent(byDefault.realm.id, ago(7 * 24 * hour - 1));
        const ancient = loginEvent(forever.realm.id, ago(365 * 24 * hour));
        await store.events.insertLogins([...oldShort, keptShort, defaultOld, defaultKept, ancient]);
        for (const e of [adminOld, adminKept]) await store.events.insertAdmin(e);
        const rows = await expiring(at);

        const domain = new Domain(store, SecretBox.fromKey(randomBytes(32)), 'http://localhost');
        const result = await sweep(domain, { now: () => nowMs, batchSize: 3, replayGraceSeconds: 0 });
        assert.ok(result.loginEvents >= 8, `login events deleted: ${JSON.stringify(result)}`);
        assert.ok(result.adminEvents >= 1 && result.sessions >= 2 && result.codes >= 1, JSON.stringify(result));

        const ids = async (realm: RealmRecord) => (await store.events.listLogin(realm.id)).map((e) => e.id);
        assert.deepEqual(await ids(short.realm), [keptShort.id]);
        assert.deepEqual(await ids(byDefault.realm), [defaultKept.id], 'seven days by default');
        assert.deepEqual(await ids(forever.realm), [ancient.id], 'eventsExpiration 0 keeps them');
        assert.deepEqual((await store.events.listAdmin(short.realm.id)).map((e) => e.id), [adminKept.id]);

        assert.equal(await store.sessions.get(rows.sessions.idled.id), undefined);
        assert.equal(await store.sessions.get(rows.sessions.ended.id), undefined);
        assert.ok(await store.sessions.get(rows.sessions.fresh.id));
        assert.ok(await store.sessions.get(rows.sessions.offline.id));
        assert.equal(await store.refreshTokens.getByHash(rows.refreshTokens.expired.tokenHash), undefined);
        assert.ok(await store.refreshTokens.getByHash(rows.refreshTokens.fresh.tokenHash));
        assert.equal(await store.codes.getByHash(rows.codes.expired.codeHash), undefined);
        assert.ok(await store.codes.getByHash(rows.codes.fresh.codeHash));
        assert.equal(await store.interactions.get(rows.interactions.expired.id), undefined);
        assert.ok(await store.interactions.get(rows.interactions.fresh.id));
        assert.equal(await store.revokedAccessTokens.has(rows.jtis.expired), false);
        assert.equal(await store.revokedAccessTokens.has(rows.jtis.fresh), true);
      });

      it('sweep() keeps used codes and refresh tokens for the replay grace after they expire', async () => {
        const at = T + 12_000_000;
        const rows = await expiring(at);
        const domain = new Domain(store, SecretBox.fromKey(randomBytes(32)), 'http://localhost');
        await sweep(domain, { now: () => at * 1000 });
        assert.ok(await store.codes.getByHash(rows.codes.expired.codeHash), 'an hour of grace by default');
        assert.ok(await store.refreshTokens.getByHash(rows.refreshTokens.expired.tokenHash));
        await sweep(domain, { now: () => (at + 3600) * 1000 });
        assert.equal(await store.codes.getByHash(rows.codes.expired.codeHash), undefined);
        assert.equal(await store.refreshTokens.getByHash(rows.refreshTokens.expired.tokenHash), undefined);
      });

      it('sweep() deletes rotated-out keys once they retire, and the JWKS served drops them at once', async () => {
        const domain = new Domain(store, SecretBox.fromKey(randomBytes(32)), 'http://localhost');
        const realm = await domain.realms.create(`keys-${randomBytes(4).toString('hex')}`);
        const first = (await domain.realms.runtime(realm.name))!.jwks.keys.map((k) => k.kid);
        const fresh = (await domain.realms.rotateKeys(realm)).map((k) => k.kid);
        const published = (await domain.realms.runtime(realm.name))!.jwks.keys.map((k) => k.kid);
        assert.deepEqual([...published].sort(), [...first, ...fresh].sort());

        await sweep(domain);
        assert.equal((await domain.realms.runtime(realm.name))!.jwks.keys.length, 6, 'not retired yet');
        const retiresAt = Math.max(...(await domain.realms.keys(realm)).map((k) => k.retiresAt ?? 0));
        const result = await sweep(domain, { now: () => retiresAt * 1000 });
        assert.ok(result.retiredKeys >= 3, JSON.stringify(result));
        assert.deepEqual((await domain.realms.runtime(realm.name))!.jwks.keys.map((k) => k.kid).sort(), [...fresh].sort());
      });
    });

    describe('EventService', () => {
      it('keeps only allow-listed details, drops NULs, bounds lengths, and honours eventsEnabled: false', async () => {
        const { realm } = await seed(store);
        const events = new EventService(store, () => T_MS);
        const stored = await events.login(realm, {
          type: 'LOGIN_ERROR', clientId: 'web\u0000app', error: 'invalid_user_credentials', userId: 'x'.repeat(100),
          details: {
            username: 'alice', password: 'hunter2', client_secret: 'shh', code: 'abc', refresh_token: 'rt', grant_type: 'password',
          } as never,
        });
        assert.deepEqual(await store.events.listLogin(realm.id), [], 'written a moment later, in a batch');
        await events.flush();
        const [got] = await store.events.listLogin(realm.id);
        assert.deepEqual(got, stored);
        assert.deepEqual(got.details, { username: 'alice', grant_type: 'password' });
        assert.equal(got.clientId, 'webapp');
        assert.equal(got.userId!.length, 64);
        assert.equal(got.time, T_MS);

        const off = await seed(store, { eventsEnabled: false, adminEventsEnabled: false });
        assert.equal(await events.login(off.realm, { type: 'LOGIN' }), undefined);
        assert.equal(await events.admin(off.realm, { operationType: 'CREATE', resourceType: 'CLIENT' }), undefined);
        assert.deepEqual(await store.events.listLogin(off.realm.id), []);
      });

      it('writes login events in batches: reading flushes first, many at once, nothing lost', async () => {
        const { realm } = await seed(store);
        const events = new EventService(store, () => T_MS);
        for (let i = 0; i < 1234; i++) await events.login(realm, { type: 'CLIENT_LOGIN', clientId: `c${i}` });
        assert.equal((await events.listLogin(realm, { max: 5000 })).length, 1234);
        const direct = Array.from({ length: 1100 }, (_, i) => loginEvent(realm.id, T_MS + i));
        await store.events.insertLogins(direct);
        assert.equal((await store.events.listLogin(realm.id, { max: 5000 })).length, 2334);
      });

      it('admin events take no body: an extra representation field is not stored', async () => {
        const { realm } = await seed(store);
        const events = new EventService(store, () => T_MS);
        await events.admin(realm, {
          operationType: 'ACTION', resourceType: 'USER', resourcePath: 'users/u1/reset-password',
          authDetails: { realmId: 'r', userId: 'u' }, representation: '{"value":"new-password"}',
        } as never);
        const [got] = await store.events.listAdmin(realm.id);
        assert.doesNotMatch(JSON.stringify(got), /new-password/);
        assert.equal(got.resourcePath, 'users/u1/reset-password');
      });
    });
  });
}
