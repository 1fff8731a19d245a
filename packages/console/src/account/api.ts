// Keycloak's account REST API (<realm>/account/…), called with the signed-in user's bearer token.
import { accountBase, oidc } from './auth';

/** A refused call: the server's description, and (a refused profile) Keycloak's errors by field. */
export class AccountError extends Error {
  constructor(readonly status: number, description: string, readonly fields: Record<string, string> = {}) {
    super(description);
  }
}

interface ErrorBody {
  error_description?: string;
  error?: string;
  field?: string;
  errorMessage?: string;
  errors?: Array<{ field: string; errorMessage: string }>;
}

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const url = accountBase.href.replace(/\/$/, '') + path;
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${await oidc.accessToken()}`,
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) await oidc.redirectToSignIn();
  if (!response.ok) {
    const json = await response.json().catch(() => undefined) as ErrorBody | undefined;
    const all = json?.errors ?? (json?.field && json.errorMessage ? [{ field: json.field, errorMessage: json.errorMessage }] : []);
    throw new AccountError(response.status, json?.error_description ?? json?.error ?? `${response.status} ${response.statusText}`,
      Object.fromEntries(all.map((e) => [e.field, e.errorMessage])));
  }
  return response;
}

export const api = {
  get: async <T>(path: string): Promise<T> => (await call('GET', path)).json() as Promise<T>,
  post: async (path: string, body: unknown) => { await call('POST', path, body); },
  delete: async (path: string) => { await call('DELETE', path); },
};

export const segment = encodeURIComponent;
