// Housekeeping at a few thousand rows, on SQLite and PostgreSQL: every delete statement
// takes a bounded batch, and the tables go back to what has not expired, both when
// sweep() is called and in a running server's background sweep.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { defaultClientSettings } from '../../src/domain/clients.js';
import { sweep } from '../../src/domain/housekeeping.js';
import { Domain } from '../../src/domain/index.js';
import { defaultRealmSettings } from '../../src/domain/realms.js';
import { openStore } from '../../src/storage/open.js';
import type { SqlStore } from '../../src/storage/sql/sql-store.js';
import type { AuthorizationCodeRecord, RefreshTokenRecord, SessionRecord, Store } from '../../src/storage/store.js';
import { PATIENCE_MS, startServer, type TestServer } from '../helpers/server.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../storage/databases.js';

const ROWS = 3000;
const BATCH = 250;
/** Times in seconds, far enough from now that the server's clock makes these long expired. */
const PAST = Math.floor(Date.now() / 1000) - 7 * 24 * 3600;
const FUTURE = Math.floor(Date.now() / 1000) + 24 * 3600;

interface Backend {
  name: string;
  skip?: string;
  /** A fresh store, and the server arguments that open the same data. */
  open(): Promise<{ store: SqlStore; args: string[]; dataDir: string; tearDown(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    async open() {
      const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-housekeeping-'));
      const store = await openStore({ dataDir });
      return { store, dataDir, args: [], async tearDown() { await store.close(); rmSync(dataDir, { recursive: true, force: true }); } };
    },
  },
  {
    name: 'PostgreSQL',
    skip: await postgresUnavailable(),
    async open() {
      const db: TestDatabase = await createTestDatabase();
      const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-housekeeping-'));
      const store = await openStore({ dataDir, databaseUrl: db.url });
      return {
        store, dataDir, args: ['--database-url', db.url],
        async tearDown() { await store.close(); await db.drop(); rmSync(dataDir, { recursive: true, force: true }); },
      };
    },
  },
];

/** A realm with a client and a user, and `count` expired sessions, refresh tokens and codes, plus `fresh` of each that have not expired. */
async function expiredRows(store: Store, count: number, fresh: number) {
  const realm = { id: randomUUID(), name: `hk-${randomBytes(4).toString('hex')}`, enabled: true, settings: defaultRealmSettings('hk'), createdAt: PAST };
  const client = { id: randomUUID(), realmId: realm.id, clientId: 'app', enabled: true, publicClient: true, settings: defaultClientSettings(), createdAt: PAST };
  const user = {
    id: randomUUID(), realmId: realm.id, username: 'u', enabled: true, email: null, emailVerified: false, firstName: null,
    lastName: null, phoneNumber: null, attributes: {}, serviceAccountClientId: null, requiredActions: [], createdAt: PAST,
  };
  await store.realms.insert(realm);
  await store.clients.insert(client);
  await store.users.insert(user);
  const expiry = (i: number) => (i < count ? PAST : FUTURE);
  const all = count + fresh;
  const sessions: SessionRecord[] = Array.from({ length: all }, (_, i) => ({
    id: randomUUID(), realmId: realm.id, userId: user.id, offline: false, authTime: PAST, createdAt: PAST,
    lastSeenAt: PAST, expiresAt: expiry(i), maxExpiresAt: expiry(i),
  }));
  const tokens: RefreshTokenRecord[] = sessions.map((s, i) => ({
    id: randomUUID(), tokenHash: randomBytes(32).toString('base64url'), familyId: randomUUID(), realmId: realm.id,
    clientId: client.id, userId: user.id, sessionId: s.id, scope: 'openid', createdAt: PAST, expiresAt: expiry(i),
    usedAt: null, useCount: 0, revokedAt: null, accessJti: null, accessExpiresAt: null, acr: null, claims: null,
  }));
  const codes: AuthorizationCodeRecord[] = sessions.map((s, i) => ({
    codeHash: randomBytes(32).toString('base64url'), realmId: realm.id, clientId: client.id, userId: user.id, sessionId: s.id,
    redirectUri: 'https://app.example/cb', scope: 'openid', nonce: null, codeChallenge: null, codeChallengeMethod: null,
    authTime: PAST, claims: null, createdAt: PAST, expiresAt: expiry(i), usedAt: null, issuedFamilyId: null,
    issuedJti: null, issuedJtiExpiresAt: null, acr: null,
  }));
  await store.transaction(async (tx) => {
    await tx.bulk.insertSessions(sessions);
    await tx.bulk.insertRefreshTokens(tokens);
    await tx.bulk.insertCodes(codes);
  });
  return { sessions, tokens, codes };
}

/** How many rows are left of each kind, whatever their expiry: by deleting them, so only at the end of a test. */
async function remaining(store: Store) {
  const all = Number.MAX_SAFE_INTEGER;
  return {
    sessions: await store.sessions.deleteMany((await store.expired.listSessions(all, 1e9)).map((s) => s.id)),
    refreshTokens: await store.expired.deleteRefreshTokens(all, 1e9),
    codes: await store.expired.deleteCodes(all, 1e9),
  };
}

for (const backend of backends) {
  if (backend.skip) {
    it(`housekeeping: ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }
  describe(`housekeeping: ${backend.name}`, () => {
    let opened: Awaited<ReturnType<Backend['open']>>;
    before(async () => { opened = await backend.open(); });
    after(async () => { await opened?.tearDown(); });

    it(`deletes ${ROWS} expired rows of each kind in batches of at most ${BATCH}, leaving only the fresh ones`, async () => {
      const { store } = opened;
      await expiredRows(store, ROWS, 10);
      const calls: Array<{ kind: string; limit: number; deleted: number }> = [];
      // The store as it is, but every housekeeping delete is recorded.
      const expired = Object.fromEntries(Object.entries(store.expired).map(([kind, remove]) => [kind,
        async (before: number, limit: number) => {
          const done = await remove(before, limit);
          // Expired sessions are listed, then ended (their clients told of it) a batch at a time.
          calls.push({ kind, limit, deleted: Array.isArray(done) ? done.length : done });
          return done;
        }])) as unknown as Store['expired'];
      const spied = Object.assign(Object.create(store) as SqlStore, { expired });
      const result = await sweep(new Domain(spied, SecretBox.fromKey(randomBytes(32)), 'http://localhost'), { batchSize: BATCH, replayGraceSeconds: 0 });

      assert.equal(result.sessions, ROWS);
      assert.equal(result.refreshTokens, ROWS);
      assert.equal(result.codes, ROWS);
      for (const call of calls) {
        assert.equal(call.limit, BATCH, JSON.stringify(call));
        assert.ok(call.deleted <= BATCH, JSON.stringify(call));
      }
      for (const kind of ['listSessions', 'deleteRefreshTokens', 'deleteCodes']) {
        const mine = calls.filter((c) => c.kind === kind);
        // Full batches, then one that finds less than a batch and ends the drain.
        assert.equal(mine.length, ROWS / BATCH + 1, kind);
        assert.equal(mine.at(-1)!.deleted, 0, kind);
      }
      assert.deepEqual(await remaining(store), { sessions: 10, refreshTokens: 10, codes: 10 });
    });

    it('sweeps client initial access tokens past their expiry and closed windows of wrong user codes, and nothing else', async () => {
      const { store } = opened;
      const now = Math.floor(Date.now() / 1000);
      const realm = { id: randomUUID(), name: `cia-${randomBytes(4).toString('hex')}`, enabled: true, settings: defaultRealmSettings('cia'), createdAt: PAST };
      await store.realms.insert(realm);
      const access = (createdAt: number, expiration: number) => ({
        id: randomUUID(), realmId: realm.id, tokenHash: randomBytes(32).toString('base64url'), createdAt, expiration, count: 1, remainingCount: 1,
      });
      const [expired, forever, fresh] = [access(PAST, 60), access(PAST, 0), access(now, 3600)];
      for (const a of [expired, forever, fresh]) await store.clientInitialAccess.insert(a);
      await store.userCodeFailures.add('192.0.2.1', PAST, PAST + 600);
      await store.userCodeFailures.add('192.0.2.2', now, now + 600);

      const result = await sweep(new Domain(store, SecretBox.fromKey(randomBytes(32)), 'http://localhost'));
      assert.equal(result.clientInitialAccess, 1);
      assert.equal(result.userCodeFailures, 1);
      assert.deepEqual((await store.clientInitialAccess.list(realm.id)).map((a) => a.id).sort(), [forever.id, fresh.id].sort());
      assert.equal(await store.userCodeFailures.count('192.0.2.2', now), 1, 'an open window stays');
    });

    it("a running server's background sweep takes the tables back to zero by itself", async () => {
      const { store, dataDir, args } = opened;
      let server: TestServer | undefined;
      try {
        server = await startServer({ dataDir, keepData: true, args: [...args, '--housekeeping-interval', '200'], env: { LATCHKEY_LOG_LEVEL: 'info' } });
        // Written beside the running server, as other processes' sign-ins would be.
        await expiredRows(store, ROWS, 0);
        const deleted = () => {
          const totals = { sessions: 0, refreshTokens: 0, codes: 0 };
          for (const line of server!.output().split('\n')) {
            if (!line.includes('housekeeping deleted expired rows')) continue;
            const d = JSON.parse(line).deleted as Record<string, number>;
            totals.sessions += d.sessions;
            totals.refreshTokens += d.refreshTokens;
            totals.codes += d.codes;
          }
          return totals;
        };
        const deadline = Date.now() + PATIENCE_MS;
        while (deleted().codes < ROWS || deleted().sessions < ROWS || deleted().refreshTokens < ROWS) {
          assert.ok(Date.now() < deadline, `not swept in ${PATIENCE_MS / 1000} s: ${JSON.stringify(deleted())}\n${server.output().slice(-2000)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.deepEqual(deleted(), { sessions: ROWS, refreshTokens: ROWS, codes: ROWS });
      } finally {
        await server?.stop();
      }
      assert.deepEqual(await remaining(store), { sessions: 0, refreshTokens: 0, codes: 0 });
    });
  });
}
