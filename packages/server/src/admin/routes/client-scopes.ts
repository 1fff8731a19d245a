import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { newId, randomToken } from '../../crypto/random.js';
import { now } from '../../domain/time.js';
import { clientScopeRep, mapperRecords, type ClientScopeRep, type MapperRep } from '../../import/keycloak.js';
import { OAuthError } from '../../protocol/errors.js';
import { isKnownMapper, OIDC_PROTOCOL, sectorIdentifier } from '../../protocol/mappers.js';
import { grantedScopes, scopesOf } from '../../protocol/scopes.js';
import { accessTokenClaims, idTokenClaims, userinfoClaims } from '../../protocol/tokens.js';
import type { ClientRecord, ClientScopeRecord, ProtocolMapperRecord, RealmRecord, SessionRecord, Store } from '../../storage/store.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { withoutNulls } from '../representations.js';
import { clientOf, commit, created, realmOf, userOf, type AdminRouteOptions } from './common.js';
import { clientScopeRepresentation, paramsWith, protocolMapperRepresentation, realmParams } from './schemas.js';
import { roleMappingRoutes, type RoleHolder } from './role-mappings.js';

const tags = ['Client scopes'];
const scopeParams = paramsWith('id');
const mapperParams = paramsWith('id', 'mapperId');
const evaluateQuery = {
  type: 'object',
  properties: {
    scope: { type: 'string', description: 'The scope parameter, as a client would send it' },
    userId: { type: 'string', minLength: 1, description: 'The user the example is for' },
  },
} as const;

/** Keycloak's brief form of a scope in the lists of defaults: id and name. */
const brief = (s: ClientScopeRecord) => ({ id: s.id, name: s.name });

/**
 * Checks a mapper as Keycloak's admin API does: an OpenID Connect mapper type Latchkey does
 * not know is 400 naming it, and a pairwise mapper gets its salt and needs one sector.
 */
export function checkedMapper(m: ProtocolMapperRecord, client?: Pick<ClientRecord, 'settings'>): ProtocolMapperRecord {
  if (!isKnownMapper(m)) throw badRequest(`Invalid field protocolMapper: unknown protocol mapper type ${m.protocolMapper}`);
  if (m.protocolMapper !== 'oidc-sha256-pairwise-sub-mapper') return m;
  if (client && !sectorIdentifier(client, m.config)) {
    throw badRequest('Invalid field config.sectorIdentifierUri: without it, the client\'s redirect URIs must all have one host');
  }
  return { ...m, config: { ...m.config, pairwiseSubHashSalt: m.config.pairwiseSubHashSalt || randomToken() } };
}

/** The mappers of a client or a client scope, with Keycloak's routes for them under `base`. */
interface MapperContainer {
  mappers: ProtocolMapperRecord[];
  client?: ClientRecord;
  save(tx: Store, mappers: ProtocolMapperRecord[]): Promise<void>;
  invalidate(): void;
}

