import { BlockList, isIP } from 'node:net';
import { isScriptUri } from '../domain/clients.js';
import type { ClientSettings, SslRequired } from '../storage/store.js';

/**
 * The one rule for every URI the browser may be sent to, after sign-in and after logout
 * (RFC 9700 §4.1.3, §2.6): the requested URI is refused outright when it could be read two
 * ways, then matches a registration exactly, or, where the client registered one ending
 * in `*` (Keycloak's wildcard), by scheme, host and port exactly and by path prefix. A
 * plain-http loopback IP literal also matches with its port left out (see LOOPBACK_PORT). A
 * registration starting with `/` is relative to `base`, where the server is reached (as
 * Keycloak's own console registers `/admin/master/console/*`): it follows the request's host
 * when the issuer does.
 */
export function redirectUriAllowed(registered: readonly string[], requested: string, sslRequired: SslRequired | undefined, base: string): boolean {
  const url = unambiguous(requested);
  // Registrations made before such schemes were refused are not followed either.
  if (!url || isScriptUri(requested) || !transportAllowed(url, sslRequired ?? 'external')) return false;
  const matches = (raw: string, parsed: URL) => registered.some((r) => {
    const absolute = r.startsWith('/') ? base + r : r;
    return absolute.endsWith('*') ? wildcardMatches(absolute.slice(0, -1), parsed) : absolute === raw;
  });
  if (matches(requested, url)) return true;
  const portless = requested.replace(LOOPBACK_PORT, '$1');
  return portless !== requested && matches(portless, new URL(portless));
}

/**
 * RFC 8252 §7.3: a native app listens on whatever loopback port it could get, so a
 * registered `http://127.0.0.1/…` or `http://[::1]/…` (no port) matches any port at request
 * time, as in Keycloak. `localhost` is not a loopback literal (§8.3) and stays exact.
 */
const LOOPBACK_PORT = /^(http:\/\/(?:127\.0\.0\.1|\[::1\])):\d+(?=[/?]|$)/;

/** Keycloak's `+` among the post-logout redirect URIs stands for the client's login redirect URIs. */
export function postLogoutRedirectUris(settings: Pick<ClientSettings, 'postLogoutRedirectUris' | 'redirectUris'>): string[] {
  return settings.postLogoutRedirectUris.flatMap((u) => (u === '+' ? settings.redirectUris : [u]));
}

// A `.` or `..` segment, also percent-encoded: URL parsers remove them, so a prefix check on the
// raw text and the place the browser lands would disagree.
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;
const AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/([^/?]*)/i;

/**
 * The requested URI parsed, or undefined when its text and its parsed form may differ: dot
 * segments, backslashes (read as `/` by browsers), userinfo (`https://app@evil/`), a fragment,
 * and whitespace or control characters (which parsers drop silently).
 */
function unambiguous(raw: string): URL | undefined {
  if (/[\\\s\u0000-\u001f\u007f#]/.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  // `https://@evil.example/` parses with an empty username, so the raw authority is looked at too.
  if (url.username || url.password || AUTHORITY.exec(raw)?.[1].includes('@')) return undefined;
  if (raw.split('?')[0].split('/').some((segment) => DOT_SEGMENT.test(segment))) return undefined;
  return url;
}

function wildcardMatches(prefix: string, url: URL): boolean {
  let base: URL;
  try {
    base = new URL(prefix);
  } catch {
    // A relative or malformed registration cannot be compared by scheme and host.
    return false;
  }
  if (base.protocol !== url.protocol || base.hostname !== url.hostname || base.port !== url.port) return false;
  // A registration with a query before its `*` fixes the path and leaves the rest of the query open.
  if (base.search) return base.pathname === url.pathname && url.search.startsWith(base.search);
  return url.pathname.startsWith(base.pathname);
}

/**
 * Keycloak's "external" requests: those not from a local address, which it defines as
 * any-local, loopback or site-local (java.net.InetAddress). Plain HTTP is kept to those.
 * Host names are not resolved (that would be I/O, and the answer is the attacker's to give),
 * so `localhost` is the only name that counts as local.
 */
const LOCAL = new BlockList();
LOCAL.addAddress('0.0.0.0', 'ipv4');
LOCAL.addSubnet('127.0.0.0', 8, 'ipv4');
LOCAL.addSubnet('10.0.0.0', 8, 'ipv4');
LOCAL.addSubnet('172.16.0.0', 12, 'ipv4');
LOCAL.addSubnet('192.168.0.0', 16, 'ipv4');
LOCAL.addAddress('::', 'ipv6');
LOCAL.addAddress('::1', 'ipv6');
LOCAL.addSubnet('fec0::', 10, 'ipv6');

function isLocalHost(hostname: string): boolean {
  if (hostname === 'localhost') return true;
  const address = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  const family = isIP(address);
  // BlockList matches IPv4-mapped IPv6 addresses against the IPv4 ranges, as Java does.
  return family !== 0 && LOCAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** https always; plain http as the realm's sslRequired allows; other schemes (native apps, RFC 8252) as registered. */
function transportAllowed(url: URL, sslRequired: SslRequired): boolean {
  if (url.protocol !== 'http:') return true;
  if (sslRequired === 'none') return true;
  return sslRequired === 'external' && isLocalHost(url.hostname);
}
