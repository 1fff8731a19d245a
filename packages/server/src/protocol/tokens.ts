import { createHash } from 'node:crypto';
import { CompactSign, type CryptoKey } from 'jose';
import { newId } from '../crypto/random.js';
import { supportsApiAccess } from '../domain/clients.js';
import type { ClientRuntime, Domain, RealmRuntime } from '../domain/index.js';
import { now } from '../domain/time.js';
import type { RefreshTokenRecord, SessionRecord, SigningAlg, UserRecord } from '../storage/store.js';
import { mapperInput, requestedClaims, storableClaims, type ClaimsRequest } from './claims.js';
import { DPOP_SCHEME } from './dpop.js';
import { OAuthError } from './errors.js';
import { applyMappers } from './mappers.js';
import { OPENID, scopeClaim, tokenMappers } from './scopes.js';

/** RFC 6749 §5.1 plus Keycloak's extra fields, which its client libraries read. */
export interface TokenResponse {
  access_token: string;
  /** DPoP when the access token is bound to the key of the request's DPoP proof (RFC 9449 §5); N_A where token exchange issues an ID token in access_token (RFC 8693 §2.2.1). */
  token_type: 'Bearer' | 'DPoP' | 'N_A';
  /** RFC 8693 §2.2.1: what token exchange issued. */
  issued_token_type?: string;
  expires_in: number;
  refresh_token?: string;
  refresh_expires_in?: number;
  id_token?: string;
  scope: string;
  session_state?: string;
  /** Keycloak's: the realm's not-before (0: none). */
  'not-before-policy': number;
}

export interface TokenSubject {
  realm: RealmRuntime;
  client: ClientRuntime;
  user: UserRecord;
  scopes: string[];
  /** Present for sign-ins; absent for client credentials, which has no user session. */
  session?: SessionRecord;
  /** The access token's jti when the caller chose it beforehand (a code records it as it is used). */
  accessJti?: string;
  /** Individual claims the client asked userinfo for (claims parameter, Core §5.5), carried to userinfo in the access token. */
  userinfoClaims?: ClaimsRequest['userinfo'];
  /** Where a service account's token request came from (Keycloak's clientAddress and clientHost notes). */
  clientAddress?: string;
  /** The authentication context the sign-in reached (Keycloak's acr: "1" signed in for this request, "0" SSO). */
  acr?: string;
  /**
   * The audiences (client ids) the access token is limited to, as token exchange's audience
   * parameter asks: each must be one the client's token would have anyway, else invalid_target.
   */
  audience?: readonly string[];
  /** The thumbprint of the DPoP key the access token is bound to (its cnf.jkt, RFC 9449 §6). */
  dpopJkt?: string;
}

export interface IdTokenExtras {
  nonce?: string;
  /** The access token and code returned beside the ID token, for at_hash and c_hash. */
  accessToken?: string;
  code?: string;
  claims?: ClaimsRequest;
  acr?: string;
}

export interface MintedAccessToken {
  token: string;
  jti: string;
  expiresAt: number;
  lifespan: number;
  scope: string;
}

const utf8 = new TextEncoder();

/**
 * A JWT is a JWS over its JSON claims. jose's SignJWT would first deep-copy and check the
 * claims, which are all ours: the claims set is encoded as it is, and jose signs it.
 */
function jws(alg: string, signer: { kid: string; key: CryptoKey | Uint8Array }, typ: string, payload: Record<string, unknown>): Promise<string> {
  return new CompactSign(utf8.encode(JSON.stringify(payload))).setProtectedHeader({ alg, typ, kid: signer.kid }).sign(signer.key);
}

export function sign(realm: RealmRuntime, alg: SigningAlg, typ: string, payload: Record<string, unknown>): Promise<string> {
  const signer = realm.signers.get(alg);
  if (!signer) throw new OAuthError('server_error', `Realm has no active ${alg} key`, 500);
  return jws(alg, signer, typ, payload);
}

/**
 * Keycloak's `typ` claim, which its adapters check (keycloak-connect refuses a token of the
 * wrong type): what a token is for, whatever the JOSE header says.
 */
export const TOKEN_TYPES = { access: 'Bearer', id: 'ID', refresh: 'Refresh', offline: 'Offline' } as const;

/**
 * A refresh token as Keycloak's: a JWT with its claims, HS512 under the realm's secret key, so
 * that adapters can read it and only Latchkey can verify it. It is good only while its stored
 * record (looked up by the token's hash) is.
 */
function mintRefreshToken(realm: RealmRuntime, client: ClientRuntime, session: SessionRecord, scope: string, record: RefreshTokenRecord): Promise<string> {
  return jws('HS512', realm.hmacKey, 'JWT', {
    exp: record.expiresAt,
    iat: record.createdAt,
    jti: record.id,
    iss: realm.issuer,
    // Keycloak's: the realm itself is the audience, as only it takes the token back.
    aud: realm.issuer,
    sub: record.userId,
    typ: session.offline ? TOKEN_TYPES.offline : TOKEN_TYPES.refresh,
    azp: client.record.clientId,
    sid: session.id,
    scope,
  });
}

