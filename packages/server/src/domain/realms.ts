import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { SecretBox } from '../crypto/secret-box.js';
import { newId } from '../crypto/random.js';
import type { RealmRecord, RealmSettings, SigningAlg, Store } from '../storage/store.js';
import { TtlCache } from './cache.js';
import { generateRealmKeys, loadSigningKeys, type SigningKey } from './keys.js';
import { now } from './time.js';

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
    supportedLocales: [],
    defaultRoleName: `default-roles-${name.toLowerCase()}`,
    defaultClientScopes: ['web-origins', 'acr', 'profile', 'roles', 'basic', 'email'],
    optionalClientScopes: ['address', 'phone', 'offline_access', 'microprofile-jwt'],
    scopesNotInToken: ['web-origins', 'acr', 'roles', 'basic', 'microprofile-jwt'],
  };
}

/** Everything a request needs about a realm, loaded once and kept in memory. */
export interface RealmRuntime {
  realm: RealmRecord;
  issuer: string;
  signers: Map<SigningAlg, SigningKey>;
  jwks: JSONWebKeySet;
  /** Serialized once: the JWKS endpoint is a hot path. */
  jwksJson: string;
  verificationKeys: JWTVerifyGetKey;
}

export class RealmService {
  private readonly runtimes = new TtlCache<RealmRuntime | undefined>(60_000);

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly issuerBase: string,
  ) {}

  issuerOf(name: string): string {
    return `${this.issuerBase}/realms/${encodeURIComponent(name)}`;
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
        issuer: this.issuerOf(realm.name),
        signers: await loadSigningKeys(keys, this.box),
        jwks,
        jwksJson: JSON.stringify(jwks),
        verificationKeys: createLocalJWKSet(jwks),
      };
    });
  }

  list(): Promise<RealmRecord[]> {
    return this.store.realms.list();
  }

  exists(name: string): Promise<boolean> {
    return this.store.realms.getByName(name).then((r) => r !== undefined);
  }

  /** Creates the realm with its signing keys and Keycloak's built-in roles. */
  async create(name: string, settings: Partial<RealmSettings> = {}, opts: { enabled?: boolean; id?: string } = {}): Promise<RealmRecord> {
    if (!/^[A-Za-z0-9._-]{1,255}$/.test(name)) throw new Error(`invalid realm name "${name}"`);
    const realm: RealmRecord = {
      id: opts.id ?? newId(),
      name,
      enabled: opts.enabled ?? true,
      settings: { ...defaultRealmSettings(name), ...settings },
      createdAt: now(),
    };
    const keys = await generateRealmKeys(realm.id, this.box);
    await this.store.transaction(async (tx) => {
      await tx.realms.insert(realm);
      for (const key of keys) await tx.keys.insert(key);
      const roleIds: Record<string, string> = {};
      for (const role of ['offline_access', 'uma_authorization', realm.settings.defaultRoleName]) {
        roleIds[role] = newId();
        await tx.roles.insert({ id: roleIds[role], realmId: realm.id, clientId: null, name: role, description: null });
      }
      await tx.roles.addComposite(roleIds[realm.settings.defaultRoleName], roleIds.offline_access);
      await tx.roles.addComposite(roleIds[realm.settings.defaultRoleName], roleIds.uma_authorization);
    });
    this.runtimes.invalidate(name);
    return realm;
  }

  invalidate(name?: string): void {
    this.runtimes.invalidate(name);
  }
}
