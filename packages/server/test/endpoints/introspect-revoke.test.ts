import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken } from '../admin/fixture.js';
import { claimsOf, client, rp } from '../helpers/oidc.js';
import { assertProtocolError, clientCredentials, introspectUrl, revokeUrl, tokenUrl, userinfo } from '../helpers/http.js';
import { basic, demoRealm, postForm, startServer, type TestServer } from '../helpers/server.js';

describe('introspection (RFC 7662) and revocation (RFC 7009)', () => {
  let server: TestServer;
  let webapp: client.Configuration;
  let otherClient: client.Configuration;

  before(async () => {
    server = await startServer({ realms: [demoRealm(), demoRealm('other')] });
    webapp = await rp(server, 'demo', 'webapp', 'webapp-secret');
    otherClient = await rp(server, 'demo', 'no-refresh', 'nr-secret');
  });
  after(async () => { await server?.stop(); });

  const signIn = () => client.genericGrantRequest(webapp, 'password', { username: 'alice', password: 'alice-pw', scope: 'openid phone' });
  const refresh = (refreshToken: string) =>
    postForm(tokenUrl(server, 'demo'), { grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basic('webapp', 'webapp-secret') });

  describe('introspection', () => {
    it('describes an active access token to a confidential client', async () => {
      const tokens = await signIn();
      const access = claimsOf(tokens.access_token);
      const info = await client.tokenIntrospection(webapp, tokens.access_token);
      assert.equal(info.active, true);
      assert.equal(info.sub, access.sub);
      assert.equal(info.client_id, 'webapp');
      assert.equal(info.username, 'alice');
      assert.equal(info.scope, access.scope);
      assert.deepEqual(new Set(String(info.scope).split(' ')), new Set(['openid', 'profile', 'email', 'phone']));
      assert.equal(info.exp, access.exp);
      assert.ok(Number(info.exp) > Date.now() / 1000);
      assert.equal(info.iss, server.issuer('demo'));
      assert.equal(info.token_type, 'Bearer');
    });

    it('another confidential client of the realm may introspect it too', async () => {
      const tokens = await signIn();
      const info = await client.tokenIntrospection(otherClient, tokens.access_token);
      assert.equal(info.active, true);
      assert.equal(info.client_id, 'webapp', 'client_id is the client the token was issued to');
    });

    it('describes a service-account token', async () => {
      const cc = await clientCredentials(server, 'demo', 'machine', 'machine-secret');
      const info = await client.tokenIntrospection(webapp, cc.json.access_token);
      assert.equal(info.active, true);
      assert.equal(info.client_id, 'machine');
      assert.equal(info.username, 'service-account-machine');
    });

    it('describes an active refresh token, with or without the hint', async () => {
      const tokens = await signIn();
      const access = claimsOf(tokens.access_token);
      const hints: Array<Record<string, string>> = [{}, { token_type_hint: 'refresh_token' }, { token_type_hint: 'access_token' }];
      for (const params of hints) {
        const info = await client.tokenIntrospection(webapp, tokens.refresh_token!, params);
        assert.equal(info.active, true, JSON.stringify(params));
        assert.equal(info.client_id, 'webapp');
        assert.equal(info.sub, access.sub);
        assert.equal(info.username, 'alice');
        assert.ok(Number(info.exp) > Date.now() / 1000);
      }
    });

    it('a refresh token reports the same scope as the access token of its grant', async () => {
      const tokens = await signIn();
      const info = await client.tokenIntrospection(webapp, tokens.refresh_token!);
      assert.equal(info.scope, claimsOf(tokens.access_token).scope);
    });

    it('garbage, a token of another realm and a used refresh token are inactive, with nothing else said', async () => {
      const otherRealm = await clientCredentials(server, 'other', 'machine', 'machine-secret');
      const tokens = await signIn();
      const rotated = await refresh(tokens.refresh_token!);
      assert.equal(rotated.status, 200, rotated.text);
      for (const token of ['garbage', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', otherRealm.json.access_token, tokens.refresh_token!]) {
        const res = await postForm(introspectUrl(server, 'demo'), { token }, { authorization: basic('webapp', 'webapp-secret') });
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.json, { active: false });
        assert.match(res.headers.get('cache-control') ?? '', /no-store/);
      }
      assert.equal((await client.tokenIntrospection(webapp, 'garbage')).active, false);
    });

    it('tokens of a disabled or deleted client are inactive, access and refresh alike', async () => {
      const admin = adminApi(server, await masterAdminToken(server));
      const introspect = async (token: string) =>
        (await postForm(introspectUrl(server, 'demo'), { token }, { authorization: basic('webapp', 'webapp-secret') })).json;
      for (const fate of ['disabled', 'deleted'] as const) {
        const clientId = `fleeting-${fate}`;
        const id = await admin.create('/realms/demo/clients', { clientId, publicClient: true, directAccessGrantsEnabled: true });
        const tokens = await postForm(tokenUrl(server, 'demo'), { grant_type: 'password', client_id: clientId, username: 'alice', password: 'alice-pw' });
        assert.equal(tokens.status, 200, tokens.text);
        assert.equal((await introspect(tokens.json.access_token)).active, true);
        assert.equal((await introspect(tokens.json.refresh_token)).active, true);
        const res = fate === 'disabled'
          ? await admin.put(`/realms/demo/clients/${id}`, { clientId, enabled: false })
          : await admin.delete(`/realms/demo/clients/${id}`);
        assert.equal(res.status, 204, res.text);
        assert.deepEqual(await introspect(tokens.json.access_token), { active: false }, `access token, client ${fate}`);
        assert.deepEqual(await introspect(tokens.json.refresh_token), { active: false }, `refresh token, client ${fate}`);
      }
    });

    it('refuses a public client (401), with the Basic challenge when it sent a Basic header', async () => {
      const tokens = await signIn();
      const res = await postForm(introspectUrl(server, 'demo'), { token: tokens.access_token, client_id: 'spa' });
      assertProtocolError(res, 401, 'invalid_client');
      // RFC 6749 §5.2: a client that tried the Authorization header is answered with a challenge.
      const viaBasic = await postForm(introspectUrl(server, 'demo'), { token: tokens.access_token }, { authorization: basic('spa', 'whatever') });
      assertProtocolError(viaBasic, 401, 'invalid_client');
      assert.equal(viaBasic.headers.get('www-authenticate'), 'Basic realm="demo"');
      assert.equal(viaBasic.json.error_description, 'Public clients may not introspect tokens');
    });

    it('refuses a request without client authentication (401)', async () => {
      const tokens = await signIn();
      const res = await postForm(introspectUrl(server, 'demo'), { token: tokens.access_token });
      assertProtocolError(res, 401, 'invalid_client');
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="demo"/);
    });

    it('refuses a wrong client secret (401)', async () => {
      const tokens = await signIn();
      const res = await postForm(introspectUrl(server, 'demo'), { token: tokens.access_token }, { authorization: basic('webapp', 'nope') });
      assertProtocolError(res, 401, 'invalid_client');
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="demo"');
    });
  });

  describe('revocation', () => {
    it('revoking an access token makes it inactive and refused at userinfo', async () => {
      const tokens = await signIn();
      assert.equal((await userinfo(server, 'demo', tokens.access_token)).status, 200);
      await client.tokenRevocation(webapp, tokens.access_token);
      const info = await client.tokenIntrospection(webapp, tokens.access_token);
      assert.equal(info.active, false);
      const res = await userinfo(server, 'demo', tokens.access_token);
      assertProtocolError(res, 401, 'invalid_token');
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    });

    it('revoking a refresh token ends it: the refresh grant says invalid_grant and introspection inactive', async () => {
      const tokens = await signIn();
      await client.tokenRevocation(webapp, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
      const res = await refresh(tokens.refresh_token!);
      assertProtocolError(res, 400, 'invalid_grant');
      const info = await client.tokenIntrospection(webapp, tokens.refresh_token!);
      assert.equal(info.active, false);
    });

    it('a rotated refresh token of a revoked family is refused as well', async () => {
      const tokens = await signIn();
      const rotated = await refresh(tokens.refresh_token!);
      assert.equal(rotated.status, 200, rotated.text);
      await client.tokenRevocation(webapp, rotated.json.refresh_token);
      assertProtocolError(await refresh(rotated.json.refresh_token), 400, 'invalid_grant');
    });

    it('a public client may revoke its own tokens', async () => {
      const signedIn = await postForm(tokenUrl(server, 'demo'), { grant_type: 'password', client_id: 'spa', username: 'alice', password: 'alice-pw' });
      assert.equal(signedIn.status, 200, signedIn.text);
      const res = await postForm(revokeUrl(server, 'demo'), { token: signedIn.json.refresh_token, client_id: 'spa' });
      assert.equal(res.status, 200, res.text);
      const again = await postForm(tokenUrl(server, 'demo'), { grant_type: 'refresh_token', client_id: 'spa', refresh_token: signedIn.json.refresh_token });
      assertProtocolError(again, 400, 'invalid_grant');
    });

    it('revoking another client\'s token is refused with 400 unauthorized_client, and the token stays active', async () => {
      const tokens = await signIn();
      for (const token of [tokens.access_token, tokens.refresh_token!]) {
        const res = await postForm(revokeUrl(server, 'demo'), { token }, { authorization: basic('no-refresh', 'nr-secret') });
        assertProtocolError(res, 400, 'unauthorized_client');
        assert.equal((await client.tokenIntrospection(webapp, token)).active, true);
      }
    });

    it('revoking garbage or an unknown token answers 200', async () => {
      await client.tokenRevocation(webapp, 'garbage');
      for (const token of ['garbage', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'a'.repeat(43)]) {
        const res = await postForm(revokeUrl(server, 'demo'), { token }, { authorization: basic('webapp', 'webapp-secret') });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.text, '');
      }
    });

    it('revocation needs client authentication', async () => {
      const tokens = await signIn();
      assertProtocolError(await postForm(revokeUrl(server, 'demo'), { token: tokens.access_token }), 401, 'invalid_client');
      assertProtocolError(await postForm(revokeUrl(server, 'demo'), { token: tokens.access_token }, { authorization: basic('webapp', 'bad') }), 401, 'invalid_client');
      assert.equal((await client.tokenIntrospection(webapp, tokens.access_token)).active, true);
    });
  });
});
