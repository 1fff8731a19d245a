import { newId } from '../crypto/random.js';
import { TtlCache } from './cache.js';
export class RoleService {
    store;
    indexes = new TtlCache(60_000);
    constructor(store) {
        this.store = store;
    }
    index(realmId) {
        return this.indexes.get(realmId, async () => {
            const roles = await this.store.roles.listByRealm(realmId);
            const children = new Map();
            for (const { parentId, childId } of await this.store.roles.listComposites(realmId)) {
                children.set(parentId, [...(children.get(parentId) ?? []), childId]);
            }
            const clientIdOf = new Map();
            for (const uuid of new Set(roles.map((r) => r.clientId).filter((c) => c !== null))) {
                const client = await this.store.clients.getById(uuid);
                if (client)
                    clientIdOf.set(uuid, client.clientId);
            }
            return { byId: new Map(roles.map((r) => [r.id, r])), children, clientIdOf };
        });
    }
    async effective(realmId, userId) {
        const index = await this.index(realmId);
        const seen = new Set();
        const pending = await this.store.roles.listUserRoleIds(userId);
        while (pending.length > 0) {
            const id = pending.pop();
            if (seen.has(id))
                continue;
            seen.add(id);
            pending.push(...(index.children.get(id) ?? []));
        }
        const result = { realm: [], clients: {} };
        for (const id of seen) {
            const role = index.byId.get(id);
            if (!role)
                continue;
            if (role.clientId === null) {
                result.realm.push(role.name);
            }
            else {
                const clientId = index.clientIdOf.get(role.clientId);
                if (clientId)
                    (result.clients[clientId] ??= []).push(role.name);
            }
        }
        return result;
    }
    /**
     * Creates a role with the caller's transaction. Nothing here may use the
     * service's own store while a transaction is open: SQLite has one connection.
     */
    async create(store, realmId, clientUuid, name, description = null) {
        const role = { id: newId(), realmId, clientId: clientUuid, name, description };
        await store.roles.insert(role);
        this.indexes.invalidate(realmId);
        return role;
    }
    invalidate(realmId) {
        this.indexes.invalidate(realmId);
    }
}
