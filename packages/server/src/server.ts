import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { DEFAULT_SHUTDOWN_DELAY_MS, DEFAULT_SHUTDOWN_TIMEOUT_MS, type Config } from './config.js';
import type { Lifecycle } from './endpoints/health.js';
import { SecretBox } from './crypto/secret-box.js';
import { MASTER_REALM, bootstrapMaster, ensureAdminConsole } from './domain/bootstrap.js';
import { ACCOUNT_CLIENT, ACCOUNT_CONSOLE_CLIENT } from './domain/realms.js';
import { startHousekeeping } from './domain/housekeeping.js';
import { startMailWorker } from './mail/worker.js';
import { outboundFetch } from './broker/outbound.js';
import { startLogoutDelivery } from './protocol/backchannel-logout.js';
import { Domain } from './domain/index.js';
import { importNotes, importRealmFile } from './import/keycloak.js';
import { openStore, SQLITE_FILE, storeKind } from './storage/open.js';
import { startKeyPairs } from './domain/keys.js';
import type { DataDirLock } from './storage/sql/sqlite-lock.js';
import { tightenDataDir } from './storage/private-dir.js';

export interface RunningServer {
  app: FastifyInstance;
  domain: Domain;
  url: string;
  /**
   * Shuts down gracefully: /health/ready answers 503 at once, the listener closes after
   * the shutdown delay, requests in flight finish (for at most the shutdown timeout; then
   * their connections are closed), and then the database. Resolves true when every
   * request finished on its own. Calling it again returns the same promise.
   */
  close(): Promise<boolean>;
}

/** The certificate and key to serve HTTPS with, read and checked before anything else starts. */
function loadTls(config: Config): { cert: Buffer; key: Buffer } | undefined {
  if (!config.httpsCertFile && !config.httpsKeyFile) return undefined;
  if (!config.httpsCertFile || !config.httpsKeyFile) throw new Error('--https-cert and --https-key go together: give both or neither');
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the ${what} ${file}: ${(err as Error).message}`);
    }
  };
  const tls = { cert: read(config.httpsCertFile, 'HTTPS certificate'), key: read(config.httpsKeyFile, 'HTTPS key') };
  try {
    createSecureContext(tls);
  } catch (err) {
    throw new Error(`the HTTPS certificate and key cannot be used together: ${(err as Error).message}`);
  }
  return tls;
}

/** How often, while shutting down, connections gone idle are closed. */
const IDLE_REAP_MS = 50;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A data dir sealed under another master key would answer every request with 500: refuse to start instead. */
async function checkMasterKey(domain: Domain, where: string): Promise<void> {
  const [first] = await domain.realms.list();
  if (!first) return;
  try {
    await domain.realms.runtime(first.name);
  } catch {
    throw new Error(`the master key does not open ${where}'s keys: start with the LATCHKEY_MASTER_KEY (or master.key file) it was created with`);
  }
}

/**
 * Opens the database (the data dir's SQLite, or PostgreSQL), imports realms, creates
 * master on first start, then listens.
 */
