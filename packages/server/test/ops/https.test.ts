import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { send } from '../helpers/http.js';
import { HttpBrowser } from '../helpers/http-browser.js';
import { ADMIN_PASSWORD, demoRealm, form, freePort, startServer, type TestServer } from '../helpers/server.js';
import { claimsOf, get, selfSignedCertificate, spawnLatchkey, type Answer, type Proc } from './helpers.js';

/** demo, plus a browser client whose authorization request sets a cookie. */
function realmWithBrowserClient(): object {
  const realm = demoRealm() as { clients: object[] };
  realm.clients.push({ clientId: 'browser', publicClient: true, standardFlowEnabled: true, redirectUris: ['https://app.example/cb'] });
  return realm;
}

const AUTH_QUERY = new URLSearchParams({
  client_id: 'browser', response_type: 'code', redirect_uri: 'https://app.example/cb', scope: 'openid',
}).toString();

const setCookies = (res: Answer): string[] => {
  const h = res.headers['set-cookie'];
  return h === undefined ? [] : Array.isArray(h) ? h : [h];
};

describe('HTTPS served directly (--https-cert, --https-key)', () => {
  const tls = selfSignedCertificate();
  let dataDir: string;
  let server: Proc;
  let base: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-https-'));
    const realmFile = join(dataDir, 'realm.json');
    writeFileSync(realmFile, JSON.stringify(realmWithBrowserClient()));
    const port = await freePort();
    base = `https://localhost:${port}`;
    server = await spawnLatchkey({
      args: ['start', '--port', String(port), '--data-dir', dataDir, '--import-realm', realmFile, '--https-key', tls.keyFile],
      // The certificate from the environment, the key from a flag: both ways work.
      env: { LATCHKEY_HTTPS_CERT: tls.certFile },
      readyUrl: `${base}/health/ready`,
      ca: tls.cert,
    });
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tls.dir, { recursive: true, force: true });
  });

  it('serves discovery over TLS with an https issuer, and tokens carry it', async () => {
    const discovery = await get(`${base}/realms/master/.well-known/openid-configuration`, { ca: tls.cert });
    assert.equal(discovery.status, 200, discovery.text);
    assert.equal(discovery.json.issuer, `${base}/realms/master`);
    assert.equal(discovery.json.token_endpoint, `${base}/realms/master/protocol/openid-connect/token`);
    const token = await get(discovery.json.token_endpoint, {
      method: 'POST', ca: tls.cert,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: ADMIN_PASSWORD }),
    });
    assert.equal(token.status, 200, token.text);
    assert.equal(claimsOf(token.json.access_token).iss, `${base}/realms/master`);
  });

  it('ignores X-Forwarded-* without --proxy-headers', async () => {
    const res = await get(`${base}/realms/master/.well-known/openid-configuration`,
      { ca: tls.cert, headers: { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'id.example.com' } });
    assert.equal(res.json.issuer, `${base}/realms/master`);
  });

  it('sets cookies with Secure, the login form\'s CSRF cookie included', async () => {
    const res = await get(`${base}/realms/demo/protocol/openid-connect/auth?${AUTH_QUERY}`, { ca: tls.cert });
    assert.equal(res.status, 302, res.text);
    const interaction = setCookies(res).find((c) => c.startsWith('LATCHKEY_INTERACTION='));
    assert.ok(interaction, `an interaction cookie: ${setCookies(res).join(' | ')}`);
    assert.match(interaction, /;\s*Secure/i);
    const login = await get(new URL(String(res.headers.location), base).toString(),
      { ca: tls.cert, headers: { cookie: interaction.split(';')[0] } });
    assert.equal(login.status, 200, login.text);
    const csrf = setCookies(login).find((c) => c.startsWith('_csrf='));
    assert.ok(csrf, `a CSRF cookie: ${setCookies(login).join(' | ')}`);
    assert.match(csrf, /;\s*Secure/i);
    assert.match(csrf, /;\s*HttpOnly/i);
  });

  it('does not answer plain HTTP', async () => {
    const port = new URL(base).port;
    const res = await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.status, () => 'refused');
    assert.notEqual(res, 200);
  });

  it('refuses to start with a certificate but no key, or a key that is not the certificate\'s', async () => {
    const port = await freePort();
    const other = selfSignedCertificate();
    try {
      for (const [args, message] of [
        [['--https-cert', tls.certFile], /--https-cert and --https-key go together/],
        [['--https-cert', tls.certFile, '--https-key', other.keyFile], /certificate and key cannot be used together/],
        [['--https-cert', join(tls.dir, 'missing.pem'), '--https-key', tls.keyFile], /cannot read the HTTPS certificate/],
      ] as const) {
        const proc = spawnLatchkey({ args: ['start', '--port', String(port), '--data-dir', join(dataDir, 'unused'), ...args], readyUrl: `https://localhost:${port}/health/ready` });
        await assert.rejects(proc, (err: Error) => {
          assert.match(err.message, /exited with 1/);
          assert.match(err.message, message);
          return true;
        });
      }
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
  });
});

