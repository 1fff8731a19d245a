import type { ClientRuntime } from '../domain/clients.js';
import { ancestryPath } from '../domain/groups.js';
import { now } from '../domain/time.js';
import type { Domain } from '../domain/index.js';
import type { ProtocolMapperRecord, SessionRecord, UserRecord } from '../storage/store.js';
import { applyMappers, claimNames, needsGroups, type ClaimTarget, type MapperInput } from './mappers.js';
import { scopesOf } from './scopes.js';

export type { ClaimTarget } from './mappers.js';

/** The claims request parameter (OpenID Connect Core §5.5): claim name → null or { essential, value(s) }. */
export interface ClaimsRequest {
  userinfo?: Record<string, unknown>;
  id_token?: Record<string, unknown>;
}

/** The claims request as stored beside a code or a refresh token. */
export const storableClaims = (claims: ClaimsRequest | undefined): string | null => (claims ? JSON.stringify(claims) : null);
export const storedClaims = (json: string | null): ClaimsRequest | undefined => (json ? (JSON.parse(json) as ClaimsRequest) : undefined);

const namedIn = (claims: ClaimsRequest | undefined) =>
  new Set([...Object.keys(claims?.userinfo ?? {}), ...Object.keys(claims?.id_token ?? {})]);

/**
 * The client's optional scopes whose mappers write a claim the claims request names. Naming a
 * claim releases it whatever the scopes (Core §5.5), so where the user must consent, these are
 * asked for as the scopes are.
 */
export function scopesOfClaims(client: ClientRuntime, claims: ClaimsRequest | undefined): string[] {
  const named = namedIn(claims);
  if (named.size === 0) return [];
  return client.optionalScopes.filter((s) => s.protocolMappers.some((m) => claimNames(m).some((n) => named.has(n)))).map((s) => s.name);
}

/** What a token's mappers read, loaded once: the user's roles, and their groups only when a mapper asks. */
export async function mapperInput(domain: Domain, subject: {
  client: ClientRuntime; user: UserRecord; scopes: readonly string[]; session?: SessionRecord; acr?: string; clientAddress?: string;
}, mappers: readonly ProtocolMapperRecord[]): Promise<MapperInput> {
  const { client, user, session } = subject;
  const [roles, groups] = await Promise.all([
    tokenRoles(domain, client, user, subject.scopes),
    needsGroups(mappers) ? userGroups(domain, user) : undefined,
  ]);
  // Keycloak's session notes: the sign-in's time; a service account's session (made for each
  // token request) also notes the client and where the request came from.
  const notes: MapperInput['notes'] = session ? { AUTH_TIME: session.authTime } : {};
  if (!session && user.serviceAccountClientId) {
    Object.assign(notes, { AUTH_TIME: now(), client_id: client.record.clientId });
    if (subject.clientAddress) Object.assign(notes, { clientAddress: subject.clientAddress, clientHost: subject.clientAddress });
  }
  return { user, client: client.record, roles, groups, notes, acr: subject.acr };
}

/** The user's groups as the mappers read them: paths, and attributes from each group up. */
async function userGroups(domain: Domain, user: UserRecord): Promise<MapperInput['groups']> {
  return Promise.all((await domain.groups.ofUser(user.id)).map(async (group) => {
    const chain = await domain.groups.ancestry(group);
    return { path: ancestryPath(chain), attributes: chain.map((g) => g.attributes) };
  }));
}

/** The user's roles a token for the client may carry: all, unless the client's full scope is off. */
async function tokenRoles(domain: Domain, client: ClientRuntime, user: UserRecord, scopes: readonly string[]) {
  const roles = await domain.roles.effective(client.record.realmId, user.id);
  const s = client.record.settings;
  if (s.fullScopeAllowed !== false) return roles;
  const mapped = [...(s.scopeMappings ?? []), ...scopesOf(client, scopes).flatMap((scope) => scope.scopeMappings)];
  return domain.roles.inScope(client.record.realmId, roles, mapped, client.record.clientId);
}

/**
 * Claims asked for by name, released whatever the scope: the claims parameter overrides scope.
 * They come from the mappers of every scope the client may have.
 */
export function requestedClaims(client: ClientRuntime, input: MapperInput, asked: Record<string, unknown>, target: ClaimTarget): Record<string, unknown> {
  const all = [...client.defaultScopes, ...client.optionalScopes].flatMap((s) => s.protocolMappers);
  const { claims } = applyMappers([...all, ...client.record.settings.protocolMappers], target, input);
  return Object.fromEntries(Object.keys(asked).filter((name) => Object.hasOwn(claims, name)).map((name) => [name, claims[name]]));
}

/** A JWT's aud as a list: RFC 7519 allows one string or an array of them. */
export const audiencesOf = (aud: unknown): string[] =>
  (Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : typeof aud === 'string' ? [aud] : []);
