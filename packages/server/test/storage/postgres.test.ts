// What only the PostgreSQL back end has: several processes on one database, a pool,
// a statement timeout. The Store's behaviour itself is in store-contract.test.ts.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { openStore } from '../../src/storage/open.js';
import { withStartupLock } from '../../src/storage/sql/postgres.js';
import type { SqlStore } from '../../src/storage/sql/sql-store.js';
import { CLI } from '../helpers/server.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './databases.js';

const skip = await postgresUnavailable();
const OPEN_JS = new URL('../../src/storage/open.js', import.meta.url).href;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function query<T = any>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Opens (migrating) the store in a process of its own and closes it: a second Latchkey starting up. */
function openInChildProcess(url: string, dataDir: string): Promise<{ code: number | null; output: string }> {
  const script = `const { openStore } = await import(${JSON.stringify(OPEN_JS)});
    const store = await openStore({ dataDir: ${JSON.stringify(dataDir)}, databaseUrl: process.argv[1] });
    await store.ping();
    await store.close();`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', (code) => resolve({ code, output }));
  });
}

// A skipped test rather than a skipped suite, so the run's summary counts it as skipped.
if (skip) it('PostgreSQL back end', { skip }, () => {});
else describe('PostgreSQL back end', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-pg-'));
  const databases: TestDatabase[] = [];
  const stores: SqlStore[] = [];
  const fresh = async () => {
    const db = await createTestDatabase();
    databases.push(db);
    return db;
  };
  const open = async (url: string, more: { poolSize?: number; statementTimeoutMs?: number } = {}) => {
    const store = await openStore({ dataDir, databaseUrl: url, ...more });
    stores.push(store);
    return store;
  };
  after(async () => {
    for (const store of stores) await store.close().catch(() => {});
    for (const db of databases) await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('migrates once when several processes start on a fresh database at the same moment', async () => {
    const db = await fresh();
    const [childA, childB, ...inProcess] = await Promise.all([
      openInChildProcess(db.url, dataDir),
      openInChildProcess(db.url, dataDir),
      openStore({ dataDir, databaseUrl: db.url }),
      openStore({ dataDir, databaseUrl: db.url }),
    ]);
    assert.equal(childA.code, 0, childA.output);
    assert.equal(childB.code, 0, childB.output);
    for (const store of inProcess) {
      await store.ping();
      await store.close();
    }
    const applied = await query(db.url, 'select name from kysely_migration order by name');
    const names = applied.map((r) => r.name);
    assert.equal(new Set(names).size, names.length, 'no migration recorded twice');
    assert.ok(names.includes('0001_initial'), names.join());
    const users = await query(db.url, "select column_name from information_schema.columns where table_name = 'users'");
    assert.ok(users.some((c) => c.column_name === 'email_lower'), 'the latest migration ran');
  });

  it('start-up sections of two processes never overlap', async () => {
    const db = await fresh();
    const [a, b] = await Promise.all([open(db.url), open(db.url)]);
    const spans: Array<[number, number]> = [];
    const section = (store: SqlStore) => store.exclusive(async () => {
      const start = performance.now();
      await sleep(150);
      spans.push([start, performance.now()]);
    });
    await Promise.all([section(a), section(b), section(a), section(b)]);
    spans.sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) {
      assert.ok(spans[i][0] >= spans[i - 1][1], `section ${i} started before section ${i - 1} ended: ${JSON.stringify(spans)}`);
    }
  });

  it('a process that cannot get the start-up lock in time gives up with a message', async () => {
    const db = await fresh();
    await open(db.url);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query("select pg_advisory_lock('7809651199139603833'::bigint)");
      const started = performance.now();
      await assert.rejects(withStartupLock(db.url, async () => 'never', 300), /another Latchkey process has been starting up/);
      assert.ok(performance.now() - started < 5000);
    } finally {
      await holder.end();
    }
    assert.equal(await withStartupLock(db.url, async () => 'now', 300), 'now', 'the lock went with the session that held it');
  });

  it('statement_timeout stops a statement that waits too long', async () => {
    const db = await fresh();
    const store = await open(db.url, { statementTimeoutMs: 300 });
    const realmId = randomUUID();
    const userId = randomUUID();
    const sessionId = randomUUID();
    await store.realms.insert({ id: realmId, name: `r-${realmId}`, enabled: true, settings: {} as any, createdAt: 1 });
    await store.users.insert({ id: userId, realmId, username: 'u', enabled: true, email: null, emailVerified: false, firstName: null,
      lastName: null, phoneNumber: null, attributes: {}, serviceAccountClientId: null, requiredActions: [], createdAt: 1 });
    await store.sessions.insert({ id: sessionId, realmId, userId, offline: false, authTime: 1, createdAt: 1, lastSeenAt: 1, expiresAt: 2, maxExpiresAt: 3 });

    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('select id from sessions where id = $1 for update', [sessionId]);
      const started = performance.now();
      await assert.rejects(store.sessions.touch(sessionId, 5, 6), (err: any) => err.code === '57014');
      const waited = performance.now() - started;
      assert.ok(waited >= 250 && waited < 3000, `cancelled after ${Math.round(waited)} ms`);
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
    await store.sessions.touch(sessionId, 5, 6);
    assert.equal((await store.sessions.get(sessionId))!.lastSeenAt, 5);
  });

  it('the pool never holds more than its size, and queued calls complete', async () => {
    const db = await fresh();
    const store = await open(db.url, { poolSize: 3 });
    const realm = { id: randomUUID(), name: 'pool', enabled: true, settings: {} as any, createdAt: 1 };
    await store.realms.insert(realm);
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('begin');
    await locker.query('select id from realms where id = $1 for update', [realm.id]);
    // Ten updates wait on the row lock: three on connections, seven in the pool's queue.
    const waiting = Array.from({ length: 10 }, (_, i) => store.realms.update({ ...realm, settings: { n: i } as any }));
    await sleep(300);
    const [{ count }] = await query(db.url,
      "select count(*)::int as count from pg_stat_activity where datname = current_database() and application_name = 'latchkey'");
    await locker.query('rollback');
    await locker.end();
    await Promise.all(waiting);
    assert.equal(count, 3);
  });

  it('applies each statement timeout given, 0 leaving the server default', async () => {
    const db = await fresh();
    for (const [ms, expected] of [[1234, '1234ms'], [0, '0']] as const) {
      const store = await open(db.url, { statementTimeoutMs: ms });
      // The setting as a pooled connection sees it: a query through the store's own pool.
      const pool = (store as any).db as import('kysely').Kysely<any>;
      const { sql } = await import('kysely');
      const { rows } = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(pool);
      assert.equal(rows[0].statement_timeout, expected);
    }
  });
});

