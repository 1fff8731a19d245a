// The ID token checks of a brokered sign-in, beyond the signature: a provider of the test's
// own (a real one never sends these) signs ID tokens that are wrong in one way each (at_hash,
// azp, the hybrid flow's two subs, nonce, aud, iss, exp), on the front channel and from the
// token endpoint. Each must end on A's error page with an IDENTITY_PROVIDER_LOGIN_ERROR
// event, never a 500 and never a signed-in user; the same response untampered signs in, so
// that a refusal cannot come from the test's provider being wrong in some other way.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { sleep } from '../helpers/http.js';
import { HttpBrowser, type HttpPage } from '../helpers/http-browser.js';
import { halfHash } from '../helpers/relying-party.js';
import { realmUrl, startServer, type TestServer } from '../helpers/server.js';
import { close, listen } from './upstreams.js';

const REALM = 'validation';
const REDIRECT = 'http://localhost:9/cb';
const CLIENT = { id: 'latchkey', secret: 'validation-upstream-secret' };
const RESPONSE_TYPES = ['code', 'id_token', 'id_token token', 'code id_token', 'code token'] as const;
type ResponseType = typeof RESPONSE_TYPES[number];
const aliasOf = (type: ResponseType) => type.replace(/ /g, '-');

/** What the test's provider puts in an ID token, or changes in it: `front` is the authorization response's, `back` the token endpoint's. */
type Tamper = (claims: JWTPayload, channel: 'front' | 'back') => JWTPayload;

/** OIDC Core §3.3.2.11 for RS256: base64url of the left half of the SHA-256. */

/**
 * A minimal OpenID provider: discovery, its JWKS and a token endpoint. The authorization
 * endpoint is never visited: the test reads A's request to it and makes the response
 * (`respond`), with ID tokens changed by a Tamper, as a provider gone wrong would.
 */
async function startUpstream() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'upstream', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, object>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (path === '/.well-known/openid-configuration') {
      return json(200, {
        issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`,
        response_types_supported: RESPONSE_TYPES, response_modes_supported: ['query', 'fragment', 'form_post'],
        grant_types_supported: ['authorization_code', 'implicit'], subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['client_secret_post'],
      });
    }
    if (path === '/jwks') return json(200, { keys: [jwk] });
    if (path === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const tokens = form.get('client_secret') === CLIENT.secret ? codes.get(form.get('code') ?? '') : undefined;
        codes.delete(form.get('code') ?? '');
        if (tokens) json(200, tokens);
        else json(400, { error: 'invalid_grant' });
      });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  const issuer = `http://127.0.0.1:${await listen(server)}`;

  const idToken = (claims: JWTPayload) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid }).sign(privateKey);

  return {
    issuer,
    /** The parameters of the response to A's authorization request, for user `sub`, ID tokens changed by `tamper`. */
    async respond(authorizationUrl: URL, sub: string, tamper: Tamper): Promise<URLSearchParams> {
      const asked = authorizationUrl.searchParams;
      const types = new Set(asked.get('response_type')!.split(' '));
      const now = Math.floor(Date.now() / 1000);
      const claims = (extra: JWTPayload): JWTPayload => ({
        iss: issuer, sub, aud: CLIENT.id, iat: now, exp: now + 300, nonce: asked.get('nonce')!, ...extra,
      });
      const out = new URLSearchParams({ state: asked.get('state')! });
      const frontToken = `front-${crypto.randomUUID()}`;
      if (types.has('token')) {
        out.set('access_token', frontToken);
        out.set('token_type', 'Bearer');
      }
      if (types.has('code')) {
        const code = crypto.randomUUID();
        const backToken = `back-${crypto.randomUUID()}`;
        out.set('code', code);
        codes.set(code, {
          access_token: backToken, token_type: 'Bearer', expires_in: 300,
          id_token: await idToken(tamper(claims({ at_hash: halfHash(backToken) }), 'back')),
        });
      }
      if (types.has('id_token')) {
        const front: JWTPayload = {};
        if (types.has('code')) front.c_hash = halfHash(out.get('code')!);
        if (types.has('token')) front.at_hash = halfHash(frontToken);
        out.set('id_token', await idToken(tamper(claims(front), 'front')));
      }
      return out;
    },
    stop: () => close(server),
  };
}

/** A claim changed in the ID token of one channel only (the only one for the response types with one). */
const on = (channel: 'front' | 'back', change: JWTPayload): Tamper => (claims, c) => (c === channel ? { ...claims, ...change } : claims);

interface Case { what: string; type: ResponseType; tamper: Tamper; reason: RegExp }

const now = () => Math.floor(Date.now() / 1000);
const claimCases = (type: ResponseType, channel: 'front' | 'back'): Case[] => [
  { what: 'a wrong nonce', type, tamper: on(channel, { nonce: 'not-the-nonce-sent' }), reason: /\bnonce\b/ },
  { what: 'a wrong aud', type, tamper: on(channel, { aud: 'someone-else' }), reason: /\baud\b/ },
  { what: 'a wrong iss', type, tamper: on(channel, { iss: 'https://impostor.example' }), reason: /\biss\b/ },
  { what: 'an expired exp', type, tamper: on(channel, { iat: now() - 900, exp: now() - 600 }), reason: /\bexp\b.*past/ },
  { what: 'a foreign azp among several audiences', type, tamper: on(channel, { aud: [CLIENT.id, 'other-client'], azp: 'other-client' }), reason: /\bazp\b/ },
  { what: 'a foreign azp with us as the only audience', type, tamper: on(channel, { azp: 'other-client' }), reason: /\bazp\b/ },
];

