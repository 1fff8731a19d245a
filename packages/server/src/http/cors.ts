import type { FastifyCorsOptions, FastifyCorsOptionsDelegateCallback } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type { ClientRuntime, Domain } from '../domain/index.js';
import { claimedClient } from '../protocol/client-auth.js';
import { headerBearer, headerDpop } from './bearer.js';

/** Metadata anyone may read from a browser: discovery, the realm's public keys and its public info. */
const PUBLIC = /\/realms\/[^/]+(?:$|\/(?:\.well-known\/(?:openid-configuration|oauth-authorization-server)|protocol\/openid-connect\/certs)$)/;
/** What a single-page app calls with its own client: allowed for the client's web origins only. */
const CLIENT_BOUND = /\/realms\/([^/]+)\/(?:protocol\/openid-connect\/(token|token\/introspect|revoke|userinfo)|(account)(?:\/.*)?)$/;
/** Endpoints called with an access token, which names the client; the others are called with the client's credentials. */
const BY_TOKEN = new Set(['userinfo', 'account']);

const NONE: FastifyCorsOptions = { origin: false };

/**
 * Keycloak's web origins: an exact origin, `*` for any, or `+` for the origins of the
 * client's redirect URIs.
 */
export function originAllowed(client: ClientRuntime, origin: string): boolean {
  const { webOrigins, redirectUris } = client.record.settings;
  if (webOrigins.includes('*') || webOrigins.includes(origin)) return true;
  if (!webOrigins.includes('+')) return false;
  return redirectUris.some((uri) => {
    try {
      return new URL(uri.replace(/\*$/, '')).origin === origin;
    } catch {
      return false;
    }
  });
}

/** The client a client-bound request is made for: from its credentials, or for userinfo from its token's azp. */
function clientIdOf(request: FastifyRequest, endpoint: string): string | undefined {
  if (!BY_TOKEN.has(endpoint)) {
    return claimedClient(request.headers.authorization, (request.body ?? {}) as Record<string, string | undefined>).clientId;
  }
  const token = headerBearer(request.headers.authorization) ?? headerDpop(request.headers.authorization) ?? ((request.body ?? {}) as Record<string, unknown>).access_token;
  if (typeof token !== 'string') return undefined;
  try {
    // Unverified on purpose: it only chooses the CORS headers; the endpoint verifies the token.
    const { azp, client_id: clientId } = decodeJwt(token);
    return typeof azp === 'string' ? azp : typeof clientId === 'string' ? clientId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CORS for browsers (RFC 6749 leaves it to us; Keycloak's rules): discovery and keys for
 * any origin; token, introspection, revocation, userinfo and the account API for the web origins of the
 * client the request is for; nothing else. A preflight does not say which client it is
 * for, so it is answered for any origin and the request itself decides. Options for
 * @fastify/cors, registered in the scope of the realm endpoints.
 */
export function corsPolicy(domain: Domain): { hook: 'preValidation'; delegator: FastifyCorsOptionsDelegateCallback } {
  const decide = async (request: FastifyRequest, origin: string): Promise<FastifyCorsOptions> => {
    const path = request.url.split('?')[0];
    if (PUBLIC.test(path)) return { origin: '*', methods: ['GET'] };
    const bound = CLIENT_BOUND.exec(path);
    if (!bound) return NONE;
    const endpoint = bound[2] ?? bound[3];
    const allowed: FastifyCorsOptions = {
      origin, credentials: true, methods: endpoint === 'account' ? ['GET', 'POST', 'DELETE'] : ['GET', 'POST'],
      allowedHeaders: ['Authorization', 'Content-Type', 'DPoP'], exposedHeaders: ['WWW-Authenticate', 'DPoP-Nonce'], maxAge: 3600,
    };
    if (request.method === 'OPTIONS') return allowed;
    const clientId = clientIdOf(request, endpoint);
    let realmName: string;
    try {
      realmName = decodeURIComponent(bound[1]);
    } catch {
      return NONE;
    }
    const realm = clientId ? await domain.realms.runtime(realmName) : undefined;
    const client = realm && clientId ? await domain.clients.runtime(realm.realm.id, clientId) : undefined;
    return client && originAllowed(client, origin) ? allowed : NONE;
  };
  return {
    // After the body is parsed (the token endpoint names its client there), before validation.
    hook: 'preValidation',
    // A callback rather than a promise: most requests (servers calling servers) have no Origin,
    // and are answered at once instead of a turn of the event loop later.
    delegator: (request, callback) => {
      const origin = request.headers.origin;
      if (!origin) return callback(null, NONE);
      decide(request, origin).then((options) => callback(null, options), callback);
    },
  };
}