describe('PostgreSQL configuration errors', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });

  it('an unreachable server fails start-up with a message that names it, without the password', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-pg-'));
    try {
      await assert.rejects(openStore({ dataDir, databaseUrl: 'postgres://latchkey:s3cret-pw@127.0.0.1:1/nowhere' }), (err: Error) => {
        assert.match(err.message, /cannot connect to PostgreSQL at postgres:\/\/latchkey:\*\*\*@127\.0\.0\.1:1\/nowhere: .+/);
        assert.doesNotMatch(err.message, /s3cret-pw/);
        return true;
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('start --help names the database flags and their environment variables', () => {
    const out = cli('start', '--help');
    assert.equal(out.status, 0, out.stderr);
    for (const name of ['--database-url', 'LATCHKEY_DATABASE_URL', '--db-pool-size', 'LATCHKEY_DB_POOL_SIZE',
      '--db-statement-timeout', 'LATCHKEY_DB_STATEMENT_TIMEOUT']) {
      assert.ok(out.stdout.includes(name), `start --help mentions ${name}:\n${out.stdout}`);
    }
  });

  for (const [args, message] of [
    [['--database-url', 'mysql://localhost/x'], /--database-url must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [['--db-pool-size', '0'], /--db-pool-size must be a positive integer/],
    [['--db-pool-size', 'ten'], /--db-pool-size must be a positive integer/],
    [['--db-statement-timeout', '1.5'], /--db-statement-timeout must be a whole number of milliseconds/],
    [['--database-url', 'postgres://u:hunter2@127.0.0.1:1/x'], /cannot connect to PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/x/],
  ] as const) {
    it(`start ${args.join(' ')} exits 1 with a message`, () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-pg-'));
      try {
        const out = cli('start', '--port', '0', '--data-dir', dataDir, ...args);
        assert.equal(out.status, 1, out.stdout + out.stderr);
        assert.match(out.stderr, message);
        assert.doesNotMatch(out.stderr, /hunter2/);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});
