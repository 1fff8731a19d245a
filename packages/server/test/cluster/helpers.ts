// What the cluster tests share: several server processes over one database behind an
// imagined load balancer, a loop of concurrent requests that records how each one ended,
// and a PostgreSQL server of the test's own that it may stop and start.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startServer, type StartOptions, type TestServer } from '../helpers/server.js';

export interface Cluster {
  nodes: TestServer[];
  /** The issuer base every node shares: the load balancer's address, which nothing listens on here. */
  publicUrl: string;
  masterKey: string;
  issuer(realm: string): string;
  /** A URL the load balancer would send to `node`: the public URL's path on that node. */
  on(node: TestServer, url: string): string;
  stop(): Promise<void>;
}

/**
 * Starts `count` nodes over one database at once, as a deployment would: the same public
 * URL and master key, each importing the same realms (one does, the others skip).
 */
export async function startCluster(count: number, databaseUrl: string, opts: StartOptions = {}): Promise<Cluster> {
  const publicUrl = `http://localhost:${await freePort()}`;
  const masterKey = randomBytes(32).toString('base64url');
  const started = await Promise.allSettled(Array.from({ length: count }, () => startServer({
    ...opts,
    args: ['--database-url', databaseUrl, '--public-url', publicUrl, ...(opts.args ?? [])],
    env: { LATCHKEY_MASTER_KEY: masterKey, ...opts.env },
  })));
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw failed.reason;
  }
  return {
    nodes,
    publicUrl,
    masterKey,
    issuer: (realm) => `${publicUrl}/realms/${realm}`,
    on: (node, url) => url.replace(publicUrl, node.url),
    async stop() { await Promise.all(nodes.map((n) => n.stop())); },
  };
}

/** How one request of a load ended: an HTTP status, or the error that kept it from getting one. */
export interface Outcome {
  node: number;
  kind: string;
  status?: number;
  /** The connection error (e.g. ECONNRESET), when there was no response. */
  error?: string;
  /** Whatever the body said, for assertion messages. */
  detail?: string;
  contentType?: string;
  started: number;
  ended: number;
}

export interface Call {
  node: number;
  kind: string;
  /** Sends the request and returns its response; `check` may then look at it. */
  send: () => Promise<Response>;
  /** Called with the response body of a 2xx; throwing marks the outcome as failed. */
  check?: (status: number, body: string) => void | Promise<void>;
}

/** The code of the network error behind a failed fetch (undici wraps it as the cause). */
export function connectionError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}

/**
 * `workers` loops of requests until `running()` turns false, each taking its next call
 * from `next(worker)`, which may return undefined to wait a little (e.g. no node to
 * send to). Every outcome is recorded in `outcomes` as it comes (so that `running` may
 * look at them); nothing throws.
 */
export async function load(workers: number, running: () => boolean, next: (worker: number) => Call | undefined,
  outcomes: Outcome[] = []): Promise<Outcome[]> {
  await Promise.all(Array.from({ length: workers }, async (_, worker) => {
    while (running()) {
      const call = next(worker);
      if (!call) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const started = performance.now();
      const outcome: Outcome = { node: call.node, kind: call.kind, started, ended: started };
      try {
        const res = await call.send();
        const body = await res.text();
        outcome.status = res.status;
        outcome.detail = body.slice(0, 200);
        outcome.contentType = res.headers.get('content-type') ?? undefined;
        if (res.status < 300) await call.check?.(res.status, body);
      } catch (err) {
        if (outcome.status === undefined) outcome.error = connectionError(err);
        else outcome.detail = `check failed: ${(err as Error).message}`;
      }
      outcome.ended = performance.now();
      outcomes.push(outcome);
    }
  }));
  return outcomes;
}

/** Counts of outcomes by "kind status" (or "kind error"), for assertion messages. */
export function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = `node ${o.node} ${o.kind} ${o.status ?? o.error}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true; returns how long that took, or throws after `timeoutMs`. */
export async function within(timeoutMs: number, what: string, probe: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

// ---- a PostgreSQL server of the test's own ----------------------------------------------

const PG_ROOT = '/usr/lib/postgresql';

/** Debian's server binaries (the newest version installed), or undefined. */
function postgresBin(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT).filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(a) - Number(b));
  return versions.length ? join(PG_ROOT, versions.at(-1)!, 'bin') : undefined;
}

/** Why a private PostgreSQL server cannot be started here, or undefined when it can. */
export function privatePostgresUnavailable(): string | undefined {
  const bin = postgresBin();
  if (!bin) return `no PostgreSQL server binaries in ${PG_ROOT}/<version>/bin (Debian's postgresql package): test skipped`;
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    return 'running as root without a postgres user to run PostgreSQL as: test skipped';
  }
  return undefined;
}

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  start(): Promise<void>;
  /** A fast shutdown, as an operator's restart: connections are cut, the data stays. */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * initdb in a temp dir and a server on a free port, never the machine's shared one.
 * PostgreSQL refuses to run as root, so as root it runs as the postgres user, in a
 * data dir that user owns.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin()!;
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  // Not spawnSync: the test's own requests keep running while the server stops and starts.
  const run = async (tool: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    try {
      await promisify(execFile)(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
    } catch (err) {
      const e = err as { code?: number; stderr?: string; stdout?: string };
      throw new Error(`${tool} ${args.join(' ')} failed (${e.code}): ${e.stderr || e.stdout}`);
    }
  };
  const port = await freePort();
  await run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=100`;
  const pg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']),
    stop: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']),
    async destroy() {
      await pg.stop().catch(() => { /* not running */ });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await pg.start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return pg;
}
