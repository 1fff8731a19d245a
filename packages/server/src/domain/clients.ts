import type { SecretBox } from '../crypto/secret-box.js';
import { timingSafeEqual } from 'node:crypto';
import { newId, randomToken, secretDigest } from '../crypto/random.js';
import type { ClientRecord, ClientScopeRecord, ClientSecretRecord, ClientSettings, RealmRecord, Store } from '../storage/store.js';
import { Caches, type TtlCache } from './cache.js';
import { now } from './time.js';
import { OIDC_PROTOCOL } from '../protocol/mappers.js';
import { oauthAttributesProblem } from '../protocol/client-attributes.js';

/** A client as the protocol sees it: its record, its secrets' digests, its client scopes resolved. */
export interface ClientRuntime {
  record: ClientRecord;
  /** Digests of its secrets (secretDigest): every authentication compares against them. */
  secrets: Array<{ id: string; digest: Buffer; expiresAt: number | null }>;
  /** The client's default and optional scopes that exist, by name (a scope of another protocol is left out). */
  defaultScopes: ClientScopeRecord[];
  optionalScopes: ClientScopeRecord[];
}

/** A new client's settings; in a realm, it gets the realm's default and optional client scopes, as in Keycloak. */
export function defaultClientSettings(realm?: Pick<RealmRecord, 'settings'>): ClientSettings {
  return {
    standardFlow: true,
    implicitFlow: false,
    directAccessGrants: false,
    serviceAccounts: false,
    consentRequired: false,
    openIdConnect: true,
    apiAccess: true,
    pkceMethod: null,
    refreshTokens: true,
    redirectUris: [],
    postLogoutRedirectUris: [],
    webOrigins: [],
    defaultScopes: [...(realm?.settings.defaultClientScopes ?? [])],
    optionalScopes: [...(realm?.settings.optionalClientScopes ?? [])],
    protocolMappers: [],
    consentTexts: {},
    extraAttributes: {},
  };
}

/** Seed 001: without OpenID Connect support the client is for API access, so it must have that. */
export const supportsOpenIdConnect = (s: ClientSettings): boolean => s.openIdConnect !== false;
export const supportsApiAccess = (s: ClientSettings): boolean => s.apiAccess !== false;

// Schemes that run what follows them in the page that opens them; browsers drop tabs, newlines
// and leading control characters and spaces before reading the scheme, so those are dropped too.
const SCRIPT_SCHEME = /^(?:javascript|data|vbscript):/i;

/** True for a URI that a browser sent to it would run as script (or render as a page of its own). */
export const isScriptUri = (uri: string): boolean => SCRIPT_SCHEME.test(uri.replace(/[\u0000-\u0020]/g, ''));

/** Why these settings cannot be a client's (the field, in the client representation, and the reason), or undefined when they can. */
export function clientSettingsProblem(s: ClientSettings, fieldNames: { apiAccess: string; postLogoutRedirectUris: string }):
  { field: string; problem: string } | undefined {
  if (!supportsOpenIdConnect(s) && !supportsApiAccess(s)) {
    return { field: fieldNames.apiAccess, problem: 'Support API access is required when Support OpenID Connect is off: a client needs at least one of them' };
  }
  // Keycloak refuses them too: a code sent there would run as script in the browser.
  for (const [field, uris] of [['redirectUris', s.redirectUris], [fieldNames.postLogoutRedirectUris, s.postLogoutRedirectUris]] as const) {
    const unsafe = uris.find(isScriptUri);
    if (unsafe !== undefined) return { field, problem: `A redirect URI may not use the ${unsafe.replace(/[\u0000-\u0020]/g, '').split(':')[0].toLowerCase()}: scheme` };
  }
  // Latchkey posts to the one and loads the other in the user's browser: web addresses only.
  for (const [attribute, url] of [['backchannel.logout.url', s.backchannelLogoutUrl], ['frontchannel.logout.url', s.frontchannelLogoutUrl]] as const) {
    if (url !== undefined && !isWebUrl(url)) return { field: `attributes.${attribute}`, problem: 'Must be an absolute http or https URL' };
  }
  return oauthAttributesProblem(s);
}

function isWebUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

export interface NewClient {
  id?: string;
  clientId: string;
  enabled?: boolean;
  publicClient: boolean;
  settings?: Partial<ClientSettings>;
  /** Secrets to keep; a confidential client without one gets a generated secret. */
  secrets?: Array<{ value: string; expiresAt?: number | null; label?: string | null }>;
}

const CLIENT_TOPIC = 'client';

