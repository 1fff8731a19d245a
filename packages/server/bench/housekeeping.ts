// Housekeeping at scale: a million short-lived tokens (half authorization codes, half refresh
// tokens, with a session for every ten refresh tokens) are written through the Store's bulk
// methods, as if issued over the past hour, their replay grace running out over the next
// half minute. Then the built server starts over the data with a two-second housekeeping
// interval, and the row counts are printed as its background sweep takes them back down,
// with the latency of /health/ready (a database round trip) polled meanwhile: the sweep
// deletes in small batches, so requests keep being answered.
//
//   node dist/bench/housekeeping.js [tokens] [--postgres postgres://user@host:5432/any-db] [--no-postgres]
//
// Not part of the test suite: it takes a few minutes and some hundreds of MB of disk.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { SecretBox } from '../src/crypto/secret-box.js';
import { defaultClientSettings } from '../src/domain/clients.js';
import { DEFAULT_REPLAY_GRACE_SECONDS } from '../src/domain/housekeeping.js';
import { Domain } from '../src/domain/index.js';
import { openStore } from '../src/storage/open.js';
import type { AuthorizationCodeRecord, RefreshTokenRecord, SessionRecord } from '../src/storage/store.js';
import { freePort, pollUntilOk, spawnServer, stop } from './children.js';
import { request } from './http.js';
import { scaleArgs, withScratchDatabase } from './scratch-database.js';

const CLI = fileURLToPath(new URL('../latchkey.mjs', import.meta.url));
const INTERVAL_MS = 2000;
/** The last rows' grace ends this long after they are written. */
const SPREAD_S = 30;
const CHUNK = 10_000;

const { count: total, postgresUrl } = scaleArgs(process.argv.slice(2), 1_000_000);

const TABLES = ['authorization_codes', 'refresh_tokens', 'sessions'] as const;
type Counts = Record<(typeof TABLES)[number], number>;

