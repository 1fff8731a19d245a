// How the server serves the console: its page and assets with their headers, Keycloak's
// address for it, the plain message when it was not built, and master's
// security-admin-console, created on first start and added where it is missing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { masterAdminToken, adminApi } from '../admin/fixture.js';
import { launchBrowser, noChromium, openTab, screenshot, signIn, type Browser } from '../helpers/browser.js';
import { send } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

const noRedirect = { redirect: 'manual' } as const;

async function adminConsoleClient(server: TestServer) {
  const admin = adminApi(server, await masterAdminToken(server));
  const [rep] = (await admin.get('/realms/master/clients?clientId=security-admin-console')).json;
  return rep;
}

describe('serving the admin console', () => {
  let server: TestServer;
  before(async () => { server = await startServer(); });
  after(async () => { await server.stop(); });

  it('serves the page under a strict CSP and its hashed assets cached for good', async () => {
    const page = await send(`${server.url}/admin/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    // No inline script: every script is a file of the build.
    assert.doesNotMatch(page.text, /<script(?![^>]*\bsrc=)[^>]*>/);
    const script = /<script[^>]*src="\.\/(assets\/[^"]+\.js)"/.exec(page.text)?.[1];
    assert.ok(script, 'the page loads its script by a relative URL');

    const asset = await fetch(`${server.url}/admin/${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.match(asset.headers.get('cache-control') ?? '', /max-age=31536000.*immutable|immutable.*max-age=31536000/);
    assert.equal(asset.headers.get('x-content-type-options'), 'nosniff');

    const missing = await send(`${server.url}/admin/assets/nothing-here.js`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error, 'not_found');
  });

  it('leads /admin and Keycloak\'s /admin/master/console/ to /admin/', async () => {
    for (const path of ['/admin', '/admin?x=1', '/admin/master/console/', '/admin/master/console/index.html', '/admin/master/console']) {
      const res = await fetch(`${server.url}${path}`, noRedirect);
      assert.equal(res.status, 302, path);
      assert.equal(res.headers.get('location'), path === '/admin?x=1' ? '/admin/?x=1' : '/admin/', path);
    }
  });

  it('leaves the admin API as it was: bearer tokens only, JSON 404s', async () => {
    const api = await send(`${server.url}/admin/realms`);
    assert.equal(api.status, 401);
    const unknown = await send(`${server.url}/admin/nowhere`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error, 'not_found');
  });

  it('creates security-admin-console as Keycloak has it: public, code flow with PKCE S256, redirects to the console', async () => {
    const rep = await adminConsoleClient(server);
    assert.equal(rep.publicClient, true);
    assert.equal(rep.standardFlowEnabled, true);
    assert.equal(rep.directAccessGrantsEnabled, false);
    assert.equal(rep.implicitFlowEnabled, false);
    assert.equal(rep.attributes['pkce.code.challenge.method'], 'S256');
    assert.deepEqual(rep.redirectUris, ['/admin/*']);
    assert.deepEqual(rep.webOrigins, ['+']);
    assert.equal(rep.attributes['post.logout.redirect.uris'], '+');
  });
});

describe('the console where it was not built', () => {
  let server: TestServer;
  before(async () => { server = await startServer({ env: { LATCHKEY_CONSOLE_DIR: '/nonexistent/console-dist' } }); });
  after(async () => { await server.stop(); });

  it('says so plainly, and the admin API works without it', async () => {
    const res = await send(`${server.url}/admin/`);
    assert.equal(res.status, 503);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(res.text, /has not been built/);
    assert.match(res.text, /npm run build/);
    assert.equal((await send(`${server.url}/admin/realms`)).status, 401);
    assert.equal((await send(`${server.url}/admin/assets/index.js`)).status, 404);
  });
});

describe('security-admin-console in existing and imported master realms', () => {
  it('is added to an imported master that lacks it, and serves a new public URL as it is', async () => {
    const master = {
      realm: 'master', enabled: true,
      roles: { realm: [{ name: 'admin' }] },
      clients: [{ clientId: 'admin-cli', publicClient: true, directAccessGrantsEnabled: true }],
      users: [{ username: 'admin', enabled: true, credentials: [{ type: 'password', value: ADMIN_PASSWORD }], realmRoles: ['admin'] }],
    };
    const first = await startServer({ realms: [master], keepData: true });
    try {
      const rep = await adminConsoleClient(first);
      assert.ok(rep, 'security-admin-console was added');
      assert.deepEqual(rep.redirectUris, ['/admin/*']);
    } finally {
      await first.stop();
    }
    // The same data behind another public URL: the relative redirect URI covers it.
    const second = await startServer({ dataDir: first.dataDir, args: ['--public-url', 'https://id.example.com', '--http-relative-path', '/auth'] });
    try {
      const again = await adminConsoleClient(second);
      assert.deepEqual(again.redirectUris, ['/admin/*']);
    } finally {
      await second.stop();
    }
  });
});

describe('the console under --http-relative-path', { skip: noChromium }, () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => { [server, browser] = await Promise.all([startServer({ args: ['--http-relative-path', '/auth'] }), launchBrowser()]); });
  after(async () => { await browser?.close(); await server?.stop(); });

  it('finds master from where it is served, and signs in', async (t) => {
    const rep = await adminConsoleClient(server);
    assert.deepEqual(rep.redirectUris, ['/admin/*']);
    const tab = await openTab(browser, t);
    await tab.page.goto(`http://localhost:${server.port}/auth/admin/`);
    await tab.page.waitForSelector('#username');
    assert.match(tab.page.url(), /\/auth\/realms\/master\/login-actions\//);
    await signIn(tab.page, 'admin', ADMIN_PASSWORD);
    await tab.page.getByRole('link', { name: 'security-admin-console' }).waitFor();
    assert.match(tab.page.url(), /\/auth\/admin\/#\/master\/clients$/);
    await screenshot(tab.page, 'console-relative-path');
  });

  it('tells an administrator who opened it at another address where to go', async (t) => {
    const tab = await openTab(browser, t);
    // 127.0.0.1 is not the public URL (localhost): the console cannot sign in there, and says where it can.
    await tab.page.goto(`${server.url}/admin/`);
    await tab.page.getByRole('heading', { name: 'The admin console cannot sign you in' }).waitFor();
    assert.equal(await tab.page.getByRole('link', { name: `http://localhost:${server.port}/auth/admin/` }).count(), 1);
    await screenshot(tab.page, 'console-wrong-address');
  });
});