/** OpenID Connect Core §3.1.3.6 / §3.3.2.11: the left half of the hash the signing algorithm uses. */
export function halfHash(value: string, alg: SigningAlg): string {
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256').update(value).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** The audiences the mappers gave; without any, the client itself (Latchkey's, where Keycloak leaves aud out). */
function audience(client: ClientRuntime, audiences: string[]): string | string[] {
  // Without API access (seed 001) the token is for userinfo alone: no API is its audience.
  if (!supportsApiAccess(client.record.settings)) return client.record.clientId;
  const aud = new Set(audiences);
  aud.delete(client.record.clientId);
  if (aud.size === 0) return client.record.clientId;
  return aud.size === 1 ? [...aud][0] : [...aud];
}

/**
 * The audiences a token exchange asked for, each one the client's token would have anyway (its
 * mappers' or, as Latchkey's tokens without other audiences name it, the client itself): RFC
 * 8693 §2.2.2's invalid_target for any other, as Keycloak refuses an audience not available.
 */
function limitedAudiences(client: ClientRuntime, audiences: string[], asked: readonly string[]): string[] {
  const available = new Set([...(supportsApiAccess(client.record.settings) ? audiences : []), client.record.clientId]);
  const missing = asked.filter((a) => !available.has(a));
  if (missing.length > 0) throw new OAuthError('invalid_target', `Requested audience not available: ${missing.join(', ')}`);
  return [...asked];
}

/** Seconds an access (and ID) token lives: the client's lifespan, else the realm's. */
export const lifespanOf = (s: Pick<TokenSubject, 'client' | 'realm'>) =>
  s.client.record.settings.accessTokenLifespan ?? s.realm.realm.settings.accessTokenLifespan;

/**
 * Where an access token carries the claims parameter's userinfo member: the token is all
 * userinfo sees of the authorization request (it is stateless), and the request is small.
 */
export const USERINFO_CLAIMS = 'userinfo_claims';

/**
 * The claims of an RFC 9068 access token: what the client's scopes' and its own mappers give,
 * then the token's own. `sub` stays the user's id whatever the mappers (a pairwise subject is
 * for ID tokens and userinfo): Latchkey finds the user of an access token by it.
 */
export async function accessTokenClaims(domain: Domain, subject: TokenSubject, at: { iat: number; jti: string }): Promise<Record<string, unknown>> {
  return {
    ...await mappedAccessClaims(domain, subject, 'accessToken', { ...at, exp: at.iat + lifespanOf(subject) }),
    ...(subject.userinfoClaims ? { [USERINFO_CLAIMS]: subject.userinfoClaims } : {}),
    ...(subject.dpopJkt ? { cnf: { jkt: subject.dpopJkt } } : {}),
  };
}

/**
 * What introspection (RFC 7662) tells of an access token, as Keycloak 25 does: the token's own
 * claims as issued, and what the mappers give with introspection.token.claim (which defaults to
 * their access.token.claim), run again now.
 */
export function introspectionClaims(domain: Domain, subject: TokenSubject, token: { iat: number; exp: number; jti: string }): Promise<Record<string, unknown>> {
  return mappedAccessClaims(domain, subject, 'introspection', token);
}

/** An access token's claims for the target: the mappers', then the token's own. */
async function mappedAccessClaims(domain: Domain, subject: TokenSubject, target: 'accessToken' | 'introspection',
  at: { iat: number; exp: number; jti: string }): Promise<Record<string, unknown>> {
  const { realm, client, user, scopes, session } = subject;
  const mappers = tokenMappers(client, scopes);
  const input = await mapperInput(domain, { ...subject, acr: subject.acr ?? '1' }, mappers);
  const mapped = applyMappers(mappers, target, input);
  return {
    ...mapped.claims,
    iss: realm.issuer,
    sub: user.id,
    aud: audience(client, subject.audience ? limitedAudiences(client, mapped.audiences, subject.audience) : mapped.audiences),
    exp: at.exp,
    iat: at.iat,
    jti: at.jti,
    typ: TOKEN_TYPES.access,
    client_id: client.record.clientId,
    azp: client.record.clientId,
    scope: scopeClaim(client, scopes),
    ...(session ? { sid: session.id } : {}),
    // Latchkey's: the realm roles at the top as well, for APIs that read a flat list.
    roles: input.roles.realm,
  };
}

/** An RFC 9068 access token shaped by the client's mappers. */
export async function mintAccessToken(domain: Domain, subject: TokenSubject): Promise<MintedAccessToken> {
  const { realm, client } = subject;
  const iat = now();
  const lifespan = lifespanOf(subject);
  const jti = subject.accessJti ?? newId();
  const claims = await accessTokenClaims(domain, subject, { iat, jti });
  const token = await sign(realm, client.record.settings.accessTokenAlg ?? realm.realm.settings.defaultSignatureAlgorithm, 'at+jwt', claims);
  return { token, jti, expiresAt: iat + lifespan, lifespan, scope: claims.scope as string };
}

