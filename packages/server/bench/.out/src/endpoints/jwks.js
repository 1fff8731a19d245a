import { OIDC } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
/** The realm's public keys (RFC 7517); the serialized set is cached with the realm. */
export const jwksEndpoint = async (app, { domain }) => {
    app.get(`${OIDC}/certs`, async (request, reply) => {
        const realm = await realmOf(domain, request);
        reply.header('content-type', 'application/json').header('cache-control', 'public, max-age=60');
        return reply.send(realm.jwksJson);
    });
};
