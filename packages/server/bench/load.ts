// What the benchmarks share: the load (autocannon, latencies in microseconds), the shipped
// bin to start, authorization codes made beforehand, and a plain text table.
import { readFileSync } from 'node:fs';
import { createHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';

import { BrowserFlow, PKCE_VERIFIER } from './browser-flow.js';
import { CLIENT_SECRET, USER, WEB_CLIENT } from './fixtures.js';
import { basicAuth, request } from './http.js';

const PACKAGE_ROOT = new URL('../../', import.meta.url);

export function positiveFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(raw)}`);
  return value;
}

function durationFromEnv(): number {
  const raw = process.env.BENCH_DURATION;
  if (raw === undefined || raw === '') return 10;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`BENCH_DURATION must be a positive number of seconds, got ${JSON.stringify(raw)}`);
  }
  return seconds;
}

// Starts what the installed `latchkey` command runs, so that start-up is measured
// on the artefact users get (the build bundles it) rather than on tsc's output.
export function latchkeyBin(): string {
  // Another build's bin (an older commit's, say) to compare with, under the same harness.
  if (process.env.BENCH_LATCHKEY_BIN) return process.env.BENCH_LATCHKEY_BIN;
  const manifest = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as {
    bin?: { latchkey?: string };
  };
  const bin = manifest.bin?.latchkey;
  if (!bin) throw new Error('packages/server/package.json has no bin.latchkey');
  return fileURLToPath(new URL(bin, PACKAGE_ROOT));
}

export const DURATION_S = durationFromEnv();
export const WARMUP_S = 2;
/** The latency goals are for 50 connections. */
export const CONNECTIONS = positiveFromEnv('BENCH_CONNECTIONS', 50);

export interface Load {
  url: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** For single-use requests: each one's body, until they run out (then the run ends). */
  bodies?: string[];
  /**
   * For a token that each use replaces (refresh rotation): a request takes one from the pool,
   * its answer puts the next one back, so the pool holds one per connection in flight.
   */
  rotate?: { pool: string[]; body: (token: string | undefined) => string; next: (responseBody: string) => string | undefined };
  verifyBody: (body: string) => boolean;
  note?: string;
  /** Fewer connections than CONNECTIONS, where more would only queue. */
  connections?: number;
}

export interface Measurement {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Warm-up included: a server that fails only while cold still fails. */
  non2xx: number;
  errors: number;
  mismatches: number;
  statusCodes: Record<string, number>;
}

/** A pre-flight request did not get the expected answer, so the scenario cannot be measured. */
export class PreflightError extends Error {
  constructor(request: string, expected: string, got: string) {
    super(`request: ${request}\n    expected: ${expected}\n    got: ${got}`);
  }
}

export const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

export function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

export function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Where the web client's codes come from and go to. */
export interface CodeEndpoints {
  name: string;
  authorizationUrl: string;
  tokenUrl: string;
}

/** Codes for the web client, made CONCURRENCY at a time over one signed-in session. */
export async function makeCodes(target: Pick<CodeEndpoints, 'name' | 'authorizationUrl'>, count: number): Promise<string[]> {
  const flow = new BrowserFlow({
    name: target.name,
    authorizationUrl: target.authorizationUrl,
    clientId: WEB_CLIENT.clientId,
    redirectUri: WEB_CLIENT.redirectUri,
    username: USER.username,
    password: USER.password,
  });
  const codes = [await flow.code()];
  const CONCURRENCY = 8;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (codes.length < count) codes.push(await flow.code());
  }));
  return codes.slice(0, count);
}

export const codeForm = (code: string) =>
  new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEB_CLIENT.redirectUri, code_verifier: PKCE_VERIFIER }).toString();

/** Exchanges one code, checking the answer; returns the token response. */
export async function exchange(target: Pick<CodeEndpoints, 'tokenUrl'>, code: string): Promise<Record<string, unknown>> {
  const res = await request(target.tokenUrl, {
    method: 'POST',
    headers: { ...FORM_HEADERS, authorization: basicAuth(WEB_CLIENT.clientId, CLIENT_SECRET) },
    body: codeForm(code),
  });
  const json = res.status === 200 ? parseJson(res.body) : undefined;
  if (typeof json?.access_token !== 'string' || typeof json?.id_token !== 'string') {
    throw new PreflightError(
      `POST ${target.tokenUrl} (client_secret_basic as ${WEB_CLIENT.clientId}) grant_type=authorization_code&code=...&code_verifier=...`,
      'HTTP 200 with access_token and id_token',
      `HTTP ${res.status} ${truncate(res.body)}`,
    );
  }
  return json;
}

export async function measure(load: Load, durationS = DURATION_S): Promise<Measurement> {
  // autocannon's own latency histogram truncates to whole milliseconds, which
  // flattens loopback latencies to 0 or 1; keep microseconds instead. Only the
  // measured run emits here (the warm-up has its own tracker), and like autocannon
  // only 2xx responses count.
  const latencyUs = createHistogram();
  const { bodies, rotate } = load;
  const run = autocannon({
    url: load.url,
    method: load.method ?? 'POST',
    headers: load.headers,
    body: load.body,
    connections: load.connections ?? CONNECTIONS,
    verifyBody: load.verifyBody,
    // Single-use bodies: exactly as many requests as there are, each with the next one.
    ...(bodies
      ? { amount: bodies.length, requests: [{ setupRequest: (req: { body?: string }) => ({ ...req, body: bodies.pop() }) }] }
      : { duration: durationS, warmup: { duration: WARMUP_S } }),
    ...(rotate ? {
      requests: [{
        setupRequest: (req: { body?: string }) => ({ ...req, body: rotate.body(rotate.pool.shift()) }),
        onResponse: (_status: number, body: string) => {
          const next = rotate.next(body);
          if (next !== undefined) rotate.pool.push(next);
        },
      }],
    } : {}),
  });
  const started = performance.now();
  let lastAnswer = started;
  run.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    lastAnswer = performance.now();
    if (statusCode >= 200 && statusCode < 300) latencyUs.record(Math.max(1, Math.round(responseTimeMs * 1000)));
  });
  const result = await run;
  // autocannon notices a fixed amount is done at its next once-a-second tick, and gives the
  // run's duration in whole seconds: the last answer's time is when the run really ended.
  const seconds = (lastAnswer - started) / 1000;
  const runs = result.warmup ? [result, result.warmup] : [result];
  const sum = (pick: (run: autocannon.Result) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const statusCodes: Record<string, number> = {};
  for (const run of runs) {
    for (const [code, { count }] of Object.entries(run.statusCodeStats)) {
      statusCodes[code] = (statusCodes[code] ?? 0) + Number(count);
    }
  }
  return {
    // A run of a fixed amount ends mid-second: count its requests over its own length.
    reqPerSec: bodies ? result.requests.total / seconds : result.requests.average,
    p50Ms: latencyUs.percentile(50) / 1000,
    p99Ms: latencyUs.percentile(99) / 1000,
    non2xx: sum((run) => run.non2xx),
    errors: sum((run) => run.errors),
    mismatches: sum((run) => run.mismatches),
    statusCodes,
  };
}

export function renderTable(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) =>
    row.map((text, column) => (column === 0 ? text.padEnd(widths[column]) : text.padStart(widths[column]))).join('  ');
  return [line(rows[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