export class ClientService {
  private readonly runtimes: TtlCache<ClientRuntime | undefined>;

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly caches: Caches = new Caches(),
  ) {
    this.runtimes = caches.create(CLIENT_TOPIC);
  }

  runtime(realmId: string, clientId: string): Promise<ClientRuntime | undefined> {
    return this.runtimes.get(`${realmId}\u0000${clientId}`, async () => {
      const record = await this.store.clients.getByClientId(realmId, clientId);
      if (!record) return undefined;
      const [sealed, scopes] = await Promise.all([this.store.clientSecrets.listByClient(record.id), this.store.clientScopes.list(realmId)]);
      const secrets = await Promise.all(sealed.map(async (s) => ({
        id: s.id,
        digest: secretDigest(await this.box.open(s.sealedValue)),
        expiresAt: s.expiresAt,
      })));
      const byName = new Map(scopes.filter((s) => s.protocol === OIDC_PROTOCOL).map((s) => [s.name, s]));
      const resolve = (names: string[]) => names.flatMap((n) => byName.get(n) ?? []);
      return { record, secrets, defaultScopes: resolve(record.settings.defaultScopes), optionalScopes: resolve(record.settings.optionalScopes) };
    });
  }

  getById(id: string): Promise<ClientRecord | undefined> {
    return this.store.clients.getById(id);
  }

  /** True when `presented` equals one of the client's unexpired secrets. */
  static secretMatches(client: ClientRuntime, presented: string): boolean {
    const at = now();
    // Compare against every secret so the time taken does not reveal which one matched.
    let match = false;
    const digest = secretDigest(presented);
    for (const s of client.secrets) {
      if (timingSafeEqual(s.digest, digest) && (s.expiresAt === null || s.expiresAt > at)) match = true;
    }
    return match;
  }

  /**
   * Creates a client, its secrets and — when service accounts are on — the
   * `service-account-<clientId>` user (seed 000), in the caller's transaction.
   */
  async create(tx: Store, realmId: string, input: NewClient, onServiceAccount: (client: ClientRecord) => Promise<void>): Promise<{ record: ClientRecord; generatedSecret?: string }> {
    const record: ClientRecord = {
      id: input.id ?? newId(),
      realmId,
      clientId: input.clientId,
      enabled: input.enabled ?? true,
      publicClient: input.publicClient,
      settings: { ...defaultClientSettings(), ...input.settings },
      createdAt: now(),
    };
    await tx.clients.insert(record);
    let secrets = input.secrets ?? [];
    let generatedSecret: string | undefined;
    if (!record.publicClient && secrets.length === 0) {
      generatedSecret = randomToken();
      secrets = [{ value: generatedSecret }];
    }
    for (const s of secrets) {
      await tx.clientSecrets.insert({
        id: newId(),
        clientId: record.id,
        sealedValue: await this.box.seal(s.value),
        label: s.label ?? null,
        createdAt: now(),
        expiresAt: s.expiresAt ?? null,
      });
    }
    if (record.settings.serviceAccounts && !record.publicClient) await onServiceAccount(record);
    this.invalidate(realmId, record.clientId);
    return { record, generatedSecret };
  }

  /** After the client or its secrets changed; every process reloads it on next use. */
  invalidate(realmId: string, clientId: string): void {
    this.caches.changed(CLIENT_TOPIC, `${realmId}\u0000${clientId}`);
  }

  /** After changes to many clients at once, e.g. a realm deleted. */
  invalidateAll(): void {
    this.caches.changed(CLIENT_TOPIC);
  }

  // ---- the admin API: reads come fresh from the store; writes take the caller's
  // transaction, and the caller invalidates once it has committed.

  /** A client by its internal id, if it belongs to the realm. */
  async get(realmId: string, id: string): Promise<ClientRecord | undefined> {
    const client = await this.store.clients.getById(id);
    return client?.realmId === realmId ? client : undefined;
  }

  getByClientId(realmId: string, clientId: string): Promise<ClientRecord | undefined> {
    return this.store.clients.getByClientId(realmId, clientId);
  }

  list(realmId: string, opts: { first?: number; max?: number } = {}): Promise<ClientRecord[]> {
    return this.store.clients.list(realmId, opts);
  }

  update(tx: Store, client: ClientRecord): Promise<void> {
    return tx.clients.update(client);
  }

  /** Deletes the client with its secrets, roles, service-account user and tokens. */
  delete(tx: Store, client: ClientRecord): Promise<void> {
    return tx.clients.delete(client.id);
  }

  /** The client's secrets without their values, oldest first. */
  listSecrets(clientUuid: string, tx: Store = this.store): Promise<ClientSecretRecord[]> {
    return tx.clientSecrets.listByClient(clientUuid);
  }

  /** The client's secrets with their values opened, oldest first. */
  async openSecrets(clientUuid: string): Promise<Array<ClientSecretRecord & { value: string }>> {
    return Promise.all((await this.store.clientSecrets.listByClient(clientUuid)).map(async (s) => ({ ...s, value: await this.box.open(s.sealedValue) })));
  }

  /** Adds a secret (generated when no value is given) and returns it with its value, which the secrets list never shows. */
  async addSecret(tx: Store, clientUuid: string, input: { value?: string; expiresAt?: number | null; label?: string | null } = {}): Promise<{ record: ClientSecretRecord; value: string }> {
    const value = input.value ?? randomToken();
    // Secrets are listed by creation, and Keycloak's one secret is the first unexpired: a new one
    // always comes after those there are, even within the same second.
    const newest = Math.max(0, ...(await tx.clientSecrets.listByClient(clientUuid)).map((s) => s.createdAt));
    const record: ClientSecretRecord = {
      id: newId(), clientId: clientUuid, sealedValue: await this.box.seal(value), label: input.label ?? null,
      createdAt: Math.max(now(), newest + 1), expiresAt: input.expiresAt ?? null,
    };
    await tx.clientSecrets.insert(record);
    return { record, value };
  }

  deleteSecret(tx: Store, secretId: string): Promise<void> {
    return tx.clientSecrets.delete(secretId);
  }

  /** Keycloak's regenerate: every secret the client had is replaced by one new one (generated unless given). */
  async regenerateSecret(tx: Store, clientUuid: string, value?: string): Promise<string> {
    for (const s of await tx.clientSecrets.listByClient(clientUuid)) await tx.clientSecrets.delete(s.id);
    return (await this.addSecret(tx, clientUuid, { value })).value;
  }
}
