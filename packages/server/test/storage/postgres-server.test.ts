// The real server over PostgreSQL: the grants end to end, and two servers sharing
// one database, each serving what the other issued.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { claimsOf } from '../helpers/oidc.js';
import { ADMIN_PASSWORD, basic, demoRealm, freePort, postForm, startServer, type TestServer } from '../helpers/server.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './databases.js';

const skip = await postgresUnavailable();


// No grace for a refresh token just spent (README, Tokens): a second use is reuse at once.
const strictRealm = () => ({ ...demoRealm(), attributes: { refreshTokenReuseGrace: '0' } });
const token = (server: TestServer, realm: string, params: Record<string, string>, auth?: [string, string]) =>
  postForm(`${server.url}/realms/${realm}/protocol/openid-connect/token`, params, auth ? { authorization: basic(...auth) } : {});
const introspect = (server: TestServer, tokenValue: string, auth: [string, string] = ['webapp', 'webapp-secret']) =>
  postForm(`${server.url}/realms/demo/protocol/openid-connect/token/introspect`, { token: tokenValue }, { authorization: basic(...auth) });
const userinfo = (server: TestServer, accessToken: string) =>
  fetch(`${server.url}/realms/demo/protocol/openid-connect/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
const WEBAPP: [string, string] = ['webapp', 'webapp-secret'];

// A skipped test rather than a skipped suite, so the run's summary counts it as skipped.
if (skip) it('the server over PostgreSQL', { skip }, () => {});
else describe('the server over PostgreSQL', () => {
  const databases: TestDatabase[] = [];
  const servers: TestServer[] = [];
  const fresh = async () => {
    const db = await createTestDatabase();
    databases.push(db);
    return db;
  };
  const start = async (opts: Parameters<typeof startServer>[0]) => {
    const server = await startServer(opts);
    servers.push(server);
    return server;
  };
  after(async () => {
    for (const server of servers) await server.stop();
    for (const db of databases) await db.drop();
  });

  describe('one server', () => {
    let server: TestServer;
    before(async () => {
      const db = await fresh();
      server = await start({ realms: [strictRealm()], args: ['--database-url', db.url] });
    });

    it('keeps nothing in the data dir but the master key', () => {
      assert.equal(existsSync(join(server.dataDir, 'latchkey.db')), false);
      assert.equal(existsSync(join(server.dataDir, 'master.key')), true);
    });

    it('is ready while the database answers', async () => {
      const res = await fetch(`${server.url}/health/ready`);
      assert.equal(res.status, 200);
      assert.deepEqual((await res.json()).checks, [{ name: 'database', status: 'UP' }]);
    });

    it('client credentials', async () => {
      const res = await token(server, 'demo', { grant_type: 'client_credentials' }, ['machine', 'machine-secret']);
      assert.equal(res.status, 200, res.text);
      assert.equal(claimsOf(res.json.access_token).azp, 'machine');
      assert.deepEqual(claimsOf(res.json.access_token).realm_access.roles.sort(), ['writer']);
      const info = await introspect(server, res.json.access_token);
      assert.equal(info.json.active, true, info.text);
    });

    it('password, with the username in any case and by email, then refresh with rotation and reuse detection', async () => {
      const first = await token(server, 'demo', { grant_type: 'password', username: 'ALICE', password: 'alice-pw', scope: 'openid' }, WEBAPP);
      assert.equal(first.status, 200, first.text);
      assert.equal(claimsOf(first.json.access_token).preferred_username, 'alice');
      assert.equal((await userinfo(server, first.json.access_token)).status, 200);
      const byEmail = await token(server, 'demo', { grant_type: 'password', username: 'Alice@Example.com', password: 'alice-pw' }, WEBAPP);
      assert.equal(byEmail.status, 200, byEmail.text);

      const second = await token(server, 'demo', { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, WEBAPP);
      assert.equal(second.status, 200, second.text);
      assert.notEqual(second.json.refresh_token, first.json.refresh_token);
      const reused = await token(server, 'demo', { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, WEBAPP);
      assert.equal(reused.status, 400);
      assert.equal(reused.json.error, 'invalid_grant');
      const afterReuse = await token(server, 'demo', { grant_type: 'refresh_token', refresh_token: second.json.refresh_token }, WEBAPP);
      assert.equal(afterReuse.status, 400, 'the whole family is revoked');
    });

    it('a wrong password is refused, and a NUL in the username is "not found", not a database error', async () => {
      const wrong = await token(server, 'demo', { grant_type: 'password', username: 'alice', password: 'nope' }, WEBAPP);
      assert.equal(wrong.status, 400);
      assert.equal(wrong.json.error, 'invalid_grant');
      const nul = await token(server, 'demo', { grant_type: 'password', username: 'ali\u0000ce', password: 'alice-pw' }, WEBAPP);
      assert.equal(nul.status, 400, nul.text);
      const nulClient = await token(server, 'demo', { grant_type: 'client_credentials' }, ['mach\u0000ine', 'machine-secret']);
      assert.equal(nulClient.status, 401, nulClient.text);
      assert.equal((await fetch(`${server.url}/realms/de%00mo/.well-known/openid-configuration`)).status, 404);
    });
  });

  describe('two servers on one database', () => {
    let a: TestServer;
    let b: TestServer;
    let args: string[];
    before(async () => {
      const db = await fresh();
      // Same issuer and master key on both, as behind one load balancer; they start at
      // the same moment over an empty database, each importing the realm.
      const publicUrl = `http://localhost:${await freePort()}`;
      const env = { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64url') };
      args = ['--database-url', db.url, '--public-url', publicUrl];
      [a, b] = await Promise.all([start({ realms: [strictRealm()], args, env }), start({ realms: [strictRealm()], args, env })]);
    });

    it('a third process with another master key refuses to start', async () => {
      await assert.rejects(start({ args, env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64url') } }),
        /the master key does not open the database's keys/);
    });

    it('imported the realm once and created the administrator once, the other skipping', () => {
      const outputs = [a.output(), b.output()];
      assert.equal(outputs.filter((o) => /Imported realm demo/.test(o)).length, 1, outputs.join('\n---\n'));
      assert.equal(outputs.filter((o) => /Realm demo already exists/.test(o)).length, 1, outputs.join('\n---\n'));
    });

    it('the administrator signs in on both', async () => {
      for (const server of [a, b]) {
        const res = await token(server, 'master', { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: ADMIN_PASSWORD });
        assert.equal(res.status, 200, res.text);
      }
    });

    it('each introspects and serves userinfo for a token the other issued', async () => {
      for (const [issuer, other] of [[a, b], [b, a]]) {
        const cc = await token(issuer, 'demo', { grant_type: 'client_credentials' }, ['machine', 'machine-secret']);
        assert.equal(cc.status, 200, cc.text);
        const info = await introspect(other, cc.json.access_token);
        assert.equal(info.status, 200, info.text);
        assert.equal(info.json.active, true, info.text);
        assert.equal(info.json.client_id, 'machine');

        const pw = await token(issuer, 'demo', { grant_type: 'password', username: 'alice', password: 'alice-pw', scope: 'openid' }, WEBAPP);
        assert.equal(pw.status, 200, pw.text);
        assert.equal((await userinfo(other, pw.json.access_token)).status, 200);
        assert.equal((await introspect(other, pw.json.refresh_token)).json.active, true);
      }
    });

    it('a refresh token rotates across servers, and its reuse on either is detected', async () => {
      const first = await token(a, 'demo', { grant_type: 'password', username: 'alice', password: 'alice-pw' }, WEBAPP);
      const second = await token(b, 'demo', { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, WEBAPP);
      assert.equal(second.status, 200, second.text);
      const reused = await token(a, 'demo', { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, WEBAPP);
      assert.equal(reused.status, 400, reused.text);
      assert.equal(reused.json.error, 'invalid_grant');
      const revoked = await token(b, 'demo', { grant_type: 'refresh_token', refresh_token: second.json.refresh_token }, WEBAPP);
      assert.equal(revoked.status, 400, 'server B sees the family A revoked');
    });

    it('the same refresh token raced on both servers is never honoured twice', async () => {
      // The loser counts as a reuse and revokes the family and session, so the winner may
      // fail too (its session check comes after): at most one success, never two.
      for (let round = 0; round < 10; round++) {
        const first = await token(a, 'demo', { grant_type: 'password', username: 'alice', password: 'alice-pw' }, WEBAPP);
        const results = await Promise.all([a, b].map((s) =>
          token(s, 'demo', { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, WEBAPP)));
        const what = results.map((r) => `${r.status} ${r.text}`).join('\n');
        assert.ok(results.filter((r) => r.status === 200).length <= 1, what);
        for (const r of results) assert.ok(r.status === 200 || (r.status === 400 && r.json.error === 'invalid_grant'), what);
      }
    });

    it('an access token revoked on one server is inactive on the other', async () => {
      const pw = await token(a, 'demo', { grant_type: 'password', username: 'alice', password: 'alice-pw' }, WEBAPP);
      const revoke = await postForm(`${b.url}/realms/demo/protocol/openid-connect/revoke`,
        { token: pw.json.access_token, token_type_hint: 'access_token' }, { authorization: basic(...WEBAPP) });
      assert.equal(revoke.status, 200, revoke.text);
      const info = await introspect(a, pw.json.access_token);
      assert.equal(info.json.active, false, info.text);
    });
  });
});
