// Latchkey vs oidc-provider and vs the bound (bench/bound-server.ts: only each scenario's
// unavoidable work) on loopback: start-up time, throughput and latency of client_credentials
// (ES256, RS256), introspection, the code-for-token exchange, the refresh grant, userinfo and
// the password grant (against a bare argon2 loop), and Latchkey's memory.
// Exits non-zero only when the harness could not measure, never for a missed goal.
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { hash, verify } from '@node-rs/argon2';
import { decodeProtectedHeader } from 'jose';
import { randomUUID } from 'node:crypto';
import { createHistogram } from 'node:perf_hooks';

import { ARGON2_OPTIONS } from '../src/crypto/passwords.js';

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
import { CLIENTS, CLIENT_SECRET, OPAQUE_RESOURCE, REALM, USER, WEB_CLIENT, realmRepresentation, type SigningAlg } from './fixtures.js';
import { basicAuth, formPost, request } from './http.js';
import {
  CONNECTIONS, DURATION_S, FORM_HEADERS, PreflightError, WARMUP_S, codeForm, exchange, latchkeyBin, makeCodes, measure,
  parseJson, positiveFromEnv, renderTable, truncate, type Load, type Measurement,
} from './load.js';

/**
 * Codes are single-use: the exchange scenario makes this many beforehand and stops when they are
 * spent. Few enough that the last is exchanged within a code's 60 s lifetime on a busy machine.
 */
const CODES = positiveFromEnv('BENCH_CODES', 8_000);
const CODE_WARMUP = 500;
const READY_POLL_MS = 10;
const START_TIMEOUT_MS = 30_000;
const LATCHKEY_MAIN = latchkeyBin();
const OIDC_PROVIDER_MAIN = fileURLToPath(new URL('./oidc-provider-server.js', import.meta.url));
const BOUND_MAIN = fileURLToPath(new URL('./bound-server.js', import.meta.url));
const RESULTS_PATH = join(tmpdir(), 'latchkey-bench-latest.json');

/** Issue 14's goals. */
const GOALS = { startToReadyMs: 700, rssMiB: 150, p99Ms: 25 };

interface Target {
  name: string;
  server: Server;
  tokenUrl: string;
  introspectionUrl: string;
  /** Where codes come from; the bound has none and takes any code. */
  authorizationUrl?: string;
  userinfoUrl: string;
  /** Resource indicator that makes the server issue an opaque access token, if it needs one to introspect. */
  opaqueResource?: string;
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
  /** ... and at least this share of the bound's. */
  goalBoundShare?: number;
  /** Whether Latchkey's p99 is held to GOALS.p99Ms. */
  latencyGoal?: boolean;
  /** Why a target is not measured in this scenario, if it is not. */
  notFor?(target: Target): string | undefined;
  /** Checks the server answers correctly once, then returns the request to load it with. */
  prepare(target: Target): Promise<Load>;
  /** The bound measured otherwise than over HTTP. */
  bound?(): Promise<Measurement>;
}

/** Codes for the web client: the bound takes any. */
function codesFor(target: Target, count: number): Promise<string[]> {
  const { authorizationUrl } = target;
  if (authorizationUrl === undefined) return Promise.resolve(Array.from({ length: count }, () => randomUUID()));
  return makeCodes({ name: target.name, authorizationUrl }, count);
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
    goalRatio: alg === 'ES256' ? 2 : 1.5,
    goalBoundShare: alg === 'ES256' ? 0.65 : undefined,
    latencyGoal: true,
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
  goalRatio: 1.5,
  latencyGoal: true,
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



const codeExchange: Scenario = {
  name: 'code exchange (PKCE S256)',
  goalRatio: 1.2,
  latencyGoal: true,
  async prepare(target) {
    const codes = await codesFor(target, CODES + CODE_WARMUP);
    // Warm-up: the same requests, one at a time, before the measured run.
    for (const code of codes.splice(0, CODE_WARMUP)) await exchange(target, code);
    return {
      url: target.tokenUrl,
      headers: { ...FORM_HEADERS, authorization: basicAuth(WEB_CLIENT.clientId, CLIENT_SECRET) },
      bodies: codes.map(codeForm),
      verifyBody: (body) => body.includes('"id_token"'),
      note: target.authorizationUrl === undefined ? undefined
        : `${target.name}: ${CODES} codes made beforehand over one signed-in session; the run ends when they are spent. `
          + 'Each exchange answers an ID, an access and a refresh token.',
    };
  },
};

/** Each refresh spends its token (rotation) and answers the next, which the connection's next request presents. */
const refresh: Scenario = {
  name: 'refresh grant (rotation)',
  goalRatio: 1.5,
  latencyGoal: true,
  async prepare(target) {
    // Enough for the warm-up's connections and the run's, should the warm-up end with some in flight.
    const pool: string[] = [];
    for (const code of await codesFor(target, 2 * CONNECTIONS)) pool.push(String((await exchange(target, code)).refresh_token));
    const body = (token: string | undefined) => new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token ?? '' }).toString();
    const res = await request(target.tokenUrl, {
      method: 'POST', headers: { ...FORM_HEADERS, authorization: basicAuth(WEB_CLIENT.clientId, CLIENT_SECRET) }, body: body(pool.pop()),
    });
    const next = res.status === 200 ? parseJson(res.body)?.refresh_token : undefined;
    if (typeof next !== 'string') {
      throw new PreflightError(`POST ${target.tokenUrl} (client_secret_basic as ${WEB_CLIENT.clientId}) grant_type=refresh_token&refresh_token=...`,
        'HTTP 200 with a new refresh_token', `HTTP ${res.status} ${truncate(res.body)}`);
    }
    pool.push(next);
    return {
      url: target.tokenUrl,
      headers: { ...FORM_HEADERS, authorization: basicAuth(WEB_CLIENT.clientId, CLIENT_SECRET) },
      rotate: { pool, body, next: (responseBody) => { const token = parseJson(responseBody)?.refresh_token; return typeof token === 'string' ? token : undefined; } },
      verifyBody: (responseBody) => responseBody.includes('"refresh_token"'),
    };
  },
};

