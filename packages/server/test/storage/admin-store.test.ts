// The Store methods the admin API added (user search, role changes, groups), as a contract
// run unchanged on SQLite and PostgreSQL, in the manner of store-contract.test.ts.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultClientSettings } from '../../src/domain/clients.js';
import { openStore } from '../../src/storage/open.js';
import type { SqlStore } from '../../src/storage/sql/sql-store.js';
import { isUniqueViolation, type GroupRecord, type RealmRecord, type RoleRecord, type UserRecord } from '../../src/storage/store.js';
import { createTestDatabase, postgresUnavailable } from './databases.js';

interface Backend {
  name: string;
  skip?: string;
  setUp(): Promise<{ store: SqlStore; tearDown(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    async setUp() {
      const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-admin-store-'));
      const store = await openStore({ dataDir });
      return { store, async tearDown() { await store.close(); rmSync(dataDir, { recursive: true, force: true }); } };
    },
  },
  {
    name: 'PostgreSQL',
    skip: await postgresUnavailable(),
    async setUp() {
      const db = await createTestDatabase();
      const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-admin-store-'));
      let store: SqlStore;
      try {
        store = await openStore({ dataDir, databaseUrl: db.url });
      } catch (err) {
        await db.drop();
        throw err;
      }
      return {
        store,
        async tearDown() { await store.close(); await db.drop(); rmSync(dataDir, { recursive: true, force: true }); },
      };
    },
  },
];

const rand = () => randomBytes(5).toString('hex');
const T = 4_102_444_800;

const newRealm = (): RealmRecord => ({
  id: randomUUID(), name: `realm-${rand()}`, enabled: true, createdAt: T,
  settings: {
    accessTokenLifespan: 300, ssoSessionIdleTimeout: 1800, ssoSessionMaxLifespan: 36000, offlineSessionIdleTimeout: 2592000,
    accessCodeLifespan: 60, defaultSignatureAlgorithm: 'RS256', bruteForceProtected: false, failureFactor: 30,
    waitIncrementSeconds: 60, maxFailureWaitSeconds: 900, supportedLocales: [], defaultRoleName: 'default-roles-x',
    defaultClientScopes: [], optionalClientScopes: [],
  },
});

const newUser = (realmId: string, username: string, extra: Partial<UserRecord> = {}): UserRecord => ({
  id: randomUUID(), realmId, username, enabled: true, email: null, emailVerified: false, firstName: null, lastName: null,
  phoneNumber: null, attributes: {}, serviceAccountClientId: null, requiredActions: [], createdAt: T, ...extra,
});

const newRole = (realmId: string, name: string, clientId: string | null = null): RoleRecord =>
  ({ id: randomUUID(), realmId, clientId, name, description: null });

const newGroup = (realmId: string, name: string, parentId: string | null = null, attributes: Record<string, string[]> = {}): GroupRecord =>
  ({ id: randomUUID(), realmId, parentId, name, attributes, createdAt: T });

async function realmIn(store: SqlStore): Promise<RealmRecord> {
  const realm = newRealm();
  await store.realms.insert(realm);
  return realm;
}

for (const backend of backends) {
  if (backend.skip) {
    it(`Store contract, admin API additions: ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }
  describe(`Store contract, admin API additions: ${backend.name}`, () => {
    let store: SqlStore;
    let tearDown: () => Promise<void> = async () => {};
    before(async () => { ({ store, tearDown } = await backend.setUp()); });
    after(async () => { await tearDown(); });

    describe('users.search and users.count', () => {
      let realm: RealmRecord;
      const names = (users: UserRecord[]) => users.map((u) => u.username);

      before(async () => {
        realm = await realmIn(store);
        const client = { id: randomUUID(), realmId: realm.id, clientId: 'machine', enabled: true, publicClient: false, createdAt: T,
          settings: defaultClientSettings() };
        await store.clients.insert(client);
        for (const user of [
          newUser(realm.id, 'Alice', { email: 'alice@Example.com', firstName: 'Alice', lastName: 'Liddell' }),
          newUser(realm.id, 'bob', { email: 'bob@example.org', firstName: 'Robert', lastName: 'Ünterberg', enabled: false }),
          newUser(realm.id, 'carol_1', { firstName: 'ÄRGER' }),
          newUser(realm.id, 'carol%2'),
          newUser(realm.id, 'Zed', { email: 'zed@example.com' }),
          newUser(realm.id, 'service-account-machine', { serviceAccountClientId: client.id }),
        ]) await store.users.insert(user);
        await store.users.insert(newUser((await realmIn(store)).id, 'alice'));
      });

      it('lists a realm\'s users by lower-cased username in code-point order, service accounts left out unless asked for', async () => {
        assert.deepEqual(names(await store.users.search(realm.id)), ['Alice', 'bob', 'carol%2', 'carol_1', 'Zed']);
        assert.deepEqual(names(await store.users.search(realm.id, { includeServiceAccounts: true })),
          ['Alice', 'bob', 'carol%2', 'carol_1', 'service-account-machine', 'Zed']);
        assert.equal(await store.users.count(realm.id), 5);
        assert.equal(await store.users.count(realm.id, { includeServiceAccounts: true }), 6);
      });

      it('matches a search pattern whole, ignoring case (Unicode too), * as the only wildcard', async () => {
        assert.deepEqual(names(await store.users.search(realm.id, { search: 'ALI*' })), ['Alice'], 'username');
        assert.deepEqual(names(await store.users.search(realm.id, { search: '*@example.com' })), ['Alice', 'Zed'], 'email');
        assert.deepEqual(names(await store.users.search(realm.id, { search: 'rob*' })), ['bob'], 'first name');
        assert.deepEqual(names(await store.users.search(realm.id, { search: 'ünter*' })), ['bob'], 'last name, Unicode folded');
        assert.deepEqual(names(await store.users.search(realm.id, { search: 'ärg*' })), ['carol_1']);
        assert.deepEqual(names(await store.users.search(realm.id, { search: 'carol_*' })), ['carol_1'], '_ is literal');
        assert.deepEqual(names(await store.users.search(realm.id, { search: 'carol%*' })), ['carol%2'], '% is literal');
        assert.deepEqual(names(await store.users.search(realm.id, { search: 'alice' })), ['Alice'], 'no wildcard: the whole value');
        assert.deepEqual(names(await store.users.search(realm.id, { search: 'alic' })), []);
        assert.equal(await store.users.count(realm.id, { search: 'carol*' }), 2);
      });

      it('filters by field, contained or exact, and by enabled', async () => {
        assert.deepEqual(names(await store.users.search(realm.id, { username: 'LIC' })), ['Alice']);
        assert.deepEqual(names(await store.users.search(realm.id, { username: 'lic', exact: true })), []);
        assert.deepEqual(names(await store.users.search(realm.id, { username: 'alice', exact: true })), ['Alice']);
        assert.deepEqual(names(await store.users.search(realm.id, { email: 'EXAMPLE' })), ['Alice', 'bob', 'Zed']);
        assert.deepEqual(names(await store.users.search(realm.id, { email: 'alice@example.com', exact: true })), ['Alice']);
        assert.deepEqual(names(await store.users.search(realm.id, { firstName: 'obe', lastName: 'berg' })), ['bob']);
        assert.deepEqual(names(await store.users.search(realm.id, { enabled: false })), ['bob']);
        assert.deepEqual(names(await store.users.search(realm.id, { username: 'carol_' })), ['carol_1']);
      });

      it('pages with first and max; first alone does not page', async () => {
        assert.deepEqual(names(await store.users.search(realm.id, { max: 2 })), ['Alice', 'bob']);
        assert.deepEqual(names(await store.users.search(realm.id, { first: 2, max: 2 })), ['carol%2', 'carol_1']);
        assert.deepEqual(names(await store.users.search(realm.id, { first: 4, max: 2 })), ['Zed']);
        assert.equal((await store.users.search(realm.id, { first: 2 })).length, 5);
        assert.equal(await store.users.count(realm.id, { first: 2, max: 1 }), 5, 'count ignores paging');
      });

      it('keeps the folded names in step with updates', async () => {
        const user = (await store.users.search(realm.id, { username: 'zed', exact: true }))[0];
        await store.users.update({ ...user, firstName: 'Ωmega' });
        assert.deepEqual(names(await store.users.search(realm.id, { search: 'ωME*' })), ['Zed']);
        await store.users.update({ ...user, firstName: null });
        assert.deepEqual(names(await store.users.search(realm.id, { search: 'ωme*' })), []);
      });

      it('a NUL character matches nothing, without an error', async () => {
        assert.deepEqual(await store.users.search(realm.id, { search: 'a\u0000*' }), []);
        assert.deepEqual(await store.users.search(realm.id, { username: '\u0000' }), []);
        assert.equal(await store.users.count('\u0000'), 0);
      });
    });

    describe('roles: by id, update, delete, revoke', () => {
      it('changes name and description; deleting takes its composites and grants with it', async () => {
        const realm = await realmIn(store);
        const [parent, child, other] = [newRole(realm.id, 'parent'), newRole(realm.id, 'child'), newRole(realm.id, 'other')];
        for (const r of [parent, child, other]) await store.roles.insert(r);
        await store.roles.addComposite(parent.id, child.id);
        const user = newUser(realm.id, 'u');
        await store.users.insert(user);
        await store.roles.grantToUser(user.id, child.id);
        await store.roles.grantToUser(user.id, other.id);
        const group = newGroup(realm.id, 'g');
        await store.groups.insert(group);
        await store.groups.grantRole(group.id, child.id);

        assert.deepEqual(await store.roles.getById(child.id), child);
        assert.equal(await store.roles.getById(randomUUID()), undefined);
        const renamed = { ...child, name: 'renamed', description: 'Ünïcode "desc"' };
        await store.roles.update(renamed);
        assert.deepEqual(await store.roles.getByName(realm.id, null, 'renamed'), renamed);
        assert.equal(await store.roles.getByName(realm.id, null, 'child'), undefined);
        await assert.rejects(store.roles.update({ ...other, name: 'parent' }), (err) => isUniqueViolation(err), 'names stay unique');

        await store.roles.revokeFromUser(user.id, other.id);
        await store.roles.revokeFromUser(user.id, other.id);
        assert.deepEqual(await store.roles.listUserRoleIds(user.id), [child.id]);

        await store.roles.delete(child.id);
        assert.equal(await store.roles.getById(child.id), undefined);
        assert.deepEqual(await store.roles.listComposites(realm.id), []);
        assert.deepEqual(await store.roles.listUserRoleIds(user.id), []);
        assert.deepEqual(await store.groups.listRoleIds(group.id), []);
        assert.ok(await store.roles.getById(parent.id));
      });
    });

    describe('groups', () => {
      it('round-trip; names unique among siblings only; found by name under a parent', async () => {
        const realm = await realmIn(store);
        const staff = newGroup(realm.id, 'Staff', null, { site: ['berlin', 'ünïcode'], 'x.y': [] });
        await store.groups.insert(staff);
        const team = newGroup(realm.id, 'team', staff.id);
        await store.groups.insert(team);
        assert.deepEqual(await store.groups.getById(realm.id, staff.id), staff);
        assert.deepEqual(await store.groups.getById(realm.id, team.id), team);
        assert.equal(await store.groups.getById(randomUUID(), staff.id), undefined, 'scoped to the realm');
        assert.deepEqual(await store.groups.getByName(realm.id, null, 'Staff'), staff);
        assert.deepEqual(await store.groups.getByName(realm.id, staff.id, 'team'), team);
        assert.equal(await store.groups.getByName(realm.id, null, 'team'), undefined, 'not a top-level group');
        assert.equal(await store.groups.getByName(realm.id, null, 'staff'), undefined, 'names are case-sensitive');

        await store.groups.insert(newGroup(realm.id, 'team'));
        await store.groups.insert(newGroup((await realmIn(store)).id, 'Staff'));
        await assert.rejects(store.groups.insert(newGroup(realm.id, 'team', staff.id)), (err) => isUniqueViolation(err));
        await assert.rejects(store.groups.insert(newGroup(realm.id, 'Staff')), (err) => isUniqueViolation(err));

        const renamed = { ...staff, name: 'Personnel', attributes: {} };
        await store.groups.update(renamed);
        assert.deepEqual(await store.groups.getById(realm.id, staff.id), renamed);
      });

      it('list top-level groups, children or all, by name in code-point order, with search and paging; count alike', async () => {
        const realm = await realmIn(store);
        const top = ['beta', 'Alpha', '_x', 'gamma'].map((n) => newGroup(realm.id, n));
        for (const g of top) await store.groups.insert(g);
        const kids = ['b-kid', 'A-kid'].map((n) => newGroup(realm.id, n, top[0].id));
        for (const g of kids) await store.groups.insert(g);
        const names = (gs: GroupRecord[]) => gs.map((g) => g.name);
        assert.deepEqual(names(await store.groups.list(realm.id, { parentId: null })), ['Alpha', '_x', 'beta', 'gamma']);
        assert.deepEqual(names(await store.groups.list(realm.id, { parentId: top[0].id })), ['A-kid', 'b-kid']);
        assert.deepEqual(names(await store.groups.list(realm.id)), ['A-kid', 'Alpha', '_x', 'b-kid', 'beta', 'gamma']);
        assert.deepEqual(names(await store.groups.list(realm.id, { search: 'KID' })), ['A-kid', 'b-kid'], 'search ignores case, any depth');
        assert.deepEqual(names(await store.groups.list(realm.id, { parentId: null, first: 1, max: 2 })), ['_x', 'beta']);
        assert.equal(await store.groups.count(realm.id), 6);
        assert.equal(await store.groups.count(realm.id, { parentId: null }), 4);
        assert.equal(await store.groups.count(realm.id, { parentId: top[0].id }), 2);
        assert.equal(await store.groups.count(realm.id, { search: 'a' }), 4);
        assert.deepEqual(await store.groups.list(realm.id, { search: '%' }), [], '% is literal');
        assert.deepEqual(await store.groups.list('\u0000'), []);
      });

      it('members and role grants (idempotent); a user\'s group roles include its groups\' parents\'', async () => {
        const realm = await realmIn(store);
        const [a, b, c] = ['a', 'b', 'c'].map((n) => newRole(realm.id, n));
        for (const r of [a, b, c]) await store.roles.insert(r);
        const root = newGroup(realm.id, 'root');
        const mid = newGroup(realm.id, 'mid', root.id);
        const leaf = newGroup(realm.id, 'leaf', mid.id);
        const side = newGroup(realm.id, 'side');
        for (const g of [root, mid, leaf, side]) await store.groups.insert(g);
        await store.groups.grantRole(root.id, a.id);
        await store.groups.grantRole(root.id, a.id);
        await store.groups.grantRole(leaf.id, b.id);
        await store.groups.grantRole(side.id, c.id);
        await store.groups.grantRole(side.id, a.id);
        assert.deepEqual((await store.groups.listRoleIds(side.id)).sort(), [a.id, c.id].sort());

        const [ann, ben] = [newUser(realm.id, 'Ann'), newUser(realm.id, 'ben')];
        for (const u of [ann, ben]) await store.users.insert(u);
        assert.deepEqual(await store.groups.listUserGroupRoleIds(ann.id), []);
        await store.groups.addMember(leaf.id, ann.id);
        await store.groups.addMember(leaf.id, ann.id);
        await store.groups.addMember(side.id, ann.id);
        await store.groups.addMember(leaf.id, ben.id);
        const sorted = (ids: string[]) => [...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
        assert.deepEqual(await store.groups.listUserGroupRoleIds(ann.id), sorted([a.id, b.id, c.id]), 'leaf, its parents, and side; once each');
        assert.deepEqual(await store.groups.listUserGroupRoleIds(ben.id), sorted([a.id, b.id]));
        assert.deepEqual((await store.groups.listByUser(ann.id)).map((g) => g.name), ['leaf', 'side']);
        assert.deepEqual((await store.groups.listMembers(leaf.id)).map((u) => u.username), ['Ann', 'ben']);
        assert.deepEqual((await store.groups.listMembers(leaf.id, { first: 1, max: 1 })).map((u) => u.username), ['ben']);

        await store.groups.revokeRole(root.id, a.id);
        assert.deepEqual(await store.groups.listUserGroupRoleIds(ben.id), [b.id]);
        await store.groups.removeMember(leaf.id, ann.id);
        await store.groups.removeMember(leaf.id, ann.id);
        assert.deepEqual((await store.groups.listByUser(ann.id)).map((g) => g.name), ['side']);
        assert.deepEqual(await store.groups.listUserGroupRoleIds(ann.id), sorted([a.id, c.id]));
      });

      it('deleting a group takes its subgroups, grants and memberships; deleting a user or realm takes theirs', async () => {
        const realm = await realmIn(store);
        const role = newRole(realm.id, 'r');
        await store.roles.insert(role);
        const root = newGroup(realm.id, 'root');
        const child = newGroup(realm.id, 'child', root.id);
        const grandchild = newGroup(realm.id, 'grandchild', child.id);
        const other = newGroup(realm.id, 'other');
        for (const g of [root, child, grandchild, other]) await store.groups.insert(g);
        await store.groups.grantRole(grandchild.id, role.id);
        const [u1, u2] = [newUser(realm.id, 'u1'), newUser(realm.id, 'u2')];
        for (const u of [u1, u2]) await store.users.insert(u);
        await store.groups.addMember(grandchild.id, u1.id);
        await store.groups.addMember(other.id, u1.id);
        await store.groups.addMember(other.id, u2.id);

        await store.groups.delete(root.id);
        for (const g of [root, child, grandchild]) assert.equal(await store.groups.getById(realm.id, g.id), undefined, g.name);
        assert.deepEqual(await store.groups.listRoleIds(grandchild.id), []);
        assert.deepEqual(await store.groups.listUserGroupRoleIds(u1.id), []);
        assert.deepEqual((await store.groups.listByUser(u1.id)).map((g) => g.name), ['other']);

        await store.users.delete(u1.id);
        assert.deepEqual((await store.groups.listMembers(other.id)).map((u) => u.username), ['u2']);

        await store.realms.delete(realm.id);
        assert.equal(await store.groups.getById(realm.id, other.id), undefined);
        assert.deepEqual(await store.groups.list(realm.id), []);
      });

      it('a group of a realm that does not exist is refused; a NUL in a name is refused before the database', async () => {
        await assert.rejects(store.groups.insert(newGroup(randomUUID(), 'orphan')));
        const realm = await realmIn(store);
        await assert.rejects(store.groups.insert(newGroup(realm.id, 'nul\u0000name')), { name: 'UnstorableValueError' });
        assert.equal(await store.groups.getByName(realm.id, null, 'nul\u0000name'), undefined);
      });
    });
  });
}
