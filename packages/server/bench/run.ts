// Latchkey vs oidc-provider on loopback: start-up time, throughput and latency of
// client_credentials (ES256, RS256), introspection, the code-for-token exchange and
// userinfo, and Latchkey's memory.
// Exits non-zero only when the harness could not measure, never for a missed goal.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';
import { decodeProtectedHeader } from 'jose';

import {
  forkServer,
  freePort,
  memoryMiB,
  pollUntilOk,
  spawnServer,
  stop,
  waitForPortMessage,
  type Server,
} from './children.js';
import { BrowserFlow, PKCE_VERIFIER } from './browser-flow.js';
import { CLIENTS, CLIENT_SECRET, OPAQUE_RESOURCE, REALM, USER, WEB_CLIENT, realmRepresentation, type SigningAlg } from './fixtures.js';
import { basicAuth, formPost, request } from './http.js';

const DURATION_S = durationFromEnv();
/** Codes are single-use: the exchange scenario makes this many beforehand and stops when they are spent. */
const CODES = positiveFromEnv('BENCH_CODES', 20_000);
const CODE_WARMUP = 500;
const WARMUP_S = 2;
const CONNECTIONS = 10;
const READY_POLL_MS = 10;
const START_TIMEOUT_MS = 30_000;
const PACKAGE_ROOT = new URL('../../', import.meta.url);
const LATCHKEY_MAIN = latchkeyBin();
const OIDC_PROVIDER_MAIN = fileURLToPath(new URL('./oidc-provider-server.js', import.meta.url));
const RESULTS_PATH = join(tmpdir(), 'latchkey-bench-latest.json');

const GOALS = { startToReadyMs: 1000, rssMiB: 100 };

function positiveFromEnv(name: string, fallback: number): number {
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
function latchkeyBin(): string {
  const manifest = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as {
    bin?: { latchkey?: string };
  };
  const bin = manifest.bin?.latchkey;
  if (!bin) throw new Error('packages/server/package.json has no bin.latchkey');
  return fileURLToPath(new URL(bin, PACKAGE_ROOT));
}

interface Target {
  name: string;
  server: Server;
  tokenUrl: string;
  introspectionUrl: string;
  authorizationUrl: string;
  userinfoUrl: string;
  /** Resource indicator that makes the server issue an opaque access token, if it needs one to introspect. */
  opaqueResource?: string;
}

interface Load {
  url: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** For single-use requests: each one's body, until they run out (then the run ends). */
  bodies?: string[];
  verifyBody: (body: string) => boolean;
  note?: string;
}

interface Measurement {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Warm-up included: a server that fails only while cold still fails. */
  non2xx: number;
  errors: number;
  mismatches: number;
  statusCodes: Record<string, number>;
}

interface Cell {
  measurement?: Measurement;
  note?: string;
  problem?: string;
}

interface Scenario {
  name: string;
  /** Latchkey's throughput must be at least this many times oidc-provider's. */
  goalRatio?: number;
  /** Checks the server answers correctly once, then returns the request to load it with. */
  prepare(target: Target): Promise<Load>;
}

/** A pre-flight request did not get the expected answer, so the scenario cannot be measured. */
class PreflightError extends Error {
  constructor(request: string, expected: string, got: string) {
    super(`request: ${request}\n    expected: ${expected}\n    got: ${got}`);
  }
}

const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function describePost(url: string, clientId: string, form: Record<string, string>): string {
  return `POST ${url} (client_secret_basic as ${clientId}) ${new URLSearchParams(form)}`;
}

async function issueToken(target: Target, clientId: string, extra: Record<string, string> = {}): Promise<string> {
  const form = { grant_type: 'client_credentials', ...extra };
  const res = await formPost(target.tokenUrl, basicAuth(clientId, CLIENT_SECRET), form);
  const accessToken = res.status === 200 ? parseJson(res.body)?.access_token : undefined;
  if (typeof accessToken !== 'string') {
    throw new PreflightError(
      describePost(target.tokenUrl, clientId, form),
      'HTTP 200 with a JSON body containing access_token',
      `HTTP ${res.status} ${truncate(res.body)}`,
    );
  }
  return accessToken;
}

function jwtAlg(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).alg;
  } catch {
    return undefined;
  }
}

