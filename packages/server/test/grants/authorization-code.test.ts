// The authorization_code grant beyond the browser tests' happy paths: what a replayed code
// revokes, offline_access, the acr a code carries, the claims parameter's members (and both
// kept by refreshes), and RFC 7009 revocation reaching the access tokens of a refresh token's family.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { HttpBrowser } from '../helpers/http-browser.js';
import { assertProtocolError, introspectUrl, revokeUrl, tokenUrl, userinfo } from '../helpers/http.js';
import { claimsOf, client, headerOf, rp } from '../helpers/oidc.js';
import { basic, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'codes';
const REDIRECT = 'http://127.0.0.1/callback';
const SECRET = 'web-secret';
const ALICE = { username: 'alice', password: 'alice-password' };

const realm = {
  realm: REALM,
  enabled: true,
  clients: [
    { clientId: 'web', publicClient: false, secret: SECRET, standardFlowEnabled: true, redirectUris: [REDIRECT] },
    { clientId: 'other', publicClient: false, secret: 'other-secret', standardFlowEnabled: true, redirectUris: [REDIRECT] },
    {
      clientId: 'es-id', publicClient: false, secret: 'es-secret', standardFlowEnabled: true, redirectUris: [REDIRECT],
      attributes: { 'id.token.signed.response.alg': 'ES256' },
    },
  ],
  users: [
    {
      ...ALICE, enabled: true, email: 'alice@example.com', emailVerified: true, attributes: { phoneNumber: ['+31 20 123 4567'] },
      credentials: [{ type: 'password', value: ALICE.password }], realmRoles: ['offline_access'],
    },
  ],
};

describe('authorization_code grant', () => {
  let server: TestServer;
  let web: client.Configuration;
  let browser: HttpBrowser;

  before(async () => {
    server = await startServer({ realms: [realm] });
    web = await rp(server, REALM, 'web', SECRET);
  });
  after(async () => { await server?.stop(); });

  /** A code for `web` (or `config`'s client), signing in when the browser has no session; returns the callback URL and what checks it. */
  async function authorize(extra: Record<string, string> = {}, as = browser, config = web) {
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT, scope: 'openid', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
    });
    const page = await as.authorize(url.toString(), ALICE);
    assert.ok(page.location?.startsWith(REDIRECT), `back at the client: ${page.status} ${page.text.slice(0, 300)}`);
    const callback = new URL(page.location!);
    return { callback, checks: { expectedState: state, expectedNonce: nonce, pkceCodeVerifier: verifier } };
  }
  async function tokens(extra: Record<string, string> = {}) {
    const { callback, checks } = await authorize(extra);
    return client.authorizationCodeGrant(web, callback, checks);
  }
  const introspect = async (token: string) =>
    (await postForm(introspectUrl(server, REALM), { token }, { authorization: basic('web', SECRET) })).json.active as boolean;
  const refresh = (refreshToken: string) =>
    postForm(tokenUrl(server, REALM), { grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basic('web', SECRET) });
  const exchange = (code: string, verifier: string, clientId = 'web', secret = SECRET) =>
    postForm(tokenUrl(server, REALM), { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier },
      { authorization: basic(clientId, secret) });

  it('a replayed code revokes every token issued from it: refreshed access tokens and the refresh family', async () => {
    browser = new HttpBrowser();
    const { callback, checks } = await authorize();
    const code = callback.searchParams.get('code')!;
    const first = await exchange(code, checks.pkceCodeVerifier);
    assert.equal(first.status, 200, first.text);
    const refreshed = await refresh(first.json.refresh_token);
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(await introspect(refreshed.json.access_token), true);

    assertProtocolError(await exchange(code, checks.pkceCodeVerifier), 400, 'invalid_grant');
    assert.equal(await introspect(first.json.access_token), false, 'the first access token');
    assert.equal(await introspect(refreshed.json.access_token), false, 'an access token got by refreshing since');
    assertProtocolError(await refresh(refreshed.json.refresh_token), 400, 'invalid_grant');
  });

  it('another client presenting the code is refused without using it up', async () => {
    const { callback, checks } = await authorize();
    assertProtocolError(await exchange(callback.searchParams.get('code')!, checks.pkceCodeVerifier, 'other', 'other-secret'), 400, 'invalid_grant');
    const got = await client.authorizationCodeGrant(web, callback, checks);
    assert.ok(got.access_token, 'the rightful client still exchanges it');
  });

  it('acr: "1" when the user signed in for the request, "0" for a single sign-on; acr_values=1 makes them sign in again', async () => {
    browser = new HttpBrowser();
    assert.equal((await tokens()).claims()!.acr, '1');
    assert.equal((await tokens()).claims()!.acr, '0', 'the session cookie served it');
    // Asking for level 1 over an SSO session shows the login form again.
    const stepUp = await tokens({ acr_values: '1' });
    assert.equal(stepUp.claims()!.acr, '1');
    assert.ok(stepUp.claims()!.auth_time! >= (await tokens()).claims()!.auth_time!);
  });

  it("the claims parameter's userinfo member: claims asked for by name come from userinfo only", async () => {
    // phone is an optional scope, not asked for here: phone_number comes only because it is named.
    const got = await tokens({ claims: JSON.stringify({ userinfo: { phone_number: { essential: true } } }) });
    assert.equal(got.claims()!.phone_number, undefined, 'not asked of the ID token');
    const info = await client.fetchUserInfo(web, got.access_token, got.claims()!.sub);
    assert.equal(info.phone_number, '+31 20 123 4567');
    const plain = await tokens();
    assert.equal((await client.fetchUserInfo(web, plain.access_token, plain.claims()!.sub)).phone_number, undefined);
    const introspected = await postForm(introspectUrl(server, REALM), { token: got.access_token }, { authorization: basic('web', SECRET) });
    assert.equal(introspected.json.userinfo_claims, undefined, 'introspection does not show the request');
  });

  it("the claims parameter's id_token member: claims asked for by name come in the ID token, not from userinfo", async () => {
    browser = new HttpBrowser();
    // phone is an optional scope, not asked for here: phone_number comes only because it is named.
    const got = await tokens({ claims: JSON.stringify({ id_token: { phone_number: { essential: true }, email: null } }) });
    assert.equal(got.claims()!.phone_number, '+31 20 123 4567');
    assert.equal(got.claims()!.email, 'alice@example.com');
    assert.equal(claimsOf(got.access_token).phone_number, undefined, 'not in the access token');
    assert.equal((await client.fetchUserInfo(web, got.access_token, got.claims()!.sub)).phone_number, undefined, 'not asked of userinfo');
    assert.equal((await tokens()).claims()!.phone_number, undefined, 'not without the claims parameter');
  });

  it("ID tokens from a refresh keep the sign-in's acr and what its claims parameter asked for", async () => {
    browser = new HttpBrowser();
    const claims = JSON.stringify({ id_token: { phone_number: { essential: true } }, userinfo: { phone_number: null } });
    const fresh = await tokens({ claims });
    const sso = await tokens({ claims });
    assert.deepEqual([fresh.claims()!.acr, sso.claims()!.acr], ['1', '0']);
    for (const [what, got] of [['a fresh sign-in', fresh], ['a single sign-on', sso]] as const) {
      const refreshed = await client.refreshTokenGrant(web, got.refresh_token!);
      assert.equal(refreshed.claims()!.acr, got.claims()!.acr, `${what}: acr`);
      assert.equal(refreshed.claims()!.phone_number, '+31 20 123 4567', `${what}: the claims parameter's id_token member`);
      const info = await client.fetchUserInfo(web, refreshed.access_token, got.claims()!.sub);
      assert.equal(info.phone_number, '+31 20 123 4567', `${what}: its userinfo member`);
      // And so on down the family.
      const again = await client.refreshTokenGrant(web, refreshed.refresh_token!);
      assert.deepEqual([again.claims()!.acr, again.claims()!.phone_number], [got.claims()!.acr, '+31 20 123 4567'], what);
    }
  });

  it("the client's id.token.signed.response.alg signs its ID tokens, from the code and from a refresh; its access tokens keep the realm's", async () => {
    // As a relying party registered for ES256 ID tokens would be configured: openid-client refuses any other alg.
    const esId = await client.discovery(new URL(server.issuer(REALM)), 'es-id',
      { client_secret: 'es-secret', id_token_signed_response_alg: 'ES256' }, client.ClientSecretBasic('es-secret'),
      { execute: [client.allowInsecureRequests] });
    const { callback, checks } = await authorize({}, new HttpBrowser(), esId);
    const got = await client.authorizationCodeGrant(esId, callback, checks);
    assert.equal(headerOf(got.id_token!).alg, 'ES256');
    assert.equal(headerOf(got.access_token).alg, 'RS256', "the realm's default");
    const refreshed = await client.refreshTokenGrant(esId, got.refresh_token!);
    assert.equal(headerOf(refreshed.id_token!).alg, 'ES256');
    assert.equal(headerOf((await tokens()).id_token!).alg, 'RS256', "another client: the realm's default");
  });

  it('offline_access: an offline refresh token that outlives the logout of the browser session', async () => {
    browser = new HttpBrowser();
    const online = await tokens();
    const offline = await tokens({ scope: 'openid offline_access' });
    assert.equal(offline.refresh_expires_in, 0, 'Keycloak: an offline token has no expiry of its own');
    assert.notEqual(claimsOf(offline.access_token).sid, claimsOf(online.access_token).sid, 'a session of its own');

    const logout = new URL(realmUrl(server, REALM, '/protocol/openid-connect/logout'));
    logout.searchParams.set('id_token_hint', online.id_token!);
    assert.equal((await browser.visit(logout.toString())).status, 200);

    assertProtocolError(await refresh(online.refresh_token!), 400, 'invalid_grant');
    assert.equal(await introspect(online.access_token), false, 'logout ends the access tokens of the session');
    const again = await refresh(offline.refresh_token!);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.refresh_expires_in, 0);
    const info = await userinfo(server, REALM, again.json.access_token);
    assert.equal(info.status, 200, info.text);
  });

  it('RFC 7009: revoking a refresh token revokes the access tokens issued with it', async () => {
    browser = new HttpBrowser();
    const got = await tokens();
    const res = await postForm(revokeUrl(server, REALM), { token: got.refresh_token!, token_type_hint: 'refresh_token' },
      { authorization: basic('web', SECRET) });
    assert.equal(res.status, 200, res.text);
    assert.equal(await introspect(got.access_token), false);
    assertProtocolError(await refresh(got.refresh_token!), 400, 'invalid_grant');
  });

  it('a made-up code is invalid_grant', async () => {
    assertProtocolError(await exchange(randomBytes(32).toString('base64url'), 'v'.repeat(43)), 400, 'invalid_grant');
  });
});
