import { join } from 'node:path';
import SQLite from 'better-sqlite3';

export interface DataDirLock {
  release(): void;
}

/**
 * Claims the data dir for one server: a second one on the same SQLite database would share
 * it without a word, each with caches the other's writes do not reach. The claim is an
 * exclusive lock on a small SQLite file of its own (held until the process closes it or
 * dies, so a killed server leaves no stale claim), not on latchkey.db, which `latchkey
 * realm import` and `export` still open beside the server.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = join(dataDir, 'server.lock');
  let lock: SQLite.Database;
  try {
    lock = new SQLite(file, { timeout: 0 });
    // In exclusive locking mode the lock a write takes is kept after its transaction ends.
    lock.pragma('locking_mode = EXCLUSIVE');
  } catch (err) {
    throw new Error(`cannot open ${file}: ${(err as Error).message}`);
  }
  try {
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw new Error(`cannot lock ${file}: ${(err as Error).message}`);
    throw new Error(`another Latchkey server is running on the data dir ${dataDir} (it holds ${file}): `
      + 'stop it first, or give this one another --data-dir');
  }
  return { release: () => lock.close() };
}
