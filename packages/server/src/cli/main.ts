#!/usr/bin/env node
import { Command, Option } from 'commander';
import { normaliseRelativePath, type Config } from '../config.js';
import { startServer } from '../server.js';
import { isPostgresUrl } from '../storage/open.js';
import { DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT_MS } from '../storage/sql/postgres.js';

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
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

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
  return {
    port,
    host: o.host,
    dataDir: o.dataDir,
    publicUrl: (o.publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    relativePath: normaliseRelativePath(o.httpRelativePath),
    importRealms: o.importRealm,
    masterKey: process.env.LATCHKEY_MASTER_KEY,
    adminUsername: process.env.LATCHKEY_ADMIN_USERNAME || 'admin',
    adminPassword: process.env.LATCHKEY_ADMIN_PASSWORD || undefined,
    logLevel: o.logLevel,
    databaseUrl,
    dbPoolSize,
    dbStatementTimeoutMs,
  };
}

const program = new Command()
  .name('latchkey')
  .description('Latchkey: an OpenID Connect provider and OAuth 2.0 authorization server with Keycloak\'s URLs.')
  .showHelpAfterError();

program.command('start')
  .description('Start the server. Each option can also be set as the environment variable shown.')
  .addOption(new Option('--port <port>', 'HTTP port').env('LATCHKEY_PORT').default('8080'))
  .addOption(new Option('--host <host>', 'address to listen on').env('LATCHKEY_HOST').default('127.0.0.1'))
  .addOption(new Option('--data-dir <dir>', 'where the master key file and (without --database-url) the SQLite database live').env('LATCHKEY_DATA_DIR').default('./data'))
  .addOption(new Option('--database-url <url>', 'use PostgreSQL instead of SQLite: postgres://user:password@host:5432/database')
    .env('LATCHKEY_DATABASE_URL'))
  .addOption(new Option('--db-pool-size <n>', 'PostgreSQL connections per process').env('LATCHKEY_DB_POOL_SIZE').default(String(DEFAULT_POOL_SIZE)))
  .addOption(new Option('--db-statement-timeout <ms>', 'PostgreSQL statement_timeout for every query, in ms (0: the server\'s own)')
    .env('LATCHKEY_DB_STATEMENT_TIMEOUT').default(String(DEFAULT_STATEMENT_TIMEOUT_MS)))
  .addOption(new Option('--public-url <url>', 'base of every issuer and endpoint URL (default: http://localhost:<port>)').env('LATCHKEY_PUBLIC_URL'))
  .addOption(new Option('--http-relative-path <path>', 'path prefix before /realms, e.g. /auth for Keycloak\'s old layout').env('LATCHKEY_HTTP_RELATIVE_PATH'))
  .addOption(new Option('--import-realm <file>', 'import a Keycloak realm JSON at start; an existing realm is skipped (repeatable)')
    .env('LATCHKEY_IMPORT_REALM').argParser(collect).default([]))
  .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).env('LATCHKEY_LOG_LEVEL').default('info'))
  .addHelpText('after', `
Environment only:
  LATCHKEY_MASTER_KEY        32-byte base64url key sealing private keys and client secrets
                             (default: <data-dir>/master.key, created on first start);
                             processes sharing one PostgreSQL database need the same key
  LATCHKEY_ADMIN_USERNAME    master realm administrator created on first start (default: admin)
  LATCHKEY_ADMIN_PASSWORD    its password (default: generated and printed once)`)
  .action(async (options: StartOptions) => {
    const server = await startServer(toConfig(options));
    console.log(`Latchkey is listening on ${server.url}`);
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await server.close();
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });

program.parseAsync().catch((err: Error) => {
  console.error(`latchkey: ${err.message}`);
  process.exit(1);
});
