import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { SecretBox } from '../crypto/secret-box.js';
import { newId } from '../crypto/random.js';
import type { KeyRecord, RealmRecord, RealmSettings, SigningAlg, Store } from '../storage/store.js';
import { Caches, type TtlCache } from './cache.js';
import { DEFAULT_MAX_DELTA_TIME_SECONDS } from './browser-flow.js';
import { builtInScopes, clientScopeRecord, type NewClientScope } from './client-scopes.js';
import { defaultClientSettings } from './clients.js';
import { generateKeySet, loadHmacKey, loadSigningKeys, realmKeys, type HmacKey, type KeySet, type SigningKey } from './keys.js';
import { now } from './time.js';
import { sealSmtpPassword } from '../mail/settings.js';

/** Keycloak's defaults, so an imported or new realm behaves as it did there. */
export function defaultRealmSettings(name: string): RealmSettings {
  return {
    accessTokenLifespan: 300,
    ssoSessionIdleTimeout: 1800,
    ssoSessionMaxLifespan: 36000,
    offlineSessionIdleTimeout: 2592000,
    accessCodeLifespan: 60,
    defaultSignatureAlgorithm: 'RS256',
    bruteForceProtected: true,
    failureFactor: 30,
    waitIncrementSeconds: 60,
    maxFailureWaitSeconds: 900,
    maxDeltaTimeSeconds: DEFAULT_MAX_DELTA_TIME_SECONDS,
    supportedLocales: [],
    defaultRoleName: `default-roles-${name.toLowerCase()}`,
    defaultClientScopes: ['web-origins', 'acr', 'profile', 'roles', 'basic', 'email'],
    optionalClientScopes: ['address', 'phone', 'offline_access', 'microprofile-jwt'],
  };
}

/**
 * The realm's refresh token rules, defaults applied. Unlike Keycloak, Latchkey revokes a
 * refresh token once used unless the realm says otherwise (rotation with reuse detection,
 * RFC 9700 §4.14.2). A token spent a moment ago is still let through for a few seconds, so a
 * client refreshing from several workers or tabs at once keeps its session (as Okta's grace
 * period and Auth0's reuse interval); reuse after that revokes the family and its session.
 */
export function refreshTokenRules(s: RealmSettings): { revokeRefreshToken: boolean; refreshTokenMaxReuse: number; refreshTokenReuseGrace: number } {
  return {
    revokeRefreshToken: s.revokeRefreshToken ?? true,
    refreshTokenMaxReuse: s.refreshTokenMaxReuse ?? 0,
    refreshTokenReuseGrace: s.refreshTokenReuseGrace ?? DEFAULT_REFRESH_TOKEN_REUSE_GRACE,
  };
}

/** Keycloak's device flow settings (RFC 8628), defaults applied: seconds a device code lives, and between polls. */
export function deviceGrantFields(s: RealmSettings): { oauth2DeviceCodeLifespan: number; oauth2DevicePollingInterval: number } {
  return { oauth2DeviceCodeLifespan: s.oauth2DeviceCodeLifespan ?? 600, oauth2DevicePollingInterval: s.oauth2DevicePollingInterval ?? 5 };
}

/** Keycloak's parRequestUriLifespan, defaults applied: seconds a pushed request (RFC 9126) waits for its browser. */
export const parRequestUriLifespan = (s: RealmSettings): number => s.parRequestUriLifespan ?? 60;

/** Seconds: enough for a burst of parallel refreshes on a loaded server, far too short to make a stolen token worth much. */
export const DEFAULT_REFRESH_TOKEN_REUSE_GRACE = 10;

/** Keycloak's client whose `realm-admin` role administers its realm (every realm but master has it). */
/**
 * A realm name is one safe path segment: it goes into URLs and cookie paths as it is, so `.`,
 * `..` and the like (which URL parsers and browsers resolve away) are refused.
 */
export const REALM_NAME = /^(?!\.+$)[A-Za-z0-9._-]{1,255}$/;

export const REALM_MANAGEMENT_CLIENT = 'realm-management';
export const REALM_ADMIN_ROLE = 'realm-admin';

/**
 * Keycloak's `account` client, the audience of its account REST API, with its roles; a
 * user holds view-profile and manage-account through the realm's default roles, and so
 * access tokens name `account` in aud as Keycloak's do.
 */
