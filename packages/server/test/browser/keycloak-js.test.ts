// keycloak-js 26, the npm package as published, in headless Chromium against a real server:
// its default init (login-required, PKCE S256, with the third-party cookies check and the
// session iframe), updateToken, loadUserProfile (the account API) and logout; check-sso with
// silentCheckSsoRedirectUri; and the session iframe noticing a logout made in another page.
// The application is a page of our own on another port of localhost (the same site, as an
// application and Latchkey on sibling hosts are), which loads keycloak.js from node_modules.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchBrowser, noChromium, openTab, signIn, type Browser, type Page, type Tab } from '../helpers/browser.js';
import { freePort, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'kcjs';
const KEYCLOAK_JS = readFileSync(fileURLToPath(import.meta.resolve('keycloak-js')));

/**
 * The application's page: keycloak-js with the mode in the query (login-required, check-sso,
 * or none), the outcome on window for the test to read, and every session iframe answer counted.
 */
const appPage = (authServer: string) => `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>app</title></head><body>
<script type="module">
import Keycloak from '/keycloak.js';
const mode = new URLSearchParams(location.search).get('mode');
const kc = new Keycloak({ url: ${JSON.stringify(authServer)}, realm: ${JSON.stringify(REALM)}, clientId: 'spa' });
window.kc = kc;
window.answers = [];
window.addEventListener('message', (e) => { if (['unchanged', 'changed', 'error'].includes(e.data)) window.answers.push(e.data); });
kc.onAuthLogout = () => { window.loggedOut = true; };
const options = mode === 'check-sso'
  ? { onLoad: 'check-sso', pkceMethod: 'S256', silentCheckSsoRedirectUri: location.origin + '/silent-check-sso.html', checkLoginIframeInterval: 1 }
  : { onLoad: 'login-required', pkceMethod: 'S256', checkLoginIframeInterval: 1 };
if (mode !== 'none') {
  kc.init(options).then((authenticated) => { window.authenticated = authenticated; }, (e) => { window.initError = String(e && (e.message || e.error) || e); });
}
</script></body></html>`;

// Keycloak's documented silent-check-sso.html.
const SILENT = '<!DOCTYPE html><html><body><script>parent.postMessage(location.href, location.origin);</script></body></html>';

describe('browser: keycloak-js', { skip: noChromium }, () => {
  let server: TestServer;
  let app: Server;
  let appUrl: string;
  let browser: Browser;
  let authServer = '';

  before(async () => {
    const appPort = await freePort();
    appUrl = `http://localhost:${appPort}`;
    app = createServer((req, res) => {
      const path = new URL(req.url ?? '/', appUrl).pathname;
      if (path === '/keycloak.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(KEYCLOAK_JS);
      else if (path === '/silent-check-sso.html') res.writeHead(200, { 'content-type': 'text/html' }).end(SILENT);
      else if (path === '/app.html') res.writeHead(200, { 'content-type': 'text/html' }).end(appPage(authServer));
      else if (path === '/favicon.ico') res.writeHead(204).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => app.listen(appPort, '127.0.0.1', r));
    server = await startServer({
      realms: [{
        realm: REALM, enabled: true,
        clients: [{
          clientId: 'spa', publicClient: true, standardFlowEnabled: true, redirectUris: [`${appUrl}/*`], webOrigins: ['+'],
          attributes: { 'pkce.code.challenge.method': 'S256', 'post.logout.redirect.uris': '+' },
        }],
        users: [{
          username: 'alice', enabled: true, email: 'alice@example.com', emailVerified: true, firstName: 'Alice', lastName: 'Liddell',
          credentials: [{ type: 'password', value: 'alice-pw' }], realmRoles: [`default-roles-${REALM}`],
        }],
      }],
    });
    authServer = `http://localhost:${server.port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => app?.close(r));
    await server?.stop();
  });

  const initOutcome = async (page: Page): Promise<boolean> => {
    const handle = await page.waitForFunction(() => {
      const w = window as any;
      return w.initError !== undefined || w.authenticated !== undefined ? { error: w.initError, authenticated: w.authenticated } : false;
    });
    const { error, authenticated } = await handle.jsonValue() as { error?: string; authenticated: boolean };
    assert.equal(error, undefined, `init failed: ${error}`);
    return authenticated;
  };

  /** Signs in through keycloak-js's default init: the login page, then back authenticated. */
  async function signedIn(tab: Tab): Promise<void> {
    await tab.page.goto(`${appUrl}/app.html?mode=login-required`);
    await tab.page.waitForSelector('#username');
    assert.ok(tab.page.url().startsWith(`${authServer}/realms/${REALM}/`), `the login page: ${tab.page.url()}`);
    await signIn(tab.page);
    await tab.page.waitForURL(`${appUrl}/**`);
    assert.equal(await initOutcome(tab.page), true);
  }

  it('default init → login page → authenticated → updateToken(-1) → loadUserProfile() → logout', async (t) => {
    const tab = await openTab(browser, t);
    await signedIn(tab);
    const parsed = await tab.page.evaluate(() => {
      const kc = (window as any).kc;
      return { token: kc.tokenParsed, refresh: kc.refreshTokenParsed, id: kc.idTokenParsed, sessionId: kc.sessionId };
    });
    assert.equal(parsed.token.preferred_username, 'alice');
    assert.equal(parsed.token.typ, 'Bearer');
    assert.equal(parsed.refresh.typ, 'Refresh');
    assert.equal(parsed.id.typ, 'ID');
    assert.equal(parsed.sessionId, parsed.token.sid);
    assert.equal(tab.page.url(), `${appUrl}/app.html?mode=login-required`, 'the response left the address bar');
    // The session iframe runs and keeps saying the session is the same.
    await tab.page.waitForFunction(() => (window as any).answers.filter((a: string) => a === 'unchanged').length >= 2);
    assert.deepEqual([...new Set(await tab.page.evaluate(() => (window as any).answers))], ['unchanged']);

    const before = await tab.page.evaluate(() => (window as any).kc.token);
    assert.equal(await tab.page.evaluate(() => (window as any).kc.updateToken(-1)), true);
    const refreshed = await tab.page.evaluate(() => ({ token: (window as any).kc.token, parsed: (window as any).kc.tokenParsed }));
    assert.notEqual(refreshed.token, before);
    assert.equal(refreshed.parsed.sid, parsed.token.sid);

    const profile = await tab.page.evaluate(() => (window as any).kc.loadUserProfile());
    assert.equal(profile.username, 'alice');
    assert.equal(profile.email, 'alice@example.com');
    assert.equal(profile.firstName, 'Alice');
    assert.equal(profile.lastName, 'Liddell');

    const bye = `${appUrl}/app.html?mode=none`;
    await tab.page.evaluate((redirectUri) => (window as any).kc.logout({ redirectUri }), bye);
    await tab.page.waitForURL(bye);
    // The SSO session is gone: the default init shows the login page again.
    await tab.page.goto(`${appUrl}/app.html?mode=login-required`);
    await tab.page.waitForSelector('#username');
    assert.deepEqual(tab.consoleErrors, []);
  });

  it('check-sso with silentCheckSsoRedirectUri: not signed in, then signed in without leaving the page', async (t) => {
    const tab = await openTab(browser, t);
    await tab.page.goto(`${appUrl}/app.html?mode=check-sso`);
    assert.equal(await initOutcome(tab.page), false, 'nobody signed in');
    assert.ok(tab.navigations.every((u) => u.startsWith(appUrl)), `no redirect: ${tab.navigations.join(' ')}`);

    await signedIn(tab);
    const visited = tab.navigations.length;
    await tab.page.goto(`${appUrl}/app.html?mode=check-sso`);
    assert.equal(await initOutcome(tab.page), true, 'the SSO session, found in the hidden iframe');
    assert.ok(tab.navigations.slice(visited).every((u) => u.startsWith(appUrl)), `silently: ${tab.navigations.slice(visited).join(' ')}`);
    assert.equal(await tab.page.evaluate(() => (window as any).kc.tokenParsed.preferred_username), 'alice');
  });

  it('the session iframe answers OIDC Session Management\'s session_state too, and error for a client the origin is not for', async (t) => {
    const tab = await openTab(browser, t);
    await signedIn(tab);
    // check-sso: keycloak-js hears the answers too, and with login-required a "changed" would send it to the login page.
    await tab.page.goto(`${appUrl}/app.html?mode=check-sso`);
    assert.equal(await initOutcome(tab.page), true);
    const state = (await tab.context.cookies()).find((c) => c.name === 'LATCHKEY_SESSION_STATE')!.value;
    const salt = 'c2FsdA';
    const sessionState = `${createHash('sha256').update(['spa', appUrl, state, salt].join(' ')).digest('base64url')}.${salt}`;
    const ask = (message: string) => tab.page.evaluate(([m, origin]) => new Promise<string>((resolve) => {
      const frame = document.querySelector('iframe[title="keycloak-session-iframe"]') as HTMLIFrameElement;
      const listener = (e: MessageEvent) => {
        if (e.source !== frame.contentWindow) return;
        window.removeEventListener('message', listener);
        resolve(e.data);
      };
      window.addEventListener('message', listener);
      frame.contentWindow!.postMessage(m, origin);
    }), [message, authServer]);
    assert.equal(await ask(`spa ${sessionState}`), 'unchanged');
    assert.equal(await ask(`spa ${sessionState.slice(1)}`), 'changed');
    assert.equal(await ask('spa '), 'changed', 'someone is signed in');
    assert.equal(await ask(`nobody ${sessionState}`), 'error');
  });

  it('the session iframe notices a logout done in a second page', async (t) => {
    const tab = await openTab(browser, t);
    await signedIn(tab);
    // check-sso, so that keycloak-js only reports the logout (login-required would go straight to the login page).
    await tab.page.goto(`${appUrl}/app.html?mode=check-sso`);
    assert.equal(await initOutcome(tab.page), true);
    await tab.page.waitForFunction(() => (window as any).answers.filter((a: string) => a === 'unchanged').length >= 2);
    assert.notEqual(await tab.page.evaluate(() => (window as any).loggedOut), true);

    const second = await tab.context.newPage();
    await second.goto(`${authServer}/realms/${REALM}/protocol/openid-connect/logout`);
    await second.click('#kc-logout');
    await second.waitForLoadState();
    await tab.page.waitForFunction(() => (window as any).loggedOut === true);
    assert.equal(await tab.page.evaluate(() => (window as any).kc.authenticated), false);
    assert.equal((await tab.page.evaluate(() => (window as any).answers)).at(-1), 'changed');
    assert.equal(tab.page.url(), `${appUrl}/app.html?mode=check-sso`, 'the application stays where it was');
  });
});
