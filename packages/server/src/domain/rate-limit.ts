import { sha256 } from '../crypto/random.js';
import type { Store } from '../storage/store.js';
import { now } from './time.js';

/** How many requests a window allows, and its length in seconds. */
export interface Limit {
  count: number;
  seconds: number;
}

/**
 * Keycloak's limits on what the login pages' self-service does for anyone who asks: a
 * registration, a reset mail or a verification mail, per source address and per account.
 * Generous for people, tight for a script sending mail to strangers.
 */
export const SELF_SERVICE_LIMITS = {
  registerPerAddress: { count: 10, seconds: 3600 },
  resetPerAddress: { count: 20, seconds: 900 },
  resetPerAccount: { count: 3, seconds: 900 },
  resendPerAccount: { count: 3, seconds: 900 },
} as const satisfies Record<string, Limit>;

/**
 * Fixed windows counted in the database, so that every node sees every request: the n-th
 * request of a window claims the n-th of `count` slots in the single-use table (an insert
 * that succeeds once), and is refused when all are taken. It needs no table of its own, no
 * read-modify-write race, and housekeeping drops the slots when the window ends. The brute-force
 * records count failed sign-ins of existing accounts, which these requests are not.
 */
export class RateLimiter {
  constructor(private readonly store: Store) {}

  /** True when the request is within the limit (and is counted), false when the window is full. */
  async allow(purpose: string, key: string, limit: Limit): Promise<boolean> {
    const window = Math.floor(now() / limit.seconds);
    const expiresAt = (window + 1) * limit.seconds;
    for (let slot = 0; slot < limit.count; slot++) {
      if (await this.store.usedJtis.claim(sha256(`rate\u0000${purpose}\u0000${key}\u0000${window}\u0000${slot}`), expiresAt)) return true;
    }
    return false;
  }
}
