import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ProviderSettingsError, type Broker } from '../../broker/index.js';
import { checkSettings } from '../../broker/settings.js';
import type { NewIdentityProvider } from '../../domain/identity-providers.js';
import { newId } from '../../crypto/random.js';
import {
  ATTRIBUTE_MAPPER, claimMapperFromRep, mapperRep, MASKED_SECRET, providerFromRep, providerRep,
  type IdentityProviderMapperRep, type IdentityProviderRep,
} from '../../import/identity-providers.js';
import type { IdentityProviderRecord, RealmRecord } from '../../storage/store.js';
import { badRequest, conflict, notFound } from '../errors.js';
import {
  federatedIdentityRepresentation, identityProviderMapperRepresentation, identityProviderRepresentation, paging, paramsWith, realmParams,
} from './schemas.js';
import { commit, created, realmOf, slice, userOf, type AdminRouteOptions } from './common.js';

const tags = ['Identity providers'];
const base = '/realms/:realm/identity-provider';
const aliasParams = paramsWith('alias');
const mapperParams = paramsWith('alias', 'id');

/** Keycloak's description of the one mapper type Latchkey runs (GET …/mapper-types). */
const MAPPER_TYPES = {
  [ATTRIBUTE_MAPPER]: {
    id: ATTRIBUTE_MAPPER,
    name: 'Attribute Importer',
    category: 'Attribute Importer',
    helpText: 'Import declared claim if it exists in ID, access token or the claim set returned by the user profile endpoint into the specified user property or attribute.',
    properties: [
      { name: 'claim', label: 'Claim', helpText: 'Name of claim to search for in token. Dots reach into nested claims.', type: 'String' },
      { name: 'user.attribute', label: 'User Attribute Name', helpText: 'User attribute name to store claim. Use email, firstName, lastName and phoneNumber to set those user properties.', type: 'String' },
    ],
  },
};

const asBadRequest = <T>(work: () => T): T => {
  try {
    return work();
  } catch (err) {
    if (err instanceof ProviderSettingsError) throw badRequest(err.message);
    throw err;
  }
};

/**
 * Keycloak's identity provider endpoints: /admin/realms/{realm}/identity-provider/instances
 * (and their mappers), and the federated identities of users. A provider is checked when
 * saved: its own rules, and, when it is enabled, against the metadata fetched from it.
 */
/** The kinds of identity provider Latchkey has, by Keycloak's providerId, with Keycloak's names. */
export const IDENTITY_PROVIDER_KINDS: Record<string, string> = { oidc: 'OpenID Connect v1.0', 'keycloak-oidc': 'Keycloak OpenID Connect' };

