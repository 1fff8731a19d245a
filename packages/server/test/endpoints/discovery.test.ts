import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { claimsOf } from '../helpers/oidc.js';
import { clientCredentials, oidcPath, send } from '../helpers/http.js';
import { demoRealm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
// Keycloak allows realm names up to 255 characters; this one is well inside that.
const LONG_REALM = 'long-' + 'x'.repeat(115);

function discover(issuer: string, opts: { algorithm?: 'oidc' | 'oauth2' } = {}) {
  return client.discovery(new URL(issuer), 'machine', 'machine-secret', client.ClientSecretBasic('machine-secret'), {
    ...opts,
    execute: [client.allowInsecureRequests],
  });
}

async function jwks(server: TestServer, realm: string): Promise<Array<Record<string, unknown>>> {
  const res = await send(realmUrl(server, realm, oidcPath('certs')));
  assert.equal(res.status, 200, res.text);
  return res.json.keys;
}

describe('discovery', () => {
  describe('at the root path', () => {
    let server: TestServer;
    before(async () => { server = await startServer({ realms: [demoRealm(), demoRealm('second'), demoRealm(LONG_REALM)] }); });
    after(async () => { await server?.stop(); });

    it('openid-client discovers the realm from its issuer and can use what it found', async () => {
      const issuer = server.issuer('demo');
      assert.equal(issuer, `http://localhost:${server.port}/realms/demo`);
      const config = await discover(issuer);
      const meta = config.serverMetadata();
      assert.equal(meta.issuer, issuer);
      const endpoints = {
        token_endpoint: 'token', userinfo_endpoint: 'userinfo', jwks_uri: 'certs',
        introspection_endpoint: 'token/introspect', revocation_endpoint: 'revoke',
      } as const;
      for (const [member, path] of Object.entries(endpoints)) {
        assert.equal(meta[member], `${issuer}/protocol/openid-connect/${path}`, member);
      }
      for (const grant of ['client_credentials', 'password', 'refresh_token']) {
        assert.ok(meta.grant_types_supported?.includes(grant), `grant_types_supported has ${grant}`);
      }
      for (const method of ['client_secret_basic', 'client_secret_post']) {
        assert.ok(meta.token_endpoint_auth_methods_supported?.includes(method), `token_endpoint_auth_methods_supported has ${method}`);
      }
      assert.ok(meta.id_token_signing_alg_values_supported?.includes('RS256'), 'RS256 is always supported for ID tokens');
      assert.ok(meta.scopes_supported?.includes('openid'));
      assert.equal(meta.authorization_endpoint, `${issuer}/protocol/openid-connect/auth`);
      assert.equal(meta.end_session_endpoint, `${issuer}/protocol/openid-connect/logout`);
      assert.deepEqual(meta.response_types_supported,
        ['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token']);
      assert.deepEqual(meta.code_challenge_methods_supported, ['plain', 'S256']);
      assert.equal(meta.authorization_response_iss_parameter_supported, true);
      assert.ok(meta.grant_types_supported?.includes('authorization_code'));

      const tokens = await client.clientCredentialsGrant(config);
      assert.equal(claimsOf(tokens.access_token).iss, issuer, 'tokens name the discovered issuer');
    });

    it('serves RFC 8414 metadata beside the OIDC document and at the RFC 8414 §3 path, identical to it', async () => {
      const oidc = await send(realmUrl(server, 'demo', '/.well-known/openid-configuration'));
      const beside = await send(realmUrl(server, 'demo', '/.well-known/oauth-authorization-server'));
      const inserted = await send(`${server.url}/.well-known/oauth-authorization-server/realms/demo`);
      for (const res of [oidc, beside, inserted]) {
        assert.equal(res.status, 200, res.text);
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      }
      assert.deepEqual(beside.json, oidc.json);
      assert.deepEqual(inserted.json, beside.json);
      assert.equal(inserted.json.issuer, server.issuer('demo'));

      // openid-client's RFC 8414 discovery uses the inserted path.
      const config = await discover(server.issuer('demo'), { algorithm: 'oauth2' });
      assert.equal(config.serverMetadata().issuer, server.issuer('demo'));
    });

    it('each realm has its own issuer and document', async () => {
      const config = await discover(server.issuer('second'));
      assert.equal(config.serverMetadata().issuer, `http://localhost:${server.port}/realms/second`);
      assert.equal(config.serverMetadata().token_endpoint, `${server.issuer('second')}/protocol/openid-connect/token`);
    });

    it('publishes RS256, ES256 and EdDSA public keys with unique kids and no private members', async () => {
      const keys = await jwks(server, 'demo');
      const algs = keys.map((k) => k.alg).sort();
      assert.deepEqual(algs, ['ES256', 'EdDSA', 'RS256']);
      assert.deepEqual(keys.find((k) => k.alg === 'RS256')!.kty, 'RSA');
      assert.deepEqual(keys.find((k) => k.alg === 'ES256')!.crv, 'P-256');
      assert.deepEqual(keys.find((k) => k.alg === 'EdDSA')!.crv, 'Ed25519');
      for (const key of keys) {
        assert.equal(typeof key.kid, 'string', 'every key has a kid');
        assert.equal(key.use, 'sig');
        for (const member of PRIVATE_JWK_MEMBERS) assert.equal(key[member], undefined, `${key.alg} key has no "${member}"`);
      }
      assert.equal(new Set(keys.map((k) => k.kid)).size, keys.length, 'kids are unique within the realm');
    });

    it('kids are unique across realms too', async () => {
      const all = [...await jwks(server, 'demo'), ...await jwks(server, 'second')];
      assert.equal(all.length, 6);
      assert.equal(new Set(all.map((k) => k.kid)).size, all.length);
    });

    it('the published keys verify tokens of every algorithm the realm signs with', async () => {
      const keySet = createRemoteJWKSet(new URL(realmUrl(server, 'demo', oidcPath('certs'))));
      // machine's access tokens are ES256, eddsa's EdDSA, and spa's the realm default RS256.
      const ec = await clientCredentials(server, 'demo', 'machine', 'machine-secret');
      const ed = await clientCredentials(server, 'demo', 'eddsa', 'eddsa-secret');
      const pw = await send(realmUrl(server, 'demo', oidcPath('token')), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password', client_id: 'spa', username: 'alice', password: 'alice-pw', scope: 'openid' }).toString(),
      });
      assert.equal(pw.status, 200, pw.text);
      const tokens = { ES256: ec.json.access_token, EdDSA: ed.json.access_token, RS256: pw.json.access_token, 'RS256 (ID token)': pw.json.id_token };
      for (const [alg, token] of Object.entries(tokens)) {
        const { protectedHeader, payload } = await jwtVerify(token, keySet, { issuer: server.issuer('demo') });
        assert.equal(protectedHeader.alg, alg.split(' ')[0], alg);
        assert.equal(payload.iss, server.issuer('demo'));
      }
    });

    it('serves a realm whose name is long (120 characters) like any other', async () => {
      const res = await send(realmUrl(server, LONG_REALM, '/.well-known/openid-configuration'));
      assert.equal(res.status, 200, `${res.status} ${res.text.slice(0, 200)}`);
      assert.equal(res.json.issuer, server.issuer(LONG_REALM));
      const token = await clientCredentials(server, LONG_REALM, 'machine', 'machine-secret');
      assert.equal(token.status, 200, token.text.slice(0, 200));
    });
  });

  describe('with --http-relative-path /auth', () => {
    let server: TestServer;
    before(async () => { server = await startServer({ realms: [demoRealm()], args: ['--http-relative-path', '/auth'] }); });
    after(async () => { await server?.stop(); });

    it('the issuer gains the prefix', () => {
      assert.equal(server.issuer('demo'), `http://localhost:${server.port}/auth/realms/demo`);
    });

    it('health answers under /auth', async () => {
      const ready = await send(`http://127.0.0.1:${server.port}/auth/health/ready`);
      assert.equal(ready.status, 200, ready.text);
      assert.equal(ready.json.status, 'UP');
      const live = await send(`http://127.0.0.1:${server.port}/auth/health/live`);
      assert.equal(live.status, 200, live.text);
    });

    it('the OIDC document is served at <issuer>/.well-known/openid-configuration', async () => {
      const res = await send(`${server.issuer('demo')}/.well-known/openid-configuration`);
      assert.equal(res.status, 200, `GET ${server.issuer('demo')}/.well-known/openid-configuration: ${res.status} ${res.text}`);
      assert.equal(res.json.issuer, server.issuer('demo'));
    });

    it('openid-client discovery works against the prefixed issuer', async () => {
      const config = await discover(server.issuer('demo'));
      const meta = config.serverMetadata();
      assert.equal(meta.issuer, server.issuer('demo'));
      assert.equal(meta.token_endpoint, `${server.issuer('demo')}/protocol/openid-connect/token`);
      const tokens = await client.clientCredentialsGrant(config);
      assert.equal(claimsOf(tokens.access_token).iss, server.issuer('demo'));
    });

    it('RFC 8414 metadata: beside the OIDC document under /auth, and at the root with the path inserted', async () => {
      const beside = await send(`${server.issuer('demo')}/.well-known/oauth-authorization-server`);
      assert.equal(beside.status, 200, `GET ${server.issuer('demo')}/.well-known/oauth-authorization-server: ${beside.status} ${beside.text}`);
      const inserted = await send(`http://127.0.0.1:${server.port}/.well-known/oauth-authorization-server/auth/realms/demo`);
      assert.equal(inserted.status, 200, inserted.text);
      assert.equal(inserted.json.issuer, server.issuer('demo'));
      assert.deepEqual(beside.json, inserted.json);
    });

    it('protocol endpoints live under /auth', async () => {
      const certs = await send(`${server.url}/realms/demo${oidcPath('certs')}`);
      assert.equal(certs.status, 200);
      assert.ok(server.url.endsWith('/auth'));
      const token = await clientCredentials(server, 'demo', 'machine', 'machine-secret');
      assert.equal(token.status, 200, token.text);
      assert.equal(claimsOf(token.json.access_token).iss, server.issuer('demo'));
      const outside = await send(`http://127.0.0.1:${server.port}/realms/demo${oidcPath('certs')}`);
      assert.equal(outside.status, 404, 'nothing under /realms outside the relative path');
    });
  });
});
