// Both servers are configured from these so that they serve identical clients.

export type SigningAlg = 'ES256' | 'RS256';

export const REALM = 'bench';
export const CLIENT_SECRET = 'bench-secret';

export const CLIENTS: ReadonlyArray<{ clientId: string; alg: SigningAlg }> = [
  { clientId: 'bench-es256', alg: 'ES256' },
  { clientId: 'bench-rs256', alg: 'RS256' },
];

// oidc-provider refuses to introspect JWT access tokens (unsupported_token_type),
// so its introspection scenario needs an opaque token; it issues one for this resource.
export const OPAQUE_RESOURCE = 'https://opaque.bench.local/';

/** The confidential web client of the code-exchange, refresh, userinfo and password scenarios (PKCE S256, no consent). */
export const WEB_CLIENT = { clientId: 'bench-web', alg: 'ES256' as SigningAlg, redirectUri: 'http://127.0.0.1/bench/callback' };

/** The user those scenarios sign in as. */
export const USER = {
  username: 'bench-user', password: 'bench-user-password', email: 'bench-user@example.com', firstName: 'Bench', lastName: 'User',
};

/** Long enough for every code made before a run to be exchanged in it, on both servers. */
export const CODE_LIFESPAN_S = 600;

export function realmRepresentation(): object {
  return {
    realm: REALM,
    enabled: true,
    accessCodeLifespan: CODE_LIFESPAN_S,
    // The harness signs in once; nothing here should lock the user out.
    bruteForceProtected: false,
    clients: [
      ...CLIENTS.map(({ clientId, alg }) => ({
        clientId,
        publicClient: false,
        secret: CLIENT_SECRET,
        serviceAccountsEnabled: true,
        standardFlowEnabled: false,
        attributes: { 'access.token.signed.response.alg': alg },
      })),
      {
        clientId: WEB_CLIENT.clientId,
        publicClient: false,
        secret: CLIENT_SECRET,
        standardFlowEnabled: true,
        // The password grant scenario signs in through it.
        directAccessGrantsEnabled: true,
        redirectUris: [WEB_CLIENT.redirectUri],
        attributes: {
          'pkce.code.challenge.method': 'S256',
          'access.token.signed.response.alg': WEB_CLIENT.alg,
          'id.token.signed.response.alg': WEB_CLIENT.alg,
        },
      },
    ],
    users: [{
      username: USER.username, enabled: true, email: USER.email, emailVerified: true, firstName: USER.firstName, lastName: USER.lastName,
      credentials: [{ type: 'password', value: USER.password, temporary: false }],
    }],
  };
}
