// A database that does not answer is a 503 the client may retry, never a 500: the errors
// each back end raises for it, and SQLite locked by another process past its busy timeout.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { isDatabaseUnavailable } from '../../src/storage/store.js';
import { basic, demoRealm, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it('knows a database out of reach, restarting, overloaded or too slow', () => {
    for (const err of [
      coded('ECONNREFUSED'), coded('ECONNRESET'), coded('ETIMEDOUT'),
      // pg: one refused connection per address of the host.
      new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], ''),
      coded('57P01', 'terminating connection due to administrator command'), coded('57P03', 'the database system is starting up'),
      coded('08006'), coded('53300', 'too many connections'), coded('57014', 'canceling statement due to statement timeout'),
      new Error('Connection terminated unexpectedly'), new Error('timeout exceeded when trying to connect'),
      coded('SQLITE_BUSY', 'database is locked'), coded('SQLITE_IOERR_WRITE'),
      new Error('import of realm x failed: connect ECONNREFUSED', { cause: coded('ECONNREFUSED') }),
    ]) assert.equal(isDatabaseUnavailable(err), true, `${(err as { code?: string }).code} ${err.message}`);
  });

  it('and not a fault of the request or of the code', () => {
    for (const err of [
      new Error('boom'), new TypeError('x is undefined'), coded('23505', 'duplicate key value'), coded('SQLITE_CONSTRAINT_UNIQUE'),
      coded('42P01', 'relation does not exist'), undefined, 'a string', { code: 42 },
    ]) assert.equal(isDatabaseUnavailable(err), false, String((err as Error)?.message ?? err));
  });
});

describe('SQLite locked by another process past the busy timeout', () => {
  let server: TestServer;
  before(async () => {
    const realm = demoRealm() as { clients: object[] };
    realm.clients.push({ clientId: 'page', publicClient: true, redirectUris: ['http://localhost/cb'], attributes: { 'pkce.code.challenge.method': 'S256' } });
    server = await startServer({ realms: [realm] });
  });
  after(async () => { await server?.stop(); });

  it('a write answers 503 with Retry-After (the browser gets the error page), and succeeds once the lock is gone', async () => {
    const token = () => postForm(realmUrl(server, 'demo', '/protocol/openid-connect/token'),
      { grant_type: 'password', username: 'alice', password: 'alice-pw' }, { authorization: basic('webapp', 'webapp-secret') });
    assert.equal((await token()).status, 200);

    const other = new SQLite(join(server.dataDir, 'latchkey.db'));
    try {
      other.exec('begin exclusive');
      const locked = await token();
      assert.equal(locked.status, 503, locked.text);
      assert.equal(locked.json.error, 'temporarily_unavailable');
      assert.equal(locked.headers.get('retry-after'), '2');
      // The sign-in it starts is parked in the database: the page says to try again, in the browser's language.
      const page = await fetch(realmUrl(server, 'demo', '/protocol/openid-connect/auth?') + new URLSearchParams({
        client_id: 'page', response_type: 'code', redirect_uri: 'http://localhost/cb', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256', scope: 'openid',
      }), { redirect: 'manual', headers: { 'accept-language': 'de' } });
      const html = await page.text();
      assert.equal(page.status, 503, html);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(html, /vorübergehend nicht verfügbar/);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    } finally {
      other.exec('rollback');
      other.close();
    }
    assert.equal((await token()).status, 200);
  });
});
