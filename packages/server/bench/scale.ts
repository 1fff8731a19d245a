// `npm run bench:scale`: does Latchkey slow down as its database fills? The benchmark realm of
// `npm run bench` is served twice, from a database that holds only it and from one that also
// holds a million users, ten thousand clients and a hundred thousand sessions in the same
// realm, and the latencies of client credentials, password sign-in and the code exchange
// are compared. Goal: the full database within 10 % of the empty one (p50). On SQLite and,
// when reachable, PostgreSQL (a database of its own on the server, created and dropped).
//
//   node dist/bench/scale.js [users] [--postgres postgres://user@host:5432/any-db] [--no-postgres]
//
// Seeding goes through the Store's bulk methods. Every seeded user gets the same argon2id
// hash, computed once: hashing a million passwords would take hours and is not what is
// measured (the measured sign-ins verify a hash like any other). Each measurement runs
// twice per database (BENCH_SCALE_ROUNDS) in the order empty, full, full, empty, so that a
// machine whose load drifts during the run favours neither; the figures are the means.
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';

import { hashPassword } from '../src/crypto/passwords.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { Domain } from '../src/domain/index.js';
import { importRealm, type RealmRep } from '../src/import/keycloak.js';
import { openStore } from '../src/storage/open.js';
import type { SessionRecord, UserRecord } from '../src/storage/store.js';
import { freePort, pollUntilOk, spawnServer, stop, type Server } from './children.js';
import { CLIENTS, CLIENT_SECRET, REALM, USER, realmRepresentation } from './fixtures.js';
import { basicAuth } from './http.js';
import {
  DURATION_S, FORM_HEADERS, codeForm, exchange, latchkeyBin, makeCodes, measure, positiveFromEnv, renderTable,
  type Load, type Measurement,
} from './load.js';
import { scaleArgs, withScratchDatabase } from './scratch-database.js';

const { count: USERS, postgresUrl } = scaleArgs(process.argv.slice(2), 1_000_000);
const CLIENT_COUNT = Math.round(USERS / 100);
const SESSION_COUNT = Math.round(USERS / 10);
/** Codes made before each code-exchange run: few enough to be spent within their 60 s even on a busy machine. */
const CODES = positiveFromEnv('BENCH_SCALE_CODES', 1000);
const CODE_WARMUP = 100;
/** Each database is measured this many times per scenario, alternating: empty, full, full, empty, … */
const ROUNDS = positiveFromEnv('BENCH_SCALE_ROUNDS', 2);
const CHUNK = 10_000;
const GOAL = 1.1;
const LATCHKEY = latchkeyBin();
const PASSWORD_CLIENT = 'bench-password';