/** Introspects once; returns undefined when the token is reported active, otherwise what came back. */
async function introspectionFailure(target: Target, clientId: string, token: string): Promise<string | undefined> {
  const res = await formPost(target.introspectionUrl, basicAuth(clientId, CLIENT_SECRET), { token });
  if (res.status === 200 && parseJson(res.body)?.active === true) return undefined;
  return `HTTP ${res.status} ${truncate(res.body)}`;
}

const ACTIVE = /"active"\s*:\s*true/;

function clientCredentials(alg: SigningAlg): Scenario {
  const client = CLIENTS.find((candidate) => candidate.alg === alg);
  if (!client) throw new Error(`no bench client signs with ${alg}`);
  const { clientId } = client;
  return {
    name: `client_credentials ${alg}`,
    goalRatio: alg === 'ES256' ? 2 : undefined,
    async prepare(target) {
      const token = await issueToken(target, clientId);
      const issuedAlg = jwtAlg(token);
      if (issuedAlg !== alg) {
        throw new PreflightError(
          describePost(target.tokenUrl, clientId, { grant_type: 'client_credentials' }),
          `a JWT access token signed with ${alg}`,
          issuedAlg ? `a JWT signed with ${issuedAlg}` : `a token that is not a JWT: ${truncate(token, 60)}`,
        );
      }
      return {
        url: target.tokenUrl,
        headers: { ...FORM_HEADERS, authorization: basicAuth(clientId, CLIENT_SECRET) },
        body: 'grant_type=client_credentials',
        verifyBody: (body) => body.includes('"access_token"'),
      };
    },
  };
}

const introspection: Scenario = {
  name: 'introspection',
  async prepare(target) {
    const { clientId } = CLIENTS[0];
    const load = (token: string, note?: string): Load => ({
      url: target.introspectionUrl,
      headers: { ...FORM_HEADERS, authorization: basicAuth(clientId, CLIENT_SECRET) },
      body: new URLSearchParams({ token }).toString(),
      verifyBody: (body) => ACTIVE.test(body),
      note,
    });

    const jwt = await issueToken(target, clientId);
    const jwtFailure = await introspectionFailure(target, clientId, jwt);
    if (jwtFailure === undefined) return load(jwt);

    const request = `POST ${target.introspectionUrl} (client_secret_basic as ${clientId}) token=<JWT access token it issued to ${clientId}>`;
    if (target.opaqueResource === undefined) {
      throw new PreflightError(request, 'HTTP 200 with "active": true', jwtFailure);
    }
    const opaque = await issueToken(target, clientId, { resource: target.opaqueResource });
    const opaqueFailure = await introspectionFailure(target, clientId, opaque);
    if (opaqueFailure !== undefined) {
      throw new PreflightError(`${request}, then the same with an opaque token`, 'HTTP 200 with "active": true', opaqueFailure);
    }
    return load(
      opaque,
      `${target.name} does not introspect its own JWT access tokens (it answered ${jwtFailure}), ` +
        "so its introspection numbers are for an opaque access token; Latchkey's are for a JWT.",
    );
  },
};

/** Codes for the web client, made CONCURRENCY at a time over one signed-in session. */
async function makeCodes(target: Target, count: number): Promise<string[]> {
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

const codeForm = (code: string) =>
  new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEB_CLIENT.redirectUri, code_verifier: PKCE_VERIFIER }).toString();

