#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { applyConfigFile } from '../config-file.js';
import { DEFAULT_SHUTDOWN_DELAY_MS, DEFAULT_SHUTDOWN_TIMEOUT_MS, normaliseRelativePath, type Config } from '../config.js';
import { isLoopback } from '../broker/settings.js';
import { DEFAULT_SWEEP_INTERVAL_MS } from '../domain/housekeeping.js';
import { DEFAULT_MAIL_RETRY_DELAY_MS } from '../mail/worker.js';
import { startServer } from '../server.js';
import { adminCommand } from './admin.js';
import { realmCommand } from './realm.js';
import { DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT_MS, isPostgresUrl } from '../storage/open.js';

interface StartOptions {
  port: string;
  host: string;
  dataDir: string;
  publicUrl?: string;
  httpRelativePath?: string;
  importRealm: string[];
  logLevel: string;
  databaseUrl?: string;
  dbPoolSize: string;
  dbStatementTimeout: string;
  config?: string;
  httpsCert?: string;
  httpsKey?: string;
  proxyHeaders: boolean;
  allowPrivateOutbound?: boolean;
  shutdownDelay: string;
  shutdownTimeout: string;
  housekeepingInterval: string;
  mailRetryDelay: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** For an option that is on when given bare, and takes true/false from the environment or config file. */
function parseSwitch(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  throw new InvalidArgumentError(`expected true or false, not "${value}"`);
}

function milliseconds(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number of milliseconds, not "${value}"`);
  return Number(value);
}

function positiveMilliseconds(name: string, value: string): number {
  const ms = milliseconds(name, value);
  if (ms < 1) throw new Error(`${name} must be at least 1 ms`);
  return ms;
}

function toConfig(o: StartOptions): Config {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not "${o.port}"`);
  const databaseUrl = o.databaseUrl || undefined;
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl)) {
    throw new Error('--database-url must be a postgres:// or postgresql:// URL');
  }
  const dbPoolSize = Number(o.dbPoolSize);
  if (!/^\d+$/.test(o.dbPoolSize) || dbPoolSize < 1) throw new Error(`--db-pool-size must be a positive integer, not "${o.dbPoolSize}"`);
  const dbStatementTimeoutMs = Number(o.dbStatementTimeout);
  if (!/^\d+$/.test(o.dbStatementTimeout)) {
    throw new Error(`--db-statement-timeout must be a whole number of milliseconds, not "${o.dbStatementTimeout}"`);
  }
  if (!!o.httpsCert !== !!o.httpsKey) throw new Error('--https-cert and --https-key go together: give both or neither');
  const tls = !!o.httpsCert;
  const publicUrl = o.publicUrl || undefined;
  if (publicUrl !== undefined && !/^https?:\/\/[^/?#]+(?:\/[^?#]*)?$/i.test(publicUrl)) {
    throw new Error(`--public-url must be an http:// or https:// URL without query or fragment, not "${publicUrl}"`);
  }
  const base = (publicUrl ?? `${tls ? 'https' : 'http'}://localhost:${port}`).replace(/\/+$/, '');
  return {
    port,
    host: o.host,
    dataDir: o.dataDir,
    publicUrl: base,
    relativePath: normaliseRelativePath(o.httpRelativePath),
    importRealms: o.importRealm,
    masterKey: process.env.LATCHKEY_MASTER_KEY,
    adminUsername: process.env.LATCHKEY_ADMIN_USERNAME || 'admin',
    adminPassword: process.env.LATCHKEY_ADMIN_PASSWORD || undefined,
    logLevel: o.logLevel,
    databaseUrl,
    dbPoolSize,
    dbStatementTimeoutMs,
    httpsCertFile: o.httpsCert || undefined,
    httpsKeyFile: o.httpsKey || undefined,
    proxyHeaders: o.proxyHeaders,
    issuerFromRequest: publicUrl === undefined,
    // A Latchkey only this machine can reach may broker providers on it too (development,
    // tests); one reachable from elsewhere, or behind a proxy that says where, may not.
    allowPrivateOutbound: o.allowPrivateOutbound ?? (isLoopback(new URL(base)) && !(publicUrl === undefined && o.proxyHeaders)),
    shutdownDelayMs: milliseconds('--shutdown-delay', o.shutdownDelay),
    shutdownTimeoutMs: milliseconds('--shutdown-timeout', o.shutdownTimeout),
    housekeepingIntervalMs: positiveMilliseconds('--housekeeping-interval', o.housekeepingInterval),
    mailRetryDelayMs: positiveMilliseconds('--mail-retry-delay', o.mailRetryDelay),
  };
}

const program = new Command()
  .name('latchkey')
  .description('Latchkey: an OpenID Connect provider and OAuth 2.0 authorization server with Keycloak\'s URLs.')
  .showHelpAfterError();

