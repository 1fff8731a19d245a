// Apache httpd with mod_auth_openidc (Debian's apache2 and libapache2-mod-auth-openidc; .ci/run
// installs them), run as a private instance with its own config and port: set to refresh the
// access token ahead of expiry on every request, and hit with six parallel requests on one
// session, which refresh at once with the same refresh token. Latchkey's default rotation
// with reuse detection must keep every page and the SSO session alive.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken } from '../admin/fixture.js';
import { HttpBrowser, responseParams } from '../helpers/http-browser.js';
import { freePort, startServer, type TestServer } from '../helpers/server.js';

const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';
const missing = [APACHE, `${MODULES}/mod_auth_openidc.so`].filter((f) => !existsSync(f));
const REALM = 'apache';

/** A private httpd: its own ServerRoot, port, logs and pid file in `dir`. */
async function startApache(dir: string, port: number, issuer: string): Promise<{ process: ChildProcess; log: () => string }> {
  mkdirSync(join(dir, 'htdocs', 'protected'), { recursive: true });
  writeFileSync(join(dir, 'htdocs', 'protected', 'page.html'), '<p>protected page</p>\n');
  // Apache's workers drop root for `User`; they must read the pages.
  for (const d of [dir, join(dir, 'htdocs'), join(dir, 'htdocs', 'protected')]) chmodSync(d, 0o755);
  const asRoot = process.getuid?.() === 0;
  const conf = join(dir, 'httpd.conf');
  writeFileSync(conf, `
ServerRoot ${dir}
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
DefaultRuntimeDir ${dir}
ErrorLog ${dir}/error.log
LogLevel warn auth_openidc:info
${asRoot ? 'User daemon\nGroup daemon' : ''}
LoadModule mpm_event_module ${MODULES}/mod_mpm_event.so
LoadModule authn_core_module ${MODULES}/mod_authn_core.so
LoadModule authz_core_module ${MODULES}/mod_authz_core.so
LoadModule authz_user_module ${MODULES}/mod_authz_user.so
LoadModule auth_openidc_module ${MODULES}/mod_auth_openidc.so
LoadModule headers_module ${MODULES}/mod_headers.so
# Node's fetch always sends Sec-Fetch-Mode: cors, which mod_auth_openidc takes for a script's
# request (401, no sign-in); the test's requests stand for a browser's page loads.
RequestHeader set Sec-Fetch-Mode navigate early
DocumentRoot ${dir}/htdocs
<Directory />
  AllowOverride None
</Directory>

OIDCProviderMetadataURL ${issuer}/.well-known/openid-configuration
OIDCClientID apache
OIDCClientSecret apache-secret
OIDCRedirectURI http://127.0.0.1:${port}/protected/redirect_uri
OIDCCryptoPassphrase test-passphrase-not-secret
OIDCScope "openid"
OIDCProviderTokenEndpointAuth client_secret_basic
# The access token lives 300 s: refreshing when it has less than an hour left refreshes on every request.
# On a failed refresh the session ends, so a page served is a refresh that worked.
OIDCRefreshAccessTokenBeforeExpiry 3600 logout_on_error
<Location /protected>
  AuthType openid-connect
  Require valid-user
</Location>
`);
  const child = spawn(APACHE, ['-f', conf, '-DFOREGROUND'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  const log = () => output + (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '');
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`apache exited with ${child.exitCode}:\n${log()}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`apache not listening in 30 s:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { process: child, log };
}

describe('Apache httpd with mod_auth_openidc', { skip: missing.length > 0 ? `not installed: ${missing.join(', ')} (Debian's apache2 and libapache2-mod-auth-openidc)` : false }, () => {
  let server: TestServer;
  let apache: { process: ChildProcess; log: () => string };
  let apacheUrl: string;
  const apacheDir = mkdtempSync(join(tmpdir(), 'latchkey-apache-'));

  before(async () => {
    const port = await freePort();
    apacheUrl = `http://127.0.0.1:${port}`;
    server = await startServer({
      realms: [{
        // Latchkey's default refresh rules: revokeRefreshToken on, one use per token, the grace.
        realm: REALM, enabled: true,
        clients: [{ clientId: 'apache', publicClient: false, secret: 'apache-secret', redirectUris: [`${apacheUrl}/protected/redirect_uri`] }],
        users: [{ username: 'alice', enabled: true, email: 'alice@example.com', credentials: [{ type: 'password', value: 'alice-pw' }] }],
      }],
    });
    apache = await startApache(apacheDir, port, server.issuer(REALM));
  });

  after(async () => {
    if (apache && apache.process.exitCode === null) {
      apache.process.kill('SIGTERM');
      await once(apache.process, 'exit');
    }
    await server?.stop();
    rmSync(apacheDir, { recursive: true, force: true });
  });

  it('six parallel requests refreshing with one refresh token: every page 200, the SSO session still alive', async () => {
    const browser = new HttpBrowser();
    const page = `${apacheUrl}/protected/page.html`;
    // mod_auth_openidc answers 401 rather than a redirect to what does not look like a browser's page load.
    const headers = { accept: 'text/html,application/xhtml+xml' };
    const toLogin = await browser.visit(page, { headers });
    assert.equal(toLogin.status, 302, `${toLogin.status} ${toLogin.text.slice(0, 300)}\n${apache.log()}`);
    const back = await browser.authorize(toLogin.location!, { username: 'alice', password: 'alice-pw' }, headers);
    assert.ok(back.location?.startsWith(`${apacheUrl}/protected/redirect_uri?`), `back to Apache: ${back.status} ${back.location}`);
    const signedIn = await browser.visit(back.location!, { headers });
    assert.equal(signedIn.status, 200, `${signedIn.status} ${signedIn.text.slice(0, 300)}\n${apache.log()}`);

    for (let round = 0; round < 3; round++) {
      const pages = await Promise.all(Array.from({ length: 6 }, () => browser.request(page, { headers })));
      assert.deepEqual(pages.map((p) => p.status), [200, 200, 200, 200, 200, 200],
        `round ${round}: ${pages.map((p) => `${p.status} ${p.location ?? ''}`).join(', ')}\n${apache.log()}`);
      for (const p of pages) assert.match(p.text, /protected page/);
    }
    const next = await browser.request(page, { headers });
    assert.equal(next.status, 200, 'and after them, one more refresh');

    // The requests did refresh, with the same token at once, and none was refused.
    const admin = await adminApi(server, await masterAdminToken(server));
    const events: Array<{ type: string }> = (await admin.get(`/realms/${REALM}/events?max=1000`)).json;
    const refreshes = events.filter((e) => e.type === 'REFRESH_TOKEN').length;
    assert.ok(refreshes >= 18, `refreshes made: ${refreshes}`);
    assert.equal(events.filter((e) => e.type === 'REFRESH_TOKEN_ERROR').length, 0, JSON.stringify(events.filter((e) => e.type.endsWith('_ERROR'))));

    // Latchkey's SSO session lives: prompt=none gives a code.
    const silent = new URL(`${server.issuer(REALM)}/protocol/openid-connect/auth`);
    silent.search = new URLSearchParams({
      client_id: 'apache', redirect_uri: `${apacheUrl}/protected/redirect_uri`, response_type: 'code', scope: 'openid', prompt: 'none', state: 's',
    }).toString();
    const answer = await browser.visit(silent.toString());
    const params = responseParams(answer);
    assert.ok(params.code, `a code, not ${params.error}`);
  });
});
