import { randomBytes } from 'node:crypto';
import { sha256 } from '../crypto/random.js';

/**
 * The browser state of OpenID Connect Session Management 1.0 §3: what the OP's iframe reads
 * from a cookie. A hash of the SSO session's id, so the cookie scripts can read names the
 * session without being the id the signed session cookie carries; keycloak-js, which sends
 * the id token's `sid`, is checked by hashing that.
 */
export const browserState = (sessionId: string): string => sha256(sessionId);

/**
 * The authorization response's `session_state` (Session Management §3): a salted hash of
 * the client, the origin of its redirect URI and the browser state, so it changes whenever
 * the browser's session does and says nothing about the session to anyone else. The check
 * session iframe (resources/latchkey/login-status-iframe.js) computes the same.
 */
export function sessionState(clientId: string, redirectUri: string, sessionId: string): string {
  const salt = randomBytes(16).toString('base64url');
  return `${sha256([clientId, new URL(redirectUri).origin, browserState(sessionId), salt].join(' '))}.${salt}`;
}
