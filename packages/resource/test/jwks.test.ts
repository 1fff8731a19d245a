// The verifier's key set: fetched once and cached, fetched again for a key it does not know
// (a rotation), but not more often than jose's cooldown (30 s) however many unknown kids come.
// The cooldown is measured with Date, which these tests mock to move time on.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it, mock } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { TokenError, createVerifier } from '../src/index.js';
import { startServer, type RunningServer } from './support/server.js';

/** A fetch that counts the discovery and JWKS requests it passes on. */
function countingFetch(inner: typeof fetch = fetch) {
  const counts = { discovery: 0, jwks: 0 };
  const counted: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.endsWith('/.well-known/openid-configuration')) counts.discovery += 1;
    else counts.jwks += 1;
    return inner(input, init);
  };
  return { counts, fetch: counted };
}

const headerOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());

/** The token with another kid in its header: a key nobody published. */
function withUnknownKid(token: string): string {
  const [, payload, signature] = token.split('.');
  const header = Buffer.from(JSON.stringify({ ...headerOf(token), kid: randomUUID() })).toString('base64url');
  return [header, payload, signature].join('.');
}

const unknownKey = (err: unknown) =>
  err instanceof TokenError && err.kind === 'invalid' && err.description === 'The access token was signed with an unknown key';

describe('JWKS caching and key rotation against a running Latchkey', () => {
  let server: RunningServer;
  before(async () => { server = await startServer(); });
  after(() => server?.stop());
  afterEach(() => { mock.timers.reset(); });

  const verifier = () => {
    const counting = countingFetch();
    return { counts: counting.counts, verifier: createVerifier({ issuer: server.issuer, audience: 'notes-api', fetch: counting.fetch }) };
  };
  /** On a clock the test moves: a fresh verifier that has verified one token, and so fetched the JWKS once. */
  const warmVerifier = async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const warm = verifier();
    const token = await server.token('api-client');
    await warm.verifier.verify(token);
    return { ...warm, token };
  };

  it('fetches discovery and the JWKS once for many tokens and algorithms', async () => {
    const { counts, verifier: v } = verifier();
    for (const clientId of ['api-client', 'es-client', 'ed-client', 'api-client', 'es-client']) {
      assert.equal((await v.verify(await server.token(clientId))).client_id, clientId);
    }
    assert.deepEqual(counts, { discovery: 1, jwks: 1 });
  });

  it('a flood of unknown kids within the cooldown is refused without fetching the JWKS again', async () => {
    const { counts, verifier: v, token } = await warmVerifier();
    for (let i = 0; i < 50; i++) await assert.rejects(v.verify(withUnknownKid(token)), unknownKey);
    assert.deepEqual(counts, { discovery: 1, jwks: 1 });
    // Past the cooldown, one unknown kid is worth asking again: once.
    mock.timers.tick(31_000);
    for (let i = 0; i < 5; i++) await assert.rejects(v.verify(withUnknownKid(token)), unknownKey);
    assert.deepEqual(counts, { discovery: 1, jwks: 2 });
  });

  it('after a key rotation, a token signed by the new key verifies with the same verifier, which fetched the JWKS again', async () => {
    const { counts, verifier: v, token: old } = await warmVerifier();
    await server.rotateKeys();
    const rotated = await server.token('api-client');
    assert.notEqual(headerOf(rotated).kid, headerOf(old).kid, 'signed by the new key');
    mock.timers.tick(31_000);
    assert.equal((await v.verify(rotated)).client_id, 'api-client');
    assert.deepEqual(counts, { discovery: 1, jwks: 2 });
    assert.equal((await v.verify(old)).client_id, 'api-client', 'the old key still verifies what it signed');
    assert.deepEqual(counts, { discovery: 1, jwks: 2 });
  });
});

describe('nbf, against a key set of our own', () => {
  const issuer = 'https://id.example/realms/demo';

  async function signer() {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const fetchImpl: typeof fetch = async (input) => {
      const url = String(input);
      return url.endsWith('/openid-configuration') ? Response.json({ issuer, jwks_uri: `${issuer}/certs` }) : Response.json({ keys: [jwk] });
    };
    const sign = (nbf: number) =>
      new SignJWT({ client_id: 'api-client', nbf })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
        .setIssuer(issuer).setAudience('api').setSubject('user-1').setIssuedAt().setExpirationTime('5m')
        .sign(privateKey);
    return { fetch: fetchImpl, sign };
  }

  it('refuses a token whose nbf is in the future; accepts one whose nbf has come, or is within the leeway', async () => {
    const { fetch: fetchImpl, sign } = await signer();
    const strict = createVerifier({ issuer, audience: 'api', fetch: fetchImpl });
    const now = Math.floor(Date.now() / 1000);
    await assert.rejects(strict.verify(await sign(now + 120)), (err: unknown) =>
      err instanceof TokenError && err.kind === 'invalid' && err.description === 'The access token is not valid yet');
    assert.equal((await strict.verify(await sign(now))).sub, 'user-1');
    const lenient = createVerifier({ issuer, audience: 'api', fetch: fetchImpl, clockTolerance: '5m' });
    assert.equal((await lenient.verify(await sign(now + 120))).sub, 'user-1');
  });
});
