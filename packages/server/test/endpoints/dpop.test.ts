// DPoP (RFC 9449) against a real server: openid-client 6 as the relying party for a code flow
// with PAR, a request object, private_key_jwt and DPoP together; hand-made proofs (jose) for
// what a library would never send (replays, wrong htm/htu, a bound token sent as Bearer).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { backends } from '../admin/fixture.js';
import { assertProtocolError, send } from '../helpers/http.js';
import { HttpBrowser, responseParams } from '../helpers/http-browser.js';
import { claimsOf, client } from '../helpers/oidc.js';
import { ADMIN_PASSWORD, basic, postForm, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'dpop';
const REDIRECT = 'https://app.example/cb';
const ALICE = { username: 'alice', password: 'alice-pw' };

interface ProofKey { privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK; jkt: string }

async function proofKey(alg: 'ES256' | 'EdDSA' | 'PS256' = 'ES256'): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, publicKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/** A DPoP proof as RFC 9449 §4.2 has it, with what a case changes. */
function proof(key: ProofKey, htm: string, htu: string, claims: Record<string, unknown> = {}, alg = 'ES256') {
  return new SignJWT({ htm, htu, jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ...claims })
    .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: key.jwk }).sign(key.privateKey);
}

const sha256 = async (value: string) => Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value))).toString('base64url');