/** The claims of an OpenID Connect ID token (Core §2) for a signed-in user, shaped by the client's mappers. */
export async function idTokenClaims(domain: Domain, subject: TokenSubject & { session: SessionRecord }, extras: IdTokenExtras, iat: number): Promise<Record<string, unknown>> {
  const { realm, client, user, scopes, session } = subject;
  const mappers = tokenMappers(client, scopes);
  const input = await mapperInput(domain, { ...subject, acr: extras.acr ?? '1' }, mappers);
  const mapped = applyMappers(mappers, 'idToken', input);
  return {
    ...mapped.claims,
    ...(extras.claims?.id_token ? requestedClaims(client, input, extras.claims.id_token, 'idToken') : {}),
    iss: realm.issuer,
    sub: mapped.sub ?? user.id,
    aud: client.record.clientId,
    azp: client.record.clientId,
    exp: iat + lifespanOf(subject),
    iat,
    typ: TOKEN_TYPES.id,
    auth_time: session.authTime,
    // RFC 8176: how the session's user signed in (pwd, otp, mfa…).
    ...(session.amr?.length ? { amr: session.amr } : {}),
    sid: session.id,
    ...(extras.nonce !== undefined ? { nonce: extras.nonce } : {}),
  };
}

/** An OpenID Connect ID token (Core §2) for a signed-in user. */
export async function mintIdToken(domain: Domain, subject: TokenSubject & { session: SessionRecord }, extras: IdTokenExtras = {}): Promise<string> {
  const { realm, client } = subject;
  const alg = client.record.settings.idTokenAlg ?? realm.realm.settings.defaultSignatureAlgorithm;
  return sign(realm, alg, 'JWT', {
    ...await idTokenClaims(domain, subject, extras, now()),
    ...(extras.accessToken ? { at_hash: halfHash(extras.accessToken, alg) } : {}),
    ...(extras.code ? { c_hash: halfHash(extras.code, alg) } : {}),
  });
}

/**
 * What userinfo answers (Core §5.3) for a token's scopes: its mappers' userinfo claims, and
 * claims asked for by name whatever the scope (Core §5.5).
 */
export async function userinfoClaims(domain: Domain, client: ClientRuntime, user: UserRecord, scopes: string[], asked: unknown, session?: SessionRecord): Promise<Record<string, unknown>> {
  const mappers = tokenMappers(client, scopes);
  const input = await mapperInput(domain, { client, user, scopes, session }, mappers);
  const mapped = applyMappers(mappers, 'userinfo', input);
  return {
    ...mapped.claims,
    ...(asked && typeof asked === 'object' ? requestedClaims(client, input, asked as Record<string, unknown>, 'userinfo') : {}),
    sub: mapped.sub ?? user.id,
  };
}

export interface IssueRequest extends TokenSubject {
  /**
   * Issue a refresh token, continuing this family when given. A public client's is bound to
   * the DPoP key the family began with, else to this request's (RFC 9449 §5); a confidential
   * client's never is, as it authenticates anyway.
   */
  refresh?: { familyId?: string; dpopJkt?: string };
  idToken?: IdTokenExtras;
}

/** What the token endpoint returns: the access token, and the refresh and ID tokens a grant calls for. */
export async function issueTokens(domain: Domain, req: IssueRequest): Promise<TokenResponse> {
  const { realm, client, user, scopes, session } = req;
  const access = await mintAccessToken(domain, { ...req, acr: req.acr ?? req.idToken?.acr });
  const response: TokenResponse = {
    access_token: access.token,
    token_type: req.dpopJkt ? DPOP_SCHEME : 'Bearer',
    expires_in: access.lifespan,
    scope: access.scope,
    'not-before-policy': realm.realm.settings.notBefore ?? 0,
  };
  if (!session) return response;

  response.session_state = session.id;
  if (req.refresh && client.record.settings.refreshTokens) {
    const { token, record } = await domain.tokens.issueRefresh({
      realmId: realm.realm.id, clientId: client.record.id, userId: user.id, session, scope: scopes.join(' '),
      familyId: req.refresh.familyId, access: { jti: access.jti, expiresAt: access.expiresAt },
      dpopJkt: client.record.publicClient ? req.refresh.dpopJkt ?? req.dpopJkt : undefined,
      signIn: { acr: req.idToken?.acr ?? null, claims: storableClaims(req.idToken?.claims) },
    }, (record) => mintRefreshToken(realm, client, session, access.scope, record));
    response.refresh_token = token;
    response.refresh_expires_in = session.offline ? 0 : Math.max(0, record.expiresAt - now());
  }
  if (scopes.includes(OPENID)) {
    response.id_token = await mintIdToken(domain, { ...req, session }, { ...req.idToken, accessToken: access.token });
  }
  return response;
}
