import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK } from 'jose';
import * as client from 'openid-client';
import { claimsOf } from '../helpers/oidc.js';
import { clientCredentials, oidcPath, send } from '../helpers/http.js';
import { HttpBrowser, isLoginPage } from '../helpers/http-browser.js';
import { basic, demoRealm, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

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

  describe('lists exactly what is supported', () => {
    const REALM = 'everything';
    const REDIRECT = 'https://app.example/cb';
    const ALICE = { username: 'alice', password: 'alice-pw' };
    const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
    const HMAC_SECRET = 'a-client-secret-long-enough-for-hs512-signatures-0123456789abcdef';
    let server: TestServer;
    let meta: Record<string, unknown>;
    // One private key per asymmetric algorithm, published (by kid = alg) in the client's jwks.string.
    const keys = new Map<string, CryptoKey>();

    before(async () => {
      const published: JWK[] = [];
      for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
        const pair = await generateKeyPair(alg, { extractable: true });
        keys.set(alg, pair.privateKey);
        published.push({ ...(await exportJWK(pair.publicKey)), kid: alg, alg, use: 'sig' });
      }
      server = await startServer({
        realms: [{
          realm: REALM, enabled: true,
          roles: { realm: [{ name: 'reader' }] },
          clients: [
            {
              clientId: 'keys', publicClient: false, clientAuthenticatorType: 'client-jwt', redirectUris: [REDIRECT],
              standardFlowEnabled: true, implicitFlowEnabled: true, serviceAccountsEnabled: true,
              attributes: { 'use.jwks.string': 'true', 'jwks.string': JSON.stringify({ keys: published }), 'request.object.signature.alg': 'any' },
            },
            { clientId: 'hmac', publicClient: false, clientAuthenticatorType: 'client-secret-jwt', secret: HMAC_SECRET, serviceAccountsEnabled: true },
            {
              clientId: 'plain', publicClient: false, secret: 'plain-secret', redirectUris: [REDIRECT], serviceAccountsEnabled: true, directAccessGrantsEnabled: true,
              attributes: { 'oauth2.device.authorization.grant.enabled': 'true', 'standard.token.exchange.enabled': 'true' },
            },
            { clientId: 'pub', publicClient: true, directAccessGrantsEnabled: true, redirectUris: [REDIRECT] },
          ],
          users: [{
            username: 'alice', enabled: true, email: 'alice@example.com', emailVerified: true, firstName: 'Alice', lastName: 'Liddell',
            credentials: [{ type: 'password', value: 'alice-pw' }], realmRoles: ['reader'],
            // A value for every claim of the built-in scopes.
            attributes: Object.fromEntries(Object.entries({
              phoneNumber: '+31 20 123 4567', phoneNumberVerified: 'true', middleName: 'Pleasance', nickname: 'Al', picture: 'https://app.example/a.png',
              profile: 'https://app.example/alice', website: 'https://alice.example', gender: 'female', birthdate: '1852-05-04', zoneinfo: 'Europe/London',
              locale: 'en', updatedAt: '1700000000', street: '1 Rabbit Hole', locality: 'Oxford', country: 'UK',
            }).map(([k, v]) => [k, [v]])),
          }],
        }],
      });
      meta = (await send(realmUrl(server, REALM, '/.well-known/openid-configuration'))).json;
    });
    after(async () => { await server?.stop(); });

    const issuer = () => server.issuer(REALM);
    const at = (path: string) => `${issuer()}/protocol/openid-connect/${path}`;
    const list = (member: string) => {
      const value = meta[member];
      assert.ok(Array.isArray(value) && value.length > 0, `${member} is a list`);
      return value as string[];
    };
    const assertion = (clientId: string, alg: string, audience = issuer()) => {
      const key = alg.startsWith('HS') ? new TextEncoder().encode(HMAC_SECRET) : keys.get(alg)!;
      return new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg, ...(alg.startsWith('HS') ? {} : { kid: alg }) })
        .setIssuer(clientId).setSubject(clientId).setAudience(audience).setIssuedAt().setExpirationTime('1m').sign(key);
    };
    const authUrl = (params: Record<string, string>) => `${at('auth')}?${new URLSearchParams({ client_id: 'keys', redirect_uri: REDIRECT, scope: 'openid', ...params })}`;
    const accepted = async (params: Record<string, string>, what: string) => {
      const page = await new HttpBrowser().visit(authUrl(params));
      assert.ok(isLoginPage(page), `${what}: ${page.status} ${page.location ?? page.text.slice(0, 200)}`);
    };

    it('advertises the endpoints and flags of what is served, and nothing else', async () => {
      assert.deepEqual(Object.keys(meta).sort(), [
        'acr_values_supported', 'authorization_endpoint', 'authorization_response_iss_parameter_supported', 'backchannel_logout_session_supported',
        'backchannel_logout_supported', 'check_session_iframe', 'claims_parameter_supported', 'claims_supported', 'code_challenge_methods_supported',
        'device_authorization_endpoint', 'dpop_signing_alg_values_supported', 'end_session_endpoint', 'frontchannel_logout_session_supported',
        'frontchannel_logout_supported', 'grant_types_supported', 'id_token_signing_alg_values_supported', 'introspection_endpoint',
        'introspection_endpoint_auth_methods_supported', 'introspection_endpoint_auth_signing_alg_values_supported', 'issuer', 'jwks_uri',
        'prompt_values_supported', 'pushed_authorization_request_endpoint', 'request_object_signing_alg_values_supported',
        'request_parameter_supported', 'request_uri_parameter_supported', 'require_pushed_authorization_requests', 'require_request_uri_registration',
        'response_modes_supported',
        'response_types_supported', 'revocation_endpoint', 'revocation_endpoint_auth_methods_supported', 'revocation_endpoint_auth_signing_alg_values_supported',
        'scopes_supported', 'subject_types_supported', 'token_endpoint', 'token_endpoint_auth_methods_supported',
        'token_endpoint_auth_signing_alg_values_supported', 'ui_locales_supported', 'userinfo_endpoint', 'userinfo_signing_alg_values_supported',
      ]);
      assert.equal(meta.device_authorization_endpoint, at('auth/device'));
      assert.equal(meta.pushed_authorization_request_endpoint, `${issuer()}/protocol/openid-connect/ext/par/request`);
      // PAR is required per client (require.pushed.authorization.requests), not of every client.
      assert.equal(meta.require_pushed_authorization_requests, false);
      for (const flag of ['authorization_response_iss_parameter_supported', 'backchannel_logout_supported', 'backchannel_logout_session_supported',
        'frontchannel_logout_supported', 'frontchannel_logout_session_supported', 'claims_parameter_supported', 'request_parameter_supported',
        'request_uri_parameter_supported', 'require_request_uri_registration']) assert.equal(meta[flag], true, flag);
      assert.deepEqual(list('grant_types_supported').sort(), [
        'authorization_code', 'client_credentials', 'implicit', 'password', 'refresh_token',
        'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:token-exchange',
      ]);
      assert.deepEqual(list('token_endpoint_auth_methods_supported').sort(), ['client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'none', 'private_key_jwt']);
      // Public clients may revoke their tokens (RFC 7009 §5), not introspect them.
      assert.deepEqual(list('revocation_endpoint_auth_methods_supported').sort(), list('token_endpoint_auth_methods_supported').sort());
      assert.deepEqual(list('introspection_endpoint_auth_methods_supported').sort(), ['client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'private_key_jwt']);
      assert.deepEqual(list('code_challenge_methods_supported'), ['plain', 'S256']);
    });

    it('every grant type is taken by the token endpoint, implicit by the authorization endpoint', async () => {
      for (const grant of list('grant_types_supported')) {
        if (grant === 'implicit') {
          await accepted({ response_type: 'id_token token', nonce: 'n' }, 'implicit');
          continue;
        }
        const res = await postForm(at('token'), { grant_type: grant }, { authorization: basic('plain', 'plain-secret') });
        assert.notEqual(res.json.error, 'unsupported_grant_type', grant);
        if (grant === 'client_credentials') assert.equal(res.status, 200, res.text);
      }
    });

    it('every response type, response mode and code challenge method is accepted', async () => {
      for (const type of list('response_types_supported')) await accepted({ response_type: type, nonce: 'n' }, type);
      for (const mode of list('response_modes_supported')) await accepted({ response_type: 'code', response_mode: mode }, mode);
      for (const method of list('code_challenge_methods_supported')) {
        await accepted({ response_type: 'code', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: method }, method);
      }
    });

    it('every request object algorithm is accepted, none included', async () => {
      for (const alg of list('request_object_signing_alg_values_supported')) {
        const claims = { iss: 'keys', aud: issuer(), client_id: 'keys', response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', jti: randomUUID() };
        const request = alg === 'none'
          ? new UnsecuredJWT(claims).setIssuedAt().setExpirationTime('1m').encode()
          : await new SignJWT(claims).setProtectedHeader({ alg, kid: alg }).setIssuedAt().setExpirationTime('1m').sign(keys.get(alg)!);
        await accepted({ request }, `a request object signed with ${alg}`);
      }
      // require_request_uri_registration: a request_uri the client did not register is not fetched.
      const unregistered = await new HttpBrowser().visit(authUrl({ request_uri: 'https://elsewhere.example/request.jwt' }));
      assert.ok(!isLoginPage(unregistered), 'an unregistered request_uri');
      assert.match(unregistered.location ?? unregistered.text, /request_uri_not_supported|request\.uris/);
    });

    it('every client authentication method and assertion algorithm works at the token, introspection and revocation endpoints', async () => {
      const token = (await postForm(at('token'), { grant_type: 'client_credentials' }, { authorization: basic('plain', 'plain-secret') })).json.access_token;
      const pubToken = (await postForm(at('token'), { grant_type: 'password', client_id: 'pub', ...ALICE })).json.access_token;
      const byMethod: Record<string, () => Promise<{ params: Record<string, string>; headers?: Record<string, string>; token: string }>> = {
        client_secret_basic: async () => ({ params: {}, headers: { authorization: basic('plain', 'plain-secret') }, token }),
        client_secret_post: async () => ({ params: { client_id: 'plain', client_secret: 'plain-secret' }, token }),
        client_secret_jwt: async () => ({ params: { client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion('hmac', 'HS256') }, token }),
        private_key_jwt: async () => ({ params: { client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion('keys', 'PS256') }, token }),
        none: async () => ({ params: { client_id: 'pub' }, token: pubToken }),
      };
      const endpoints = { token_endpoint: 'token', introspection_endpoint: 'token/introspect', revocation_endpoint: 'revoke' } as const;
      for (const [endpoint, path] of Object.entries(endpoints)) {
        for (const method of list(`${endpoint}_auth_methods_supported`)) {
          const { params, headers, token: subject } = await byMethod[method]();
          const grant: Record<string, string> = endpoint === 'token_endpoint'
            ? (method === 'none' ? { grant_type: 'password', ...ALICE } : { grant_type: 'client_credentials' })
            : { token: subject };
          const res = await postForm(at(path), { ...grant, ...params }, headers);
          assert.equal(res.status, 200, `${method} at ${path}: ${res.text}`);
        }
        for (const alg of list(`${endpoint}_auth_signing_alg_values_supported`)) {
          const clientId = alg.startsWith('HS') ? 'hmac' : 'keys';
          const grant: Record<string, string> = endpoint === 'token_endpoint' ? { grant_type: 'client_credentials' } : { token };
          const res = await postForm(at(path), { ...grant, client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(clientId, alg) });
          assert.equal(res.status, 200, `an assertion signed with ${alg} at ${path}: ${res.text}`);
        }
      }
    });

    it('every DPoP algorithm binds a token', async () => {
      for (const alg of list('dpop_signing_alg_values_supported')) {
        const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
        const proof = await new SignJWT({ htm: 'POST', htu: at('token'), jti: randomUUID() }).setIssuedAt()
          .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: await exportJWK(publicKey) }).sign(privateKey);
        const res = await postForm(at('token'), { grant_type: 'client_credentials' }, { authorization: basic('plain', 'plain-secret'), dpop: proof });
        assert.equal(res.status, 200, `${alg}: ${res.text}`);
        assert.equal(res.json.token_type, 'DPoP', alg);
      }
    });

    it('every ID token algorithm has a published key; every scope may be asked for; every claim is given', async () => {
      const published = (await jwks(server, REALM)).map((k) => k.alg);
      for (const alg of list('id_token_signing_alg_values_supported')) assert.ok(published.includes(alg), alg);
      assert.ok(list('scopes_supported').includes('openid'));
      const scope = list('scopes_supported').join(' ');
      const browser = new HttpBrowser();
      const back = await browser.authorize(authUrl({ client_id: 'plain', response_type: 'code', scope }), ALICE);
      assert.ok(back.location?.startsWith(REDIRECT), `every scope at once: ${back.status} ${back.location ?? back.text.slice(0, 200)}`);
      const code = new URL(back.location!).searchParams.get('code');
      assert.ok(code, back.location);
      const tokens = await postForm(at('token'), { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: basic('plain', 'plain-secret') });
      assert.equal(tokens.status, 200, tokens.text);
      const info = await send(at('userinfo'), { headers: { authorization: `Bearer ${tokens.json.access_token}` } });
      const given = new Set([...Object.keys(claimsOf(tokens.json.id_token)), ...Object.keys(info.json)]);
      for (const claim of list('claims_supported')) assert.ok(given.has(claim), `${claim} is given`);
      // And the other way: every claim about the user that userinfo gives is listed.
      assert.deepEqual(Object.keys(info.json).filter((claim) => !list('claims_supported').includes(claim)), []);
    });
  });
});
