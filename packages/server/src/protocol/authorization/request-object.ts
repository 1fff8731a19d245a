import { UnsecuredJWT, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { ClientRuntime, Domain, RealmRuntime } from '../../domain/index.js';
import { now } from '../../domain/time.js';
import { ASYMMETRIC_ALGS, clientOAuthPolicy } from '../client-attributes.js';
import { CLOCK_SKEW, joseReason } from '../client-auth.js';
import { OAuthError } from '../errors.js';

/** What request_object_signing_alg_values_supported lists: none only for a client that allows it. */
export const REQUEST_OBJECT_ALGS = [...ASYMMETRIC_ALGS, 'none'] as const;

// The JWT's own claims, which are no authorization parameters, and what may not nest (RFC 9101 §4).
const JWT_CLAIMS = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'request', 'request_uri']);
// A request object's jti is kept this long when it has no exp to say how long it counts.
const JTI_WITHOUT_EXP = 24 * 3600;

const invalidRequestObject = (description: string) => new OAuthError('invalid_request_object', description);

/**
 * The algorithms a client's request objects may use, by Keycloak's request.object.signature.alg:
 * unset, any signature of the client's keys; `none`, unsigned only; `any`, both; else that one.
 */
function allowedAlgs(client: ClientRuntime): readonly string[] {
  const configured = clientOAuthPolicy(client.record.settings).requestObjectAlg;
  if (configured === undefined) return ASYMMETRIC_ALGS;
  if (configured === 'any') return REQUEST_OBJECT_ALGS;
  return [configured];
}

/**
 * The authorization parameters of a request object (RFC 9101): signed by the client as it
 * registered, iss and client_id (when there) the client, aud (when there) this issuer,
 * unexpired, its jti (when there) not seen before. Its parameters replace the request's
 * (§6.3); values that are not strings (max_age, claims) become the strings the checks read.
 */
export async function requestObjectParams(domain: Domain, realm: RealmRuntime, client: ClientRuntime, jwt: string): Promise<Record<string, string>> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(jwt).alg;
  } catch {
    throw invalidRequestObject('The request object is not a JWT');
  }
  const allowed = allowedAlgs(client);
  if (!alg || !allowed.includes(alg)) throw invalidRequestObject(`The request object must be signed with ${allowed.join(', ')}, not ${alg ?? 'no alg'}`);
  let payload: JWTPayload;
  try {
    if (alg === 'none') {
      payload = UnsecuredJWT.decode(jwt, { clockTolerance: CLOCK_SKEW }).payload;
    } else {
      const keys = domain.clientOutbound.keysOf(client.record);
      if (!keys) throw invalidRequestObject('The client has no keys registered (jwks.url or jwks.string) to verify its request objects');
      payload = (await jwtVerify(jwt, keys, { algorithms: [...allowed], clockTolerance: CLOCK_SKEW })).payload;
    }
  } catch (err) {
    if (err instanceof OAuthError) throw err;
    throw invalidRequestObject(`Invalid request object: ${joseReason(err)}`);
  }
  const clientId = client.record.clientId;
  if (payload.iss !== undefined && payload.iss !== clientId) throw invalidRequestObject('The request object\'s iss is not the client');
  if (payload.client_id !== undefined && payload.client_id !== clientId) throw invalidRequestObject('The request object\'s client_id is not the client');
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : payload.aud;
  if (audiences !== undefined && !audiences.includes(realm.issuer)) throw invalidRequestObject('The request object\'s aud is not this issuer');
  if (payload.jti !== undefined) {
    const until = payload.exp ?? now() + JTI_WITHOUT_EXP;
    if (!(await domain.jwtIds.useOnce('request-object', client.record.id, String(payload.jti), until + CLOCK_SKEW))) {
      throw invalidRequestObject('The request object was used before');
    }
  }
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (JWT_CLAIMS.has(name) || value === null || value === undefined) continue;
    params[name] = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return { ...params, client_id: clientId };
}
