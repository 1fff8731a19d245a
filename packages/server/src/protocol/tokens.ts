import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { newId } from '../crypto/random.js';
import type { ClientRuntime, Domain, EffectiveRoles, RealmRuntime } from '../domain/index.js';
import { now } from '../domain/time.js';
import type { SessionRecord, SigningAlg, UserRecord } from '../storage/store.js';
import { userClaims } from './claims.js';
import { OAuthError } from './errors.js';
import { OPENID, scopeClaim } from './scopes.js';

/** RFC 6749 §5.1 plus Keycloak's extra fields, which its client libraries read. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  refresh_expires_in?: number;
  id_token?: string;
  scope: string;
  session_state?: string;
  'not-before-policy': 0;
}

export interface IssueRequest {
  realm: RealmRuntime;
  client: ClientRuntime;
  user: UserRecord;
  scopes: string[];
  /** Present for sign-ins; absent for client credentials, which has no user session. */
  session?: SessionRecord;
  /** Issue a refresh token, continuing this family when given. */
  refresh?: { familyId?: string };
}

async function sign(realm: RealmRuntime, alg: SigningAlg, typ: string, payload: Record<string, unknown>): Promise<string> {
  const signer = realm.signers.get(alg);
  if (!signer) throw new OAuthError('server_error', `Realm has no active ${alg} key`, 500);
  return new SignJWT(payload).setProtectedHeader({ alg, typ, kid: signer.kid }).sign(signer.key);
}

/** OpenID Connect Core §3.1.3.6: the left half of the hash the signing algorithm uses. */
export function halfHash(value: string, alg: SigningAlg): string {
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256').update(value).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

function audience(client: ClientRuntime, roles: EffectiveRoles): string | string[] {
  const aud = new Set([...client.record.settings.audiences, ...Object.keys(roles.clients)]);
  aud.delete(client.record.clientId);
  if (aud.size === 0) return client.record.clientId;
  return aud.size === 1 ? [...aud][0] : [...aud];
}

/** Issues the access token (RFC 9068), and the refresh and ID tokens a grant calls for. */
export async function issueTokens(domain: Domain, req: IssueRequest): Promise<TokenResponse> {
  const { realm, client, user, scopes, session } = req;
  const settings = client.record.settings;
  const iat = now();
  const lifespan = settings.accessTokenLifespan ?? realm.realm.settings.accessTokenLifespan;
  const scope = scopeClaim(realm.realm, scopes);
  const scopeSet = new Set(scopes);
  const roles = await domain.roles.effective(realm.realm.id, user.id);
  const resourceAccess = Object.fromEntries(Object.entries(roles.clients).map(([c, r]) => [c, { roles: r }]));

  const accessToken = await sign(realm, settings.accessTokenAlg ?? realm.realm.settings.defaultSignatureAlgorithm, 'at+jwt', {
    ...userClaims(user, client.record, scopeSet, 'accessToken'),
    iss: realm.issuer,
    sub: user.id,
    aud: audience(client, roles),
    exp: iat + lifespan,
    iat,
    jti: newId(),
    client_id: client.record.clientId,
    azp: client.record.clientId,
    scope,
    ...(session ? { sid: session.id, auth_time: session.authTime } : {}),
    roles: roles.realm,
    realm_access: { roles: roles.realm },
    resource_access: resourceAccess,
  });

  const response: TokenResponse = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: lifespan,
    scope,
    'not-before-policy': 0,
  };

  if (session) {
    response.session_state = session.id;
    if (req.refresh && settings.refreshTokens) {
      const { token, record } = await domain.tokens.issueRefresh({
        realmId: realm.realm.id, clientId: client.record.id, userId: user.id, session, scope: scopes.join(' '),
        familyId: req.refresh.familyId,
      });
      response.refresh_token = token;
      response.refresh_expires_in = session.offline ? 0 : Math.max(0, record.expiresAt - iat);
    }
    if (scopeSet.has(OPENID)) {
      const alg = settings.idTokenAlg ?? realm.realm.settings.defaultSignatureAlgorithm;
      response.id_token = await sign(realm, alg, 'JWT', {
        ...userClaims(user, client.record, scopeSet, 'idToken'),
        iss: realm.issuer,
        sub: user.id,
        aud: client.record.clientId,
        azp: client.record.clientId,
        exp: iat + lifespan,
        iat,
        auth_time: session.authTime,
        sid: session.id,
        acr: '1',
        at_hash: halfHash(accessToken, alg),
      });
    }
  }
  return response;
}
