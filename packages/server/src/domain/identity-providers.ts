import type { SecretBox } from '../crypto/secret-box.js';
import { newId, randomToken, sha256 } from '../crypto/random.js';
import type {
  BrokerStateRecord, FederatedIdentityRecord, IdentityProviderRecord, IdentityProviderSettings, InteractionRecord, RealmRecord,
  Store, UserRecord,
} from '../storage/store.js';
import { isUniqueViolation } from '../storage/store.js';
import { Caches, type TtlCache } from './cache.js';
import { now } from './time.js';
import { SERVICE_ACCOUNT_PREFIX, type UserService } from './users.js';

const IDENTITY_PROVIDERS_TOPIC = 'identity-providers';

/** What the provider says about the user, already mapped to Latchkey's user fields (see broker/claims.ts). */
export interface MappedProfile {
  email?: string;
  emailVerified?: boolean;
  firstName?: string;
  lastName?: string;
  phoneNumber?: string;
  /** Free-form attributes from the provider's claim mappers, each replacing the attribute's values; [] removes it. */
  attributes: Record<string, string[]>;
}

/** Who the provider says signed in: its subject, a name there, the mapped profile, and its ID token. */
export interface UpstreamIdentity {
  subject: string;
  /** preferred_username, else email, else sub: the federated identity's userName, and the new user's username. */
  username: string;
  profile: MappedProfile;
  idToken: string;
}

/** A linked user, with what the provider maps brought up to date (FORCE). */
export interface SyncedUser {
  user: UserRecord;
  /**
   * The provider's email is another account's here: the user kept its own, as two accounts
   * of one email would leave sign-in by email finding neither (the admin API refuses it too).
   */
  emailTaken?: boolean;
}

export type BrokeredUser =
  /** Linked before: the user, with mapped claims updated when the provider syncs them. */
  | ({ kind: 'linked' } & SyncedUser)
  /** A first sign-in: a new user, created just now and linked. */
  | { kind: 'created'; user: UserRecord }
  /** A first sign-in whose email an existing account has: not linked, whatever the policy says next. */
  | { kind: 'collision'; existing: UserRecord[] }
  /** A first sign-in no username could be found for. */
  | { kind: 'unnamed' };

/** A provider as the admin API or an import gives it: the secret in the clear, sealed here. */
export interface NewIdentityProvider {
  id?: string;
  alias: string;
  enabled: boolean;
  settings: IdentityProviderSettings;
  /** undefined keeps the current secret (on update); null removes it. */
  clientSecret?: string | null;
}

// Usernames are at most 255 characters, as the users table stores them.
const MAX_USERNAME = 255;

/** The user fields a profile sets; only what the provider said, and only what differs. */
export function applyProfile(user: UserRecord, profile: MappedProfile): UserRecord {
  const attributes = { ...user.attributes };
  for (const [name, values] of Object.entries(profile.attributes)) {
    if (values.length > 0) attributes[name] = values;
    else delete attributes[name];
  }
  const next: UserRecord = { ...user, attributes };
  if (profile.email !== undefined) next.email = profile.email;
  if (profile.emailVerified !== undefined) next.emailVerified = profile.emailVerified;
  if (profile.firstName !== undefined) next.firstName = profile.firstName;
  if (profile.lastName !== undefined) next.lastName = profile.lastName;
  if (profile.phoneNumber !== undefined) next.phoneNumber = profile.phoneNumber;
  return next;
}

const sameUser = (a: UserRecord, b: UserRecord) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The realm's identity providers, which user is which account at each, and what a sign-in
 * or logout there remembers until the browser comes back. Secrets and the provider's
 * tokens are sealed under the master key; the rest is plain.
 */
