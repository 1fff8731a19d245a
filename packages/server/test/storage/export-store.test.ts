// The Store's `bulk` group (realm import and export), run unchanged against every back end,
// as store-contract.test.ts does for the rest of the Store.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/storage/open.js';
import { UnstorableValueError, type SqlStore } from '../../src/storage/sql/sql-store.js';
import type { PasswordRecord, RealmRecord, RoleRecord, UserRecord } from '../../src/storage/store.js';
import { createTestDatabase, postgresUnavailable } from './databases.js';

interface Backend {
  name: string;
  skip?: string;
  setUp(): Promise<{ store: SqlStore; tearDown(): Promise<void> }>;
}

const sqlite: Backend = {
  name: 'SQLite',
  async setUp() {
    const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-bulk-'));
    const store = await openStore({ dataDir });
    return {
      store,
      async tearDown() {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: Backend = {
  name: 'PostgreSQL',
  skip: await postgresUnavailable(),
  async setUp() {
    const db = await createTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-bulk-'));
    let store: SqlStore;
    try {
      store = await openStore({ dataDir, databaseUrl: db.url });
    } catch (err) {
      await db.drop();
      throw err;
    }
    return {
      store,
      async tearDown() {
        await store.close();
        await db.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const rand = () => randomBytes(5).toString('hex');
/** Past 2^31 seconds (2038), so a 32-bit column or a lost bigint would show. */
const T = 4_102_444_800;
const binarySort = (values: string[]) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

const newRealm = (): RealmRecord => ({
  id: randomUUID(), name: `realm-${rand()}`, enabled: true, createdAt: T,
  settings: {
    accessTokenLifespan: 300, ssoSessionIdleTimeout: 1800, ssoSessionMaxLifespan: 36000,
    offlineSessionIdleTimeout: 2592000, accessCodeLifespan: 60, defaultSignatureAlgorithm: 'RS256',
    bruteForceProtected: true, failureFactor: 30, waitIncrementSeconds: 60, maxFailureWaitSeconds: 900,
    supportedLocales: [], defaultRoleName: 'default-roles-x', defaultClientScopes: [], optionalClientScopes: [],
  },
});

const newUser = (realmId: string, i: number, extra: Partial<UserRecord> = {}): UserRecord => ({
  id: randomUUID(), realmId, username: `user-${i}-${rand()}`, enabled: i % 3 !== 0, email: i % 2 ? `u${i}@example.com` : null,
  emailVerified: i % 2 === 1, firstName: 'Ada', lastName: i % 5 ? 'Lovelace' : null, phoneNumber: i % 7 ? null : '+1 555 0100',
  attributes: { department: ['research', 'ünïcode ✓'], n: [String(i)] }, serviceAccountClientId: null, requiredActions: [], createdAt: T + i, ...extra,
});

const passwordOf = (userId: string, data = `hash-of-${userId}`): PasswordRecord =>
  ({ userId, algorithm: 'keycloak:pbkdf2-sha256', data, createdAt: T });

for (const backend of [sqlite, postgres]) {
  if (backend.skip) {
    it(`Store bulk operations: ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }
  describe(`Store bulk operations: ${backend.name}`, () => {
    let store: SqlStore;
    let tearDown: () => Promise<void> = async () => {};
    before(async () => { ({ store, tearDown } = await backend.setUp()); });
    after(async () => { await tearDown(); });

    const seedRealm = async () => {
      const realm = newRealm();
      await store.realms.insert(realm);
      return realm;
    };

    it('inserts many users (more than one statement holds), each round-tripping every field', async () => {
      const realm = await seedRealm();
      const users = Array.from({ length: 1234 }, (_, i) => newUser(realm.id, i));
      await store.bulk.insertUsers(users);
      assert.equal(await store.users.countByRealm(realm.id), 1234);
      for (const u of [users[0], users[499], users[500], users[1233]]) {
        assert.deepEqual(await store.users.getById(realm.id, u.id), u);
        assert.deepEqual(await store.users.getByUsername(realm.id, u.username.toUpperCase()), u, 'the case-insensitive lookup works');
      }
      const withEmail = users[1];
      assert.deepEqual(await store.users.getByEmail(realm.id, withEmail.email!.toUpperCase()), withEmail, 'and the email one');
    });

    it('nothing to insert is fine', async () => {
      await store.bulk.insertUsers([]);
      await store.bulk.setPasswords([]);
      await store.bulk.grantRoles([]);
      assert.deepEqual(await store.bulk.listPasswords([]), []);
      assert.deepEqual(await store.bulk.listUserRoles([]), []);
    });

    it('refuses a username taken regardless of case, and in a transaction inserts nothing then', async () => {
      const realm = await seedRealm();
      const first = newUser(realm.id, 1, { username: 'Straße' });
      await store.bulk.insertUsers([first]);
      const batch = [newUser(realm.id, 2), newUser(realm.id, 3, { username: 'STRAßE' })];
      await assert.rejects(store.transaction((tx) => tx.bulk.insertUsers(batch)));
      assert.equal(await store.users.getById(realm.id, batch[0].id), undefined, 'the whole batch was rolled back');
      assert.equal(await store.users.countByRealm(realm.id), 1);
    });

    it('lists a realm\'s user ids in code-point order, only that realm\'s, and gets users by id in the order asked', async () => {
      const realm = await seedRealm();
      const other = await seedRealm();
      // Ids whose order differs between code-point and a linguistic collation.
      const ids = ['a-1', 'A-2', 'b', 'B', '_x', 'Z', 'é', 'e', '10', '9', ...Array.from({ length: 1200 }, () => randomUUID())];
      const users = ids.map((id, i) => newUser(realm.id, i, { id: `${realm.id.slice(0, 8)}-${id}` }));
      await store.bulk.insertUsers(users);
      const stranger = newUser(other.id, 1);
      await store.bulk.insertUsers([stranger]);

      const listed = await store.bulk.listUserIds(realm.id);
      assert.deepEqual(listed, binarySort(users.map((u) => u.id)));
      assert.deepEqual(await store.bulk.listUserIds(randomUUID()), [], 'an unknown realm has none');
      assert.deepEqual(await store.bulk.listUserIds('x\u0000'), [], 'a NUL in the key matches nothing');

      const asked = [...listed].reverse();
      const got = await store.bulk.getUsers(asked);
      assert.deepEqual(got.map((u) => u.id), asked, 'in the order asked, across several statements');
      assert.deepEqual(got.find((u) => u.id === users[3].id), users[3], 'every field comes back');
      assert.deepEqual(await store.bulk.getUsers([users[0].id, randomUUID(), 'x\u0000', stranger.id]), [users[0], stranger],
        'ids that match nothing are left out');
    });

    it('sets many passwords, replacing existing ones (the last of a user in one call wins), and lists them', async () => {
      const realm = await seedRealm();
      const users = Array.from({ length: 1500 }, (_, i) => newUser(realm.id, i));
      await store.bulk.insertUsers(users);
      await store.passwords.set(passwordOf(users[0].id, 'old'));
      await store.bulk.setPasswords([
        ...users.slice(0, 1200).map((u) => passwordOf(u.id)),
        passwordOf(users[5].id, 'second'),
      ]);
      assert.deepEqual(await store.passwords.get(users[0].id), passwordOf(users[0].id), 'replaced');
      assert.deepEqual(await store.passwords.get(users[5].id), passwordOf(users[5].id, 'second'), 'the last one given');
      assert.equal(await store.passwords.get(users[1300].id), undefined);
      const listed = await store.bulk.listPasswords(users.map((u) => u.id));
      assert.equal(listed.length, 1200, 'only users with one, across several statements');
      assert.deepEqual(listed.find((p) => p.userId === users[1100].id), passwordOf(users[1100].id));
    });

    it('grants many roles, keeping grants that exist and ignoring repeats, and lists direct grants by user', async () => {
      const realm = await seedRealm();
      const users = Array.from({ length: 1100 }, (_, i) => newUser(realm.id, i));
      await store.bulk.insertUsers(users);
      const roles: RoleRecord[] = ['reader', 'writer', 'admin'].map((name) =>
        ({ id: randomUUID(), realmId: realm.id, clientId: null, name, description: null }));
      for (const role of roles) await store.roles.insert(role);
      await store.roles.addComposite(roles[2].id, roles[0].id);
      await store.roles.grantToUser(users[0].id, roles[0].id);
      const grants = users.flatMap((u, i) => [{ userId: u.id, roleId: roles[i % 2].id }, ...(i % 10 === 0 ? [{ userId: u.id, roleId: roles[2].id }] : [])]);
      await store.bulk.grantRoles([...grants, grants[0], grants[1]]);
      assert.deepEqual(await store.roles.listUserRoleIds(users[0].id), binarySort([roles[0].id, roles[2].id]));
      assert.deepEqual(await store.roles.listUserRoleIds(users[1].id), [roles[1].id]);
      const listed = await store.bulk.listUserRoles(users.map((u) => u.id));
      assert.equal(listed.length, grants.length, 'direct grants only: the composite is not expanded');
      const key = (g: { userId: string; roleId: string }) => `${g.userId} ${g.roleId}`;
      assert.deepEqual(binarySort(listed.map(key)), binarySort(grants.map(key)));
      await assert.rejects(store.bulk.grantRoles([{ userId: users[0].id, roleId: randomUUID() }]), 'a role that does not exist');
    });

    it('adds many group memberships, keeping those that exist and ignoring repeats, and lists them by user', async () => {
      const realm = await seedRealm();
      const users = Array.from({ length: 1100 }, (_, i) => newUser(realm.id, i));
      await store.bulk.insertUsers(users);
      const groups = ['staff', 'berlin'].map((name) => ({ id: randomUUID(), realmId: realm.id, parentId: null, name, attributes: {}, createdAt: T }));
      for (const group of groups) await store.groups.insert(group);
      await store.groups.addMember(groups[0].id, users[0].id);
      const memberships = users.flatMap((u, i) => [{ userId: u.id, groupId: groups[i % 2].id }, ...(i % 10 === 0 ? [{ userId: u.id, groupId: groups[1].id }] : [])]);
      await store.bulk.addMembers([...memberships, memberships[0]]);
      assert.deepEqual((await store.groups.listByUser(users[0].id)).map((g) => g.name), ['berlin', 'staff']);
      const listed = await store.bulk.listMemberships(users.map((u) => u.id));
      const key = (m: { userId: string; groupId: string }) => `${m.userId} ${m.groupId}`;
      assert.deepEqual(binarySort(listed.map(key)), binarySort(memberships.map(key)), 'every membership once');
      assert.deepEqual(await store.bulk.listMemberships([randomUUID(), 'x\u0000']), []);
      await assert.rejects(store.bulk.addMembers([{ userId: users[0].id, groupId: randomUUID() }]), 'a group that does not exist');
    });

    it('refuses a NUL character in any value before the database sees it', async () => {
      const realm = await seedRealm();
      const user = newUser(realm.id, 1);
      await assert.rejects(store.bulk.insertUsers([{ ...user, lastName: 'a\u0000b' }]), UnstorableValueError);
      await store.bulk.insertUsers([user]);
      await assert.rejects(store.bulk.setPasswords([passwordOf(user.id, 'x\u0000')]), UnstorableValueError);
    });
  });
}
