import { createHash } from 'node:crypto';
import { now } from '../../domain/time.js';
import { secretsEqual } from '../../crypto/random.js';
import type { ClaimsRequest } from '../claims.js';
import { invalidGrant, invalidRequest, unauthorizedClient } from '../errors.js';
import { parseScope } from '../scopes.js';
import { issueTokens } from '../tokens.js';
import type { GrantHandler } from './grant.js';

/** RFC 7636 §4.6. */
function verifierMatches(method: string, challenge: string, verifier: string): boolean {
  const derived = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return secretsEqual(derived, challenge);
}

/** RFC 6749 §4.1.3: a code from the authorization endpoint, for the client and redirect URI it was issued to. */
export const authorizationCodeGrant: GrantHandler = {
  type: 'authorization_code',

  allowed({ client }) {
    if (!client.record.settings.standardFlow) throw unauthorizedClient('Client is not allowed the authorization code flow');
  },

  async handle({ domain, realm, client, params, notes }) {
    if (!params.code) throw invalidRequest('Missing parameter: code');
    const record = client.client.record;
    const redemption = await domain.codes.redeem(params.code);
    if (redemption.status === 'unknown') throw invalidGrant('Invalid authorization code');
    const code = redemption.code;
    if (code.realmId !== realm.realm.id || code.clientId !== record.id) throw invalidGrant('The code was issued to another client');
    if (notes) Object.assign(notes, { userId: code.userId, sessionId: code.sessionId }).details.redirect_uri = code.redirectUri;
    if (redemption.status === 'replayed') {
      // RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for.
      if (code.issuedFamilyId) await domain.tokens.revokeFamily(code.issuedFamilyId);
      if (code.issuedJti) await domain.tokens.revokeAccessToken(code.issuedJti, code.issuedJtiExpiresAt ?? now());
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
    const session = await domain.sessions.active(code.sessionId);
    if (!session) throw invalidGrant('Session not active');
    const user = await domain.users.get(realm.realm.id, code.userId);
    if (!user || !user.enabled) throw invalidGrant('User is disabled or no longer exists');

    const issued = await issueTokens(domain, {
      realm, client: client.client, user, scopes: parseScope(code.scope), session, refresh: {},
      idToken: { nonce: code.nonce ?? undefined, claims: code.claims ? (JSON.parse(code.claims) as ClaimsRequest) : undefined },
    });
    await domain.codes.recordIssued(code, {
      familyId: issued.refreshFamilyId ?? null, jti: issued.accessJti, jtiExpiresAt: issued.accessExpiresAt,
    });
    return issued.response;
  },
};
