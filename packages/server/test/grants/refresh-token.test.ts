import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { introspectUrl, send, userinfo } from '../helpers/http.js';
import { claimsOf, client, headerOf, rp } from '../helpers/oidc.js';
import { basic, demoRealm, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

describe('refresh_token grant', () => {
  let server: TestServer;
  let config: client.Configuration;
  const signIn = (scope = 'openid') => client.genericGrantRequest(config, 'password', { username: 'alice', password: 'alice-pw', scope });

  before(async () => {
    server = await startServer({ realms: [demoRealm()] });
    config = await rp(server, 'demo', 'webapp', 'webapp-secret');
  });
  after(async () => { await server.stop(); });

  it('rotates: each use returns a new refresh token in the same session', async () => {
    const first = await signIn();
    const second = await client.refreshTokenGrant(config, first.refresh_token!);
    assert.ok(second.refresh_token);
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.equal(claimsOf(second.access_token).sid, claimsOf(first.access_token).sid);
    const third = await client.refreshTokenGrant(config, second.refresh_token!);
    assert.ok(third.access_token);
  });

  it('detects reuse of a rotated token and revokes the whole family', async () => {
    const first = await signIn();
    const second = await client.refreshTokenGrant(config, first.refresh_token!);
    await assert.rejects(client.refreshTokenGrant(config, first.refresh_token!), (err: any) => {
      assert.equal(err.error, 'invalid_grant');
      return true;
    });
    // The legitimate holder's newer token dies with the family, and so does the session.
    await assert.rejects(client.refreshTokenGrant(config, second.refresh_token!), (err: any) => err.error === 'invalid_grant');
    await assert.rejects(client.fetchUserInfo(config, second.access_token, client.skipSubjectCheck));
  });

  it('allows a narrower scope and refuses a wider one', async () => {
    const first = await signIn('openid phone');
    const narrower = await client.refreshTokenGrant(config, first.refresh_token!, { scope: 'openid' });
    assert.equal(claimsOf(narrower.access_token).scope, 'openid profile email', 'default scopes stay, phone goes');
    await assert.rejects(client.refreshTokenGrant(config, narrower.refresh_token!, { scope: 'openid address' }),
      (err: any) => err.error === 'invalid_scope');
  });

  it('binds a refresh token to its client', async () => {
    const first = await signIn();
    const res = await postForm(realmUrl(server, 'demo', '/protocol/openid-connect/token'), {
      grant_type: 'refresh_token', refresh_token: first.refresh_token!, client_id: 'no-refresh', client_secret: 'nr-secret',
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.error, 'unauthorized_client', 'refresh tokens are off for that client');
    const spa = await rp(server, 'demo', 'spa');
    await assert.rejects(client.refreshTokenGrant(spa, first.refresh_token!), (err: any) => err.error === 'invalid_grant');
  });

  it('issues JWTs as Keycloak\'s: typ Bearer, ID and Refresh (Offline for offline_access), the refresh token HS512', async () => {
    const tokens = await signIn();
    const access = claimsOf(tokens.access_token);
    assert.equal(access.typ, 'Bearer');
    assert.equal(claimsOf(tokens.id_token!).typ, 'ID');
    assert.deepEqual(headerOf(tokens.refresh_token!), { alg: 'HS512', typ: 'JWT', kid: headerOf(tokens.refresh_token!).kid });
    const refresh = claimsOf(tokens.refresh_token!);
    assert.deepEqual(Object.keys(refresh).sort(), ['aud', 'azp', 'exp', 'iat', 'iss', 'jti', 'scope', 'sid', 'sub', 'typ']);
    assert.equal(refresh.typ, 'Refresh');
    assert.equal(refresh.iss, server.issuer('demo'));
    assert.equal(refresh.aud, server.issuer('demo'), 'as Keycloak\'s: the realm takes it back');
    assert.equal(refresh.sub, access.sub);
    assert.equal(refresh.sid, access.sid);
    assert.equal(refresh.azp, 'webapp');
    assert.equal(refresh.scope, access.scope);
    assert.equal(refresh.exp - refresh.iat, tokens.refresh_expires_in);

    const offline = await signIn('openid offline_access');
    assert.equal(claimsOf(offline.refresh_token!).typ, 'Offline');
    const again = await client.refreshTokenGrant(config, offline.refresh_token!);
    assert.equal(claimsOf(again.refresh_token!).typ, 'Offline');
  });

  it('a refresh token is never an access token: resource servers, userinfo and the admin API refuse it; introspection knows it', async () => {
    const tokens = await signIn();
    const jwks = createRemoteJWKSet(new URL(`${realmUrl(server, 'demo')}/protocol/openid-connect/certs`));
    await jwtVerify(tokens.access_token, jwks, { issuer: server.issuer('demo') });
    await assert.rejects(jwtVerify(tokens.refresh_token!, jwks, { issuer: server.issuer('demo') }), 'no published key verifies it');

    const asBearer = await userinfo(server, 'demo', tokens.refresh_token!);
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    const admin = await send(`${server.url}/admin/realms/demo/users`, { headers: { authorization: `Bearer ${tokens.refresh_token}` } });
    assert.equal(admin.status, 401);

    const introspect = (token: string, hint?: string) => postForm(introspectUrl(server, 'demo'),
      { token, ...(hint ? { token_type_hint: hint } : {}) }, { authorization: basic('webapp', 'webapp-secret') });
    const asRefresh = await introspect(tokens.refresh_token!);
    assert.equal(asRefresh.json.active, true);
    assert.equal(asRefresh.json.token_type, 'Refresh');
    assert.equal((await introspect(tokens.access_token, 'refresh_token')).json.typ, 'Bearer');
  });
});

describe('refresh tokens across a restart', () => {
  it('the realm\'s HMAC key is kept: a refresh token from before the restart still works, signed by the same key', async () => {
    const first = await startServer({ realms: [demoRealm()], keepData: true });
    let tokens: client.TokenEndpointResponse;
    try {
      const config = await rp(first, 'demo', 'webapp', 'webapp-secret');
      tokens = await client.genericGrantRequest(config, 'password', { username: 'alice', password: 'alice-pw', scope: 'openid' });
    } finally {
      await first.stop();
    }
    const second = await startServer({ dataDir: first.dataDir });
    try {
      const config = await rp(second, 'demo', 'webapp', 'webapp-secret');
      const next = await client.refreshTokenGrant(config, tokens.refresh_token!);
      assert.equal(headerOf(next.refresh_token!).kid, headerOf(tokens.refresh_token!).kid);
    } finally {
      await second.stop();
    }
  });
});
