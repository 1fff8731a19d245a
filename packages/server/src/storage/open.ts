import { openPostgresStore } from './sql/postgres.js';
import type { SqlStore } from './sql/sql-store.js';
import { openSqliteStore } from './sql/sqlite.js';

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

export const isPostgresUrl = (url: string): boolean => /^postgres(?:ql)?:\/\//i.test(url);

export function storeKind(options: Pick<OpenStoreOptions, 'databaseUrl'>): StoreKind {
  if (!options.databaseUrl) return 'sqlite';
  if (!isPostgresUrl(options.databaseUrl)) {
    throw new Error('the database URL must start with postgres:// or postgresql://');
  }
  return 'postgres';
}

/** Opens the store the options name, migrated to the latest schema. */
export async function openStore(options: OpenStoreOptions): Promise<SqlStore> {
  if (storeKind(options) === 'postgres') {
    return openPostgresStore({ url: options.databaseUrl!, poolSize: options.poolSize, statementTimeoutMs: options.statementTimeoutMs });
  }
  return openSqliteStore(options.dataDir);
}
