// The caches' safety net: an entry no change has dropped (a notification lost, a
// `latchkey realm import` beside a server on SQLite) is read again once 15 seconds have
// passed, on a clock the test moves. What reaches every process through the change feed is
// tested in test/cluster, over real servers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Caches, CACHE_MAX_ENTRIES, CACHE_TTL_MS, TtlCache } from '../../src/domain/cache.js';

/** A load that counts its calls and answers with the count. */
function counter() {
  const c = { calls: 0, load: async () => ++c.calls };
  return c;
}

describe('cache TTL', () => {
  it('is the 15 seconds the README promises', () => {
    assert.equal(CACHE_TTL_MS, 15_000);
  });

  it('a cache of the domain services serves its entry for 15 s without any change heard, then reads it again', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const cache = new Caches().create<number>('realms');
    const source = counter();
    assert.equal(await cache.get('demo', source.load), 1);
    t.mock.timers.tick(CACHE_TTL_MS - 1);
    assert.equal(await cache.get('demo', source.load), 1, 'still cached a moment before the TTL');
    t.mock.timers.tick(1);
    assert.equal(await cache.get('demo', source.load), 2, 'read again at the TTL');
    t.mock.timers.tick(CACHE_TTL_MS - 1);
    assert.equal(await cache.get('demo', source.load), 2, 'the new entry has a TTL of its own');
    assert.equal(source.calls, 2);
  });

  it('each key expires on its own, counted from its own load', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const cache = new TtlCache<number>(100);
    const a = counter();
    const b = counter();
    await cache.get('a', a.load);
    t.mock.timers.tick(60);
    await cache.get('b', b.load);
    t.mock.timers.tick(40);
    await cache.get('a', a.load);
    await cache.get('b', b.load);
    assert.deepEqual([a.calls, b.calls], [2, 1]);
  });

  it('a failed load is not kept, however young', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const cache = new TtlCache<number>();
    await assert.rejects(cache.get('k', async () => { throw new Error('database unavailable'); }));
    const source = counter();
    assert.equal(await cache.get('k', source.load), 1);
  });

  it('holds a bounded number of entries: past the bound the one loaded longest ago goes', async () => {
    assert.equal(CACHE_MAX_ENTRIES, 10_000);
    const cache = new TtlCache<number>(CACHE_TTL_MS, 3);
    const source = counter();
    for (const key of ['a', 'b', 'c']) await cache.get(key, source.load);
    // A key loaded again counts as new.
    cache.invalidate('a');
    await cache.get('a', source.load);
    await cache.get('d', source.load);
    assert.equal(source.calls, 5);
    for (const key of ['c', 'a', 'd']) await cache.get(key, source.load);
    assert.equal(source.calls, 5, 'c, a and d are still cached');
    await cache.get('b', source.load);
    assert.equal(source.calls, 6, 'b went first');
  });
});
