import { createLocalJWKSet, createRemoteJWKSet, customFetch, importX509, type FetchImplementation, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { outboundFetch } from '../broker/outbound.js';
import { clientOAuthPolicy } from '../protocol/client-attributes.js';
import type { ClientRecord } from '../storage/store.js';

// Keycloak refetches a client's keys for an unknown kid at most every 10 s (its
// minTimeBetweenRequests): a client rotating its keys is followed within that, and a flood
// of made-up kids costs its JWKS URL one request per 10 s.
const REFETCH_COOLDOWN_MS = 10_000;
const CACHE_MAX_AGE_MS = 10 * 60_000;
/** JWKS URLs followed at once; the oldest is dropped past this. */
const MAX_REMOTE_SETS = 1000;
/** A request object fetched by reference: small, and soon or not at all. */
const MAX_REQUEST_OBJECT_BYTES = 64 * 1024;
const REQUEST_OBJECT_TIMEOUT_MS = 5000;

/** A request object that could not be fetched from its request_uri; the message is the client's to read. */
export class RequestUriUnavailable extends Error {}

/**
 * What Latchkey fetches from clients, always through the outbound fetch's SSRF guard: the
 * public keys a client signs its client assertions and request objects with (Keycloak's
 * jwks.url, jwks.string or certificate attributes), and request objects by reference. A
 * JWKS URL is cached, and refetched when a JWT names a kid it does not hold.
 */
export class ClientOutbound {
  private readonly remote = new Map<string, JWTVerifyGetKey>();
  // Keyed by the record, which the client cache replaces whenever the client changes.
  private readonly local = new WeakMap<ClientRecord, JWTVerifyGetKey | undefined>();
  private fetch: FetchImplementation | undefined;

  constructor(allowPrivateOutbound = false) {
    this.fetch = outboundFetch(allowPrivateOutbound) as FetchImplementation | undefined;
  }

  /** Whether JWKS URLs may be on loopback, private and link-local addresses (the server's --allow-private-outbound). */
  allowPrivateOutbound(allow: boolean): void {
    this.fetch = outboundFetch(allow) as FetchImplementation | undefined;
    this.remote.clear();
  }

  /** The client's keys, or undefined when it registered none. */
  keysOf(client: ClientRecord): JWTVerifyGetKey | undefined {
    const policy = clientOAuthPolicy(client.settings);
    if (policy.jwksUrl) return this.remoteSet(policy.jwksUrl);
    if (!this.local.has(client)) this.local.set(client, localKeys(policy.jwksString, policy.certificate));
    return this.local.get(client);
  }

  /** The request object at a request_uri (RFC 9101 §5.2.3): a 200 answer's body, a JWT. */
  async requestObject(url: string): Promise<string> {
    let res: Response;
    try {
      res = await (this.fetch ?? fetch)(url, {
        method: 'GET', headers: new Headers({ accept: 'application/oauth-authz-req+jwt' }), redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_OBJECT_TIMEOUT_MS),
      });
    } catch {
      throw new RequestUriUnavailable('The request_uri could not be fetched');
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new RequestUriUnavailable(`The request_uri answered ${res.status}`);
    }
    const body = await readLimited(res, MAX_REQUEST_OBJECT_BYTES);
    if (body === undefined) throw new RequestUriUnavailable(`The request object at the request_uri is larger than ${MAX_REQUEST_OBJECT_BYTES} bytes`);
    return body.trim();
  }

  private remoteSet(url: string): JWTVerifyGetKey {
    let set = this.remote.get(url);
    if (!set) {
      if (this.remote.size >= MAX_REMOTE_SETS) this.remote.delete(this.remote.keys().next().value!);
      set = createRemoteJWKSet(new URL(url), {
        cooldownDuration: REFETCH_COOLDOWN_MS, cacheMaxAge: CACHE_MAX_AGE_MS, ...(this.fetch ? { [customFetch]: this.fetch } : {}),
      });
      this.remote.set(url, set);
    }
    return set;
  }
}

/** The body as text, or undefined once it passes `limit` bytes (the rest is not read). */
async function readLimited(res: Response, limit: number): Promise<string | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function localKeys(jwksString: string | undefined, certificate: string | undefined): JWTVerifyGetKey | undefined {
  if (jwksString) {
    try {
      return createLocalJWKSet(JSON.parse(jwksString) as JSONWebKeySet);
    } catch {
      return undefined;
    }
  }
  if (certificate) {
    const pem = `-----BEGIN CERTIFICATE-----\n${certificate.replace(/-----[^-]+-----|\s/g, '')}\n-----END CERTIFICATE-----`;
    return (header) => importX509(pem, header.alg!);
  }
  return undefined;
}
