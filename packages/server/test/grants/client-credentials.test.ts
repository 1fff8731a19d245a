import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { send } from '../helpers/http.js';
import { claimsOf, client, headerOf, rp } from '../helpers/oidc.js';
import { ADMIN_PASSWORD, basic, demoRealm, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

/** The demo realm and a client whose service-account user a test deletes. */
function realm(): object {
  const r = demoRealm() as { clients: object[] };
  r.clients.push({ clientId: 'orphan', publicClient: false, secret: 'orphan-secret', serviceAccountsEnabled: true });
  return r;
}

/** Expects openid-client to reject with a 400 invalid_grant whose description matches. */
const refusedWith = (description: RegExp) => (err: any) => {
  assert.ok(err instanceof client.ResponseBodyError, String(err));
  assert.deepEqual([err.status, err.error], [400, 'invalid_grant']);
  assert.match(err.error_description ?? '', description);
  return true;
};

describe('client_credentials grant', () => {
  let server: TestServer;
  before(async () => { server = await startServer({ realms: [realm()] }); });
  after(async () => { await server.stop(); });

  it('issues an RFC 9068 access token for the service-account user', async () => {
    const config = await rp(server, 'demo', 'machine', 'machine-secret');
    const tokens = await client.clientCredentialsGrant(config);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.refresh_token, undefined, 'no refresh token without a user session');
    assert.equal(tokens.id_token, undefined);
    const header = headerOf(tokens.access_token);
    assert.equal(header.typ, 'at+jwt');
    assert.equal(header.alg, 'ES256', 'the client attribute access.token.signed.response.alg applies');

    const jwks = createRemoteJWKSet(new URL(realmUrl(server, 'demo', '/protocol/openid-connect/certs')));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: server.issuer('demo'), typ: 'at+jwt' });
    for (const claim of ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope']) {
      assert.ok(payload[claim] !== undefined, `claim ${claim} present`);
    }
    assert.equal(payload.client_id, 'machine');
    assert.deepEqual((payload.realm_access as any).roles.sort(), ['writer']);
    assert.deepEqual(payload.roles, ['writer']);
    assert.equal(payload.exp! - payload.iat!, 300, "the realm's access token lifespan");

    // Userinfo is OpenID Connect's: a token without the openid scope is refused there, as by Keycloak.
    await assert.rejects(client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck),
      (err: any) => err.response?.status === 403 && /insufficient_scope/.test(err.response.headers.get('www-authenticate')));
    const withOpenid = await client.clientCredentialsGrant(config, { scope: 'openid' });
    assert.equal(withOpenid.id_token, undefined, 'no ID token without a user session');
    const userinfo = await client.fetchUserInfo(config, withOpenid.access_token, client.skipSubjectCheck);
    assert.equal(userinfo.preferred_username, 'service-account-machine');
    assert.equal(userinfo.sub, payload.sub);
  });

  it('creates service-account-<clientId> for a client that did not list it, signing with EdDSA on request', async () => {
    const config = await rp(server, 'demo', 'eddsa', 'eddsa-secret');
    const tokens = await client.clientCredentialsGrant(config, { scope: 'openid profile' });
    assert.equal(headerOf(tokens.access_token).alg, 'EdDSA');
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck);
    assert.equal(userinfo.preferred_username, 'service-account-eddsa');
  });

  it('accepts client_secret_post as well as client_secret_basic', async () => {
    const res = await postForm(realmUrl(server, 'demo', '/protocol/openid-connect/token'), {
      grant_type: 'client_credentials', client_id: 'machine', client_secret: 'machine-secret',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.ok(res.json.access_token);
  });

  it('refuses a disabled service account with a 400 that names it', async () => {
    const config = await rp(server, 'demo', 'disabled-sa', 'dsa-secret');
    await assert.rejects(client.clientCredentialsGrant(config), refusedWith(/service-account-disabled-sa is disabled/));
  });

  it('refuses a client whose service-account user was deleted with a 400 that names it, never a 500', async () => {
    const config = await rp(server, 'demo', 'orphan', 'orphan-secret');
    assert.ok((await client.clientCredentialsGrant(config)).access_token, 'works while the user is there');
    const admin = await postForm(realmUrl(server, 'master', '/protocol/openid-connect/token'),
      { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: ADMIN_PASSWORD });
    const bearer = { authorization: `Bearer ${admin.json.access_token}` };
    const api = `${server.url}/admin/realms/demo`;
    const [orphan] = (await send(`${api}/clients?clientId=orphan`, { headers: bearer })).json;
    const user = await send(`${api}/clients/${orphan.id}/service-account-user`, { headers: bearer });
    assert.equal(user.json.username, 'service-account-orphan', user.text);
    assert.equal((await send(`${api}/users/${user.json.id}`, { method: 'DELETE', headers: bearer })).status, 204);
    await assert.rejects(client.clientCredentialsGrant(config), refusedWith(/service account user service-account-orphan does not exist/));
  });

  it('refuses clients without service accounts and a wrong secret', async () => {
    const url = realmUrl(server, 'demo', '/protocol/openid-connect/token');
    const noSa = await postForm(url, { grant_type: 'client_credentials' }, { authorization: basic('webapp', 'webapp-secret') });
    assert.equal(noSa.status, 400);
    assert.equal(noSa.json.error, 'unauthorized_client');
    const wrong = await postForm(url, { grant_type: 'client_credentials' }, { authorization: basic('machine', 'nope') });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error, 'invalid_client');
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic realm="demo"/);
  });

  it('accepts each unexpired secret of a client with several, and refuses an expired one', async () => {
    const url = realmUrl(server, 'demo', '/protocol/openid-connect/token');
    for (const [secret, status] of [['current-secret', 200], ['next-secret', 200], ['expired-secret', 401]] as const) {
      const res = await postForm(url, { grant_type: 'client_credentials' }, { authorization: basic('rotating', secret) });
      assert.equal(res.status, status, secret);
    }
  });

  it('puts client roles in resource_access and their clients in aud', async () => {
    // Alice holds orders-api's role; her password-grant token is audience-scoped to orders-api.
    const config = await rp(server, 'demo', 'webapp', 'webapp-secret');
    const tokens = await client.genericGrantRequest(config, 'password', { username: 'alice', password: 'alice-pw' });
    const claims = claimsOf(tokens.access_token);
    assert.deepEqual(claims.resource_access, { 'orders-api': { roles: ['orders:read'] } });
    assert.equal(claims.aud, 'orders-api');
  });
});