/** Exchanges one code, checking the answer; returns the token response. */
async function exchange(target: Target, code: string): Promise<Record<string, unknown>> {
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

const codeExchange: Scenario = {
  name: 'code exchange (PKCE S256)',
  goalRatio: 2,
  async prepare(target) {
    const codes = await makeCodes(target, CODES + CODE_WARMUP);
    // Warm-up: the same requests, one at a time, before the measured run.
    for (const code of codes.splice(0, CODE_WARMUP)) await exchange(target, code);
    return {
      url: target.tokenUrl,
      headers: { ...FORM_HEADERS, authorization: basicAuth(WEB_CLIENT.clientId, CLIENT_SECRET) },
      bodies: codes.map(codeForm),
      verifyBody: (body) => body.includes('"id_token"'),
      note: `${target.name}: ${CODES} codes made beforehand over one signed-in session; the run ends when they are spent.`
        + (target.name === 'Latchkey' ? ' Latchkey also issues and stores a refresh token per exchange, as Keycloak does; '
          + 'oidc-provider issues none without offline_access.' : ''),
    };
  },
};

const userinfo: Scenario = {
  name: 'userinfo (GET, bearer)',
  goalRatio: 2,
  async prepare(target) {
    const [code] = await makeCodes(target, 1);
    const token = String((await exchange(target, code)).access_token);
    const headers = { authorization: `Bearer ${token}` };
    const res = await request(target.userinfoUrl, { headers });
    if (res.status !== 200 || parseJson(res.body)?.email !== USER.email) {
      throw new PreflightError(`GET ${target.userinfoUrl} with the access token`, `HTTP 200 with email ${USER.email}`,
        `HTTP ${res.status} ${truncate(res.body)}`);
    }
    return { url: target.userinfoUrl, method: 'GET', headers, verifyBody: (body) => body.includes(USER.email) };
  },
};

const SCENARIOS: Scenario[] = [clientCredentials('ES256'), clientCredentials('RS256'), introspection, codeExchange, userinfo];

async function measure(load: Load): Promise<Measurement> {
  // autocannon's own latency histogram truncates to whole milliseconds, which
  // flattens loopback latencies to 0 or 1; keep microseconds instead. Only the
  // measured run emits here (the warm-up has its own tracker), and like autocannon
  // only 2xx responses count.
  const latencyUs = createHistogram();
  const { bodies } = load;
  const run = autocannon({
    url: load.url,
    method: load.method ?? 'POST',
    headers: load.headers,
    body: load.body,
    connections: CONNECTIONS,
    verifyBody: load.verifyBody,
    // Single-use bodies: exactly as many requests as there are, each with the next one.
    ...(bodies
      ? { amount: bodies.length, requests: [{ setupRequest: (req: { body?: string }) => ({ ...req, body: bodies.pop() }) }] }
      : { duration: DURATION_S, warmup: { duration: WARMUP_S } }),
  });
  run.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) latencyUs.record(Math.max(1, Math.round(responseTimeMs * 1000)));
  });
  const result = await run;
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
    reqPerSec: bodies ? result.requests.total / result.duration : result.requests.average,
    p50Ms: latencyUs.percentile(50) / 1000,
    p99Ms: latencyUs.percentile(99) / 1000,
    non2xx: sum((run) => run.non2xx),
    errors: sum((run) => run.errors),
    mismatches: sum((run) => run.mismatches),
    statusCodes,
  };
}

async function runCell(scenario: Scenario, target: Target): Promise<Cell> {
  process.stdout.write(`  ${scenario.name} on ${target.name}: `);
  let load: Load;
  try {
    load = await scenario.prepare(target);
  } catch (error) {
    if (!(error instanceof PreflightError)) throw error;
    console.log('pre-flight FAILED, not measured');
    return { problem: error.message };
  }
  const measurement = await measure(load);
  console.log(`${measurement.reqPerSec.toFixed(0)} req/s`);
  return { measurement, note: load.note };
}

function ratio(row: Cell[]): number | undefined {
  const [latchkey, baseline] = row.map((cell) => cell.measurement?.reqPerSec);
  return latchkey !== undefined && baseline ? latchkey / baseline : undefined;
}

