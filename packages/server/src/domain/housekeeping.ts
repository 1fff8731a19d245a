import type { Domain } from './index.js';

export interface SweepOptions {
  /** Rows per delete statement (default 1000): short statements, no long lock on a busy table. */
  batchSize?: number;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /**
   * Seconds expired codes and refresh tokens are kept past their expiry (default 3600), so
   * a late replay of a used one is still recognised and revokes what it was exchanged for.
   */
  replayGraceSeconds?: number;
  /** Stops between batches once aborted (the server is closing). */
  signal?: AbortSignal;
}

export interface SweepResult {
  loginEvents: number;
  adminEvents: number;
  codes: number;
  interactions: number;
  revokedAccessTokens: number;
  refreshTokens: number;
  sessions: number;
  brokerStates: number;
  retiredKeys: number;
  usedJtis: number;
  pushedRequests: number;
  /** Outbox rows sent or given up on a day ago or more. */
  mail: number;
  deviceCodes: number;
  /** Windows of wrong device flow user codes that have closed. */
  userCodeFailures: number;
  /** Client initial access tokens past their expiry. */
  clientInitialAccess: number;
}

export const DEFAULT_BATCH_SIZE = 1000;
export const DEFAULT_REPLAY_GRACE_SECONDS = 3600;
export const DEFAULT_SWEEP_INTERVAL_MS = 5 * 60_000;
/** Seconds a sent (or given up) mail's row stays in the outbox, its message already dropped: to see what went. */
export const FINISHED_MAIL_RETENTION_SECONDS = 24 * 3600;

const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs a delete of at most `batch` rows until one deletes fewer (or `signal` aborts), letting
 * requests in between (SQLite runs on this thread); returns how many rows went.
 */
export async function deleteInBatches(batch: number, step: (limit: number) => Promise<number>, signal?: AbortSignal): Promise<number> {
  let total = 0;
  while (!signal?.aborted) {
    const deleted = await step(batch);
    total += deleted;
    if (deleted < batch) break;
    await breathe();
  }
  return total;
}

/**
 * Deletes what has expired: events past their realm's retention (eventsExpiration,
 * adminEventsExpiration), then codes, parked interactions, revoked access tokens,
 * refresh tokens, sessions and identity-provider round trips past their expiry, rotated-out
 * keys past their retirement, and mail sent or given up on a day ago. Each in batches until none is left.
 * Safe to run in several processes at once: each batch deletes whatever is still there.
 */
export async function sweep(domain: Domain, opts: SweepOptions = {}): Promise<SweepResult> {
  const batch = Math.max(1, Math.trunc(opts.batchSize ?? DEFAULT_BATCH_SIZE));
  const nowMs = (opts.now ?? Date.now)();
  const nowSeconds = Math.floor(nowMs / 1000);
  const grace = opts.replayGraceSeconds ?? DEFAULT_REPLAY_GRACE_SECONDS;
  const { store } = domain;

  const drain = (step: () => Promise<number>) => deleteInBatches(batch, step, opts.signal);

  const result: SweepResult = {
    loginEvents: 0, adminEvents: 0, codes: 0, interactions: 0, revokedAccessTokens: 0, refreshTokens: 0, sessions: 0,
    brokerStates: 0, retiredKeys: 0, usedJtis: 0, pushedRequests: 0, mail: 0, deviceCodes: 0, userCodeFailures: 0, clientInitialAccess: 0,
  };
  for (const realm of await domain.realms.list()) {
    const keep = domain.events.retention(realm);
    if (keep.login > 0) {
      const cutoff = nowMs - keep.login * 1000;
      result.loginEvents += await drain(() => store.events.deleteOlderThan(cutoff, batch, { kind: 'login', realmId: realm.id }));
    }
    if (keep.admin > 0) {
      const cutoff = nowMs - keep.admin * 1000;
      result.adminEvents += await drain(() => store.events.deleteOlderThan(cutoff, batch, { kind: 'admin', realmId: realm.id }));
    }
  }
  result.codes = await drain(() => store.expired.deleteCodes(nowSeconds - grace, batch));
  result.interactions = await drain(() => store.expired.deleteInteractions(nowSeconds, batch));
  result.revokedAccessTokens = await drain(() => store.expired.deleteRevokedAccessTokens(nowSeconds, batch));
  result.refreshTokens = await drain(() => store.expired.deleteRefreshTokens(nowSeconds - grace, batch));
  // Ended as a logout ends them: the clients with a back-channel logout URL are told.
  result.sessions = await drain(() => domain.sessions.endExpired(nowSeconds, batch));
  result.deviceCodes = await drain(() => store.expired.deleteDeviceCodes(nowSeconds, batch));
  result.userCodeFailures = await drain(() => store.expired.deleteUserCodeFailures(nowSeconds, batch));
  result.clientInitialAccess = await drain(() => store.expired.deleteClientInitialAccess(nowSeconds, batch));
  result.brokerStates = await drain(() => store.expired.deleteBrokerStates(nowSeconds, batch));
  result.usedJtis = await drain(() => store.expired.deleteUsedJtis(nowSeconds, batch));
  result.pushedRequests = await drain(() => store.expired.deletePushedRequests(nowSeconds, batch));
  result.retiredKeys = await drain(() => store.expired.deleteRetiredKeys(nowSeconds, batch));
  result.mail = await drain(() => store.expired.deleteFinishedMail(nowSeconds - FINISHED_MAIL_RETENTION_SECONDS, batch));
  // The JWKS is cached with the realm; a retired key must leave it now, not at the cache's TTL.
  if (result.retiredKeys > 0) domain.realms.invalidate();
  return result;
}

export interface HousekeepingOptions extends Omit<SweepOptions, 'signal'> {
  /** Milliseconds between sweeps (default five minutes). */
  intervalMs?: number;
  /** A sweep that failed; the next one runs at the next interval all the same. */
  onError?: (err: unknown) => void;
  /** A sweep that finished, with what it deleted. */
  onSweep?: (result: SweepResult) => void;
}

export interface Housekeeping {
  /** Runs a sweep now, or joins the one running. */
  sweepNow(): Promise<SweepResult | undefined>;
  /** No more sweeps; waits for a running one to stop at its next batch. */
  stop(): Promise<void>;
}

/** Sweeps every intervalMs in the background; the timer does not keep the process alive. */
export function startHousekeeping(domain: Domain, opts: HousekeepingOptions = {}): Housekeeping {
  const controller = new AbortController();
  let running: Promise<SweepResult | undefined> | undefined;
  const run = () => {
    if (controller.signal.aborted) return Promise.resolve(undefined);
    running ??= sweep(domain, { ...opts, signal: controller.signal })
      .then((result) => {
        opts.onSweep?.(result);
        return result;
      }, (err) => {
        opts.onError?.(err);
        return undefined;
      })
      .finally(() => { running = undefined; });
    return running;
  };
  const timer = setInterval(() => { void run(); }, opts.intervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
  timer.unref();
  return {
    sweepNow: run,
    async stop() {
      clearInterval(timer);
      controller.abort();
      await running;
    },
  };
}
