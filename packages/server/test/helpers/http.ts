import assert from 'node:assert/strict';
import { basic, postForm, realmUrl, type TestServer } from './server.js';

/** What every test looks at in a response: status, headers, raw text and the JSON it parses to. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** fetch, read the body once, parse JSON when it is JSON. */
export async function send(url: string, init: RequestInit = {}): Promise<JsonResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

export const oidcPath = (endpoint: 'token' | 'userinfo' | 'certs' | 'token/introspect' | 'revoke') =>
  `/protocol/openid-connect/${endpoint}`;

export const tokenUrl = (server: TestServer, realm: string) => realmUrl(server, realm, oidcPath('token'));
export const userinfoUrl = (server: TestServer, realm: string) => realmUrl(server, realm, oidcPath('userinfo'));
export const introspectUrl = (server: TestServer, realm: string) => realmUrl(server, realm, oidcPath('token/introspect'));
export const revokeUrl = (server: TestServer, realm: string) => realmUrl(server, realm, oidcPath('revoke'));

/** The password grant as a raw form post; a secret makes it client_secret_basic. */
export function passwordGrant(server: TestServer, realm: string, clientId: string, secret: string | undefined,
  username: string, password: string, extra: Record<string, string> = {}) {
  const params: Record<string, string> = { grant_type: 'password', username, password, ...extra };
  if (secret === undefined) params.client_id = clientId;
  return postForm(tokenUrl(server, realm), params, secret === undefined ? {} : { authorization: basic(clientId, secret) });
}

export function clientCredentials(server: TestServer, realm: string, clientId: string, secret: string, extra: Record<string, string> = {}) {
  return postForm(tokenUrl(server, realm), { grant_type: 'client_credentials', ...extra }, { authorization: basic(clientId, secret) });
}

export function userinfo(server: TestServer, realm: string, accessToken: string) {
  return send(userinfoUrl(server, realm), { headers: { authorization: `Bearer ${accessToken}` } });
}

// A stack frame ("at fn (file:line:col)"), a source location or a dependency path in a body means internals leaked.
const LEAKS = [/\n\s*at\s/, /\bat\s+(?:async\s+)?\S+\s+\((?:file:|node:|\/)/, /\.(?:[cm]?js|ts):\d+/, /node_modules/, /\bstack\b/i];

/** Asserts the shape every protocol error must have: 4xx, JSON with `error`, no-store, nothing internal. */
export function assertProtocolError(res: { status: number; headers: Headers; text: string; json: any }, status: number, error?: string, context = '') {
  const where = `${context}${context ? ': ' : ''}${res.status} ${res.text.slice(0, 300)}`;
  assert.ok(res.status >= 400 && res.status < 500, `expected a 4xx, got ${where}`);
  assert.equal(res.status, status, `status: ${where}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `content-type: ${where}`);
  assert.ok(res.json && typeof res.json === 'object', `JSON body: ${where}`);
  assert.equal(typeof res.json.error, 'string', `error member: ${where}`);
  if (error !== undefined) assert.equal(res.json.error, error, `error code: ${where}`);
  for (const leak of LEAKS) assert.doesNotMatch(res.text, leak, `internals in body: ${where}`);
  assert.match(res.headers.get('cache-control') ?? '', /no-store/, `cache-control no-store: ${where}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
