import assert from 'node:assert/strict';
import { pbkdf2 } from 'node:crypto';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { clientCredentials, send, sleep, tokenUrl } from '../helpers/http.js';
import { basic, demoRealm, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

// Keycloak's pbkdf2-sha256 with this many iterations takes the server a good half second
// to check: long enough to be surely in flight when SIGTERM arrives.
const SLOW_ITERATIONS = 3_000_000;

async function slowRealm(): Promise<object> {
  const salt = Buffer.from('latchkey-slow-salt');
  const value = await promisify(pbkdf2)('slow-pw', salt, SLOW_ITERATIONS, 32, 'sha256');
  const realm = demoRealm('drain') as { users: object[] };
  realm.users.push({
    username: 'slow', enabled: true,
    credentials: [{
      type: 'password',
      secretData: JSON.stringify({ value: value.toString('base64'), salt: salt.toString('base64') }),
      credentialData: JSON.stringify({ hashIterations: SLOW_ITERATIONS, algorithm: 'pbkdf2-sha256' }),
    }],
  });
  return realm;
}

/** Waits for the server to log the start of the request with this id (debug logs every request). */
async function untilReceived(server: TestServer, id: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!server.output().includes(`"reqId":"${id}","req"`)) {
    assert.ok(Date.now() < deadline, `request ${id} not received:\n${server.output().slice(-2000)}`);
    await sleep(5);
  }
}

const exitOf = (server: TestServer) => new Promise<number | null>((resolve) => {
  if (server.process.exitCode !== null) resolve(server.process.exitCode);
  else server.process.once('exit', (code) => resolve(code));
});

describe('SIGTERM', () => {
  it('lets the requests in flight finish with 200, then exits with 0 within seconds', async (t) => {
    const server = await startServer({ realms: [await slowRealm()], env: { LATCHKEY_LOG_LEVEL: 'debug' } });
    try {
      const headers = (id: string) => ({ authorization: basic('webapp', 'webapp-secret'), 'x-request-id': id });
      const slow = postForm(tokenUrl(server, 'drain'), { grant_type: 'password', username: 'slow', password: 'slow-pw' }, headers('slow-1'));
      const others = [
        postForm(tokenUrl(server, 'drain'), { grant_type: 'password', username: 'alice', password: 'alice-pw' }, headers('alice-1')),
        postForm(tokenUrl(server, 'drain'), { grant_type: 'client_credentials' },
          { authorization: basic('machine', 'machine-secret'), 'x-request-id': 'machine-1' }),
        send(realmUrl(server, 'drain', '/.well-known/openid-configuration'), { headers: { 'x-request-id': 'discovery-1' } }),
      ];
      for (const id of ['slow-1', 'alice-1', 'machine-1', 'discovery-1']) await untilReceived(server, id);

      const signalled = Date.now();
      const exited = exitOf(server);
      server.process.kill('SIGTERM');

      const slowAnswer = await slow;
      assert.equal(slowAnswer.status, 200, `the slow request completes: ${slowAnswer.text}`);
      assert.ok(slowAnswer.json.access_token);
      for (const res of await Promise.all(others)) assert.equal(res.status, 200, res.text);
      const slowDone = Date.now();

      const code = await exited;
      const stopped = Date.now() - signalled;
      assert.equal(code, 0, `exit code 0:\n${server.output().slice(-3000)}`);
      assert.ok(stopped < 5000, `exited ${stopped} ms after SIGTERM`);
      // The slow sign-in was still running when the signal came (so the drain was real).
      assert.ok(slowDone - signalled > 50, `the slow request finished ${slowDone - signalled} ms after SIGTERM`);
      t.diagnostic(`slow request answered ${slowDone - signalled} ms after SIGTERM; exit ${stopped} ms after it`);
      await assert.rejects(fetch(`${server.url}/health/live`), 'no connection after exit');
    } finally {
      await server.stop();
    }
  });

  it('with --shutdown-delay, /health/ready answers 503 at once while requests are still served, then it exits with 0', async (t) => {
    const server = await startServer({ realms: [demoRealm()], args: ['--shutdown-delay', '1500'] });
    try {
      assert.equal((await send(`${server.url}/health/ready`)).status, 200);
      const exited = exitOf(server);
      const signalled = Date.now();
      server.process.kill('SIGTERM');
      let ready = await send(`${server.url}/health/ready`);
      for (let i = 0; ready.status === 200 && i < 50; i++) {
        await sleep(10);
        ready = await send(`${server.url}/health/ready`);
      }
      assert.ok(Date.now() - signalled < 1000, 'not ready any more within a second');
      assert.equal(ready.status, 503, ready.text);
      assert.deepEqual(ready.json, { status: 'DOWN', checks: [{ name: 'shutdown', status: 'DOWN' }] });
      assert.equal((await send(`${server.url}/health/live`)).status, 200, 'still live');
      const token = await clientCredentials(server, 'demo', 'machine', 'machine-secret');
      assert.equal(token.status, 200, 'still serving during the delay');
      assert.equal(await exited, 0, server.output());
      const stopped = Date.now() - signalled;
      assert.ok(stopped >= 1400 && stopped < 6000, `stopped ${stopped} ms after SIGTERM`);
      t.diagnostic(`exit ${stopped} ms after SIGTERM with a 1500 ms delay`);
    } finally {
      await server.stop();
    }
  });

  it('SIGINT stops it too; a second signal changes nothing', async () => {
    const server = await startServer({});
    try {
      const exited = exitOf(server);
      server.process.kill('SIGINT');
      server.process.kill('SIGTERM');
      assert.equal(await exited, 0, server.output());
      assert.doesNotMatch(server.output(), /error/i);
    } finally {
      await server.stop();
    }
  });
});
