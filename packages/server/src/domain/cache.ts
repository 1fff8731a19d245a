import type { ChangeFeed } from '../storage/store.js';

/**
 * How long a process keeps read-mostly data (realms with their keys, clients, roles,
 * service accounts). Every change drops what is cached of it at once, in this process and
 * (on PostgreSQL) in the others; the TTL bounds how stale a cache can be when a change is
 * not heard: a `latchkey realm import` beside a server on SQLite, or notifications lost
 * while a process was cut off from the database.
 */
export const CACHE_TTL_MS = 15_000;

/**
 * Entries a cache holds at most: per-user caches would otherwise keep every user ever seen
 * (an expired entry goes only when its key is read again). Past it the oldest entry goes.
 */
export const CACHE_MAX_ENTRIES = 10_000;

/** A small TTL map for read-mostly data. Writers invalidate; the TTL bounds staleness if an invalidation is ever missed. */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; expires: number }>();

  constructor(private readonly ttlMs: number = CACHE_TTL_MS, private readonly maxEntries: number = CACHE_MAX_ENTRIES) {}

  /** Concurrent misses share one load; a failed load is not cached. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    const value = load();
    const entry = { value, expires: now + this.ttlMs };
    // Set anew, so that the oldest entry is the first to go.
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    // Only this entry: a newer load for the key may have replaced it meanwhile.
    value.catch(() => { if (this.entries.get(key) === entry) this.entries.delete(key); });
    return value;
  }

  invalidate(key?: string): void {
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }
}

/**
 * Every cache of the domain services, by topic, and the change feed that keeps the
 * processes sharing a database in step: `changed` drops an entry here and publishes
 * the change, which drops it in every other process.
 */
export class Caches {
  private readonly handlers = new Map<string, Array<(key?: string) => void>>();

  constructor(
    private readonly feed?: ChangeFeed,
    private readonly onPublishError: (err: unknown) => void = (err) => {
      console.error(`latchkey: could not tell the other processes of a change (their caches expire within ${CACHE_TTL_MS / 1000} s): ${(err as Error)?.message ?? err}`);
    },
  ) {
    // undefined: changes may have been missed, so everything goes.
    feed?.subscribe((change) => (change ? this.drop(change.topic, change.key) : this.dropAll()));
  }

  /** A cache whose entries (by key) go when `changed(topic, key)` is called here or in another process. */
  create<V>(topic: string): TtlCache<V> {
    const cache = new TtlCache<V>();
    this.on(topic, (key) => cache.invalidate(key));
    return cache;
  }

  /** Runs `drop` for every change of the topic, with its key (undefined: all of the topic). */
  on(topic: string, drop: (key?: string) => void): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), drop]);
  }

  /** After a change has committed: drops what is cached of it here, and tells the others. */
  changed(topic: string, key?: string): void {
    this.drop(topic, key);
    this.feed?.publish(key === undefined ? { topic } : { topic, key }).catch(this.onPublishError);
  }

  private drop(topic: string, key?: string): void {
    for (const drop of this.handlers.get(topic) ?? []) drop(key);
  }

  private dropAll(): void {
    for (const drops of this.handlers.values()) for (const drop of drops) drop(undefined);
  }
}
