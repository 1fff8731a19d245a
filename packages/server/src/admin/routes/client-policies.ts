import type { FastifyPluginAsync } from 'fastify';
import { clientPoliciesProblem, GLOBAL_PROFILES } from '../../protocol/client-policies.js';
import type { ClientPolicy, ClientProfile } from '../../storage/store.js';
import { badRequest } from '../errors.js';
import { realmOf, type AdminRouteOptions } from './common.js';
import { realmParams } from './schemas.js';

const tags = ['Client policies'];

const configuration = { type: 'object', additionalProperties: true } as const;
const policiesBody = {
  type: 'object',
  description: "Keycloak's ClientPoliciesRepresentation",
  properties: {
    policies: {
      type: 'array', maxItems: 100,
      items: {
        type: 'object', required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 255 }, description: { type: 'string', maxLength: 1024 }, enabled: { type: 'boolean' },
          conditions: { type: 'array', maxItems: 50, items: { type: 'object', required: ['condition'], properties: { condition: { type: 'string' }, configuration } } },
          profiles: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 255 } },
        },
      },
    },
  },
} as const;
const profilesBody = {
  type: 'object',
  description: "Keycloak's ClientProfilesRepresentation (the realm's own profiles; globalProfiles are ignored)",
  properties: {
    profiles: {
      type: 'array', maxItems: 100,
      items: {
        type: 'object', required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 255 }, description: { type: 'string', maxLength: 1024 },
          executors: { type: 'array', maxItems: 50, items: { type: 'object', required: ['executor'], properties: { executor: { type: 'string' }, configuration } } },
        },
      },
    },
    globalProfiles: { type: 'array' },
  },
} as const;

/**
 * Keycloak's client policies of a realm (/admin/realms/{realm}/client-policies/...): the
 * policies, and the realm's own profiles beside the global ones (FAPI 2.0's), each replaced
 * whole by a PUT as Keycloak does.
 */
export const clientPolicyRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { domain }) => {
  app.get('/realms/:realm/client-policies/policies', {
    schema: { tags, summary: 'The realm\'s client policies', params: realmParams },
  }, async (request) => ({ policies: (await realmOf(domain, request)).settings.clientPolicies ?? [] }));

  app.put('/realms/:realm/client-policies/policies', {
    schema: { tags, summary: 'Replace the realm\'s client policies', params: realmParams, body: policiesBody },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const policies = (request.body as { policies?: ClientPolicy[] }).policies ?? [];
    const problem = clientPoliciesProblem(policies, realm.settings.clientProfiles ?? []);
    if (problem) throw badRequest(problem);
    await domain.realms.update(realm.name, { ...realm, settings: { ...realm.settings, clientPolicies: policies } });
    return reply.code(204).send();
  });

  app.get('/realms/:realm/client-policies/profiles', {
    schema: {
      tags, summary: 'The realm\'s client profiles; with include-global-profiles=true, the global ones too', params: realmParams,
      querystring: { type: 'object', properties: { 'include-global-profiles': { type: 'boolean' } } },
    },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const withGlobals = (request.query as { 'include-global-profiles'?: boolean })['include-global-profiles'] === true;
    return { profiles: realm.settings.clientProfiles ?? [], ...(withGlobals ? { globalProfiles: GLOBAL_PROFILES } : {}) };
  });

  app.put('/realms/:realm/client-policies/profiles', {
    schema: { tags, summary: 'Replace the realm\'s own client profiles', params: realmParams, body: profilesBody },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const profiles = (request.body as { profiles?: ClientProfile[] }).profiles ?? [];
    const problem = clientPoliciesProblem(realm.settings.clientPolicies ?? [], profiles);
    if (problem) throw badRequest(problem);
    await domain.realms.update(realm.name, { ...realm, settings: { ...realm.settings, clientProfiles: profiles } });
    return reply.code(204).send();
  });
};
