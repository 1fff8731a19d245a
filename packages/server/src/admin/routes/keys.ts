import type { FastifyPluginAsync } from 'fastify';
import { exportSPKI, importJWK, type JWK } from 'jose';
import type { KeyRecord, RealmRecord } from '../../storage/store.js';
import type { Domain } from '../../domain/index.js';
import { realmParams } from './schemas.js';
import { realmOf, type AdminRouteOptions } from './common.js';

const tags = ['Keys'];

const KEY_TYPES: Record<string, string> = { RSA: 'RSA', EC: 'EC', OKP: 'OKP' };

/** Keycloak's KeyMetadataRepresentation: what its console and tooling read of a key. */
async function keyRep(key: KeyRecord) {
  const jwk = key.publicJwk as JWK;
  const spki = await exportSPKI(await importJWK(jwk, key.alg) as CryptoKey);
  return {
    providerId: `latchkey-${key.alg.toLowerCase()}`,
    providerPriority: key.status === 'active' ? 100 : 0,
    kid: key.kid,
    status: key.status === 'active' ? 'ACTIVE' : 'PASSIVE',
    type: KEY_TYPES[String(jwk.kty)] ?? String(jwk.kty),
    algorithm: key.alg,
    publicKey: spki.replace(/-----[A-Z ]+-----|\s/g, ''),
    use: 'SIG',
    // Keycloak's validTo is milliseconds; a passive key is published until it retires.
    ...(key.retiresAt === null ? {} : { validTo: key.retiresAt * 1000 }),
    createdTimestamp: key.createdAt * 1000,
  };
}

/** Keycloak's KeysMetadataRepresentation: the signing kid per algorithm, then every key. */
async function keysRep(domain: Domain, realm: RealmRecord) {
  const keys = await domain.realms.keys(realm);
  const active: Record<string, string> = {};
  // Newest first, so the first active key of an algorithm is the one that signs.
  for (const key of keys) if (key.status === 'active') active[key.alg] ??= key.kid;
  return { active, keys: await Promise.all(keys.map(keyRep)) };
}

export const keyRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { domain }) => {
  app.get('/realms/:realm/keys', {
    schema: { tags, summary: "The realm's signing keys: which one signs per algorithm, and every key still published", params: realmParams },
  }, async (request) => keysRep(domain, await realmOf(domain, request)));

  app.post('/realms/:realm/keys/rotate', {
    schema: {
      tags,
      summary: 'Rotate the signing keys (Latchkey extension): a new key per algorithm signs from now on; '
        + 'the old ones stay in the JWKS until the tokens they signed have expired',
      params: realmParams,
    },
  }, async (request) => {
    const realm = await realmOf(domain, request);
    await domain.realms.rotateKeys(realm);
    return keysRep(domain, realm);
  });
};
