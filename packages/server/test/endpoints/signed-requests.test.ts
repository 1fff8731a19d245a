// Signed client authentication (RFC 7523: private_key_jwt, client_secret_jwt), pushed
// authorization requests (RFC 9126) and request objects (RFC 9101) against a real server,
// openid-client 6 as the relying party and test/helpers/http-browser.ts as the browser.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SignJWT, exportJWK, generateKeyPair, importPKCS8, type CryptoKey, type JWK } from 'jose';
import { adminApi, assertAdminError, masterAdminToken } from '../admin/fixture.js';
import { assertProtocolError, send } from '../helpers/http.js';
import { HttpBrowser, isLoginPage, responseParams, type HttpPage } from '../helpers/http-browser.js';
import { claimsOf, client } from '../helpers/oidc.js';
import { PATIENCE_MS, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'signed';
const REDIRECT = 'https://app.example/cb';
const ALICE = { username: 'alice', password: 'alice-pw' };
const SECRET_JWT_SECRET = 'a-shared-secret-of-the-secret-jwt-client-0123456789';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface KeyPair { privateKey: CryptoKey; publicJwk: JWK; kid: string }

async function keyPair(alg: 'ES256' | 'PS256' | 'EdDSA' | 'RS256', kid = randomUUID()): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, kid };
}

