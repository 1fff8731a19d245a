import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { claimsOf, client, rp } from '../helpers/oidc.js';
import { demoRealm, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

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
});
