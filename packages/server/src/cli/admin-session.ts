import { mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

// The signed-in administrator of `latchkey admin`, as kcadm.sh keeps it: the server, realm and
// client signed in with and the tokens, in a file only its owner can read. Never the password:
// when the access token has expired the refresh token gets a new one, and when that has
// expired too the administrator signs in again.

export interface AdminConfig {
  /** The server's base URL, with its http-relative-path: http://localhost:8080, https://id.example.com/auth */
  server: string;
  /** The realm the administrator signed in to (and the default target realm). */
  realm: string;
  clientId: string;
  user: string;
  accessToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  refreshToken?: string;
  /** Milliseconds since the epoch; absent when the refresh token does not expire (an offline one). */
  refreshExpiresAt?: number;
}

export const CONFIG_ENV = 'LATCHKEY_ADMIN_CONFIG';

export const configPath = (option?: string): string =>
  option || process.env[CONFIG_ENV] || join(homedir(), '.latchkey', 'admin.json');

/** An error the command reports as its one line of output (and exit code 1). */
export class AdminError extends Error {}

const LOGIN_HINT = 'latchkey admin login --server <url> --realm master --user <name>';
/** The login to run again, for the session of that config. */
const loginAgain = (c: AdminConfig) => `latchkey admin login --server ${c.server} --realm ${c.realm} --user ${c.user}`;

export function readConfig(path: string): AdminConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AdminError(`not logged in (no ${path}): run ${LOGIN_HINT}`);
    throw new AdminError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let config: Partial<AdminConfig>;
  try {
    config = JSON.parse(text) as Partial<AdminConfig>;
  } catch {
    throw new AdminError(`${path} is not a latchkey admin config file (not JSON): run ${LOGIN_HINT}`);
  }
  if (typeof config.server !== 'string' || typeof config.realm !== 'string' || typeof config.accessToken !== 'string') {
    throw new AdminError(`${path} is not a latchkey admin config file: run ${LOGIN_HINT}`);
  }
  return config as AdminConfig;
}

/**
 * Written aside and renamed into place, so a reader never sees half a file and the file is
 * created owner-only (0600) whatever the old one's mode was.
 */
export function writeConfig(path: string, config: AdminConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const partial = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(partial, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
    renameSync(partial, path);
  } catch (err) {
    rmSync(partial, { force: true });
    throw new AdminError(`cannot write ${path}: ${(err as Error).message}`);
  }
}

// ---- HTTP ----------------------------------------------------------------------------

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** The server's base URL, checked: https, or plain http to this machine (or when allowed). */
export function serverUrl(text: string, allowHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AdminError(`--server must be a URL such as http://localhost:8080, not "${text}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AdminError(`--server must be an http:// or https:// URL, not "${text}"`);
  if (url.search || url.hash || url.username || url.password) throw new AdminError('--server takes no query, fragment or user name');
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname) && !allowHttp) {
    throw new AdminError(`refusing to send a password and tokens over plain http to ${url.host}: use https, or --allow-http on a network you trust`);
  }
  return url.href.replace(/\/+$/, '');
}

/** fetch, with the reasons a server cannot be reached said plainly. */
export async function send(url: string, init: RequestInit): Promise<Reply> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'manual' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new AdminError(`cannot reach ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The server's own words for a failure: its error_description (Keycloak's errorMessage), else the status. */
export function failure(reply: Reply, what: string): AdminError {
  const body = (reply.json ?? {}) as { error?: unknown; error_description?: unknown; errorMessage?: unknown };
  const said = [body.error_description, body.errorMessage, body.error].find((v): v is string => typeof v === 'string' && v !== '');
  const text = said ?? (reply.text && reply.json === undefined ? reply.text.replace(/\s+/g, ' ').trim().slice(0, 200) : '');
  return new AdminError(`${what}: ${text || 'no reason given'} (HTTP ${reply.status})`);
}

interface TokenResponse {
  access_token: string;
  expires_in?: number;
  refresh_token?: string;
  refresh_expires_in?: number;
}

async function tokenRequest(server: string, realm: string, params: Record<string, string>, what: string): Promise<Omit<AdminConfig, 'server' | 'realm' | 'clientId' | 'user'>> {
  const sent = Date.now();
  const reply = await send(`${server}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(params).toString(),
  });
  const tokens = reply.json as TokenResponse | undefined;
  if (reply.status !== 200 || typeof tokens?.access_token !== 'string') throw failure(reply, what);
  return {
    accessToken: tokens.access_token,
    expiresAt: sent + (tokens.expires_in ?? 60) * 1000,
    refreshToken: tokens.refresh_token,
    refreshExpiresAt: tokens.refresh_token && tokens.refresh_expires_in ? sent + tokens.refresh_expires_in * 1000 : undefined,
  };
}

