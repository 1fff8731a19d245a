import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Keycloak's client-initiated account linking: the client proves it asks for the browser's own
 * session with base64url(SHA-256(nonce + session id + client id + provider alias)), which only
 * a holder of that session's tokens (their sid) can compute.
 */
export const accountLinkHash = (nonce: string, sessionId: string, clientId: string, alias: string): string =>
  createHash('sha256').update(nonce + sessionId + clientId + alias).digest('base64url');

/** Whether `hash` is the link hash of that session, client and provider (compared in constant time). */
export function accountLinkHashMatches(hash: string, nonce: string, sessionId: string, clientId: string, alias: string): boolean {
  const expected = Buffer.from(accountLinkHash(nonce, sessionId, clientId, alias));
  const given = Buffer.from(hash);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
