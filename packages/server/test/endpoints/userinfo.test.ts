import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { DPOP_ALGS } from '../../src/protocol/dpop.js';
import { claimsOf, client, rp } from '../helpers/oidc.js';
import { assertProtocolError, clientCredentials, passwordGrant, send, userinfo, userinfoUrl } from '../helpers/http.js';
import { ADMIN_PASSWORD, demoRealm, form, startServer, type TestServer } from '../helpers/server.js';

/** The demo realm, a client whose only default scope is profile, and a user the test disables. */
function realm(): object {
  const r = demoRealm() as { clients: object[]; users: object[] };
  r.clients.push({
    clientId: 'narrow', publicClient: true, directAccessGrantsEnabled: true,
    defaultClientScopes: ['profile'], optionalClientScopes: ['email', 'phone'],
  });
  r.users.push({
    username: 'carol', enabled: true, firstName: 'Carol', email: 'carol@example.com',
    credentials: [{ type: 'password', value: 'carol-pw' }],
  });
  return r;
}

describe('userinfo', () => {
  let server: TestServer;
  before(async () => { server = await startServer({ realms: [realm()] }); });
  after(async () => { await server?.stop(); });

  const aliceTokens = async (scope = 'openid') => {
    const res = await passwordGrant(server, 'demo', 'webapp', 'webapp-secret', 'alice', 'alice-pw', { scope });
    assert.equal(res.status, 200, res.text);
    return res.json as { access_token: string; id_token: string };
  };

  it('GET with the Authorization header returns the default-scope claims and the client\'s custom claim', async () => {
    const { access_token } = await aliceTokens();
    const res = await userinfo(server, 'demo', access_token);
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.match(res.headers.get('cache-control') ?? '', /no-store/);
    const claims = res.json;
    assert.equal(claims.sub, claimsOf(access_token).sub);
    // profile
    assert.equal(claims.name, 'Alice Liddell');
    assert.equal(claims.given_name, 'Alice');
    assert.equal(claims.family_name, 'Liddell');
    assert.equal(claims.preferred_username, 'alice');
    // email
    assert.equal(claims.email, 'alice@example.com');
    assert.equal(claims.email_verified, true);
    // phone is optional and was not asked for
    assert.equal(claims.phone_number, undefined);
    // webapp's user-attribute mapper
    assert.equal(claims.department, 'research');
  });

  it('scope=phone adds phone_number', async () => {
    const { access_token } = await aliceTokens('openid phone');
    const res = await userinfo(server, 'demo', access_token);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.phone_number, '+31 20 123 4567');
    assert.equal(res.json.email, 'alice@example.com');
  });

  it('POST with the token as a form parameter (RFC 6750 §2.2) gives the same claims', async () => {
    const { access_token } = await aliceTokens('openid phone');
    const viaHeader = await userinfo(server, 'demo', access_token);
    const viaBody = await send(userinfoUrl(server, 'demo'), {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ access_token }),
    });
    assert.equal(viaBody.status, 200, viaBody.text);
    assert.deepEqual(viaBody.json, viaHeader.json);
    const postWithHeader = await send(userinfoUrl(server, 'demo'), { method: 'POST', headers: { authorization: `Bearer ${access_token}` } });
    assert.equal(postWithHeader.status, 200, postWithHeader.text);
    assert.deepEqual(postWithHeader.json, viaHeader.json);
  });

  it('openid-client fetchUserInfo accepts the response (subject matches the ID token)', async () => {
    const config = await rp(server, 'demo', 'webapp', 'webapp-secret');
    const tokens = await client.genericGrantRequest(config, 'password', { username: 'alice', password: 'alice-pw', scope: 'openid' });
    const sub = tokens.claims()!.sub;
    const info = await client.fetchUserInfo(config, tokens.access_token, sub);
    assert.equal(info.sub, sub);
    assert.equal(info.preferred_username, 'alice');
  });

  it('claims follow the scopes of the token: a client with only profile by default', async () => {
    const signIn = (scope = '') => passwordGrant(server, 'demo', 'narrow', undefined, 'alice', 'alice-pw', { scope: `openid ${scope}`.trim() });
    const bare = await signIn();
    assert.equal(bare.status, 200, bare.text);
    const onlyProfile = (await userinfo(server, 'demo', bare.json.access_token)).json;
    assert.equal(onlyProfile.preferred_username, 'alice');
    assert.equal(onlyProfile.given_name, 'Alice');
    assert.equal(onlyProfile.email, undefined, 'no email without the email scope');
    assert.equal(onlyProfile.email_verified, undefined);
    assert.equal(onlyProfile.phone_number, undefined);
    assert.equal(onlyProfile.department, undefined, 'the mapper belongs to webapp, not to this client');

    const withEmail = (await userinfo(server, 'demo', (await signIn('email')).json.access_token)).json;
    assert.equal(withEmail.email, 'alice@example.com');
    assert.equal(withEmail.phone_number, undefined);
    const withAll = (await userinfo(server, 'demo', (await signIn('email phone')).json.access_token)).json;
    assert.equal(withAll.email, 'alice@example.com');
    assert.equal(withAll.phone_number, '+31 20 123 4567');
  });

  it('a request with no token gets the bare challenges of RFC 6750 §3.1 and RFC 9449 §7.1: no error code in the header or the body', async () => {
    const requests: Array<[string, RequestInit]> = [
      ['GET', {}],
      ['POST with an empty form', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' }],
      ['another scheme', { headers: { authorization: 'Basic d2ViYXBwOndlYmFwcC1zZWNyZXQ=' } }],
    ];
    for (const [what, init] of requests) {
      const res = await send(userinfoUrl(server, 'demo'), init);
      assert.equal(res.status, 401, what);
      // Userinfo takes DPoP-bound tokens too, so both schemes are offered.
      assert.equal(res.headers.get('www-authenticate'), `Bearer realm="demo", DPoP algs="${DPOP_ALGS.join(' ')}"`, what);
      assert.equal(res.text, '', `${what}: no error information in the body`);
      assert.match(res.headers.get('cache-control') ?? '', /no-store/, what);
    }
  });

  it('a token without the openid scope is refused with 403 insufficient_scope, as by Keycloak', async () => {
    const cc = await clientCredentials(server, 'demo', 'machine', 'machine-secret');
    assert.equal(cc.status, 200, cc.text);
    const res = await userinfo(server, 'demo', cc.json.access_token);
    assertProtocolError(res, 403, 'insufficient_scope');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="demo", error="insufficient_scope"/);
  });

  it('a service-account token (client_credentials) with openid works at userinfo', async () => {
    const cc = await clientCredentials(server, 'demo', 'machine', 'machine-secret', { scope: 'openid' });
    assert.equal(cc.status, 200, cc.text);
    const res = await userinfo(server, 'demo', cc.json.access_token);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.sub, claimsOf(cc.json.access_token).sub);
    assert.equal(res.json.preferred_username, 'service-account-machine');
  });

  it('a token issued before its user was disabled is refused with 401 invalid_token', async () => {
    const signedIn = await passwordGrant(server, 'demo', 'spa', undefined, 'carol', 'carol-pw', { scope: 'openid' });
    assert.equal(signedIn.status, 200, signedIn.text);
    const token = signedIn.json.access_token;
    assert.equal((await userinfo(server, 'demo', token)).status, 200);

    // As an administrator would: through the admin API, which every node's cache of users hears.
    const kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
    await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
    kc.setConfig({ realmName: 'demo' });
    const [carol] = await kc.users.find({ username: 'carol', exact: true });
    await kc.users.update({ id: carol.id! }, { enabled: false });

    const res = await userinfo(server, 'demo', token);
    assertProtocolError(res, 401, 'invalid_token');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="demo", error="invalid_token"/);
    const again = await passwordGrant(server, 'demo', 'spa', undefined, 'carol', 'carol-pw');
    assertProtocolError(again, 400, 'invalid_grant');
    assert.equal(again.json.error_description, 'Account disabled');
  });
});
