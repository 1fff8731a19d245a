import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Domain } from '../../domain/index.js';
import type { RealmRecord, RoleRecord, Store } from '../../storage/store.js';
import { notFound } from '../errors.js';
import { roleRep } from '../representations.js';
import { paramsWith, roleReferences } from './schemas.js';
import { clientOf, commit } from './common.js';

/** Who holds roles: a user or a group. */
export interface RoleHolder {
  realm: RealmRecord;
  /** Roles granted directly. */
  roleIds(): Promise<string[]>;
  /** Roles held otherwise, before composites are expanded (a user's groups' roles). */
  inheritedRoleIds(): Promise<string[]>;
  grant(tx: Store, roleId: string): Promise<void>;
  revoke(tx: Store, roleId: string): Promise<void>;
  /** After a change has committed; by default the realm's roles are read again. */
  changed?(): void;
}

type RoleReference = { id?: string; name?: string };

/**
 * Keycloak's role mappings of users and groups, under `base` (…/users/{id} or
 * …/groups/{id}): all of them, the realm's, and one client's; the composite (effective)
 * ones expand composite roles. The scope mappings of clients and client scopes are the same
 * routes under `scope-mappings`.
 */
export function roleMappingRoutes(app: FastifyInstance, domain: Domain, opts: {
  base: string; tags: string[]; holder: (request: FastifyRequest) => Promise<RoleHolder>; mappings?: 'role-mappings' | 'scope-mappings';
}): void {
  const { tags } = opts;
  const base = `${opts.base}/${opts.mappings ?? 'role-mappings'}`;
  const params = paramsWith('id');
  const clientParams = paramsWith('id', 'client');

  /** The holder's roles of one owner (null: realm roles), direct or (composite) effective, by name. */
  const rolesOf = async (holder: RoleHolder, owner: string | null, composite: boolean): Promise<RoleRecord[]> => {
    const all = await domain.roles.listAll(holder.realm.id);
    const byId = new Map(all.map((r) => [r.id, r]));
    let ids = await holder.roleIds();
    if (composite) {
      const children = new Map<string, string[]>();
      for (const { parentId, childId } of await domain.roles.composites(holder.realm.id)) {
        children.set(parentId, [...(children.get(parentId) ?? []), childId]);
      }
      const seen = new Set<string>();
      const pending = [...ids, ...(await holder.inheritedRoleIds())];
      while (pending.length > 0) {
        const id = pending.pop()!;
        if (seen.has(id)) continue;
        seen.add(id);
        pending.push(...(children.get(id) ?? []));
      }
      ids = [...seen];
    }
    return ids.map((id) => byId.get(id)).filter((r): r is RoleRecord => r !== undefined && r.clientId === owner)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  };

  /** The roles of one owner (null: realm roles) the holder is not granted directly, which may be granted. */
  const available = async (holder: RoleHolder, owner: string | null): Promise<RoleRecord[]> => {
    const direct = new Set(await holder.roleIds());
    return (await domain.roles.list(holder.realm.id, owner)).filter((r) => !direct.has(r.id));
  };

  const represent = async (realm: RealmRecord, roles: RoleRecord[]) => {
    const composites = await domain.roles.compositeIds(realm.id);
    return roles.map((r) => roleRep(r, composites.has(r.id)));
  };

  /** The roles a request body names, each of that owner; 404 naming the first that is not. */
  const resolve = async (realm: RealmRecord, owner: string | null, refs: RoleReference[]): Promise<RoleRecord[]> => {
    const roles: RoleRecord[] = [];
    for (const ref of refs) {
      const role = ref.id !== undefined ? await domain.roles.getById(realm.id, ref.id) : await domain.roles.get(realm.id, owner, ref.name!);
      if (!role || role.clientId !== owner) throw notFound(`Could not find role ${ref.name ?? ref.id}`);
      roles.push(role);
    }
    return roles;
  };

  const change = async (holder: RoleHolder, owner: string | null, refs: RoleReference[], grant: boolean) => {
    const roles = await resolve(holder.realm, owner, refs);
    await commit(domain, async (tx) => {
      for (const role of roles) await (grant ? holder.grant(tx, role.id) : holder.revoke(tx, role.id));
    }, () => (holder.changed ? holder.changed() : domain.roles.invalidate(holder.realm.id)));
  };

  const clientUuid = async (holder: RoleHolder, request: FastifyRequest) =>
    (await clientOf(domain, holder.realm, (request.params as { client: string }).client)).id;

  app.get(`${base}`, {
    schema: { tags, summary: 'The roles granted directly: the realm\'s, and each client\'s', params },
  }, async (request) => {
    const holder = await opts.holder(request);
    const all = await domain.roles.listAll(holder.realm.id);
    const byId = new Map(all.map((r) => [r.id, r]));
    const direct = (await holder.roleIds()).map((id) => byId.get(id)).filter((r): r is RoleRecord => r !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const composites = await domain.roles.compositeIds(holder.realm.id);
    const realmMappings = direct.filter((r) => r.clientId === null).map((r) => roleRep(r, composites.has(r.id)));
    const clientMappings: Record<string, { id: string; client: string; mappings: unknown[] }> = {};
    for (const role of direct.filter((r) => r.clientId !== null)) {
      const client = await domain.clients.get(holder.realm.id, role.clientId!);
      if (!client) continue;
      (clientMappings[client.clientId] ??= { id: client.id, client: client.clientId, mappings: [] })
        .mappings.push(roleRep(role, composites.has(role.id)));
    }
    return {
      ...(realmMappings.length > 0 ? { realmMappings } : {}),
      ...(Object.keys(clientMappings).length > 0 ? { clientMappings } : {}),
    };
  });

  app.get(`${base}/realm`, {
    schema: { tags, summary: 'The realm roles granted directly', params },
  }, async (request) => {
    const holder = await opts.holder(request);
    return represent(holder.realm, await rolesOf(holder, null, false));
  });

  app.get(`${base}/realm/composite`, {
    schema: { tags, summary: 'The realm roles held in effect: through groups and composite roles too', params },
  }, async (request) => {
    const holder = await opts.holder(request);
    return represent(holder.realm, await rolesOf(holder, null, true));
  });

  app.get(`${base}/realm/available`, {
    schema: { tags, summary: 'The realm roles that could be granted: those not granted directly', params },
  }, async (request) => {
    const holder = await opts.holder(request);
    return represent(holder.realm, await available(holder, null));
  });

  app.post(`${base}/realm`, {
    schema: { tags, summary: 'Grant realm roles', params, body: roleReferences },
  }, async (request, reply) => {
    await change(await opts.holder(request), null, request.body as RoleReference[], true);
    return reply.code(204).send();
  });

  app.delete(`${base}/realm`, {
    schema: { tags, summary: 'Revoke realm roles', params, body: roleReferences },
  }, async (request, reply) => {
    await change(await opts.holder(request), null, request.body as RoleReference[], false);
    return reply.code(204).send();
  });

  app.get(`${base}/clients/:client`, {
    schema: { tags, summary: 'The roles of a client (by its id) granted directly', params: clientParams },
  }, async (request) => {
    const holder = await opts.holder(request);
    return represent(holder.realm, await rolesOf(holder, await clientUuid(holder, request), false));
  });

  app.get(`${base}/clients/:client/composite`, {
    schema: { tags, summary: 'The roles of a client held in effect', params: clientParams },
  }, async (request) => {
    const holder = await opts.holder(request);
    return represent(holder.realm, await rolesOf(holder, await clientUuid(holder, request), true));
  });

  app.get(`${base}/clients/:client/available`, {
    schema: { tags, summary: 'The roles of a client that could be granted: those not granted directly', params: clientParams },
  }, async (request) => {
    const holder = await opts.holder(request);
    return represent(holder.realm, await available(holder, await clientUuid(holder, request)));
  });

  app.post(`${base}/clients/:client`, {
    schema: { tags, summary: 'Grant roles of a client', params: clientParams, body: roleReferences },
  }, async (request, reply) => {
    const holder = await opts.holder(request);
    await change(holder, await clientUuid(holder, request), request.body as RoleReference[], true);
    return reply.code(204).send();
  });

  app.delete(`${base}/clients/:client`, {
    schema: { tags, summary: 'Revoke roles of a client', params: clientParams, body: roleReferences },
  }, async (request, reply) => {
    const holder = await opts.holder(request);
    await change(holder, await clientUuid(holder, request), request.body as RoleReference[], false);
    return reply.code(204).send();
  });
}
