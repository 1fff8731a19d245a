import type { FastifyRequest } from 'fastify';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { OAuthError } from '../protocol/errors.js';

export type RealmParams = { realm: string };

/** The realm named in the path; 404 in JSON when there is none (as Keycloak answers). */
export async function realmOf(domain: Domain, request: FastifyRequest): Promise<RealmRuntime> {
  const name = (request.params as RealmParams).realm;
  const realm = await domain.realms.runtime(name);
  if (!realm || !realm.realm.enabled) throw new OAuthError('not_found', 'Realm does not exist', 404);
  return realm;
}
