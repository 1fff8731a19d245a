import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
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

/**
 * Where a stored Keycloak credential's parameters begin: what follows (credentialData) is the
 * same for every password of one kind, while what precedes (hash and salt) differs in each.
 */
export const KEYCLOAK_PARAMETERS_FROM = '"credentialData"';

/**
 * The kind of a stored password, as far as checking it costs: its algorithm with every parameter
 * that changes the work (iterations, memory, passes, hash length), none of its secret parts.
 */
export function passwordKind(stored: StoredPassword): string {
  if (stored.algorithm === NATIVE_ALGORITHM) return stored.data.split('$').slice(0, 4).join('$');
  try {
    const { secretData, credentialData }: KeycloakCredential = JSON.parse(stored.data);
    return `${stored.algorithm}:${Buffer.from(secretData.value, 'base64').length}:${JSON.stringify(credentialData)}`;
  } catch {
    return stored.algorithm;
  }
}

/**
 * A password no guess matches whose check costs what checking the imported `stored` does: its
 * parameters, a random hash. Nothing for a password that does not parse (it never verifies either).
 */
export function decoyOf(stored: StoredPassword): StoredPassword[] {
  try {
    const parsed: KeycloakCredential = JSON.parse(stored.data);
    const value = randomBytes(Buffer.from(parsed.secretData.value, 'base64').length).toString('base64');
    return [{ algorithm: stored.algorithm, data: JSON.stringify({ ...parsed, secretData: { ...parsed.secretData, value } }) }];
  } catch {
    return [];
  }
}

/** Decoys by their kind (passwordKind): one of each kind a realm's users hold, argon2id's among them. */
export type Decoys = Map<string, StoredPassword>;

/**
 * Checks a password (undefined: an unknown user, or one without a password) together with
 * every decoy of another kind than it, all at once, and answers when all are done: a check
 * then does the same work, one hash of each kind, whether the user exists and whatever kind
 * of hash the user has, so its time tells neither.
 */
export async function verifyAmongDecoys(stored: StoredPassword | undefined, password: string, decoys: Decoys): Promise<boolean> {
  const own = stored && passwordKind(stored);
  const [ok] = await Promise.all([
    stored ? verifyPassword(stored, password) : false,
    ...[...decoys].filter(([kind]) => kind !== own).map(([, decoy]) => verifyPassword(decoy, password)),
  ]);
  return ok;
}
