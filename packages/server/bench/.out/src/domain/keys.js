import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import { SIGNING_ALGS } from '../storage/store.js';
import { now } from './time.js';
const KEY_OPTIONS = {
    RS256: { modulusLength: 2048 },
    ES256: {},
    EdDSA: { crv: 'Ed25519' },
};
/** One key pair per algorithm, so every client can get the algorithm it asks for. */
export async function generateRealmKeys(realmId, box) {
    return Promise.all(SIGNING_ALGS.map(async (alg) => {
        const { publicKey, privateKey } = await generateKeyPair(alg, { ...KEY_OPTIONS[alg], extractable: true });
        const publicJwk = await exportJWK(publicKey);
        // The thumbprint makes kids unique across realms and algorithms by construction.
        const kid = await calculateJwkThumbprint(publicJwk);
        return {
            kid,
            realmId,
            alg,
            status: 'active',
            publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
            sealedPrivateJwk: await box.seal(JSON.stringify(await exportJWK(privateKey))),
            createdAt: now(),
        };
    }));
}
/** The newest active key per algorithm signs; every active or passive key verifies. */
export async function loadSigningKeys(records, box) {
    const signers = new Map();
    for (const record of records) {
        if (record.status !== 'active' || signers.has(record.alg))
            continue;
        const jwk = JSON.parse(await box.open(record.sealedPrivateJwk));
        const key = (await importJWK(jwk, record.alg));
        signers.set(record.alg, { kid: record.kid, alg: record.alg, key });
    }
    return signers;
}
