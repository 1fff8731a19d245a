// `latchkey admin`, the kcadm.sh-shaped command line client of the admin REST API, run as
// the built CLI against a real server process: seed 001 from the command line, end to end.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { send, sleep } from '../helpers/http.js';
import { claimsOf, client, rp } from '../helpers/oidc.js';
import { ADMIN_PASSWORD, CLI, freePort, startServer, type TestServer } from '../helpers/server.js';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STACK = /\n\s+at\s|node_modules|\.m?js:\d+/;

describe('latchkey admin', () => {
  let server: TestServer;
  let dir: string;
  let configFile: string;
  /** Everything every command printed, to check that no token or password ever shows. */
  const printed: string[] = [];

  /** Runs `latchkey admin ...` as a user would, with its own HOME and config file. */
  const admin = (args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'admin', ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: dir, LATCHKEY_ADMIN_CONFIG: configFile, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('error', reject);
      child.on('exit', (status) => {
        printed.push(stdout, stderr);
        resolve({ status, stdout, stderr });
      });
      child.stdin.end(opts.input ?? '');
    });

  /** A command that must succeed: its stdout. */
  const ok = async (...args: string[]): Promise<string> => {
    const run = await admin(args);
    assert.equal(run.status, 0, `latchkey admin ${args.join(' ')}:\n${run.stderr}${run.stdout}`);
    return run.stdout;
  };
  const json = async (...args: string[]) => JSON.parse(await ok(...args));
  /** A command that must fail: exit 1, one line on stderr with these words, nothing internal. */
  const fails = async (args: string[], ...words: (string | RegExp)[]): Promise<Run> => {
    const run = await admin(args);
    assert.equal(run.status, 1, `latchkey admin ${args.join(' ')} should fail:\n${run.stderr}${run.stdout}`);
    for (const word of words) {
      if (typeof word === 'string') assert.ok(run.stderr.includes(word), `"${word}" in:\n${run.stderr}`);
      else assert.match(run.stderr, word);
    }
    assert.doesNotMatch(run.stderr, STACK, 'no stack trace');
    return run;
  };
  const config = () => JSON.parse(readFileSync(configFile, 'utf8'));
  const login = () => admin(['login', '--server', server.url, '--realm', 'master', '--user', 'admin'], { env: { LATCHKEY_ADMIN_PASSWORD: ADMIN_PASSWORD } });

  before(async () => {
    server = await startServer();
    dir = mkdtempSync(join(tmpdir(), 'latchkey-admin-cli-'));
    configFile = join(dir, 'admin.json');
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('help', () => {
    it('admin --help documents the commands, -s and the config file', async () => {
      const run = await admin(['--help']);
      assert.equal(run.status, 0, run.stderr);
      for (const word of ['login', 'get', 'create', 'update', 'delete', 'set-password', '-s NAME=VALUE', 'LATCHKEY_ADMIN_CONFIG', 'client-secret']) {
        assert.ok(run.stdout.includes(word), `admin --help mentions ${word}:\n${run.stdout}`);
      }
      const loginHelp = await admin(['login', '--help']);
      for (const word of ['--server', '--realm', '--user', '--password', '--client', '--config', 'LATCHKEY_ADMIN_PASSWORD', '0600']) {
        assert.ok(loginHelp.stdout.includes(word), `admin login --help mentions ${word}:\n${loginHelp.stdout}`);
      }
      const updateHelp = await admin(['update', '--help']);
      for (const word of ['-s, --set', '-d, --delete', '-f, --file', '-q, --query', '-n, --no-merge', '-r, --target-realm', '--fields']) {
        assert.ok(updateHelp.stdout.includes(word), `admin update --help mentions ${word}:\n${updateHelp.stdout}`);
      }
    });

    it('without a login, a command says how to log in', async () => {
      await fails(['get', 'realms'], 'not logged in', 'latchkey admin login --server');
    });
  });

  describe('login', () => {
    it('a wrong password fails with the server\'s words and writes no config file', async () => {
      const run = await fails(['login', '--server', server.url, '--user', 'admin', '--password', 'not-the-password'],
        'Invalid user credentials', 'HTTP 400');
      assert.ok(!run.stderr.includes('not-the-password'), 'the password is not printed');
      assert.ok(!existsSync(configFile));
      await fails(['login', '--server', server.url, '--user', 'nobody'], 'no password', 'LATCHKEY_ADMIN_PASSWORD');
      await fails(['login', '--server', 'ftp://example.com', '--user', 'admin', '--password', 'x'], 'http:// or https://');
      await fails(['login', '--server', 'http://id.example.com', '--user', 'admin', '--password', 'x'], 'plain http', '--allow-http');
      const closed = await freePort();
      await fails(['login', '--server', `http://127.0.0.1:${closed}`, '--user', 'admin', '--password', 'x'], `cannot reach http://127.0.0.1:${closed}`, 'ECONNREFUSED');
    });

    it('keeps server, realm and tokens in a file of mode 0600, never the password', async () => {
      const run = await login();
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /Logged in to .* as admin of realm master/);
      assert.equal(statSync(configFile).mode & 0o777, 0o600);
      const text = readFileSync(configFile, 'utf8');
      assert.ok(!text.includes(ADMIN_PASSWORD), 'no password in the config file');
      const c = JSON.parse(text);
      assert.equal(c.server, server.url);
      assert.equal(c.realm, 'master');
      assert.equal(c.clientId, 'admin-cli');
      assert.equal(typeof c.refreshToken, 'string');
      assert.ok(c.expiresAt > Date.now());
      assert.deepEqual((await json('get', 'realms/master', '--fields', 'realm')), { realm: 'master' });
    });

    it('asks for the password on a terminal without echoing it', { skip: spawnSync('script', ['--version']).status === 0 ? false : 'util-linux script(1), which gives the command a terminal, is not installed' }, async () => {
      const other = join(dir, 'terminal.json');
      const command = [process.execPath, CLI, 'admin', 'login', '--server', server.url, '--user', 'admin', '--config', other]
        .map((a) => `'${a}'`).join(' ');
      // script(1) runs the command on a pseudo-terminal and passes our input to it.
      const child = spawn('script', ['-qefc', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '', HOME: dir }, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let typed = false;
      const exited = new Promise<number | null>((r) => child.on('exit', r));
      child.stdout.on('data', (d) => {
        out += d;
        if (!typed && out.includes('Password for admin')) {
          typed = true;
          // A typo and a backspace, as a person types.
          child.stdin.write(`${ADMIN_PASSWORD}x\x7f\r`);
        }
      });
      child.stderr.on('data', (d) => { out += d; });
      assert.equal(await exited, 0, out);
      assert.ok(!out.includes(ADMIN_PASSWORD), `the password is not echoed:\n${out}`);
      assert.match(out, /Logged in to/);
      assert.equal(statSync(other).mode & 0o777, 0o600);
    });
  });

  describe('seed 001 from the command line', () => {
    const realm = 'seed';
    const SECRET = 'price-updates-secret-we-made-up-2026';
    let id: string;

    before(async () => {
      if (!existsSync(configFile)) assert.equal((await login()).status, 0);
    });

    it('creates the realm and a machine-to-machine client application (Form tab)', async () => {
      assert.equal((await ok('create', 'realms', '-s', `realm=${realm}`, '-s', 'enabled=true')).trim(), realm);
      id = (await ok('create', 'clients', '-r', realm,
        '-s', 'clientId=price-updates', '-s', 'name=Automatic price updates', '-s', 'enabled=true',
        '-s', 'publicClient=false',
        // Support OpenID Connect off, Support API access on.
        '-s', 'attributes.latchkey.oidc=false', '-s', 'attributes.latchkey.api.access=true',
        // Grant type client credentials; the identity is the client's service-account user.
        '-s', 'serviceAccountsEnabled=true', '-s', 'standardFlowEnabled=false', '-s', 'directAccessGrantsEnabled=false')).trim();
      assert.match(id, UUID, 'create prints the new id');

      const rep = await json('get', `clients/${id}`, '-r', realm);
      assert.equal(rep.clientId, 'price-updates');
      assert.equal(rep.name, 'Automatic price updates');
      assert.equal(rep.enabled, true);
      assert.equal(rep.attributes['latchkey.oidc'], 'false');
      assert.equal(rep.attributes['latchkey.api.access'], 'true');
      assert.equal(rep.serviceAccountsEnabled, true);
      assert.equal(rep.standardFlowEnabled, false);
      assert.equal(rep.secret, undefined, 'get leaves the client secret out');
      const identity = await json('get', `clients/${id}/service-account-user`, '-r', realm);
      assert.equal(identity.username, 'service-account-price-updates');
    });

    it('adds a secret made up by the administrator (Secrets tab) and deletes the generated one', async () => {
      const generated = await json('get', `clients/${id}/secrets`, '-r', realm);
      assert.equal(generated.length, 1, 'a confidential client starts with one generated secret');
      const secretId = (await ok('create', `clients/${id}/secrets`, '-r', realm, '-s', `value=${SECRET}`, '-s', 'label=2026')).trim();
      assert.match(secretId, UUID);
      await ok('delete', `clients/${id}/secrets/${generated[0].id}`, '-r', realm);
      const secrets = await json('get', `clients/${id}/secrets`, '-r', realm);
      assert.deepEqual(secrets.map((s: { id: string; label: string }) => [s.id, s.label]), [[secretId, '2026']]);
      assert.ok(!JSON.stringify(secrets).includes(SECRET), 'the list never shows a value');
      // Explicitly asked for: Keycloak's client-secret endpoint shows it.
      assert.equal((await json('get', `clients/${id}/client-secret`, '-r', realm)).value, SECRET);
    });

    it('a generated secret is printed only with -o, and otherwise said to be unprinted', async () => {
      const quiet = await admin(['create', `clients/${id}/secrets`, '-r', realm]);
      assert.equal(quiet.status, 0, quiet.stderr);
      assert.match(quiet.stdout.trim(), UUID);
      assert.match(quiet.stderr, /was not printed and which the secrets list never shows: add -o/);
      const shown = await json('create', `clients/${id}/secrets`, '-r', realm, '-o');
      assert.equal(typeof shown.value, 'string');
      assert.ok(shown.value.length >= 32);
      for (const s of [quiet.stdout.trim(), shown.id]) await ok('delete', `clients/${id}/secrets/${s}`, '-r', realm);
    });

    it('sets allowed login and logout redirects, consent translations and a custom resource', async () => {
      await ok('update', `clients/${id}`, '-r', realm,
        '-s', 'redirectUris=["https://prices.example.com/cb"]',
        '-s', 'attributes.post.logout.redirect.uris=https://prices.example.com/signed-out');
      await ok('update', `clients/${id}`, '-r', realm, '-s', 'redirectUris+=https://prices.example.com/cb2');
      await ok('update', `clients/${id}`, '-r', realm,
        '-s', 'consentTexts.en.profile=May Prices read your profile?',
        '-s', 'consentTexts.en.email=May Prices read your email address?',
        '-s', 'consentTexts.en.api=May Prices update prices for you?',
        '-s', 'consentTexts.nl.api=Mag Prices prijzen voor u bijwerken?');
      await ok('update', `clients/${id}`, '-r', realm,
        '-s', 'customResources=[{"name":"department","userAttribute":"department","claim":"department"}]');

      const rep = await json('get', `clients/${id}`, '-r', realm, '--fields', 'redirectUris,attributes(post.logout*,latchkey*),consentTexts,customResources,name');
      assert.deepEqual(Object.keys(rep).sort(), ['attributes', 'consentTexts', 'customResources', 'name', 'redirectUris']);
      assert.deepEqual(rep.redirectUris, ['https://prices.example.com/cb', 'https://prices.example.com/cb2']);
      assert.deepEqual(rep.attributes, {
        'latchkey.oidc': 'false', 'latchkey.api.access': 'true', 'post.logout.redirect.uris': 'https://prices.example.com/signed-out',
      });
      assert.deepEqual(rep.consentTexts, {
        en: { profile: 'May Prices read your profile?', email: 'May Prices read your email address?', api: 'May Prices update prices for you?' },
        nl: { api: 'Mag Prices prijzen voor u bijwerken?' },
      });
      assert.equal(rep.customResources.length, 1);
      assert.equal(rep.customResources[0].claim, 'department');
      assert.equal(rep.name, 'Automatic price updates', 'update merged: what was not set stayed');
      assert.equal((await json('get', `clients/${id}/client-secret`, '-r', realm)).value, SECRET, 'the secret stayed too');

      await ok('update', `clients/${id}`, '-r', realm, '-d', 'redirectUris[1]');
      assert.deepEqual((await json('get', `clients/${id}`, '-r', realm)).redirectUris, ['https://prices.example.com/cb']);
    });

    it('update -f sends a file as the body, and -f - reads standard input', async () => {
      const file = join(dir, 'client.json');
      writeFileSync(file, JSON.stringify({ description: 'Nightly price feed' }));
      await ok('update', `clients/${id}`, '-r', realm, '-f', file);
      const piped = await admin(['update', `clients/${id}`, '-r', realm, '-f', '-', '-s', 'attributes.pkce.code.challenge.method=S256'],
        { input: JSON.stringify({ webOrigins: ['https://prices.example.com'] }) });
      assert.equal(piped.status, 0, piped.stderr);
      const rep = await json('get', `clients/${id}`, '-r', realm);
      assert.equal(rep.description, 'Nightly price feed');
      assert.deepEqual(rep.webOrigins, ['https://prices.example.com']);
      assert.equal(rep.attributes['pkce.code.challenge.method'], 'S256', 'a dotted attribute name is one key');
      assert.equal(rep.name, 'Automatic price updates', 'the server kept what the file left out');
    });

    it('a client credentials grant works with the client and the secret (openid-client)', async () => {
      const config = await rp(server, realm, 'price-updates', SECRET);
      const tokens = await client.clientCredentialsGrant(config);
      const claims = claimsOf(tokens.access_token);
      assert.equal(claims.client_id, 'price-updates');
      assert.equal(claims.sub, (await json('get', `clients/${id}/service-account-user`, '-r', realm)).id);
      assert.equal(tokens.id_token, undefined, 'no OpenID Connect');
    });

    it('a user created and given a password signs in with the password grant, with the custom resource', async () => {
      const shop = (await ok('create', 'clients', '-r', realm, '-s', 'clientId=shop', '-s', 'name=Shop', '-s', 'publicClient=false',
        '-s', 'secret=shop-secret-value-123456', '-s', 'directAccessGrantsEnabled=true',
        '-s', 'customResources=[{"name":"department","userAttribute":"department","claim":"department"}]')).trim();
      assert.match(shop, UUID);
      const user = (await ok('create', 'users', '-r', realm, '-s', 'username=erin', '-s', 'enabled=true',
        '-s', 'email=erin@example.com', '-s', 'attributes.department=["sales"]')).trim();
      assert.match(user, UUID);
      // kcadm.sh's way: a PUT of the credential, not merged with a GET (-n).
      await ok('update', `users/${user}/reset-password`, '-r', realm, '-s', 'type=password', '-s', 'value=erin-first-pw', '-s', 'temporary=false', '-n');
      const config = await rp(server, realm, 'shop', 'shop-secret-value-123456');
      const first = await client.genericGrantRequest(config, 'password', { username: 'erin', password: 'erin-first-pw', scope: 'openid' });
      assert.equal(claimsOf(first.access_token).department, 'sales');
      assert.equal(claimsOf(first.id_token!).preferred_username, 'erin');

      await ok('set-password', '-r', realm, '--username', 'erin', '--new-password', 'erin-second-pw');
      const second = await client.genericGrantRequest(config, 'password', { username: 'erin', password: 'erin-second-pw' });
      assert.equal(claimsOf(second.access_token).preferred_username, 'erin');
      await assert.rejects(client.genericGrantRequest(config, 'password', { username: 'erin', password: 'erin-first-pw' }),
        (err: any) => err.error === 'invalid_grant');

      const found = await json('get', 'users', '-r', realm, '-q', 'username=erin', '-q', 'exact=true', '--fields', 'id,username,attributes');
      assert.deepEqual(found, [{ id: user, username: 'erin', attributes: { department: ['sales'] } }]);
      await ok('delete', `users/${user}`, '-r', realm);
      await fails(['get', `users/${user}`, '-r', realm], 'User not found', 'HTTP 404');
    });

    it('set-password --temporary makes the user choose a new password at the next sign-in', async () => {
      const user = (await ok('create', 'users', '-r', realm, '-s', 'username=gale', '-s', 'enabled=true')).trim();
      await ok('set-password', '-r', realm, '--username', 'gale', '--new-password', 'gale-temp-pw', '--temporary');
      assert.deepEqual((await json('get', `users/${user}`, '-r', realm)).requiredActions, ['UPDATE_PASSWORD']);
      await ok('set-password', '-r', realm, '--userid', user, '--new-password', 'gale-own-pw');
      assert.deepEqual((await json('get', `users/${user}`, '-r', realm)).requiredActions, []);
    });

    it('a reset-password update without -n says why it fails', async () => {
      const user = (await ok('create', 'users', '-r', realm, '-s', 'username=finn')).trim();
      await fails(['update', `users/${user}/reset-password`, '-r', realm, '-s', 'value=finn-pw'], 'HTTP 404', 'add -n');
    });

    it('-s with bad syntax is refused before anything is sent', async () => {
      await fails(['create', 'clients', '-r', realm, '-s', 'clientId'], 'invalid -s clientId: expected NAME=VALUE');
      await fails(['create', 'clients', '-r', realm, '-s', '=bad'], 'the name is empty');
      await fails(['create', 'clients', '-r', realm, '-s', 'clientId=broken', '-s', 'redirectUris=["https://a/cb"'],
        'invalid -s redirectUris: the value starts with [ and is not valid JSON', 'quote it');
      await fails(['create', 'clients', '-r', realm, '-s', 'clientId=broken', '-s', 'attributes."open=1'], 'unbalanced quote');
      await fails(['create', 'clients', '-r', realm, '-s', 'clientId=broken', '-s', 'redirectUris[x]=1'], 'unexpected character');
      await fails(['create', 'clients', '-r', realm, '-s', 'clientId=broken', '-s', 'clientId.x=1'], 'clientId is not an object');
      await fails(['update', `clients/${id}`, '-r', realm, '-d', 'name=x'], 'expected a NAME only');
      await fails(['get', 'clients', '-r', realm, '--fields', 'id,(clientId'], 'invalid --fields');
      await fails(['create', 'clients', '-r', realm, '-b', '{not json'], '-b is not valid JSON');
      assert.deepEqual(await json('get', 'clients', '-r', realm, '-q', 'clientId=broken'), [], 'nothing was created');
      // Valid syntax, invalid value: the server's own message, naming the field.
      await fails(['create', 'clients', '-r', realm, '-s', 'clientId=broken', '-s', 'enabled=perhaps'], 'Invalid field enabled', 'HTTP 400');
      await fails(['create', 'clients', '-r', realm, '-s', 'clientId=price-updates'], 'Client price-updates already exists', 'HTTP 409');
    });

    it('an unknown path or id is the server\'s 404 message', async () => {
      await fails(['get', 'no-such-thing', '-r', realm], 'No resource at GET /admin/realms/seed/no-such-thing', 'HTTP 404');
      await fails(['get', 'clients/no-such-client', '-r', realm], 'Could not find client', 'HTTP 404');
      await fails(['get', 'realms/no-such-realm'], 'Realm not found', 'HTTP 404');
      await fails(['delete', 'clients/no-such-client', '-r', realm], 'Could not find client');
      await fails(['get', 'http://elsewhere.example.com/admin/realms'], 'not on the server logged in to');
    });

    it('a realm administrator logs in to their realm, which is then the default, and is refused others (403)', async () => {
      await ok('create', 'clients', '-r', realm, '-s', 'clientId=admin-cli', '-s', 'publicClient=true',
        '-s', 'directAccessGrantsEnabled=true', '-s', 'standardFlowEnabled=false');
      const user = (await ok('create', 'users', '-r', realm, '-s', 'username=rita', '-s', 'enabled=true',
        '-s', 'credentials=[{"type":"password","value":"rita-pw-123","temporary":false}]')).trim();
      const management = (await json('get', 'clients', '-r', realm, '-q', 'clientId=realm-management', '--fields', 'id'))[0].id;
      // A body that is an array (role mappings) comes with -b.
      await ok('create', `users/${user}/role-mappings/clients/${management}`, '-r', realm, '-b', '[{"name":"realm-admin"}]');

      const ritaConfig = join(dir, 'rita.json');
      const logged = await admin(['login', '--server', server.url, '--realm', realm, '--user', 'rita', '--password', 'rita-pw-123', '--config', ritaConfig]);
      assert.equal(logged.status, 0, logged.stderr);
      const mine = await admin(['get', 'clients', '--fields', 'clientId', '--config', ritaConfig]);
      assert.equal(mine.status, 0, mine.stderr);
      assert.ok(JSON.parse(mine.stdout).some((c: { clientId: string }) => c.clientId === 'price-updates'), 'the default target realm is the login realm');
      const other = await admin(['get', 'clients', '-r', 'master', '--config', ritaConfig]);
      assert.equal(other.status, 1);
      assert.match(other.stderr, /may not administer realm master \(HTTP 403\)/);
    });
  });

  describe('tokens', () => {
    it('an expired access token is refreshed (the file rewritten, still 0600), also by commands running at once', async () => {
      await ok('update', 'realms/master', '-s', 'accessTokenLifespan=1');
      try {
        assert.equal((await login()).status, 0);
        const before = config();
        await sleep(Math.max(0, before.expiresAt - Date.now()) + 500);
        const stale = await send(`${server.url}/admin/realms/master`, { headers: { authorization: `Bearer ${before.accessToken}` } });
        assert.equal(stale.status, 401, 'the old access token has expired');

        assert.deepEqual(await json('get', 'realms/master', '--fields', 'realm'), { realm: 'master' });
        const after = config();
        assert.notEqual(after.accessToken, before.accessToken);
        assert.notEqual(after.refreshToken, before.refreshToken, 'refresh tokens rotate');
        assert.equal(statSync(configFile).mode & 0o777, 0o600);

        // Rotated refresh tokens are single-use: parallel commands take turns, so none reuses one.
        await sleep(1500);
        const runs = await Promise.all([1, 2, 3, 4].map(() => admin(['get', 'realms/master', '--fields', 'realm'])));
        for (const run of runs) assert.equal(run.status, 0, run.stderr);
        assert.equal((await admin(['get', 'realms/master'])).status, 0, 'the session survived');
      } finally {
        await ok('update', 'realms/master', '-s', 'accessTokenLifespan=300');
      }
    });

    it('when the session has ended, a command says to log in again', async () => {
      assert.equal((await login()).status, 0);
      const adminId = (await json('get', 'users', '-r', 'master', '-q', 'username=admin', '-q', 'exact=true'))[0].id;
      await ok('create', `users/${adminId}/logout`, '-r', 'master');
      await fails(['get', 'realms'], 'refreshing the access token failed', 'latchkey admin login');

      assert.equal((await login()).status, 0);
      writeFileSync(configFile, JSON.stringify({ ...config(), expiresAt: 0, refreshExpiresAt: 1 }), { mode: 0o600 });
      await fails(['get', 'realms'], 'the session has expired', 'latchkey admin login');
      assert.equal((await login()).status, 0);
      await ok('get', 'realms');
    });

    it('no command printed a token or a password, and the config file never held a password', () => {
      const c = config();
      const all = printed.join('\n');
      for (const secret of [ADMIN_PASSWORD, c.accessToken, c.refreshToken, 'erin-first-pw', 'erin-second-pw']) {
        assert.ok(!all.includes(secret), `never printed: ${secret.slice(0, 12)}…`);
      }
      assert.doesNotMatch(all, /eyJ[A-Za-z0-9_-]{10,}\.eyJ/, 'no JWT in any output');
      assert.ok(!readFileSync(configFile, 'utf8').includes(ADMIN_PASSWORD));
    });
  });
});
