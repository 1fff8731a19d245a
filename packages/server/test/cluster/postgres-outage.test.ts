// PostgreSQL stopped for a few seconds under load, on a server of the test's own (never the
// machine's shared one): requests that need the database fail with 503 (JSON for the
// protocol, the error page for the browser), never 500; /health/ready says not ready;
// and the nodes recover by themselves once it is back, their caches in step again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { basic, form, freePort, postForm } from '../helpers/server.js';
import { admin, adminToken, clientCredentials, clusterRealm, MACHINE, REALM, RP, tokenUrl } from './fixture.js';
import {
  load, privatePostgresUnavailable, sleep, startCluster, startPrivatePostgres, tally, within,
  type Call, type Cluster, type Outcome, type PrivatePostgres,
} from './helpers.js';

const skip = privatePostgresUnavailable();

const DATABASE_KINDS = ['userinfo', 'introspect', 'password', 'authorize'] as const;
const KINDS = [...DATABASE_KINDS, 'client_credentials'] as const;

if (skip) it('PostgreSQL stopped under load', { skip }, () => {});
else describe('PostgreSQL stopped under load', () => {
  let pg: PrivatePostgres;
  let cluster: Cluster;
  let redirectUri: string;

  before(async () => {
    pg = await startPrivatePostgres();
    redirectUri = `http://localhost:${await freePort()}/callback`;
    cluster = await startCluster(2, pg.url, { realms: [clusterRealm(redirectUri)] });
  });
  after(async () => {
    await cluster?.stop();
    await pg?.destroy();
  });

  it('503 while it is down (never 500), not ready, and back by itself', async (t) => {
    const { nodes } = cluster;
    const signedIn = await postForm(tokenUrl(nodes[0]), { grant_type: 'password', username: 'alice', password: 'alice-pw', scope: 'openid' },
      { authorization: basic(RP.clientId, RP.secret) });
    assert.equal(signedIn.status, 200, signedIn.text);
    const { access_token: access, refresh_token: refresh } = signedIn.json;
    const rp = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(RP.clientId, RP.secret) };
    const authorize = new URLSearchParams({
      client_id: RP.clientId, response_type: 'code', redirect_uri: redirectUri, scope: 'openid', state: 'x',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    });

    let turn = 0;
    const next = (worker: number): Call => {
      const node = turn++ % nodes.length;
      const kind = KINDS[(worker + turn) % KINDS.length];
      const base = `${nodes[node].url}/realms/${REALM}/protocol/openid-connect`;
      const send = {
        userinfo: () => fetch(`${base}/userinfo`, { headers: { authorization: `Bearer ${access}` } }),
        introspect: () => fetch(`${base}/token/introspect`, { method: 'POST', headers: rp, body: form({ token: refresh }) }),
        password: () => fetch(`${base}/token`, { method: 'POST', headers: rp, body: form({ grant_type: 'password', username: 'alice', password: 'alice-pw' }) }),
        authorize: () => fetch(`${base}/auth?${authorize}`, { redirect: 'manual' }),
        client_credentials: () => fetch(`${base}/token`, {
          method: 'POST', headers: { ...rp, authorization: basic(MACHINE.clientId, MACHINE.secret) }, body: form({ grant_type: 'client_credentials' }),
        }),
      }[kind];
      return { node, kind, send };
    };
    const ready: Array<{ node: number; at: number; status: number }> = [];
    let running = true;
    const probing = (async () => {
      while (running) {
        for (const [node, n] of nodes.entries()) {
          const status = await fetch(`${n.url}/health/ready`).then((r) => r.status, () => 0);
          ready.push({ node, at: performance.now(), status });
        }
        await sleep(100);
      }
    })();
    const outcomes: Outcome[] = [];
    const loaded = load(4, () => running, next, outcomes);
    // Counted, not timed: on a slow machine every phase takes longer.
    const seen = (kind: string, since: number, status?: number) =>
      outcomes.some((o) => o.kind === kind && o.started > since && (status === undefined || o.status === status));

    let down: number, restarting: number, recovered: number;
    try {
      await within(60_000, 'every kind answered', async () => KINDS.every((k) => seen(k, 0, k === 'authorize' ? 302 : 200)));
      await pg.stop();
      down = performance.now();
      await sleep(1000);
      await within(60_000, 'every kind tried while down', async () => DATABASE_KINDS.every((k) => seen(k, down + 100, 503)));
      restarting = performance.now();
      await pg.start();
      recovered = performance.now() + await within(30_000, 'both nodes ready again',
        async () => (await Promise.all(nodes.map((n) => fetch(`${n.url}/health/ready`).then((r) => r.ok, () => false)))).every(Boolean));
      await within(60_000, 'every kind answered again', async () => KINDS.every((k) => seen(k, recovered + 200)));
    } catch (err) {
      for (const [i, n] of nodes.entries()) t.diagnostic(`node ${i} said: ${n.output().slice(-3000)}`);
      throw err;
    } finally {
      running = false;
      await Promise.all([loaded, probing]);
    }

    const summary = JSON.stringify(tally(outcomes));
    t.diagnostic(`outcomes: ${summary}`);
    for (const o of outcomes) {
      assert.ok(o.error === undefined, `the nodes stay up: ${JSON.stringify(o)}`);
      const expected = o.kind === 'authorize' ? [302, 503] : [200, 503];
      assert.ok(expected.includes(o.status!), `${o.kind} on node ${o.node}: ${o.status} ${o.detail}\n${summary}`);
      if (o.status === 503 && o.kind === 'authorize') {
        assert.match(o.contentType ?? '', /^text\/html/, 'the browser gets the error page');
        assert.match(o.detail ?? '', /<html/i);
      } else if (o.status === 503) {
        assert.equal(JSON.parse(o.detail!).error, 'temporarily_unavailable');
      }
    }
    const whileDown = outcomes.filter((o) => o.started > down + 100 && o.ended < restarting);
    for (const kind of DATABASE_KINDS) {
      const mine = whileDown.filter((o) => o.kind === kind);
      assert.ok(mine.length > 0 && mine.every((o) => o.status === 503), `${kind} while the database is down: ${JSON.stringify(tally(mine))}`);
    }
    for (const node of nodes.keys()) {
      assert.ok(ready.some((r) => r.node === node && r.at > down && r.at < restarting && r.status === 503), `node ${node} said it was not ready`);
    }
    const afterwards = outcomes.filter((o) => o.started > recovered + 200);
    for (const kind of KINDS) {
      const mine = afterwards.filter((o) => o.kind === kind);
      assert.ok(mine.length > 0 && mine.every((o) => o.status !== 503), `${kind} once the database is back: ${JSON.stringify(tally(mine))}`);
    }

    // The change feed listens again: a change on one node still reaches the other.
    assert.equal((await clientCredentials(nodes[1], MACHINE.secret)).status, 200);
    const token = await adminToken(nodes[0]);
    const [machine] = (await admin(nodes[0], token, 'GET', `/clients?clientId=${MACHINE.clientId}`)).json;
    await admin(nodes[0], token, 'POST', `/clients/${machine.id}/client-secret`);
    await within(1000, 'the rotated secret refused on the other node', async () => (await clientCredentials(nodes[1], MACHINE.secret)).status === 401);
  });
});
