// SQLite's group commit (src/storage/sql/sqlite-group-commit.ts), seen from outside: another
// connection to the same file sees a write as soon as the store's operation has resolved, a
// transaction that fails in the middle of a group takes back only its own writes, and the
// writes of operations in flight together share one commit.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { openStore, SQLITE_FILE } from '../../src/storage/open.js';
import type { SqlStore } from '../../src/storage/sql/sql-store.js';
import { GroupCommit } from '../../src/storage/sql/sqlite-group-commit.js';
import type { RealmRecord } from '../../src/storage/store.js';

const newRealm = (): RealmRecord => ({
  id: randomUUID(), name: `realm-${randomUUID()}`, enabled: true, createdAt: 1_700_000_000,
  settings: {
    accessTokenLifespan: 300, ssoSessionIdleTimeout: 1800, ssoSessionMaxLifespan: 36000, offlineSessionIdleTimeout: 2592000,
    accessCodeLifespan: 60, defaultSignatureAlgorithm: 'ES256', bruteForceProtected: false, failureFactor: 30,
    waitIncrementSeconds: 60, maxFailureWaitSeconds: 900, supportedLocales: ['en'], defaultRoleName: 'default-roles-x',
    defaultClientScopes: [], optionalClientScopes: [],
  },
});

describe('SQLite group commit', () => {
  let dataDir: string;
  let store: SqlStore;
  /** A second connection, as another process would have: it sees only what is committed. */
  let other: SQLite.Database;
  const committed = (id: string) => other.prepare('select count(*) as n from realms where id = ?').get(id) as { n: number };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-group-commit-'));
    store = await openStore({ dataDir });
    other = new SQLite(join(dataDir, SQLITE_FILE), { readonly: true });
  });

  after(async () => {
    other.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a write is committed by the time its operation resolves', async () => {
    const realm = newRealm();
    await store.realms.insert(realm);
    assert.equal(committed(realm.id).n, 1);
  });

  it('writes made together are each committed when their operation resolves', async () => {
    const realms = Array.from({ length: 20 }, newRealm);
    await Promise.all(realms.map(async (realm) => {
      await store.realms.insert(realm);
      assert.equal(committed(realm.id).n, 1, 'committed once its operation resolved');
    }));
  });

  it('writes of one turn of the event loop share one commit', async () => {
    const db = new SQLite(join(dataDir, 'counted.db'));
    db.exec('create table t (id integer primary key, v text)');
    const group = new GroupCommit(db);
    const statements: string[] = [];
    const exec = db.exec.bind(db);
    db.exec = (sql: string) => { statements.push(sql); return exec(sql); };
    const insert = group.wrap('insert into t (v) values (?)', db.prepare('insert into t (v) values (?)'));
    for (let i = 0; i < 20; i++) insert.run([`row ${i}`]);
    assert.equal(group.writes, 20);
    await group.durable();
    assert.deepEqual(statements, ['BEGIN IMMEDIATE', 'COMMIT']);
    assert.equal(group.durable(), undefined, 'nothing left to wait for');
    db.close();
  });

  it('a transaction that fails within a group takes back its own writes and no one else\'s', async () => {
    const beside = newRealm();
    const inside = newRealm();
    const besideWrite = store.realms.insert(beside);
    await assert.rejects(store.transaction(async (tx) => {
      await tx.realms.insert(inside);
      throw new Error('changed its mind');
    }), /changed its mind/);
    await besideWrite;
    assert.equal(committed(beside.id).n, 1, 'the write beside it is kept');
    assert.equal(committed(inside.id).n, 0, 'the failed transaction left nothing');
  });

  it('a statement that fails (a duplicate) fails alone', async () => {
    const realm = newRealm();
    await store.realms.insert(realm);
    const next = newRealm();
    const [duplicate, fine] = await Promise.allSettled([store.realms.insert({ ...newRealm(), id: realm.id }), store.realms.insert(next)]);
    assert.equal(duplicate.status, 'rejected');
    assert.equal(fine.status, 'fulfilled');
    assert.equal(committed(next.id).n, 1);
  });

  it('a transaction that succeeds within a group is committed when it resolves', async () => {
    const beside = newRealm();
    const inside = newRealm();
    const besideWrite = store.realms.insert(beside);
    await store.transaction(async (tx) => { await tx.realms.insert(inside); });
    assert.equal(committed(inside.id).n, 1);
    await besideWrite;
    assert.equal(committed(beside.id).n, 1);
  });
});