describe('behind a reverse proxy (--proxy-headers)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ realms: [realmWithBrowserClient()], args: ['--proxy-headers'] });
  });
  after(async () => {
    await server?.stop();
  });

  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.com', 'x-forwarded-for': '203.0.113.7' };

  it('takes the issuer and every URL from X-Forwarded-Proto and X-Forwarded-Host', async () => {
    const res = await send(`${server.url}/realms/master/.well-known/openid-configuration`, { headers: forwarded });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.issuer, 'https://id.example.com/realms/master');
    for (const key of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint']) {
      assert.ok(res.json[key].startsWith('https://id.example.com/realms/master/'), `${key}: ${res.json[key]}`);
    }
    // RFC 8414's location at the root, and a default port, which is left out.
    const root = await send(`${server.url}/.well-known/oauth-authorization-server/realms/master`,
      { headers: { ...forwarded, 'x-forwarded-host': 'id.example.com:443' } });
    assert.equal(root.json.issuer, 'https://id.example.com/realms/master');
    const port = await send(`${server.url}/realms/master/.well-known/openid-configuration`,
      { headers: { ...forwarded, 'x-forwarded-host': 'id.example.com:8443' } });
    assert.equal(port.json.issuer, 'https://id.example.com:8443/realms/master');
  });

  it('issues tokens with that issuer, and checks them against the issuer of the request that presents them', async () => {
    const token = await send(`${server.url}/realms/demo/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { ...forwarded, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'password', client_id: 'spa', username: 'alice', password: 'alice-pw', scope: 'openid' }),
    });
    assert.equal(token.status, 200, token.text);
    assert.equal(claimsOf(token.json.access_token).iss, 'https://id.example.com/realms/demo');
    assert.equal(claimsOf(token.json.id_token).iss, 'https://id.example.com/realms/demo');
    const bearer = { authorization: `Bearer ${token.json.access_token}` };
    assert.equal((await send(`${server.url}/realms/demo/protocol/openid-connect/userinfo`, { headers: { ...forwarded, ...bearer } })).status, 200);
    const elsewhere = await send(`${server.url}/realms/demo/protocol/openid-connect/userinfo`,
      { headers: { ...forwarded, 'x-forwarded-host': 'other.example.com', ...bearer } });
    assert.equal(elsewhere.status, 401, 'a token of another issuer is refused');
  });

  it('without forwarded headers, the issuer is the request\'s own scheme and host', async () => {
    const res = await send(`${server.url}/realms/master/.well-known/openid-configuration`);
    assert.equal(res.json.issuer, `http://127.0.0.1:${server.port}/realms/master`);
  });

  it('cookies get Secure when the forwarded scheme is https, not otherwise (the CSRF cookie too)', async () => {
    for (const [headers, secure] of [[forwarded, true], [{}, false]] as const) {
      const browser = new HttpBrowser();
      const login = await browser.visit(`${server.url}/realms/demo/protocol/openid-connect/auth?${AUTH_QUERY}`, { headers });
      assert.equal(login.status, 200, login.text);
      for (const name of ['LATCHKEY_INTERACTION', '_csrf']) {
        const attributes = browser.cookieAttributes(name);
        assert.ok(attributes !== undefined, `${name} set: ${browser.setCookies.join(' | ')}`);
        assert.equal(/(?:^|;)\s*Secure/i.test(attributes), secure, `${name} ${secure ? 'with' : 'without'} Secure: ${attributes}`);
      }
    }
  });

  it('a forwarded host or scheme that could not be an issuer is refused', async () => {
    for (const headers of [
      { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example/path' },
      { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'a b' },
      { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'user@evil.example' },
      { 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'id.example.com' },
    ]) {
      const res = await send(`${server.url}/realms/master/.well-known/openid-configuration`, { headers });
      assert.equal(res.status, 400, `${JSON.stringify(headers)}: ${res.text}`);
      assert.equal(res.json.error, 'invalid_request');
    }
  });

  it('with --public-url as well, the public URL is the issuer whatever the headers say', async () => {
    const fixed = await startServer({ args: ['--proxy-headers', '--public-url', 'https://login.example.org'] });
    try {
      const res = await send(`${fixed.url}/realms/master/.well-known/openid-configuration`, { headers: forwarded });
      assert.equal(res.json.issuer, 'https://login.example.org/realms/master');
    } finally {
      await fixed.stop();
    }
  });
});