function renderTable(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) =>
    row.map((text, column) => (column === 0 ? text.padEnd(widths[column]) : text.padStart(widths[column]))).join('  ');
  return [line(rows[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function goalLine(label: string, value: string, goal: string, met: boolean | undefined): string {
  const verdict = met === undefined ? 'not measured' : met ? 'met' : 'MISSED';
  return `  ${label.padEnd(34)}${value.padStart(10)}   goal ${goal.padEnd(10)} ${verdict}`;
}

async function main(): Promise<number> {
  const workDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  let keepWorkDir = false;
  process.on('exit', () => {
    if (!keepWorkDir) rmSync(workDir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }

  // Read before anything of ours runs: a busy host skews every number below.
  const [loadAtStart] = loadavg();
  const servers: Server[] = [];
  try {
    console.log(`Latchkey (${relative(process.cwd(), LATCHKEY_MAIN)}) vs oidc-provider, node ${process.version}`);
    console.log(`${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s per run`);

    // oidc-provider first, so that its start-up does not compete for CPU with
    // Latchkey's while the latter is being timed.
    const oidcProvider = forkServer('oidc-provider', OIDC_PROVIDER_MAIN, join(workDir, 'oidc-provider.log'));
    servers.push(oidcProvider);
    const oidcBase = `http://127.0.0.1:${await waitForPortMessage(oidcProvider, START_TIMEOUT_MS)}`;

    const realmPath = join(workDir, 'realm.json');
    writeFileSync(realmPath, JSON.stringify(realmRepresentation()));
    const dataDir = join(workDir, 'data');
    mkdirSync(dataDir);
    const latchkeyPort = await freePort();
    const latchkeyBase = `http://127.0.0.1:${latchkeyPort}`;
    const args = [LATCHKEY_MAIN, 'start', '--port', String(latchkeyPort), '--host', '127.0.0.1'];
    args.push('--data-dir', dataDir, '--import-realm', realmPath);

    const spawnedAt = performance.now();
    const latchkey = spawnServer('Latchkey', args, join(workDir, 'latchkey.log'));
    servers.push(latchkey);
    await pollUntilOk(latchkey, `${latchkeyBase}/health/ready`, READY_POLL_MS, START_TIMEOUT_MS);
    const startToReadyMs = performance.now() - spawnedAt;
    const latchkeyPid = latchkey.process.pid as number;
    const idleMemory = memoryMiB(latchkeyPid);
    console.log(`Latchkey ready after ${startToReadyMs.toFixed(0)} ms (RSS ${idleMemory.rss.toFixed(1)} MiB)`);

    const oidcRoot = `${latchkeyBase}/realms/${REALM}/protocol/openid-connect`;
    const targets: Target[] = [
      {
        name: 'Latchkey',
        server: latchkey,
        tokenUrl: `${oidcRoot}/token`,
        introspectionUrl: `${oidcRoot}/token/introspect`,
        authorizationUrl: `${oidcRoot}/auth`,
        userinfoUrl: `${oidcRoot}/userinfo`,
      },
      {
        name: 'oidc-provider',
        server: oidcProvider,
        tokenUrl: `${oidcBase}/token`,
        introspectionUrl: `${oidcBase}/token/introspection`,
        authorizationUrl: `${oidcBase}/auth`,
        userinfoUrl: `${oidcBase}/me`,
        opaqueResource: OPAQUE_RESOURCE,
      },
    ];

    const rows: Cell[][] = [];
    for (const scenario of SCENARIOS) {
      const row: Cell[] = [];
      for (const target of targets) row.push(await runCell(scenario, target));
      rows.push(row);
    }

    const latchkeyMemory = memoryMiB(latchkeyPid);
    const oidcProviderMemory = memoryMiB(oidcProvider.process.pid as number);

    const num = (value: number | undefined, digits: number) => (value === undefined ? 'n/a' : value.toFixed(digits));
    const notes: string[] = [];
    const problems: string[] = [];
    const table: string[][] = [
      ['scenario', 'Latchkey req/s', 'p50 ms', 'p99 ms', 'oidc-provider req/s', 'p50 ms', 'p99 ms', 'ratio'],
    ];
    rows.forEach((row, index) => {
      let label = SCENARIOS[index].name;
      const cells: string[] = [];
      row.forEach((cell, column) => {
        const { measurement } = cell;
        cells.push(num(measurement?.reqPerSec, 0), num(measurement?.p50Ms, 2), num(measurement?.p99Ms, 2));
        const where = `${label} on ${targets[column].name}`;
        if (cell.note) {
          notes.push(cell.note);
          label += ` [${notes.length}]`;
        }
        if (cell.problem) problems.push(`${where}: pre-flight failed\n    ${cell.problem}`);
        if (measurement && measurement.non2xx + measurement.errors + measurement.mismatches > 0) {
          problems.push(
            `${where}: ${measurement.non2xx} non-2xx responses, ${measurement.errors} connection errors, ` +
              `${measurement.mismatches} responses failing the body check (non-2xx included); ` +
              `status codes ${JSON.stringify(measurement.statusCodes)}`,
          );
        }
      });
      const rowRatio = ratio(row);
      table.push([label, ...cells, rowRatio === undefined ? 'n/a' : `${rowRatio.toFixed(2)}x`]);
    });

    console.log(`\n${renderTable(table)}`);
    notes.forEach((note, index) => console.log(`[${index + 1}] ${note}`));
    console.log('\nLatchkey goals');
    SCENARIOS.forEach((scenario, index) => {
      if (scenario.goalRatio === undefined) return;
      const value = ratio(rows[index]);
      console.log(goalLine(`${scenario.name} ratio`, value === undefined ? 'n/a' : `${value.toFixed(2)}x`,
        `>= ${scenario.goalRatio}x`, value === undefined ? undefined : value >= scenario.goalRatio));
    });
    console.log(
      goalLine(
        'start to ready',
        `${startToReadyMs.toFixed(0)} ms`,
        `< ${GOALS.startToReadyMs} ms`,
        startToReadyMs < GOALS.startToReadyMs,
      ),
    );
    console.log(
      goalLine('RSS after run', `${latchkeyMemory.rss.toFixed(1)} MiB`, `< ${GOALS.rssMiB} MiB`, latchkeyMemory.rss < GOALS.rssMiB),
    );
    console.log(
      `  (Latchkey RSS when ready ${idleMemory.rss.toFixed(1)} MiB, peak ${latchkeyMemory.peak.toFixed(1)} MiB; ` +
        `oidc-provider RSS after run ${oidcProviderMemory.rss.toFixed(1)} MiB)`,
    );

    console.log(
      `\nHost: ${availableParallelism()} cores, 1-minute load average ${loadAtStart.toFixed(2)} at start, ` +
        `${loadavg()[0].toFixed(2)} at end (this benchmark alone keeps about 2 cores busy)`,
    );
    // Headroom for the build that `npm run bench` runs just before, which lifts the average.
    if (loadAtStart > availableParallelism() * 0.75) {
      console.log('  WARNING: other work was running when the benchmark started; these numbers are not comparable.');
    }

    if (problems.length > 0) {
      keepWorkDir = true;
      console.log(`\nProblems (server logs kept in ${workDir}):`);
      for (const problem of problems) console.log(`  - ${problem}`);
    }

    writeFileSync(
      RESULTS_PATH,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          connections: CONNECTIONS,
          warmupSeconds: WARMUP_S,
          durationSeconds: DURATION_S,
          loadAverageAtStart: loadAtStart,
          startToReadyMs,
          latchkeyMemoryMiB: { ready: idleMemory.rss, afterRun: latchkeyMemory.rss, peak: latchkeyMemory.peak },
          oidcProviderMemoryMiB: { afterRun: oidcProviderMemory.rss, peak: oidcProviderMemory.peak },
          goals: { ...GOALS, ratios: Object.fromEntries(SCENARIOS.filter((s) => s.goalRatio).map((s) => [s.name, s.goalRatio])) },
          scenarios: SCENARIOS.map((scenario, index) => ({
            name: scenario.name,
            ratio: ratio(rows[index]),
            ...Object.fromEntries(targets.map((target, column) => [target.name, rows[index][column]])),
          })),
          notes,
          problems,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nJSON results: ${RESULTS_PATH}`);

    // Only a scenario that could not be measured at all makes the run a failure.
    return rows.flat().some((cell) => cell.problem) ? 1 : 0;
  } finally {
    await Promise.all(servers.map((server) => stop(server)));
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`\nbenchmark harness failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
