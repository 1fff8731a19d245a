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
}

export function normaliseRelativePath(path: string | undefined): string {
  if (!path || path === '/') return '';
  return '/' + path.replace(/^\/+|\/+$/g, '');
}
