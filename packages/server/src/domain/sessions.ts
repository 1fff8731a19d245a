import { newId, sha256 } from '../crypto/random.js';
import type { BackchannelLogoutRecord, ClientRecord, RealmRecord, RealmSettings, RefreshTokenRecord, SessionRecord, Store } from '../storage/store.js';
import { Caches, type TtlCache } from './cache.js';
import { now } from './time.js';

// Sessions ended per statement when many end at once (a user's, a realm's): short statements.
const ENDED_PER_BATCH = 500;

/**
 * The idle timeout and maximum lifespan of a browser session: a remembered one's are the
 * realm's …RememberMe settings, where they are set (0 or absent: the usual ones, as Keycloak).
 */
export function sessionLifetimes(s: RealmSettings, rememberMe: boolean): { idle: number; max: number } {
  return {
    idle: (rememberMe && s.ssoSessionIdleTimeoutRememberMe) || s.ssoSessionIdleTimeout,
    max: (rememberMe && s.ssoSessionMaxLifespanRememberMe) || s.ssoSessionMaxLifespan,
  };
}

/** User sessions: what a sign-in creates and what refresh tokens live within. */
export class SessionService {
  /** Told when logout tokens were queued for clients' back-channel logout URLs, so that they go out at once. */
  onLogoutQueued: () => void = () => {};

  constructor(private readonly store: Store) {}

  async start(realm: RealmRecord, userId: string, opts: { offline: boolean; authTime?: number; amr?: string[]; rememberMe?: boolean }): Promise<SessionRecord> {
    const at = now();
    const s = realm.settings;
    const online = sessionLifetimes(s, opts.rememberMe === true);
    const session: SessionRecord = {
      id: newId(),
      realmId: realm.id,
      userId,
      offline: opts.offline,
      authTime: opts.authTime ?? at,
      createdAt: at,
      lastSeenAt: at,
      expiresAt: at + (opts.offline ? s.offlineSessionIdleTimeout : online.idle),
      // Offline sessions have no maximum lifespan unless the realm sets one (Keycloak's default).
      maxExpiresAt: opts.offline ? Number.MAX_SAFE_INTEGER : at + online.max,
      ...(opts.amr ? { amr: opts.amr } : {}),
      ...(opts.rememberMe && !opts.offline ? { rememberMe: true } : {}),
    };
    await this.store.sessions.insert(session);
    return session;
  }

  /** The session if it exists and has neither idled out nor passed its maximum. */
  async active(id: string): Promise<SessionRecord | undefined> {
    const session = await this.store.sessions.get(id);
    const at = now();
    if (!session || session.expiresAt <= at || session.maxExpiresAt <= at) return undefined;
    return session;
  }

  /** Moves the idle expiry forward; returns the session as touched. */
  async touch(realm: RealmRecord, session: SessionRecord): Promise<SessionRecord> {
    const at = now();
    const idle = session.offline ? realm.settings.offlineSessionIdleTimeout : sessionLifetimes(realm.settings, session.rememberMe === true).idle;
    const touched = { ...session, lastSeenAt: at, expiresAt: Math.min(at + idle, session.maxExpiresAt) };
    await this.store.sessions.touch(session.id, touched.lastSeenAt, touched.expiresAt);
    return touched;
  }

  /** The session with what a step-up added to its sign-in. */
  async raise(session: SessionRecord, amr: string[]): Promise<SessionRecord> {
    await this.store.sessions.setAmr(session.id, amr);
    return { ...session, amr };
  }

  /**
   * Ends the session, however it ends (logout, an administrator, reuse of a refresh token);
   * returns the clients it had served, which its logout concerns (OIDC Front-Channel Logout).
   */
  async end(id: string): Promise<ClientRecord[]> {
    const session = await this.store.sessions.get(id);
    if (!session) return [];
    return (await this.endMany([session])).get(id) ?? [];
  }

  /** Ends a batch of at most `limit` sessions past their expiry (housekeeping); returns how many. */
  async endExpired(before: number, limit: number): Promise<number> {
    return (await this.endMany(await this.store.expired.listSessions(before, limit))).size;
  }

  /**
   * Deletes the sessions and, in the same transaction, queues a logout token for each client
   * with a back-channel logout URL that a session served (OIDC Back-Channel Logout §2.5), so
   * that none is lost however the process ends. Returns the clients each session served.
   */
  private async endMany(sessions: SessionRecord[]): Promise<Map<string, ClientRecord[]>> {
    if (sessions.length === 0) return new Map();
    const served = new Map<string, ClientRecord[]>(sessions.map((s) => [s.id, []]));
    const pairs = await this.store.sessions.listClients(sessions.map((s) => s.id));
    const clients = new Map((await this.store.clients.getByIds(pairs.map((p) => p.clientId))).map((c) => [c.id, c]));
    for (const { sessionId, clientId } of pairs) {
      const client = clients.get(clientId);
      if (client) served.get(sessionId)!.push(client);
    }
    const at = now();
    const notices: BackchannelLogoutRecord[] = sessions.flatMap((s) => served.get(s.id)!
      .filter((c) => c.enabled && c.settings.backchannelLogoutUrl)
      .map((c) => ({ id: newId(), realmId: s.realmId, clientId: c.id, userId: s.userId, sessionId: s.id, attempts: 0, nextAttemptAt: at, createdAt: at })));
    await this.store.transaction(async (tx) => {
      if (notices.length > 0) await tx.backchannelLogouts.insert(notices);
      await tx.sessions.deleteMany(sessions.map((s) => s.id));
    });
    if (notices.length > 0) this.onLogoutQueued();
    return served;
  }

