import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** 256 bits, base64url: for refresh tokens, codes and generated secrets. */
export const randomToken = (): string => randomBytes(32).toString('base64url');

export const newId = (): string => randomUUID();

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url');

/** What secrets are compared by: hashing first makes unequal lengths safe too. */
export const secretDigest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Compares secrets in constant time. */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(secretDigest(a), secretDigest(b));
}
