import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { passwordGrant, send, sleep, tokenUrl, userinfo } from '../helpers/http.js';
import { basic, demoRealm, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The server's JSON log lines (other lines, e.g. "Latchkey is listening", are left out). */
function logLines(server: TestServer): Array<Record<string, any>> {
  return server.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

/** Waits until the process has written a line mentioning the id (the log is written as requests complete). */
async function waitForLog(server: TestServer, text: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!server.output().includes(text)) {
    assert.ok(Date.now() < deadline, `no log line with ${text}:\n${server.output().slice(-2000)}`);
    await sleep(20);
  }
}

describe('logs', () => {
  let server: TestServer;
  before(async () => {
    // The flag, not the environment variable (which the helper sets to warn): flags come first.
    server = await startServer({ realms: [demoRealm()], args: ['--log-level', 'debug'] });
  });
  after(async () => {
    await server?.stop();
  });

  describe('request id', () => {
    it('a request without X-Request-Id gets a new one, echoed as x-request-id', async () => {
      const res = await send(`${server.url}/health/live`);
      assert.match(res.headers.get('x-request-id') ?? '', UUID);
      const other = await send(`${server.url}/health/live`);
      assert.notEqual(other.headers.get('x-request-id'), res.headers.get('x-request-id'));
    });

    it('a short, plain X-Request-Id is kept, echoed, and on every log line of the request', async () => {
      const id = 'trace-7f3a.b_c:42';
      const res = await send(`${server.url}/health/live`, { headers: { 'x-request-id': id } });
      assert.equal(res.headers.get('x-request-id'), id);
      await waitForLog(server, `"reqId":"${id}","res"`);
      const lines = logLines(server).filter((l) => l.reqId === id);
      assert.deepEqual(lines.map((l) => l.msg), ['incoming request', 'request completed']);
      assert.equal(lines[0].req.url, '/health/live');
    });

    it('an X-Request-Id that is too long or has unsafe characters is replaced', async () => {
      for (const bad of ['x'.repeat(129), 'has space', 'quote"d', '<script>', 'ünï']) {
        const res = await send(`${server.url}/health/live`, { headers: { 'x-request-id': bad } });
        assert.match(res.headers.get('x-request-id') ?? '', UUID, bad);
      }
    });

    it('404s and errors carry it too', async () => {
      const missing = await send(`${server.url}/nothing/here`, { headers: { 'x-request-id': 'r-404' } });
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('x-request-id'), 'r-404');
      const bad = await postForm(tokenUrl(server, 'demo'), {}, { 'x-request-id': 'r-400' });
      assert.equal(bad.status, 400);
      assert.equal(bad.headers.get('x-request-id'), 'r-400');
    });
  });

  it('never hold a secret: passwords, client secrets, tokens, Authorization, cookies, secret query values', async () => {
    const secrets: string[] = ['alice-pw', 'webapp-secret', 'wrong-secret-zq81', 'machine-secret'];
    // A password grant with client_secret_basic, and the tokens it gives.
    const granted = await passwordGrant(server, 'demo', 'webapp', 'webapp-secret', 'alice', 'alice-pw', { scope: 'openid' });
    assert.equal(granted.status, 200, granted.text);
    const { access_token, refresh_token, id_token } = granted.json;
    secrets.push(access_token, refresh_token, id_token, basic('webapp', 'webapp-secret').slice(6));
    // The signatures alone are secret enough: no part of a token may show up.
    for (const jwt of [access_token, id_token]) secrets.push(jwt.split('.')[2]);

    // A failed client authentication, secret in the body.
    const failed = await postForm(tokenUrl(server, 'demo'), {
      grant_type: 'client_credentials', client_id: 'machine', client_secret: 'wrong-secret-zq81',
    });
    assert.equal(failed.status, 401, failed.text);
    // client_secret_post that works, and a refresh.
    assert.equal((await postForm(tokenUrl(server, 'demo'), {
      grant_type: 'client_credentials', client_id: 'machine', client_secret: 'machine-secret',
    })).status, 200);
    assert.equal((await postForm(tokenUrl(server, 'demo'), { grant_type: 'refresh_token', refresh_token },
      { authorization: basic('webapp', 'webapp-secret') })).status, 200);

    // userinfo with the bearer token, and with a cookie that must not be logged either.
    const info = await userinfo(server, 'demo', access_token);
    assert.equal(info.status, 200, info.text);
    const cookie = 'LATCHKEY_SESSION=cookie-secret-value-55';
    secrets.push('cookie-secret-value-55');
    assert.equal((await send(realmUrl(server, 'demo', '/protocol/openid-connect/userinfo'),
      { headers: { authorization: `Bearer ${access_token}`, cookie } })).status, 200);

    // Secrets in query strings: a logout with id_token_hint, an authorization response's code, a token in the URL.
    const query = new URLSearchParams({
      id_token_hint: id_token, client_id: 'webapp', post_logout_redirect_uri: 'https://app.example/bye', state: 'st-secret-91',
    });
    secrets.push('st-secret-91');
    await send(realmUrl(server, 'demo', `/protocol/openid-connect/logout?${query}`));
    await send(realmUrl(server, 'demo', '/protocol/openid-connect/auth?client_id=webapp&code=code-secret-77&response_type=code'));
    await send(realmUrl(server, 'demo', `/protocol/openid-connect/userinfo?access_token=${access_token}`));
    // A password in a query string, where it does not belong.
    await send(realmUrl(server, 'demo', '/protocol/openid-connect/token?password=query-pw-31&client_secret=query-cs-32'));
    secrets.push('code-secret-77', 'query-pw-31', 'query-cs-32');

    await send(`${server.url}/health/live`, { headers: { 'x-request-id': 'last-one' } });
    await waitForLog(server, '"reqId":"last-one","res"');

    const output = server.output();
    // The debug log was on: every request was logged, with its URL (path and harmless values only).
    const lines = logLines(server);
    const urls = lines.filter((l) => l.msg === 'incoming request').map((l) => l.req.url as string);
    assert.ok(urls.some((u) => u.startsWith('/realms/demo/protocol/openid-connect/logout?id_token_hint=[redacted]')), urls.join('\n'));
    assert.ok(urls.some((u) => u.includes('client_id=webapp')), 'harmless values stay');
    assert.ok(lines.filter((l) => l.msg === 'incoming request').every((l) => typeof l.reqId === 'string'));
    for (const secret of secrets) {
      assert.ok(!output.includes(secret), `the log holds a secret: ${secret.slice(0, 12)}…`);
      assert.ok(!output.includes(encodeURIComponent(secret)), `the log holds a secret, URL-encoded: ${secret.slice(0, 12)}…`);
    }
    assert.doesNotMatch(output, /authorization|cookie/i, 'no header is logged');
  });
});
