import type { SqlStore } from './sql/sql-store.js';

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;

export interface OpenStoreOptions {
  /** Where the embedded SQLite database lives when there is no databaseUrl. */
  dataDir: string;
  /** postgres:// or postgresql:// selects PostgreSQL; unset, the embedded SQLite database. */
  databaseUrl?: string;
  /** PostgreSQL only: connections in the pool (default 10). */
  poolSize?: number;
  /** PostgreSQL only: statement_timeout in ms (default 5000; 0 leaves the server's). */
  statementTimeoutMs?: number;
}

export type StoreKind = 'sqlite' | 'postgres';

/** The embedded database's file in the data dir. */
export const SQLITE_FILE = 'latchkey.db';

export const isPostgresUrl = (url: string): boolean => /^postgres(?:ql)?:\/\//i.test(url);

export function storeKind(options: Pick<OpenStoreOptions, 'databaseUrl'>): StoreKind {
  if (!options.databaseUrl) return 'sqlite';
  if (!isPostgresUrl(options.databaseUrl)) {
    throw new Error('the database URL must start with postgres:// or postgresql://');
  }
  return 'postgres';
}

/**
 * Opens the store the options name, migrated to the latest schema. Each database's driver
 * is loaded only when it is used: PostgreSQL's alone took a fifth of the time to start.
 */
export async function openStore(options: OpenStoreOptions): Promise<SqlStore> {
  if (storeKind(options) === 'postgres') {
    const { openPostgresStore } = await import('./sql/postgres.js');
    return openPostgresStore({ url: options.databaseUrl!, poolSize: options.poolSize, statementTimeoutMs: options.statementTimeoutMs });
  }
  const { openSqliteStore } = await import('./sql/sqlite.js');
  return openSqliteStore(options.dataDir);
}