export const clientScopeRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { domain }) => {
  const scopeOf = async (realm: RealmRecord, id: string) => {
    const scope = await domain.clientScopes.get(realm.id, id);
    if (!scope) throw notFound('Could not find client scope');
    return scope;
  };
  const idParam = (request: FastifyRequest) => (request.params as { id: string }).id;
  const afterScopes = () => domain.clientScopes.invalidate();

  // ---- client scopes -----------------------------------------------------------------

  app.get('/realms/:realm/client-scopes', {
    schema: { tags, summary: 'The realm\'s client scopes with their mappers', params: realmParams },
  }, async (request) => (await domain.clientScopes.list((await realmOf(domain, request)).id)).map(clientScopeRep));

  app.post('/realms/:realm/client-scopes', {
    schema: { tags, summary: 'Create a client scope', params: realmParams, body: { ...clientScopeRepresentation, required: ['name'] } },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const body = withoutNulls(request.body as ClientScopeRep);
    if (await domain.clientScopes.getByName(realm.id, body.name)) throw conflict(`Client Scope ${body.name} already exists`);
    if (body.id && await domain.clientScopes.get(realm.id, body.id)) throw conflict(`Client Scope with id ${body.id} already exists`);
    const mappers = mapperRecords(body.protocolMappers).map((m) => checkedMapper(m));
    const scope = await commit(domain, (tx) => domain.clientScopes.create(tx, realm.id, {
      id: body.id, name: body.name, description: body.description ?? null, protocol: body.protocol ?? OIDC_PROTOCOL,
      attributes: stringsOf(body.attributes), protocolMappers: mappers,
    }), afterScopes);
    return created(request, reply, scope.id);
  });

  app.get('/realms/:realm/client-scopes/:id', {
    schema: { tags, summary: 'The client scope', params: scopeParams },
  }, async (request) => clientScopeRep(await scopeOf(await realmOf(domain, request), idParam(request))));

  app.put('/realms/:realm/client-scopes/:id', {
    schema: { tags, summary: 'Change the fields given (attributes replace the stored ones, as in Keycloak)', params: scopeParams, body: clientScopeRepresentation },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const current = await scopeOf(realm, idParam(request));
    const body = withoutNulls(request.body as ClientScopeRep);
    const name = body.name ?? current.name;
    if (name !== current.name && await domain.clientScopes.getByName(realm.id, name)) throw conflict(`Client Scope ${name} already exists`);
    const next: ClientScopeRecord = {
      ...current,
      name,
      description: body.description !== undefined ? body.description : current.description,
      protocol: body.protocol ?? current.protocol,
      attributes: body.attributes ? stringsOf(body.attributes) : current.attributes,
      protocolMappers: body.protocolMappers ? mapperRecords(body.protocolMappers).map((m) => checkedMapper(m)) : current.protocolMappers,
    };
    await commit(domain, (tx) => domain.clientScopes.update(tx, realm, current, next), afterScopes);
    return reply.code(204).send();
  });

  app.delete('/realms/:realm/client-scopes/:id', {
    schema: { tags, summary: 'Delete the client scope; clients and the realm\'s defaults no longer name it', params: scopeParams },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const scope = await scopeOf(realm, idParam(request));
    await commit(domain, (tx) => domain.clientScopes.delete(tx, realm, scope), () => {
      afterScopes();
      domain.realms.invalidate(realm.name);
    });
    return reply.code(204).send();
  });

  // ---- the realm's defaults for new clients ------------------------------------------

  for (const [path, kind] of [['default-default-client-scopes', 'defaultClientScopes'], ['default-optional-client-scopes', 'optionalClientScopes']] as const) {
    const other = kind === 'defaultClientScopes' ? 'optionalClientScopes' : 'defaultClientScopes';
    const what = kind === 'defaultClientScopes' ? 'default' : 'optional';
    app.get(`/realms/:realm/${path}`, {
      schema: { tags, summary: `The client scopes a new client gets as ${what} scopes`, params: realmParams },
    }, async (request) => {
      const realm = await realmOf(domain, request);
      const scopes = await domain.clientScopes.list(realm.id);
      return realm.settings[kind].flatMap((name) => scopes.filter((s) => s.name === name).map(brief));
    });
    app.put(`/realms/:realm/${path}/:id`, {
      schema: { tags, summary: `Make the client scope one new clients get as a ${what} scope`, params: scopeParams },
    }, async (request, reply) => {
      const realm = await realmOf(domain, request);
      const scope = await scopeOf(realm, idParam(request));
      const s = realm.settings;
      const settings = { ...s, [other]: s[other].filter((n) => n !== scope.name), [kind]: [...s[kind].filter((n) => n !== scope.name), scope.name] };
      await domain.realms.update(realm.name, { ...realm, settings });
      return reply.code(204).send();
    });
    app.delete(`/realms/:realm/${path}/:id`, {
      schema: { tags, summary: `New clients no longer get the client scope as a ${what} scope`, params: scopeParams },
    }, async (request, reply) => {
      const realm = await realmOf(domain, request);
      const scope = await scopeOf(realm, idParam(request));
      await domain.realms.update(realm.name, { ...realm, settings: { ...realm.settings, [kind]: realm.settings[kind].filter((n) => n !== scope.name) } });
      return reply.code(204).send();
    });
  }

  // ---- a client's default and optional scopes ----------------------------------------

  for (const [path, kind] of [['default-client-scopes', 'defaultScopes'], ['optional-client-scopes', 'optionalScopes']] as const) {
    const other = kind === 'defaultScopes' ? 'optionalScopes' : 'defaultScopes';
    const what = kind === 'defaultScopes' ? 'default' : 'optional';
    app.get(`/realms/:realm/clients/:id/${path}`, {
      schema: { tags, summary: `The client's ${what} client scopes`, params: paramsWith('id') },
    }, async (request) => {
      const realm = await realmOf(domain, request);
      const client = await clientOf(domain, realm, idParam(request));
      const scopes = await domain.clientScopes.list(realm.id);
      return client.settings[kind].flatMap((name) => scopes.filter((s) => s.name === name).map(brief));
    });
    app.put(`/realms/:realm/clients/:id/${path}/:scopeId`, {
      schema: { tags, summary: `Give the client the client scope as a ${what} scope`, params: paramsWith('id', 'scopeId') },
    }, async (request, reply) => {
      const realm = await realmOf(domain, request);
      const client = await clientOf(domain, realm, idParam(request));
      const scope = await scopeOf(realm, (request.params as { scopeId: string }).scopeId);
      if (client.settings[other].includes(scope.name)) throw conflict(`Client scope ${scope.name} is already the client's ${kind === 'defaultScopes' ? 'optional' : 'default'} scope`);
      if (!client.settings[kind].includes(scope.name)) {
        const settings = { ...client.settings, [kind]: [...client.settings[kind], scope.name] };
        await commit(domain, (tx) => domain.clients.update(tx, { ...client, settings }), () => domain.clients.invalidate(realm.id, client.clientId));
      }
      return reply.code(204).send();
    });
    app.delete(`/realms/:realm/clients/:id/${path}/:scopeId`, {
      schema: { tags, summary: `Take the ${what} client scope from the client`, params: paramsWith('id', 'scopeId') },
    }, async (request, reply) => {
      const realm = await realmOf(domain, request);
      const client = await clientOf(domain, realm, idParam(request));
      const scope = await scopeOf(realm, (request.params as { scopeId: string }).scopeId);
      const settings = { ...client.settings, [kind]: client.settings[kind].filter((n) => n !== scope.name) };
      await commit(domain, (tx) => domain.clients.update(tx, { ...client, settings }), () => domain.clients.invalidate(realm.id, client.clientId));
      return reply.code(204).send();
    });
  }

  // ---- protocol mappers of client scopes and of clients --------------------------------

  const mapperRoutes = (base: string, load: (request: FastifyRequest) => Promise<MapperContainer>) => {
    const mapperOf = (container: MapperContainer, id: string) => {
      const mapper = container.mappers.find((m) => m.id === id);
      if (!mapper) throw notFound('Model not found');
      return mapper;
    };
    const add = async (container: MapperContainer, reps: MapperRep[]) => {
      const added = mapperRecords(reps).map((m) => checkedMapper(m, container.client));
      const names = new Set(container.mappers.map((m) => m.name));
      for (const m of added) {
        if (names.has(m.name)) throw conflict(`Protocol mapper exists with same name: ${m.name}`);
        if (container.mappers.some((x) => x.id === m.id)) throw conflict(`Protocol mapper exists with same id: ${m.id}`);
        names.add(m.name);
      }
      await commit(domain, (tx) => container.save(tx, [...container.mappers, ...added]), container.invalidate);
      return added;
    };

    app.get(`${base}/protocol-mappers/models`, {
      schema: { tags, summary: 'The protocol mappers', params: scopeParams },
    }, async (request) => (await load(request)).mappers);

    app.post(`${base}/protocol-mappers/models`, {
      schema: { tags, summary: 'Add a protocol mapper', params: scopeParams, body: { ...protocolMapperRepresentation, required: ['name', 'protocol', 'protocolMapper'] } },
    }, async (request, reply) => {
      const [mapper] = await add(await load(request), [request.body as MapperRep]);
      return created(request, reply, mapper.id);
    });

    app.post(`${base}/protocol-mappers/add-models`, {
      schema: {
        tags, summary: 'Add several protocol mappers at once', params: scopeParams,
        body: { type: 'array', items: { ...protocolMapperRepresentation, required: ['name', 'protocol', 'protocolMapper'] } },
      },
    }, async (request, reply) => {
      await add(await load(request), request.body as MapperRep[]);
      return reply.code(204).send();
    });

    app.get(`${base}/protocol-mappers/models/:mapperId`, {
      schema: { tags, summary: 'A protocol mapper', params: mapperParams },
    }, async (request) => mapperOf(await load(request), (request.params as { mapperId: string }).mapperId));

    app.get(`${base}/protocol-mappers/protocol/:protocol`, {
      schema: { tags, summary: 'The protocol mappers of one protocol', params: paramsWith('id', 'protocol') },
    }, async (request) => (await load(request)).mappers.filter((m) => m.protocol === (request.params as { protocol: string }).protocol));

    app.put(`${base}/protocol-mappers/models/:mapperId`, {
      schema: { tags, summary: 'Change a protocol mapper', params: mapperParams, body: protocolMapperRepresentation },
    }, async (request, reply) => {
      const container = await load(request);
      const current = mapperOf(container, (request.params as { mapperId: string }).mapperId);
      const body = request.body as MapperRep;
      const next = checkedMapper({
        ...current,
        name: body.name ?? current.name,
        protocolMapper: body.protocolMapper ?? current.protocolMapper,
        ...(body.consentRequired !== undefined ? { consentRequired: body.consentRequired } : {}),
        config: body.config ? mapperRecords([{ config: body.config }])[0].config : current.config,
      }, container.client);
      if (next.name !== current.name && container.mappers.some((m) => m.name === next.name)) throw conflict(`Protocol mapper exists with same name: ${next.name}`);
      await commit(domain, (tx) => container.save(tx, container.mappers.map((m) => (m.id === current.id ? next : m))), container.invalidate);
      return reply.code(204).send();
    });

    app.delete(`${base}/protocol-mappers/models/:mapperId`, {
      schema: { tags, summary: 'Delete a protocol mapper', params: mapperParams },
    }, async (request, reply) => {
      const container = await load(request);
      const current = mapperOf(container, (request.params as { mapperId: string }).mapperId);
      await commit(domain, (tx) => container.save(tx, container.mappers.filter((m) => m.id !== current.id)), container.invalidate);
      return reply.code(204).send();
    });
  };

  mapperRoutes('/realms/:realm/client-scopes/:id', async (request) => {
    const realm = await realmOf(domain, request);
    const scope = await scopeOf(realm, idParam(request));
    return {
      mappers: scope.protocolMappers,
      save: (tx, protocolMappers) => domain.clientScopes.update(tx, realm, scope, { ...scope, protocolMappers }),
      invalidate: afterScopes,
    };
  });

  mapperRoutes('/realms/:realm/clients/:id', async (request) => {
    const realm = await realmOf(domain, request);
    const client = await clientOf(domain, realm, idParam(request));
    return {
      mappers: client.settings.protocolMappers,
      client,
      save: (tx, protocolMappers) => domain.clients.update(tx, { ...client, settings: { ...client.settings, protocolMappers } }),
      invalidate: () => domain.clients.invalidate(realm.id, client.clientId),
    };
  });

  // ---- scope mappings: the roles a client whose full scope is off may put in its tokens --

  roleMappingRoutes(app, domain, {
    base: '/realms/:realm/client-scopes/:id', tags, mappings: 'scope-mappings',
    holder: async (request): Promise<RoleHolder> => {
      const realm = await realmOf(domain, request);
      const { id } = await scopeOf(realm, idParam(request));
      const change = async (tx: Store, roleId: string, add: boolean) => {
        const scope = (await domain.clientScopes.get(realm.id, id, tx))!;
        const scopeMappings = [...scope.scopeMappings.filter((r) => r !== roleId), ...(add ? [roleId] : [])];
        await domain.clientScopes.update(tx, realm, scope, { ...scope, scopeMappings });
      };
      return {
        realm,
        roleIds: async () => (await scopeOf(realm, id)).scopeMappings,
        inheritedRoleIds: async () => [],
        grant: (tx, roleId) => change(tx, roleId, true),
        revoke: (tx, roleId) => change(tx, roleId, false),
        changed: afterScopes,
      };
    },
  });

  roleMappingRoutes(app, domain, {
    base: '/realms/:realm/clients/:id', tags, mappings: 'scope-mappings',
    holder: async (request): Promise<RoleHolder> => {
      const realm = await realmOf(domain, request);
      const { id, clientId } = await clientOf(domain, realm, idParam(request));
      const change = async (tx: Store, roleId: string, add: boolean) => {
        const client = (await tx.clients.getById(id))!;
        const scopeMappings = [...(client.settings.scopeMappings ?? []).filter((r) => r !== roleId), ...(add ? [roleId] : [])];
        await domain.clients.update(tx, { ...client, settings: { ...client.settings, scopeMappings } });
      };
      return {
        realm,
        roleIds: async () => (await clientOf(domain, realm, id)).settings.scopeMappings ?? [],
        inheritedRoleIds: async () => [],
        grant: (tx, roleId) => change(tx, roleId, true),
        revoke: (tx, roleId) => change(tx, roleId, false),
        changed: () => domain.clients.invalidate(realm.id, clientId),
      };
    },
  });

  // ---- evaluate-scopes: what a user would get, by the code that issues tokens ----------

  /** The client, the scopes a request with `scope` would be granted, and the user, as the token endpoint has them. */
  const evaluation = async (request: FastifyRequest, needsUser: boolean) => {
    const realm = await realmOf(domain, request);
    const record = await clientOf(domain, realm, idParam(request));
    const [runtime, client] = await Promise.all([domain.realms.runtime(realm.name), domain.clients.runtime(realm.id, record.clientId)]);
    if (!runtime || !client) throw notFound('Could not find client');
    const q = request.query as { scope?: string; userId?: string };
    let scopes: string[];
    try {
      scopes = grantedScopes(client, q.scope);
    } catch (err) {
      if (err instanceof OAuthError) throw badRequest(`Invalid query parameter scope: ${err.description}`);
      throw err;
    }
    if (!needsUser) return { realm: runtime, client, scopes };
    if (!q.userId) throw badRequest('Missing query parameter: userId');
    const user = await userOf(domain, realm, q.userId);
    // An example has no sign-in behind it: a session made up for it, never stored, as Keycloak's.
    const at = now();
    const session: SessionRecord = {
      id: newId(), realmId: realm.id, userId: user.id, offline: false, authTime: at, createdAt: at, lastSeenAt: at,
      expiresAt: at + runtime.realm.settings.ssoSessionIdleTimeout, maxExpiresAt: at + runtime.realm.settings.ssoSessionMaxLifespan,
    };
    return { realm: runtime, client, scopes, user, session };
  };
  const evaluate = `/realms/:realm/clients/:id/evaluate-scopes`;
  const evaluateSchema = (summary: string) => ({ schema: { tags, summary, params: scopeParams, querystring: evaluateQuery } });

  app.get(`${evaluate}/protocol-mappers`, evaluateSchema('The protocol mappers a request with this scope runs, and where each comes from'),
    async (request) => {
      const { client, scopes } = await evaluation(request, false);
      const of = (m: ProtocolMapperRecord, containerId: string, containerName: string, containerType: string) =>
        ({ mapperId: m.id, mapperName: m.name, containerId, containerName, containerType, protocolMapper: m.protocolMapper });
      return [
        ...scopesOf(client, scopes).flatMap((s) => s.protocolMappers.map((m) => of(m, s.id, s.name, 'client-scope'))),
        ...client.record.settings.protocolMappers.map((m) => of(m, client.record.id, client.record.clientId, 'client')),
      ];
    });

  app.get(`${evaluate}/generate-example-access-token`, evaluateSchema('The access token\'s claims the user would get'), async (request) => {
    const { realm, client, scopes, user, session } = (await evaluation(request, true)) as Required<Awaited<ReturnType<typeof evaluation>>>;
    return accessTokenClaims(domain, { realm, client, user, scopes, session }, { iat: now(), jti: newId() });
  });

  app.get(`${evaluate}/generate-example-id-token`, evaluateSchema('The ID token\'s claims the user would get'), async (request) => {
    const { realm, client, scopes, user, session } = (await evaluation(request, true)) as Required<Awaited<ReturnType<typeof evaluation>>>;
    return idTokenClaims(domain, { realm, client, user, scopes, session }, {}, now());
  });

  app.get(`${evaluate}/generate-example-userinfo`, evaluateSchema('What userinfo would answer for the user'), async (request) => {
    const { client, scopes, user, session } = (await evaluation(request, true)) as Required<Awaited<ReturnType<typeof evaluation>>>;
    return userinfoClaims(domain, client, user, scopes, undefined, session);
  });
};

/** Attributes as kept: strings only (a null, which removes one elsewhere, is left out). */
const stringsOf = (attributes: Record<string, string | undefined> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(attributes ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
