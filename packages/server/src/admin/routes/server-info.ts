import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { SIGNING_ALGS } from '../../storage/store.js';
import { MASTER_REALM } from '../../domain/bootstrap.js';
import { requireRealm, type AdminActor } from '../auth.js';
import { IDENTITY_PROVIDER_KINDS } from './identity-providers.js';
import { INSTALLATION_PROVIDERS } from './installation.js';
import type { AdminRouteOptions } from './common.js';

/**
 * What a realm's administrator may do there, in Keycloak's realm-management role names:
 * those whose resources Latchkey has. An administrator may do all of it (Latchkey has no
 * finer admin permissions).
 */
const REALM_PERMISSIONS = [
  'view-realm', 'manage-realm', 'view-users', 'manage-users', 'query-users', 'query-groups', 'view-clients', 'manage-clients',
  'query-clients', 'create-client', 'view-events', 'manage-events', 'view-identity-providers', 'manage-identity-providers',
];

const started = Date.now();

/** The theme the pages are in, and its languages. */
export interface ThemeInfo {
  name: string;
  locales: readonly string[];
}

/**
 * The admin console's helpers in Keycloak's shapes: `whoami` (who the token is for, and
 * what it may administer) and `serverinfo`, which says only what this server has.
 */
export const serverInfoRoutes: FastifyPluginAsync<AdminRouteOptions & { theme: ThemeInfo }> = async (app, { domain, theme }) => {
  const whoami = async (request: FastifyRequest) => {
    const actor = request.adminActor as AdminActor;
    const user = (await domain.users.get(actor.realmId, actor.userId))!;
    const realms = actor.scope === 'all-realms' ? (await domain.realms.list()).map((r) => r.name) : [actor.realm];
    const displayName = [user.firstName, user.lastName].filter(Boolean).join(' ') || user.username;
    return {
      userId: user.id,
      userName: user.username,
      realm: actor.realm,
      displayName,
      createRealm: actor.scope === 'all-realms',
      realm_access: Object.fromEntries(realms.map((name) => [name, REALM_PERMISSIONS])),
      temporary: false,
    };
  };
  const schema = {
    tags: ['Server'],
    summary: 'The administrator the token is for, and the realms it administers',
    querystring: { type: 'object', properties: { currentRealm: { type: 'string' } } },
  };
  app.get('/:realm/console/whoami', { schema }, whoami);
  // The console's /admin/master/console/* would take master's otherwise: the router prefers a static segment.
  app.get(`/${MASTER_REALM}/console/whoami`, { schema: { ...schema, hide: true } }, async (request) => {
    // The :realm route's check (plugin.ts), which a path without the parameter does not get.
    requireRealm(request.adminActor!, MASTER_REALM);
    return whoami(request);
  });

  app.get('/serverinfo', { schema: { tags: ['Server'], summary: 'What this server has: themes, providers, features' } }, async () => {
    const uptimeMillis = Date.now() - started;
    const providers = (names: string[]) => ({ providers: Object.fromEntries(names.map((n) => [n, {}])) });
    return {
      systemInfo: { serverTime: new Date().toString(), uptime: `${Math.floor(uptimeMillis / 1000)} seconds`, uptimeMillis },
      themes: { login: [{ name: theme.name, locales: theme.locales }] },
      identityProviders: Object.entries(IDENTITY_PROVIDER_KINDS).map(([id, name]) => ({ id, name })),
      providers: {
        'login-protocol': providers(['openid-connect']),
        'identity-provider': providers(Object.keys(IDENTITY_PROVIDER_KINDS)),
        'signature': providers([...SIGNING_ALGS]),
        'password-hashing': providers(['argon2', 'pbkdf2', 'pbkdf2-sha256', 'pbkdf2-sha512']),
        'protocol-mapper': providers(['oidc-usermodel-attribute-mapper', 'oidc-usermodel-property-mapper', 'oidc-audience-mapper']),
        'client-installation-provider': providers(INSTALLATION_PROVIDERS),
      },
      profileInfo: { name: 'community', disabledFeatures: [], previewFeatures: [], experimentalFeatures: [] },
      features: [
        { name: 'ACCOUNT_API', label: 'Account Management REST API', type: 'DEFAULT', enabled: true, dependencies: [] },
        { name: 'ADMIN_API', label: 'Admin API', type: 'DEFAULT', enabled: true, dependencies: [] },
        // Keycloak's admin console offers the client switch standard.token.exchange.enabled only with it.
        { name: 'TOKEN_EXCHANGE_STANDARD_V2', label: 'Standard Token Exchange version 2', type: 'DEFAULT', enabled: true, dependencies: [] },
      ],
    };
  });
};
