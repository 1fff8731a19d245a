import { newId } from '../crypto/random.js';
import type { ClientScopeRecord, ProtocolMapperRecord, RealmRecord, Store } from '../storage/store.js';
import { BUILT_IN_SCOPES } from './builtin-scopes.js';
import type { ClientService } from './clients.js';
import { now } from './time.js';

/** A client scope as given (a realm file, the admin API, the built-ins): ids are made where missing. */
export type NewClientScope = Omit<ClientScopeRecord, 'id' | 'realmId' | 'createdAt' | 'protocolMappers' | 'description' | 'scopeMappings'> & {
  id?: string;
  scopeMappings?: string[];
  description?: string | null;
  protocolMappers?: Array<Omit<ProtocolMapperRecord, 'id'> & { id?: string }>;
};

export const withMapperIds = (mappers: NewClientScope['protocolMappers'] = []): ProtocolMapperRecord[] =>
  mappers.map((m) => ({ ...m, id: m.id ?? newId(), config: { ...m.config } }));

export function clientScopeRecord(realmId: string, input: NewClientScope): ClientScopeRecord {
  return {
    id: input.id ?? newId(),
    realmId,
    name: input.name,
    description: input.description ?? null,
    protocol: input.protocol,
    attributes: { ...input.attributes },
    protocolMappers: withMapperIds(input.protocolMappers),
    scopeMappings: [...(input.scopeMappings ?? [])],
    createdAt: now(),
  };
}

/** Keycloak's built-in scopes for a new realm, with fresh ids. */
export const builtInScopes = (realmId: string): ClientScopeRecord[] => BUILT_IN_SCOPES.map((s) => clientScopeRecord(realmId, s));

/** Whether a scope's name goes into a token's `scope` claim (Keycloak's include.in.token.scope, default true). */
export const inTokenScope = (scope: Pick<ClientScopeRecord, 'attributes'>): boolean => scope.attributes['include.in.token.scope'] !== 'false';

/**
 * The realm's client scopes. Clients name their scopes, so a renamed or deleted scope is
 * renamed in or taken out of every client and the realm's defaults; any change drops the
 * client caches, which hold each client's scopes resolved.
 */
export class ClientScopeService {
  constructor(private readonly store: Store, private readonly clients: ClientService) {}

  list(realmId: string, tx: Store = this.store): Promise<ClientScopeRecord[]> {
    return tx.clientScopes.list(realmId);
  }

  get(realmId: string, id: string, tx: Store = this.store): Promise<ClientScopeRecord | undefined> {
    return tx.clientScopes.getById(realmId, id);
  }

  getByName(realmId: string, name: string, tx: Store = this.store): Promise<ClientScopeRecord | undefined> {
    return tx.clientScopes.getByName(realmId, name);
  }

  async create(tx: Store, realmId: string, input: NewClientScope): Promise<ClientScopeRecord> {
    const record = clientScopeRecord(realmId, input);
    await tx.clientScopes.insert(record);
    return record;
  }

  /** Saves the scope; a new name replaces the old one wherever clients and the realm name it. */
  async update(tx: Store, realm: RealmRecord, previous: ClientScopeRecord, scope: ClientScopeRecord): Promise<void> {
    await tx.clientScopes.update(scope);
    if (previous.name !== scope.name) await this.rename(tx, realm, previous.name, scope.name);
  }

  async delete(tx: Store, realm: RealmRecord, scope: ClientScopeRecord): Promise<void> {
    await tx.clientScopes.delete(scope.id);
    await this.rename(tx, realm, scope.name, undefined);
  }

  /** After a change has committed: every client's resolved scopes are read again. */
  invalidate(): void {
    this.clients.invalidateAll();
  }

  private async rename(tx: Store, realm: RealmRecord, from: string, to: string | undefined): Promise<void> {
    const swap = (names: string[]) => names.flatMap((n) => (n === from ? (to === undefined ? [] : [to]) : [n]));
    const s = realm.settings;
    if (s.defaultClientScopes.includes(from) || s.optionalClientScopes.includes(from)) {
      await tx.realms.update({ ...realm, settings: { ...s, defaultClientScopes: swap(s.defaultClientScopes), optionalClientScopes: swap(s.optionalClientScopes) } });
    }
    for (const client of await tx.clients.list(realm.id)) {
      const c = client.settings;
      if (!c.defaultScopes.includes(from) && !c.optionalScopes.includes(from)) continue;
      await tx.clients.update({ ...client, settings: { ...c, defaultScopes: swap(c.defaultScopes), optionalScopes: swap(c.optionalScopes) } });
    }
  }
}