/** Row counts, read beside the server (SQLite's WAL lets a reader in while it writes). */
function counter(dataDir: string, databaseUrl?: string): { counts(): Promise<Counts>; close(): Promise<void> } {
  if (!databaseUrl) {
    const db = new SQLite(join(dataDir, 'latchkey.db'), { readonly: true });
    return {
      counts: async () => Object.fromEntries(TABLES.map((t) => [t, (db.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n])) as Counts,
      close: async () => { db.close(); },
    };
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  const connected = client.connect();
  return {
    async counts() {
      await connected;
      const result: Partial<Counts> = {};
      for (const t of TABLES) result[t] = Number((await client.query(`select count(*) as n from ${t}`)).rows[0].n);
      return result as Counts;
    },
    close: () => client.end(),
  };
}

/** Writes the tokens through the Store, CHUNK rows to a transaction; returns how long it took. */
async function issue(dataDir: string, databaseUrl: string | undefined): Promise<number> {
  const started = performance.now();
  const store = await openStore({ dataDir, databaseUrl, statementTimeoutMs: 0 });
  try {
    const domain = new Domain(store, SecretBox.load(dataDir), '');
    const realm = await domain.realms.create('housekeeping');
    const client = { id: randomUUID(), realmId: realm.id, clientId: 'app', enabled: true, publicClient: true, settings: defaultClientSettings(), createdAt: 0 };
    const user = {
      id: randomUUID(), realmId: realm.id, username: 'someone', enabled: true, email: null, emailVerified: false, firstName: null,
      lastName: null, phoneNumber: null, attributes: {}, serviceAccountClientId: null, requiredActions: [], createdAt: 0,
    };
    await store.clients.insert(client);
    await store.users.insert(user);

    const now = Math.floor(Date.now() / 1000);
    const codes = Math.floor(total / 2);
    // The replay grace (an hour past expiry) of the i-th code, or refresh token, of n runs out i/n of SPREAD_S from now.
    const expiry = (i: number) => {
      const [nth, of] = i < codes ? [i, codes] : [i - codes, total - codes];
      return now - DEFAULT_REPLAY_GRACE_SECONDS + 5 + Math.floor((nth / of) * SPREAD_S);
    };
    for (let from = 0; from < total; from += CHUNK) {
      const to = Math.min(total, from + CHUNK);
      const sessions: SessionRecord[] = [];
      const tokens: RefreshTokenRecord[] = [];
      const issuedCodes: AuthorizationCodeRecord[] = [];
      for (let i = from; i < to; i++) {
        const expiresAt = expiry(i);
        const createdAt = expiresAt - 60;
        if (i < codes) {
          issuedCodes.push({
            codeHash: randomBytes(32).toString('base64url'), realmId: realm.id, clientId: client.id, userId: user.id,
            sessionId: randomUUID(), redirectUri: 'https://app.example/cb', scope: 'openid', nonce: null, codeChallenge: null,
            codeChallengeMethod: null, authTime: createdAt, claims: null, createdAt, expiresAt, usedAt: createdAt + 1,
            issuedFamilyId: null, issuedJti: null, issuedJtiExpiresAt: null, acr: null,
          });
          continue;
        }
        if (i % 10 === 0 || sessions.length === 0) {
          sessions.push({
            id: randomUUID(), realmId: realm.id, userId: user.id, offline: false, authTime: createdAt, createdAt,
            lastSeenAt: createdAt, expiresAt: expiresAt + DEFAULT_REPLAY_GRACE_SECONDS, maxExpiresAt: expiresAt + DEFAULT_REPLAY_GRACE_SECONDS,
          });
        }
        tokens.push({
          id: randomUUID(), tokenHash: randomBytes(32).toString('base64url'), familyId: randomUUID(), realmId: realm.id,
          clientId: client.id, userId: user.id, sessionId: sessions.at(-1)!.id, scope: 'openid', createdAt, expiresAt,
          usedAt: null, useCount: 0, revokedAt: null, accessJti: null, accessExpiresAt: null, acr: null, claims: null,
        });
      }
      await store.transaction(async (tx) => {
        await tx.bulk.insertCodes(issuedCodes);
        await tx.bulk.insertSessions(sessions);
        await tx.bulk.insertRefreshTokens(tokens);
      });
    }
  } finally {
    await store.close();
  }
  return (performance.now() - started) / 1000;
}

interface Probe { count: number; maxMs: number; failures: number }

/** GET /health/ready every 50 ms, keeping the worst latency since the last read. */
function probe(url: string): { read(): Probe; stop(): void } {
  let current: Probe = { count: 0, maxMs: 0, failures: 0 };
  let running = true;
  void (async () => {
    while (running) {
      const t = performance.now();
      const ok = await request(url, { timeoutMs: 10_000 }).then((r) => r.status === 200, () => false);
      current.count++;
      current.maxMs = Math.max(current.maxMs, performance.now() - t);
      if (!ok) current.failures++;
      await sleep(50);
    }
  })();
  return {
    read() {
      const seen = current;
      current = { count: 0, maxMs: 0, failures: 0 };
      return seen;
    },
    stop() { running = false; },
  };
}

async function run(backend: string, work: string, databaseUrl?: string): Promise<void> {
  const dataDir = join(work, backend.toLowerCase());
  console.log(`\n${backend}: writing ${total.toLocaleString('en')} tokens through the Store's bulk methods…`);
  const seconds = await issue(dataDir, databaseUrl);
  const rows = counter(dataDir, databaseUrl);
  const start = await rows.counts();
  console.log(`  written in ${seconds.toFixed(1)} s: ${JSON.stringify(start)}`);

  const port = await freePort();
  const server = spawnServer('Latchkey', [CLI, 'start', '--port', String(port), '--data-dir', dataDir,
    '--housekeeping-interval', String(INTERVAL_MS), ...(databaseUrl ? ['--database-url', databaseUrl] : [])], join(work, `${backend}.log`));
  const ready = `http://127.0.0.1:${port}/health/ready`;
  try {
    await pollUntilOk(server, ready, 50, 60_000);
    const health = probe(ready);
    const began = performance.now();
    console.log('  seconds | codes     | refresh tokens | sessions | /health/ready: requests, worst ms, failures');
    for (;;) {
      await sleep(INTERVAL_MS);
      const c = await rows.counts();
      const h = health.read();
      const t = ((performance.now() - began) / 1000).toFixed(0).padStart(7);
      console.log(`  ${t} | ${String(c.authorization_codes).padStart(9)} | ${String(c.refresh_tokens).padStart(14)} | ${String(c.sessions).padStart(8)} | ${h.count}, ${h.maxMs.toFixed(1)}, ${h.failures}`);
      if (c.authorization_codes + c.refresh_tokens + c.sessions === 0) break;
      if (performance.now() - began > 15 * 60_000) throw new Error('the tables did not empty in 15 minutes');
    }
    health.stop();
  } finally {
    await rows.close();
    await stop(server, 10_000);
  }
}

const work = mkdtempSync(join(tmpdir(), 'latchkey-housekeeping-'));
try {
  await run('SQLite', work);
  if (postgresUrl) {
    await withScratchDatabase(postgresUrl, 'latchkey_bench', (url) => run('PostgreSQL', work, url));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
