import { newId } from '../crypto/random.js';
import type { RoleRecord, Store } from '../storage/store.js';
import { TtlCache } from './cache.js';

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

export class RoleService {
  private readonly indexes = new TtlCache<RoleIndex>(60_000);
  /** Effective roles by user: every token carries them, and they change rarely. */
  private readonly users = new TtlCache<EffectiveRoles>(60_000);

  constructor(private readonly store: Store) {}

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
    const pending = await this.store.roles.listUserRoleIds(userId);
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
    return result;
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

  /** After any change to a realm's roles, composites or role grants. */
  invalidate(realmId: string): void {
    this.indexes.invalidate(realmId);
    this.users.invalidate();
  }
}
