import { newId } from '../crypto/random.js';
import type { RoleRecord, Store, UserRecord } from '../storage/store.js';
import { Caches, TtlCache } from './cache.js';

/** A user's roles after composites are expanded, shaped as Keycloak puts them in tokens. */
export interface EffectiveRoles {
  realm: string[];
  /** By the client's clientId. */
  clients: Record<string, string[]>;
}

interface RoleIndex {
  byId: Map<string, RoleRecord>;
  children: Map<string, string[]>;
  clientIdOf: Map<string, string>;
}

const ROLES_TOPIC = 'roles';

export class RoleService {
  private readonly indexes = new TtlCache<RoleIndex>();
  /** Effective roles by user: every token carries them, and they change rarely. */
  private readonly users = new TtlCache<EffectiveRoles>();

  constructor(private readonly store: Store, private readonly caches: Caches = new Caches()) {
    // A realm's change of roles can change any user's effective roles.
    caches.on(ROLES_TOPIC, (realmId) => {
      this.indexes.invalidate(realmId);
      this.users.invalidate();
    });
  }

  private index(realmId: string): Promise<RoleIndex> {
    return this.indexes.get(realmId, async () => {
      const roles = await this.store.roles.listByRealm(realmId);
      const children = new Map<string, string[]>();
      for (const { parentId, childId } of await this.store.roles.listComposites(realmId)) {
        children.set(parentId, [...(children.get(parentId) ?? []), childId]);
      }
      const clientIdOf = new Map<string, string>();
      for (const uuid of new Set(roles.map((r) => r.clientId).filter((c): c is string => c !== null))) {
        const client = await this.store.clients.getById(uuid);
        if (client) clientIdOf.set(uuid, client.clientId);
      }
      return { byId: new Map(roles.map((r) => [r.id, r])), children, clientIdOf };
    });
  }

  effective(realmId: string, userId: string): Promise<EffectiveRoles> {
    return this.users.get(userId, () => this.expand(realmId, userId));
  }

  private async expand(realmId: string, userId: string): Promise<EffectiveRoles> {
    const index = await this.index(realmId);
    const seen = new Set<string>();
    // The user's own roles and those of the user's groups (and their parent groups).
    const [own, viaGroups] = await Promise.all([this.store.roles.listUserRoleIds(userId), this.store.groups.listUserGroupRoleIds(userId)]);
    const pending = [...own, ...viaGroups];
    while (pending.length > 0) {
      const id = pending.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      pending.push(...(index.children.get(id) ?? []));
    }
    const result: EffectiveRoles = { realm: [], clients: {} };
    for (const id of seen) {
      const role = index.byId.get(id);
      if (!role) continue;
      if (role.clientId === null) {
        result.realm.push(role.name);
      } else {
        const clientId = index.clientIdOf.get(role.clientId);
        if (clientId) (result.clients[clientId] ??= []).push(role.name);
      }
    }
    // In name order: the same roles make the same token, whatever order they were stored in.
    result.realm.sort();
    for (const names of Object.values(result.clients)) names.sort();
    return result;
  }

  /**
   * Keycloak's scope of a client whose full scope is off: of the user's roles, only those its
   * scope mappings (and their composites) name, and the client's own roles.
   */
  async inScope(realmId: string, roles: EffectiveRoles, scopeRoleIds: readonly string[], ownClientId: string): Promise<EffectiveRoles> {
    const index = await this.index(realmId);
    const allowed = new Set<string>();
    const seen = new Set<string>();
    const pending = [...scopeRoleIds];
    while (pending.length > 0) {
      const id = pending.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      pending.push(...(index.children.get(id) ?? []));
      const role = index.byId.get(id);
      if (role) allowed.add(`${role.clientId === null ? '' : index.clientIdOf.get(role.clientId)}\u0000${role.name}`);
    }
    const clients: Record<string, string[]> = {};
    for (const [clientId, names] of Object.entries(roles.clients)) {
      const kept = clientId === ownClientId ? names : names.filter((n) => allowed.has(`${clientId}\u0000${n}`));
      if (kept.length > 0) clients[clientId] = kept;
    }
    return { realm: roles.realm.filter((n) => allowed.has(`\u0000${n}`)), clients };
  }

  /**
   * Creates a role with the caller's transaction. Nothing here may use the
   * service's own store while a transaction is open: SQLite has one connection.
   */
  async create(store: Store, realmId: string, clientUuid: string | null, name: string, description: string | null = null): Promise<RoleRecord> {
    const role: RoleRecord = { id: newId(), realmId, clientId: clientUuid, name, description };
    await store.roles.insert(role);
    this.invalidate(realmId);
    return role;
  }

  /** After any change to a realm's roles, composites or role grants (or groups); in every process. */
  invalidate(realmId: string): void {
    this.caches.changed(ROLES_TOPIC, realmId);
  }

  // ---- the admin API: reads come fresh from the store; writes take the caller's
  // transaction, and the caller invalidates once it has committed.

  /** A realm's roles (clientUuid null) or a client's, by name. */
  async list(realmId: string, clientUuid: string | null): Promise<RoleRecord[]> {
    return (await this.store.roles.listByRealm(realmId))
      .filter((r) => r.clientId === clientUuid)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every role of a realm, realm and client roles alike. */
  listAll(realmId: string): Promise<RoleRecord[]> {
    return this.store.roles.listByRealm(realmId);
  }

  get(realmId: string, clientUuid: string | null, name: string): Promise<RoleRecord | undefined> {
    return this.store.roles.getByName(realmId, clientUuid, name);
  }

  async getById(realmId: string, id: string): Promise<RoleRecord | undefined> {
    const role = await this.store.roles.getById(id);
    return role?.realmId === realmId ? role : undefined;
  }

  /** Parent → child pairs of the realm's composite roles. */
  composites(realmId: string): Promise<Array<{ parentId: string; childId: string }>> {
    return this.store.roles.listComposites(realmId);
  }

  /** The ids of the realm's roles that have composites. */
  async compositeIds(realmId: string): Promise<Set<string>> {
    return new Set((await this.store.roles.listComposites(realmId)).map((c) => c.parentId));
  }

  update(tx: Store, role: RoleRecord): Promise<void> {
    return tx.roles.update(role);
  }

  delete(tx: Store, role: RoleRecord): Promise<void> {
    return tx.roles.delete(role.id);
  }

  /** The roles granted to the user directly (not through groups or composites). */
  userRoleIds(userId: string): Promise<string[]> {
    return this.store.roles.listUserRoleIds(userId);
  }

  grantToUser(tx: Store, userId: string, roleId: string): Promise<void> {
    return tx.roles.grantToUser(userId, roleId);
  }

  revokeFromUser(tx: Store, userId: string, roleId: string): Promise<void> {
    return tx.roles.revokeFromUser(userId, roleId);
  }

  /** The roles the role contains directly (its composites, not expanded further). */
  async childIds(realmId: string, roleId: string): Promise<string[]> {
    return (await this.store.roles.listComposites(realmId)).filter((c) => c.parentId === roleId).map((c) => c.childId);
  }

  addComposite(tx: Store, parentId: string, childId: string): Promise<void> {
    return tx.roles.addComposite(parentId, childId);
  }

  removeComposite(tx: Store, parentId: string, childId: string): Promise<void> {
    return tx.roles.removeComposite(parentId, childId);
  }

  /** The users granted the role directly. */
  holders(roleId: string, opts: { first?: number; max?: number } = {}): Promise<UserRecord[]> {
    return this.store.roles.listUsers(roleId, opts);
  }
}
