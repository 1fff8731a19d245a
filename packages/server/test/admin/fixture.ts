import assert from 'node:assert/strict';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../storage/databases.js';
import { send, type JsonResponse } from '../helpers/http.js';
import { ADMIN_PASSWORD, form, realmUrl, startServer, type StartOptions, type TestServer } from '../helpers/server.js';

/**
 * Where the admin API tests run: the embedded SQLite database always, and PostgreSQL too
 * when LATCHKEY_TEST_DATABASE_URL names a reachable server (the storage tests' variable).
 */
export interface Backend {
  name: string;
  skip?: string;
  start(opts?: StartOptions): Promise<{ server: TestServer; stop(): Promise<void> }>;
}

export const backends: Backend[] = [
  {
    name: 'SQLite',
    async start(opts = {}) {
      const server = await startServer(opts);
      return { server, stop: () => server.stop() };
    },
  },
  {
    name: 'PostgreSQL',
    skip: await postgresUnavailable(),
    async start(opts = {}) {
      const db: TestDatabase = await createTestDatabase();
      try {
        const server = await startServer({ ...opts, args: [...(opts.args ?? []), '--database-url', db.url] });
        return { server, async stop() { await server.stop(); await db.drop(); } };
      } catch (err) {
        await db.drop();
        throw err;
      }
    },
  },
];

/** An access token from the password grant, as Keycloak's admin tools get one (public client admin-cli by default). */
export async function passwordToken(server: TestServer, realm: string, username: string, password: string, clientId = 'admin-cli'): Promise<string> {
  const res = await send(realmUrl(server, realm, '/protocol/openid-connect/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ grant_type: 'password', client_id: clientId, username, password }),
  });
  assert.equal(res.status, 200, `token for ${realm}/${username}: ${res.text}`);
  return res.json.access_token as string;
}

export const masterAdminToken = (server: TestServer) => passwordToken(server, 'master', 'admin', ADMIN_PASSWORD);

/** A client of the admin API for one token: JSON in, JSON out. */
export function adminApi(server: TestServer, token?: string) {
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> =>
    send(`${server.url}/admin${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body ?? {}),
    put: (path: string, body?: unknown) => call('PUT', path, body ?? {}),
    delete: (path: string, body?: unknown) => call('DELETE', path, body),
    call,
    /** POSTs and returns the new resource's id from the Location header, asserting 201. */
    async create(path: string, body: unknown): Promise<string> {
      const res = await call('POST', path, body);
      assert.equal(res.status, 201, `POST ${path}: ${res.status} ${res.text}`);
      const location = res.headers.get('location');
      assert.ok(location, `POST ${path}: no Location header`);
      return decodeURIComponent(location.split('/').pop()!);
    },
  };
}

export type AdminApi = ReturnType<typeof adminApi>;

/** Asserts an admin API error: its status, the JSON shape every error has, and words its description must hold. */
export function assertAdminError(res: JsonResponse, status: number, ...words: string[]): void {
  const where = `${res.status} ${res.text.slice(0, 300)}`;
  assert.equal(res.status, status, where);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, where);
  assert.equal(typeof res.json?.error, 'string', where);
  assert.equal(typeof res.json?.error_description, 'string', where);
  for (const word of words) assert.ok(res.json.error_description.includes(word), `"${word}" in: ${where}`);
  assert.doesNotMatch(res.text, /\n\s*at\s|node_modules|\.(?:[cm]?js|ts):\d+/, `internals in: ${where}`);
}