export async function startServer(config: Config, say: (line: string) => void = console.log): Promise<RunningServer> {
  const kind = storeKind(config);
  // A first start (no database yet) creates master and the imported realms, whose keys take
  // longest of all it does: they are begun first, to be found while the rest starts.
  if (kind === 'sqlite' && !existsSync(join(config.dataDir, SQLITE_FILE))) startKeyPairs(1 + config.importRealms.length);
  const https = loadTls(config);
  const tightened = tightenDataDir(config.dataDir);
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    poolSize: config.dbPoolSize,
    statementTimeoutMs: config.dbStatementTimeoutMs,
  });
  let lock: DataDirLock | undefined;
  try {
    // One server per SQLite data dir (PostgreSQL is made to be shared).
    if (kind === 'sqlite') lock = (await import('./storage/sql/sqlite-lock.js')).lockDataDir(config.dataDir);
    const box = SecretBox.load(config.dataDir, config.masterKey);
    const domain = new Domain(store, box, config.publicUrl + config.relativePath);

    const lifecycle: Lifecycle = { draining: false };
    // Built while the realms below are imported and created: those mostly wait on key
    // generation and password hashing in the thread pool, which leaves the main thread free.
    const building = buildApp({
      domain,
      relativePath: config.relativePath,
      logLevel: config.logLevel,
      https,
      proxyHeaders: config.proxyHeaders,
      issuerFromRequest: config.issuerFromRequest,
      allowPrivateOutbound: config.allowPrivateOutbound,
      lifecycle,
      poolStats: kind === 'postgres' ? () => store.poolStats() : undefined,
    });
    building.catch(() => {}); // awaited below; a failure before then must not go unhandled

    // A first start creates master and the imported realms: their keys are made side by side.
    if (!(await domain.realms.exists(MASTER_REALM))) domain.realms.prepareKeys(1 + config.importRealms.length);

    // Several processes may share one PostgreSQL database and start at once: one at a
    // time checks for, imports and creates realms, so none trips over another's.
    await store.exclusive(async () => {
      // Imports come first so that an imported master realm replaces the bootstrap one, as in Keycloak.
      for (const file of config.importRealms) {
        const result = await importRealmFile(domain, file);
        say(result.skipped ? `Realm ${result.realm} already exists: import of ${file} skipped` : `Imported realm ${result.realm} from ${file}`);
        for (const note of importNotes(result)) say(note);
      }
      const boot = await bootstrapMaster(domain, { username: config.adminUsername, password: config.adminPassword });
      await ensureAdminConsole(domain);
      // Realms from before the account API get Keycloak's account client, as new ones have it.
      for (const realm of await domain.realms.ensureAccountClients()) {
        domain.roles.invalidate(realm.id);
        domain.clients.invalidate(realm.id, ACCOUNT_CLIENT);
        domain.clients.invalidate(realm.id, ACCOUNT_CONSOLE_CLIENT);
      }
      if (!boot.created && config.adminPassword !== undefined) {
        say('LATCHKEY_ADMIN_PASSWORD is ignored: the master realm exists already, and its administrator is made on the first start only. '
          + 'To reset a lost password, stop the server and run `latchkey admin bootstrap`.');
      }
      if (boot.generatedPassword) {
        say(`Created the master realm administrator "${config.adminUsername}" with the generated password: ${boot.generatedPassword}`);
        say('It is shown only this once; set LATCHKEY_ADMIN_PASSWORD to choose it instead.');
      }
    });

    await checkMasterKey(domain, kind === 'postgres' ? 'the database' : 'this data dir');
    const app = await building;
    if (tightened.length > 0) app.log.warn({ paths: tightened }, 'the data dir let others read or enter it: now 0700, its files 0600');
    const address = await app.listen({ port: config.port, host: config.host });
    const home = config.publicUrl + config.relativePath;
    say(`Latchkey is listening on ${address}`);
    say(config.issuerFromRequest
      ? `Issuer: each request's own ${config.proxyHeaders ? 'forwarded ' : ''}scheme and host (no --public-url, as Keycloak's development mode), e.g. ${home}/realms/master; give --public-url to fix it`
      : `Issuer: fixed by --public-url, e.g. ${home}/realms/master`);
    say(`Admin console: ${home}/admin/ (welcome page: ${home}/)`);
    domain.events.onWriteError = (err) => app.log.warn({ err }, 'could not write login events: they are kept for the next try');
    const housekeeping = startHousekeeping(domain, {
      intervalMs: config.housekeepingIntervalMs,
      onError: (err) => app.log.warn({ err }, 'housekeeping sweep failed'),
      onSweep: (deleted) => {
        if (Object.values(deleted).some((n) => n > 0)) app.log.info({ deleted }, 'housekeeping deleted expired rows');
      },
    });

    const mail = startMailWorker(domain, {
      retryDelayMs: config.mailRetryDelayMs,
      // The mail's kind and id only: never its recipient or contents.
      onFailure: (m, err, givenUp) => app.log.warn({ mail: { id: m.id, kind: m.kind, attempts: m.attempts + 1 }, reason: (err as Error).message, givenUp },
        givenUp ? 'mail not sent: given up' : 'mail not sent: will try again'),
      onError: (err) => app.log.warn({ err }, 'mail worker could not read the outbox'),
    });
    // Clients' back-channel logout URLs are addresses an administrator gave: the same guard as identity providers'.
    const logouts = startLogoutDelivery(domain, { fetch: outboundFetch(config.allowPrivateOutbound ?? false), log: app.log });

    const delayMs = config.shutdownDelayMs ?? DEFAULT_SHUTDOWN_DELAY_MS;
    const timeoutMs = config.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    let closing: Promise<boolean> | undefined;
    const shutDown = async (): Promise<boolean> => {
      lifecycle.draining = true;
      app.log.info({ delayMs, timeoutMs }, 'shutting down: no longer ready');
      if (delayMs > 0) await sleep(delayMs);
      // Stops accepting connections, closes idle ones, lets requests in flight finish.
      const closed = app.close();
      // A request in flight began before its answer could say Connection: close, so its
      // keep-alive connection goes idle once answered and would hold the close up: closed then.
      const reaper = setInterval(() => app.server.closeIdleConnections(), IDLE_REAP_MS);
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        closed.then(() => true),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(false), timeoutMs); }),
      ]);
      clearTimeout(timer);
      clearInterval(reaper);
      if (!finished) {
        app.log.warn({ timeoutMs }, 'requests still in flight after the shutdown timeout: closing their connections');
        app.server.closeAllConnections();
        await closed;
      }
      await housekeeping.stop();
      await mail.stop();
      await logouts.stop();
      await domain.events.flush();
      await store.close();
      lock?.release();
      app.log.info('stopped');
      return finished;
    };
    return {
      app,
      domain,
      url: address,
      close: () => (closing ??= shutDown()),
    };
  } catch (err) {
    // A pool left open would keep the process alive after a failed start.
    await store.close().catch(() => {});
    lock?.release();
    throw err;
  }
}