export async function login(o: { server: string; realm: string; clientId: string; user: string; password: string }): Promise<AdminConfig> {
  const tokens = await tokenRequest(o.server, o.realm, {
    grant_type: 'password', client_id: o.clientId, username: o.user, password: o.password,
  }, `login to realm ${o.realm} as ${o.user} failed`);
  return { server: o.server, realm: o.realm, clientId: o.clientId, user: o.user, ...tokens };
}

// ---- the session of one command --------------------------------------------------------

/** A token this close to its expiry is refreshed first: it would expire on the way. */
const EXPIRY_MARGIN_MS = 5_000;
const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Refresh tokens rotate, and a rotated one used again ends the session: two commands that
 * refresh at once (a script's `&`) must not both use the same one. The lock file makes
 * them take turns; the second then finds the first's new token in the file.
 */
async function withLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new AdminError(`cannot lock ${path}: ${(err as Error).message}`);
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { force: true });
      } catch {
        // gone meanwhile: try again
      }
      if (Date.now() > deadline) throw new AdminError(`${lock} is held by another latchkey admin command; remove it if none runs`);
      await sleep(50);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

export class Session {
  private constructor(private readonly path: string, public config: AdminConfig) {}

  static open(path: string): Session {
    return new Session(path, readConfig(path));
  }

  /** An access token good for a while yet, refreshed (and the file updated) when it is not. */
  async token(force = false): Promise<string> {
    const fresh = (c: AdminConfig) => c.expiresAt - EXPIRY_MARGIN_MS > Date.now();
    if (!force && fresh(this.config)) return this.config.accessToken;
    const stale = this.config.accessToken;
    return withLock(this.path, async () => {
      // Another command may have refreshed while this one waited for the lock.
      const current = readConfig(this.path);
      if (current.accessToken !== stale && fresh(current)) {
        this.config = current;
        return current.accessToken;
      }
      if (!current.refreshToken || (current.refreshExpiresAt !== undefined && current.refreshExpiresAt <= Date.now())) {
        throw new AdminError(`the session has expired: run ${loginAgain(current)}`);
      }
      let tokens;
      try {
        tokens = await tokenRequest(current.server, current.realm, {
          grant_type: 'refresh_token', client_id: current.clientId, refresh_token: current.refreshToken,
        }, 'refreshing the access token failed');
      } catch (err) {
        if (err instanceof AdminError && / \(HTTP 400\)$/.test(err.message)) {
          throw new AdminError(`${err.message}; run ${loginAgain(current)}`);
        }
        throw err;
      }
      this.config = { ...current, ...tokens, refreshToken: tokens.refreshToken ?? current.refreshToken };
      writeConfig(this.path, this.config);
      return this.config.accessToken;
    });
  }

  /**
   * An admin API request with the bearer token. A 401 to a token believed good (revoked,
   * or a clock ahead of the server's) gets one refresh and one retry.
   */
  async request(method: string, url: string, body?: unknown): Promise<Reply> {
    const attempt = async (token: string) => send(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const reply = await attempt(await this.token());
    if (reply.status !== 401) return reply;
    return attempt(await this.token(true));
  }
}
