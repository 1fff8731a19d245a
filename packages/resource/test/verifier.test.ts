import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthServerError, TokenError, createVerifier, type Verifier } from '../src/index.js';
import { SECRETS, startServer, type RunningServer } from './support/server.js';

const isTokenError = (kind: TokenError['kind'], description?: string) => (err: unknown) => {
  assert.ok(err instanceof TokenError, `expected a TokenError, got ${String(err)}`);
  assert.equal(err.kind, kind);
  if (description !== undefined) assert.equal(err.description, description);
  return true;
};

describe('createVerifier against a running Latchkey', () => {
  let server: RunningServer;
  let jwtOnly: Verifier;
  let introspecting: Verifier;

  before(async () => {
    server = await startServer();
    jwtOnly = createVerifier({ issuer: server.issuer, audience: 'notes-api' });
    introspecting = createVerifier({
      issuer: server.issuer,
      audience: 'notes-api',
      introspection: { clientId: 'notes-api', clientSecret: SECRETS['notes-api'] },
    });
  });

  after(() => server?.stop());

  for (const [clientId, alg] of [['api-client', 'RS256'], ['es-client', 'ES256'], ['ed-client', 'EdDSA']]) {
    it(`verifies ${alg} tokens`, async () => {
      const token = await server.token(clientId);
      assert.equal(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).alg, alg);
      const claims = await jwtOnly.verify(token);
      assert.equal(claims.client_id, clientId);
    });
  }

  it('in introspection mode sees a revoked token as invalid, while JWT mode still accepts it', async () => {
    const token = await server.token('api-client');
    await introspecting.verify(token);
    await server.revoke('api-client', token);
    await assert.rejects(introspecting.verify(token), isTokenError('invalid', 'The access token is no longer active'));
    assert.equal((await jwtOnly.verify(token)).client_id, 'api-client');
  });

  it('in introspection mode still refuses tokens that fail local checks, without asking', async () => {
    let introspections = 0;
    const forIntrospection = createVerifier({
      issuer: server.issuer,
      audience: 'billing-api',
      introspection: { clientId: 'notes-api', clientSecret: SECRETS['notes-api'] },
      fetch: (input, init) => {
        if (String(input).endsWith('/introspect')) introspections += 1;
        return fetch(input, init);
      },
    });
    await assert.rejects(forIntrospection.verify(await server.token('api-client')), isTokenError('invalid'));
    assert.equal(introspections, 0);
  });

  it('reports wrong introspection credentials as an authorization server problem, not a bad token', async () => {
    const misconfigured = createVerifier({
      issuer: server.issuer,
      audience: false,
      introspection: { clientId: 'notes-api', clientSecret: 'wrong' },
    });
    await assert.rejects(
      misconfigured.verify(await server.token('api-client')),
      (err: unknown) => err instanceof AuthServerError && /introspection .* answered HTTP 401/i.test(err.message),
    );
  });

  it('rejects an ID token of the same issuer, validly signed, because it is not typ at+jwt', async () => {
    const anyAudience = createVerifier({ issuer: server.issuer, audience: false });
    await assert.rejects(
      anyAudience.verify(await server.idToken()),
      isTokenError('invalid', 'The token is not an access token (its typ header is not at+jwt)'),
    );
  });

  it('rejects a token whose iss is not the configured issuer', async () => {
    const issuer = 'https://elsewhere.example/realms/demo';
    // The discovery document is made to agree with the configuration, so only the token's iss differs.
    const elsewhere = createVerifier({
      issuer,
      audience: false,
      discoveryUrl: `${server.issuer}/.well-known/openid-configuration`,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).endsWith('/openid-configuration')) return response;
        return Response.json({ ...(await response.json()), issuer });
      },
    });
    await assert.rejects(
      elsewhere.verify(await server.token('api-client')),
      isTokenError('invalid', 'The access token was issued by another issuer'),
    );
  });

  it('rejects garbage as malformed', async () => {
    await assert.rejects(jwtOnly.verify('not-a-jwt'), isTokenError('invalid', 'The access token is malformed'));
  });
});

describe('createVerifier without a server', () => {
  it('retries discovery after a failure instead of caching it', async () => {
    let calls = 0;
    const verifier = createVerifier({
      issuer: 'https://id.example/realms/demo',
      audience: 'api',
      fetch: async () => {
        calls += 1;
        throw new TypeError('fetch failed');
      },
    });
    await assert.rejects(verifier.verify('a.b.c'), AuthServerError);
    await assert.rejects(verifier.verify('a.b.c'), AuthServerError);
    assert.equal(calls, 2);
  });

  it('refuses a discovery document that names another issuer', async () => {
    const verifier = createVerifier({
      issuer: 'https://id.example/realms/demo',
      audience: 'api',
      fetch: async () => Response.json({ issuer: 'https://evil.example/realms/demo', jwks_uri: 'https://evil.example/jwks' }),
    });
    await assert.rejects(verifier.verify('a.b.c'), (err: unknown) => err instanceof AuthServerError && /evil\.example/.test(err.message));
  });

  it('refuses to be created without an audience: RFC 9068 makes the check a MUST', () => {
    assert.throws(() => createVerifier({ issuer: 'https://id.example/realms/demo' } as never), /audience is required/);
    assert.throws(() => createVerifier({ issuer: 'https://id.example/realms/demo', audience: [] }), /audience is required/);
  });

  it('needs an introspection endpoint when introspection is configured', async () => {
    const verifier = createVerifier({
      issuer: 'https://id.example/realms/demo',
      audience: 'api',
      introspection: { clientId: 'api', clientSecret: 'secret' },
      fetch: async () => Response.json({ issuer: 'https://id.example/realms/demo', jwks_uri: 'https://id.example/jwks' }),
    });
    await assert.rejects(verifier.verify('a.b.c'), /introspection_endpoint/);
  });
});