export const ACCOUNT_CLIENT = 'account';
/**
 * Keycloak's `account-console`: the public client the account console at /realms/{realm}/account/
 * signs in with (authorization code, PKCE S256), relative to wherever the server is reached.
 */
export const ACCOUNT_CONSOLE_CLIENT = 'account-console';
export const accountConsoleRedirect = (realmName: string) => `/realms/${realmName}/account/*`;
export const ACCOUNT_ROLES = {
  viewProfile: 'view-profile',
  manageAccount: 'manage-account',
  manageAccountLinks: 'manage-account-links',
  viewApplications: 'view-applications',
  viewConsent: 'view-consent',
  manageConsent: 'manage-consent',
  deleteAccount: 'delete-account',
  viewGroups: 'view-groups',
} as const;
/** Composite roles among them, as Keycloak makes them. */
const ACCOUNT_COMPOSITES: Array<[string, string]> = [
  [ACCOUNT_ROLES.manageAccount, ACCOUNT_ROLES.manageAccountLinks], [ACCOUNT_ROLES.manageConsent, ACCOUNT_ROLES.viewConsent],
];

const REALM_TOPIC = 'realm';

/** Everything a request needs about a realm, loaded once and kept in memory. */
export interface RealmRuntime {
  realm: RealmRecord;
  /** Where the server is reached (scheme, host, relative path): the configured one, or the request's. */
  base: string;
  issuer: string;
  signers: Map<SigningAlg, SigningKey>;
  jwks: JSONWebKeySet;
  /** Serialized once: the JWKS endpoint is a hot path. */
  jwksJson: string;
  verificationKeys: JWTVerifyGetKey;
  /** Signs refresh tokens (HS512). */
  hmacKey: HmacKey;
}

