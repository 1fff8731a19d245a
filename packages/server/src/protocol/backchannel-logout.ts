// OIDC Back-Channel Logout 1.0: a logout token posted to each client with a back-channel
// logout URL that an ended session served. The sessions service queues them with the session's
// end, in the same transaction; this delivers them off the request's path, retrying with
// back-off, so that a user's logout never waits on (or fails with) a client's server.
import type { FastifyBaseLogger } from 'fastify';
import type { CustomFetch } from 'openid-client';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { now } from '../domain/time.js';
import type { BackchannelLogoutRecord, ClientRecord } from '../storage/store.js';
import { sign } from './tokens.js';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Keycloak's member of `events` that asks the client to drop its offline tokens too. */
const REVOKE_OFFLINE_EVENT = 'revoke_offline_access';

/** Seconds a logout token is valid: enough for the request that carries it. */
const LOGOUT_TOKEN_LIFESPAN = 120;
/** Attempts before a notice is given up: with the back-off below, about 17 minutes after the logout. */
export const MAX_ATTEMPTS = 10;
/** Seconds an attempt holds its notice; a process that dies meanwhile leaves it to be retried after. */
const LEASE = 60;
const REQUEST_TIMEOUT_MS = 5000;
/** Milliseconds between looks at the queue when nothing is due: for notices other processes queued, or a crash left. */
const IDLE_POLL_MS = 30_000;
const BATCH = 50;

/** What a failed request's error says in a word: a code (ECONNREFUSED, EPRIVATEADDRESS …) of it or its cause, else its name. */
function errorCode(err: unknown): string {
  for (let e = err as { code?: unknown; cause?: unknown; name?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return String((err as Error)?.name ?? 'Error');
}

/** Seconds before attempt `attempts + 1`, after `attempts` failures: 2, 4, 8 … */
const backOff = (attempts: number): number => Math.min(2 ** attempts, 3600);

/** The logout token (§2.4): never a nonce, sid when the client wants it, typ logout+jwt (§2.4, §4.1). */
export function mintLogoutToken(realm: RealmRuntime, client: ClientRecord, notice: BackchannelLogoutRecord): Promise<string> {
  const s = client.settings;
  const iat = now();
  return sign(realm, s.idTokenAlg ?? realm.realm.settings.defaultSignatureAlgorithm, 'logout+jwt', {
    iss: realm.issuer,
    aud: client.clientId,
    iat,
    exp: iat + LOGOUT_TOKEN_LIFESPAN,
    jti: notice.id,
    sub: notice.userId,
    ...(s.backchannelLogoutSessionRequired !== false ? { sid: notice.sessionId } : {}),
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {}, ...(s.backchannelLogoutRevokeOfflineTokens ? { [REVOKE_OFFLINE_EVENT]: true } : {}) },
  });
}

export interface LogoutDelivery {
  /** Delivers what is due now, or joins the run under way. */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Delivers queued logout tokens as they come due: at once when this process queued them,
 * else within IDLE_POLL_MS. Several processes may share the queue: each notice is taken by
 * one at a time (claim).
 */
export function startLogoutDelivery(domain: Domain, opts: { fetch?: CustomFetch; log: FastifyBaseLogger }): LogoutDelivery {
  const post = (opts.fetch ?? fetch) as CustomFetch;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function attempt(notice: BackchannelLogoutRecord, realms: Map<string, string>): Promise<void> {
    const client = await domain.clients.getById(notice.clientId);
    const realmName = realms.get(notice.realmId);
    const realm = realmName === undefined ? undefined : await domain.realms.runtime(realmName);
    const url = client?.enabled ? client.settings.backchannelLogoutUrl : undefined;
    // The client no longer wants it (or is gone): nothing to tell.
    if (!client || !realm || !url) return domain.store.backchannelLogouts.delete(notice.id);
    let failure: string;
    try {
      const response = await post(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ logout_token: await mintLogoutToken(realm, client, notice) }).toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.body?.cancel().catch(() => {});
      if (response.ok) return domain.store.backchannelLogouts.delete(notice.id);
      failure = `HTTP ${response.status}`;
    } catch (err) {
      failure = errorCode(err);
    }
    const attempts = notice.attempts + 1;
    const givenUp = attempts >= MAX_ATTEMPTS;
    opts.log.warn({ clientId: client.clientId, attempts, failure }, givenUp ? 'back-channel logout failed: given up' : 'back-channel logout failed: will retry');
    // Only our own words and a status or error code: nothing the client's server answered.
    await domain.events.login(realm.realm, {
      type: 'LOGOUT_ERROR', clientId: client.clientId, userId: notice.userId, sessionId: notice.sessionId, error: 'backchannel_logout_failed',
      details: { reason: `Back-channel logout attempt ${attempts} of ${MAX_ATTEMPTS} failed (${failure})${givenUp ? '; given up' : ''}` },
    });
    if (givenUp) return domain.store.backchannelLogouts.delete(notice.id);
    return domain.store.backchannelLogouts.reschedule(notice.id, attempts, now() + backOff(attempts));
  }

  async function deliverDue(): Promise<void> {
    for (;;) {
      const at = now();
      const due = await domain.store.backchannelLogouts.listDue(at, BATCH);
      if (due.length === 0) return;
      const realms = new Map((await domain.realms.list()).map((r) => [r.id, r.name]));
      const mine = [];
      for (const notice of due) {
        if (await domain.store.backchannelLogouts.claim(notice.id, notice.nextAttemptAt, at + LEASE)) mine.push(notice);
      }
      await Promise.all(mine.map((n) => attempt(n, realms).catch((err) => opts.log.warn({ err }, 'back-channel logout delivery failed'))));
      if (due.length < BATCH || stopped) return;
    }
  }

  function schedule(ms: number): void {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(() => { void run(); }, ms);
    timer.unref();
  }

  function run(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await deliverDue();
        } catch (err) {
          opts.log.warn({ err }, 'back-channel logout delivery failed');
        }
      } while (again && !stopped);
      const next = await domain.store.backchannelLogouts.nextDue().catch(() => undefined);
      schedule(next === undefined ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(0, next - now()) * 1000 + 50));
    })().finally(() => { running = undefined; });
    return running;
  }

  domain.sessions.onLogoutQueued = () => { void run(); };
  schedule(0);
  return {
    runNow: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      domain.sessions.onLogoutQueued = () => {};
      await running;
    },
  };
}
