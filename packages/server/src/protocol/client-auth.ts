import { ClientService } from '../domain/clients.js';
import type { ClientRuntime, Domain, RealmRuntime } from '../domain/index.js';
import { OAuthError, invalidRequest } from './errors.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];

export interface AuthenticatedClient {
  client: ClientRuntime;
  method: ClientAuthMethod;
}

export interface ClientCredentialsInput {
  authorization: string | undefined;
  params: Record<string, string | undefined>;
}

interface Presented {
  clientId: string;
  secret?: string;
  method: ClientAuthMethod;
}

function basicChallenge(realm: RealmRuntime) {
  return { 'www-authenticate': `Basic realm="${realm.realm.name}"` };
}

/** RFC 6749 §2.3.1: both parts are form-urlencoded inside the Basic credentials; undefined when malformed. */
function decodeBasic(header: string): { clientId: string; secret: string } | undefined {
  const encoded = header.slice(6).trim();
  if (!/^[A-Za-z0-9+/]+=*$/.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  try {
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function parseBasic(header: string, realm: RealmRuntime): { clientId: string; secret: string } {
  const basic = decodeBasic(header);
  if (!basic) throw new OAuthError('invalid_client', 'Malformed Basic authorization header', 401, basicChallenge(realm));
  return basic;
}

/**
 * The client a request names (Basic credentials, else client_id) and the secret it sent,
 * without checking either: for what must know the client before or whatever authentication
 * decides (events, CORS). Empty when the request names none or is malformed.
 */
export function claimedClient(authorization: string | undefined, params: Record<string, string | undefined>): { clientId?: string; secret?: string } {
  if (authorization && /^basic /i.test(authorization)) return decodeBasic(authorization) ?? {};
  return { clientId: params.client_id };
}

function presented(input: ClientCredentialsInput, realm: RealmRuntime): Presented | undefined {
  const { authorization, params } = input;
  const basic = authorization && /^basic /i.test(authorization) ? parseBasic(authorization, realm) : undefined;
  if (basic && params.client_secret !== undefined) {
    throw invalidRequest('The client used more than one authentication method');
  }
  if (basic) {
    if (params.client_id !== undefined && params.client_id !== basic.clientId) {
      throw invalidRequest('client_id does not match the authenticated client');
    }
    return { ...basic, method: 'client_secret_basic' };
  }
  if (params.client_id === undefined) return undefined;
  if (params.client_secret !== undefined) {
    return { clientId: params.client_id, secret: params.client_secret, method: 'client_secret_post' };
  }
  return { clientId: params.client_id, method: 'none' };
}

/**
 * Authenticates the client of a token, introspection or revocation request. `publicRefused`,
 * where only confidential clients may ask, is why a public client is refused: with the same
 * 401 and challenge as any other failed authentication (RFC 6749 §5.2).
 */
export async function authenticateClient(
  domain: Domain, realm: RealmRuntime, input: ClientCredentialsInput, opts: { publicRefused?: string } = {},
): Promise<AuthenticatedClient> {
  const given = presented(input, realm);
  const challenge = given?.method === 'client_secret_basic' || !given ? basicChallenge(realm) : {};
  const refuse = (description: string) => new OAuthError('invalid_client', description, 401, challenge);
  if (!given) throw refuse('Client authentication is required');
  const client = await domain.clients.runtime(realm.realm.id, given.clientId);
  if (!client) throw refuse('Invalid client or invalid client credentials');
  if (!client.record.enabled) throw refuse('Client is disabled');
  if (client.record.publicClient) {
    if (opts.publicRefused) throw refuse(opts.publicRefused);
    return { client, method: 'none' };
  }
  if (given.secret === undefined) throw refuse('Client secret is required for a confidential client');
  if (!ClientService.secretMatches(client, given.secret)) throw refuse('Invalid client or invalid client credentials');
  return { client, method: given.method };
}
