import * as client from 'openid-client';
import type { TestServer } from './server.js';

/** An openid-client configuration for a realm client, as a relying party would set it up. */
export async function rp(server: TestServer, realm: string, clientId: string, secret?: string): Promise<client.Configuration> {
  const auth = secret === undefined ? client.None() : client.ClientSecretBasic(secret);
  // The issuer names localhost; the server listens on 127.0.0.1, which localhost reaches.
  return client.discovery(new URL(server.issuer(realm)), clientId, secret, auth, {
    execute: [client.allowInsecureRequests],
  });
}

/** The payload of a JWT, unverified: tests check what the server put in it. */
export function claimsOf(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

export function headerOf(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8'));
}

export { client };
