import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { ClientService } from '../domain/clients.js';
import type { ClientRuntime, Domain, RealmRuntime } from '../domain/index.js';
import { now } from '../domain/time.js';
import { endpointPaths } from '../http/paths.js';
import { ASYMMETRIC_ALGS, SECRET_ALGS, clientOAuthPolicy, type ClientAuthenticator, type ClientOAuthPolicy } from './client-attributes.js';
import { OAuthError, invalidRequest } from './errors.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'none';
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none',
];
/** RFC 7523 §2.2's client_assertion_type. */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Seconds the client's clock may be off from ours when its JWTs are checked. */
export const CLOCK_SKEW = 10;

/** The methods each of Keycloak's client authenticators takes. */
const AUTHENTICATOR_METHODS: Record<ClientAuthenticator, readonly ClientAuthMethod[]> = {
  'client-secret': ['client_secret_basic', 'client_secret_post'],
  'client-secret-jwt': ['client_secret_jwt'],
  'client-jwt': ['private_key_jwt'],
};

export interface AuthenticatedClient {
  client: ClientRuntime;
  method: ClientAuthMethod;
}

export interface ClientCredentialsInput {
  authorization: string | undefined;
  params: Record<string, string | undefined>;
  /**
   * The URL of the endpoint called, which a client assertion may name as its audience beside
   * the issuer and the token endpoint (which libraries name for every endpoint).
   */
  endpoint?: string;
}

interface Presented {
  clientId: string;
  secret?: string;
  assertion?: string;
  method: ClientAuthMethod;
}

function basicChallenge(realm: RealmRuntime) {
  return { 'www-authenticate': `Basic realm="${realm.realm.name}"` };
}

