import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertProtocolError, passwordGrant, send, sleep } from '../helpers/http.js';
import { ADMIN_PASSWORD, CLI, demoRealm, PATIENCE_MS, freePort, startServer, type TestServer } from '../helpers/server.js';

const FLAGS = ['--port', '--host', '--data-dir', '--public-url', '--http-relative-path', '--import-realm', '--allow-private-outbound'];
const ENV = [
  'LATCHKEY_PORT', 'LATCHKEY_HOST', 'LATCHKEY_DATA_DIR', 'LATCHKEY_PUBLIC_URL', 'LATCHKEY_HTTP_RELATIVE_PATH',
  'LATCHKEY_IMPORT_REALM', 'LATCHKEY_MASTER_KEY', 'LATCHKEY_ADMIN_USERNAME', 'LATCHKEY_ADMIN_PASSWORD',
  'LATCHKEY_ALLOW_PRIVATE_OUTBOUND',
];
const GENERATED = /generated password: (\S+)/;

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 10_000 });
const adminSignIn = (server: TestServer, username: string, password: string) =>
  passwordGrant(server, 'master', 'admin-cli', undefined, username, password);

describe('the latchkey command', () => {
  // The servers of this file; every test stops its own, after() catches any a failure left running.
  const running = new Set<TestServer>();
  const dirs: string[] = [];
  const start = async (opts: Parameters<typeof startServer>[0]) => {
    const server = await startServer(opts);
    running.add(server);
    return server;
  };
  const stop = async (server: TestServer) => {
    running.delete(server);
    await server.stop();
  };
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
    dirs.push(dir);
    return dir;
  };

  // The one server most tests here share: a realm with secrets in it, on a fresh data dir.
  let server: TestServer;
  const SECRET = 'very-plain-secret-123';
  const USER_PASSWORD = 'user-plain-pw-456';
  before(async () => {
    server = await start({
      realms: [{
        realm: 'secrets', enabled: true,
        clients: [{ clientId: 'vault', publicClient: false, secret: SECRET, directAccessGrantsEnabled: true, serviceAccountsEnabled: true }],
        users: [{ username: 'dora', enabled: true, credentials: [{ type: 'password', value: USER_PASSWORD }] }],
      }],
    });
  });
  after(async () => {
    for (const s of running) await s.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('help', () => {
    it('latchkey --help names the start command', () => {
      const out = cli('--help');
      assert.equal(out.status, 0, out.stderr);
      assert.match(out.stdout, /Usage: latchkey/);
      assert.match(out.stdout, /\bstart\b/);
    });

    it('latchkey start --help mentions every flag and environment variable', () => {
      const out = cli('start', '--help');
      assert.equal(out.status, 0, out.stderr);
      for (const name of [...FLAGS, ...ENV]) assert.ok(out.stdout.includes(name), `start --help mentions ${name}:\n${out.stdout}`);
    });

    it('a bad port is refused with a message and exit code 1', () => {
      const out = cli('start', '--port', 'not-a-port', '--data-dir', tempDir());
      assert.equal(out.status, 1);
      assert.match(out.stderr, /--port must be a port number/);
    });
  });

  describe('the master realm administrator', () => {
    it('without LATCHKEY_ADMIN_PASSWORD, a generated password is printed once and works; a restart does not print it', async () => {
      const dataDir = tempDir();
      const first = await start({ dataDir, keepData: true, env: { LATCHKEY_ADMIN_PASSWORD: '' } });
      const match = GENERATED.exec(first.output());
      assert.ok(match, `a generated password is printed:\n${first.output()}`);
      const password = match[1];
      assert.ok(password.length >= 16, 'the generated password is long');
      assert.equal(first.output().split(password).length - 1, 1, 'printed exactly once');
      const ok = await adminSignIn(first, 'admin', password);
      assert.equal(ok.status, 200, ok.text);
      assertProtocolError(await adminSignIn(first, 'admin', ADMIN_PASSWORD), 400, 'invalid_grant');
      await stop(first);

      const second = await start({ dataDir, keepData: true, env: { LATCHKEY_ADMIN_PASSWORD: '' } });
      assert.doesNotMatch(second.output(), /generated password/i);
      assert.ok(!second.output().includes(password), 'the password is not printed again');
      const again = await adminSignIn(second, 'admin', password);
      assert.equal(again.status, 200, again.text);
      await stop(second);
    });

    it('LATCHKEY_ADMIN_PASSWORD is used and not printed', async () => {
      // The shared server was started with it.
      assert.doesNotMatch(server.output(), /generated password/i);
      assert.ok(!server.output().includes(ADMIN_PASSWORD));
      const ok = await adminSignIn(server, 'admin', ADMIN_PASSWORD);
      assert.equal(ok.status, 200, ok.text);
    });

    it('LATCHKEY_ADMIN_USERNAME names the administrator', async () => {
      const other = await start({ env: { LATCHKEY_ADMIN_USERNAME: 'root' } });
      const ok = await adminSignIn(other, 'root', ADMIN_PASSWORD);
      assert.equal(ok.status, 200, ok.text);
      assertProtocolError(await adminSignIn(other, 'admin', ADMIN_PASSWORD), 400, 'invalid_grant');
      await stop(other);
    });
  });

  describe('secrets at rest', () => {
    it('the database holds neither a client secret nor a password in plain text', async () => {
      // Use both, so that nothing is only written lazily.
      const signedIn = await passwordGrant(server, 'secrets', 'vault', SECRET, 'dora', USER_PASSWORD);
      assert.equal(signedIn.status, 200, signedIn.text);
      const files = ['latchkey.db', 'latchkey.db-wal', 'latchkey.db-shm'].map((f) => join(server.dataDir, f)).filter((f) => existsSync(f));
      assert.ok(files.some((f) => f.endsWith('latchkey.db')));
      for (const file of files) {
        const bytes = readFileSync(file);
        for (const plain of [SECRET, USER_PASSWORD]) {
          assert.equal(bytes.indexOf(plain), -1, `${file} contains "${plain}"`);
          assert.equal(bytes.indexOf(Buffer.from(plain, 'utf16le')), -1, `${file} contains "${plain}" (UTF-16)`);
        }
        // Private signing keys are sealed too: no JWK private member in clear.
        assert.equal(bytes.indexOf('"d":"'), -1, `${file} contains a private JWK`);
      }
    });

    it('master.key is created in the data dir, readable by its owner only, holding 32 bytes', () => {
      const file = join(server.dataDir, 'master.key');
      assert.ok(existsSync(file));
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url').length, 32);
    });

    it('with LATCHKEY_MASTER_KEY no master.key is written, and a restart with the same key works', async () => {
      const key = randomBytes(32).toString('base64url');
      const dataDir = tempDir();
      const first = await start({ dataDir, keepData: true, realms: [demoRealm()], env: { LATCHKEY_MASTER_KEY: key } });
      assert.equal(existsSync(join(dataDir, 'master.key')), false);
      assert.equal((await passwordGrant(first, 'demo', 'webapp', 'webapp-secret', 'alice', 'alice-pw')).status, 200);
      await stop(first);

      const second = await start({ dataDir, keepData: true, env: { LATCHKEY_MASTER_KEY: key } });
      assert.equal(existsSync(join(dataDir, 'master.key')), false);
      const res = await passwordGrant(second, 'demo', 'webapp', 'webapp-secret', 'alice', 'alice-pw');
      assert.equal(res.status, 200, res.text);
      await stop(second);
    });

    it('a restart with a different LATCHKEY_MASTER_KEY refuses to start instead of serving 500s', async () => {
      const dataDir = tempDir();
      const first = await start({ dataDir, keepData: true, realms: [demoRealm()], env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64url') } });
      await stop(first);
      let second: TestServer | undefined;
      try {
        second = await start({ dataDir, keepData: true, env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64url') } });
      } catch (err) {
        assert.match((err as Error).message, /master key/i, 'the reason names the master key');
        return;
      }
      const discovery = await send(`${second.url}/realms/demo/.well-known/openid-configuration`);
      await stop(second);
      assert.fail(`the server started with the wrong master key and answers ${discovery.status} ${discovery.text}`);
    });
  });

  describe('configuration from the environment', () => {
    it('LATCHKEY_PORT, _HOST, _DATA_DIR, _PUBLIC_URL, _HTTP_RELATIVE_PATH and _IMPORT_REALM work without flags', async () => {
      const dataDir = tempDir();
      const realmFile = join(dataDir, 'demo-realm.json');
      writeFileSync(realmFile, JSON.stringify(demoRealm()));
      const port = await freePort();
      const child = spawn(process.execPath, [CLI, 'start'], {
        env: {
          ...process.env,
          LATCHKEY_PORT: String(port),
          LATCHKEY_HOST: '127.0.0.1',
          LATCHKEY_DATA_DIR: dataDir,
          LATCHKEY_PUBLIC_URL: 'https://id.example.test/',
          LATCHKEY_HTTP_RELATIVE_PATH: 'auth/',
          LATCHKEY_IMPORT_REALM: realmFile,
          LATCHKEY_ADMIN_PASSWORD: ADMIN_PASSWORD,
          LATCHKEY_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (d) => { output += d; });
      child.stderr!.on('data', (d) => { output += d; });
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        const base = `http://127.0.0.1:${port}/auth`;
        const deadline = Date.now() + PATIENCE_MS;
        for (;;) {
          assert.equal(child.exitCode, null, `the server exited:\n${output}`);
          const ready = await fetch(`${base}/health/ready`).then((r) => r.ok, () => false);
          if (ready) break;
          assert.ok(Date.now() < deadline, `not ready on port ${port} in 15 s:\n${output}`);
          await sleep(50);
        }
        assert.match(output, new RegExp(`Imported realm demo from ${realmFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
        assert.ok(existsSync(join(dataDir, 'latchkey.db')), 'the database is in LATCHKEY_DATA_DIR');
        const token = await fetch(`${base}/realms/demo/protocol/openid-connect/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'machine', client_secret: 'machine-secret' }).toString(),
        });
        assert.equal(token.status, 200);
        const { access_token } = await token.json() as { access_token: string };
        const iss = JSON.parse(Buffer.from(access_token.split('.')[1], 'base64url').toString('utf8')).iss;
        assert.equal(iss, 'https://id.example.test/auth/realms/demo', 'the public URL and relative path make the issuer');
      } finally {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
      }
      assert.equal(child.exitCode, 0, `SIGTERM stops the server cleanly:\n${output}`);
    });
  });
});
