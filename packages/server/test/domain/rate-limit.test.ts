// The self-service limits' fixed windows, counted in the single-use table, on SQLite and on
// PostgreSQL (where two stores on one database stand for two nodes), on a clock the test moves.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it, mock } from 'node:test';
import { RateLimiter } from '../../src/domain/rate-limit.js';
import { openStore } from '../../src/storage/open.js';
import type { Store } from '../../src/storage/store.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../storage/databases.js';

const START = Date.UTC(2030, 0, 1) / 1000;
const LIMIT = { count: 3, seconds: 900 };

function suite(name: string, open: () => Promise<{ stores: [Store, Store]; close(): Promise<void> }>, skip?: string) {
  describe(`rate limits (${name})`, { skip }, () => {
    let stores: [Store, Store];
    let close: () => Promise<void>;
    before(async () => ({ stores, close } = await open()));
    after(async () => { await close?.(); });
    beforeEach(() => { mock.timers.enable({ apis: ['Date'], now: START * 1000 }); });
    afterEach(() => { mock.timers.reset(); });

    it('allows the window\'s count, across both stores, then refuses until the next window', async () => {
      const [a, b] = stores.map((s) => new RateLimiter(s));
      const results = [await a.allow('reset', 'k1', LIMIT), await b.allow('reset', 'k1', LIMIT), await a.allow('reset', 'k1', LIMIT)];
      assert.deepEqual(results, [true, true, true]);
      assert.equal(await b.allow('reset', 'k1', LIMIT), false);
      assert.equal(await a.allow('reset', 'k2', LIMIT), true, 'another key counts on its own');
      assert.equal(await a.allow('resend', 'k1', LIMIT), true, 'and another purpose');
      mock.timers.tick(LIMIT.seconds * 1000);
      assert.equal(await b.allow('reset', 'k1', LIMIT), true, 'a new window');
    });

    it('lets exactly the count through when requests race', async () => {
      const [a, b] = stores.map((s) => new RateLimiter(s));
      const raced = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).allow('register', 'race', LIMIT)));
      assert.equal(raced.filter(Boolean).length, LIMIT.count);
    });
  });
}

suite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-rate-limit-'));
  const store = await openStore({ dataDir: dir });
  return { stores: [store, store], async close() { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
});

const unavailable = await postgresUnavailable();
suite('PostgreSQL, two nodes', async () => {
  const db: TestDatabase = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-rate-limit-pg-'));
  const one = await openStore({ dataDir: dir, databaseUrl: db.url });
  const two = await openStore({ dataDir: dir, databaseUrl: db.url });
  return {
    stores: [one, two],
    async close() { await one.close(); await two.close(); await db.drop(); rmSync(dir, { recursive: true, force: true }); },
  };
}, unavailable);
