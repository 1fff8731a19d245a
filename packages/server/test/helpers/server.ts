import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI, exactly what `latchkey start` runs. */
export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../latchkey.mjs');
export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../../shared/fixtures/keycloak');
/**
 * The skip reason of tests that read Keycloak's own exports, which live outside the repository
 * (../shared beside the clone); false where they are. test/import/own-fixtures.test.ts keeps
 * import tested without them.
 */
export const NO_FIXTURES: string | false = existsSync(FIXTURES) ? false
  : `needs Keycloak's realm exports in ${FIXTURES} (../shared beside the clone), which are not there`;

export const ADMIN_PASSWORD = 'admin-test-password';

/**
 * How long a test waits for something that comes once the machine gets round to it (a server
 * ready, a browser navigation, a redirect reaching the RP). Every such wait ends as soon as its
 * condition holds, so this only bounds a failure: generous, as two cores shared by a whole
 * suite (and other work) made 15–30 s run out while nothing was wrong.
 */
export const PATIENCE_MS = 120_000;

/** Polls until `check` holds: what a worker does in the background comes when the machine gets round to it. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${PATIENCE_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  /** Everything the process printed, for assertions on output. */
  output(): string;
  issuer(realm: string): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Keycloak realm representations to write to files and pass as --import-realm. */
  realms?: object[];
  importFiles?: string[];
  args?: string[];
  env?: Record<string, string>;
  dataDir?: string;
  /** Keep the data dir on stop, to start again over it. */
  keepData?: boolean;
  /**
   * Start without --public-url, so that the issuer follows each request's host. Otherwise the
   * tests' server is fixed at http://localhost:<port>, as a deployment would be, and is reached
   * at 127.0.0.1 too: requests and issuers may then name different hosts.
   */
  issuerFromRequest?: boolean;
}

/** Starts the real server process on a free port with a fresh data dir and waits until it is ready. */
export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'latchkey-test-'));
  const port = await freePort();
  const imports = [...(opts.importFiles ?? [])];
  (opts.realms ?? []).forEach((realm, i) => {
    const file = join(dataDir, `import-${i}.json`);
    writeFileSync(file, JSON.stringify(realm));
    imports.push(file);
  });
  const given = opts.args ?? [];
  const fixed = !opts.issuerFromRequest && !given.includes('--public-url') && !given.includes('--proxy-headers');
  const args = [CLI, 'start', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir,
    ...imports.flatMap((f) => ['--import-realm', f]), ...(fixed ? ['--public-url', `http://localhost:${port}`] : []), ...given];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, LATCHKEY_ADMIN_PASSWORD: ADMIN_PASSWORD, LATCHKEY_LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  const base = `http://127.0.0.1:${port}`;
  const relative = (() => {
    const i = (opts.args ?? []).indexOf('--http-relative-path');
    return i >= 0 ? '/' + opts.args![i + 1].replace(/^\/+|\/+$/g, '') : '';
  })();
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${base}${relative}/health/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready in ${PATIENCE_MS / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  return {
    url: base + relative,
    port,
    dataDir,
    process: child,
    output: () => output,
    issuer: (realm) => `http://localhost:${port}${relative}/realms/${realm}`,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface CliRun { code: number | null; stdout: string; stderr: string }

/**
 * Runs the built CLI to its end (asynchronously: a server the test started keeps being read
 * meanwhile), with none of the caller's LATCHKEY_ settings for the data unless given.
 */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, LATCHKEY_DATA_DIR: '', LATCHKEY_DATABASE_URL: '', LATCHKEY_MASTER_KEY: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** The server's URL for a path under a realm, with the host the test reaches (127.0.0.1). */
export const realmUrl = (server: TestServer, realm: string, path = '') => `${server.url}/realms/${realm}${path}`;

export const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

export function basic(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64');
}

/** POSTs a form to a realm endpoint and returns status, headers and parsed JSON. */
export async function postForm(url: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form(params),
  });
  const text = await res.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, json, text };
}

/** A realm with one of each kind of client and a couple of users, shared by most tests. */
export function demoRealm(name = 'demo'): object {
  return {
    realm: name,
    enabled: true,
    roles: {
      realm: [{ name: 'reader' }, { name: 'writer' }],
      client: { 'orders-api': [{ name: 'orders:read' }] },
    },
    clients: [
      {
        clientId: 'machine', publicClient: false, secret: 'machine-secret', serviceAccountsEnabled: true,
        standardFlowEnabled: false, attributes: { 'access.token.signed.response.alg': 'ES256' },
      },
      {
        clientId: 'webapp', publicClient: false, secret: 'webapp-secret', directAccessGrantsEnabled: true,
        protocolMappers: [{
          name: 'department', protocolMapper: 'oidc-usermodel-attribute-mapper',
          config: { 'user.attribute': 'department', 'claim.name': 'department', 'jsonType.label': 'String',
            'access.token.claim': 'true', 'id.token.claim': 'true', 'userinfo.token.claim': 'true' },
        }],
      },
      { clientId: 'spa', publicClient: true, directAccessGrantsEnabled: true, attributes: { 'pkce.code.challenge.method': 'S256' } },
      { clientId: 'no-refresh', publicClient: false, secret: 'nr-secret', directAccessGrantsEnabled: true, attributes: { 'use.refresh.tokens': 'false' } },
      { clientId: 'orders-api', publicClient: false, secret: 'orders-secret', standardFlowEnabled: false },
      { clientId: 'disabled-sa', publicClient: false, secret: 'dsa-secret', serviceAccountsEnabled: true },
      {
        // Latchkey extension: several secrets, each with an optional expiry (seed 001).
        clientId: 'rotating', publicClient: false, serviceAccountsEnabled: true,
        secrets: [{ value: 'expired-secret', expiresAt: 1_000_000_000 }, { value: 'current-secret', label: '2026' }, { value: 'next-secret' }],
      },
      { clientId: 'eddsa', publicClient: false, secret: 'eddsa-secret', serviceAccountsEnabled: true,
        attributes: { 'access.token.signed.response.alg': 'EdDSA' } },
    ],
    users: [
      {
        username: 'Alice', enabled: true, email: 'alice@example.com', emailVerified: true, firstName: 'Alice',
        lastName: 'Liddell', attributes: { department: ['research'], phoneNumber: ['+31 20 123 4567'] },
        credentials: [{ type: 'password', value: 'alice-pw' }], realmRoles: ['reader', 'offline_access'],
        clientRoles: { 'orders-api': ['orders:read'] },
      },
      { username: 'bob', enabled: false, credentials: [{ type: 'password', value: 'bob-pw' }] },
      { username: 'service-account-machine', enabled: true, serviceAccountClientId: 'machine', realmRoles: ['writer'] },
      { username: 'service-account-disabled-sa', enabled: false, serviceAccountClientId: 'disabled-sa' },
    ],
  };
}
