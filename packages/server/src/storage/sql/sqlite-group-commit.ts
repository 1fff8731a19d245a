import type SQLite from 'better-sqlite3';
import type { SqliteStatement } from 'kysely';

const SAVEPOINT = 'latchkey_tx';

/**
 * Group commit for the embedded database. Every commit appends the pages it changed to the
 * log, and a token exchange's three writes, each its own transaction, wrote some of the same
 * pages three times over; with fifty exchanges in flight, most of the time their writes took
 * went to commits. So the first write outside a transaction opens one (BEGIN IMMEDIATE), the
 * writes of every request that runs before the event loop's next turn join it, and it commits
 * then: one commit for all of them.
 *
 * Nothing may be answered before it is committed: the store's operations resolve only once
 * `durable()` does (sql-store.ts, awaitCommits), so a crash loses only writes nobody was
 * told of. A Kysely transaction that begins while one is open becomes a savepoint within
 * it, so that its writes stay all or nothing; the commit waits for it to end. A statement
 * that fails takes only itself back, as SQLite does; should SQLite give up the whole
 * transaction instead (an I/O error, a full disk), every request waiting on it is failed.
 */
export class GroupCommit {
  /** The open transaction's outcome, while one is open. */
  private batch: { committed: Promise<void>; resolve: () => void; reject: (err: unknown) => void } | undefined;
  /** Whether a Kysely transaction is running, and whether as a savepoint of the batch. */
  private explicit: 'none' | 'own' | 'savepoint' = 'none';
  private commitDue = false;
  /** Writes run so far outside a Kysely transaction of their own, each joining a batch. */
  writes = 0;

  constructor(private readonly sqlite: SQLite.Database) {}

  /** Resolves once every write made so far is committed; undefined when there is nothing to wait for. */
  durable(): Promise<void> | undefined {
    return this.batch?.committed;
  }

  /** Commits what is open now (before the database closes, say). */
  flush(): void {
    if (this.batch && this.explicit === 'none') this.commit();
  }

  /** The statement as Kysely will run it: transaction control mapped onto the batch, writes joining it. */
  wrap(sql: string, statement: SQLite.Statement): SqliteStatement {
    switch (sql) {
      case 'begin': return this.control(() => this.begin());
      case 'commit': return this.control(() => this.end(true));
      case 'rollback': return this.control(() => this.end(false));
    }
    if (statement.readonly) return statement as unknown as SqliteStatement;
    return {
      reader: statement.reader,
      all: (parameters) => this.write(() => statement.all(parameters)),
      run: (parameters) => this.write(() => statement.run(parameters)),
      iterate: (parameters) => statement.iterate(parameters),
    };
  }

  private control(action: () => void): SqliteStatement {
    return {
      reader: false,
      all: () => { action(); return []; },
      run: () => { action(); return { changes: 0, lastInsertRowid: 0 }; },
      iterate: () => { throw new Error('transaction control has no rows'); },
    };
  }

  private begin(): void {
    if (this.batch) {
      this.sqlite.exec(`SAVEPOINT ${SAVEPOINT}`);
      this.explicit = 'savepoint';
    } else {
      this.sqlite.exec('BEGIN');
      this.explicit = 'own';
    }
  }

  private end(commit: boolean): void {
    const mode = this.explicit;
    this.explicit = 'none';
    if (mode === 'own') {
      this.sqlite.exec(commit ? 'COMMIT' : 'ROLLBACK');
      return;
    }
    if (!commit) this.sqlite.exec(`ROLLBACK TO ${SAVEPOINT}`);
    this.sqlite.exec(`RELEASE ${SAVEPOINT}`);
    if (this.commitDue) this.commit();
  }

  private write<T>(run: () => T): T {
    // Inside a Kysely transaction the statement is part of it (and of the batch, if a savepoint).
    if (this.explicit === 'none' && !this.batch) this.open();
    if (this.explicit !== 'own') this.writes++;
    try {
      return run();
    } catch (err) {
      if (this.batch && !this.sqlite.inTransaction) this.lost(err);
      throw err;
    }
  }

  private open(): void {
    this.sqlite.exec('BEGIN IMMEDIATE');
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const committed = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
    // Someone always waits on it when it matters; a failure nobody awaited must not crash the process.
    committed.catch(() => {});
    this.batch = { committed, resolve, reject };
    setImmediate(() => {
      if (this.explicit === 'none') this.commit();
      else this.commitDue = true;
    });
  }

  private commit(): void {
    const batch = this.batch;
    if (!batch) return;
    this.commitDue = false;
    try {
      this.sqlite.exec('COMMIT');
    } catch (err) {
      // Runs from setImmediate: nothing here may throw, or the process would go down with it.
      try {
        if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
      } catch {
        // The connection is past saving; the next statement will say so to its caller.
      }
      this.lost(err);
      return;
    }
    this.batch = undefined;
    batch.resolve();
  }

  /** SQLite rolled the batch back: every write in it is gone, and whoever waits on it hears so. */
  private lost(err: unknown): void {
    const batch = this.batch;
    this.batch = undefined;
    this.commitDue = false;
    batch?.reject(err);
  }
}
