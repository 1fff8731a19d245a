import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { Domain } from '../domain/index.js';
import { REALM } from '../http/paths.js';
import { realmOf } from '../http/realm.js';

/**
 * Keycloak's public realm info (`GET /realms/{realm}`), which older adapters read for the
 * realm's key: its active RS256 public key as base64 DER (SubjectPublicKeyInfo), where the
 * token service and the account service are, and the realm's not-before (0: none).
 */
export const realmInfoEndpoint: FastifyPluginAsync<{ domain: Domain }> = async (app, { domain }) => {
  app.get(REALM, async (request, reply) => {
    const realm = await realmOf(domain, request);
    const kid = realm.signers.get('RS256')?.kid;
    const jwk = realm.jwks.keys.find((k) => k.kid === kid);
    reply.header('cache-control', 'no-cache');
    return {
      realm: realm.realm.name,
      ...(jwk ? { public_key: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'der' }).toString('base64') } : {}),
      'token-service': `${realm.issuer}/protocol/openid-connect`,
      'account-service': `${realm.issuer}/account`,
      'tokens-not-before': realm.realm.settings.notBefore ?? 0,
    };
  });
};
