import { newId, randomToken, sha256 } from '../crypto/random.js';
import type { AuthorizationCodeRecord, ConsentRecord, InteractionAuth, InteractionRecord, LoginFailureRecord, RealmRecord, RealmSettings, Store } from '../storage/store.js';
import { now } from './time.js';

/** Keycloak's failure reset time: twelve hours. */
export const DEFAULT_MAX_DELTA_TIME_SECONDS = 43_200;

export type NewCode = Omit<AuthorizationCodeRecord, 'codeHash' | 'createdAt' | 'expiresAt' | 'usedAt' | 'issuedFamilyId' | 'issuedJti' | 'issuedJtiExpiresAt'>;

/** What a code is about to be exchanged for: recorded as it is used, so a replay can revoke it. */
export interface PlannedIssue {
  familyId: string;
  jti: string;
  jtiExpiresAt: number;
}

/** Authorization codes: 256 random bits, stored hashed, single use, short-lived. */
export class CodeService {
  constructor(private readonly store: Store) {}

  async issue(realm: RealmRecord, input: NewCode): Promise<string> {
    const code = randomToken();
    const at = now();
    // RFC 9700 §4.5.1 / OIDC: codes live at most 60 s whatever the realm says.
    const lifespan = Math.min(realm.settings.accessCodeLifespan, 60);
    await this.store.codes.insert({
      ...input, codeHash: sha256(code), createdAt: at, expiresAt: at + lifespan, usedAt: null,
      issuedFamilyId: null, issuedJti: null, issuedJtiExpiresAt: null,
    });
    return code;
  }

  find(code: string): Promise<AuthorizationCodeRecord | undefined> {
    return this.store.codes.getByHash(sha256(code));
  }

  /**
   * Uses the code for what is planned; false when it was used before (a replay: the caller
   * revokes what the first use issued, which the record it re-reads names).
   */
  async use(code: AuthorizationCodeRecord, planned: PlannedIssue): Promise<boolean> {
    return code.usedAt === null && (await this.store.codes.markUsed(code.codeHash, now(), planned));
  }
}

/** Authorization requests parked while the user signs in or consents. */
export class InteractionService {
  constructor(private readonly store: Store) {}

  async create(realm: RealmRecord, clientUuid: string, request: unknown, sessionId: string | null, userId: string | null,
    auth: InteractionAuth | null = null): Promise<InteractionRecord> {
    const at = now();
    const interaction: InteractionRecord = {
      id: newId(), realmId: realm.id, clientId: clientUuid, request: JSON.stringify(request), userId, sessionId, auth,
      createdAt: at,
      // Keycloak's accessCodeLifespanLogin default: the user has 30 minutes to finish signing in.
      expiresAt: at + 1800,
    };
    await this.store.interactions.insert(interaction);
    return interaction;
  }

  async get(id: string): Promise<InteractionRecord | undefined> {
    const interaction = await this.store.interactions.get(id);
    return interaction && interaction.expiresAt > now() ? interaction : undefined;
  }

  update(interaction: InteractionRecord): Promise<void> {
    return this.store.interactions.update(interaction);
  }

  finish(id: string): Promise<void> {
    return this.store.interactions.delete(id);
  }
}

/** Consents a user gave a client, remembered so the same scopes are not asked again. */
export class ConsentService {
  constructor(private readonly store: Store) {}

  async covers(userId: string, clientUuid: string, scopes: string[]): Promise<boolean> {
    const consent = await this.store.consents.get(userId, clientUuid);
    return consent !== undefined && scopes.every((s) => consent.scopes.includes(s));
  }

  async grant(userId: string, clientUuid: string, scopes: string[]): Promise<void> {
    const existing = await this.store.consents.get(userId, clientUuid);
    const consent: ConsentRecord = {
      userId, clientId: clientUuid, scopes: [...new Set([...(existing?.scopes ?? []), ...scopes])], createdAt: now(),
    };
    await this.store.consents.put(consent);
  }

