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

export function realmRepresentation(): object {
  return {
    realm: REALM,
    enabled: true,
    clients: CLIENTS.map(({ clientId, alg }) => ({
      clientId,
      publicClient: false,
      secret: CLIENT_SECRET,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      attributes: { 'access.token.signed.response.alg': alg },
    })),
  };
}
