import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { v7 } from 'uuid';

/** 256 bits, base64url: for refresh tokens, codes and generated secrets. */
export const randomToken = (): string => randomBytes(32).toString('base64url');

export const newId = (): string => randomUUID();

/**
 * A UUID that sorts by creation time (version 7, RFC 9562), for rows written by the thousand
 * and never looked up by a guessed id (events): each lands at the end of the primary key's
 * index rather than at a random page of it, which made SQLite's insert several times slower
 * and slower still as the table grew.
 */
export const timeOrderedId = (): string => v7({ random: pooledRandom16() });

/** uuid draws 16 bytes from the system per id, which cost more than the insert saved: draw 4 KiB at a time. */
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomPoolAt = 0;
function pooledRandom16(): Uint8Array {
  if (randomPoolAt + 16 > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomPoolAt = 0;
  }
  return randomPool.subarray(randomPoolAt, (randomPoolAt += 16));
}

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url');

/** What secrets are compared by: hashing first makes unequal lengths safe too. */
export const secretDigest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Compares secrets in constant time. */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(secretDigest(a), secretDigest(b));
}
