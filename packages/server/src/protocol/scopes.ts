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

/**
 * What a token for a client and its granted scopes is made of: its client scopes, the mappers
 * they and the client run, its `scope` claim. Worked out once per client and set of scopes,
 * as every token needs it and clients change rarely.
 */
export interface TokenPlan {
  scopes: readonly ClientScopeRecord[];
  /** Those of its client scopes, then the client's own. */
  mappers: readonly ProtocolMapperRecord[];
  /** Scopes that only switch on mappers are left out, as in Keycloak. */
  scope: string;
}

/**
 * Plans by client runtime: a changed client or client scope is a new runtime (the client
 * cache drops it, here and in the other processes), so its plans go with it.
 */
const plans = new WeakMap<ClientRuntime, Map<string, TokenPlan>>();
/** The sets of scopes a client is asked for are few; a client asked for more is planned anew each time. */
const MAX_PLANS_PER_CLIENT = 64;

export function tokenPlan(client: ClientRuntime, granted: readonly string[]): TokenPlan {
  let byScopes = plans.get(client);
  if (!byScopes) plans.set(client, (byScopes = new Map()));
  const key = granted.join(' ');
  let plan = byScopes.get(key);
  if (!plan) {
    const scopes = [...client.defaultScopes, ...client.optionalScopes.filter((s) => granted.includes(s.name))];
    const hidden = new Set([...client.defaultScopes, ...client.optionalScopes].filter((s) => !inTokenScope(s)).map((s) => s.name));
    plan = {
      scopes,
      mappers: [...scopes.flatMap((s) => s.protocolMappers), ...client.record.settings.protocolMappers],
      scope: granted.filter((s) => !hidden.has(s)).join(' '),
    };
    if (byScopes.size < MAX_PLANS_PER_CLIENT) byScopes.set(key, plan);
  }
  return plan;
}

/** The client scopes granted names: the client's defaults and the optional ones among them. */
export const scopesOf = (client: ClientRuntime, granted: readonly string[]): readonly ClientScopeRecord[] => tokenPlan(client, granted).scopes;

/** The `scope` value shown in tokens. */
export const scopeClaim = (client: ClientRuntime, granted: readonly string[]): string => tokenPlan(client, granted).scope;

/** The mappers a token runs: those of its client scopes, then the client's own. */
export const tokenMappers = (client: ClientRuntime, granted: readonly string[]): readonly ProtocolMapperRecord[] => tokenPlan(client, granted).mappers;
