// oidc-provider as the comparison baseline, forked by run.ts so it never shares an
// event loop with Latchkey or with the load generator. Reports its port over IPC.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair } from 'jose';
import { Provider, errors } from 'oidc-provider';

import { CLIENTS, CLIENT_SECRET, CODE_LIFESPAN_S, OPAQUE_RESOURCE, USER, WEB_CLIENT, type SigningAlg } from './fixtures.js';

const API_RESOURCE = 'https://api.bench.local/';

async function signingJwk(alg: SigningAlg): Promise<object> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `bench-${alg.toLowerCase()}` };
}

/**
 * oidc-provider's built-in development adapter keeps at most 1000 artefacts and would
 * evict the codes the exchange scenario makes beforehand; this one keeps everything (the
 * process lives for one benchmark run), in memory as that one does.
 */
class MemoryAdapter {
  private static readonly rows = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>();
  private static readonly byGrant = new Map<string, Set<string>>();

  constructor(private readonly model: string) {}

  private key(id: string) {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: Record<string, unknown>, expiresIn: number) {
    const key = this.key(id);
    MemoryAdapter.rows.set(key, { payload, expiresAt: Date.now() + expiresIn * 1000 });
    if (typeof payload.grantId === 'string') {
      const keys = MemoryAdapter.byGrant.get(payload.grantId) ?? new Set<string>();
      keys.add(key);
      MemoryAdapter.byGrant.set(payload.grantId, keys);
    }
  }

  async find(id: string) {
    const row = MemoryAdapter.rows.get(this.key(id));
    return row && row.expiresAt > Date.now() ? row.payload : undefined;
  }

  async findByUid(uid: string) {
    for (const row of MemoryAdapter.rows.values()) if (row.payload.uid === uid && row.expiresAt > Date.now()) return row.payload;
    return undefined;
  }

  async findByUserCode() {
    return undefined;
  }

  async consume(id: string) {
    const row = MemoryAdapter.rows.get(this.key(id));
    if (row) row.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string) {
    MemoryAdapter.rows.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string) {
    for (const key of MemoryAdapter.byGrant.get(grantId) ?? []) MemoryAdapter.rows.delete(key);
    MemoryAdapter.byGrant.delete(grantId);
  }
}

const algByClient = new Map(CLIENTS.map(({ clientId, alg }) => [clientId, alg]));

// The issuer must contain the port, so listen first and attach the provider afterwards.
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    ...CLIENTS.map(({ clientId }) => ({
      client_id: clientId,
      client_secret: CLIENT_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    })),
    {
      client_id: WEB_CLIENT.clientId,
      client_secret: CLIENT_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [WEB_CLIENT.redirectUri],
      id_token_signed_response_alg: WEB_CLIENT.alg,
    },
  ],
  jwks: { keys: [await signingJwk('ES256'), await signingJwk('RS256')] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  adapter: MemoryAdapter,
  ttl: { AuthorizationCode: CODE_LIFESPAN_S },
  // As Latchkey: a code exchange gives a refresh token too, and each refresh a new one.
  issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  // The one bench user, with the claims Latchkey's userinfo returns for the same scopes.
  findAccount: (_ctx: unknown, id: string) => ({
    accountId: id,
    claims: () => ({
      sub: id,
      name: `${USER.firstName} ${USER.lastName}`,
      given_name: USER.firstName,
      family_name: USER.lastName,
      preferred_username: USER.username,
      email: USER.email,
      email_verified: true,
    }),
  }),
  // Signing in is not what is measured: every interaction ends at once as the bench user, consent granted.
  interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Without a resource, client_credentials would mint an opaque token.
      // The web client's access tokens are for userinfo (opaque), as Latchkey's are usable there.
      defaultResource: (_ctx: unknown, client: { clientId: string }, oneOf?: string | string[]) =>
        client.clientId === WEB_CLIENT.clientId ? undefined : (oneOf ?? API_RESOURCE),
      getResourceServerInfo: (_ctx: unknown, resourceIndicator: string, client: { clientId: string }) => {
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

const callback = provider.callback();
server.on('request', (req, res) => {
  if (!req.url?.startsWith('/interaction/')) {
    callback(req, res);
    return;
  }
  void (async () => {
    const details = await provider.interactionDetails(req, res);
    const grant = new provider.Grant({ accountId: USER.username, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId: USER.username }, consent: { grantId } }, { mergeWithLastSubmission: false });
  })().catch((error: unknown) => {
    res.statusCode = 500;
    res.end(String(error));
  });
});

// Die with the parent even if it is killed without a chance to clean up.
process.on('disconnect', () => process.exit(0));
process.send?.({ port });
