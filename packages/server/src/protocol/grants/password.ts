import { invalidGrant, invalidRequest, unauthorizedClient } from '../errors.js';
import { grantedScopes } from '../scopes.js';
import { issueTokens } from '../tokens.js';
import type { GrantHandler } from './grant.js';

/** RFC 6749 §4.3, for clients with Keycloak's direct access grants on (seed 002). */
export const passwordGrant: GrantHandler = {
  type: 'password',

  allowed({ client }) {
    if (!client.record.settings.directAccessGrants) throw unauthorizedClient('Client is not allowed direct access grants');
  },

  async handle({ domain, realm, client, params }) {
    if (!params.username || params.password === undefined) throw invalidRequest('username and password are required');
    const scopes = grantedScopes(realm.realm, client.client.record, params.scope);
    const check = await domain.users.checkPassword(realm.realm.id, params.username, params.password);
    if (!check.ok) throw invalidGrant(check.reason === 'disabled' ? 'Account disabled' : 'Invalid user credentials');
    const roles = await domain.roles.effective(realm.realm.id, check.user.id);
    // offline_access yields an offline session only for users holding that role, as in Keycloak.
    const offline = scopes.includes('offline_access') && roles.realm.includes('offline_access');
    const session = await domain.sessions.start(realm.realm, check.user.id, { offline });
    return (await issueTokens(domain, { realm, client: client.client, user: check.user, scopes, session, refresh: {} })).response;
  },
};
