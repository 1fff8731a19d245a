import { createRequire } from 'node:module';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { SQLITE_FILE } from '../open.js';
import { makePrivateDir, makePrivateFile } from '../private-dir.js';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrations.js';
import { SqlStore } from './sql-store.js';
import { BACKSTOP_PAGES, startCheckpointer } from './sqlite-checkpoints.js';
import { GroupCommit } from './sqlite-group-commit.js';

/** Statements kept prepared, at most: the queries are parameterised, so few distinct texts recur. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew, which costs about as much as running it; better-sqlite3's
 * statements can be run again and again. Keeps the most recently used ones (a Map in
 * insertion order serves as the LRU), and prepares afresh when the cached one is still
 * being iterated, as a statement runs one query at a time.
 */
function withStatementCache(sqlite: SQLite.Database, group: GroupCommit): SqliteDatabase {
  /** Each statement with what Kysely runs of it (group commit's wrapper), made once with it. */
  const cache = new Map<string, { statement: SQLite.Statement; wrapped: SqliteStatement }>();
  return {
    close: () => {
      group.flush();
      sqlite.close();
    },
    prepare(sql: string) {
      let entry = cache.get(sql);
      if (entry && !entry.statement.busy) {
        cache.delete(sql);
      } else {
        const statement = sqlite.prepare(sql);
        entry = { statement, wrapped: group.wrap(sql, statement) };
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, entry);
      return entry.wrapped;
    },
  };
}

/** Opens (creating if needed) the embedded database in the data dir and brings it up to date. */
export async function openSqliteStore(dataDir: string): Promise<SqlStore> {
  makePrivateDir(dataDir);
  const file = join(dataDir, SQLITE_FILE);
  let sqlite: SQLite.Database;
  try {
    makePrivateFile(file);
    sqlite = new SQLite(file);
    // WAL lets readers run while a write commits; NORMAL sync is durable in WAL mode
    // against process crashes, which is what kill -9 tests.
    sqlite.pragma('journal_mode = WAL');
  } catch (err) {
    // SQLite's own message ("unable to open database file") does not say which file.
    throw new Error(`cannot open the database ${file}: ${(err as Error).message}`);
  }
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const group = new GroupCommit(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, group) }) });
  await migrateToLatest(db);
  // Migrations write outside the store's operations: committed now, before anyone else opens the file.
  group.flush();
  // The worker loads the same driver this module did, wherever the bundle put it.
  const checkpoints = startCheckpointer(file, createRequire(import.meta.url).resolve('better-sqlite3'));
  return new SqlStore(db, { onClose: () => checkpoints.stop(), groupCommit: group });
}
