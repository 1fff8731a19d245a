// Three server processes on different ports over one PostgreSQL database, as behind a load
// balancer: any node serves any request, and a change made on one is seen on the others.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, noChromium, signIn, type Browser } from '../helpers/browser.js';
import { headerOf } from '../helpers/oidc.js';
import { basic, freePort, postForm, runCli, type TestServer } from '../helpers/server.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../storage/databases.js';
import { admin, adminToken, client, clientCredentials, clusterRealm, configFor, MACHINE, REALM, tokenUrl } from './fixture.js';
import { startCluster, within, type Cluster } from './helpers.js';

const skip = (await postgresUnavailable()) ?? (noChromium || undefined);

if (skip) it('three nodes over one database', { skip }, () => {});
else describe('three nodes over one database', () => {
  let db: TestDatabase;
  let cluster: Cluster;
  let browser: Browser;
  let redirectUri: string;
  let n1: TestServer, n2: TestServer, n3: TestServer;
  /** The machine client's secret, which a test rotates. */
  let secret = MACHINE.secret;

  before(async () => {
    db = await createTestDatabase();
    // Nothing listens there: the browser's way back to the application is caught in the browser.
    redirectUri = `http://localhost:${await freePort()}/callback`;
    cluster = await startCluster(3, db.url, { realms: [clusterRealm(redirectUri)] });
    [n1, n2, n3] = cluster.nodes;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await cluster?.stop();
    await db?.drop();
  });

  it('sign in on node 1, redeem the code on node 2, refresh on node 3; log out on node 1 and the session is gone on all', async (t) => {
    const [c1, c2, c3] = await Promise.all([n1, n2, n3].map((n) => configFor(cluster, n)));
    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await context.newPage();
    await page.route(`${redirectUri}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the application' }));

    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authorizationUrl = client.buildAuthorizationUrl(c1, {
      redirect_uri: redirectUri, scope: 'openid profile', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    assert.ok(authorizationUrl.href.startsWith(n1.url), authorizationUrl.href);
    await page.goto(authorizationUrl.href);
    await signIn(page);
    await page.waitForURL((url) => url.href.startsWith(redirectUri));
    const callback = new URL(page.url());

    const tokens = await client.authorizationCodeGrant(c2, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    const sub = tokens.claims()!.sub;
    const refreshed = await client.refreshTokenGrant(c3, tokens.refresh_token!);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);

    const sessionCookie = (await context.cookies()).find((c) => c.name === 'LATCHKEY_SESSION');
    assert.ok(sessionCookie, 'the browser holds the SSO session');
    /** The browser's SSO session asked for silently on a node: a code, or login_required when it is gone. */
    const silent = async (config: client.Configuration) => {
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri, scope: 'openid', prompt: 'none', state: 's',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
      });
      const res = await fetch(url, { redirect: 'manual', headers: { cookie: `${sessionCookie.name}=${sessionCookie.value}` } });
      const back = new URL(res.headers.get('location') ?? 'none:');
      return back.searchParams.get('code') ? 'code' : back.searchParams.get('error');
    };
    for (const config of [c1, c2, c3]) {
      assert.equal(await silent(config), 'code');
      assert.equal((await client.fetchUserInfo(config, refreshed.access_token, sub)).sub, sub);
    }

    await page.goto(client.buildEndSessionUrl(c1, { id_token_hint: refreshed.id_token! }).href);
    await page.locator('#kc-page-title').waitFor();

    for (const [i, config] of [c1, c2, c3].entries()) {
      const node = `node ${i + 1}`;
      assert.equal(await silent(config), 'login_required', node);
      // RFC 6750's challenge, which openid-client hands over as the error's cause.
      await assert.rejects(client.fetchUserInfo(config, refreshed.access_token, sub),
        (err: Error) => /invalid_token.*Session not active/.test(JSON.stringify(err.cause)), node);
      assert.equal((await client.tokenIntrospection(config, refreshed.refresh_token!)).active, false, node);
    }
    await assert.rejects(client.refreshTokenGrant(c2, refreshed.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
  });

  it('a client secret rotated on node 1 is refused on node 2 within a second; the new one works everywhere', async () => {
    // Every node has the client, and its old secret, in its cache.
    for (const node of [n1, n2, n3]) assert.equal((await clientCredentials(node, MACHINE.secret)).status, 200);
    const token = await adminToken(n1);
    const [machine] = (await admin(n1, token, 'GET', `/clients?clientId=${MACHINE.clientId}`)).json;
    const { value } = (await admin(n1, token, 'POST', `/clients/${machine.id}/client-secret`)).json;
    secret = value;
    assert.notEqual(value, MACHINE.secret);
    const refused = await within(1000, 'the old secret refused on node 2',
      async () => (await clientCredentials(n2, MACHINE.secret)).status === 401);
    assert.ok(refused < 1000, `${refused} ms`);
    for (const node of [n1, n2, n3]) {
      await within(1000, `the new secret on ${node.url}`, async () => (await clientCredentials(node, value)).status === 200);
      assert.equal((await clientCredentials(node, MACHINE.secret)).status, 401);
    }
  });

  it('a user disabled on node 1 is seen on node 2 within a second: its token is inactive there', async () => {
    const { access_token: token } = (await clientCredentials(n1, secret)).json;
    const introspect = async (node: TestServer) => (await postForm(`${tokenUrl(node)}/introspect`, { token },
      { authorization: basic(MACHINE.clientId, secret) })).json.active;
    // Every node has the token's user in its cache.
    for (const node of [n1, n2, n3]) assert.equal(await introspect(node), true);
    const adminAt = await adminToken(n1);
    const [machine] = (await admin(n1, adminAt, 'GET', `/clients?clientId=${MACHINE.clientId}`)).json;
    const user = (await admin(n1, adminAt, 'GET', `/clients/${machine.id}/service-account-user`)).json;
    await admin(n1, adminAt, 'PUT', `/users/${user.id}`, { ...user, enabled: false });
    const inactive = await within(1000, 'the token inactive on node 2', async () => (await introspect(n2)) === false);
    assert.ok(inactive < 1000, `${inactive} ms`);
    await admin(n1, adminAt, 'PUT', `/users/${user.id}`, { ...user, enabled: true });
    for (const node of [n1, n2, n3]) await within(1000, `the user enabled again on ${node.url}`, async () => (await clientCredentials(node, secret)).status === 200);
  });

  it('an access token revoked on node 1 is inactive on node 2 within a second, though node 2 had cached it as active', async () => {
    const { access_token: token } = (await clientCredentials(n1, secret)).json;
    const introspect = async (node: TestServer) => (await postForm(`${tokenUrl(node)}/introspect`, { token },
      { authorization: basic(MACHINE.clientId, secret) })).json.active;
    // Twice: the second answer comes from node 2's caches (the verified token, its jti not revoked).
    for (let i = 0; i < 2; i++) assert.equal(await introspect(n2), true);
    const revoked = await postForm(tokenUrl(n1).replace(/\/token$/, '/revoke'), { token, token_type_hint: 'access_token' }, { authorization: basic(MACHINE.clientId, secret) });
    assert.equal(revoked.status, 200);
    const inactive = await within(1000, 'the token inactive on node 2', async () => (await introspect(n2)) === false);
    assert.ok(inactive < 1000, `${inactive} ms`);
    assert.equal(await introspect(n3), false);
  });

  it('a realm imported by `latchkey realm import` beside the running nodes is served by them at once', async (t) => {
    const discovery = (node: TestServer) => fetch(`${node.url}/realms/imported/.well-known/openid-configuration`).then((r) => r.status);
    // Every node has cached that there is no such realm.
    for (const node of [n1, n2, n3]) assert.equal(await discovery(node), 404);
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-import-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'imported.json');
    writeFileSync(file, JSON.stringify({ realm: 'imported', enabled: true }));
    const run = await runCli(['realm', 'import', file, '--database-url', db.url, '--data-dir', dir], { LATCHKEY_MASTER_KEY: cluster.masterKey });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const node of [n1, n2, n3]) await within(1000, `the imported realm on ${node.url}`, async () => (await discovery(node)) === 200);
  });

  it('keys rotated on node 1: every node publishes the same new JWKS within a second, and signs with the new key', async () => {
    const certs = async (node: TestServer) => (await fetch(`${node.url}/realms/${REALM}/protocol/openid-connect/certs`)).text();
    const before = await Promise.all([n1, n2, n3].map(certs));
    assert.equal(new Set(before).size, 1, 'one JWKS to begin with');
    // Every node has the realm's keys, and its access token signer, in its cache.
    for (const node of [n1, n2, n3]) assert.equal((await clientCredentials(node, secret)).status, 200);

    const token = await adminToken(n1);
    const rotated = (await admin(n1, token, 'POST', '/keys/rotate')).json as { active: Record<string, string> };
    await within(1000, 'the same new JWKS on every node', async () => {
      const now = await Promise.all([n1, n2, n3].map(certs));
      return new Set(now).size === 1 && now[0] !== before[0];
    });
    const published = JSON.parse(await certs(n2)).keys.map((k: { kid: string }) => k.kid) as string[];
    for (const kid of Object.values(rotated.active)) assert.ok(published.includes(kid), `new key ${kid} published`);
    for (const kid of JSON.parse(before[0]).keys.map((k: { kid: string }) => k.kid)) {
      assert.ok(published.includes(kid), `old key ${kid} still published: tokens it signed are still valid`);
    }
    for (const node of [n2, n3]) {
      const res = await clientCredentials(node, secret);
      const { kid, alg } = headerOf(res.json.access_token);
      assert.equal(kid, rotated.active[alg], `${node.url} signs with the new ${alg} key`);
    }
  });
});

