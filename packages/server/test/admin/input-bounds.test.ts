// What the admin API refuses before it can do harm: script redirect URIs, realm names that are
// not one safe path segment, paging parameters out of range (issue 13, items 7–9).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { send } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { adminApi, assertAdminError, masterAdminToken, type AdminApi } from './fixture.js';

const SCRIPT_URIS = ['javascript:alert(1)', 'JavaScript:alert(document.cookie)//', ' javascript:alert(1)', 'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)'];

describe('admin input bounds', () => {
  let server: TestServer;
  let admin: AdminApi;

  before(async () => {
    server = await startServer();
    admin = adminApi(server, await masterAdminToken(server));
    await admin.create('/realms', { realm: 'bounds', enabled: true });
  });
  after(async () => { await server?.stop(); });

  describe('redirect URIs', () => {
    it('refuses javascript:, data: and vbscript: redirect URIs with 400 naming redirectUris, on create and update', async () => {
      const id = await admin.create('/realms/bounds/clients', { clientId: 'scripted', redirectUris: ['https://app.example/cb'] });
      for (const uri of SCRIPT_URIS) {
        assertAdminError(await admin.post('/realms/bounds/clients', { clientId: `c-${randomUUID()}`, redirectUris: [uri] }), 400, 'redirectUris');
        assertAdminError(await admin.put(`/realms/bounds/clients/${id}`, { clientId: 'scripted', redirectUris: ['https://app.example/cb', uri] }), 400, 'redirectUris');
        assertAdminError(await admin.put(`/realms/bounds/clients/${id}`,
          { clientId: 'scripted', attributes: { 'post.logout.redirect.uris': `https://app.example/out##${uri}` } }), 400, 'post.logout.redirect.uris');
      }
      assert.deepEqual((await admin.get(`/realms/bounds/clients/${id}`)).json.redirectUris, ['https://app.example/cb'], 'unchanged');
      // Native apps' own schemes (RFC 8252) stay allowed.
      const native = await admin.put(`/realms/bounds/clients/${id}`, { clientId: 'scripted', redirectUris: ['com.example.app:/callback'] });
      assert.equal(native.status, 204, native.text);
    });

    it('refuses them in a realm import as well', async () => {
      const res = await admin.post('/realms', {
        realm: 'imported-scripts', enabled: true, clients: [{ clientId: 'x', redirectUris: ['javascript:alert(1)'] }],
      });
      assertAdminError(res, 400, 'redirectUris');
      assert.equal((await admin.get('/realms/imported-scripts')).status, 404);
    });
  });

  describe('realm names', () => {
    it('refuses ., .. and ... as a new name and as a rename; other dotted names are fine', async () => {
      for (const realm of ['.', '..', '...']) {
        assertAdminError(await admin.post('/realms', { realm, enabled: true }), 400, 'realm');
        assertAdminError(await admin.put('/realms/bounds', { realm }), 400, 'realm');
      }
      assert.equal((await admin.get('/realms/bounds')).status, 200, 'not renamed');
      await admin.create('/realms', { realm: 'a.b..c', enabled: true });
      await admin.create('/realms', { realm: '.hidden', enabled: true });
    });
  });

  describe('paging', () => {
    it('first and max out of range are 400 naming them, wherever the admin API pages', async () => {
      const paths = ['/realms/bounds/users', '/realms/bounds/clients', '/realms/bounds/groups', '/realms/bounds/roles', '/realms/bounds/events', '/realms/bounds/admin-events'];
      for (const path of paths) {
        for (const [name, value] of [['first', '99999999999999999999'], ['first', '2147483648'], ['max', '1e400'], ['first', '-1'], ['max', '12345678901234']]) {
          assertAdminError(await admin.get(`${path}?${name}=${value}`), 400, name);
        }
        const fine = await admin.get(`${path}?first=2147483647&max=2147483647`);
        assert.equal(fine.status, 200, `${path}: ${fine.text}`);
        assert.deepEqual(fine.json, []);
      }
    });

    it('a max past the page size gives a full page, no more', async () => {
      const realmId = (await admin.get('/realms/bounds')).json.id;
      const db = new Database(join(server.dataDir, 'latchkey.db'), { fileMustExist: true });
      try {
        const insert = db.prepare('INSERT INTO login_events (id, realm_id, time, type) VALUES (?, ?, ?, ?)');
        db.transaction(() => { for (let i = 0; i < 10_005; i++) insert.run(randomUUID(), realmId, 1_900_000_000_000 + i, 'LOGIN'); })();
      } finally {
        db.close();
      }
      const all = await send(`${server.url}/admin/realms/bounds/events?max=999999999`, { headers: { authorization: (await bearer()) } });
      assert.equal(all.status, 200, all.text.slice(0, 200));
      assert.equal(all.json.length, 10_000);
    });
  });

  const bearer = async () => `Bearer ${await masterAdminToken(server)}`;
});
