import { newId } from '../crypto/random.js';
import type { GroupRecord, RealmRecord, Store, UserRecord } from '../storage/store.js';
import { now } from './time.js';

/** Keycloak's group path: the names from the top, e.g. `/staff/berlin`. */
export const groupPath = (names: string[]): string => `/${names.join('/')}`;

/** The path of a group given with its ancestors (see GroupService.ancestry). */
export const ancestryPath = (chain: readonly GroupRecord[]): string => groupPath(chain.map((g) => g.name).reverse());

/** The names a group path holds, from the top; Keycloak takes it with or without the leading slash. */
export const pathNames = (path: string): string[] => path.split('/').filter(Boolean);

/**
 * Groups of users: a member holds the group's roles and its parent groups' (RoleService
 * expands them). Reads come fresh from the store; writes take the caller's transaction,
 * and the caller invalidates the roles it affects (RoleService.invalidate) once committed.
 */
export class GroupService {
  constructor(private readonly store: Store) {}

  /** Top-level groups (parentId null), a group's children, or every group of the realm (undefined). */
  list(realmId: string, opts: { parentId?: string | null; search?: string; first?: number; max?: number } = {}): Promise<GroupRecord[]> {
    return this.store.groups.list(realmId, opts);
  }

  count(realmId: string, opts: { parentId?: string | null; search?: string } = {}): Promise<number> {
    return this.store.groups.count(realmId, opts);
  }

  get(realmId: string, id: string): Promise<GroupRecord | undefined> {
    return this.store.groups.getById(realmId, id);
  }

  getByName(realmId: string, parentId: string | null, name: string): Promise<GroupRecord | undefined> {
    return this.store.groups.getByName(realmId, parentId, name);
  }

  /** The group's path (see groupPath). */
  async path(group: GroupRecord): Promise<string> {
    return ancestryPath(await this.ancestry(group));
  }

  /** The group, then its parent, and so on up to its top-level group. */
  async ancestry(group: GroupRecord): Promise<GroupRecord[]> {
    const chain = [group];
    const seen = new Set([group.id]);
    for (let parentId = group.parentId; parentId !== null && !seen.has(parentId);) {
      seen.add(parentId);
      const parent = await this.store.groups.getById(group.realmId, parentId);
      if (!parent) break;
      chain.push(parent);
      parentId = parent.parentId;
    }
    return chain;
  }

  /** The group a path names (`/staff/berlin`), or undefined. */
  async byPath(realmId: string, path: string, tx: Store = this.store): Promise<GroupRecord | undefined> {
    let group: GroupRecord | undefined;
    for (const name of pathNames(path)) {
      group = await tx.groups.getByName(realmId, group?.id ?? null, name);
      if (!group) return undefined;
    }
    return group;
  }

  async create(tx: Store, realm: RealmRecord,
    input: { id?: string; name: string; parentId?: string | null; attributes?: Record<string, string[]> }): Promise<GroupRecord> {
    const group: GroupRecord = {
      id: input.id ?? newId(), realmId: realm.id, parentId: input.parentId ?? null, name: input.name,
      attributes: input.attributes ?? {}, createdAt: now(),
    };
    await tx.groups.insert(group);
    return group;
  }

  update(tx: Store, group: GroupRecord): Promise<void> {
    return tx.groups.update(group);
  }

  /** Deletes the group with its subgroups, their role grants and memberships. */
  delete(tx: Store, group: GroupRecord): Promise<void> {
    return tx.groups.delete(group.id);
  }

  roleIds(groupId: string): Promise<string[]> {
    return this.store.groups.listRoleIds(groupId);
  }

  grantRole(tx: Store, groupId: string, roleId: string): Promise<void> {
    return tx.groups.grantRole(groupId, roleId);
  }

  revokeRole(tx: Store, groupId: string, roleId: string): Promise<void> {
    return tx.groups.revokeRole(groupId, roleId);
  }

  /** The groups granted the role directly. */
  withRole(roleId: string): Promise<GroupRecord[]> {
    return this.store.groups.listByRole(roleId);
  }

  /** The roles the user holds through groups: its groups' and their parents' (composites not expanded). */
  roleIdsOfUser(userId: string): Promise<string[]> {
    return this.store.groups.listUserGroupRoleIds(userId);
  }

  /** The groups the user is a direct member of. */
  ofUser(userId: string): Promise<GroupRecord[]> {
    return this.store.groups.listByUser(userId);
  }

  addMember(tx: Store, groupId: string, userId: string): Promise<void> {
    return tx.groups.addMember(groupId, userId);
  }

  removeMember(tx: Store, groupId: string, userId: string): Promise<void> {
    return tx.groups.removeMember(groupId, userId);
  }

  members(groupId: string, opts: { first?: number; max?: number } = {}): Promise<UserRecord[]> {
    return this.store.groups.listMembers(groupId, opts);
  }
}
