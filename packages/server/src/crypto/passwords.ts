import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { Algorithm, hash, verify } from '@node-rs/argon2';

const pbkdf2Async = promisify(pbkdf2);

export const NATIVE_ALGORITHM = 'argon2id';

// OWASP's recommended argon2id parameters (19 MiB, 2 passes); the benchmark's bare loop uses them too.
export const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export interface StoredPassword {
  algorithm: string;
  data: string;
}

export async function hashPassword(password: string): Promise<StoredPassword> {
  return { algorithm: NATIVE_ALGORITHM, data: await hash(password, ARGON2_OPTIONS) };
}

/**
 * Keycloak's stored credential: secretData {value, salt} and credentialData
 * {hashIterations, algorithm, additionalParameters}, both base64 inside JSON.
 */
interface KeycloakCredential {
  secretData: { value: string; salt: string };
  credentialData: { hashIterations: number; algorithm: string; additionalParameters?: Record<string, string[]> };
}

/** Wraps a Keycloak hashed credential so it verifies as it is until the next sign-in rehashes it. */
export function fromKeycloakCredential(secretData: string, credentialData: string): StoredPassword {
  const parsed: KeycloakCredential = { secretData: JSON.parse(secretData), credentialData: JSON.parse(credentialData) };
  const algorithm = parsed.credentialData.algorithm;
  // An empty or short hash would compare equal to a short derived key: refuse it outright.
  if (Buffer.from(parsed.secretData.value ?? '', 'base64').length < 16 || !parsed.secretData.salt) {
    throw new Error('Keycloak password credential has no usable hash or salt');
  }
  if (!['pbkdf2', 'pbkdf2-sha256', 'pbkdf2-sha512', 'argon2'].includes(algorithm)) {
    throw new Error(`unsupported Keycloak password algorithm "${algorithm}"`);
  }
  return { algorithm: `keycloak:${algorithm}`, data: JSON.stringify(parsed) };
}

const PBKDF2_DIGESTS: Record<string, string> = { pbkdf2: 'sha1', 'pbkdf2-sha256': 'sha256', 'pbkdf2-sha512': 'sha512' };

async function verifyKeycloak(stored: KeycloakCredential, password: string): Promise<boolean> {
  const expected = Buffer.from(stored.secretData.value, 'base64');
  const salt = Buffer.from(stored.secretData.salt, 'base64');
  const { algorithm, hashIterations, additionalParameters: p = {} } = stored.credentialData;
  if (expected.length < 16) return false;
  const digest = PBKDF2_DIGESTS[algorithm];
  if (digest) {
    const derived = await pbkdf2Async(password, salt, hashIterations, expected.length, digest);
    return timingSafeEqual(derived, expected);
  }
  // Keycloak's argon2 keeps raw parameters; express them as a PHC string for the verifier.
  const first = (k: string, d: string) => p[k]?.[0] ?? d;
  const version = first('version', '1.3') === '1.3' ? 19 : 16;
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  const phc = `$argon2${first('type', 'id')}$v=${version}$m=${first('memory', '7168')},t=${hashIterations},p=${first('parallelism', '1')}$${b64(salt)}$${b64(expected)}`;
  return verify(phc, password);
}

export async function verifyPassword(stored: StoredPassword, password: string): Promise<boolean> {
  try {
    if (stored.algorithm === NATIVE_ALGORITHM) return await verify(stored.data, password);
    if (stored.algorithm.startsWith('keycloak:')) return await verifyKeycloak(JSON.parse(stored.data), password);
  } catch {
    return false;
  }
  return false;
}

export const needsRehash = (stored: StoredPassword): boolean => stored.algorithm !== NATIVE_ALGORITHM;
