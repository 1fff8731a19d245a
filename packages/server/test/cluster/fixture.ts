// The realm the cluster tests sign in to, and the relying party's view of one node:
// openid-client configured with the shared issuer but one node's endpoints, as a load
// balancer would route a request to that node.
import * as client from 'openid-client';
import { ADMIN_PASSWORD, basic, postForm, type TestServer } from '../helpers/server.js';
import type { Cluster } from './helpers.js';

export const REALM = 'cluster';
export const RP = { clientId: 'rp', secret: 'rp-secret' };
export const MACHINE = { clientId: 'machine', secret: 'machine-secret' };

export function clusterRealm(redirectUri: string, users = 1): object {
  return {
    realm: REALM,
    enabled: true,
    clients: [
      {
        clientId: RP.clientId, publicClient: false, secret: RP.secret, standardFlowEnabled: true, directAccessGrantsEnabled: true,
        redirectUris: [redirectUri], attributes: { 'pkce.code.challenge.method': 'S256' },
      },
      { clientId: 'consenting', publicClient: false, secret: 'consenting-secret', standardFlowEnabled: true, consentRequired: true, redirectUris: [redirectUri] },
      { clientId: MACHINE.clientId, publicClient: false, secret: MACHINE.secret, serviceAccountsEnabled: true, standardFlowEnabled: false },
    ],
    users: Array.from({ length: users }, (_, i) => ({
      username: i === 0 ? 'alice' : `user${i}`, enabled: true, email: `${i === 0 ? 'alice' : `user${i}`}@example.com`, emailVerified: true,
      firstName: 'Test', lastName: `User ${i}`, credentials: [{ type: 'password', value: 'alice-pw' }],
    })),
  };
}

/** openid-client for `clientId` against one node: the issuer stays the shared one, every endpoint is that node's. */
export async function configFor(cluster: Cluster, node: TestServer, { clientId, secret } = RP): Promise<client.Configuration> {
  const res = await fetch(`${node.url}/realms/${REALM}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`discovery on ${node.url}: ${res.status}`);
  const metadata: client.ServerMetadata = { ...JSON.parse((await res.text()).replaceAll(cluster.publicUrl, node.url)), issuer: cluster.issuer(REALM) };
  const config = new client.Configuration(metadata, clientId, secret, client.ClientSecretBasic(secret));
  client.allowInsecureRequests(config);
  return config;
}

export const tokenUrl = (node: TestServer, realm = REALM) => `${node.url}/realms/${realm}/protocol/openid-connect/token`;

export const clientCredentials = (node: TestServer, secret: string) =>
  postForm(tokenUrl(node), { grant_type: 'client_credentials' }, { authorization: basic(MACHINE.clientId, secret) });

/** An access token for the master realm's administrator, from `node`. */
export async function adminToken(node: TestServer): Promise<string> {
  const res = await postForm(tokenUrl(node, 'master'), { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: ADMIN_PASSWORD });
  if (res.status !== 200) throw new Error(`admin sign-in on ${node.url}: ${res.status} ${res.text}`);
  return res.json.access_token;
}

/** A call to the admin API of `node` under the realm; throws unless it succeeds. */
export async function admin(node: TestServer, token: string, method: string, path: string, body?: unknown): Promise<{ json: any; location?: string }> {
  const res = await fetch(`${node.url}/admin/realms/${REALM}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} on ${node.url}: ${res.status} ${text}`);
  return { json: text ? JSON.parse(text) : undefined, location: res.headers.get('location') ?? undefined };
}

export { client };
