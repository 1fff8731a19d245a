import { supportsApiAccess } from '../../domain/clients.js';
import { SERVICE_ACCOUNT_PREFIX } from '../../domain/users.js';
import { invalidGrant, unauthorizedClient } from '../errors.js';
import { grantedScopes } from '../scopes.js';
import { issueTokens } from '../tokens.js';
import type { GrantHandler } from './grant.js';

/** RFC 6749 §4.4: the client acts as its own service-account user (seed 000). */
export const clientCredentialsGrant: GrantHandler = {
  type: 'client_credentials',

  allowed({ client }) {
    if (client.record.publicClient) throw unauthorizedClient('Public clients cannot use the client credentials grant');
    if (!client.record.settings.serviceAccounts) throw unauthorizedClient('Client is not enabled for service accounts');
    // A machine's token is only good for APIs (seed 001).
    if (!supportsApiAccess(client.record.settings)) throw unauthorizedClient('Client does not support API access');
  },

  async handle({ domain, realm, client, params, notes, address, dpop }) {
    const record = client.client.record;
    const scopes = grantedScopes(client.client, params.scope);
    const user = await domain.users.serviceAccountOf(record.id);
    const username = SERVICE_ACCOUNT_PREFIX + record.clientId;
    if (notes) Object.assign(notes, { userId: user?.id }).details.username = username;
    // Seed 000's API answers 500 here; a token request deserves a reason it can act on.
    if (!user) throw invalidGrant(`The service account user ${username} does not exist`);
    if (!user.enabled) throw invalidGrant(`The service account user ${user.username} is disabled`);
    return issueTokens(domain, { realm, client: client.client, user, scopes, clientAddress: address, dpopJkt: dpop?.jkt });
  },
};
