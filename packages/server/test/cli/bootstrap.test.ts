import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { passwordGrant } from '../helpers/http.js';
import { ADMIN_PASSWORD, freePort, runCli, startServer, type TestServer } from '../helpers/server.js';

describe('one server per SQLite data dir, and latchkey admin bootstrap', () => {
  let server: TestServer | undefined;
  let dataDir: string;
  before(async () => {
    server = await startServer({ keepData: true });
    dataDir = server.dataDir;
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second server on the same data dir, saying why', async () => {
    const second = await runCli(['start', '--port', String(await freePort()), '--data-dir', dataDir]);
    assert.equal(second.code, 1, second.stdout + second.stderr);
    assert.match(second.stderr, /another Latchkey server is running on the data dir .* stop it first, or give this one another --data-dir/);
    assert.doesNotMatch(second.stdout, /listening/);
  });

  it('bootstrap is refused while the server runs', async () => {
    const run = await runCli(['admin', 'bootstrap', '--data-dir', dataDir], { LATCHKEY_ADMIN_PASSWORD: 'not-now-123' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /another Latchkey server is running on the data dir/);
  });

  it('resets a lost password and creates a new administrator on the stopped server', async () => {
    await server!.stop();
    server = undefined;
    const reset = await runCli(['admin', 'bootstrap', '--data-dir', dataDir], { LATCHKEY_ADMIN_PASSWORD: 'found-again-123' });
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /^Reset the master realm administrator "admin"$/m);
    // No terminal and no LATCHKEY_ADMIN_PASSWORD: a generated password, printed once.
    const created = await runCli(['admin', 'bootstrap', '--username', 'rescue', '--data-dir', dataDir], { LATCHKEY_ADMIN_PASSWORD: '' });
    assert.equal(created.code, 0, created.stderr);
    const generated = /^Created the master realm administrator "rescue" with the generated password: (\S+)$/m.exec(created.stdout)?.[1];
    assert.ok(generated, created.stdout);

    // A later LATCHKEY_ADMIN_PASSWORD is ignored, and the start log says so.
    server = await startServer({ dataDir, keepData: true });
    assert.match(server.output(), /LATCHKEY_ADMIN_PASSWORD is ignored: the master realm exists already.*latchkey admin bootstrap/);
    const old = await passwordGrant(server, 'master', 'admin-cli', undefined, 'admin', ADMIN_PASSWORD);
    assert.equal(old.json?.error, 'invalid_grant', old.text);
    for (const [username, password] of [['admin', 'found-again-123'], ['rescue', generated]]) {
      const res = await passwordGrant(server, 'master', 'admin-cli', undefined, username, password);
      assert.equal(res.status, 200, `${username}: ${res.text}`);
      const realms: Response = await fetch(`${server.url}/admin/realms`, { headers: { authorization: `Bearer ${res.json.access_token}` } });
      assert.equal(realms.status, 200, `${username} administers`);
    }
  });
});

describe('file-system errors name the path', () => {
  const work = mkdtempSync(join(tmpdir(), 'latchkey-fs-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('a database that cannot be opened is named', async () => {
    const dataDir = join(work, 'data');
    mkdirSync(join(dataDir, 'latchkey.db'), { recursive: true });
    const run = await runCli(['start', '--port', String(await freePort()), '--data-dir', dataDir]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`^latchkey: cannot open the database ${join(dataDir, 'latchkey.db')}: `, 'm'));
  });
});
