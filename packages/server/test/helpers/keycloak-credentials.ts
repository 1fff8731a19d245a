// Password credentials as Keycloak exports them (secretData and credentialData, JSON in JSON),
// hashed here at test time: the project's own realm files need no hashes copied from elsewhere.
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { Algorithm, hashRaw, Version } from '@node-rs/argon2';

export type KeycloakPbkdf2 = 'pbkdf2' | 'pbkdf2-sha256' | 'pbkdf2-sha512';

const DIGESTS: Record<KeycloakPbkdf2, string> = { pbkdf2: 'sha1', 'pbkdf2-sha256': 'sha256', 'pbkdf2-sha512': 'sha512' };

/** Keycloak's pbkdf2 credential; `legacyShape`: without additionalParameters, as before Keycloak 12. */
export function keycloakPbkdf2(password: string, algorithm: KeycloakPbkdf2, opts: { legacyShape?: boolean; iterations?: number } = {}) {
  const iterations = opts.iterations ?? 27500;
  const salt = randomBytes(16);
  const value = pbkdf2Sync(password, salt, iterations, 64, DIGESTS[algorithm]);
  const extra = opts.legacyShape ? {} : { additionalParameters: {} };
  return {
    secretData: JSON.stringify({ value: value.toString('base64'), salt: salt.toString('base64'), ...extra }),
    credentialData: JSON.stringify({ hashIterations: iterations, algorithm, ...extra }),
  };
}

/** Keycloak 24+'s default: argon2id with its raw parameters (Keycloak's defaults: 7 MiB, 5 passes, 32 bytes). */
export async function keycloakArgon2(password: string) {
  const salt = randomBytes(16);
  const value = await hashRaw(password, {
    algorithm: Algorithm.Argon2id, version: Version.V0x13, memoryCost: 7168, timeCost: 5, parallelism: 1, outputLen: 32, salt,
  });
  return {
    secretData: JSON.stringify({ value: value.toString('base64'), salt: salt.toString('base64'), additionalParameters: {} }),
    credentialData: JSON.stringify({
      hashIterations: 5, algorithm: 'argon2',
      additionalParameters: { hashLength: ['32'], memory: ['7168'], type: ['id'], version: ['1.3'], parallelism: ['1'] },
    }),
  };
}