export const identityProviderRoutes: FastifyPluginAsync<AdminRouteOptions & { broker: Broker }> = async (app, { domain, broker }) => {
  const afterWrite = (realm: RealmRecord) => () => {
    domain.identityProviders.invalidate(realm.id);
    broker.invalidate();
  };
  const aliasParam = (request: FastifyRequest) => (request.params as { alias: string }).alias;
  const represent = (p: IdentityProviderRecord) => providerRep(p, p.sealedClientSecret === null ? undefined : MASKED_SECRET);

  async function providerOf(realm: RealmRecord, alias: string): Promise<IdentityProviderRecord> {
    const provider = await domain.identityProviders.get(realm.id, alias);
    if (!provider) throw notFound('Could not find identity provider');
    return provider;
  }

  /** An enabled provider is only saved once its metadata shows the settings can work. */
  async function checked(input: NewIdentityProvider, current?: IdentityProviderRecord): Promise<NewIdentityProvider> {
    if (!input.enabled) return input;
    const secret = input.clientSecret === undefined ? (current && (await domain.identityProviders.secretOf(current))) : input.clientSecret ?? undefined;
    try {
      return { ...input, settings: { ...input.settings, endpoints: await broker.check(input.alias, input.settings, secret) } };
    } catch (err) {
      if (err instanceof ProviderSettingsError) throw badRequest(err.message);
      throw err;
    }
  }

  app.get(`${base}/instances`, {
    schema: {
      tags, summary: 'The realm\'s identity providers, by alias', params: realmParams,
      querystring: { type: 'object', properties: { search: { type: 'string' }, briefRepresentation: { type: 'boolean' }, realmOnly: { type: 'boolean' }, ...paging } },
    },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const q = request.query as { search?: string; first?: number; max?: number };
    const needle = q.search?.replace(/^\*|\*$/g, '').toLowerCase();
    const providers = (await domain.identityProviders.list(realm.id)).filter((p) => !needle || p.alias.toLowerCase().includes(needle));
    return slice(providers, q).map(represent);
  });

  app.post(`${base}/instances`, {
    schema: { tags, summary: 'Add an identity provider; when enabled, its metadata is fetched and checked first', params: realmParams, body: { ...identityProviderRepresentation, required: ['alias'] } },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const body = request.body as IdentityProviderRep;
    if (await domain.identityProviders.get(realm.id, body.alias)) throw conflict(`Identity provider ${body.alias} already exists`);
    const input = await checked(asBadRequest(() => providerFromRep(body)));
    await commit(domain, (tx) => domain.identityProviders.create(tx, realm, input), afterWrite(realm));
    return created(request, reply, input.alias);
  });

  app.get(`${base}/instances/:alias`, {
    schema: { tags, summary: 'The identity provider (its client secret masked)', params: aliasParams },
  }, async (request) => represent(await providerOf(await realmOf(domain, request), aliasParam(request))));

  app.put(`${base}/instances/:alias`, {
    schema: {
      tags, summary: 'Change the fields given; the others stay. A masked or missing clientSecret keeps the secret; a different alias renames it.',
      params: aliasParams, body: identityProviderRepresentation,
    },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const current = await providerOf(realm, aliasParam(request));
    const body = request.body as Partial<IdentityProviderRep>;
    const input = await checked(asBadRequest(() => providerFromRep({ ...body, alias: body.alias ?? current.alias }, { current })), current);
    if (input.alias !== current.alias && (await domain.identityProviders.get(realm.id, input.alias))) {
      throw conflict(`Identity provider ${input.alias} already exists`);
    }
    await commit(domain, (tx) => domain.identityProviders.update(tx, current, input), afterWrite(realm));
    return reply.code(204).send();
  });

  app.delete(`${base}/instances/:alias`, {
    schema: { tags, summary: 'Delete the identity provider and its users\' links to it', params: aliasParams },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const provider = await providerOf(realm, aliasParam(request));
    await commit(domain, (tx) => domain.identityProviders.delete(tx, provider), afterWrite(realm));
    return reply.code(204).send();
  });

  app.get(`${base}/providers/:providerId`, {
    schema: { tags, summary: 'A kind of identity provider: oidc (and keycloak-oidc) only', params: paramsWith('providerId') },
  }, async (request) => {
    const { providerId } = request.params as { providerId: string };
    const name = IDENTITY_PROVIDER_KINDS[providerId];
    if (!Object.hasOwn(IDENTITY_PROVIDER_KINDS, providerId)) throw notFound(`Identity provider kind ${providerId} is not supported`);
    return { id: providerId, name };
  });

  // ---- mappers: the provider's claim mappers in Keycloak's shape --------------------------

  /** Saves the provider with other mappers, checked as any change is. */
  async function saveMappers(realm: RealmRecord, provider: IdentityProviderRecord, mappers: IdentityProviderRecord['settings']['mappers']) {
    const settings = { ...provider.settings, mappers };
    asBadRequest(() => checkSettings(settings, provider.alias, provider.sealedClientSecret !== null || settings.clientAuthMethod === 'none'));
    await commit(domain, (tx) => domain.identityProviders.update(tx, provider, { alias: provider.alias, enabled: provider.enabled, settings }), afterWrite(realm));
  }

  app.get(`${base}/instances/:alias/mapper-types`, {
    schema: { tags, summary: 'The mapper types the provider can have', params: aliasParams },
  }, async (request) => {
    await providerOf(await realmOf(domain, request), aliasParam(request));
    return MAPPER_TYPES;
  });

  app.get(`${base}/instances/:alias/mappers`, {
    schema: { tags, summary: 'The provider\'s mappers', params: aliasParams },
  }, async (request) => {
    const provider = await providerOf(await realmOf(domain, request), aliasParam(request));
    return provider.settings.mappers.map((m) => mapperRep(provider.alias, m));
  });

  app.post(`${base}/instances/:alias/mappers`, {
    schema: { tags, summary: 'Add a mapper', params: aliasParams, body: { ...identityProviderMapperRepresentation, required: ['identityProviderMapper', 'config'] } },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const provider = await providerOf(realm, aliasParam(request));
    const mapper = claimMapper({ ...(request.body as IdentityProviderMapperRep), id: newId() });
    if (provider.settings.mappers.some((m) => m.name === mapper.name)) throw conflict(`A mapper named ${mapper.name} exists already`);
    await saveMappers(realm, provider, [...provider.settings.mappers, mapper]);
    return created(request, reply, mapper.id);
  });

  /** The one kind of mapper Latchkey runs; the schema lets no other through. */
  const claimMapper = (rep: IdentityProviderMapperRep) => {
    const mapper = asBadRequest(() => claimMapperFromRep(rep));
    if (!mapper) throw badRequest(`Only ${ATTRIBUTE_MAPPER} mappers are supported`);
    return mapper;
  };

  const mapperOf = (provider: IdentityProviderRecord, id: string) => {
    const mapper = provider.settings.mappers.find((m) => m.id === id);
    if (!mapper) throw notFound('Model not found');
    return mapper;
  };

  app.get(`${base}/instances/:alias/mappers/:id`, {
    schema: { tags, summary: 'A mapper', params: mapperParams },
  }, async (request) => {
    const provider = await providerOf(await realmOf(domain, request), aliasParam(request));
    return mapperRep(provider.alias, mapperOf(provider, (request.params as { id: string }).id));
  });

  app.put(`${base}/instances/:alias/mappers/:id`, {
    schema: { tags, summary: 'Change a mapper', params: mapperParams, body: identityProviderMapperRepresentation },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const provider = await providerOf(realm, aliasParam(request));
    const current = mapperOf(provider, (request.params as { id: string }).id);
    const body = request.body as IdentityProviderMapperRep;
    const next = claimMapper({
      identityProviderMapper: ATTRIBUTE_MAPPER, ...body, id: current.id, name: body.name ?? current.name,
      config: { claim: current.claim, 'user.attribute': current.userAttribute, ...body.config },
    });
    await saveMappers(realm, provider, provider.settings.mappers.map((m) => (m.id === current.id ? next : m)));
    return reply.code(204).send();
  });

  app.delete(`${base}/instances/:alias/mappers/:id`, {
    schema: { tags, summary: 'Delete a mapper', params: mapperParams },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const provider = await providerOf(realm, aliasParam(request));
    const current = mapperOf(provider, (request.params as { id: string }).id);
    await saveMappers(realm, provider, provider.settings.mappers.filter((m) => m.id !== current.id));
    return reply.code(204).send();
  });

  // ---- the federated identities of a user -------------------------------------------------

  const userTags = ['Users'];

  app.get('/realms/:realm/users/:id/federated-identity', {
    schema: { tags: userTags, summary: 'The user\'s accounts at identity providers', params: paramsWith('id') },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const user = await userOf(domain, realm, (request.params as { id: string }).id);
    return (await domain.identityProviders.links(user)).map((l) => ({ identityProvider: l.alias, userId: l.subject, userName: l.username }));
  });

  app.post('/realms/:realm/users/:id/federated-identity/:provider', {
    schema: { tags: userTags, summary: 'Link the user to an account at the provider', params: paramsWith('id', 'provider'), body: federatedIdentityRepresentation },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const { id, provider: alias } = request.params as { id: string; provider: string };
    const user = await userOf(domain, realm, id);
    const provider = await providerOf(realm, alias);
    const body = request.body as { userId: string; userName?: string };
    if ((await domain.identityProviders.links(user)).some((l) => l.providerId === provider.id)) throw conflict('User is already linked with provider');
    if (await domain.identityProviders.linkOf(provider, body.userId)) throw conflict('Another user is linked to that account at the provider');
    await commit(domain, (tx) => domain.identityProviders.link(tx, user, provider, body.userId, body.userName ?? body.userId), () => {});
    return reply.code(204).send();
  });

  app.delete('/realms/:realm/users/:id/federated-identity/:provider', {
    schema: { tags: userTags, summary: 'Unlink the user from the provider', params: paramsWith('id', 'provider') },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const { id, provider: alias } = request.params as { id: string; provider: string };
    const user = await userOf(domain, realm, id);
    const provider = await providerOf(realm, alias);
    if (!(await domain.identityProviders.links(user)).some((l) => l.providerId === provider.id)) throw notFound('Link not found');
    await commit(domain, (tx) => domain.identityProviders.unlink(tx, user, provider), () => {});
    return reply.code(204).send();
  });
};
