// The mail outbox and the password history of the Store, run unchanged on SQLite and
// PostgreSQL: a due mail claimed by one of several racing workers, leases, retries and give-ups,
// housekeeping of finished mail, and the earlier passwords kept newest first.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultRealmSettings } from '../../src/domain/realms.js';
import { openStore } from '../../src/storage/open.js';
import type { OutboxRecord, Store, UserRecord } from '../../src/storage/store.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './databases.js';

/** Seconds, 2100-01-01: past 2^31, as the contract tests. */
const T = 4_102_444_800;

async function open(kind: 'SQLite' | 'PostgreSQL'): Promise<{ store: Store; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-outbox-'));
  const db: TestDatabase | undefined = kind === 'PostgreSQL' ? await createTestDatabase() : undefined;
  const store = await openStore({ dataDir, databaseUrl: db?.url });
  return {
    store,
    async close() {
      await store.close();
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const pgSkip = await postgresUnavailable();

for (const kind of ['SQLite', 'PostgreSQL'] as const) {
  describe(`outbox and password history: ${kind}`, { skip: kind === 'PostgreSQL' ? pgSkip : undefined }, () => {
    let store: Store;
    let close: () => Promise<void> = async () => {};
    let realmId: string;
    let user: UserRecord;

    const mail = (extra: Partial<OutboxRecord> = {}): OutboxRecord => ({
      id: randomUUID(), realmId, kind: 'executeActions', userId: user.id, sealedMessage: 'sealed', status: 'pending', attempts: 0,
      nextAttemptAt: T, claimedUntil: null, lastError: null, createdAt: T, finishedAt: null, ...extra,
    });
    const due = async (at: number) => (await store.outbox.listDue(at, 100)).map((m) => m.id);

    before(async () => {
      ({ store, close } = await open(kind));
      realmId = randomUUID();
      const name = `realm-${realmId.slice(0, 8)}`;
      await store.realms.insert({ id: realmId, name, enabled: true, settings: defaultRealmSettings(name), createdAt: T });
      user = {
        id: randomUUID(), realmId, username: 'mailee', enabled: true, email: 'm@example.test', emailVerified: false, firstName: null,
        lastName: null, phoneNumber: null, attributes: {}, serviceAccountClientId: null, requiredActions: [], createdAt: T,
      };
      await store.users.insert(user);
    });
    after(async () => { await close(); });

    it('one of several racing claims takes a due mail; the lease keeps it from the others until it passes', async () => {
      const m = mail();
      await store.outbox.insert(m);
      assert.deepEqual(await due(T), [m.id]);
      const claims = await Promise.all(Array.from({ length: 6 }, () => store.outbox.claim(m.id, T, T + 60)));
      assert.equal(claims.filter(Boolean).length, 1, `claims: ${claims}`);
      assert.deepEqual(await due(T + 30), [], 'held while the lease lasts');
      assert.deepEqual(await due(T + 61), [m.id], 'free again once it passed (the worker died)');
      assert.equal(await store.outbox.claim(m.id, T + 61, T + 121), true);
      assert.equal((await store.outbox.listDue(T + 200, 10))[0].attempts, 2, 'each claim counts a try');
      await store.outbox.markSent(m.id, T + 62);
      assert.deepEqual(await due(T + 10_000), []);
    });

    it('a failed try waits for its next attempt; a given-up one is never due again, its message dropped', async () => {
      const m = mail({ id: randomUUID() });
      await store.outbox.insert(m);
      assert.equal(await store.outbox.claim(m.id, T, T + 60), true);
      await store.outbox.markFailed(m.id, 'ECONNREFUSED', T + 30, T);
      assert.deepEqual(await due(T + 29), []);
      const [retry] = await store.outbox.listDue(T + 30, 10);
      assert.deepEqual([retry.id, retry.lastError, retry.claimedUntil, retry.sealedMessage], [m.id, 'ECONNREFUSED', null, 'sealed']);
      assert.equal(await store.outbox.claim(m.id, T + 30, T + 90), true);
      await store.outbox.markFailed(m.id, '550 no such user', null, T + 31);
      assert.deepEqual(await due(T + 100_000), []);
    });

    it('housekeeping deletes finished mail past the cutoff, never pending mail', async () => {
      const pending = mail({ id: randomUUID(), nextAttemptAt: T + 1_000_000 });
      await store.outbox.insert(pending);
      assert.equal(await store.expired.deleteFinishedMail(T + 40, 100), 1, 'the mail given up at T + 31');
      assert.equal(await store.expired.deleteFinishedMail(T + 100, 100), 1, 'the mail sent at T + 62');
      assert.equal(await store.expired.deleteFinishedMail(T + 1_000_000, 100), 0);
      assert.deepEqual(await due(T + 1_000_000), [pending.id]);
    });

    it('keeps the newest earlier passwords, as many as asked, newest first', async () => {
      for (const n of [1, 2, 3, 4]) await store.passwordHistory.add({ userId: user.id, algorithm: 'argon2id', data: `hash-${n}`, createdAt: T + n }, 2);
      assert.deepEqual((await store.passwordHistory.list(user.id, 10)).map((p) => p.data), ['hash-4', 'hash-3']);
      assert.deepEqual((await store.passwordHistory.list(user.id, 1)).map((p) => p.data), ['hash-4']);
    });

    it('a deleted user takes its mail and earlier passwords with it', async () => {
      await store.users.delete(user.id);
      assert.deepEqual(await due(T + 1_000_000), []);
      assert.deepEqual(await store.passwordHistory.list(user.id, 10), []);
    });
  });
}
