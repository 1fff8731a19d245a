import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** 256 bits, base64url: for refresh tokens, codes and generated secrets. */
export const randomToken = (): string => randomBytes(32).toString('base64url');

export const newId = (): string => randomUUID();

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url');

/** Compares secrets in constant time; hashing first makes unequal lengths safe too. */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
