import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Domain } from '../../domain/index.js';
import {
  requiredActionOfRealm, requiredActionSetting, requiredActionsOfRealm, type RequiredActionProvider,
} from '../../domain/required-actions.js';
import type { RealmRecord, RequiredActionSetting } from '../../storage/store.js';
import { notFound } from '../errors.js';
import { paramsWith, realmParams } from './schemas.js';
import { realmOf, type AdminRouteOptions } from './common.js';

const tags = ['Required actions'];
const aliasParams = paramsWith('alias');

const requiredActionRepresentation = {
  type: 'object',
  properties: {
    alias: { type: 'string', maxLength: 255 },
    name: { type: 'string', maxLength: 255 },
    providerId: { type: 'string', maxLength: 255 },
    enabled: { type: 'boolean' },
    defaultAction: { type: 'boolean', description: 'Every new user is given it' },
    priority: { type: 'integer', minimum: -2147483648, maximum: 2147483647, description: 'The lower is asked first' },
    config: { type: 'object', additionalProperties: { type: 'string', maxLength: 2048 }, maxProperties: 32 },
  },
} as const;

/** The setting of a registered action as it stands (aliases and provider aside). */
const settingOf = ({ name, enabled, defaultAction, priority, config }: RequiredActionProvider): RequiredActionSetting =>
  ({ name, enabled, defaultAction, priority, config });

/**
 * Keycloak's authentication/required-actions: the required actions the realm has registered,
 * by Keycloak's aliases, each switched on or off, given to every new user or not, in the
 * order they are asked. The sign-in (domain/authentication) asks a user's actions by it.
 */
export const requiredActionRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { domain }) => {
  const base = '/realms/:realm/authentication/required-actions';

  /** The realm and the action the path names; 404 as Keycloak's for an alias it has not registered. */
  const actionOf = async (request: FastifyRequest): Promise<{ realm: RealmRecord; action: RequiredActionProvider }> => {
    const realm = await realmOf(domain, request);
    const action = requiredActionOfRealm(realm.settings, (request.params as { alias: string }).alias);
    if (!action) throw notFound('Failed to find required action');
    return { realm, action };
  };

  app.get(base, {
    schema: { tags, summary: 'The realm\'s required actions, by priority', params: realmParams },
  }, async (request) => requiredActionsOfRealm((await realmOf(domain, request)).settings));

  app.get('/realms/:realm/authentication/unregistered-required-actions', {
    schema: { tags, summary: 'Required actions the server has that the realm has not registered: none, every one is registered', params: realmParams },
  }, async (request) => {
    await realmOf(domain, request);
    return [];
  });

  app.get(`${base}/:alias`, {
    schema: { tags, summary: 'One required action', params: aliasParams },
  }, async (request) => (await actionOf(request)).action);

  app.put(`${base}/:alias`, {
    schema: {
      tags, summary: 'Change a required action: switched on or off, a default action, its priority (what is left out is off, priority 0, as Keycloak\'s)',
      params: aliasParams, body: requiredActionRepresentation,
    },
  }, async (request, reply) => {
    const { realm, action } = await actionOf(request);
    const rep = request.body as Partial<RequiredActionProvider>;
    await save(domain, realm, { [action.alias]: requiredActionSetting({ name: action.name, ...rep }) });
    return reply.code(204).send();
  });

  /** Swaps the action's priority with its neighbour's (before it, or after it), as Keycloak does; the first stays first, the last last. */
  const move = (by: -1 | 1) => async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const { realm, action } = await actionOf(request);
    const list = requiredActionsOfRealm(realm.settings);
    const neighbour = list[list.findIndex((a) => a.alias === action.alias) + by];
    if (neighbour) {
      await save(domain, realm, {
        [action.alias]: { ...settingOf(action), priority: neighbour.priority },
        [neighbour.alias]: { ...settingOf(neighbour), priority: action.priority },
      });
    }
    return reply.code(204).send();
  };
  app.post(`${base}/:alias/raise-priority`, {
    schema: { tags, summary: 'Ask the action before the one now before it', params: aliasParams },
  }, move(-1));
  app.post(`${base}/:alias/lower-priority`, {
    schema: { tags, summary: 'Ask the action after the one now after it', params: aliasParams },
  }, move(1));
};

async function save(domain: Domain, realm: RealmRecord, changes: Record<string, RequiredActionSetting>): Promise<void> {
  const requiredActions = { ...realm.settings.requiredActions, ...changes };
  await domain.realms.update(realm.name, { ...realm, settings: { ...realm.settings, requiredActions } });
}
