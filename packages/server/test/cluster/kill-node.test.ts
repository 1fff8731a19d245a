// kill -9 one of three nodes under load: the other two keep answering, without an error;
// only the requests in flight on the killed one fail, and nothing is sent there afterwards
// (as a load balancer takes a dead node out).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { basic, form, freePort } from '../helpers/server.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../storage/databases.js';
import { clusterRealm, MACHINE, REALM, RP, tokenUrl } from './fixture.js';
import { load, startCluster, tally, within, type Call, type Cluster, type Outcome } from './helpers.js';

const skip = await postgresUnavailable();

/** What one worker holds: its refresh token chain and latest access token, unless a lost answer broke them. */
interface Chain { refresh?: string; access?: string }

const post = (url: string, params: Record<string, string>, auth: [string, string]) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(...auth) }, body: form(params) });

if (skip) it('kill -9 one of three nodes under load', { skip }, () => {});
else describe('kill -9 one of three nodes under load', () => {
  let db: TestDatabase;
  let cluster: Cluster;

  before(async () => {
    db = await createTestDatabase();
    cluster = await startCluster(3, db.url, { realms: [clusterRealm(`http://localhost:${await freePort()}/callback`)] });
  });
  after(async () => {
    await cluster?.stop();
    await db?.drop();
  });

  it('the other two answer every request; only those in flight on the killed one fail', async (t) => {
    const { nodes } = cluster;
    const victim = 0;
    let killedAt = Infinity;
    let running = true;
    let turn = 0;
    const chains: Chain[] = [];
    const calls: number[] = [];
    const kinds = ['client_credentials', 'refresh_token', 'introspect', 'userinfo'] as const;
    const rp: [string, string] = [RP.clientId, RP.secret];

    const next = (worker: number): Call => {
      // Round robin over the nodes still up.
      const alive = nodes.map((_, i) => i).filter((i) => i !== victim || killedAt === Infinity);
      const node = alive[turn++ % alive.length];
      const url = tokenUrl(nodes[node]);
      const chain = (chains[worker] ??= {});
      if (!chain.refresh) {
        // A new chain: sign in with the password grant.
        return {
          node, kind: 'password',
          send: () => post(url, { grant_type: 'password', username: 'alice', password: 'alice-pw', scope: 'openid' }, rp),
          check: (_, body) => { const t = JSON.parse(body); chain.refresh = t.refresh_token; chain.access = t.access_token; },
        };
      }
      // Each worker cycles through the kinds on its own, so that every node gets each kind.
      const kind = kinds[(worker + (calls[worker] = (calls[worker] ?? 0) + 1)) % kinds.length];
      const call = ((): Omit<Call, 'node' | 'kind'> => {
        switch (kind) {
          case 'client_credentials':
            return {
              send: () => post(url, { grant_type: 'client_credentials' }, [MACHINE.clientId, MACHINE.secret]),
              check: (_, body) => assert.ok(JSON.parse(body).access_token),
            };
          case 'refresh_token': {
            const token = chain.refresh!;
            // Until the answer is in, nobody knows whether the token was used: another request must not reuse it.
            chain.refresh = undefined;
            return {
              send: () => post(url, { grant_type: 'refresh_token', refresh_token: token }, rp),
              check: (_, body) => { const t = JSON.parse(body); chain.refresh = t.refresh_token; chain.access = t.access_token; },
            };
          }
          case 'introspect':
            return {
              send: () => post(`${url}/introspect`, { token: chain.access! }, rp),
              check: (_, body) => assert.equal(JSON.parse(body).active, true),
            };
          case 'userinfo':
            return {
              send: () => fetch(`${nodes[node].url}/realms/${REALM}/protocol/openid-connect/userinfo`, { headers: { authorization: `Bearer ${chain.access}` } }),
              check: (_, body) => assert.ok(JSON.parse(body).sub),
            };
        }
      })();
      return { node, kind, ...call };
    };

    // Counted, not timed: the machine may be slow, and then every phase just takes longer.
    const outcomes: Outcome[] = [];
    const served = (pick: (o: Outcome) => boolean) => outcomes.filter((o) => o.status === 200 && pick(o)).length;
    const loaded = load(6, () => running, next, outcomes);
    try {
      await within(60_000, 'the victim serving', async () => served((o) => o.node === victim && o.kind !== 'password') >= 20);
      nodes[victim].process.kill('SIGKILL');
      killedAt = performance.now();
      await within(60_000, 'the others serving after the kill', async () => served((o) => o.started > killedAt) >= 100);
    } finally {
      running = false;
      await loaded;
    }

    const summary = JSON.stringify(tally(outcomes), null, 1);
    t.diagnostic(`outcomes: ${JSON.stringify(tally(outcomes))}`);
    const failed = (o: Outcome) => o.status !== 200 || (o.detail ?? '').startsWith('check failed');
    for (const o of outcomes.filter((x) => x.node !== victim)) {
      assert.ok(!failed(o), `node ${o.node} ${o.kind}: ${o.status ?? o.error} ${o.detail ?? ''}\n${summary}`);
    }
    for (const o of outcomes.filter((x) => x.node === victim && failed(x))) {
      assert.ok(o.error !== undefined && o.started < killedAt, `on the killed node, only requests in flight may fail: ${JSON.stringify(o)}\n${summary}`);
    }
    const afterKill = outcomes.filter((o) => o.node !== victim && o.started > killedAt);
    for (const kind of ['client_credentials', 'refresh_token', 'introspect', 'userinfo']) {
      assert.ok(afterKill.some((o) => o.kind === kind), `${kind} after the kill\n${summary}`);
    }
    assert.ok(outcomes.some((o) => o.node === victim && o.status === 200), `the victim served before it died\n${summary}`);
  });
});
