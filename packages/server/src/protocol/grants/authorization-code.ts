import { createHash } from 'node:crypto';
import { newId, secretsEqual } from '../../crypto/random.js';
import { now } from '../../domain/time.js';
import { storedClaims } from '../claims.js';
import { invalidDpopProof } from '../dpop.js';
import { invalidGrant, invalidRequest, unauthorizedClient } from '../errors.js';
import { OFFLINE_ACCESS, parseScope } from '../scopes.js';
import { issueTokens, lifespanOf } from '../tokens.js';
import type { SessionRecord, UserRecord } from '../../storage/store.js';
import type { GrantHandler, GrantRequest } from './grant.js';

/** RFC 7636 §4.6. */
function verifierMatches(method: string, challenge: string, verifier: string): boolean {
  const derived = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return secretsEqual(derived, challenge);
}

/**
 * The session a grant out of a browser's sign-in issues its tokens in. As Keycloak: offline_access,
 * for a user holding that role, makes the refresh token an offline one, in a session of its own
 * that outlives the browser's (and its logout).
 */
export async function grantSession(
  { domain, realm, client, notes }: Pick<GrantRequest, 'domain' | 'realm' | 'client' | 'notes'>, user: UserRecord, scopes: string[], sso: SessionRecord,
): Promise<SessionRecord> {
  if (!scopes.includes(OFFLINE_ACCESS) || !client.client.record.settings.refreshTokens
    || !(await domain.roles.effective(realm.realm.id, user.id)).realm.includes(OFFLINE_ACCESS)) return sso;
  const session = await domain.sessions.start(realm.realm, user.id, { offline: true, authTime: sso.authTime, amr: sso.amr });
  if (notes) notes.sessionId = session.id;
  return session;
}

/** RFC 6749 §4.1.3: a code from the authorization endpoint, for the client and redirect URI it was issued to. */
export const authorizationCodeGrant: GrantHandler = {
  type: 'authorization_code',

  allowed({ client }) {
    if (!client.record.settings.standardFlow) throw unauthorizedClient('Client is not allowed the authorization code flow');
  },

  async handle({ domain, realm, client, params, notes, dpop }) {
    if (!params.code) throw invalidRequest('Missing parameter: code');
    const record = client.client.record;
    const code = await domain.codes.find(params.code);
    if (!code) throw invalidGrant('Invalid authorization code');
    // Checked before the code is used: another client presenting it must not burn it.
    if (code.realmId !== realm.realm.id || code.clientId !== record.id) throw invalidGrant('The code was issued to another client');
    if (notes) Object.assign(notes, { userId: code.userId, sessionId: code.sessionId }).details.redirect_uri = code.redirectUri;
    // RFC 9449 §10: the authorization request named the key the code's tokens are for; whoever
    // holds the code without that key must not burn it either.
    if (code.dpopJkt) {
      if (!dpop) throw invalidDpopProof('DPoP proof is missing: the authorization request named a DPoP key (dpop_jkt)');
      if (dpop.jkt !== code.dpopJkt) throw invalidDpopProof('The DPoP proof\'s key is not the one the authorization request named (dpop_jkt)');
    }

    const planned = { familyId: newId(), jti: newId(), jtiExpiresAt: now() + lifespanOf({ realm, client: client.client }) };
    if (!(await domain.codes.use(code, planned))) {
      // RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for. The first use
      // recorded that as it happened, so a replay racing it still finds it.
      const first = await domain.codes.find(params.code);
      if (first?.issuedFamilyId) await domain.tokens.revokeFamily(first.issuedFamilyId);
      if (first?.issuedJti) await domain.tokens.revokeAccessToken(first.issuedJti, first.issuedJtiExpiresAt ?? now());
      throw invalidGrant('The authorization code was already used; tokens issued from it are revoked');
    }
    if (code.expiresAt <= now()) throw invalidGrant('The authorization code has expired');
    if (params.redirect_uri !== code.redirectUri) throw invalidGrant('redirect_uri does not match the authorization request');
    if (code.codeChallenge) {
      if (!params.code_verifier) throw invalidGrant('Missing code_verifier (PKCE)');
      if (!verifierMatches(code.codeChallengeMethod ?? 'plain', code.codeChallenge, params.code_verifier)) {
        throw invalidGrant('code_verifier does not match the code_challenge');
      }
    } else if (params.code_verifier) {
      throw invalidGrant('code_verifier given for a code issued without a code_challenge');
    }
    const sso = await domain.sessions.active(code.sessionId);
    if (!sso) throw invalidGrant('Session not active');
    const user = await domain.users.cached(realm.realm.id, code.userId);
    if (!user || !user.enabled) throw invalidGrant('User is disabled or no longer exists');

    const scopes = parseScope(code.scope);
    const session = await grantSession({ domain, realm, client, notes }, user, scopes, sso);
    const claims = storedClaims(code.claims);
    return issueTokens(domain, {
      realm, client: client.client, user, scopes, session, accessJti: planned.jti, userinfoClaims: claims?.userinfo, dpopJkt: dpop?.jkt,
      refresh: { familyId: planned.familyId },
      idToken: { nonce: code.nonce ?? undefined, claims, acr: code.acr ?? undefined },
    });
  },
};