/** Serves the confidential client's JWKS, as its jwks.url. */
async function serveKeys(keys: JWK[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/jwks`, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('DPoP', { concurrency: true }, () => {
  let server: TestServer;
  let jwks: { url: string; stop: () => Promise<void> };
  let clientKey: { key: CryptoKey; kid: string };

  before(async () => {
    const { privateKey, publicKey } = await generateKeyPair('PS256', { extractable: true });
    clientKey = { key: privateKey, kid: 'fapi-key' };
    jwks = await serveKeys([{ ...(await exportJWK(publicKey)), kid: 'fapi-key', alg: 'PS256', use: 'sig' }]);
    server = await startServer({
      realms: [{
        realm: REALM, enabled: true,
        clients: [
          {
            clientId: 'fapi-app', publicClient: false, clientAuthenticatorType: 'client-jwt', redirectUris: [REDIRECT],
            attributes: {
              'use.jwks.url': 'true', 'jwks.url': jwks.url, 'require.pushed.authorization.requests': 'true',
              'request.object.required': 'request only', 'pkce.code.challenge.method': 'S256', 'dpop.bound.access.tokens': 'true',
            },
          },
          { clientId: 'spa', publicClient: true, redirectUris: [REDIRECT], directAccessGrantsEnabled: true },
          { clientId: 'backend', publicClient: false, secret: 'backend-secret', redirectUris: [REDIRECT], directAccessGrantsEnabled: true },
          {
            clientId: 'nonce-app', publicClient: false, secret: 'nonce-secret', serviceAccountsEnabled: true,
            attributes: { 'dpop.nonce.required': 'true' },
          },
          {
            clientId: 'strict', publicClient: false, secret: 'strict-secret', serviceAccountsEnabled: true, directAccessGrantsEnabled: true,
            attributes: { 'dpop.bound.access.tokens': 'true' },
          },
        ],
        users: [{
          username: 'alice', enabled: true, email: 'alice@example.com', firstName: 'Alice', lastName: 'Liddell',
          credentials: [{ type: 'password', value: 'alice-pw' }],
        }],
      }],
    });
  });
  after(async () => {
    await server?.stop();
    await jwks?.stop();
  });

  const issuer = () => server.issuer(REALM);
  /** The URL a proof names: the issuer's (localhost), as discovery advertises it. */
  const htu = (path: string) => `${issuer()}/protocol/openid-connect/${path}`;
  /** Where the test sends requests: the same server, reached on 127.0.0.1. */
  const at = (path: string) => `${server.url}/realms/${REALM}/protocol/openid-connect/${path}`;

  const passwordGrant = async (clientId: string, key: ProofKey | undefined, headers: Record<string, string> = {}) =>
    postForm(at('token'), {
      grant_type: 'password', username: ALICE.username, password: ALICE.password, scope: 'openid',
      ...(clientId === 'spa' ? { client_id: 'spa' } : {}),
    }, {
      ...(clientId === 'backend' ? { authorization: basic('backend', 'backend-secret') } : {}),
      ...(clientId === 'strict' ? { authorization: basic('strict', 'strict-secret') } : {}),
      ...(key ? { dpop: await proof(key, 'POST', htu('token')) } : {}),
      ...headers,
    });

  it('discovery lists the algorithms DPoP proofs may use', async () => {
    const meta = (await send(`${server.url}/realms/${REALM}/.well-known/openid-configuration`)).json;
    for (const alg of ['ES256', 'PS256', 'EdDSA', 'RS256']) assert.ok(meta.dpop_signing_alg_values_supported.includes(alg), alg);
    assert.ok(!meta.dpop_signing_alg_values_supported.includes('HS256'), 'no symmetric algorithm');
  });

  it('openid-client: PAR + JAR + DPoP + private_key_jwt in one code flow, refresh with the same key, userinfo and introspection', async () => {
    const config = await client.discovery(new URL(issuer()), 'fapi-app', {}, client.PrivateKeyJwt(clientKey),
      { execute: [client.allowInsecureRequests] });
    const dpopKeys = await client.randomDPoPKeyPair('ES256');
    const DPoP = client.getDPoPHandle(config, dpopKeys);
    const jkt = await calculateJwkThumbprint(await exportJWK(dpopKeys.publicKey));

    const checks = { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: client.randomState(), expectedNonce: client.randomNonce() };
    const signed = await client.buildAuthorizationUrlWithJAR(config, {
      redirect_uri: REDIRECT, scope: 'openid', state: checks.expectedState, nonce: checks.expectedNonce, code_challenge_method: 'S256',
      code_challenge: await client.calculatePKCECodeChallenge(checks.pkceCodeVerifier),
    }, clientKey);
    // The proof sent with the push binds the code to the key (RFC 9449 §10.1).
    const pushed = await client.buildAuthorizationUrlWithPAR(config, signed.searchParams, { DPoP });

    const back = await new HttpBrowser().authorize(pushed.href, ALICE);
    assert.ok(back.location?.startsWith(REDIRECT), `${back.status} ${back.text.slice(0, 300)}`);
    const tokens = await client.authorizationCodeGrant(config, new URL(back.location!), checks, undefined, { DPoP });
    assert.equal(tokens.token_type.toLowerCase(), 'dpop');
    assert.deepEqual(claimsOf(tokens.access_token).cnf, { jkt });

    const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub, { DPoP });
    assert.equal(info.preferred_username, 'alice');

    const introspected = await client.tokenIntrospection(config, tokens.access_token);
    assert.equal(introspected.active, true);
    assert.deepEqual(introspected.cnf, { jkt });
    assert.equal(introspected.token_type, 'DPoP');

    // A confidential client's refresh token is not bound (RFC 9449 §5), but this client must
    // bind every access token: the same key makes a new one.
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
    assert.deepEqual(claimsOf(refreshed.access_token).cnf, { jkt });
    assert.equal(claimsOf(tokens.refresh_token!).cnf, undefined);
  });

  it('a code bound by the push is redeemed only with a proof of that key', async () => {
    const config = await client.discovery(new URL(issuer()), 'fapi-app', {}, client.PrivateKeyJwt(clientKey),
      { execute: [client.allowInsecureRequests] });
    const bound = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const other = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const verifier = client.randomPKCECodeVerifier();
    const signed = await client.buildAuthorizationUrlWithJAR(config, {
      redirect_uri: REDIRECT, scope: 'openid', state: 's1', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }, clientKey);
    const pushed = await client.buildAuthorizationUrlWithPAR(config, signed.searchParams, { DPoP: bound });
    const back = await new HttpBrowser().authorize(pushed.href, ALICE);
    await assert.rejects(client.authorizationCodeGrant(config, new URL(back.location!), { pkceCodeVerifier: verifier, expectedState: 's1' }, undefined, { DPoP: other }),
      (err: any) => err.error === 'invalid_dpop_proof');
  });

  it('dpop_jkt at the authorization endpoint binds the code to that key', async () => {
    const key = await proofKey();
    const stranger = await proofKey();
    const verifier = client.randomPKCECodeVerifier();
    const url = new URL(at('auth'));
    for (const [k, v] of Object.entries({
      client_id: 'spa', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 's2', dpop_jkt: key.jkt,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    })) url.searchParams.set(k, v);
    const back = await new HttpBrowser().authorize(url.href, ALICE);
    const { code } = responseParams(back);
    assert.ok(code, `${back.status} ${back.location}`);
    const exchange = async (k: ProofKey | undefined) => postForm(at('token'), {
      grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: REDIRECT, code_verifier: verifier,
    }, k ? { dpop: await proof(k, 'POST', htu('token')) } : {});
    assertProtocolError(await exchange(undefined), 400, 'invalid_dpop_proof', 'no proof');
    assertProtocolError(await exchange(stranger), 400, 'invalid_dpop_proof', 'another key');
    const redeemed = await exchange(key);
    assert.equal(redeemed.status, 200, redeemed.text);
    assert.deepEqual(claimsOf(redeemed.json.access_token).cnf, { jkt: key.jkt });

    const bad = new URL(url);
    bad.searchParams.set('dpop_jkt', 'not-a-thumbprint');
    const refused = await new HttpBrowser().request(bad.href);
    assert.equal(responseParams(refused).error, 'invalid_request');
  });

  it('a public client\'s refresh token is bound to its key; a refresh without it is refused', async () => {
    const key = await proofKey('EdDSA');
    const res = await postForm(at('token'), { grant_type: 'password', client_id: 'spa', username: 'alice', password: 'alice-pw', scope: 'openid' },
      { dpop: await proof(key, 'POST', htu('token'), {}, 'EdDSA') });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.token_type, 'DPoP');
    const refresh = async (headers: Record<string, string>) =>
      postForm(at('token'), { grant_type: 'refresh_token', client_id: 'spa', refresh_token: res.json.refresh_token }, headers);
    assertProtocolError(await refresh({}), 400, 'invalid_dpop_proof', 'no proof');
    const stranger = await proofKey();
    assertProtocolError(await refresh({ dpop: await proof(stranger, 'POST', htu('token')) }), 400, 'invalid_dpop_proof', 'another key');
    const good = await refresh({ dpop: await proof(key, 'POST', htu('token'), {}, 'EdDSA') });
    assert.equal(good.status, 200, good.text);
    assert.deepEqual(claimsOf(good.json.access_token).cnf, { jkt: key.jkt });
    const introspected = await postForm(at('token/introspect'), { token: good.json.refresh_token }, { authorization: basic('backend', 'backend-secret') });
    assert.equal(introspected.json.active, true, introspected.text);
    assert.deepEqual(introspected.json.cnf, { jkt: key.jkt }, 'the refresh token\'s binding');

    // Without DPoP the same client gets plain bearer tokens, refreshed without proofs.
    const plain = await passwordGrant('spa', undefined);
    assert.equal(plain.json.token_type, 'Bearer');
    const again = await postForm(at('token'), { grant_type: 'refresh_token', client_id: 'spa', refresh_token: plain.json.refresh_token });
    assert.equal(again.status, 200, again.text);
  });

  it('a replayed proof, a wrong htm or htu, a private key or a bad signature are refused at the token endpoint', async () => {
    const key = await proofKey();
    const once = await proof(key, 'POST', htu('token'));
    assert.equal((await passwordGrant('backend', undefined, { dpop: once })).status, 200);
    const replay = await passwordGrant('backend', undefined, { dpop: once });
    assertProtocolError(replay, 400, 'invalid_dpop_proof', 'replayed jti');
    assert.match(replay.json.error_description, /used before/);

    const wrongHtm = await passwordGrant('backend', undefined, { dpop: await proof(key, 'GET', htu('token')) });
    assertProtocolError(wrongHtm, 400, 'invalid_dpop_proof', 'htm');
    assert.match(wrongHtm.json.error_description, /htm/);
    const wrongHtu = await passwordGrant('backend', undefined, { dpop: await proof(key, 'POST', htu('userinfo')) });
    assertProtocolError(wrongHtu, 400, 'invalid_dpop_proof', 'htu');
    assert.match(wrongHtu.json.error_description, /htu/);
    // htu is compared without its query (RFC 9449 §4.3).
    const withQuery = await passwordGrant('backend', undefined, { dpop: await proof(key, 'POST', `${htu('token')}?x=1`) });
    assert.equal(withQuery.status, 200, withQuery.text);

    const old = await proof(key, 'POST', htu('token'), { iat: Math.floor(Date.now() / 1000) - 600 });
    assertProtocolError(await passwordGrant('backend', undefined, { dpop: old }), 400, 'invalid_dpop_proof', 'an old proof');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const leaky = await new SignJWT({ htm: 'POST', htu: htu('token'), jti: randomUUID(), iat: Math.floor(Date.now() / 1000) })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: privateJwk }).sign(privateKey);
    assertProtocolError(await passwordGrant('backend', undefined, { dpop: leaky }), 400, 'invalid_dpop_proof', 'a private key in the header');
    const untyped = await new SignJWT({ htm: 'POST', htu: htu('token'), jti: randomUUID(), iat: Math.floor(Date.now() / 1000) })
      .setProtectedHeader({ alg: 'ES256', jwk: key.jwk }).sign(key.privateKey);
    assertProtocolError(await passwordGrant('backend', undefined, { dpop: untyped }), 400, 'invalid_dpop_proof', 'typ');
  });

  it('a client with dpop.bound.access.tokens must send a proof', async () => {
    const refused = await passwordGrant('strict', undefined);
    assertProtocolError(refused, 400, 'invalid_dpop_proof');
    assert.match(refused.json.error_description, /missing/);
    const key = await proofKey();
    const ok = await postForm(at('token'), { grant_type: 'client_credentials' },
      { authorization: basic('strict', 'strict-secret'), dpop: await proof(key, 'POST', htu('token')) });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.token_type, 'DPoP');
  });

  it('server nonces: a client that must use them is told use_dpop_nonce with the nonce, and openid-client retries with it', async () => {
    const key = await proofKey();
    const grant = async (claims: Record<string, unknown>) => postForm(at('token'), { grant_type: 'client_credentials' },
      { authorization: basic('nonce-app', 'nonce-secret'), dpop: await proof(key, 'POST', htu('token'), claims) });
    const first = await grant({});
    assertProtocolError(first, 400, 'use_dpop_nonce');
    const nonce = first.headers.get('dpop-nonce');
    assert.ok(nonce, 'a DPoP-Nonce header');
    assertProtocolError(await grant({ nonce: 'made-up' }), 400, 'use_dpop_nonce', 'a nonce not ours');
    const second = await grant({ nonce });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json.token_type, 'DPoP');
    assert.ok(second.headers.get('dpop-nonce'));

    const config = await client.discovery(new URL(issuer()), 'nonce-app', 'nonce-secret', client.ClientSecretBasic('nonce-secret'),
      { execute: [client.allowInsecureRequests] });
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const tokens = await client.clientCredentialsGrant(config, {}, { DPoP });
    assert.equal(tokens.token_type.toLowerCase(), 'dpop');
  });

  it('userinfo takes a bound token with the DPoP scheme and a proof, and refuses it as Bearer', async () => {
    const key = await proofKey();
    const res = await passwordGrant('backend', key);
    const token = res.json.access_token;
    assert.equal(res.json.token_type, 'DPoP');
    assert.equal(res.json.refresh_token && claimsOf(res.json.refresh_token).typ, 'Refresh');

    const asBearer = await send(at('userinfo'), { headers: { authorization: `Bearer ${token}` } });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get('www-authenticate')!, /^DPoP error="invalid_token"/);
    assert.match(asBearer.headers.get('www-authenticate')!, /algs="[^"]*ES256/);

    const ath = await sha256(token);
    const good = await send(at('userinfo'), {
      headers: { authorization: `DPoP ${token}`, dpop: await proof(key, 'GET', htu('userinfo'), { ath }) },
    });
    assert.equal(good.status, 200, good.text);
    assert.equal(good.json.preferred_username, 'alice');

    const noAth = await send(at('userinfo'), { headers: { authorization: `DPoP ${token}`, dpop: await proof(key, 'GET', htu('userinfo')) } });
    assert.equal(noAth.status, 401);
    assert.match(noAth.headers.get('www-authenticate')!, /^DPoP error="invalid_dpop_proof"/);
    const stranger = await proofKey();
    const otherKey = await send(at('userinfo'), {
      headers: { authorization: `DPoP ${token}`, dpop: await proof(stranger, 'GET', htu('userinfo'), { ath }) },
    });
    assert.match(otherKey.headers.get('www-authenticate')!, /invalid_dpop_proof/);
    const noProof = await send(at('userinfo'), { headers: { authorization: `DPoP ${token}` } });
    assert.match(noProof.headers.get('www-authenticate')!, /invalid_dpop_proof/);

    // An unbound token is no DPoP token.
    const plain = (await passwordGrant('backend', undefined)).json.access_token;
    const mislabelled = await send(at('userinfo'), {
      headers: { authorization: `DPoP ${plain}`, dpop: await proof(key, 'GET', htu('userinfo'), { ath: await sha256(plain) }) },
    });
    assert.equal(mislabelled.status, 401);
    assert.match(mislabelled.headers.get('www-authenticate')!, /^DPoP error="invalid_token"/);
  });

  it('the account API takes a DPoP-bound token with its proof', async () => {
    const key = await proofKey();
    const res = await passwordGrant('backend', key);
    const token = res.json.access_token;
    const account = `${server.url}/realms/${REALM}/account`;
    const bearer = await send(account, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    assert.equal(bearer.status, 401);
    assert.match(bearer.headers.get('www-authenticate')!, /^DPoP /);
    const dpop = await send(account, {
      headers: { authorization: `DPoP ${token}`, accept: 'application/json', dpop: await proof(key, 'GET', `${issuer()}/account`, { ath: await sha256(token) }) },
    });
    // Past the binding: what remains is the account API's own audience rule.
    assert.notEqual(dpop.status, 401, dpop.text);
  });

  it('the admin API takes an administrator\'s DPoP-bound token with its proof, and refuses it as Bearer', async () => {
    const key = await proofKey();
    const masterToken = `${server.url}/realms/master/protocol/openid-connect/token`;
    const res = await postForm(masterToken, { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: ADMIN_PASSWORD },
      { dpop: await proof(key, 'POST', `${server.issuer('master')}/protocol/openid-connect/token`) });
    assert.equal(res.status, 200, res.text);
    const token = res.json.access_token;
    const realms = `${server.url}/admin/realms`;
    const asBearer = await send(realms, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get('www-authenticate')!, /^DPoP error="invalid_token"/);
    const htuOf = new URL('/admin/realms', server.issuer('master')).href;
    const ok = await send(realms, { headers: { authorization: `DPoP ${token}`, dpop: await proof(key, 'GET', htuOf, { ath: await sha256(token) }) } });
    assert.equal(ok.status, 200, ok.text);
    const replayedElsewhere = await send(realms, { headers: { authorization: `DPoP ${token}`, dpop: await proof(key, 'GET', htu('userinfo'), { ath: await sha256(token) }) } });
    assert.equal(replayedElsewhere.status, 401);
  });
});

// The bindings are columns of their own (codes, refresh tokens): kept on PostgreSQL as on SQLite.
const postgres = backends.find((b) => b.name === 'PostgreSQL')!;
describe('DPoP bindings on PostgreSQL', { skip: postgres.skip }, () => {
  let server: TestServer;
  let stop: () => Promise<void>;
  before(async () => {
    ({ server, stop } = await postgres.start({
      realms: [{
        realm: REALM, enabled: true,
        clients: [{ clientId: 'spa', publicClient: true, redirectUris: [REDIRECT] }],
        users: [{ username: 'alice', enabled: true, credentials: [{ type: 'password', value: 'alice-pw' }] }],
      }],
    }));
  });
  after(async () => { await stop?.(); });

  it('a code bound by dpop_jkt and the public client\'s refresh token keep their key', async () => {
    const key = await proofKey();
    const htu = `${server.issuer(REALM)}/protocol/openid-connect/token`;
    const token = `${server.url}/realms/${REALM}/protocol/openid-connect/token`;
    const verifier = client.randomPKCECodeVerifier();
    const url = new URL(`${server.url}/realms/${REALM}/protocol/openid-connect/auth`);
    for (const [k, v] of Object.entries({
      client_id: 'spa', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', dpop_jkt: key.jkt,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    })) url.searchParams.set(k, v);
    const { code } = responseParams(await new HttpBrowser().authorize(url.href, ALICE));
    const exchange = { grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: REDIRECT, code_verifier: verifier };
    assertProtocolError(await postForm(token, exchange, { dpop: await proof(await proofKey(), 'POST', htu) }), 400, 'invalid_dpop_proof');
    const tokens = await postForm(token, exchange, { dpop: await proof(key, 'POST', htu) });
    assert.equal(tokens.status, 200, tokens.text);
    const refresh = { grant_type: 'refresh_token', client_id: 'spa', refresh_token: tokens.json.refresh_token };
    assertProtocolError(await postForm(token, refresh), 400, 'invalid_dpop_proof');
    assert.equal((await postForm(token, refresh, { dpop: await proof(key, 'POST', htu) })).status, 200);
  });
});
