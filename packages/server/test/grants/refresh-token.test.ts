import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { assertProtocolError, introspectUrl, send, userinfo } from '../helpers/http.js';
import { claimsOf, client, headerOf, rp } from '../helpers/oidc.js';
import { ADMIN_PASSWORD, basic, demoRealm, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

describe('refresh_token grant', () => {
  let server: TestServer;
  let config: client.Configuration;
  const signIn = (scope = 'openid') => client.genericGrantRequest(config, 'password', { username: 'alice', password: 'alice-pw', scope });

  before(async () => {
    // No grace here: reuse is caught at once (the grace has its own tests below).
    server = await startServer({ realms: [{ ...demoRealm(), attributes: { refreshTokenReuseGrace: '0' } }] });
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

describe('refresh token reuse: the realm\'s revokeRefreshToken, refreshTokenMaxReuse and grace', () => {
  let server: TestServer;
  const realm = (name: string, settings: object) => ({ ...demoRealm(name), ...settings });
  before(async () => {
    server = await startServer({
      realms: [
        realm('latchkey-default', {}),
        realm('keycloak-default', { revokeRefreshToken: false, refreshTokenMaxReuse: 0 }),
        realm('max-reuse', { revokeRefreshToken: true, refreshTokenMaxReuse: 1, attributes: { refreshTokenReuseGrace: '0' } }),
        realm('short-grace', { attributes: { refreshTokenReuseGrace: '3' } }),
      ],
    });
  });
  after(async () => { await server.stop(); });

  const signInTo = async (name: string) => {
    const config = await rp(server, name, 'webapp', 'webapp-secret');
    const tokens = await client.genericGrantRequest(config, 'password', { username: 'alice', password: 'alice-pw', scope: 'openid' });
    return { config, tokens };
  };
  const refreshRaw = (name: string, token: string) => postForm(realmUrl(server, name, '/protocol/openid-connect/token'),
    { grant_type: 'refresh_token', refresh_token: token }, { authorization: basic('webapp', 'webapp-secret') });
  const sessionAlive = async (name: string, accessToken: string) => (await userinfo(server, name, accessToken)).status === 200;

  it('Latchkey\'s default: six parallel refreshes with one token all succeed, and every token they return works', async () => {
    const { config, tokens } = await signInTo('latchkey-default');
    const results = await Promise.all(Array.from({ length: 6 }, () => refreshRaw('latchkey-default', tokens.refresh_token!)));
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200, 200], JSON.stringify(results.map((r) => r.json)));
    for (const r of results) assert.ok(await sessionAlive('latchkey-default', r.json.access_token));
    const next = await client.refreshTokenGrant(config, results[5].json.refresh_token);
    assert.ok(await sessionAlive('latchkey-default', next.access_token));
  });

  it('after the grace, reuse of a spent token still revokes the family and ends the session', async () => {
    const { tokens } = await signInTo('short-grace');
    const first = await refreshRaw('short-grace', tokens.refresh_token!);
    assert.equal(first.status, 200);
    const usedAt = Date.now();
    const within = await refreshRaw('short-grace', tokens.refresh_token!);
    assert.equal(within.status, 200, 'within the grace');
    // The grace is 3 whole seconds from the last use.
    await new Promise((r) => setTimeout(r, Math.max(0, usedAt + 4_100 - Date.now())));
    const after = await refreshRaw('short-grace', tokens.refresh_token!);
    assertProtocolError(after, 400, 'invalid_grant');
    assert.match(after.json.error_description, /reuse/);
    assert.equal((await refreshRaw('short-grace', within.json.refresh_token)).status, 400, 'the family is revoked');
    assert.equal(await sessionAlive('short-grace', first.json.access_token), false, 'and so is the session');
  });

  it('revokeRefreshToken false (Keycloak\'s default): a refresh token is good until it expires, however often used', async () => {
    const { config, tokens } = await signInTo('keycloak-default');
    for (let i = 0; i < 3; i++) {
      const next = await client.refreshTokenGrant(config, tokens.refresh_token!);
      assert.ok(next.refresh_token);
    }
    const introspection = await postForm(introspectUrl(server, 'keycloak-default'), { token: tokens.refresh_token! },
      { authorization: basic('webapp', 'webapp-secret') });
    assert.equal(introspection.json.active, true, 'still active after use');
    assert.ok(await sessionAlive('keycloak-default', tokens.access_token));
  });

  it('refreshTokenMaxReuse 1: a token makes two refreshes; the third use is reuse', async () => {
    const { tokens } = await signInTo('max-reuse');
    const introspect = (token: string) => postForm(introspectUrl(server, 'max-reuse'), { token },
      { authorization: basic('webapp', 'webapp-secret') });
    assert.equal((await refreshRaw('max-reuse', tokens.refresh_token!)).status, 200);
    assert.equal((await introspect(tokens.refresh_token!)).json.active, true, 'one use left');
    const second = await refreshRaw('max-reuse', tokens.refresh_token!);
    assert.equal(second.status, 200);
    assert.equal((await introspect(tokens.refresh_token!)).json.active, false, 'spent');
    const third = await refreshRaw('max-reuse', tokens.refresh_token!);
    assertProtocolError(third, 400, 'invalid_grant');
    assert.equal(third.json.error_description, 'Maximum allowed refresh token reuse exceeded; its token family and session are revoked');
    assert.equal((await refreshRaw('max-reuse', second.json.refresh_token)).status, 400, 'the family is revoked');
  });

  it('the admin API shows and changes the settings, defaults applied', async () => {
    const admin = await postForm(realmUrl(server, 'master', '/protocol/openid-connect/token'),
      { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: ADMIN_PASSWORD });
    const headers = { authorization: `Bearer ${admin.json.access_token}`, 'content-type': 'application/json' };
    const get = async (name: string) => (await send(`${server.url}/admin/realms/${name}`, { headers })).json;
    const shown = await get('latchkey-default');
    assert.deepEqual([shown.revokeRefreshToken, shown.refreshTokenMaxReuse, shown.attributes.refreshTokenReuseGrace], [true, 0, '10']);
    const keycloak = await get('keycloak-default');
    assert.deepEqual([keycloak.revokeRefreshToken, keycloak.refreshTokenMaxReuse], [false, 0]);
    const put = await send(`${server.url}/admin/realms/keycloak-default`, {
      method: 'PUT', headers, body: JSON.stringify({ revokeRefreshToken: true, refreshTokenMaxReuse: 2, attributes: { refreshTokenReuseGrace: '5' } }),
    });
    assert.equal(put.status, 204, put.text);
    const changed = await get('keycloak-default');
    assert.deepEqual([changed.revokeRefreshToken, changed.refreshTokenMaxReuse, changed.attributes.refreshTokenReuseGrace], [true, 2, '5']);
    const bad = await send(`${server.url}/admin/realms/keycloak-default`, { method: 'PUT', headers, body: JSON.stringify({ refreshTokenMaxReuse: -1 }) });
    assert.equal(bad.status, 400);
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
