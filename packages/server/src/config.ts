/** What `latchkey start` runs with; each comes from a flag or LATCHKEY_<NAME>. */
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
}

export function normaliseRelativePath(path: string | undefined): string {
  if (!path || path === '/') return '';
  return '/' + path.replace(/^\/+|\/+$/g, '');
}
