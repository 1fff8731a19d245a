// The bound: a bare Fastify server doing only what each scenario cannot do without (parse
// the form, build the claims, sign or verify with jose under the same algorithms and key
// sizes as Latchkey, answer JSON), and nothing an OpenID provider must also do: no client
// lookup, no storage, no events. Latchkey's share of it is the part of its throughput its
// own work leaves. Forked by run.ts; reports its port over IPC.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';

import formBody from '@fastify/formbody';
import Fastify from 'fastify';
import { CompactSign, compactVerify, generateKeyPair, type CryptoKey } from 'jose';

import { CLIENTS, CLIENT_SECRET, USER, WEB_CLIENT, type SigningAlg } from './fixtures.js';

const ISSUER = 'http://127.0.0.1/realms/bound';
const LIFESPAN_S = 300;
const utf8 = new TextEncoder();

const pairs = new Map<SigningAlg, { privateKey: CryptoKey; publicKey: CryptoKey }>();
for (const alg of ['ES256', 'RS256'] as const) pairs.set(alg, await generateKeyPair(alg));
// The refresh token's HMAC key, 512 bits as Latchkey's.
const hmac = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(64)), { name: 'HMAC', hash: 'SHA-512' }, false, ['sign', 'verify']);
const algOf = new Map<string, SigningAlg>([...CLIENTS.map(({ clientId, alg }) => [clientId, alg] as const), [WEB_CLIENT.clientId, WEB_CLIENT.alg]]);
const secretDigest = createHash('sha256').update(CLIENT_SECRET).digest();

function sign(alg: SigningAlg | 'HS512', typ: string, payload: object): Promise<string> {
  const key = alg === 'HS512' ? hmac : pairs.get(alg)!.privateKey;
  return new CompactSign(utf8.encode(JSON.stringify(payload))).setProtectedHeader({ alg, typ, kid: alg }).sign(key);
}

async function verify(token: string, alg: SigningAlg | 'HS512'): Promise<Record<string, unknown>> {
  const { payload } = await compactVerify(token, alg === 'HS512' ? hmac : pairs.get(alg)!.publicKey, { algorithms: [alg] });
  return JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
}

/** Client authentication can be no cheaper than one constant-time comparison of the secret. */
function clientOf(authorization: string | undefined): string {
  const decoded = Buffer.from((authorization ?? '').slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const given = createHash('sha256').update(decoded.slice(colon + 1)).digest();
  if (colon < 1 || !timingSafeEqual(given, secretDigest)) throw new Error('invalid_client');
  return decodeURIComponent(decoded.slice(0, colon));
}

/** The user's claims as Latchkey's default scopes give them. */
const profile = {
  name: `${USER.firstName} ${USER.lastName}`, given_name: USER.firstName, family_name: USER.lastName,
  preferred_username: USER.username, email: USER.email, email_verified: true,
};

function accessClaims(clientId: string, sub: string, sid?: string) {
  const iat = Math.floor(Date.now() / 1000);
  return {
    exp: iat + LIFESPAN_S, iat, jti: randomUUID(), iss: ISSUER, aud: clientId, sub, typ: 'Bearer', azp: clientId, client_id: clientId,
    ...(sid ? { sid } : {}), acr: '1', 'allowed-origins': [], realm_access: { roles: ['offline_access', 'uma_authorization'] },
    scope: 'openid profile email', ...profile,
  };
}

/** The access, ID and refresh tokens of a sign-in, as the code and refresh grants answer. */
async function signInTokens(clientId: string) {
  const alg = algOf.get(clientId)!;
  const access = accessClaims(clientId, USER.username, randomUUID());
  const [accessToken, idToken, refreshToken] = await Promise.all([
    sign(alg, 'at+jwt', access),
    sign(alg, 'JWT', { ...access, typ: 'ID', jti: undefined, scope: undefined, auth_time: access.iat }),
    sign('HS512', 'JWT', { exp: access.iat + 1800, iat: access.iat, jti: randomUUID(), iss: ISSUER, aud: ISSUER, sub: access.sub, typ: 'Refresh', azp: clientId, sid: access.sid, scope: access.scope }),
  ]);
  return {
    access_token: accessToken, token_type: 'Bearer', expires_in: LIFESPAN_S, refresh_token: refreshToken, refresh_expires_in: 1800,
    id_token: idToken, scope: access.scope,
  };
}

const app = Fastify({ logger: false });
await app.register(formBody);

app.post('/token', async (request) => {
  const clientId = clientOf(request.headers.authorization);
  const form = request.body as Record<string, string>;
  switch (form.grant_type) {
    case 'client_credentials': {
      const claims = accessClaims(clientId, randomUUID());
      return { access_token: await sign(algOf.get(clientId)!, 'at+jwt', claims), token_type: 'Bearer', expires_in: LIFESPAN_S, scope: claims.scope };
    }
    case 'authorization_code':
      // PKCE S256: the verifier's hash, as any server must compute it.
      createHash('sha256').update(form.code_verifier ?? '').digest('base64url');
      return signInTokens(clientId);
    case 'refresh_token':
      await verify(form.refresh_token ?? '', 'HS512');
      return signInTokens(clientId);
    default:
      throw new Error('unsupported_grant_type');
  }
});

app.post('/introspect', async (request) => {
  clientOf(request.headers.authorization);
  const claims = await verify((request.body as Record<string, string>).token ?? '', 'ES256');
  return { ...claims, active: true, token_type: 'Bearer', username: USER.username };
});

app.get('/userinfo', async (request) => {
  const claims = await verify((request.headers.authorization ?? '').slice(7), WEB_CLIENT.alg);
  return { sub: claims.sub, ...profile };
});

await app.listen({ port: 0, host: '127.0.0.1' });

// Die with the parent even if it is killed without a chance to clean up.
process.on('disconnect', () => process.exit(0));
process.send?.({ port: (app.server.address() as AddressInfo).port });