/** A key and its self-signed certificate, as Keycloak keeps a client's in jwt.credential.certificate (base64 DER). */
async function certified(): Promise<{ key: KeyPair; pssKey: KeyPair; certificate: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=cert-client'], { stdio: 'ignore' });
    const pem = readFileSync(join(dir, 'key.pem'), 'utf8');
    const certificate = readFileSync(join(dir, 'cert.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, '');
    return {
      key: { privateKey: await importPKCS8(pem, 'RS256'), publicJwk: {}, kid: 'cert' },
      pssKey: { privateKey: await importPKCS8(pem, 'PS256'), publicJwk: {}, kid: 'cert' },
      certificate,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The clients' side: their JWKS URLs, where what each path serves can change (key rotation)
 * and fetches are counted, and their request objects by reference.
 */
class ClientHost {
  readonly sets = new Map<string, JWK[]>();
  readonly requestObjects = new Map<string, string>();
  readonly fetches = new Map<string, number>();
  private server!: Server;
  port = 0;

  async start() {
    this.server = createServer((req, res) => {
      const path = req.url ?? '';
      this.fetches.set(path, (this.fetches.get(path) ?? 0) + 1);
      const object = this.requestObjects.get(path);
      if (object) return res.writeHead(200, { 'content-type': 'application/oauth-authz-req+jwt' }).end(object);
      const keys = this.sets.get(path);
      res.writeHead(keys ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys ?? [] }));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  url(path: string) { return `http://127.0.0.1:${this.port}${path}`; }
  stop() { return new Promise<void>((r) => this.server.close(() => r())); }
}

describe('signed client authentication, PAR and JAR', { concurrency: true }, () => {
  let server: TestServer;
  /** A server whose outbound requests may not reach private addresses, as in production. */
  let guarded: TestServer;
  const jwks = new ClientHost();
  let fapiKey: KeyPair;
  let rotatingKey: KeyPair;
  let jarKey: KeyPair;
  let strangerKey: KeyPair;
  let cert: { key: KeyPair; pssKey: KeyPair; certificate: string };

  before(async () => {
    [fapiKey, rotatingKey, jarKey, strangerKey, cert] = await Promise.all([
      keyPair('ES256'), keyPair('PS256'), keyPair('EdDSA'), keyPair('EdDSA'), certified(),
    ]);
    await jwks.start();
    jwks.sets.set('/fapi', [fapiKey.publicJwk]);
    jwks.sets.set('/rotating', [rotatingKey.publicJwk]);
    [guarded, server] = await Promise.all([startServer({
      args: ['--allow-private-outbound', 'false'],
      realms: [{
        realm: REALM, enabled: true,
        clients: [
          {
            clientId: 'guarded-jwt', publicClient: false, clientAuthenticatorType: 'client-jwt', serviceAccountsEnabled: true,
            standardFlowEnabled: false, attributes: { 'use.jwks.url': 'true', 'jwks.url': jwks.url('/guarded') },
          },
          { clientId: 'guarded-jar', publicClient: false, secret: 'guarded-secret', redirectUris: [REDIRECT], attributes: { 'request.uris': jwks.url('/guarded-requests/*') } },
        ],
      }],
    }), startServer({
      realms: [{
        realm: REALM, enabled: true, eventsEnabled: true,
        clients: [
          { clientId: 'par-events', publicClient: false, secret: 'par-events-secret', redirectUris: [REDIRECT] },
          {
            // PAR, a request object and private_key_jwt, all required.
            clientId: 'fapi-app', publicClient: false, clientAuthenticatorType: 'client-jwt', redirectUris: [REDIRECT],
            attributes: {
              'use.jwks.url': 'true', 'jwks.url': jwks.url('/fapi'), 'require.pushed.authorization.requests': 'true',
              'request.object.required': 'request only', 'pkce.code.challenge.method': 'S256',
            },
          },
          {
            clientId: 'rotating', publicClient: false, clientAuthenticatorType: 'client-jwt', serviceAccountsEnabled: true,
            standardFlowEnabled: false, attributes: { 'use.jwks.url': 'true', 'jwks.url': jwks.url('/rotating') },
          },
          {
            // Keycloak's default for client-jwt: the certificate of its Keys tab.
            clientId: 'cert-client', publicClient: false, clientAuthenticatorType: 'client-jwt', serviceAccountsEnabled: true,
            standardFlowEnabled: false, attributes: { 'jwt.credential.certificate': cert.certificate, 'token.endpoint.auth.signing.alg': 'RS256' },
          },
          {
            clientId: 'secret-jwt', publicClient: false, clientAuthenticatorType: 'client-secret-jwt', secret: SECRET_JWT_SECRET,
            serviceAccountsEnabled: true, standardFlowEnabled: false,
          },
          {
            // Authenticates with its secret; signs its request objects with its key.
            clientId: 'jar-app', publicClient: false, secret: 'jar-secret', redirectUris: [REDIRECT],
            attributes: {
              'use.jwks.string': 'true', 'jwks.string': JSON.stringify({ keys: [jarKey.publicJwk] }), 'request.uris': jwks.url('/requests/*'),
            },
          },
          {
            clientId: 'unsigned-ok', publicClient: false, secret: 'unsigned-secret', redirectUris: [REDIRECT],
            attributes: { 'request.object.signature.alg': 'none' },
          },
        ],
        users: [{ username: 'alice', enabled: true, credentials: [{ type: 'password', value: 'alice-pw' }] }],
      }, {
        // Keycloak's realm attribute: request_uris of this realm work for two seconds.
        realm: 'par-short', enabled: true, attributes: { parRequestUriLifespan: '2' },
        clients: [{ clientId: 'app', publicClient: false, secret: 'app-secret', redirectUris: [REDIRECT] }],
      }],
    })]);
  });
  after(async () => {
    await guarded?.stop();
    await server?.stop();
    await jwks.stop();
  });

  const endpoint = (path: string) => realmUrl(server, REALM, `/protocol/openid-connect/${path}`);
  const issuer = () => server.issuer(REALM);
  const discover = (clientId: string, auth: client.ClientAuth) =>
    client.discovery(new URL(issuer()), clientId, {}, auth, { execute: [client.allowInsecureRequests] });

  /** A client assertion as RFC 7523 §3 has it, with what a case changes. */
  function assertion(clientId: string, key: KeyPair, alg: string, changes: Record<string, unknown> = {}) {
    const at = Math.floor(Date.now() / 1000);
    const claims = { iss: clientId, sub: clientId, aud: issuer(), jti: randomUUID(), iat: at, exp: at + 60, ...changes };
    return new SignJWT(claims).setProtectedHeader({ alg, kid: key.kid }).sign(key.privateKey);
  }

  const clientCredentialsWith = (jwt: string) =>
    postForm(endpoint('token'), { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: jwt });

  const requestObject = (key: KeyPair, claims: Record<string, unknown>, alg = 'EdDSA') =>
    new SignJWT({ iss: 'jar-app', aud: issuer(), client_id: 'jar-app', response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', ...claims })
      .setProtectedHeader({ alg, kid: key.kid }).setIssuedAt().setExpirationTime('2m').setJti(randomUUID()).sign(key.privateKey);

  const unsigned = (claims: Record<string, unknown>) =>
    `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

  const push = (clientId: string, secret: string, params: Record<string, string>) =>
    postForm(endpoint('ext/par/request'), { client_id: clientId, client_secret: secret, ...params });

  function assertErrorPage(page: HttpPage, message: RegExp, what: string) {
    assert.equal(page.status, 400, `${what}: ${page.status} ${page.location ?? ''}`);
    assert.equal(page.location, undefined, `${what}: no redirect`);
    assert.match(page.text, /id="kc-error-message"/, what);
    assert.match(page.text, message, what);
  }

  it('discovery lists the PAR endpoint, the signed authentication methods and request objects', async () => {
    const meta = (await send(realmUrl(server, REALM, '/.well-known/openid-configuration'))).json;
    assert.equal(meta.pushed_authorization_request_endpoint, endpoint('ext/par/request').replace('127.0.0.1', 'localhost'));
    for (const method of ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt']) {
      assert.ok(meta.token_endpoint_auth_methods_supported.includes(method), method);
      assert.ok(meta.introspection_endpoint_auth_methods_supported.includes(method), method);
    }
    for (const alg of ['RS256', 'ES256', 'PS256', 'EdDSA']) {
      assert.ok(meta.request_object_signing_alg_values_supported.includes(alg), alg);
      assert.ok(meta.token_endpoint_auth_signing_alg_values_supported.includes(alg), alg);
    }
    assert.ok(meta.token_endpoint_auth_signing_alg_values_supported.includes('HS256'));
    assert.equal(meta.request_parameter_supported, true);
    assert.equal(meta.request_uri_parameter_supported, true);
    assert.equal(meta.require_pushed_authorization_requests, false);
  });

  it('openid-client: PAR + JAR + private_key_jwt in one code flow, then introspection and revocation', async () => {
    const config = await discover('fapi-app', client.PrivateKeyJwt({ key: fapiKey.privateKey, kid: fapiKey.kid }));
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const signed = await client.buildAuthorizationUrlWithJAR(config, {
      redirect_uri: REDIRECT, scope: 'openid', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }, { key: fapiKey.privateKey, kid: fapiKey.kid });
    assert.ok(signed.searchParams.get('request'), 'a request object');
    const pushed = await client.buildAuthorizationUrlWithPAR(config, signed.searchParams);
    const requestUri = pushed.searchParams.get('request_uri')!;
    assert.match(requestUri, /^urn:ietf:params:oauth:request_uri:/);
    assert.deepEqual([...pushed.searchParams.keys()].sort(), ['client_id', 'request_uri']);

    const browser = new HttpBrowser();
    const back = await browser.authorize(pushed.href, ALICE);
    assert.ok(back.location?.startsWith(REDIRECT), `${back.status} ${back.text.slice(0, 300)}`);
    assert.ok(responseParams(back).code, JSON.stringify(responseParams(back)));
    const tokens = await client.authorizationCodeGrant(config, new URL(back.location!), {
      pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce,
    });
    assert.ok([tokens.claims()?.aud].flat().includes('fapi-app'), 'an ID token for the client');
    assert.equal(claimsOf(tokens.access_token).preferred_username, 'alice');

    const introspected = await client.tokenIntrospection(config, tokens.access_token);
    assert.equal(introspected.active, true);
    await client.tokenRevocation(config, tokens.refresh_token!);
    const refresh = await client.tokenIntrospection(config, tokens.refresh_token!);
    assert.equal(refresh.active, false, 'revoked');

    // The request_uri was used: a second visit is refused, on a page (no redirect URI is known).
    assertErrorPage(await new HttpBrowser().visit(pushed.href), /request_uri|used/i, 'a replayed request_uri');
  });

  it('a client that must push its requests gets an error for a plain one', async () => {
    const plain = new URL(endpoint('auth'));
    for (const [k, v] of Object.entries({ client_id: 'fapi-app', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 'st-1' })) {
      plain.searchParams.set(k, v);
    }
    const page = await new HttpBrowser().request(plain.href);
    assert.ok(page.location?.startsWith(REDIRECT), `${page.status} ${page.text.slice(0, 200)}`);
    const params = responseParams(page);
    assert.equal(params.error, 'invalid_request');
    assert.match(params.error_description, /push/i);
    assert.equal(params.state, 'st-1');
  });

  it('an expired request_uri is refused', async () => {
    const res = await push('jar-app', 'jar-secret', { response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: 'st-2' });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.expires_in, 60);
    const db = new Database(join(server.dataDir, 'latchkey.db'), { fileMustExist: true });
    try {
      // A minute passes: the request is still there, but its time is up.
      const id = createHash('sha256').update(res.json.request_uri).digest('base64url');
      assert.equal(db.prepare('update pushed_requests set expires_at = expires_at - 61 where id = ?').run(id).changes, 1, 'stored by its hash');
    } finally {
      db.close();
    }
    const url = `${endpoint('auth')}?${new URLSearchParams({ client_id: 'jar-app', request_uri: res.json.request_uri })}`;
    assertErrorPage(await new HttpBrowser().visit(url), /expired/i, 'an expired request_uri');
  });

  it('the realm\'s parRequestUriLifespan bounds a request_uri, in the admin API too', async () => {
    const admin = adminApi(server, await masterAdminToken(server));
    assert.equal((await admin.get(`/realms/${REALM}`)).json.attributes.parRequestUriLifespan, '60', 'Keycloak\'s default');
    assert.equal((await admin.get('/realms/par-short')).json.attributes.parRequestUriLifespan, '2');
    const res = await postForm(realmUrl(server, 'par-short', '/protocol/openid-connect/ext/par/request'),
      { client_id: 'app', client_secret: 'app-secret', response_type: 'code', redirect_uri: REDIRECT, scope: 'openid' });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.expires_in, 2);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const url = `${realmUrl(server, 'par-short', '/protocol/openid-connect/auth')}?${new URLSearchParams({ client_id: 'app', request_uri: res.json.request_uri })}`;
    assertErrorPage(await new HttpBrowser().visit(url), /expired/i, 'a request_uri past the realm\'s lifespan');

    const bad = await admin.put('/realms/par-short', { attributes: { parRequestUriLifespan: '0' } });
    assert.equal(bad.status, 400, bad.text);
    assert.equal((await admin.put('/realms/par-short', { attributes: { parRequestUriLifespan: '90' } })).status, 204);
    assert.equal((await admin.get('/realms/par-short')).json.attributes.parRequestUriLifespan, '90');
  });

  it('a request_uri is the pushing client\'s only, and PAR refuses a bad client or request', async () => {
    const res = await push('jar-app', 'jar-secret', { response_type: 'code', redirect_uri: REDIRECT, scope: 'openid' });
    assert.equal(res.status, 201, res.text);
    const other = `${endpoint('auth')}?${new URLSearchParams({ client_id: 'unsigned-ok', request_uri: res.json.request_uri })}`;
    assertErrorPage(await new HttpBrowser().visit(other), /request_uri/i, 'another client\'s request_uri');

    assertProtocolError(await push('jar-app', 'wrong', { response_type: 'code', redirect_uri: REDIRECT }), 401, 'invalid_client');
    assertProtocolError(await push('jar-app', 'jar-secret', { response_type: 'code', redirect_uri: 'https://evil.example/cb' }), 400, 'invalid_request');
    assertProtocolError(await push('jar-app', 'jar-secret', { response_type: 'code', redirect_uri: REDIRECT, request_uri: res.json.request_uri }),
      400, 'invalid_request', 'a request_uri inside a pushed request');
  });

  it('request objects: signed by the client\'s key they pass; a wrong key, alg none or a replay do not', async () => {
    const good = await requestObject(jarKey, { state: 'st-3' });
    const pushed = await push('jar-app', 'jar-secret', { request: good });
    assert.equal(pushed.status, 201, pushed.text);
    assertProtocolError(await push('jar-app', 'jar-secret', { request: good }), 400, 'invalid_request_object', 'a replayed request object');

    // By value at the authorization endpoint, without PAR: its parameters are the request's.
    const byValue = await requestObject(jarKey, { state: 'st-4' });
    const login = await new HttpBrowser().visit(`${endpoint('auth')}?${new URLSearchParams({ client_id: 'jar-app', request: byValue })}`);
    assert.ok(isLoginPage(login), `${login.status} ${login.text.slice(0, 300)}`);

    const forged = await requestObject({ ...strangerKey, kid: jarKey.kid }, { state: 'st-5' });
    const wrongKey = await push('jar-app', 'jar-secret', { request: forged });
    assertProtocolError(wrongKey, 400, 'invalid_request_object', 'signed with a key not the client\'s');
    assert.match(wrongKey.json.error_description, /signature/);

    const none = unsigned({ iss: 'jar-app', aud: issuer(), client_id: 'jar-app', response_type: 'code', redirect_uri: REDIRECT, scope: 'openid' });
    const refused = await push('jar-app', 'jar-secret', { request: none });
    assertProtocolError(refused, 400, 'invalid_request_object', 'alg none');
    assert.match(refused.json.error_description, /none/);
    // At the authorization endpoint, the error goes to the request's own (registered) redirect URI.
    const front = await new HttpBrowser().request(`${endpoint('auth')}?${new URLSearchParams({
      client_id: 'jar-app', request: none, redirect_uri: REDIRECT, response_type: 'code', state: 'st-6' })}`);
    assert.equal(responseParams(front).error, 'invalid_request_object');
    assert.equal(responseParams(front).state, 'st-6');

    const mismatched = await requestObject(jarKey, { client_id: 'unsigned-ok' });
    assertProtocolError(await push('jar-app', 'jar-secret', { request: mismatched }), 400, 'invalid_request_object', 'another client_id');

    // A client whose request.object.signature.alg is none may send them unsigned.
    const allowed = await push('unsigned-ok', 'unsigned-secret', {
      request: unsigned({ client_id: 'unsigned-ok', response_type: 'code', redirect_uri: REDIRECT, scope: 'openid' }),
    });
    assert.equal(allowed.status, 201, allowed.text);
  });

  it('request objects by reference: fetched from a request_uri the client registered, and from nowhere else', async () => {
    jwks.requestObjects.set('/requests/1', await requestObject(jarKey, { state: 'st-7' }));
    const auth = (requestUri: string) => `${endpoint('auth')}?${new URLSearchParams({ client_id: 'jar-app', request_uri: requestUri })}`;
    const login = await new HttpBrowser().visit(auth(jwks.url('/requests/1')));
    assert.ok(isLoginPage(login), `${login.status} ${login.text.slice(0, 300)}`);
    assert.equal(jwks.fetches.get('/requests/1'), 1);

    assertErrorPage(await new HttpBrowser().visit(auth(jwks.url('/elsewhere/1'))), /request_uri/, 'not registered');
    assert.equal(jwks.fetches.get('/elsewhere/1'), undefined, 'never fetched');
    assertErrorPage(await new HttpBrowser().visit(auth(jwks.url('/requests/missing'))), /404/, 'not there');
    const unregistered = `${endpoint('auth')}?${new URLSearchParams({ client_id: 'unsigned-ok', request_uri: jwks.url('/requests/1') })}`;
    assertErrorPage(await new HttpBrowser().visit(unregistered), /request URIs/, 'a client that registered none');
  });

  it('pushes are recorded as Keycloak\'s PUSHED_AUTHORIZATION_REQUEST events, refused ones as _ERROR', async () => {
    assert.equal((await push('par-events', 'par-events-secret', { response_type: 'code', redirect_uri: REDIRECT, scope: 'openid' })).status, 201);
    assert.equal((await push('par-events', 'par-events-secret', { response_type: 'code', redirect_uri: 'https://evil.example/' })).status, 400);
    const admin = adminApi(server, await masterAdminToken(server));
    const query = `/realms/${REALM}/events?client=par-events&type=PUSHED_AUTHORIZATION_REQUEST&type=PUSHED_AUTHORIZATION_REQUEST_ERROR`;
    let events: Array<Record<string, any>> = [];
    // Events are written in batches, off the request's path.
    for (const deadline = Date.now() + PATIENCE_MS; events.length < 2 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 100));
      events = (await admin.get(query)).json;
    }
    assert.deepEqual(events.map((e) => [e.type, e.error, e.details?.client_auth_method]).sort(), [
      ['PUSHED_AUTHORIZATION_REQUEST', undefined, 'client_secret_post'],
      ['PUSHED_AUTHORIZATION_REQUEST_ERROR', 'invalid_request', 'client_secret_post'],
    ]);
  });

  it('a client\'s JWKS URL and request_uri go through the SSRF guard: a private address is never fetched', async () => {
    jwks.sets.set('/guarded', [fapiKey.publicJwk]);
    jwks.requestObjects.set('/guarded-requests/1', 'eyJhbGciOiJub25lIn0.e30.');
    const at = Math.floor(Date.now() / 1000);
    const signed = await new SignJWT({ iss: 'guarded-jwt', sub: 'guarded-jwt', aud: guarded.issuer(REALM), jti: randomUUID(), iat: at, exp: at + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: fapiKey.kid }).sign(fapiKey.privateKey);
    const res = await postForm(realmUrl(guarded, REALM, '/protocol/openid-connect/token'),
      { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: signed });
    assertProtocolError(res, 401, 'invalid_client', 'keys on a private address');
    assert.match(res.json.error_description, /could not be read/);
    assert.doesNotMatch(res.json.error_description, /127\.0\.0\.1/, 'the address is not told');

    const page = await new HttpBrowser().visit(`${realmUrl(guarded, REALM, '/protocol/openid-connect/auth')}?${new URLSearchParams({
      client_id: 'guarded-jar', request_uri: jwks.url('/guarded-requests/1') })}`);
    assertErrorPage(page, /could not be fetched/, 'a request_uri on a private address');
    assert.equal(jwks.fetches.get('/guarded'), undefined, 'the JWKS was never fetched');
    assert.equal(jwks.fetches.get('/guarded-requests/1'), undefined, 'the request object was never fetched');
  });

  it('client_secret_jwt at the token endpoint, with openid-client; the secret alone is refused', async () => {
    const config = await discover('secret-jwt', client.ClientSecretJwt(SECRET_JWT_SECRET));
    const tokens = await client.clientCredentialsGrant(config);
    assert.equal(claimsOf(tokens.access_token).azp, 'secret-jwt');
    const plain = await postForm(endpoint('token'), { grant_type: 'client_credentials', client_id: 'secret-jwt', client_secret: SECRET_JWT_SECRET });
    assertProtocolError(plain, 401, 'invalid_client', 'client_secret_post for a client-secret-jwt client');
  });

  it('client assertions: a replayed jti, an expired or too long-lived one, a wrong aud or key are refused', async () => {
    const first = await assertion('rotating', rotatingKey, 'PS256');
    assert.equal((await clientCredentialsWith(first)).status, 200);
    const replay = await clientCredentialsWith(first);
    assertProtocolError(replay, 401, 'invalid_client', 'replayed jti');
    assert.match(replay.json.error_description, /used before/);

    const at = Math.floor(Date.now() / 1000);
    const cases: Array<[string, Promise<string>, RegExp]> = [
      ['expired', assertion('rotating', rotatingKey, 'PS256', { iat: at - 600, exp: at - 300 }), /exp/],
      ['an hour long', assertion('rotating', rotatingKey, 'PS256', { exp: at + 3600 }), /60 s/],
      ['wrong aud', assertion('rotating', rotatingKey, 'PS256', { aud: 'https://elsewhere.example' }), /aud/],
      ['no jti', assertion('rotating', rotatingKey, 'PS256', { jti: undefined }), /jti/],
      ['another key', assertion('rotating', { ...strangerKey, kid: rotatingKey.kid }, 'EdDSA'), /./],
      ['signed with HS256', new SignJWT({ iss: 'rotating', sub: 'rotating', aud: issuer(), jti: randomUUID(), exp: at + 30 })
        .setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('guess')), /private_key_jwt/],
    ];
    for (const [what, jwt, reason] of cases) {
      const res = await clientCredentialsWith(await jwt);
      assertProtocolError(res, 401, 'invalid_client', what);
      assert.match(res.json.error_description, reason, what);
    }
    // A client with a certificate instead of a JWKS (Keycloak's default), with RS256.
    assert.equal((await clientCredentialsWith(await assertion('cert-client', cert.key, 'RS256'))).status, 200, 'certificate');
    const wrongCert = await clientCredentialsWith(await assertion('cert-client', rotatingKey, 'PS256'));
    assertProtocolError(wrongCert, 401, 'invalid_client', 'a key not the certificate\'s');
    // Its token.endpoint.auth.signing.alg is RS256: PS256 with the same key is refused.
    const otherAlg = await clientCredentialsWith(await assertion('cert-client', cert.pssKey, 'PS256'));
    assertProtocolError(otherAlg, 401, 'invalid_client', 'an algorithm other than the registered one');
    assert.match(otherAlg.json.error_description, /alg/);

    // The token endpoint's own URL is an audience too.
    const toEndpoint = await assertion('rotating', rotatingKey, 'PS256', { aud: `${issuer()}/protocol/openid-connect/token` });
    assert.equal((await clientCredentialsWith(toEndpoint)).status, 200);
  });

  it('a jwks.url that rotates: an unknown kid makes the server fetch the keys again', async () => {
    const first = await assertion('rotating', rotatingKey, 'PS256');
    assert.equal((await clientCredentialsWith(first)).status, 200);
    const fetched = jwks.fetches.get('/rotating') ?? 0;
    assert.ok(fetched >= 1);
    const next = await keyPair('ES256');
    jwks.sets.set('/rotating', [rotatingKey.publicJwk, next.publicJwk]);
    // Refetches are at most every 10 s (as Keycloak's): wait for the one the new kid brings.
    const deadline = Date.now() + PATIENCE_MS;
    let res;
    do {
      res = await clientCredentialsWith(await assertion('rotating', next, 'ES256'));
      if (res.status === 200) break;
      assert.match(res.json.error_description, /no applicable key/, res.text);
      await new Promise((r) => setTimeout(r, 500));
    } while (Date.now() < deadline);
    assert.equal(res.status, 200, res.text);
    assert.ok((jwks.fetches.get('/rotating') ?? 0) > fetched, 'fetched again');
  });

  it('admin API: clientAuthenticatorType and the attributes go in and come back; bad values are refused', async () => {
    const admin = adminApi(server, await masterAdminToken(server));
    const attributes = {
      'use.jwks.url': 'true', 'jwks.url': 'https://keys.example/jwks', 'token.endpoint.auth.signing.alg': 'PS256',
      'request.object.required': 'request or request_uri', 'request.object.signature.alg': 'ES256',
      'require.pushed.authorization.requests': 'true',
    };
    const id = await admin.create(`/realms/${REALM}/clients`, { clientId: 'admin-made', clientAuthenticatorType: 'client-jwt', attributes });
    const rep = (await admin.get(`/realms/${REALM}/clients/${id}`)).json;
    assert.equal(rep.clientAuthenticatorType, 'client-jwt');
    for (const [k, v] of Object.entries(attributes)) assert.equal(rep.attributes[k], v, k);

    // What the realm file brought goes back out in an export.
    const exported = (await admin.post(`/realms/${REALM}/partial-export?exportClients=true`)).json;
    const fapi = exported.clients.find((c: { clientId: string }) => c.clientId === 'fapi-app');
    assert.equal(fapi.clientAuthenticatorType, 'client-jwt');
    assert.equal(fapi.attributes['jwks.url'], jwks.url('/fapi'));
    assert.equal(fapi.attributes['request.object.required'], 'request only');
    assert.equal(exported.clients.find((c: { clientId: string }) => c.clientId === 'jar-app').clientAuthenticatorType, 'client-secret');

    assertAdminError(await admin.post(`/realms/${REALM}/clients`, { clientId: 'bad-1', clientAuthenticatorType: 'client-kerberos' }), 400);
    // Keycloak's mutual TLS is kept as set, and its client cannot authenticate at all (no fallback to its secret).
    await admin.create(`/realms/${REALM}/clients`, { clientId: 'mtls', clientAuthenticatorType: 'client-x509', secret: 'mtls-secret', serviceAccountsEnabled: true });
    const mtls = await postForm(endpoint('token'), { grant_type: 'client_credentials', client_id: 'mtls', client_secret: 'mtls-secret' });
    assertProtocolError(mtls, 401, 'invalid_client', 'client-x509');
    assert.match(mtls.json.error_description, /client-x509 is not supported/);
    assertAdminError(await admin.post(`/realms/${REALM}/clients`, { clientId: 'bad-2', attributes: { 'request.object.required': 'sometimes' } }),
      400, 'request.object.required');
    assertAdminError(await admin.post(`/realms/${REALM}/clients`, { clientId: 'bad-3', attributes: { 'use.jwks.string': 'true', 'jwks.string': '{' } }),
      400, 'jwks.string');
  });
});
