import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as oidc from 'openid-client';

const CLI = fileURLToPath(new URL('../../../../server/dist/latchkey.mjs', import.meta.url));

export const SECRETS: Record<string, string> = {
  'api-client': 'api-secret',
  'short-client': 'short-secret',
  'es-client': 'es-secret',
  'ed-client': 'ed-secret',
  'notes-api': 'notes-secret',
  'reports-api': 'reports-secret',
  'web-app': 'web-secret',
};

/**
 * One realm with everything the tests need: `notes-api` and `reports-api` stand for resource
 * servers (their client roles put them in `aud`), the other clients get tokens, and `web-app`
 * signs alice in to obtain an ID token, which must never pass as an access token.
 */
export const REALM = {
  realm: 'demo',
  enabled: true,
  accessTokenLifespan: 300,
  roles: {
    realm: [{ name: 'reader' }, { name: 'admin' }],
    client: {
      'notes-api': [{ name: 'editor' }, { name: 'owner' }],
      'reports-api': [{ name: 'viewer' }],
    },
  },
  // A realm file that lists client scopes has those alone, as in Keycloak: `roles` is Keycloak's
  // built-in scope whose mappers put the roles in the token and their clients in `aud`.
  clientScopes: [
    {
      name: 'roles',
      protocol: 'openid-connect',
      attributes: { 'include.in.token.scope': 'false' },
      protocolMappers: [
        roleMapper('realm roles', 'oidc-usermodel-realm-role-mapper', 'realm_access.roles'),
        roleMapper('client roles', 'oidc-usermodel-client-role-mapper', 'resource_access.${client_id}.roles'),
        { name: 'audience resolve', protocol: 'openid-connect', protocolMapper: 'oidc-audience-resolve-mapper', config: { 'access.token.claim': 'true' } },
      ],
    },
    { name: 'notes:read', protocol: 'openid-connect' },
    { name: 'notes:write', protocol: 'openid-connect' },
  ],
  clients: [
    resourceServer('notes-api'),
    resourceServer('reports-api'),
    tokenClient('api-client', {}),
    tokenClient('short-client', { 'access.token.lifespan': '2' }),
    tokenClient('es-client', { 'access.token.signed.response.alg': 'ES256' }),
    tokenClient('ed-client', { 'access.token.signed.response.alg': 'EdDSA' }),
    { ...resourceServer('web-app'), directAccessGrantsEnabled: true },
  ],
  users: [
    serviceAccount('api-client', { 'notes-api': ['editor'], 'reports-api': ['viewer'] }),
    serviceAccount('short-client', { 'notes-api': ['editor'] }),
    serviceAccount('es-client', { 'notes-api': ['editor'] }),
    serviceAccount('ed-client', { 'notes-api': ['editor'] }),
    {
      username: 'alice',
      enabled: true,
      email: 'alice@example.com',
      credentials: [{ type: 'password', value: 'alice-password' }],
      realmRoles: ['reader'],
    },
  ],
};


function roleMapper(name: string, protocolMapper: string, claim: string) {
  return {
    name, protocol: 'openid-connect', protocolMapper,
    config: { 'access.token.claim': 'true', 'claim.name': claim, 'jsonType.label': 'String', multivalued: 'true' },
  };
}

function resourceServer(clientId: string) {
  return {
    clientId,
    publicClient: false,
    secret: SECRETS[clientId],
    serviceAccountsEnabled: false,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
  };
}

function tokenClient(clientId: string, attributes: Record<string, string>) {
  return {
    clientId,
    publicClient: false,
    secret: SECRETS[clientId],
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
    defaultClientScopes: ['roles', 'notes:read'],
    optionalClientScopes: ['notes:write'],
    attributes,
  };
}

function serviceAccount(clientId: string, clientRoles: Record<string, string[]>) {
  return {
    username: `service-account-${clientId}`,
    enabled: true,
    serviceAccountClientId: clientId,
    realmRoles: ['reader'],
    clientRoles,
  };
}

export interface RunningServer {
  issuer: string;
  /** An access token for a client of {@link REALM}, by client credentials. */
  token(clientId: string, scope?: string): Promise<string>;
  /** A DPoP-bound access token (RFC 9449) for a client, by client credentials with a proof of `keys`. */
  dpopToken(clientId: string, keys: CryptoKeyPair): Promise<string>;
  /** An ID token for alice, by the password grant through `web-app`. */
  idToken(): Promise<string>;
  revoke(clientId: string, token: string): Promise<void>;
  /** Rotates the realm's signing keys through the admin API, as an administrator would. */
  rotateKeys(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const ADMIN_PASSWORD = 'admin-password';

/** Starts the real Latchkey CLI on a free port with {@link REALM} imported. */
export async function startServer(): Promise<RunningServer> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-resource-'));
  const realmFile = join(dir, 'realm.json');
  await writeFile(realmFile, JSON.stringify(REALM));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [CLI, 'start', '--port', String(port), '--host', '127.0.0.1', '--data-dir', join(dir, 'data'),
      '--import-realm', realmFile, '--public-url', base],
    { env: { ...process.env, LATCHKEY_ADMIN_PASSWORD: ADMIN_PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));

  try {
    await waitUntilReady(child, `${base}/health/ready`, () => output);
  } catch (err) {
    await stop(child, dir);
    throw err;
  }

  const issuer = `${base}/realms/demo`;
  const configs = new Map<string, Promise<oidc.Configuration>>();
  const config = (clientId: string) => {
    let found = configs.get(clientId);
    if (!found) {
      found = oidc.discovery(new URL(issuer), clientId, undefined, oidc.ClientSecretBasic(SECRETS[clientId]), {
        execute: [oidc.allowInsecureRequests],
      });
      configs.set(clientId, found);
    }
    return found;
  };

  return {
    issuer,
    async token(clientId, scope) {
      const response = await oidc.clientCredentialsGrant(await config(clientId), scope ? { scope } : {});
      return response.access_token;
    },
    async dpopToken(clientId, keys) {
      const configuration = await config(clientId);
      const response = await oidc.clientCredentialsGrant(configuration, {}, { DPoP: oidc.getDPoPHandle(configuration, keys) });
      return response.access_token;
    },
    async idToken() {
      const response = await oidc.genericGrantRequest(await config('web-app'), 'password', {
        username: 'alice',
        password: 'alice-password',
        scope: 'openid',
      });
      if (!response.id_token) throw new Error('The password grant returned no ID token');
      return response.id_token;
    },
    async revoke(clientId, token) {
      await oidc.tokenRevocation(await config(clientId), token, { token_type_hint: 'access_token' });
    },
    async rotateKeys() {
      const adminCli = await oidc.discovery(new URL(`${base}/realms/master`), 'admin-cli', undefined, oidc.None(), {
        execute: [oidc.allowInsecureRequests],
      });
      const admin = await oidc.genericGrantRequest(adminCli, 'password', { username: 'admin', password: ADMIN_PASSWORD });
      const response = await fetch(`${base}/admin/realms/demo/keys/rotate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.access_token}` },
      });
      if (response.status !== 200) throw new Error(`Key rotation answered HTTP ${response.status}: ${await response.text()}`);
    },
    stop: () => stop(child, dir),
  };
}

async function waitUntilReady(child: ChildProcess, url: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`Latchkey exited with code ${child.exitCode} before it was ready:\n${output()}`);
    }
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`Latchkey was not ready within 30 s:\n${output()}`);
}

async function stop(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  }
  await rm(dir, { recursive: true, force: true });
}

/** Re-encodes the payload with a changed claim, keeping header and signature. */
export function tamper(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...changes };
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}
