import type { FastifyPluginAsync } from 'fastify';
import { now } from '../../domain/time.js';
import type { ClientRecord, RealmRecord } from '../../storage/store.js';
import { notFound } from '../errors.js';
import { currentSecret } from '../representations.js';
import { clientOf, realmOf, type AdminRouteOptions } from './common.js';
import { paramsWith } from './schemas.js';

/** What each of Keycloak's OpenID Connect adapter formats is made from. */
interface AdapterConfig {
  realm: string;
  authServerUrl: string;
  resource: string;
  publicClient: boolean;
  /** Keycloak's: the client has roles of its own, which the adapter should read. */
  useResourceRoleMappings: boolean;
  sslRequired: string;
  secret?: string;
}

/** The WAR the JBoss formats name, which the user edits: Keycloak's placeholder. */
const DEPLOYMENT = 'WAR MODULE NAME.war';

const xml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// JBoss CLI's quoted string: a backslash escapes the quote and itself.
const cli = (value: string) => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** Keycloak's OpenID Connect installation providers: keycloak.json, the JBoss subsystem's XML and its CLI script. */
const PROVIDERS: Record<string, { type: 'json' | 'text'; render(c: AdapterConfig): unknown }> = {
  'keycloak-oidc-keycloak-json': {
    type: 'json',
    render: (c) => ({
      realm: c.realm,
      'auth-server-url': c.authServerUrl,
      'ssl-required': c.sslRequired,
      resource: c.resource,
      ...(c.publicClient ? { 'public-client': true } : {}),
      ...(c.useResourceRoleMappings ? { 'use-resource-role-mappings': true } : {}),
      ...(c.secret !== undefined ? { credentials: { secret: c.secret } } : {}),
      'confidential-port': 0,
    }),
  },
  'keycloak-oidc-jboss-subsystem': {
    type: 'text',
    render: (c) => [
      `<secure-deployment name="${xml(DEPLOYMENT)}">`,
      `    <realm>${xml(c.realm)}</realm>`,
      `    <auth-server-url>${xml(c.authServerUrl)}</auth-server-url>`,
      ...(c.publicClient ? ['    <public-client>true</public-client>'] : []),
      ...(c.useResourceRoleMappings ? ['    <use-resource-role-mappings>true</use-resource-role-mappings>'] : []),
      `    <ssl-required>${c.sslRequired.toUpperCase()}</ssl-required>`,
      `    <resource>${xml(c.resource)}</resource>`,
      ...(c.secret !== undefined ? [`    <credential name="secret">${xml(c.secret)}</credential>`] : []),
      '</secure-deployment>',
      '',
    ].join('\n'),
  },
  'keycloak-oidc-jboss-subsystem-cli': {
    type: 'text',
    render: (c) => [
      `/subsystem=keycloak/secure-deployment=${cli(DEPLOYMENT)}/:add( \\`,
      `    realm=${cli(c.realm)}, \\`,
      `    resource=${cli(c.resource)}, \\`,
      `    auth-server-url=${c.authServerUrl}, \\`,
      ...(c.publicClient ? ['    public-client=true, \\'] : []),
      ...(c.useResourceRoleMappings ? ['    use-resource-role-mappings=true, \\'] : []),
      `    ssl-required=${c.sslRequired.toUpperCase()})`,
      '',
      ...(c.secret !== undefined ? [`/subsystem=keycloak/secure-deployment=${cli(DEPLOYMENT)}/credential=secret:add(value=${cli(c.secret)})`] : []),
      '',
    ].join('\n'),
  },
};

/** The installation providers Latchkey has, for serverinfo. */
export const INSTALLATION_PROVIDERS = Object.keys(PROVIDERS);

export const installationRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { domain }) => {
  const adapterConfig = async (realm: RealmRecord, client: ClientRecord): Promise<AdapterConfig> => ({
    realm: realm.name,
    authServerUrl: `${domain.realms.issuerBase}/`,
    resource: client.clientId,
    publicClient: client.publicClient,
    useResourceRoleMappings: (await domain.roles.list(realm.id, client.id)).length > 0,
    sslRequired: realm.settings.sslRequired ?? 'external',
    secret: client.publicClient ? undefined : currentSecret(await domain.clients.openSecrets(client.id), now())?.value,
  });

  app.get('/realms/:realm/clients/:id/installation/providers/:providerId', {
    schema: {
      tags: ['Clients'],
      summary: `The client's adapter configuration in one of Keycloak's OpenID Connect formats: ${INSTALLATION_PROVIDERS.join(', ')}`,
      params: paramsWith('id', 'providerId'),
    },
  }, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const { id, providerId } = request.params as { id: string; providerId: string };
    const client = await clientOf(domain, realm, id);
    const provider = Object.hasOwn(PROVIDERS, providerId) ? PROVIDERS[providerId] : undefined;
    if (!provider) throw notFound(`Unknown installation provider ${providerId}`);
    const body = provider.render(await adapterConfig(realm, client));
    // It holds the client's secret.
    reply.header('cache-control', 'no-store');
    return provider.type === 'json' ? body : reply.type('text/plain; charset=utf-8').send(body);
  });
};
