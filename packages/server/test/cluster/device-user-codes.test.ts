// RFC 8628 §5.1: the bound on guessing user codes holds for an address across the nodes of a
// cluster, which count its wrong codes in the one database, not each in its own memory.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HttpBrowser } from '../helpers/http-browser.js';
import { basic, postForm, type TestServer } from '../helpers/server.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../storage/databases.js';
import { clusterRealm, REALM } from './fixture.js';
import { startCluster, type Cluster } from './helpers.js';

const skip = await postgresUnavailable();

if (skip) it('device user codes over two nodes', { skip }, () => {});
else describe('device user codes over two nodes', () => {
  let db: TestDatabase;
  let cluster: Cluster;
  let n1: TestServer, n2: TestServer;

  before(async () => {
    db = await createTestDatabase();
    const realm = clusterRealm('http://localhost/cb') as { clients: object[] };
    realm.clients.push({ clientId: 'tv', publicClient: false, secret: 'tv-secret', standardFlowEnabled: false,
      attributes: { 'oauth2.device.authorization.grant.enabled': 'true' } });
    cluster = await startCluster(2, db.url, { realms: [realm] });
    [n1, n2] = cluster.nodes;
  });
  after(async () => {
    await cluster?.stop();
    await db?.drop();
  });

  /** Enters a user code on a node's device page, as a browser would (its CSRF cookie and token). */
  async function enter(node: TestServer, userCode: string) {
    const browser = new HttpBrowser();
    const form = await browser.visit(`${node.url}/realms/${REALM}/device`);
    assert.equal(form.status, 200);
    return browser.submit(form, 'kc-device-form', { user_code: userCode });
  }

  it('five wrong codes on each node make ten from the address: the right one is then refused on either', async () => {
    const device = await postForm(`${n2.url}/realms/${REALM}/protocol/openid-connect/auth/device`, { scope: 'openid' },
      { authorization: basic('tv', 'tv-secret') });
    assert.equal(device.status, 200, device.text);
    for (const node of [n1, n2, n1, n2, n1, n2, n1, n2, n1]) assert.equal((await enter(node, 'BBBB-BBBB')).status, 400);
    // Nine so far: the right code still goes through to the sign-in.
    const signIn = await enter(n2, device.json.user_code);
    assert.notEqual(signIn.status, 429, 'nine wrong codes are within the bound');
    assert.equal((await enter(n1, 'CCCC-CCCC')).status, 400);
    for (const node of [n1, n2]) {
      const refused = await enter(node, device.json.user_code);
      assert.equal(refused.status, 429, `the tenth wrong code, counted on both nodes, holds on ${node.url}`);
    }
  });
});
