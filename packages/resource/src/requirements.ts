import { TokenError } from './errors.js';
import type { VerifiedToken } from './verifier.js';

export interface Requirements {
  /** Every one of these must appear in the token's space-separated `scope` claim. */
  scopes?: readonly string[];
  /**
   * Every one of these roles must be granted. `reader` is a realm role (`realm_access.roles`);
   * `clientId:role` is a client role (`resource_access.<clientId>.roles`). The split is at the last
   * colon, so client ids that are URLs work, and realm role names cannot contain a colon.
   */
  roles?: readonly string[];
}

export function grantedScopes(claims: VerifiedToken): Set<string> {
  return new Set(typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : []);
}

export function hasRole(claims: VerifiedToken, role: string): boolean {
  const colon = role.lastIndexOf(':');
  const roles =
    colon === -1
      ? claims.realm_access?.roles
      : claims.resource_access?.[role.slice(0, colon)]?.roles;
  return Array.isArray(roles) && roles.includes(colon === -1 ? role : role.slice(colon + 1));
}

/** Throws an `insufficient` {@link TokenError} unless the claims meet every requirement. */
export function checkRequirements(claims: VerifiedToken, requirements: Requirements): void {
  const scopes = requirements.scopes ?? [];
  const granted = grantedScopes(claims);
  const missingScopes = scopes.filter((scope) => !granted.has(scope));
  if (missingScopes.length > 0) {
    throw new TokenError('insufficient', `The access token lacks the required scope(s): ${missingScopes.join(' ')}`, scopes);
  }
  const missingRoles = (requirements.roles ?? []).filter((role) => !hasRole(claims, role));
  if (missingRoles.length > 0) {
    throw new TokenError('insufficient', `The access token lacks the required role(s): ${missingRoles.join(' ')}`, scopes);
  }
}
