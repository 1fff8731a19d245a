// FAPI 2.0 as Keycloak's client policies model it: a realm whose policies put some clients
// under the global fapi-2 profiles, against a real server, openid-client 6 as the compliant
// relying party and raw requests for what a compliant one would never send.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { adminApi, assertAdminError, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { assertProtocolError } from '../helpers/http.js';
import { HttpBrowser, isLoginPage, responseParams } from '../helpers/http-browser.js';
import { claimsOf, client, headerOf } from '../helpers/oidc.js';
import { basic, postForm, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'fapi';
const REDIRECT = 'https://bank.example/cb';
const ALICE = { username: 'alice', password: 'alice-pw' };
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const POLICIES = [
  {
    name: 'open-banking', description: 'FAPI 2.0 with DPoP for the bank\'s partners', enabled: true,
    conditions: [{ condition: 'client-attributes', configuration: { attributes: [{ key: 'partner', value: 'true' }] } }],
    profiles: ['fapi-2-dpop-security-profile'],
  },
  {
    name: 'fapi-role', enabled: true,
    conditions: [{ condition: 'client-roles', configuration: { roles: ['fapi-client'] } }, { condition: 'client-access-type', configuration: { type: ['confidential'] } }],
    profiles: ['fapi-2-security-profile'],
  },
  { name: 'switched-off', enabled: false, conditions: [{ condition: 'any-client', configuration: {} }], profiles: ['fapi-2-security-profile'] },
];

describe('FAPI 2.0 client policies', { concurrency: true }, () => {
  let server: TestServer;
  let admin: AdminApi;
  let keyHost: Server;
  let psKey: CryptoKey;
  let rsKey: CryptoKey;

  before(async () => {
    const ps = await generateKeyPair('PS256', { extractable: true });
    const rs = await generateKeyPair('RS256', { extractable: true });
    psKey = ps.privateKey;
    rsKey = rs.privateKey;
    const keys: JWK[] = [
      { ...(await exportJWK(ps.publicKey)), kid: 'ps', alg: 'PS256', use: 'sig' },
      { ...(await exportJWK(rs.publicKey)), kid: 'rs', alg: 'RS256', use: 'sig' },
    ];
    keyHost = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys })));
    await new Promise<void>((r) => keyHost.listen(0, '127.0.0.1', r));
    const jwksUrl = `http://127.0.0.1:${(keyHost.address() as { port: number }).port}/jwks`;
    const jwt = { clientAuthenticatorType: 'client-jwt', publicClient: false };
    const tokenAlgs = { 'access.token.signed.response.alg': 'ES256', 'id.token.signed.response.alg': 'ES256' };
    server = await startServer({
      realms: [{
        realm: REALM, enabled: true,
        clientPolicies: { policies: POLICIES },
        clientProfiles: { profiles: [] },
        roles: { client: { 'role-app': [{ name: 'fapi-client' }] } },
        clients: [
          {
            ...jwt, clientId: 'bank-app', redirectUris: [REDIRECT], directAccessGrantsEnabled: true, serviceAccountsEnabled: true,
            attributes: { partner: 'true', 'use.jwks.url': 'true', 'jwks.url': jwksUrl, ...tokenAlgs },
          },
          {
            clientId: 'secret-partner', publicClient: false, secret: 'partner-secret', redirectUris: [REDIRECT], serviceAccountsEnabled: true,
            attributes: { partner: 'true', 'oauth2.device.authorization.grant.enabled': 'true', ...tokenAlgs },
          },
          // Under fapi-2-security-profile by its role; its tokens are signed with the realm's RS256.
          { ...jwt, clientId: 'role-app', serviceAccountsEnabled: true, attributes: { 'use.jwks.url': 'true', 'jwks.url': jwksUrl } },
          { clientId: 'ordinary', publicClient: false, secret: 'ordinary-secret', redirectUris: [REDIRECT] },
        ],
        users: [{ username: 'alice', enabled: true, credentials: [{ type: 'password', value: 'alice-pw' }] }],
      }],
    });
    admin = adminApi(server, await masterAdminToken(server));
  });
  after(async () => {
    await server?.stop();
    await new Promise<void>((r) => keyHost?.close(() => r()) ?? r());
  });

  const issuer = () => server.issuer(REALM);
  const at = (path: string) => `${server.url}/realms/${REALM}/protocol/openid-connect/${path}`;

  function assertion(clientId: string, key: CryptoKey, alg: 'PS256' | 'RS256' = 'PS256') {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: clientId, sub: clientId, aud: issuer(), jti: randomUUID(), iat: now, exp: now + 60 })
      .setProtectedHeader({ alg, kid: alg === 'PS256' ? 'ps' : 'rs' }).sign(key);
  }
  async function dpopProof(path: string) {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    return new SignJWT({ htm: 'POST', htu: `${issuer()}/protocol/openid-connect/${path}`, jti: randomUUID(), iat: Math.floor(Date.now() / 1000) })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).sign(privateKey);
  }
  const signedIn = async (clientId: string, alg: 'PS256' | 'RS256' = 'PS256') => ({
    client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(clientId, alg === 'PS256' ? psKey : rsKey, alg),
  });
  const push = async (clientId: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
    postForm(at('ext/par/request'), { ...await signedIn(clientId), ...params }, headers);
  const s256 = async () => {
    const verifier = client.randomPKCECodeVerifier();
    return { verifier, challenge: await client.calculatePKCECodeChallenge(verifier) };
  };

  it('the admin API lists the policies and the global FAPI 2 profiles, and refuses what it cannot enforce', async () => {
    const profiles = await admin.get(`/realms/${REALM}/client-policies/profiles?include-global-profiles=true`);
    assert.equal(profiles.status, 200, profiles.text);
    const globals = profiles.json.globalProfiles.map((p: { name: string }) => p.name);
    assert.ok(globals.includes('fapi-2-security-profile') && globals.includes('fapi-2-dpop-security-profile'), globals.join());
    const dpopProfile = profiles.json.globalProfiles.find((p: { name: string }) => p.name === 'fapi-2-dpop-security-profile');
    for (const executor of ['pkce-enforcer', 'secure-par-content', 'dpop-bind-enforcer', 'reject-ropc-grant', 'reject-implicit-grant', 'secure-client-authenticator']) {
      assert.ok(dpopProfile.executors.some((e: { executor: string }) => e.executor === executor), executor);
    }
    assert.equal((await admin.get(`/realms/${REALM}/client-policies/profiles`)).json.globalProfiles, undefined);

    const policies = await admin.get(`/realms/${REALM}/client-policies/policies`);
    assert.deepEqual(policies.json.policies.map((p: { name: string }) => p.name), ['open-banking', 'fapi-role', 'switched-off']);

    assertAdminError(await admin.put(`/realms/${REALM}/client-policies/policies`, {
      policies: [{ name: 'x', enabled: true, conditions: [{ condition: 'any-client' }], profiles: ['no-such-profile'] }],
    }), 400, 'no-such-profile');
    assertAdminError(await admin.put(`/realms/${REALM}/client-policies/profiles`, {
      profiles: [{ name: 'mine', executors: [{ executor: 'intent-client-bind-checker' }] }],
    }), 400, 'intent-client-bind-checker');

    // A realm file with what Latchkey cannot enforce is refused rather than imported unenforced.
    assertAdminError(await admin.post('/realms', {
      realm: 'unenforceable', clientPolicies: { policies: [{ name: 'x', enabled: true, conditions: [{ condition: 'client-updater-source-host' }], profiles: [] }] },
    }), 400, 'client-updater-source-host');
    assertAdminError(await admin.post('/realms', { realm: 'unenforceable', clientProfiles: { profiles: [{ name: 'p', executors: 'secure-session' }] } }), 400, 'lists');
    assert.equal((await admin.get('/realms/unenforceable')).status, 404);

    // A profile of the realm's own, used by a policy, kept by the export.
    assert.equal((await admin.put(`/realms/${REALM}/client-policies/profiles`, {
      profiles: [{ name: 'no-password', executors: [{ executor: 'reject-ropc-grant', configuration: {} }] }],
    })).status, 204);
    assert.equal((await admin.put(`/realms/${REALM}/client-policies/policies`, {
      policies: [...POLICIES, { name: 'ordinary-no-password', enabled: false, conditions: [{ condition: 'client-access-type', configuration: { type: ['public'] } }], profiles: ['no-password'] }],
    })).status, 204);
    const exported = await admin.post(`/realms/${REALM}/partial-export`);
    assert.equal(exported.status, 200, exported.text);
    assert.deepEqual(exported.json.clientProfiles.profiles.map((p: { name: string }) => p.name), ['no-password']);
    assert.equal(exported.json.clientPolicies.policies.length, 4);
    assert.equal(exported.json.clientPolicies.policies[0].conditions[0].configuration.attributes[0].key, 'partner');
  });

  it('openid-client: a compliant flow (PAR, PKCE S256, private_key_jwt, DPoP) passes', async () => {
    const config = await client.discovery(new URL(issuer()), 'bank-app', {}, client.PrivateKeyJwt({ key: psKey, kid: 'ps' }),
      { execute: [client.allowInsecureRequests] });
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const { verifier, challenge } = await s256();
    const url = await client.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT, scope: 'openid', state: 'fapi-1', code_challenge: challenge, code_challenge_method: 'S256',
    }, { DPoP });
    const back = await new HttpBrowser().authorize(url.href, ALICE);
    assert.ok(back.location?.startsWith(REDIRECT), `${back.status} ${back.text.slice(0, 300)}`);
    assert.equal(responseParams(back).iss, issuer(), 'RFC 9207 iss in the response');
    const tokens = await client.authorizationCodeGrant(config, new URL(back.location!), { pkceCodeVerifier: verifier, expectedState: 'fapi-1' }, undefined, { DPoP });
    assert.equal(tokens.token_type.toLowerCase(), 'dpop');
    assert.equal(headerOf(tokens.access_token).alg, 'ES256');
    assert.ok(claimsOf(tokens.access_token).cnf?.jkt);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP });
    assert.ok(claimsOf(refreshed.access_token).cnf?.jkt);
  });

  it('refuses a request that is not pushed, and a plain PKCE one', async () => {
    const { challenge } = await s256();
    const front = new URL(at('auth'));
    for (const [k, v] of Object.entries({
      client_id: 'bank-app', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 'fapi-2', code_challenge: challenge, code_challenge_method: 'S256',
    })) front.searchParams.set(k, v);
    const refused = await new HttpBrowser().request(front.href);
    assert.ok(refused.location?.startsWith(REDIRECT), `${refused.status} ${refused.text.slice(0, 200)}`);
    assert.equal(responseParams(refused).error, 'invalid_request');
    assert.match(responseParams(refused).error_description, /PAR/);
    assert.equal(responseParams(refused).state, 'fapi-2');

    const verifier = client.randomPKCECodeVerifier();
    const plain = await push('bank-app', { response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', code_challenge: verifier, code_challenge_method: 'plain' });
    assertProtocolError(plain, 400, 'invalid_request', 'plain PKCE');
    const none = await push('bank-app', { response_type: 'code', redirect_uri: REDIRECT, scope: 'openid' });
    assertProtocolError(none, 400, 'invalid_request', 'no PKCE');
    const requestObject = (alg: 'PS256' | 'RS256') => new SignJWT({
      iss: 'bank-app', aud: issuer(), client_id: 'bank-app', response_type: 'code', redirect_uri: REDIRECT, scope: 'openid',
      code_challenge: challenge, code_challenge_method: 'S256',
    }).setProtectedHeader({ alg, kid: alg === 'PS256' ? 'ps' : 'rs' }).setIssuedAt().setExpirationTime('1m').setJti(randomUUID())
      .sign(alg === 'PS256' ? psKey : rsKey);
    assertProtocolError(await push('bank-app', { request: await requestObject('RS256') }), 400, 'invalid_request_object', 'an RS256 request object');
    assert.equal((await push('bank-app', { request: await requestObject('PS256') })).status, 201, 'a PS256 request object');
    const hybrid = await push('bank-app', { response_type: 'code id_token', redirect_uri: REDIRECT, scope: 'openid', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' });
    assertProtocolError(hybrid, 400, 'unauthorized_client', 'hybrid');

    // The disabled any-client policy leaves other clients alone.
    const ordinary = new URL(at('auth'));
    for (const [k, v] of Object.entries({ client_id: 'ordinary', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid' })) ordinary.searchParams.set(k, v);
    assert.ok(isLoginPage(await new HttpBrowser().visit(ordinary.href)));
  });

  it('refuses a client_secret client, an RS256 client assertion, a password grant and a Bearer-only token request', async () => {
    const { challenge } = await s256();
    const secretPush = await postForm(at('ext/par/request'), {
      response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256',
    }, { authorization: basic('secret-partner', 'partner-secret') });
    assertProtocolError(secretPush, 401, 'invalid_client', 'client_secret at PAR');
    assert.equal(secretPush.headers.get('www-authenticate'), `Basic realm="${REALM}"`);
    const secretToken = await postForm(at('token'), { grant_type: 'client_credentials' },
      { authorization: basic('secret-partner', 'partner-secret'), dpop: await dpopProof('token') });
    assertProtocolError(secretToken, 401, 'invalid_client', 'client_secret at the token endpoint');

    const rs256 = await postForm(at('token'), { grant_type: 'client_credentials', ...await signedIn('bank-app', 'RS256') }, { dpop: await dpopProof('token') });
    assertProtocolError(rs256, 401, 'invalid_client', 'RS256 assertion');

    const password = await postForm(at('token'), { grant_type: 'password', username: 'alice', password: 'alice-pw', ...await signedIn('bank-app') },
      { dpop: await dpopProof('token') });
    assertProtocolError(password, 400, 'invalid_grant', 'password grant');
    assert.match(password.json.error_description, /prohibited/);

    const bearerOnly = await postForm(at('token'), { grant_type: 'client_credentials', ...await signedIn('bank-app') });
    assertProtocolError(bearerOnly, 400, 'invalid_dpop_proof', 'no DPoP proof under fapi-2-dpop');
    const bound = await postForm(at('token'), { grant_type: 'client_credentials', ...await signedIn('bank-app') }, { dpop: await dpopProof('token') });
    assert.equal(bound.status, 200, bound.text);
    assert.equal(bound.json.token_type, 'DPoP');
  });

  it('secure-client-authenticator and the assertion algorithms also hold at the device, introspection and revocation endpoints', async () => {
    const bound = await postForm(at('token'), { grant_type: 'client_credentials', ...await signedIn('bank-app') }, { dpop: await dpopProof('token') });
    assert.equal(bound.status, 200, bound.text);
    const token = bound.json.access_token;
    const secret = { authorization: basic('secret-partner', 'partner-secret') };
    for (const path of ['auth/device', 'token/introspect', 'revoke']) {
      const withSecret = await postForm(at(path), { token, scope: 'openid' }, secret);
      assertProtocolError(withSecret, 401, 'invalid_client', `client_secret at ${path}`);
      assert.match(withSecret.json.error_description, /authentication method not allowed/, path);
      assert.equal(withSecret.headers.get('www-authenticate'), `Basic realm="${REALM}"`, path);
      if (path === 'auth/device') continue;
      assertProtocolError(await postForm(at(path), { token, ...await signedIn('bank-app', 'RS256') }), 401, 'invalid_client', `RS256 assertion at ${path}`);
    }
    const introspected = await postForm(at('token/introspect'), { token, ...await signedIn('bank-app') });
    assert.equal(introspected.status, 200, introspected.text);
    assert.equal(introspected.json.active, true);
    assert.equal((await postForm(at('revoke'), { token, ...await signedIn('bank-app') })).status, 200);
    assert.equal((await postForm(at('token/introspect'), { token, ...await signedIn('bank-app') })).json.active, false, 'revoked');
    // A client under no policy still authenticates with its secret there.
    const ordinary = await postForm(at('token/introspect'), { token }, { authorization: basic('ordinary', 'ordinary-secret') });
    assert.equal(ordinary.status, 200, ordinary.text);
  });

  it('client-roles: a client with the role is under fapi-2-security-profile, whose tokens may not be RS256', async () => {
    const res = await postForm(at('token'), { grant_type: 'client_credentials', ...await signedIn('role-app') }, { dpop: await dpopProof('token') });
    assertProtocolError(res, 400, 'invalid_request');
    assert.match(res.json.error_description, /RS256/);
  });

  it('max_age and acr under the FAPI profile: auth_time in the ID token, re-authentication when too old, the step-up or interaction_required', async () => {
    const browser = new HttpBrowser();
    const authorize = async (params: Record<string, string>) => {
      const { challenge } = await s256();
      const pushed = await push('bank-app', { response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', ...params });
      assert.equal(pushed.status, 201, pushed.text);
      return `${at('auth')}?${new URLSearchParams({ client_id: 'bank-app', request_uri: pushed.json.request_uri })}`;
    };
    const { verifier, challenge } = await s256();
    const first = await push('bank-app', { response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' });
    const back = await browser.authorize(`${at('auth')}?${new URLSearchParams({ client_id: 'bank-app', request_uri: first.json.request_uri })}`, ALICE);
    const tokens = await postForm(at('token'), { grant_type: 'authorization_code', code: responseParams(back).code, redirect_uri: REDIRECT, code_verifier: verifier, ...await signedIn('bank-app') },
      { dpop: await dpopProof('token') });
    assert.equal(tokens.status, 200, tokens.text);
    const idToken = claimsOf(tokens.json.id_token);
    assert.equal(typeof idToken.auth_time, 'number', 'auth_time always in a FAPI client\'s ID token');
    assert.ok(Math.abs(Number(idToken.auth_time) - Date.now() / 1000) < 300);
    const refreshed = await postForm(at('token'), { grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token, ...await signedIn('bank-app') },
      { dpop: await dpopProof('token') });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(claimsOf(refreshed.json.id_token).auth_time, idToken.auth_time, 'a refreshed ID token keeps the sign-in\'s auth_time');

    // The session is alive: a request within max_age is answered without the user.
    const silent = await browser.request(await authorize({ prompt: 'none', max_age: '3600', state: 's' }));
    assert.ok(responseParams(silent).code, `${silent.status} ${silent.location}`);
    // Older than max_age: the login page again, or login_required under prompt=none.
    assert.ok(isLoginPage(await browser.visit(await authorize({ max_age: '0' }))), 'max_age=0 asks for the password again');
    assert.equal(responseParams(await browser.request(await authorize({ prompt: 'none', max_age: '0' }))).error, 'login_required');

    // A level the password-only session has not reached: the step-up, or interaction_required under prompt=none.
    const essentialAcr = JSON.stringify({ id_token: { acr: { essential: true, values: ['2'] } } });
    for (const asked of [{ acr_values: '2' }, { claims: essentialAcr }] as Array<Record<string, string>>) {
      const refused = await browser.request(await authorize({ prompt: 'none', ...asked }));
      assert.equal(responseParams(refused).error, 'interaction_required', JSON.stringify(asked));
      assert.equal(responseParams(refused).iss, issuer());
      const stepUp = await browser.visit(await authorize(asked));
      assert.equal(stepUp.status, 200, JSON.stringify(asked));
      assert.ok(!stepUp.location && !isLoginPage(stepUp), `the second factor is asked for, not a code or the password: ${stepUp.text.slice(0, 200)}`);
    }
  });

  it('a code of a compliant push still needs the DPoP key the profile requires', async () => {
    const { verifier, challenge } = await s256();
    const pushed = await push('bank-app', { response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: 'fapi-3', code_challenge: challenge, code_challenge_method: 'S256' });
    assert.equal(pushed.status, 201, pushed.text);
    const back = await new HttpBrowser().authorize(`${at('auth')}?${new URLSearchParams({ client_id: 'bank-app', request_uri: pushed.json.request_uri })}`, ALICE);
    const { code } = responseParams(back);
    assert.ok(code, `${back.status} ${back.location}`);
    const noProof = await postForm(at('token'), { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, ...await signedIn('bank-app') });
    assertProtocolError(noProof, 400, 'invalid_dpop_proof');
  });
});
