import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { SecretBox } from '../crypto/secret-box.js';
import { SIGNING_ALGS, type KeyRecord, type SigningAlg } from '../storage/store.js';
import { now } from './time.js';

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
}

const KEY_OPTIONS: Record<SigningAlg, { modulusLength?: number; crv?: string }> = {
  RS256: { modulusLength: 2048 },
  ES256: {},
  EdDSA: { crv: 'Ed25519' },
};

/** A realm's key pairs before they belong to a realm: one per algorithm, the private half sealed. */
export type KeySet = ReadonlyArray<Pick<KeyRecord, 'kid' | 'alg' | 'publicJwk' | 'sealedPrivateJwk'>>;

/** One key pair per algorithm, so every client can get the algorithm it asks for. */
export async function generateKeySet(box: SecretBox): Promise<KeySet> {
  return Promise.all(SIGNING_ALGS.map(async (alg) => {
    const { publicKey, privateKey } = await generateKeyPair(alg, { ...KEY_OPTIONS[alg], extractable: true });
    const publicJwk = await exportJWK(publicKey);
    // The thumbprint makes kids unique across realms and algorithms by construction.
    const kid = await calculateJwkThumbprint(publicJwk);
    return {
      kid,
      alg,
      publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
      sealedPrivateJwk: await box.seal(JSON.stringify(await exportJWK(privateKey))),
    };
  }));
}

/** The key set as the realm's active keys, from now. */
export const realmKeys = (realmId: string, set: KeySet): KeyRecord[] =>
  set.map((key) => ({ ...key, realmId, status: 'active' as const, createdAt: now(), retiresAt: null }));

/** The newest active key per algorithm signs; every active or passive key verifies. */
export async function loadSigningKeys(records: KeyRecord[], box: SecretBox): Promise<Map<SigningAlg, SigningKey>> {
  const signers = new Map<SigningAlg, SigningKey>();
  for (const record of records) {
    if (record.status !== 'active' || signers.has(record.alg)) continue;
    const jwk = JSON.parse(await box.open(record.sealedPrivateJwk)) as JWK;
    const key = (await importJWK(jwk, record.alg)) as CryptoKey;
    signers.set(record.alg, { kid: record.kid, alg: record.alg, key });
  }
  return signers;
}
