// Requests to identity providers go where an admin says, so they are a way into the
// network Latchkey runs in (SSRF). Unless the operator allows it, they reach public
// addresses only: an IP literal is checked before connecting, a host name where it
// resolves, and the connection goes to exactly the address checked, so a second DNS
// answer (rebinding) cannot point it elsewhere.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { CustomFetch } from 'openid-client';
import type { Agent, RequestInit as UndiciRequestInit } from 'undici';

/** A destination refused because it is not a public address. */
export class PrivateAddressError extends Error {
  static readonly CODE = 'EPRIVATEADDRESS';
  override name = 'PrivateAddressError';
  readonly code = PrivateAddressError.CODE;
  constructor(readonly address: string) {
    super(`${address} is not a public address (see --allow-private-outbound)`);
  }
}

/**
 * Global unicast only: loopback, private, link-local, unique-local, carrier-grade NAT,
 * unspecified, multicast and reserved ranges are not, and IPv4-mapped IPv6 counts as its IPv4.
 */
export function isPublicAddress(address: string): boolean {
  return ipaddr.isValid(address) && ipaddr.process(address).range() === 'unicast';
}

/** dns.lookup that answers with public addresses only, or fails when there are none. */
const publicLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const usable = addresses.filter((a) => isPublicAddress(a.address));
    if (usable.length === 0) return callback(new PrivateAddressError(addresses[0]?.address ?? hostname), '', 0);
    if (options.all) return callback(null, usable);
    callback(null, usable[0].address, usable[0].family);
  });
};

/**
 * One pool for every provider: connections are made through publicLookup only. undici is
 * loaded with the first outbound request, not at start: most servers broker nothing.
 */
let pool: Promise<{ agent: Agent; fetch: typeof import('undici').fetch }> | undefined;
const undiciPool = () => (pool ??= import('undici').then((u) => ({ agent: new u.Agent({ connect: { lookup: publicLookup } }), fetch: u.fetch })));

/**
 * The fetch for openid-client's customFetch: refuses what is not public, or undefined when
 * the operator allows private addresses (the platform's fetch then).
 */
export function outboundFetch(allowPrivate: boolean): CustomFetch | undefined {
  if (allowPrivate) return undefined;
  return async (url, init) => {
    // URL() has already written IPv4 literals in dotted decimal; IPv6 ones stand in brackets.
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    // net.connect does not look IP literals up, so publicLookup never sees them.
    if (isIP(host) && !isPublicAddress(host)) throw new PrivateAddressError(host);
    const { agent, fetch } = await undiciPool();
    return fetch(url, { ...(init as UndiciRequestInit), dispatcher: agent }) as Promise<unknown> as Promise<Response>;
  };
}
