import type { FastifyPluginAsync } from 'fastify';
import { clientPoliciesProblem, GLOBAL_PROFILES } from '../../protocol/client-policies.js';
import type { ClientPolicy, ClientProfile } from '../../storage/store.js';
import { badRequest } from '../errors.js';
import { realmOf, type AdminRouteOptions } from './common.js';
import { realmParams } from './schemas.js';

const tags = ['Client policies'];

const configuration = { type: 'object', additionalProperties: true } as const;
const named = { name: { type: 'string', minLength: 1, maxLength: 255 }, description: { type: 'string', maxLength: 1024 } } as const;
/** A list of JSON objects of one kind under `key`, as Keycloak's ClientPoliciesRepresentation and ClientProfilesRepresentation have them. */
const listBody = (description: string, key: string, item: Record<string, unknown>) => ({
  type: 'object', description,
  properties: { [key]: { type: 'array', maxItems: 100, items: { type: 'object', required: ['name'], properties: { ...named, ...item } } } },
});
const entries = (field: string) => ({ type: 'array', maxItems: 50, items: { type: 'object', required: [field], properties: { [field]: { type: 'string' }, configuration } } });
const policiesBody = listBody("Keycloak's ClientPoliciesRepresentation", 'policies', {
  enabled: { type: 'boolean' }, conditions: entries('condition'), profiles: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 255 } },
});
const profilesBody = listBody("Keycloak's ClientProfilesRepresentation (the realm's own profiles; globalProfiles are ignored)", 'profiles', {
  executors: entries('executor'),
});

/**
 * Keycloak's client policies of a realm (/admin/realms/{realm}/client-policies/...): the
 * policies, and the realm's own profiles beside the global ones (FAPI 2.0's), each replaced
 * whole by a PUT as Keycloak does.
 */
export const clientPolicyRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { domain }) => {
  app.get('/realms/:realm/client-policies/policies', {
    schema: {
      tags, summary: 'The realm\'s client policies; with include-global-policies=true, the global ones too (Latchkey has none)', params: realmParams,
      querystring: { type: 'object', properties: { 'include-global-policies': { type: 'boolean' } } },
    },
  }, async (request) => {
    const withGlobals = (request.query as { 'include-global-policies'?: boolean })['include-global-policies'] === true;
    return { policies: (await realmOf(domain, request)).settings.clientPolicies ?? [], ...(withGlobals ? { globalPolicies: [] } : {}) };
  });

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
