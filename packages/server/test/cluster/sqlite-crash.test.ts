// SQLite: kill -9 in the middle of a stream of writes, then start again over the same
// file. Every write the server acknowledged over HTTP (a user or client created, a consent
// given, a refresh token issued) is still there, and the file passes integrity_check.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { sha256 } from '../../src/crypto/random.js';
import { launchBrowser, noChromium, signIn, type Browser } from '../helpers/browser.js';
import { basic, freePort, postForm, startServer, type TestServer } from '../helpers/server.js';
import { admin, adminToken, clusterRealm, REALM, RP, tokenUrl } from './fixture.js';
import { sleep, within } from './helpers.js';

const USERS = 12;

if (noChromium) it('SQLite: kill -9 during a stream of writes', { skip: noChromium }, () => {});
else describe('SQLite: kill -9 during a stream of writes', () => {
  let server: TestServer;
  let browser: Browser;
  let redirectUri: string;
  let dataDir: string;

  before(async () => {
    redirectUri = `http://localhost:${await freePort()}/callback`;
    server = await startServer({ realms: [clusterRealm(redirectUri, USERS)], keepData: true });
    dataDir = server.dataDir;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  it('loses nothing acknowledged, and the file is sound', async (t) => {
    const token = await adminToken(server);
    const acked = { users: [] as string[], clients: [] as string[], consents: [] as string[], refreshTokens: [] as string[], chains: [] as string[] };
    let writing = true;
    const problems: string[] = [];
    const stream = async (write: (i: number) => Promise<void>) => {
      for (let i = 0; writing; i++) {
        try {
          await write(i);
        } catch (err) {
          // After the kill, the server is gone; before it, nothing may fail.
          if (writing) problems.push((err as Error).message);
          return;
        }
      }
    };

    const users = stream(async (i) => {
      const { location } = await admin(server, token, 'POST', '/users', { username: `written-${i}`, enabled: true, email: `w${i}@example.com` });
      acked.users.push(location!.split('/').at(-1)!);
    });
    const clients = stream(async (i) => {
      const { location } = await admin(server, token, 'POST', '/clients', { clientId: `written-${i}`, secret: `s-${i}`, redirectUris: [redirectUri] });
      acked.clients.push(location!.split('/').at(-1)!);
    });
    const chains = [0, 1].map((chain) => stream(async (i) => {
      const params: Record<string, string> = i === 0 ? { grant_type: 'password', username: 'alice', password: 'alice-pw' }
        : { grant_type: 'refresh_token', refresh_token: acked.chains[chain] };
      const res = await postForm(tokenUrl(server), params, { authorization: basic(RP.clientId, RP.secret) });
      if (res.status !== 200) throw new Error(`${res.status} ${res.text}`);
      acked.refreshTokens.push(res.json.refresh_token);
      acked.chains[chain] = res.json.refresh_token;
    }));
    const consents = stream(async (i) => {
      if (i + 1 >= USERS) {
        await sleep(50);
        return;
      }
      const username = `user${i + 1}`;
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.route(`${redirectUri}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'ok' }));
        const query = new URLSearchParams({ client_id: 'consenting', response_type: 'code', redirect_uri: redirectUri, scope: 'openid profile email', state: 's' });
        await page.goto(`${server.url}/realms/${REALM}/protocol/openid-connect/auth?${query}`);
        await signIn(page, username, 'alice-pw');
        await page.locator('#kc-consent-form').waitFor();
        await page.click('#kc-login');
        await page.waitForURL((url) => url.href.startsWith(redirectUri) && url.searchParams.has('code'));
        acked.consents.push(username);
      } finally {
        await context.close().catch(() => {});
      }
    });

    // Killed once every stream has had writes acknowledged, while all of them are still writing.
    await within(60_000, 'writes of every kind acknowledged', async () =>
      acked.users.length >= 5 && acked.clients.length >= 5 && acked.refreshTokens.length >= 5 && acked.consents.length >= 2);
    writing = false;
    server.process.kill('SIGKILL');
    await Promise.all([users, clients, ...chains, consents]);
    assert.deepEqual(problems, []);
    t.diagnostic(`acknowledged before the kill: ${Object.entries(acked).filter(([k]) => k !== 'chains').map(([k, v]) => `${v.length} ${k}`).join(', ')}`);

    let unused: string[] = [];
    const file = new SQLite(join(dataDir, 'latchkey.db'));
    try {
      assert.equal(file.pragma('integrity_check', { simple: true }), 'ok');
      const has = (sql: string, value: string) => file.prepare(sql).get(value) !== undefined;
      for (const id of acked.users) assert.ok(has('select 1 from users where id = ?', id), `user ${id}`);
      for (const id of acked.clients) assert.ok(has('select 1 from clients where id = ?', id), `client ${id}`);
      for (const token of acked.refreshTokens) assert.ok(has('select 1 from refresh_tokens where token_hash = ?', sha256(token)), 'refresh token');
      // A refresh cut off by the kill may have used its token (committed, but never answered).
      unused = acked.chains.filter((latest) => has('select 1 from refresh_tokens where token_hash = ? and used_at is null', sha256(latest)));
      for (const username of acked.consents) {
        assert.ok(has(`select 1 from consents c join users u on u.id = c.user_id join clients k on k.id = c.client_id
          where k.client_id = 'consenting' and u.username = ?`, username), `consent of ${username}`);
      }
    } finally {
      file.close();
    }

    server = await startServer({ dataDir, keepData: false });
    const again = await adminToken(server);
    for (const id of acked.users) assert.equal((await admin(server, again, 'GET', `/users/${id}`)).json.id, id);
    for (const id of acked.clients) assert.equal((await admin(server, again, 'GET', `/clients/${id}`)).json.id, id);
    // The newest refresh token each chain was given still works, unless the request cut off had used it.
    for (const latest of unused) {
      const res = await postForm(tokenUrl(server), { grant_type: 'refresh_token', refresh_token: latest }, { authorization: basic(RP.clientId, RP.secret) });
      assert.equal(res.status, 200, res.text);
    }
  });
});
