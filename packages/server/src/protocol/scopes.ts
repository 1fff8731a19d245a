import type { ClientRuntime } from '../domain/clients.js';
import { supportsOpenIdConnect } from '../domain/clients.js';
import { inTokenScope } from '../domain/client-scopes.js';
import type { ClientScopeRecord, ProtocolMapperRecord } from '../storage/store.js';
import { invalidScope } from './errors.js';

export const OPENID = 'openid';
export const OFFLINE_ACCESS = 'offline_access';

export function parseScope(scope: string | undefined): string[] {
  return scope ? [...new Set(scope.split(' ').filter(Boolean))] : [];
}

/**
 * What a client gets for a requested scope, as Keycloak decides it: its default
 * scopes always, its optional scopes when asked, `openid` when asked. Asking for
 * anything else is invalid_scope rather than silently dropped.
 */
export function grantedScopes(client: ClientRuntime, requested: string | undefined): string[] {
  const defaults = client.defaultScopes.map((s) => s.name);
  const optional = client.optionalScopes.map((s) => s.name);
  const asked = parseScope(requested);
  if (asked.includes(OPENID) && !supportsOpenIdConnect(client.record.settings)) {
    throw invalidScope('The client does not support OpenID Connect: the openid scope is not allowed');
  }
  const unknown = asked.filter((s) => s !== OPENID && !defaults.includes(s) && !optional.includes(s));
  if (unknown.length > 0) throw invalidScope(`Invalid scopes: ${unknown.join(' ')}`);
  return [...new Set([...(asked.includes(OPENID) ? [OPENID] : []), ...defaults, ...asked.filter((s) => optional.includes(s))])];
}

/** The client scopes granted names: the client's defaults and the optional ones among them. */
export function scopesOf(client: ClientRuntime, granted: readonly string[]): ClientScopeRecord[] {
  return [...client.defaultScopes, ...client.optionalScopes.filter((s) => granted.includes(s.name))];
}

/** The `scope` value shown in tokens: scopes that only switch on mappers are left out, as in Keycloak. */
export function scopeClaim(client: ClientRuntime, granted: readonly string[]): string {
  const hidden = new Set([...client.defaultScopes, ...client.optionalScopes].filter((s) => !inTokenScope(s)).map((s) => s.name));
  return granted.filter((s) => !hidden.has(s)).join(' ');
}

/** The mappers a token runs: those of its client scopes, then the client's own. */
export function tokenMappers(client: ClientRuntime, granted: readonly string[]): ProtocolMapperRecord[] {
  return [...scopesOf(client, granted).flatMap((s) => s.protocolMappers), ...client.record.settings.protocolMappers];
}