program.command('start')
  .description('Start the server. Each option can also be set as the environment variable shown, or in a config file (--config).')
  .addOption(new Option('--config <file>', 'JSON config file: {"port": 8081, "publicUrl": "...", "databaseUrl": "..."}, keys named as the long options in camelCase')
    .env('LATCHKEY_CONFIG'))
  .addOption(new Option('--port <port>', 'HTTP port').env('LATCHKEY_PORT').default('8080'))
  .addOption(new Option('--host <host>', 'address to listen on').env('LATCHKEY_HOST').default('127.0.0.1'))
  .addOption(new Option('--data-dir <dir>', 'where the master key file and (without --database-url) the SQLite database live').env('LATCHKEY_DATA_DIR').default('./data'))
  .addOption(new Option('--database-url <url>', 'use PostgreSQL instead of SQLite: postgres://user:password@host:5432/database')
    .env('LATCHKEY_DATABASE_URL'))
  .addOption(new Option('--db-pool-size <n>', 'PostgreSQL connections per process').env('LATCHKEY_DB_POOL_SIZE').default(String(DEFAULT_POOL_SIZE)))
  .addOption(new Option('--db-statement-timeout <ms>', 'PostgreSQL statement_timeout for every query, in ms (0: the server\'s own)')
    .env('LATCHKEY_DB_STATEMENT_TIMEOUT').default(String(DEFAULT_STATEMENT_TIMEOUT_MS)))
  .addOption(new Option('--public-url <url>', 'base of every issuer and endpoint URL, fixed (default: each request\'s scheme and host, as Keycloak\'s development mode; with --proxy-headers, the forwarded ones)').env('LATCHKEY_PUBLIC_URL'))
  .addOption(new Option('--http-relative-path <path>', 'path prefix before /realms, e.g. /auth for Keycloak\'s old layout').env('LATCHKEY_HTTP_RELATIVE_PATH'))
  .addOption(new Option('--import-realm <file>', 'import a Keycloak realm JSON at start; an existing realm is skipped (repeatable; several comma-separated in the variable)')
    .env('LATCHKEY_IMPORT_REALM').argParser(collect).default([]))
  .addOption(new Option('--https-cert <file>', 'serve HTTPS with this PEM certificate (chain); needs --https-key').env('LATCHKEY_HTTPS_CERT'))
  .addOption(new Option('--https-key <file>', 'the PEM private key of --https-cert').env('LATCHKEY_HTTPS_KEY'))
  .addOption(new Option('--proxy-headers [bool]', 'trust X-Forwarded-Proto, -Host and -For from a reverse proxy (only behind one that sets them)')
    .env('LATCHKEY_PROXY_HEADERS').argParser(parseSwitch).preset('true').default(false))
  .addOption(new Option('--allow-private-outbound [bool]', 'let identity providers be on loopback, private and link-local addresses (default: true only when the public URL is loopback)')
    .env('LATCHKEY_ALLOW_PRIVATE_OUTBOUND').argParser(parseSwitch).preset('true'))
  .addOption(new Option('--log-level <level>', 'log level; logs are JSON lines on stdout').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).env('LATCHKEY_LOG_LEVEL').default('info'))
  .addOption(new Option('--shutdown-delay <ms>', 'on SIGTERM, keep serving this long with /health/ready answering 503 before closing the listener')
    .env('LATCHKEY_SHUTDOWN_DELAY').default(String(DEFAULT_SHUTDOWN_DELAY_MS)))
  .addOption(new Option('--shutdown-timeout <ms>', 'on SIGTERM, how long requests in flight may take to finish before their connections are closed')
    .env('LATCHKEY_SHUTDOWN_TIMEOUT').default(String(DEFAULT_SHUTDOWN_TIMEOUT_MS)))
  .addOption(new Option('--housekeeping-interval <ms>', 'how often expired codes, sessions, tokens and old events are deleted (in small batches)')
    .env('LATCHKEY_HOUSEKEEPING_INTERVAL').default(String(DEFAULT_SWEEP_INTERVAL_MS)))
  .addOption(new Option('--mail-retry-delay <ms>', 'how long before a mail the mail server did not take is tried again; doubles with each try, up to an hour')
    .env('LATCHKEY_MAIL_RETRY_DELAY').default(String(DEFAULT_MAIL_RETRY_DELAY_MS)))
  .addHelpText('after', `
Environment only:
  LATCHKEY_MASTER_KEY        32-byte base64url key sealing private keys and client secrets
                             (default: <data-dir>/master.key, created on first start);
                             processes sharing one PostgreSQL database need the same key
  LATCHKEY_ADMIN_USERNAME    master realm administrator created on first start (default: admin)
  LATCHKEY_ADMIN_PASSWORD    its password (default: generated and printed once)

Precedence: a flag beats its environment variable, which beats the config file, which
beats the default. The config file is JSON, keys named as the long options in camelCase
(e.g. {"port": 8081, "publicUrl": "https://id.example.com", "databaseUrl": "postgres://...",
"importRealm": ["a.json"], "proxyHeaders": true}); relative paths in it are taken from
the file's directory.

Metrics for Prometheus are served at <http-relative-path>/metrics. On SIGTERM the server
stops accepting connections, lets requests in flight finish, and exits with 0.`)
  .action(async (_options: StartOptions, command: Command) => {
    if (_options.config) applyConfigFile(command, _options.config);
    const options = command.opts<StartOptions>();
    // An environment variable holds one value: several realm files come comma-separated, as in Keycloak.
    if (command.getOptionValueSource('importRealm') === 'env') {
      options.importRealm = options.importRealm.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    }
    const server = await startServer(toConfig(options));
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      const finished = await server.close().catch((err: Error) => {
        console.error(`latchkey: stopping failed: ${err.message}`);
        return false;
      });
      process.exit(finished ? 0 : 1);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });

program.addCommand(realmCommand());
program.addCommand(adminCommand());

program.parseAsync().catch((err: Error) => {
  console.error(`latchkey: ${err.message}`);
  process.exit(1);
});
