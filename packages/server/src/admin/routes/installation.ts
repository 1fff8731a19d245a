import type { FastifyPluginAsync } from 'fastify';
import { now } from '../../domain/time.js';
import { notFound } from '../errors.js';
import { currentSecret } from '../representations.js';
import { clientOf, realmOf, type AdminRouteOptions } from './common.js';
import { paramsWith } from './schemas.js';

/** Keycloak's adapter config format for keycloak-js and keycloak-connect: the one installation provider Latchkey has. */
const KEYCLOAK_JSON = 'keycloak-oidc-keycloak-json';

export const installationRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { domain }) => {
  app.get('/realms/:realm/clients/:id/installation/providers/:providerId', {
    schema: {
      tags: ['Clients'],
      summary: `The client's adapter configuration; providerId ${KEYCLOAK_JSON} (keycloak.json) only`,
      params: paramsWith('id', 'providerId'),
    },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    const { id, providerId } = request.params as { id: string; providerId: string };
    const client = await clientOf(domain, realm, id);
    if (providerId !== KEYCLOAK_JSON) throw notFound(`Unknown installation provider ${providerId}`);
    const secret = client.publicClient ? undefined : currentSecret(await domain.clients.openSecrets(client.id), now())?.value;
    return {
      realm: realm.name,
      'auth-server-url': `${domain.realms.issuerBase}/`,
      'ssl-required': realm.settings.sslRequired ?? 'external',
      resource: client.clientId,
      ...(client.publicClient ? { 'public-client': true } : {}),
      ...(secret !== undefined ? { credentials: { secret } } : {}),
      'confidential-port': 0,
    };
  });
};
