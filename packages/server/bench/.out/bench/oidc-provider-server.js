// oidc-provider as the comparison baseline, forked by run.ts so it never shares an
// event loop with Latchkey or with the load generator. Reports its port over IPC.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import { Provider, errors } from 'oidc-provider';
import { CLIENTS, CLIENT_SECRET, OPAQUE_RESOURCE } from './fixtures.js';
const API_RESOURCE = 'https://api.bench.local/';
async function signingJwk(alg) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    return { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `bench-${alg.toLowerCase()}` };
}
const algByClient = new Map(CLIENTS.map(({ clientId, alg }) => [clientId, alg]));
// The issuer must contain the port, so listen first and attach the provider afterwards.
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: CLIENTS.map(({ clientId }) => ({
        client_id: clientId,
        client_secret: CLIENT_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
    })),
    jwks: { keys: [await signingJwk('ES256'), await signingJwk('RS256')] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        resourceIndicators: {
            enabled: true,
            // Without a resource, client_credentials would mint an opaque token.
            defaultResource: (_ctx, _client, oneOf) => oneOf ?? API_RESOURCE,
            getResourceServerInfo: (_ctx, resourceIndicator, client) => {
                if (resourceIndicator === OPAQUE_RESOURCE) {
                    return { scope: 'api', accessTokenFormat: 'opaque' };
                }
                if (resourceIndicator !== API_RESOURCE) {
                    throw new errors.InvalidTarget();
                }
                return {
                    scope: 'api',
                    accessTokenFormat: 'jwt',
                    jwt: { sign: { alg: algByClient.get(client.clientId) } },
                };
            },
        },
    },
});
server.on('request', provider.callback());
// Die with the parent even if it is killed without a chance to clean up.
process.on('disconnect', () => process.exit(0));
process.send?.({ port });