const userinfo: Scenario = {
  name: 'userinfo (GET, bearer)',
  goalRatio: 2,
  latencyGoal: true,
  async prepare(target) {
    const [code] = await codesFor(target, 1);
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

/**
 * Hashes at once: libuv's thread pool (4 threads, which Latchkey keeps) runs argon2, so more
 * connections would only queue, and at 50 a loaded host answers none within a run.
 */
const HASHING_CONNECTIONS = 4;

/** A bare @node-rs/argon2 loop verifying the password with Latchkey's parameters, HASHING_CONNECTIONS at once. */
async function argon2Loop(durationS = DURATION_S): Promise<Measurement> {
  const stored = await hash(USER.password, ARGON2_OPTIONS);
  const latencyUs = createHistogram();
  let count = 0;
  const end = performance.now() + durationS * 1000;
  await Promise.all(Array.from({ length: HASHING_CONNECTIONS }, async () => {
    while (performance.now() < end) {
      const started = performance.now();
      if (!(await verify(stored, USER.password))) throw new Error('argon2 verify failed');
      latencyUs.record(Math.max(1, Math.round((performance.now() - started) * 1000)));
      count++;
    }
  }));
  return {
    reqPerSec: count / durationS, p50Ms: latencyUs.percentile(50) / 1000, p99Ms: latencyUs.percentile(99) / 1000,
    non2xx: 0, errors: 0, mismatches: 0, statusCodes: {},
  };
}

/** A sign-in is one password hash: Latchkey's grants per second against the hashes per second argon2 alone manages. */
const password: Scenario = {
  name: 'password grant (hashes/s)',
  notFor: (target) => (target.name === 'oidc-provider' ? 'oidc-provider has no password grant' : undefined),
  async prepare(target) {
    const headers = { ...FORM_HEADERS, authorization: basicAuth(WEB_CLIENT.clientId, CLIENT_SECRET) };
    const body = new URLSearchParams({ grant_type: 'password', username: USER.username, password: USER.password, scope: 'openid' }).toString();
    const res = await request(target.tokenUrl, { method: 'POST', headers, body });
    if (res.status !== 200 || typeof parseJson(res.body)?.access_token !== 'string') {
      throw new PreflightError(`POST ${target.tokenUrl} grant_type=password as ${USER.username}`, 'HTTP 200 with access_token', `HTTP ${res.status} ${truncate(res.body)}`);
    }
    return {
      url: target.tokenUrl, headers, body, connections: HASHING_CONNECTIONS, verifyBody: (responseBody) => responseBody.includes('"access_token"'),
      note: `The password grant at ${HASHING_CONNECTIONS} connections, as many as argon2 has threads; its bound is a bare argon2 loop as wide.`,
    };
  },
  bound: () => argon2Loop(),
};

/** BENCH_SCENARIOS (comma-separated parts of names, e.g. "ES256,introspection") runs only those, to iterate on one. */
const WANTED = (process.env.BENCH_SCENARIOS ?? '').split(',').map((part) => part.trim().toLowerCase()).filter(Boolean);
const SCENARIOS: Scenario[] = [
  clientCredentials('ES256'), clientCredentials('RS256'), introspection, codeExchange, refresh, userinfo, password,
].filter((scenario) => WANTED.length === 0 || WANTED.some((part) => scenario.name.toLowerCase().includes(part)));


async function runCell(scenario: Scenario, target: Target): Promise<Cell> {
  const skipped = scenario.notFor?.(target);
  if (skipped !== undefined) return { note: skipped };
  process.stdout.write(`  ${scenario.name} on ${target.name}: `);
  if (target.name === BOUND && scenario.bound) {
    const measurement = await scenario.bound();
    console.log(`${measurement.reqPerSec.toFixed(0)} /s`);
    return { measurement };
  }
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

const BOUND = 'bound';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Latchkey's throughput over oidc-provider's (column 1) or the bound's (column 2). */
function ratio(row: Cell[], column = 1): number | undefined {
  const latchkey = row[0].measurement?.reqPerSec;
  const other = row[column]?.measurement?.reqPerSec;
  return latchkey !== undefined && other ? latchkey / other : undefined;
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
    const bound = forkServer(BOUND, BOUND_MAIN, join(workDir, 'bound.log'));
    servers.push(bound);
    const boundBase = `http://127.0.0.1:${await waitForPortMessage(bound, START_TIMEOUT_MS)}`;

    const realmPath = join(workDir, 'realm.json');
    writeFileSync(realmPath, JSON.stringify(realmRepresentation()));
    const dataDir = join(workDir, 'data');
    mkdirSync(dataDir);
    const latchkeyPort = await freePort();
    const latchkeyBase = `http://127.0.0.1:${latchkeyPort}`;
    const args = ['start', '--port', String(latchkeyPort), '--host', '127.0.0.1', '--data-dir', dataDir, '--import-realm', realmPath];

    const spawnedAt = performance.now();
    // As `latchkey start` runs: the bin itself, with its shebang's V8 flags (another build's bin may not be executable).
    const latchkey = isExecutable(LATCHKEY_MAIN)
      ? spawnServer('Latchkey', args, join(workDir, 'latchkey.log'), LATCHKEY_MAIN)
      : spawnServer('Latchkey', [LATCHKEY_MAIN, ...args], join(workDir, 'latchkey.log'));
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
      {
        name: BOUND,
        server: bound,
        tokenUrl: `${boundBase}/token`,
        introspectionUrl: `${boundBase}/introspect`,
        userinfoUrl: `${boundBase}/userinfo`,
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
      ['scenario', 'Latchkey req/s', 'p50 ms', 'p99 ms', 'oidc-provider req/s', 'p50 ms', 'p99 ms', 'bound req/s', 'p50 ms', 'p99 ms',
        'ratio', 'of bound'],
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
      const share = ratio(row, 2);
      table.push([label, ...cells, rowRatio === undefined ? 'n/a' : `${rowRatio.toFixed(2)}x`, share === undefined ? 'n/a' : `${(share * 100).toFixed(0)}%`]);
    });

    console.log(`\n${renderTable(table)}`);
    notes.forEach((note, index) => console.log(`[${index + 1}] ${note}`));
    console.log('\nLatchkey goals');
    SCENARIOS.forEach((scenario, index) => {
      if (scenario.goalRatio === undefined) return;
      const value = ratio(rows[index]);
      console.log(goalLine(`${scenario.name} ratio`, value === undefined ? 'n/a' : `${value.toFixed(2)}x`,
        `>= ${scenario.goalRatio}x`, value === undefined ? undefined : value >= scenario.goalRatio));
      if (scenario.goalBoundShare !== undefined) {
        const share = ratio(rows[index], 2);
        console.log(goalLine(`${scenario.name} of bound`, share === undefined ? 'n/a' : `${(share * 100).toFixed(0)}%`,
          `>= ${scenario.goalBoundShare * 100}%`, share === undefined ? undefined : share >= scenario.goalBoundShare));
      }
    });
    SCENARIOS.forEach((scenario, index) => {
      if (!scenario.latencyGoal) return;
      const p99 = rows[index][0].measurement?.p99Ms;
      console.log(goalLine(`${scenario.name} p99`, p99 === undefined ? 'n/a' : `${p99.toFixed(1)} ms`,
        `<= ${GOALS.p99Ms} ms`, p99 === undefined ? undefined : p99 <= GOALS.p99Ms));
    });
    console.log(
      goalLine(
        'start to ready',
        `${startToReadyMs.toFixed(0)} ms`,
        `<= ${GOALS.startToReadyMs} ms`,
        startToReadyMs <= GOALS.startToReadyMs,
      ),
    );
    console.log(
      goalLine('RSS after run', `${latchkeyMemory.rss.toFixed(1)} MiB`, `<= ${GOALS.rssMiB} MiB`, latchkeyMemory.rss <= GOALS.rssMiB),
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
            boundShare: ratio(rows[index], 2),
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