  /** The user's consents, one per client (internal id). */
  ofUser(userId: string): Promise<ConsentRecord[]> {
    return this.store.consents.listByUser(userId);
  }

  /** Forgets the user's consent to the client: it asks again at the next sign-in. False when there was none. */
  revoke(userId: string, clientUuid: string): Promise<boolean> {
    return this.store.consents.delete(userId, clientUuid);
  }
}

/** Failures from any address that lock the account for all: by default ten times failureFactor. */
export const accountFailureCeiling = (s: RealmSettings): number => s.accountFailureCeiling ?? 10 * s.failureFactor;

/** Who a lockout holds back: the account from one source address, or the account from everywhere. */
export type LockoutScope = 'address' | 'account';

/**
 * Keycloak's brute-force detection, counted per account and source address: after
 * failureFactor failures from one address the account waits, from that address only,
 * waitIncrement × (failures / failureFactor), at most maxFailureWait. A flood from one
 * address so slows that address down and does not lock the owner out elsewhere. The
 * account's failures from every address together (each address adding failureFactor at
 * most) lock it everywhere only at a ceiling far higher (accountFailureCeiling), for
 * maxFailureWait.
 */
export class BruteForceService {
  constructor(private readonly store: Store) {}

  async lockedUntil(realm: RealmRecord, userId: string, address: string): Promise<{ until: number; scope: LockoutScope } | undefined> {
    if (!realm.settings.bruteForceProtected) return undefined;
    const [account, here] = await Promise.all([this.store.loginFailures.get(userId), this.store.loginFailures.getAt(userId, address)]);
    const at = now();
    if (account && account.lockedUntil > at) return { until: account.lockedUntil, scope: 'account' };
    if (here && here.lockedUntil > at) return { until: here.lockedUntil, scope: 'address' };
    return undefined;
  }

  async failed(realm: RealmRecord, userId: string, address: string): Promise<void> {
    if (!realm.settings.bruteForceProtected) return;
    const s = realm.settings;
    const at = now();
    const [account, here] = await Promise.all([this.store.loginFailures.get(userId), this.store.loginFailures.getAt(userId, address)]);
    // Failures far apart are not an attack: the count starts again, as in Keycloak.
    const count = (previous: LoginFailureRecord | undefined) =>
      (previous !== undefined && at - previous.lastFailureAt <= (s.maxDeltaTimeSeconds ?? DEFAULT_MAX_DELTA_TIME_SECONDS) ? previous.failures : 0) + 1;
    const failuresHere = count(here);
    const steps = Math.floor(failuresHere / s.failureFactor);
    await this.store.loginFailures.putAt({
      userId, address, failures: failuresHere, lastFailureAt: at,
      lockedUntil: steps > 0 ? at + Math.min(s.waitIncrementSeconds * steps, s.maxFailureWaitSeconds) : 0,
    });
    // One address adds at most failureFactor failures to the account's count: past that it is
    // held back on its own, and its flood must not add up to a lockout of the account everywhere.
    if (failuresHere > s.failureFactor) return;
    const failures = count(account);
    await this.store.loginFailures.put({
      userId, failures, lastFailureAt: at,
      lockedUntil: failures >= accountFailureCeiling(s) ? at + s.maxFailureWaitSeconds : 0,
    });
  }

  succeeded(userId: string): Promise<void> {
    return this.store.loginFailures.clear(userId);
  }

  /** Forgets every user's failures in the realm: a locked-out user may sign in again. */
  clearRealm(realmId: string): Promise<void> {
    return this.store.loginFailures.clearRealm(realmId);
  }

  /** The account's failures so far (from every address) and whether they lock it out everywhere now, for the admin API. */
  async status(realm: RealmRecord, userId: string): Promise<{ failures: number; lastFailureAt: number | null; locked: boolean }> {
    const record = await this.store.loginFailures.get(userId);
    return {
      failures: record?.failures ?? 0,
      lastFailureAt: record?.lastFailureAt ?? null,
      locked: realm.settings.bruteForceProtected && record !== undefined && record.lockedUntil > now(),
    };
  }
}
