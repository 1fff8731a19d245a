/** What `latchkey start` runs with; each comes from a flag, LATCHKEY_<NAME> or the config file. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Issuer base without a trailing slash, e.g. http://localhost:8080. */
  publicUrl: string;
  /** Path prefix before /realms, e.g. /auth for Keycloak's old layout; '' for none. */
  relativePath: string;
  importRealms: string[];
  masterKey?: string;
  adminUsername: string;
  adminPassword?: string;
  logLevel: string;
  /** postgres://… selects PostgreSQL; unset, the embedded SQLite database in dataDir. */
  databaseUrl?: string;
  /** PostgreSQL connection pool size (default 10). */
  dbPoolSize?: number;
  /** PostgreSQL statement_timeout in ms (default 5000; 0: the server's own). */
  dbStatementTimeoutMs?: number;
  /** Serve HTTPS directly with this PEM certificate (chain) and private key. */
  httpsCertFile?: string;
  httpsKeyFile?: string;
  /** Trust X-Forwarded-Proto/-Host/-For from a reverse proxy. */
  proxyHeaders?: boolean;
  /**
   * The issuer follows each request's (forwarded) scheme and host instead of publicUrl:
   * no public URL given (publicUrl is then http(s)://localhost:<port>, for what no request asks).
   */
  issuerFromRequest?: boolean;
  /** Requests to identity providers may go to loopback, private and link-local addresses (SSRF guard off). */
  allowPrivateOutbound?: boolean;
  /** After SIGTERM, how long /health/ready answers 503 while still serving, before the listener closes (ms; default 0). */
  shutdownDelayMs?: number;
  /** How long in-flight requests may take to finish once the listener is closed (ms; default 10000). */
  shutdownTimeoutMs?: number;
  /** Milliseconds between housekeeping sweeps (default five minutes). */
  housekeepingIntervalMs?: number;
  /** Milliseconds before a mail the mail server did not take is tried again, doubling each time (default 30 s). */
  mailRetryDelayMs?: number;
}

export const DEFAULT_SHUTDOWN_DELAY_MS = 0;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export function normaliseRelativePath(path: string | undefined): string {
  if (!path || path === '/') return '';
  return '/' + path.replace(/^\/+|\/+$/g, '');
}
