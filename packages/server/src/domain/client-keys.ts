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

/**
 * The public keys a client signs its client assertions and request objects with (Keycloak's
 * jwks.url, jwks.string or certificate attributes). A JWKS URL goes through the outbound
 * fetch's SSRF guard, is cached, and is refetched when a JWT names a kid it does not hold.
 */
export class ClientKeys {
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
  of(client: ClientRecord): JWTVerifyGetKey | undefined {
    const policy = clientOAuthPolicy(client.settings);
    if (policy.jwksUrl) return this.remoteSet(policy.jwksUrl);
    if (!this.local.has(client)) this.local.set(client, localKeys(policy.jwksString, policy.certificate));
    return this.local.get(client);
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
