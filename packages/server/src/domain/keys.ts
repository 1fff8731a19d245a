import { randomBytes } from 'node:crypto';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { newId } from '../crypto/random.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { SIGNING_ALGS, type HmacKeyRecord, type KeyRecord, type SigningAlg, type Store } from '../storage/store.js';
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

type KeyPairs = Array<{ alg: SigningAlg; publicKey: CryptoKey; privateKey: CryptoKey }>;

const generateKeyPairs = (): Promise<KeyPairs> => Promise.all(SIGNING_ALGS.map(async (alg) => ({
  alg, ...await generateKeyPair(alg, { ...KEY_OPTIONS[alg], extractable: true }),
})));

/** Key pairs begun before there is a store or a master key to seal them with (see startKeyPairs). */
const early: Promise<KeyPairs>[] = [];

/**
 * Starts generating key pairs for realms a first start will create, before anything else: an
 * RSA key takes a good part of a second to find, and the start would otherwise wait for it
 * once the database is open. Sets nobody takes are simply dropped with the process.
 */
export function startKeyPairs(count: number): void {
  for (let i = 0; i < count; i++) {
    const pairs = generateKeyPairs();
    pairs.catch(() => {}); // a failure is met again by whoever takes the pairs
    early.push(pairs);
  }
}

/** One key pair per algorithm, so every client can get the algorithm it asks for. */
export async function generateKeySet(box: SecretBox): Promise<KeySet> {
  const pairs = await (early.shift() ?? generateKeyPairs());
  return Promise.all(pairs.map(async ({ alg, publicKey, privateKey }) => {
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

/** The realm's HMAC key, which signs its refresh tokens: only Latchkey holds it, so no resource server can take one for an access token. */
export interface HmacKey {
  kid: string;
  /** Imported once: jose would import raw bytes anew for every token it signs. */
  key: CryptoKey;
}

/**
 * The realm's HMAC key, made on first use (realms created before refresh tokens were JWTs
 * have none): whichever process stores one first, every process then signs with that one.
 */
export async function loadHmacKey(store: Store, box: SecretBox, realmId: string): Promise<HmacKey> {
  let record = await store.hmacKeys.get(realmId);
  if (!record) {
    // 512 bits, HS512's own size (RFC 7518 §3.2 asks for at least the hash's).
    const fresh: HmacKeyRecord = { realmId, kid: newId(), sealedSecret: await box.seal(base64url.encode(randomBytes(64))), createdAt: now() };
    await store.hmacKeys.insertIfAbsent(fresh);
    record = (await store.hmacKeys.get(realmId))!;
  }
  const secret = new Uint8Array(base64url.decode(await box.open(record.sealedSecret)));
  // Verify too: the links mailed with action tokens come back to be checked (login-actions/action-token).
  const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-512' }, false, ['sign', 'verify']);
  return { kid: record.kid, key };
}
