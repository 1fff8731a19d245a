// The admin REST API (Keycloak's paths under <relative-path>/admin/realms), called with the
// signed-in administrator's bearer token. Errors come back as ApiError with the server's
// description and, when it names one, the field it is about.
import { accessToken, consoleBase, redirectToSignIn } from './auth';

export class ApiError extends Error {
  constructor(readonly status: number, readonly description: string, readonly field?: string) {
    super(description);
  }
}

/** "Missing field: clientId", "Invalid field redirectUris[0]: must be string" → clientId, redirectUris[0]. */
export function fieldOf(description: string): string | undefined {
  return /^(?:Missing|Invalid|Unknown) field:? ([^\s:]+)/.exec(description)?.[1];
}

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const url = new URL(path.replace(/^\//, ''), consoleBase);
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${await accessToken()}`,
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) await redirectToSignIn();
  if (!response.ok) {
    const json = await response.json().catch(() => undefined) as { error_description?: string; error?: string } | undefined;
    const description = json?.error_description ?? json?.error ?? `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, description, fieldOf(description));
  }
  return response;
}

const json = async <T>(response: Response): Promise<T> =>
  (response.status === 204 || response.headers.get('content-length') === '0' ? undefined : await response.json()) as T;

/** Path segments, each encoded: api.path('realms', realm, 'users', id). */
export const path = (...segments: string[]) => '/' + segments.map(encodeURIComponent).join('/');

export const api = {
  get: async <T>(p: string) => json<T>(await call('GET', p)),
  post: async <T = void>(p: string, body: unknown = {}) => json<T>(await call('POST', p, body)),
  put: async (p: string, body: unknown) => { await call('PUT', p, body); },
  delete: async (p: string, body?: unknown) => { await call('DELETE', p, body); },
  /** POSTs and returns the new resource's id, the last segment of the Location header. */
  async create(p: string, body: unknown): Promise<string> {
    const response = await call('POST', p, body);
    return decodeURIComponent((response.headers.get('location') ?? '').split('/').pop() ?? '');
  },
};
