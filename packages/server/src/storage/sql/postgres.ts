import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT_MS } from '../open.js';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrations.js';
import { PostgresChangeFeed } from './postgres-changes.js';
import { SqlStore } from './sql-store.js';

/** How long a starting process waits while another one migrates, imports or bootstraps. */
export const DEFAULT_STARTUP_LOCK_TIMEOUT_MS = 120_000;

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database[?sslmode=...] */
  url: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** PostgreSQL's statement_timeout for every query the server makes, in ms (default 5000; 0: none). */
  statementTimeoutMs?: number;
  startupLockTimeoutMs?: number;
  /** An idle pooled connection broke (e.g. the database restarted); the pool reconnects on next use. */
  onPoolError?: (err: Error) => void;
}

// The session-level advisory lock every Latchkey process takes around its start-up
// steps: "latchkey" in ASCII as a bigint. Kysely's Migrator takes its own lock around
// the migrations themselves (pg_advisory_lock(3853314791062309107)), but creates its
// bookkeeping tables before that, and imports and the first-start bootstrap come after.
const STARTUP_LOCK = '7809651199139603833';

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable database URL)';
  }
}

/** pg reports a refused connection as an AggregateError with an empty message (one error per address). */
function describe(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: unknown[] };
  if (e?.errors?.length) return e.errors.map(describe).join('; ');
  return e?.message || e?.code || String(err);
}

/**
 * Runs `work` holding the start-up advisory lock on its own connection, so that two
 * processes starting at once take turns. The lock goes with the session, so a process
 * that dies while holding it releases it.
 */
export async function withStartupLock<T>(url: string, work: () => Promise<T>,
  timeoutMs = DEFAULT_STARTUP_LOCK_TIMEOUT_MS): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'latchkey (start-up lock)' });
  // A broken connection shows up as the unlock failing; without a listener it would crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw new Error(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${describe(err)}`);
  }
  try {
    // statement_timeout as well: a server-wide default would otherwise cut the wait shorter.
    await client.query(`set lock_timeout = ${Math.max(1, Math.trunc(timeoutMs))}`);
    await client.query(`set statement_timeout = ${Math.max(1, Math.trunc(timeoutMs))}`);
    try {
      await client.query('select pg_advisory_lock($1::bigint)', [STARTUP_LOCK]);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '55P03' || code === '57014') {
        throw new Error(`another Latchkey process has been starting up on this database for ${Math.round(timeoutMs / 1000)} s (it holds the start-up lock); giving up`);
      }
      throw err;
    }
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock($1::bigint)', [STARTUP_LOCK]).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Brings the database up to date. The migrations run on a connection of their own with
 * the server's default statement_timeout, not the request one: DDL on a large table
 * may rightly take longer than any request should.
 */
async function migrate(url: string): Promise<void> {
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1, application_name: 'latchkey (migrations)' }) }),
  });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}

/** Opens a PostgreSQL database, brings it up to date (one process at a time) and returns the store over a pool. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<SqlStore> {
  const { url } = options;
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const lockTimeoutMs = options.startupLockTimeoutMs ?? DEFAULT_STARTUP_LOCK_TIMEOUT_MS;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error(`the pool size must be a positive integer, not ${poolSize}`);
  if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 0) {
    throw new Error(`the statement timeout must be a whole number of milliseconds, not ${statementTimeoutMs}`);
  }

  await withStartupLock(url, () => migrate(url), lockTimeoutMs);

  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // pg sends it as a start-up parameter, so it holds on every pooled connection; 0 leaves the server's default.
    statement_timeout: statementTimeoutMs || undefined,
    // A request waits this long for a free connection (or a new one) before failing, never forever.
    connectionTimeoutMillis: 10_000,
    application_name: 'latchkey',
  });
  pool.on('error', options.onPoolError ?? ((err) => {
    console.error(`latchkey: a pooled PostgreSQL connection failed (${describe(err)}); it will be replaced`);
  }));
  // pg-pool listens for errors only on idle connections. One checked out but between two
  // statements (a FATAL from a server shutting down arrives at any moment) would emit an
  // error nobody listens to, which ends the process. Its next statement fails instead (the
  // request gets a 503), and the pool drops it when it comes back.
  pool.on('connect', (client) => { client.on('error', () => {}); });
  const changes = new PostgresChangeFeed({
    url,
    notify: async (channel, payload) => { await pool.query('select pg_notify($1, $2)', [channel, payload]); },
    log: (message) => console.error(`latchkey: ${message}`),
  });
  try {
    await changes.start();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new Error(`cannot listen for changes on PostgreSQL at ${redactUrl(url)}: ${describe(err)}`);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new SqlStore(db, {
    changes,
    exclusive: (work) => withStartupLock(url, work, lockTimeoutMs),
    binaryCollation: 'C',
    positionFunction: 'strpos',
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  });
}
