import { issuedBeforeNotBefore } from '../access-tokens.js';
import { storedClaims } from '../claims.js';
import { invalidDpopProof } from '../dpop.js';
import { invalidGrant, invalidRequest, invalidScope, unauthorizedClient } from '../errors.js';
import { grantedScopes, parseScope } from '../scopes.js';
import { issueTokens } from '../tokens.js';
import type { GrantHandler } from './grant.js';
import { refreshTokenRules } from '../../domain/realms.js';
import { now } from '../../domain/time.js';
import type { RealmSettings } from '../../storage/store.js';

/**
 * How many refreshes one refresh token may make: unbounded unless the realm revokes refresh
 * tokens (Keycloak's revokeRefreshToken, Latchkey's default), then refreshTokenMaxReuse + 1.
 */
export function refreshTokenUses(settings: RealmSettings): number {
  const rules = refreshTokenRules(settings);
  return rules.revokeRefreshToken ? rules.refreshTokenMaxReuse + 1 : Infinity;
}

/**
 * RFC 6749 §6. Every use returns a new refresh token. When the realm revokes refresh tokens,
 * presenting one whose uses are spent, past the realm's short grace, revokes the whole family
 * and its session (RFC 9700 §4.14.2).
 */
export const refreshTokenGrant: GrantHandler = {
  type: 'refresh_token',

  allowed({ client }) {
    if (!client.record.settings.refreshTokens) throw unauthorizedClient('Refresh tokens are turned off for this client');
  },

  async handle({ domain, realm, client, params, notes, dpop }) {
    if (!params.refresh_token) throw invalidRequest('refresh_token is required');
    const stored = await domain.tokens.findRefresh(params.refresh_token);
    const record = client.client.record;
    if (!stored || stored.realmId !== realm.realm.id || stored.clientId !== record.id) {
      throw invalidGrant('Invalid refresh token');
    }
    if (notes) Object.assign(notes, { userId: stored.userId, sessionId: stored.sessionId }).details.refresh_token_id = stored.id;
    if (stored.revokedAt !== null) throw invalidGrant('Refresh token has been revoked');
    if (stored.expiresAt <= now()) throw invalidGrant('Refresh token expired');
    // RFC 9449 §5: a public client's refresh token is good only with a proof of the key it is bound to.
    if (stored.dpopJkt && dpop?.jkt !== stored.dpopJkt) {
      throw invalidDpopProof(dpop ? 'The DPoP proof\'s key is not the one the refresh token is bound to' : 'DPoP proof is missing: the refresh token is DPoP-bound');
    }
    // Keycloak's word for a token from before the realm's or the client's not-before (logout-all).
    if (issuedBeforeNotBefore(stored.createdAt, realm.realm.settings) || issuedBeforeNotBefore(stored.createdAt, record.settings)) {
      throw invalidGrant('Stale token');
    }
    const uses = refreshTokenUses(realm.realm.settings);
    if (uses !== Infinity && !(await domain.tokens.markUsed(stored.id, uses))) {
      // Spent: when it was not yet as we read it, a parallel refresh took its last use just now.
      const lastUse = stored.useCount >= uses && stored.usedAt !== null ? stored.usedAt : now();
      if (now() - lastUse >= refreshTokenRules(realm.realm.settings).refreshTokenReuseGrace) {
        await domain.tokens.revokeFamily(stored.familyId);
        await domain.sessions.end(stored.sessionId);
        throw invalidGrant('Maximum allowed refresh token reuse exceeded; its token family and session are revoked');
      }
    }
    const session = await domain.sessions.active(stored.sessionId);
    if (!session) throw invalidGrant('Session not active');
    const user = await domain.users.cached(realm.realm.id, stored.userId);
    if (!user || !user.enabled) throw invalidGrant('User is disabled or no longer exists');

    // RFC 6749 §6: a narrower scope may be asked for, never a wider one.
    const original = parseScope(stored.scope);
    const asked = parseScope(params.scope);
    const wider = asked.filter((s) => !original.includes(s));
    if (wider.length > 0) throw invalidScope(`Scopes not granted originally: ${wider.join(' ')}`);
    // As in Keycloak, the client's default scopes stay; a narrower request drops optional ones.
    const defaults = grantedScopes(client.client, undefined);
    const scopes = asked.length > 0 ? original.filter((s) => asked.includes(s) || defaults.includes(s)) : original;

    const touched = await domain.sessions.touch(realm.realm, session);
    const claims = storedClaims(stored.claims);
    return issueTokens(domain, {
      realm, client: client.client, user, scopes, session: touched, refresh: { familyId: stored.familyId, dpopJkt: stored.dpopJkt ?? undefined },
      dpopJkt: dpop?.jkt,
      userinfoClaims: claims?.userinfo, idToken: { claims, acr: stored.acr ?? undefined },
    });
  },
};
