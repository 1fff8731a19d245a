import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { HttpBrowser, isLoginPage } from '../helpers/http-browser.js';
import { send } from '../helpers/http.js';
import { claimsOf } from '../helpers/oidc.js';
import { ADMIN_PASSWORD, demoRealm, startServer, type TestServer } from '../helpers/server.js';

// The console's client requires PKCE S256.
const VERIFIER = client.randomPKCECodeVerifier();
const CHALLENGE = await client.calculatePKCECodeChallenge(VERIFIER);

/** The console's sign-in as its page starts it, at whichever address it was opened. */
const consoleSignIn = (base: string) => `${base}/realms/master/protocol/openid-connect/auth?${new URLSearchParams({
  client_id: 'security-admin-console', response_type: 'code', redirect_uri: `${base}/admin/`, scope: 'openid',
  state: 's', code_challenge: CHALLENGE, code_challenge_method: 'S256',
})}`;

describe('without --public-url, as Keycloak\'s development mode', () => {
  let server: TestServer;
  let at127: string;
  let atLocalhost: string;
  before(async () => {
    server = await startServer({ realms: [demoRealm()], issuerFromRequest: true });
    at127 = `http://127.0.0.1:${server.port}`;
    atLocalhost = `http://localhost:${server.port}`;
  });
  after(async () => { await server?.stop(); });

  it('says at start which issuer is in force and where the console is', () => {
    assert.match(server.output(), /Issuer: each request's own scheme and host \(no --public-url/);
    assert.match(server.output(), new RegExp(`Admin console: http://localhost:${server.port}/admin/`));
  });

  it('names the host each request came to as the issuer, in discovery and tokens', async () => {
    for (const base of [at127, atLocalhost]) {
      const res = await send(`${base}/realms/demo/.well-known/openid-configuration`);
      assert.equal(res.json.issuer, `${base}/realms/demo`);
      assert.equal(res.json.token_endpoint, `${base}/realms/demo/protocol/openid-connect/token`);
    }
    // A certified client at 127.0.0.1 finds what it asked for, and the tokens agree.
    const config = await client.discovery(new URL(`${at127}/realms/demo`), 'machine', 'machine-secret',
      client.ClientSecretBasic('machine-secret'), { execute: [client.allowInsecureRequests] });
    const tokens = await client.clientCredentialsGrant(config);
    assert.equal(claimsOf(tokens.access_token).iss, `${at127}/realms/demo`);
  });

  it('lets the admin console sign in at either address (its redirect URI is relative)', async () => {
    for (const base of [at127, atLocalhost]) {
      const browser = new HttpBrowser();
      const page = await browser.visit(consoleSignIn(base));
      assert.ok(isLoginPage(page), `${base}: ${page.status} ${page.text.slice(0, 300)}`);
      const back = await browser.signIn(page, 'admin', ADMIN_PASSWORD);
      // Redirected back to the console (the same origin, so followed), with a code.
      assert.ok(back.url.startsWith(`${base}/admin/?`), `${base}: ${back.status} ${back.url}`);
      const code = new URL(back.url).searchParams.get('code')!;
      const token = await send(`${base}/realms/master/protocol/openid-connect/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'security-admin-console', code,
          redirect_uri: `${base}/admin/`, code_verifier: VERIFIER }),
      });
      assert.equal(token.status, 200, token.text);
      assert.equal(claimsOf(token.json.access_token).iss, `${base}/realms/master`);
    }
  });

  it('titles the console\'s sign-in page with its name from the message catalogue, in the browser\'s language', async () => {
    const expected = { en: 'Sign in to Security Admin Console', de: 'Bei Administrationskonsole anmelden' };
    for (const [lang, title] of Object.entries(expected)) {
      const page = await new HttpBrowser().visit(consoleSignIn(at127), { headers: { 'accept-language': lang } });
      assert.ok(isLoginPage(page), page.text.slice(0, 300));
      assert.ok(page.text.includes(title), `${lang}: ${page.text.slice(0, 1500)}`);
      assert.doesNotMatch(page.text, /\$\{|Keycloak/);
      assert.match(page.text, /id="kc-header-wrapper">Latchkey</);
    }
  });

  it('welcomes a visitor at / with the console and each realm\'s discovery document, at the address used', async () => {
    const res = await send(`${at127}/`, { headers: { 'accept-language': 'en' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.ok(res.text.includes(`href="${at127}/admin/"`), res.text);
    for (const realm of ['master', 'demo']) {
      assert.ok(res.text.includes(`href="${at127}/realms/${realm}/.well-known/openid-configuration"`), realm);
    }
    assert.match(res.text, /Welcome to Latchkey/);
    const de = await send(`${atLocalhost}/`, { headers: { 'accept-language': 'de' } });
    assert.match(de.text, /Willkommen bei Latchkey/);
    assert.ok(de.text.includes(`href="${atLocalhost}/admin/"`));
  });
});

describe('with --public-url', () => {
  let server: TestServer;
  before(async () => { server = await startServer({ args: ['--public-url', 'https://id.example.com/'] }); });
  after(async () => { await server?.stop(); });

  it('fixes the issuer whatever the host, and says so at start', async () => {
    assert.match(server.output(), /Issuer: fixed by --public-url, e\.g\. https:\/\/id\.example\.com\/realms\/master/);
    assert.match(server.output(), /Admin console: https:\/\/id\.example\.com\/admin\//);
    const res = await send(`http://127.0.0.1:${server.port}/realms/master/.well-known/openid-configuration`);
    assert.equal(res.json.issuer, 'https://id.example.com/realms/master');
    const welcome = await send(`http://127.0.0.1:${server.port}/`);
    assert.ok(welcome.text.includes('href="https://id.example.com/admin/"'));
  });
});