  /** Ends the sessions a batch at a time; returns how many ended. */
  private async endAll(sessions: SessionRecord[]): Promise<number> {
    for (let i = 0; i < sessions.length; i += ENDED_PER_BATCH) await this.endMany(sessions.slice(i, i + ENDED_PER_BATCH));
    return sessions.length;
  }

  // ---- the admin API

  /** The user's sessions that are still alive, oldest first, each with the clients (internal ids) it served. */
  async ofUser(userId: string): Promise<Array<SessionRecord & { clientIds: string[] }>> {
    return this.withClients(await this.store.sessions.listByUser(userId));
  }

  /** The sessions still alive that served the client (its internal id), oldest first, each with the clients it served. */
  async ofClient(clientUuid: string): Promise<Array<SessionRecord & { clientIds: string[] }>> {
    return this.withClients(await this.store.sessions.listByClient(clientUuid));
  }

  /** How many sessions alive, online and offline, served each client of the realm that has any, by clientId. */
  countByClient(realmId: string) {
    return this.store.sessions.countByClient(realmId, now());
  }

  /** Signs every user of the realm out: every session, offline ones too. */
  async endAllOfRealm(realmId: string): Promise<number> {
    return this.endAll(await this.store.sessions.listByRealm(realmId));
  }

  private async withClients(all: SessionRecord[]): Promise<Array<SessionRecord & { clientIds: string[] }>> {
    const at = now();
    const sessions = all.filter((s) => s.expiresAt > at && s.maxExpiresAt > at);
    const served = new Map<string, string[]>();
    for (const { sessionId, clientId } of await this.store.sessions.listClients(sessions.map((s) => s.id))) {
      served.set(sessionId, [...(served.get(sessionId) ?? []), clientId]);
    }
    return sessions.map((s) => ({ ...s, clientIds: served.get(s.id) ?? [] }));
  }

  /**
   * Ends the user's offline sessions that served the client (its internal id), as Keycloak's
   * revokeOfflineToken does when the user takes back the client's access; returns how many.
   */
  async endOfflineOf(userId: string, clientUuid: string): Promise<number> {
    const offline = (await this.store.sessions.listByUser(userId)).filter((s) => s.offline);
    const served = new Set((await this.store.sessions.listClients(offline.map((s) => s.id)))
      .filter((p) => p.clientId === clientUuid).map((p) => p.sessionId));
    return this.endAll(offline.filter((s) => served.has(s.id)));
  }

  /** Signs the user out everywhere: every session, offline ones too, so no refresh token works any more. */
  async endAllOf(userId: string): Promise<number> {
    return this.endAll(await this.store.sessions.listByUser(userId));
  }
}

const REVOKED_TOPIC = 'revoked-access-tokens';

/** Refresh tokens (stored only as hashes) and revoked access tokens. */
export class TokenStoreService {
  /**
   * Whether an access token's jti is revoked, by jti: every introspection and userinfo call
   * asks, and revocations are rare. A revocation drops its entry here and in the other processes.
   */
  private readonly revoked: TtlCache<boolean>;

  constructor(private readonly store: Store, private readonly caches: Caches = new Caches()) {
    this.revoked = caches.create(REVOKED_TOPIC);
  }

  /** Stores a refresh token made by `mint` from its record (the protocol's business: a signed JWT). */
  async issueRefresh(input: {
    realmId: string; clientId: string; userId: string; session: SessionRecord; scope: string; familyId?: string;
    /** The access token issued beside it. */
    access: { jti: string; expiresAt: number };
    signIn: Pick<RefreshTokenRecord, 'acr' | 'claims'>;
    dpopJkt?: string;
  }, mint: (record: RefreshTokenRecord) => Promise<string>): Promise<{ token: string; record: RefreshTokenRecord }> {
    const unhashed: RefreshTokenRecord = {
      id: newId(),
      tokenHash: '',
      familyId: input.familyId ?? newId(),
      realmId: input.realmId,
      clientId: input.clientId,
      userId: input.userId,
      sessionId: input.session.id,
      scope: input.scope,
      createdAt: now(),
      expiresAt: input.session.expiresAt,
      usedAt: null,
      useCount: 0,
      revokedAt: null,
      accessJti: input.access.jti,
      accessExpiresAt: input.access.expiresAt,
      ...(input.dpopJkt ? { dpopJkt: input.dpopJkt } : {}),
      ...input.signIn,
    };
    const token = await mint(unhashed);
    const record = { ...unhashed, tokenHash: sha256(token) };
    await this.store.refreshTokens.insert(record);
    return { token, record };
  }

  findRefresh(token: string): Promise<RefreshTokenRecord | undefined> {
    return this.store.refreshTokens.getByHash(sha256(token));
  }

  /** Counts a use; false when the token has had `maxUses` already. */
  markUsed(id: string, maxUses: number): Promise<boolean> {
    return this.store.refreshTokens.markUsed(id, now(), maxUses);
  }

  /** The family's refresh tokens and the access tokens issued with them. */
  async revokeFamily(familyId: string): Promise<void> {
    await this.store.refreshTokens.revokeFamily(familyId, now());
    // The store lists the family's access tokens itself: which jtis they are is not known here.
    this.caches.changed(REVOKED_TOPIC);
  }

  async revokeAccessToken(jti: string, expiresAt: number): Promise<void> {
    await this.store.revokedAccessTokens.add(jti, expiresAt);
    this.caches.changed(REVOKED_TOPIC, jti);
  }

  isAccessTokenRevoked(jti: string): Promise<boolean> {
    return this.revoked.get(jti, () => this.store.revokedAccessTokens.has(jti));
  }
}