/** RFC 6749 §2.3.1: both parts are form-urlencoded inside the Basic credentials; undefined when malformed. */
function decodeBasic(header: string): { clientId: string; secret: string } | undefined {
  const encoded = header.slice(6).trim();
  if (!/^[A-Za-z0-9+/]+=*$/.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  try {
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function parseBasic(header: string, realm: RealmRuntime): { clientId: string; secret: string } {
  const basic = decodeBasic(header);
  if (!basic) throw new OAuthError('invalid_client', 'Malformed Basic authorization header', 401, basicChallenge(realm));
  return basic;
}

/**
 * The client a request names (Basic credentials, else client_id) and the secret it sent,
 * without checking either: for what must know the client before or whatever authentication
 * decides (events, CORS). Empty when the request names none or is malformed.
 */
export function claimedClient(authorization: string | undefined, params: Record<string, string | undefined>): { clientId?: string; secret?: string } {
  if (authorization && /^basic /i.test(authorization)) return decodeBasic(authorization) ?? {};
  return { clientId: params.client_id ?? (params.client_assertion ? assertedClient(params.client_assertion) : undefined) };
}

/** The client a client assertion names (sub, RFC 7523 §3), unverified; undefined when it is no JWT. */
function assertedClient(assertion: string): string | undefined {
  try {
    const { sub } = decodeJwt(assertion);
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 7523 §2.2: a JWT in client_assertion; client_secret_jwt when it is signed with the secret. */
function presentedAssertion(params: Record<string, string | undefined>): Presented {
  if (params.client_assertion_type !== JWT_BEARER_ASSERTION) throw invalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
  if (params.client_secret !== undefined) throw invalidRequest('The client used more than one authentication method');
  const assertion = params.client_assertion;
  const clientId = assertion ? assertedClient(assertion) : undefined;
  if (!assertion || !clientId) throw new OAuthError('invalid_client', 'client_assertion is not a JWT naming the client as its sub', 401);
  if (params.client_id !== undefined && params.client_id !== clientId) throw invalidRequest('client_id does not match the client assertion');
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(assertion).alg;
  } catch {
    alg = undefined;
  }
  return { clientId, assertion, method: SECRET_ALGS.some((a) => a === alg) ? 'client_secret_jwt' : 'private_key_jwt' };
}

function presented(input: ClientCredentialsInput, realm: RealmRuntime): Presented | undefined {
  const { authorization, params } = input;
  const basic = authorization && /^basic /i.test(authorization) ? parseBasic(authorization, realm) : undefined;
  if (basic && (params.client_secret !== undefined || params.client_assertion !== undefined)) {
    throw invalidRequest('The client used more than one authentication method');
  }
  if (basic) {
    if (params.client_id !== undefined && params.client_id !== basic.clientId) {
      throw invalidRequest('client_id does not match the authenticated client');
    }
    return { ...basic, method: 'client_secret_basic' };
  }
  if (params.client_assertion !== undefined || params.client_assertion_type !== undefined) return presentedAssertion(params);
  if (params.client_id === undefined) return undefined;
  if (params.client_secret !== undefined) {
    return { clientId: params.client_id, secret: params.client_secret, method: 'client_secret_post' };
  }
  return { clientId: params.client_id, method: 'none' };
}

/**
 * Authenticates the client of a token, introspection, revocation or pushed authorization
 * request, by the method its clientAuthenticatorType names. `publicRefused`, where only
 * confidential clients may ask, is why a public client is refused: with the same 401 and
 * challenge as any other failed authentication (RFC 6749 §5.2).
 */
export async function authenticateClient(
  domain: Domain, realm: RealmRuntime, input: ClientCredentialsInput, opts: { publicRefused?: string } = {},
): Promise<AuthenticatedClient> {
  const given = presented(input, realm);
  const challenge = given?.method === 'client_secret_basic' || !given ? basicChallenge(realm) : {};
  const refuse = (description: string) => new OAuthError('invalid_client', description, 401, challenge);
  if (!given) throw refuse('Client authentication is required');
  const client = await domain.clients.runtime(realm.realm.id, given.clientId);
  if (!client) throw refuse('Invalid client or invalid client credentials');
  if (!client.record.enabled) throw refuse('Client is disabled');
  if (client.record.publicClient) {
    if (opts.publicRefused) throw refuse(opts.publicRefused);
    return { client, method: 'none' };
  }
  const policy = clientOAuthPolicy(client.record.settings);
  if (!policy.authenticator) throw refuse(`The client's authenticator ${client.record.settings.clientAuthenticatorType} is not supported`);
  const methods = AUTHENTICATOR_METHODS[policy.authenticator];
  if (!methods.includes(given.method)) {
    throw refuse(policy.authenticator === 'client-secret' ? 'Client secret is required for a confidential client'
      : `This client authenticates with ${methods.join(' or ')}`);
  }
  if (given.assertion !== undefined) {
    await verifyAssertion(domain, realm, client, given.assertion, input.endpoint, policy, refuse);
  } else if (given.secret === undefined || !ClientService.secretMatches(client, given.secret)) {
    throw refuse('Invalid client or invalid client credentials');
  }
  return { client, method: given.method };
}

/**
 * RFC 7523 §3 and OIDC Core §9: signed by the client (with its secret or its keys, in the
 * algorithm it registered if it did), iss and sub the client, aud this server (its issuer,
 * the endpoint called, or — as libraries send for every endpoint — the token endpoint),
 * unexpired and short-lived, and its jti never seen before.
 */
async function verifyAssertion(
  domain: Domain, realm: RealmRuntime, client: ClientRuntime, assertion: string, endpoint: string | undefined, policy: ClientOAuthPolicy,
  refuse: (description: string) => OAuthError,
): Promise<void> {
  const secretJwt = policy.authenticator === 'client-secret-jwt';
  const clientId = client.record.clientId;
  const options: JWTVerifyOptions = {
    issuer: clientId, subject: clientId, audience: [realm.issuer, realm.issuer + endpointPaths.token, ...(endpoint ? [endpoint] : [])],
    algorithms: policy.authSigningAlg ? [policy.authSigningAlg] : [...(secretJwt ? SECRET_ALGS : ASYMMETRIC_ALGS)],
    requiredClaims: ['exp', 'jti'], clockTolerance: CLOCK_SKEW,
  };
  let payload: JWTPayload;
  try {
    payload = secretJwt ? await verifiedWithSecret(domain, client, assertion, options) : await verifiedWithKeys(domain, client, assertion, options);
  } catch (err) {
    if (err instanceof OAuthError) throw err;
    throw refuse(`Invalid client assertion: ${joseReason(err)}`);
  }
  const at = now();
  if (payload.exp! - Math.min(payload.iat ?? at, at) > policy.assertionMaxExp + CLOCK_SKEW) {
    throw refuse(`The client assertion may live ${policy.assertionMaxExp} s at most`);
  }
  if (!(await domain.jwtIds.useOnce('client-assertion', client.record.id, payload.jti!, payload.exp! + CLOCK_SKEW))) {
    throw refuse('The client assertion was used before');
  }
}

async function verifiedWithKeys(domain: Domain, client: ClientRuntime, jwt: string, options: JWTVerifyOptions): Promise<JWTPayload> {
  const keys = domain.clientOutbound.keysOf(client.record);
  if (!keys) throw new OAuthError('invalid_client', 'The client has no keys registered (jwks.url or jwks.string)', 401);
  return (await jwtVerify(jwt, keys, options)).payload;
}

/**
 * Any of the client's unexpired secrets may have signed it, as any of them may be sent
 * (rotation). The cached client keeps only digests, so the secrets are opened here: this
 * method is rare enough not to warrant keeping them in memory.
 */
async function verifiedWithSecret(domain: Domain, client: ClientRuntime, jwt: string, options: JWTVerifyOptions): Promise<JWTPayload> {
  const at = now();
  let failure: unknown = new errors.JWSSignatureVerificationFailed();
  const secrets = await domain.clients.openSecrets(client.record.id);
  for (const secret of secrets.filter((s) => s.expiresAt === null || s.expiresAt > at)) {
    try {
      return (await jwtVerify(jwt, new TextEncoder().encode(secret.value), options)).payload;
    } catch (err) {
      failure = err;
      if (!(err instanceof errors.JWSSignatureVerificationFailed)) break;
    }
  }
  throw failure;
}

/**
 * What was wrong with a client's JWT, in jose's words (claims, signature, keys); a key set
 * that could not be fetched is not described further, as its address is the server's business.
 */
export function joseReason(err: unknown): string {
  if (err instanceof errors.JWKSTimeout) return 'the client\'s keys could not be fetched in time';
  if (err instanceof errors.JOSEError) return err.message;
  return 'the client\'s keys could not be read';
}