/** The benchmark realm, with a client that may use the password grant. */
function scaleRealm(): RealmRep {
  const rep = realmRepresentation() as RealmRep;
  return {
    ...rep,
    clients: [...(rep.clients ?? []), {
      clientId: PASSWORD_CLIENT, publicClient: false, secret: CLIENT_SECRET, standardFlowEnabled: false, directAccessGrantsEnabled: true,
    }],
  };
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** The benchmark realm, then the users, clients and sessions beside it, through the domain and the Store's bulk methods. */
async function seed(dataDir: string, databaseUrl: string | undefined): Promise<void> {
  const store = await openStore({ dataDir, databaseUrl, statementTimeoutMs: 0 });
  try {
    const domain = new Domain(store, SecretBox.load(dataDir), '');
    await importRealm(domain, scaleRealm());
    const realm = (await store.realms.getByName(REALM))!;
    const defaultRole = (await store.roles.getByName(realm.id, null, realm.settings.defaultRoleName))!;
    const hash = await hashPassword('seeded-user-password');
    const userIds: string[] = [];
    let started = performance.now();
    for (let from = 0; from < USERS; from += CHUNK) {
      const users: UserRecord[] = [];
      for (let i = from; i < Math.min(USERS, from + CHUNK); i++) {
        const id = randomUUID();
        userIds.push(id);
        users.push({
          id, realmId: realm.id, username: `member${String(i).padStart(7, '0')}`, enabled: true, email: `member${i}@example.com`,
          emailVerified: true, firstName: 'Member', lastName: `Number ${i}`, phoneNumber: null,
          attributes: { department: [`dept-${i % 50}`] }, serviceAccountClientId: null, requiredActions: [], createdAt: realm.createdAt,
        });
      }
      await store.transaction(async (tx) => {
        await tx.bulk.insertUsers(users);
        await tx.bulk.setPasswords(users.map((u) => ({ userId: u.id, ...hash, createdAt: realm.createdAt })));
        await tx.bulk.grantRoles(users.map((u) => ({ userId: u.id, roleId: defaultRole.id })));
      });
      process.stderr.write(`\r  users ${from + users.length}/${USERS}`);
    }
    console.log(`\n  ${USERS} users (with password and default role) in ${seconds(started)}`);

    started = performance.now();
    for (let from = 0; from < CLIENT_COUNT; from += 500) {
      await store.transaction(async (tx) => {
        for (let i = from; i < Math.min(CLIENT_COUNT, from + 500); i++) {
          await domain.clients.create(tx, realm.id, {
            clientId: `app-${String(i).padStart(5, '0')}`, publicClient: false, secrets: [{ value: `app-secret-${i}` }],
            settings: { redirectUris: [`https://app-${i}.example/callback`], directAccessGrants: i % 2 === 0 },
          }, async () => {});
        }
      });
    }
    console.log(`  ${CLIENT_COUNT} clients (with a sealed secret) in ${seconds(started)}`);

    started = performance.now();
    const at = Math.floor(Date.now() / 1000);
    for (let from = 0; from < SESSION_COUNT; from += CHUNK) {
      const sessions: SessionRecord[] = [];
      for (let i = from; i < Math.min(SESSION_COUNT, from + CHUNK); i++) {
        sessions.push({
          id: randomUUID(), realmId: realm.id, userId: userIds[(i * 7919) % userIds.length], offline: false, authTime: at,
          createdAt: at, lastSeenAt: at, expiresAt: at + realm.settings.ssoSessionIdleTimeout, maxExpiresAt: at + realm.settings.ssoSessionMaxLifespan,
        });
      }
      await store.bulk.insertSessions(sessions);
    }
    console.log(`  ${SESSION_COUNT} live sessions in ${seconds(started)}`);
  } finally {
    await store.close();
  }
  if (!databaseUrl) {
    // The bulk load leaves hundreds of MB for the kernel to write back, and the server's
    // first checkpoints would wait for it: a database that grew over months has none.
    const fd = openSync(join(dataDir, 'latchkey.db'), 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } else {
    // As autovacuum would have by the time a database had grown this large: planner
    // statistics, and the bulk load's dead tuples and dirty pages out of the way.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query('vacuum analyze');
      await client.query('checkpoint');
    } finally {
      await client.end();
    }
  }
}

interface Target {
  name: string;
  server: Server;
  tokenUrl: string;
  authorizationUrl: string;
}

async function startTarget(name: string, work: string, dataDir: string, databaseUrl: string | undefined, realmFile?: string): Promise<Target> {
  const port = await freePort();
  const args = [LATCHKEY, 'start', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir,
    ...(databaseUrl ? ['--database-url', databaseUrl] : []), ...(realmFile ? ['--import-realm', realmFile] : [])];
  const server = spawnServer(name, args, join(work, `${name.replace(/\W+/g, '-')}.log`));
  const base = `http://127.0.0.1:${port}`;
  await pollUntilOk(server, `${base}/health/ready`, 50, 120_000);
  const oidc = `${base}/realms/${REALM}/protocol/openid-connect`;
  return { name, server, tokenUrl: `${oidc}/token`, authorizationUrl: `${oidc}/auth` };
}

interface Scenario {
  name: string;
  load(target: Target): Promise<Load>;
}

const [es256] = CLIENTS;
const SCENARIOS: Scenario[] = [
  {
    name: `client_credentials ${es256.alg}`,
    load: async (target) => ({
      url: target.tokenUrl,
      headers: { ...FORM_HEADERS, authorization: basicAuth(es256.clientId, CLIENT_SECRET) },
      body: 'grant_type=client_credentials',
      verifyBody: (body) => body.includes('"access_token"'),
    }),
  },
  {
    name: 'password sign-in (argon2id)',
    load: async (target) => ({
      url: target.tokenUrl,
      headers: { ...FORM_HEADERS, authorization: basicAuth(PASSWORD_CLIENT, CLIENT_SECRET) },
      body: new URLSearchParams({ grant_type: 'password', username: USER.username, password: USER.password }).toString(),
      verifyBody: (body) => body.includes('"refresh_token"'),
    }),
  },
  {
    name: 'code exchange (PKCE S256)',
    async load(target) {
      const codes = await makeCodes(target, CODES + CODE_WARMUP);
      for (const code of codes.splice(0, CODE_WARMUP)) await exchange(target, code);
      return {
        url: target.tokenUrl,
        headers: { ...FORM_HEADERS, authorization: basicAuth('bench-web', CLIENT_SECRET) },
        bodies: codes.map(codeForm),
        verifyBody: (body) => body.includes('"id_token"'),
      };
    },
  },
];

interface Row { backend: string; scenario: string; empty: Measurement; full: Measurement }

/** The mean of the runs; failures add up. */
function mean(runs: Measurement[]): Measurement {
  const avg = (pick: (m: Measurement) => number) => runs.reduce((t, m) => t + pick(m), 0) / runs.length;
  const sum = (pick: (m: Measurement) => number) => runs.reduce((t, m) => t + pick(m), 0);
  const statusCodes: Record<string, number> = {};
  for (const m of runs) for (const [code, n] of Object.entries(m.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  return {
    reqPerSec: avg((m) => m.reqPerSec), p50Ms: avg((m) => m.p50Ms), p99Ms: avg((m) => m.p99Ms),
    non2xx: sum((m) => m.non2xx), errors: sum((m) => m.errors), mismatches: sum((m) => m.mismatches), statusCodes,
  };
}

async function compare(backend: string, work: string, databases: { empty?: string; full?: string }): Promise<Row[]> {
  const emptyDir = join(work, `${backend}-empty`);
  const fullDir = join(work, `${backend}-full`);
  console.log(`\n${backend}: seeding ${USERS} users, ${CLIENT_COUNT} clients and ${SESSION_COUNT} sessions…`);
  const started = performance.now();
  await seed(fullDir, databases.full);
  console.log(`  seeded in ${seconds(started)}${databases.full ? '' : ` (${(statSync(join(fullDir, 'latchkey.db')).size / 1e6).toFixed(0)} MB)`}`);
  const realmFile = join(work, 'realm.json');
  writeFileSync(realmFile, JSON.stringify(scaleRealm()));
  const targets: Target[] = [];
  try {
    targets.push(await startTarget(`${backend}, empty`, work, emptyDir, databases.empty, realmFile));
    targets.push(await startTarget(`${backend}, ${USERS} users`, work, fullDir, databases.full));
    const [empty, full] = targets;
    const rows: Row[] = [];
    const durationS = DURATION_S / 2;
    for (const scenario of SCENARIOS) {
      const runs: Record<string, Measurement[]> = { [empty.name]: [], [full.name]: [] };
      const order = Array.from({ length: ROUNDS }, (_, i) => (i % 2 === 0 ? [empty, full] : [full, empty])).flat();
      for (const target of order) {
        const m = await measure(await scenario.load(target), durationS);
        runs[target.name].push(m);
        console.log(`  ${scenario.name} on ${target.name}: p50 ${m.p50Ms.toFixed(2)} ms, ${m.reqPerSec.toFixed(0)} req/s`);
      }
      rows.push({ backend, scenario: scenario.name, empty: mean(runs[empty.name]), full: mean(runs[full.name]) });
    }
    return rows;
  } finally {
    await Promise.all(targets.map((t) => stop(t.server, 10_000)));
  }
}

const [loadAtStart] = loadavg();
const work = mkdtempSync(join(tmpdir(), 'latchkey-scale-'));
try {
  console.log(`bench:scale: ${USERS} users, ${CLIENT_COUNT} clients, ${SESSION_COUNT} sessions vs an empty database; `
    + `10 connections, 2 s warm-up + ${DURATION_S / 2} s per run, ${ROUNDS} runs per database, ${CODES} codes per code-exchange run`);
  const rows = await compare('SQLite', work, {});
  if (postgresUrl) {
    const pgRows = await withScratchDatabase(postgresUrl, 'latchkey_bench_empty', (empty) =>
      withScratchDatabase(postgresUrl, 'latchkey_bench_full', (full) => compare('PostgreSQL', work, { empty, full })));
    rows.push(...(pgRows ?? []));
  }

  const f = (n: number, digits = 2) => n.toFixed(digits);
  const table = [['back end', 'scenario', 'p50 ms empty', 'p50 ms full', 'p50 ratio', 'p99 ms empty', 'p99 ms full', 'req/s empty', 'req/s full', 'goal']];
  let failures = 0;
  for (const r of rows) {
    const ratio = r.full.p50Ms / r.empty.p50Ms;
    failures += r.empty.non2xx + r.empty.errors + r.full.non2xx + r.full.errors;
    table.push([r.backend, r.scenario, f(r.empty.p50Ms), f(r.full.p50Ms), `${f(ratio)}x`, f(r.empty.p99Ms), f(r.full.p99Ms),
      f(r.empty.reqPerSec, 0), f(r.full.reqPerSec, 0), ratio <= GOAL ? 'met' : 'MISSED']);
  }
  console.log(`\n${renderTable(table)}`);
  console.log(`\ngoal: p50 with the full database at most ${GOAL}x the empty one's. Failed requests: ${failures}`);
  console.log(`Host load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end.`);
  for (const r of rows) {
    for (const [which, m] of [['empty', r.empty], ['full', r.full]] as const) {
      if (m.non2xx + m.errors > 0) console.log(`  ${r.backend} ${r.scenario} (${which}): status codes ${JSON.stringify(m.statusCodes)}, ${m.errors} errors`);
    }
  }
  process.exitCode = failures > 0 ? 1 : 0;
} finally {
  rmSync(work, { recursive: true, force: true });
}