export class IdentityProviderService {
  /** Every provider of a realm, read on every login page: cached, and dropped on each write (in every process). */
  private readonly byRealm: TtlCache<IdentityProviderRecord[]>;

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly users: UserService,
    private readonly caches: Caches = new Caches(),
  ) {
    this.byRealm = caches.create(IDENTITY_PROVIDERS_TOPIC);
  }

  // ---- the providers -------------------------------------------------------------------

  /** The realm's providers, enabled or not, by alias (cached). */
  all(realmId: string): Promise<IdentityProviderRecord[]> {
    return this.byRealm.get(realmId, () => this.store.identityProviders.list(realmId));
  }

  /** The enabled provider of that alias, as the sign-in uses it (cached). */
  async enabled(realmId: string, alias: string): Promise<IdentityProviderRecord | undefined> {
    return (await this.all(realmId)).find((p) => p.alias === alias && p.enabled);
  }

  /** The login page's buttons: enabled, not hidden, by guiOrder then name. */
  async buttons(realmId: string): Promise<IdentityProviderRecord[]> {
    const name = (p: IdentityProviderRecord) => p.settings.displayName || p.alias;
    const order = (p: IdentityProviderRecord) => p.settings.guiOrder ?? Number.MAX_SAFE_INTEGER;
    return (await this.all(realmId)).filter((p) => p.enabled && !p.settings.hideOnLogin)
      .sort((a, b) => order(a) - order(b) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
  }

  /** As stored now, for the admin API. */
  list(realmId: string): Promise<IdentityProviderRecord[]> {
    return this.store.identityProviders.list(realmId);
  }

  get(realmId: string, alias: string): Promise<IdentityProviderRecord | undefined> {
    return this.store.identityProviders.getByAlias(realmId, alias);
  }

  /** The client secret at the provider, or undefined for a public client. */
  async secretOf(provider: IdentityProviderRecord): Promise<string | undefined> {
    return provider.sealedClientSecret === null ? undefined : this.box.open(provider.sealedClientSecret);
  }

  async create(tx: Store, realm: RealmRecord, input: NewIdentityProvider): Promise<IdentityProviderRecord> {
    const record: IdentityProviderRecord = {
      id: input.id ?? newId(), realmId: realm.id, alias: input.alias, enabled: input.enabled, settings: input.settings,
      sealedClientSecret: input.clientSecret ? await this.box.seal(input.clientSecret) : null, createdAt: now(),
    };
    await tx.identityProviders.insert(record);
    return record;
  }

  async update(tx: Store, current: IdentityProviderRecord, input: NewIdentityProvider): Promise<IdentityProviderRecord> {
    const sealedClientSecret = input.clientSecret === undefined ? current.sealedClientSecret
      : input.clientSecret === null || input.clientSecret === '' ? null : await this.box.seal(input.clientSecret);
    const record: IdentityProviderRecord = { ...current, alias: input.alias, enabled: input.enabled, settings: input.settings, sealedClientSecret };
    await tx.identityProviders.update(record);
    return record;
  }

  delete(tx: Store, provider: IdentityProviderRecord): Promise<void> {
    return tx.identityProviders.delete(provider.id);
  }

  /** After a write to a realm's providers, once it has committed (or to all, e.g. after an import). */
  invalidate(realmId?: string): void {
    this.caches.changed(IDENTITY_PROVIDERS_TOPIC, realmId);
  }

  // ---- links ---------------------------------------------------------------------------

  /** A user's links, with each provider's alias (Keycloak's federated identities). */
  async links(user: UserRecord): Promise<Array<FederatedIdentityRecord & { alias: string }>> {
    const providers = new Map((await this.store.identityProviders.list(user.realmId)).map((p) => [p.id, p.alias]));
    return (await this.store.federatedIdentities.listByUser(user.id))
      .filter((l) => providers.has(l.providerId))
      .map((l) => ({ ...l, alias: providers.get(l.providerId)! }))
      .sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0));
  }

  /** The link of the provider's account `subject`, if a user has it. */
  linkOf(provider: IdentityProviderRecord, subject: string): Promise<FederatedIdentityRecord | undefined> {
    return this.store.federatedIdentities.find(provider.id, subject);
  }

  async link(tx: Store, user: UserRecord, provider: IdentityProviderRecord, subject: string, username: string): Promise<FederatedIdentityRecord> {
    const record: FederatedIdentityRecord = {
      userId: user.id, realmId: user.realmId, providerId: provider.id, subject, username, createdAt: now(),
    };
    await tx.federatedIdentities.insert(record);
    return record;
  }

  unlink(tx: Store, user: UserRecord, provider: IdentityProviderRecord): Promise<void> {
    return tx.federatedIdentities.delete(user.id, provider.id);
  }

  /**
   * The user a provider's account signs in as. A linked account gets its mapped claims
   * updated (unless the provider syncs only on import). An unlinked one becomes a new user,
   * unless its email belongs to an account here already: that is never linked silently, as
   * whoever controls an account at the provider could otherwise take over the one here.
   */
  async resolve(realm: RealmRecord, provider: IdentityProviderRecord, identity: UpstreamIdentity): Promise<BrokeredUser> {
    let resolved: BrokeredUser;
    try {
      resolved = await this.store.transaction((tx) => this.resolveIn(tx, realm, provider, identity));
    } catch (err) {
      // Two first sign-ins of one account at once: the loser finds the winner's link.
      if (!isUniqueViolation(err)) throw err;
      resolved = await this.store.transaction((tx) => this.resolveIn(tx, realm, provider, identity));
    }
    // The sync may have changed the user: the token paths read users from a cache.
    if (resolved.kind === 'linked') this.users.invalidate();
    return resolved;
  }

  private async resolveIn(tx: Store, realm: RealmRecord, provider: IdentityProviderRecord, identity: UpstreamIdentity): Promise<BrokeredUser> {
    const link = await tx.federatedIdentities.find(provider.id, identity.subject);
    const linked = link && (await tx.users.getById(realm.id, link.userId));
    if (link && linked) {
      return { kind: 'linked', ...(await this.sync(tx, provider, linked, identity, link)) };
    }
    const email = identity.profile.email;
    if (email) {
      const existing = await this.users.othersWithEmail(realm.id, email, undefined, tx);
      if (existing.length > 0) return { kind: 'collision', existing };
    }
    const username = await this.freeUsername(tx, realm, provider, identity);
    if (!username) return { kind: 'unnamed' };
    const p = identity.profile;
    const user = await this.users.create(tx, realm, {
      username, email: p.email ?? null, emailVerified: p.emailVerified ?? false, firstName: p.firstName ?? null,
      lastName: p.lastName ?? null, phoneNumber: p.phoneNumber ?? null,
      attributes: Object.fromEntries(Object.entries(p.attributes).filter(([, v]) => v.length > 0)),
    });
    await this.link(tx, user, provider, identity.subject, identity.username);
    return { kind: 'created', user };
  }

  /** Links an existing user (who proved its password) to the provider's account, and syncs what the provider maps. */
  async linkExisting(realm: RealmRecord, provider: IdentityProviderRecord, user: UserRecord, identity: UpstreamIdentity): Promise<SyncedUser> {
    const synced = await this.store.transaction(async (tx) => {
      const link = await this.link(tx, user, provider, identity.subject, identity.username);
      return this.sync(tx, provider, user, identity, link);
    });
    this.users.invalidate();
    return synced;
  }

  /** A linked user's mapped claims brought up to date (FORCE), but for an email another account has, and the link's username. */
  private async sync(tx: Store, provider: IdentityProviderRecord, user: UserRecord, identity: UpstreamIdentity,
    link: FederatedIdentityRecord): Promise<SyncedUser> {
    if (link.username !== identity.username) await tx.federatedIdentities.update({ ...link, username: identity.username });
    if (provider.settings.syncMode !== 'FORCE') return { user };
    let next = applyProfile(user, identity.profile);
    const emailTaken = next.email !== user.email && next.email !== null
      && (await this.users.othersWithEmail(user.realmId, next.email, user.id, tx)).length > 0;
    // Its verification was of the provider's email: the kept one keeps its own.
    if (emailTaken) next = { ...next, email: user.email, emailVerified: user.emailVerified };
    if (!sameUser(next, user)) await tx.users.update(next);
    return emailTaken ? { user: next, emailTaken } : { user: next };
  }

  /** The provider's username, else its email, else alias.sub: the first no other user has. */
  private async freeUsername(tx: Store, realm: RealmRecord, provider: IdentityProviderRecord, identity: UpstreamIdentity): Promise<string | undefined> {
    const candidates = [identity.username, identity.profile.email, `${provider.alias}.${identity.subject}`]
      .map((c) => c?.trim())
      .filter((c): c is string => Boolean(c) && c!.length <= MAX_USERNAME && !c!.includes('\u0000') && !c!.startsWith(SERVICE_ACCOUNT_PREFIX));
    for (const candidate of new Set(candidates)) {
      if (!(await tx.users.getByUsername(realm.id, candidate))) return candidate;
    }
    return undefined;
  }

  // ---- round trips to the provider ------------------------------------------------------

  /**
   * Remembers what the browser's return from the provider needs, sealed, and returns the
   * random key it comes back with (the state): only its hash is stored.
   */
  async saveState(realm: RealmRecord, provider: IdentityProviderRecord, data: object,
    opts: { interaction?: InteractionRecord; lifetime?: number }): Promise<string> {
    const key = randomToken();
    const at = now();
    const record: BrokerStateRecord = {
      id: sha256(key), realmId: realm.id, providerId: provider.id, interactionId: opts.interaction?.id ?? null,
      sealedData: await this.box.seal(JSON.stringify(data)), createdAt: at,
      expiresAt: opts.interaction ? opts.interaction.expiresAt : at + (opts.lifetime ?? 600),
    };
    await this.store.brokerStates.insert(record);
    return key;
  }

  /** The state a key names, with its data opened, while it has not expired. */
  async readState<T>(key: string): Promise<{ record: BrokerStateRecord; data: T } | undefined> {
    const record = await this.store.brokerStates.get(sha256(key));
    if (!record || record.expiresAt <= now()) return undefined;
    return { record, data: JSON.parse(await this.box.open(record.sealedData)) as T };
  }

  /** Uses a state up: true for the one caller that did, false for every other. */
  useState(record: BrokerStateRecord): Promise<boolean> {
    return this.store.brokerStates.delete(record.id);
  }

  /** Keeps the provider's ID token of a session that began there, for the logout. */
  async rememberSession(sessionId: string, providerId: string, idToken: string): Promise<void> {
    await this.store.brokerSessions.put({ sessionId, providerId, sealedIdToken: await this.box.seal(idToken), createdAt: now() });
  }

  /** The provider a session began at, with its ID token, when it did. */
  async sessionOrigin(sessionId: string): Promise<{ provider: IdentityProviderRecord; idToken: string } | undefined> {
    const record = await this.store.brokerSessions.get(sessionId);
    const provider = record && (await this.store.identityProviders.getById(record.providerId));
    if (!record || !provider) return undefined;
    return { provider, idToken: await this.box.open(record.sealedIdToken) };
  }
}
