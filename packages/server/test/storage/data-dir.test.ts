// The data dir holds the database and the master key: 0700, every file in it 0600, also when
// it was there before with looser modes (issue 13, item 10).
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { passwordGrant } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer } from '../helpers/server.js';

const mode = (path: string) => statSync(path).mode & 0o777;

/** Every file in the dir with its mode, as `name 600`. */
const modes = (dir: string) => readdirSync(dir).sort().map((name) => `${name} ${mode(join(dir, name)).toString(8)}`);

async function waitFor(condition: () => boolean, what: string) {
  for (const deadline = Date.now() + 10_000; !condition();) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('data dir permissions', () => {
  it('a new data dir is 0700, the database, its WAL and the master key 0600', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'latchkey-perms-'));
    const dataDir = join(parent, 'data');
    const server = await startServer({ dataDir, env: { LATCHKEY_LOG_LEVEL: 'info' } });
    try {
      // A write, so that the WAL and its shared memory exist.
      assert.equal((await passwordGrant(server, 'master', 'admin-cli', undefined, 'admin', ADMIN_PASSWORD)).status, 200);
      await waitFor(() => existsSync(join(dataDir, 'latchkey.db-wal')), 'the WAL');
      assert.equal(mode(dataDir), 0o700);
      for (const name of ['latchkey.db', 'latchkey.db-wal', 'latchkey.db-shm', 'master.key']) {
        assert.equal(mode(join(dataDir, name)).toString(8), '600', name);
      }
      assert.doesNotMatch(server.output(), /now 0700/, 'nothing to say about a new data dir');
    } finally {
      await server.stop();
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('an existing data dir with looser modes is tightened, and the log says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-perms-'));
    // A first start makes the files; then they are opened up as an older version or a hand-made dir may have them.
    const first = await startServer({ dataDir, keepData: true });
    await first.stop();
    mkdirSync(join(dataDir, 'backups'));
    writeFileSync(join(dataDir, 'backups', 'old.db'), 'x');
    for (const name of readdirSync(dataDir)) chmodSync(join(dataDir, name), name === 'backups' ? 0o755 : 0o644);
    chmodSync(join(dataDir, 'backups', 'old.db'), 0o644);
    chmodSync(dataDir, 0o755);
    const server = await startServer({ dataDir });
    try {
      assert.equal(mode(dataDir), 0o700);
      assert.deepEqual(modes(dataDir).filter((m) => !m.endsWith(' 600')), ['backups 700']);
      assert.equal(mode(join(dataDir, 'backups', 'old.db')), 0o600);
      const line = server.output().split('\n').find((l) => l.includes('now 0700'));
      assert.ok(line, `a log line about it in:\n${server.output()}`);
      const logged = JSON.parse(line);
      assert.equal(logged.level, 40, 'a warning');
      assert.ok(logged.paths.includes(dataDir) && logged.paths.includes(join(dataDir, 'latchkey.db')), line);
    } finally {
      await server.stop();
    }
  });
});