const CASES: Case[] = [
  ...claimCases('id_token', 'front'),
  ...claimCases('code', 'back'),
  { what: 'a wrong at_hash', type: 'id_token token', tamper: on('front', { at_hash: halfHash('another access token') }), reason: /at_hash does not match/ },
  { what: 'a wrong at_hash', type: 'code token', tamper: on('back', { at_hash: halfHash('another access token') }), reason: /at_hash does not match/ },
  { what: 'two ID tokens naming different subs', type: 'code id_token', tamper: on('back', { sub: 'mallory' }), reason: /not about the same user/ },
];

describe('broker: ID token validation', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let a: TestServer;
  let admin: AdminApi;
  before(async () => {
    upstream = await startUpstream();
    a = await startServer({
      realms: [{
        realm: REALM, enabled: true,
        clients: [{ clientId: 'app', publicClient: true, redirectUris: [REDIRECT] }],
        // One provider per response type, all at the test's provider.
        identityProviders: RESPONSE_TYPES.map((type) => ({
          alias: aliasOf(type), providerId: 'oidc', enabled: true, responseType: type,
          config: {
            clientId: CLIENT.id, clientSecret: CLIENT.secret, clientAuthMethod: 'client_secret_post', issuer: upstream.issuer,
            defaultScope: 'openid', pkceEnabled: 'false', disableUserInfo: 'true',
          },
        })),
      }],
    });
    admin = adminApi(a, await masterAdminToken(a));
  });
  after(async () => {
    await a?.stop();
    await upstream?.stop();
  });

  const loginErrors = async () => {
    const res = await admin.get(`/realms/${REALM}/events?type=IDENTITY_PROVIDER_LOGIN_ERROR`);
    assert.equal(res.status, 200, res.text);
    return res.json as Array<{ error?: string; details?: Record<string, string> }>;
  };

  /** The app's request at A, through the provider's button, and the provider's response (as its redirect, or as A's fragment page posts it). */
  async function signIn(type: ResponseType, sub: string, tamper: Tamper): Promise<{ browser: HttpBrowser; page: HttpPage }> {
    const browser = new HttpBrowser();
    const login = await browser.visit(`${realmUrl(a, REALM, '/protocol/openid-connect/auth')}?${new URLSearchParams({
      client_id: 'app', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 'app-state',
    })}`);
    const button = new RegExp(`id="social-${aliasOf(type)}" href="([^"]+)"`).exec(login.text);
    assert.ok(button, `the button of ${aliasOf(type)} on ${login.status} ${login.text.slice(0, 300)}`);
    const toProvider = await browser.request(new URL(button[1].replace(/&amp;/g, '&'), login.url).href);
    assert.equal(toProvider.status, 302, toProvider.text);
    const authorization = new URL(toProvider.location!);
    assert.equal(authorization.origin, upstream.issuer);
    const response = await upstream.respond(authorization, sub, tamper);
    const callback = authorization.searchParams.get('redirect_uri')!;
    const page = type === 'code'
      ? await browser.visit(`${callback}?${response}`)
      : await browser.visit(callback, { form: Object.fromEntries(response) });
    return { browser, page };
  }

  for (const type of RESPONSE_TYPES) {
    it(`untampered, ${type} signs in (the cases below differ from it in one claim)`, async () => {
      const sub = `valid-${aliasOf(type)}`;
      const { browser, page } = await signIn(type, sub, (claims) => claims);
      assert.equal(page.status, 200, page.text.slice(0, 500));
      const back = await browser.submit(page, undefined);
      assert.match(back.location ?? '', /^http:\/\/localhost:9\/cb\?.*code=/);
      assert.ok(browser.cookie('LATCHKEY_SESSION'));
      const users = (await admin.get(`/realms/${REALM}/users?username=${sub}&exact=true`)).json;
      assert.equal(users.length, 1);
    });
  }

  for (const c of CASES) {
    it(`${c.what} (${c.type}): the error page and an IDENTITY_PROVIDER_LOGIN_ERROR event, no sign-in`, async () => {
      const earlier = (await loginErrors()).length;
      const sub = `refused-${aliasOf(c.type)}-${c.what.replace(/\W+/g, '-')}`;
      const { browser, page } = await signIn(c.type, sub, c.tamper);
      assert.equal(page.status, 400, page.text.slice(0, 500));
      assert.match(page.text, /id="kc-error-message"/);
      assert.match(page.text, /could not be verified/);
      assert.match(/<p class="detail">([^<]*)<\/p>/.exec(page.text)?.[1] ?? '', c.reason);
      assert.equal(page.location, undefined);
      assert.equal(browser.cookie('LATCHKEY_SESSION'), undefined, 'no SSO session');
      assert.deepEqual((await admin.get(`/realms/${REALM}/users?username=${encodeURIComponent(sub)}&exact=true`)).json, [], 'no user');

      // Events are written a moment after the request.
      let events = await loginErrors();
      for (let waited = 0; events.length === earlier && waited < 2000; waited += 50) {
        await sleep(50);
        events = await loginErrors();
      }
      assert.equal(events.length, earlier + 1);
      assert.equal(events[0].error, 'invalid_provider_response');
      assert.equal(events[0].details?.identity_provider, aliasOf(c.type));
      assert.match(events[0].details?.reason ?? '', c.reason);
    });
  }
});
