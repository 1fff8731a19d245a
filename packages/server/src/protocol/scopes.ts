import type { ClientRecord, RealmRecord } from '../storage/store.js';
import { supportsOpenIdConnect } from '../domain/clients.js';
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
export function grantedScopes(realm: RealmRecord, client: ClientRecord, requested: string | undefined): string[] {
  const defaults = client.settings.defaultScopes.length > 0 ? client.settings.defaultScopes : realm.settings.defaultClientScopes;
  const optional = client.settings.optionalScopes.length > 0 ? client.settings.optionalScopes : realm.settings.optionalClientScopes;
  const asked = parseScope(requested);
  if (asked.includes(OPENID) && !supportsOpenIdConnect(client.settings)) {
    throw invalidScope('The client does not support OpenID Connect: the openid scope is not allowed');
  }
  const unknown = asked.filter((s) => s !== OPENID && !defaults.includes(s) && !optional.includes(s));
  if (unknown.length > 0) throw invalidScope(`Invalid scopes: ${unknown.join(' ')}`);
  return [...new Set([...(asked.includes(OPENID) ? [OPENID] : []), ...defaults, ...asked.filter((s) => optional.includes(s))])];
}

/** The `scope` value shown in tokens: scopes that only switch on mappers are left out, as in Keycloak. */
export function scopeClaim(realm: RealmRecord, granted: string[]): string {
  return granted.filter((s) => !realm.settings.scopesNotInToken.includes(s)).join(' ');
}
