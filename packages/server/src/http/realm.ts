import type { FastifyRequest } from 'fastify';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { OAuthError, RealmNotFound } from '../protocol/errors.js';

export type RealmParams = { realm: string };

/** The issuer base (scheme, host, relative path) a request was made to, when the issuer follows each request. */
export type IssuerBaseResolver = (request: FastifyRequest) => string;

declare module 'fastify' {
  interface FastifyInstance {
    /** Decorated only when the issuer comes from each request (no --public-url). */
    issuerBaseOf?: IssuerBaseResolver;
  }
}

/**
 * The realm named in the path; RealmNotFound when there is none.
 * The cached runtime carries the configured issuer; when the issuer follows the
 * request, this request gets a copy with its own.
 */
export async function realmOf(domain: Domain, request: FastifyRequest): Promise<RealmRuntime> {
  const name = (request.params as RealmParams).realm;
  const realm = await domain.realms.runtime(name);
  if (!realm || !realm.realm.enabled) throw new RealmNotFound(name);
  const base = request.server.issuerBaseOf?.(request);
  return base === undefined ? realm : { ...realm, base, issuer: domain.realms.issuerOf(realm.realm.name, base) };
}

// A host name, IPv4 or bracketed IPv6 address, with an optional port: nothing else may become an issuer.
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

/**
 * The issuer base from the scheme and host the client used, as the reverse proxy forwards
 * them (X-Forwarded-Proto, X-Forwarded-Host; Fastify reads them when trustProxy is on),
 * else the connection's own scheme and Host header. A default port is left out.
 */
export function forwardedIssuerBase(relativePath: string): IssuerBaseResolver {
  return (request) => {
    const proto = String(request.protocol ?? '').toLowerCase();
    const host = String(request.host ?? '').trim().toLowerCase();
    const match = HOST.exec(host);
    if ((proto !== 'http' && proto !== 'https') || !match) {
      throw new OAuthError('invalid_request', 'The request has no valid host or protocol', 400);
    }
    const defaultPort = (proto === 'https' && match[1] === '443') || (proto === 'http' && match[1] === '80');
    return `${proto}://${defaultPort ? host.slice(0, host.lastIndexOf(':')) : host}${relativePath}`;
  };
}
