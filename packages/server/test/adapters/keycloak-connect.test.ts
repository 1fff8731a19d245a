// keycloak-connect 26, Keycloak's Node.js adapter, unmodified, in an Express app against a real
// Latchkey: browser sign-in (driven over HTTP), its own refresh of an expired access token, a
// bearer-only API with protect() and protect('realm:role'), and logout.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import session from 'express-session';
import Keycloak from 'keycloak-connect';
import { passwordGrant, send } from '../helpers/http.js';
import { HttpBrowser, isLoginPage } from '../helpers/http-browser.js';
import { claimsOf } from '../helpers/oidc.js';
import { freePort, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'adapters';
const ACCESS_TOKEN_LIFESPAN = 2;

describe('keycloak-connect 26 (unmodified) in an Express app', () => {
  let server: TestServer;
  let app: Server;
  let appUrl: string;

  before(async () => {
    const appPort = await freePort();
    appUrl = `http://127.0.0.1:${appPort}`;
    server = await startServer({
      realms: [{
        realm: REALM, enabled: true,
        roles: { realm: [{ name: 'user' }, { name: 'admin' }] },
        clients: [
          {
            clientId: 'node-app', publicClient: false, secret: 'node-app-secret', redirectUris: [`${appUrl}/*`],
            directAccessGrantsEnabled: true,
            attributes: { 'post.logout.redirect.uris': '+', 'access.token.lifespan': String(ACCESS_TOKEN_LIFESPAN) },
          },
          { clientId: 'node-api', publicClient: false, secret: 'node-api-secret', standardFlowEnabled: false, bearerOnly: true },
        ],
        users: [{
          username: 'alice', enabled: true, email: 'alice@example.com', emailVerified: true, firstName: 'Alice', lastName: 'Liddell',
          credentials: [{ type: 'password', value: 'alice-pw' }], realmRoles: ['user'],
        }],
      }],
    });

    // The keycloak.json the adapter reads, as Keycloak's installation endpoint gives it. The
    // issuer names localhost, and the adapter compares iss with auth-server-url.
    const authServerUrl = server.issuer(REALM).replace(`/realms/${REALM}`, '');
    const appConfig = join(server.dataDir, 'keycloak.json');
    writeFileSync(appConfig, JSON.stringify({
      realm: REALM, 'auth-server-url': authServerUrl, 'ssl-required': 'external', resource: 'node-app',
      credentials: { secret: 'node-app-secret' }, 'confidential-port': 0,
    }));
    const apiConfig = join(server.dataDir, 'keycloak-api.json');
    writeFileSync(apiConfig, JSON.stringify({
      realm: REALM, 'auth-server-url': authServerUrl, 'ssl-required': 'external', resource: 'node-api', 'bearer-only': true,
    }));

    const store = new session.MemoryStore();
    const keycloak = new Keycloak({ store }, appConfig);
    const api = new Keycloak({}, apiConfig);
    const web = express();
    web.use(session({ secret: 'test-session-secret', resave: false, saveUninitialized: true, store }));
    web.use(keycloak.middleware({ logout: '/logout' }));
    web.use('/api', api.middleware());
    const who = (req: express.Request) => (req as any).kauth.grant.access_token.content;
    web.get('/private', keycloak.protect(), (req, res) => {
      res.json({ user: who(req).preferred_username, jti: who(req).jti });
    });
    web.get('/admin', keycloak.protect('realm:admin'), (_req, res) => { res.send('admin'); });
    web.get('/api/data', api.protect(), (req, res) => { res.json({ user: who(req).preferred_username }); });
    web.get('/api/user', api.protect('realm:user'), (_req, res) => { res.send('user'); });
    web.get('/api/admin', api.protect('realm:admin'), (_req, res) => { res.send('admin'); });
    web.get('/', (_req, res) => { res.send('home'); });
    app = web.listen(appPort, '127.0.0.1');
    await once(app, 'listening');
    assert.equal((app.address() as AddressInfo).port, appPort);
  });

  after(async () => {
    app?.closeAllConnections();
    await new Promise((r) => app?.close(r));
    await server?.stop();
  });

  it('signs in through the browser, refreshes by itself, enforces a realm role, and logs out', async () => {
    const browser = new HttpBrowser();
    const toLogin = await browser.visit(`${appUrl}/private`);
    assert.equal(toLogin.status, 302);
    assert.ok(toLogin.location!.startsWith(`${server.issuer(REALM)}/protocol/openid-connect/auth?`), toLogin.location);
    const back = await browser.authorize(toLogin.location!, { username: 'alice', password: 'alice-pw' });
    assert.ok(back.location?.startsWith(`${appUrl}/private?auth_callback=1`), `back to the app: ${back.status} ${back.location}`);
    const page = await browser.visit(back.location!);
    assert.equal(page.status, 200, page.text);
    const first = JSON.parse(page.text);
    assert.equal(first.user, 'alice');

    // Once the access token has expired the adapter refreshes it, reading the refresh token's
    // exp and typ as Keycloak's; the page is still served, with a new access token.
    await new Promise((r) => setTimeout(r, (ACCESS_TOKEN_LIFESPAN + 1.2) * 1000));
    const refreshed = await browser.visit(`${appUrl}/private`);
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.notEqual(JSON.parse(refreshed.text).jti, first.jti, 'a new access token');

    const admin = await browser.visit(`${appUrl}/admin`);
    assert.equal(admin.status, 403, 'alice is no admin');

    const out = await browser.visit(`${appUrl}/logout`);
    assert.ok(out.location?.startsWith(`${server.issuer(REALM)}/protocol/openid-connect/logout?`), out.location);
    const done = await browser.visit(out.location!);
    assert.equal(done.location, `${appUrl}/`, `back to the app without a question: ${done.status} ${done.text.slice(0, 300)}`);
    // Signed out at Latchkey too: the next visit asks for the password again.
    const again = await browser.visit(`${appUrl}/private`);
    assert.equal(again.status, 302);
    assert.ok(isLoginPage(await browser.visit(again.location!)), 'the login page, not a silent sign-in');
  });

  it('bearer-only: protect() takes an access token, protect(\'realm:role\') checks the role; no token, a refresh or ID token is 403', async () => {
    const grant = await passwordGrant(server, REALM, 'node-app', 'node-app-secret', 'alice', 'alice-pw', { scope: 'openid' });
    assert.equal(grant.status, 200, grant.text);
    const { access_token: access, refresh_token: refresh, id_token: id } = grant.json;
    assert.equal(claimsOf(refresh).typ, 'Refresh');
    const call = (path: string, token?: string) =>
      send(`${appUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    const data = await call('/api/data', access);
    assert.equal(data.status, 200, data.text);
    assert.equal(data.json.user, 'alice');
    assert.equal((await call('/api/user', access)).status, 200);
    assert.equal((await call('/api/admin', access)).status, 403, 'alice has no admin role');
    assert.equal((await call('/api/data')).status, 403, 'no token');
    assert.equal((await call('/api/data', refresh)).status, 403, 'a refresh token is no access token');
    assert.equal((await call('/api/data', id)).status, 403, 'nor is an ID token');
  });
});