export class RealmService {
  private readonly runtimes: TtlCache<RealmRuntime | undefined>;

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    /** Public URL and relative path, e.g. http://localhost:8080/auth: where everything is served. */
    readonly issuerBase: string,
    private readonly caches: Caches = new Caches(),
    /** Key sets generated ahead of the realms that will take them (see prepareKeys). */
    private readonly spareKeys: Promise<KeySet>[] = [],
  ) {
    this.runtimes = caches.create(REALM_TOPIC);
  }

  /** The same service over a transaction's store (caches of its own), taking keys from the same spares. */
  within(tx: Store): RealmService {
    return new RealmService(tx, this.box, this.issuerBase, new Caches(), this.spareKeys);
  }

  /** The realm's issuer; `base` replaces the configured one when the issuer follows the request (no --public-url). */
  issuerOf(name: string, base: string = this.issuerBase): string {
    return `${base}/realms/${encodeURIComponent(name)}`;
  }

  /** The realm as served, or undefined when there is none of that name. */
  runtime(name: string): Promise<RealmRuntime | undefined> {
    return this.runtimes.get(name, async () => {
      const realm = await this.store.realms.getByName(name);
      if (!realm) return undefined;
      const keys = await this.store.keys.listByRealm(realm.id);
      const jwks = { keys: keys.map((k) => k.publicJwk) } as JSONWebKeySet;
      return {
        realm,
        base: this.issuerBase,
        issuer: this.issuerOf(realm.name),
        signers: await loadSigningKeys(keys, this.box),
        jwks,
        jwksJson: JSON.stringify(jwks),
        verificationKeys: createLocalJWKSet(jwks),
        hmacKey: await loadHmacKey(this.store, this.box, realm.id),
      };
    });
  }

  list(): Promise<RealmRecord[]> {
    return this.store.realms.list();
  }

  exists(name: string): Promise<boolean> {
    return this.store.realms.getByName(name).then((r) => r !== undefined);
  }

  /**
   * Starts generating key sets for realms about to be created, so that they are made side by
   * side: an RSA key takes a good part of a second to find, and a first start with an import
   * creates two realms. A set nobody takes is simply dropped with the process.
   */
  prepareKeys(count: number): void {
    for (let i = 0; i < count; i++) {
      const set = generateKeySet(this.box);
      set.catch(() => {}); // a failure is met again by whoever takes the set
      this.spareKeys.push(set);
    }
  }

  private newKeys(realmId: string): Promise<KeyRecord[]> {
    return (this.spareKeys.shift() ?? generateKeySet(this.box)).then((set) => realmKeys(realmId, set));
  }

  /**
   * Creates the realm with its signing keys, Keycloak's built-in roles and client scopes (those
   * given, e.g. a realm file's, else Keycloak's built-in ones).
   */
  async create(name: string, settings: Partial<RealmSettings> = {}, opts: { enabled?: boolean; id?: string; clientScopes?: NewClientScope[] } = {}): Promise<RealmRecord> {
    if (!REALM_NAME.test(name)) throw new Error(`invalid realm name "${name}"`);
    const realm: RealmRecord = {
      id: opts.id ?? newId(),
      name,
      enabled: opts.enabled ?? true,
      settings: await sealSmtpPassword(this.box, { ...defaultRealmSettings(name), ...settings }),
      createdAt: now(),
    };
    const keys = await this.newKeys(realm.id);
    await this.store.transaction(async (tx) => {
      await tx.realms.insert(realm);
      for (const key of keys) await tx.keys.insert(key);
      const scopes = opts.clientScopes ? opts.clientScopes.map((s) => clientScopeRecord(realm.id, s)) : builtInScopes(realm.id);
      for (const scope of scopes) await tx.clientScopes.insert(scope);
      const roleIds: Record<string, string> = {};
      for (const role of ['offline_access', 'uma_authorization', realm.settings.defaultRoleName]) {
        roleIds[role] = newId();
        await tx.roles.insert({ id: roleIds[role], realmId: realm.id, clientId: null, name: role, description: null });
      }
      // As Keycloak's: the offline_access scope maps the offline_access role.
      const offline = opts.clientScopes ? undefined : scopes.find((s) => s.name === 'offline_access');
      if (offline) await tx.clientScopes.update({ ...offline, scopeMappings: [roleIds.offline_access] });
      await tx.roles.addComposite(roleIds[realm.settings.defaultRoleName], roleIds.offline_access);
      await tx.roles.addComposite(roleIds[realm.settings.defaultRoleName], roleIds.uma_authorization);
      // As in Keycloak, every realm but master has realm-management, whose realm-admin role administers the realm.
      if (realm.name !== 'master') await this.ensureRealmManagement(tx, realm);
      await this.createAccountClient(tx, realm, roleIds[realm.settings.defaultRoleName]);
      await this.createAccountConsoleClient(tx, realm);
    });
    this.invalidate(name);
    return realm;
  }

  /**
   * Keycloak's bearer-only `realm-management` client with its `realm-admin` role: a user of
   * the realm holding that role may administer the realm through the admin API. Creates
   * whichever of the two is missing, in the caller's transaction.
   */
  async ensureRealmManagement(tx: Store, realm: RealmRecord): Promise<void> {
    let client = await tx.clients.getByClientId(realm.id, REALM_MANAGEMENT_CLIENT);
    if (!client) {
      client = {
        id: newId(), realmId: realm.id, clientId: REALM_MANAGEMENT_CLIENT, enabled: true, publicClient: false,
        settings: {
          ...defaultClientSettings(), name: '${client_realm-management}', standardFlow: false,
          defaultScopes: realm.settings.defaultClientScopes, optionalScopes: realm.settings.optionalClientScopes,
        },
        createdAt: now(),
      };
      await tx.clients.insert(client);
    }
    if (!(await tx.roles.getByName(realm.id, client.id, REALM_ADMIN_ROLE))) {
      await tx.roles.insert({ id: newId(), realmId: realm.id, clientId: client.id, name: REALM_ADMIN_ROLE, description: '${role_realm-admin}' });
    }
  }

  /**
   * Gives every realm without the `account` client or the `account-console` client (one created
   * before Latchkey had them) what it lacks, as a new realm gets them. Returns the realms it changed.
   */
  async ensureAccountClients(): Promise<RealmRecord[]> {
    const changed: RealmRecord[] = [];
    for (const realm of await this.store.realms.list()) {
      const account = await this.store.clients.getByClientId(realm.id, ACCOUNT_CLIENT);
      const console = await this.store.clients.getByClientId(realm.id, ACCOUNT_CONSOLE_CLIENT);
      if (account && console) continue;
      await this.store.transaction(async (tx) => {
        const defaultRole = await tx.roles.getByName(realm.id, null, realm.settings.defaultRoleName);
        if (!account && defaultRole) await this.createAccountClient(tx, realm, defaultRole.id);
        if (!console) await this.createAccountConsoleClient(tx, realm);
      });
      changed.push(realm);
    }
    return changed;
  }

  /** Keycloak's `account-console` client, in the caller's transaction. */
  private async createAccountConsoleClient(tx: Store, realm: RealmRecord): Promise<void> {
    await tx.clients.insert({
      id: newId(), realmId: realm.id, clientId: ACCOUNT_CONSOLE_CLIENT, enabled: true, publicClient: true,
      settings: {
        ...defaultClientSettings(realm), name: '${client_account-console}', standardFlow: true, directAccessGrants: false, pkceMethod: 'S256',
        redirectUris: [accountConsoleRedirect(realm.name)], postLogoutRedirectUris: ['+'], webOrigins: ['+'],
      },
      createdAt: now(),
    });
  }

  /** The `account` client and its roles, two of them among the realm's default roles, in the caller's transaction. */
  private async createAccountClient(tx: Store, realm: RealmRecord, defaultRoleId: string): Promise<void> {
    const client = {
      id: newId(), realmId: realm.id, clientId: ACCOUNT_CLIENT, enabled: true, publicClient: true,
      settings: { ...defaultClientSettings(), name: '${client_account}', standardFlow: false },
      createdAt: now(),
    };
    await tx.clients.insert(client);
    const ids = new Map<string, string>();
    for (const name of Object.values(ACCOUNT_ROLES)) {
      ids.set(name, newId());
      await tx.roles.insert({ id: ids.get(name)!, realmId: realm.id, clientId: client.id, name, description: `\${role_${name}}` });
    }
    for (const [parent, child] of ACCOUNT_COMPOSITES) await tx.roles.addComposite(ids.get(parent)!, ids.get(child)!);
    await tx.roles.addComposite(defaultRoleId, ids.get(ACCOUNT_ROLES.viewProfile)!);
    await tx.roles.addComposite(defaultRoleId, ids.get(ACCOUNT_ROLES.manageAccount)!);
  }

  /** The realm's SMTP password in clear (undefined when it has none), to send mail or export the realm. */
  smtpPassword(realm: RealmRecord): Promise<string | undefined> {
    return realm.settings.smtpPassword ? this.box.open(realm.settings.smtpPassword) : Promise.resolve(undefined);
  }

  /** The realm as stored now (not the cached runtime), for the admin API. */
  get(name: string): Promise<RealmRecord | undefined> {
    return this.store.realms.getByName(name);
  }

  /** Saves a changed realm (possibly renamed from `previousName`); the runtime is reloaded on next use. */
  async update(previousName: string, realm: RealmRecord): Promise<void> {
    const before = await this.store.realms.getById(realm.id);
    await this.store.realms.update({ ...realm, settings: await sealSmtpPassword(this.box, realm.settings, before?.settings) });
    this.invalidate(previousName);
    this.invalidate(realm.name);
  }

  /** Deletes the realm and everything in it; callers drop what other services cached of it. */
  async delete(realm: RealmRecord): Promise<void> {
    await this.store.realms.delete(realm.id);
    this.invalidate(realm.name);
  }

  /**
   * Makes a new key per algorithm the signing one. The keys it replaces stop signing but
   * stay in the JWKS until the longest-lived token they may have signed has expired (the
   * realm's or any client's access token lifespan, plus clock skew); housekeeping then
   * deletes them. Returns the new keys.
   */
  async rotateKeys(realm: RealmRecord): Promise<KeyRecord[]> {
    const fresh = realmKeys(realm.id, await generateKeySet(this.box));
    await this.store.transaction(async (tx) => {
      const clients = await tx.clients.list(realm.id);
      const longest = Math.max(realm.settings.accessTokenLifespan, ...clients.map((c) => c.settings.accessTokenLifespan ?? 0));
      const retiresAt = now() + longest + KEY_RETIREMENT_SKEW_SECONDS;
      for (const key of await tx.keys.listByRealm(realm.id)) {
        if (key.status === 'active') await tx.keys.retire(key.kid, retiresAt);
      }
      for (const key of fresh) await tx.keys.insert(key);
    });
    this.invalidate(realm.name);
    return fresh;
  }

  /** Every key of the realm as stored, newest first (the admin API's key list). */
  keys(realm: RealmRecord): Promise<KeyRecord[]> {
    return this.store.keys.listByRealm(realm.id);
  }

  /** After a realm or its keys changed (undefined: any realm); every process reloads it on next use. */
  invalidate(name?: string): void {
    this.caches.changed(REALM_TOPIC, name);
  }
}

/** Verifiers may accept a token a little after its exp; its key stays published that much longer. */
const KEY_RETIREMENT_SKEW_SECONDS = 120;
