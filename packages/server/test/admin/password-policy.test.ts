// Keycloak's password policy and self-service realm settings: each rule through Keycloak's own
// admin client (reset-password and user creation refused with Keycloak's invalidPassword…Message),
// an unknown rule refused by the admin API and reported once at import, the rule's message on the
// update-password page, loginWithEmailAllowed and duplicateEmailsAllowed honoured, and the
// settings through `latchkey realm export` and an import into another server.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { HttpBrowser, responseParams } from '../helpers/http-browser.js';
import { passwordGrant } from '../helpers/http.js';
import { ADMIN_PASSWORD, realmUrl, runCli, startServer, type TestServer } from '../helpers/server.js';
import { adminApi, assertAdminError, masterAdminToken, type AdminApi } from './fixture.js';

const REALM = 'policy';
const SELF_SERVICE = {
  registrationAllowed: true, registrationEmailAsUsername: true, resetPasswordAllowed: true, verifyEmail: true,
  loginWithEmailAllowed: false, duplicateEmailsAllowed: true, rememberMe: true, editUsernameAllowed: true,
  actionTokenGeneratedByAdminLifespan: 7200, actionTokenGeneratedByUserLifespan: 600,
};
const SMTP = {
  host: 'mail.example.test', port: '2525', from: 'id@example.test', fromDisplayName: 'Identity', replyTo: 'help@example.test',
  envelopeFrom: 'bounce@example.test', ssl: 'false', starttls: 'true', auth: 'true', user: 'relay', password: 'relay-secret-9x',
};

/** What a call of Keycloak's admin client was refused with: status and body. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; body: any }> {
  try {
    await call;
  } catch (err) {
    const e = err as { response?: Response; responseData?: unknown };
    if (e.response) return { status: e.response.status, body: e.responseData };
    throw err;
  }
  throw new Error('the call succeeded');
}

describe('password policy and self-service settings', () => {
  let server: TestServer;
  let kc: KcAdminClient;
  let api: AdminApi;
  let patId: string;
  const dirs: string[] = [];

  const setPolicy = (passwordPolicy: string) => kc.realms.update({ realm: REALM }, { passwordPolicy });
  const reset = (value: string, temporary = false) =>
    kc.users.resetPassword({ realm: REALM, id: patId, credential: { type: 'password', value, temporary } });

  before(async () => {
    server = await startServer({
      keepData: true,
      realms: [{
        realm: REALM, enabled: true, ...SELF_SERVICE, smtpServer: SMTP,
        // An unknown rule: kept and reported, the rest applied.
        passwordPolicy: 'fooBar(3) and length(6)',
        clients: [
          { clientId: 'web', publicClient: true, redirectUris: ['http://localhost:3000/*'] },
          { clientId: 'direct', publicClient: true, directAccessGrantsEnabled: true, standardFlowEnabled: false },
        ],
        users: [
          // Verified: the realm verifies email, which would otherwise stop pat's sign-ins at the verification page.
          { username: 'pat', email: 'pat@example.test', emailVerified: true, enabled: true, credentials: [{ type: 'password', value: 'pat-first-pw' }] },
          // A password set three days ago, as the realm file's credential says.
          { username: 'old', enabled: true, credentials: [{ type: 'password', value: 'old-password-1', createdDate: Date.now() - 3 * 86400_000 }] },
        ],
      }],
    });
    kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
    await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
    api = adminApi(server, await masterAdminToken(server));
    patId = (await kc.users.find({ realm: REALM, username: 'pat', exact: true }))[0].id!;
  });
  after(async () => {
    await server?.stop();
    rmSync(server?.dataDir ?? '', { recursive: true, force: true });
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('an import reports a rule it cannot apply once, keeps it, and applies the others', async () => {
    const reports = server.output().split('\n').filter((l) => l.includes('password policy'));
    assert.equal(reports.length, 1, server.output());
    assert.match(reports[0], /realm policy: password policy: Password policy not found: fooBar/);
    assert.equal((await kc.realms.findOne({ realm: REALM }))?.passwordPolicy, 'fooBar(3) and length(6)');
    const short = await refusal(reset('five5'));
    assert.equal(short.status, 400);
    assert.equal(short.body.error, 'invalidPasswordMinLengthMessage');
  });

  it('the admin API refuses a policy it cannot apply', async () => {
    assertAdminError(await api.put(`/realms/${REALM}`, { passwordPolicy: 'length(8) and fooBar(1)' }), 400, 'Password policy not found: fooBar');
    assertAdminError(await api.put(`/realms/${REALM}`, { passwordPolicy: 'length(eight)' }), 400, 'Invalid config for length');
    assertAdminError(await api.put(`/realms/${REALM}`, { passwordPolicy: 'regexPattern([a-z)' }), 400, 'Invalid config for regexPattern');
    assertAdminError(await api.post('/realms', { realm: 'bad-policy', passwordPolicy: 'nope' }), 400, 'Password policy not found: nope');
  });

  const RULES: Array<{ policy: string; bad: string; error: string; text: string; good: string }> = [
    { policy: 'length(8)', bad: 'short1', error: 'invalidPasswordMinLengthMessage', text: 'Invalid password: minimum length 8.', good: 'long-enough' },
    { policy: 'maxLength(12)', bad: 'much-too-long-password', error: 'invalidPasswordMaxLengthMessage', text: 'Invalid password: maximum length 12.', good: 'short-enough' },
    { policy: 'digits(2)', bad: 'only1digit', error: 'invalidPasswordMinDigitsMessage', text: 'at least 2 numerical digits', good: 'two2digits2' },
    { policy: 'lowerCase(2)', bad: 'UPPER-CASE-a', error: 'invalidPasswordMinLowerCaseCharsMessage', text: 'at least 2 lower case', good: 'UPPER-ab' },
    { policy: 'upperCase(2)', bad: 'lower-case-A', error: 'invalidPasswordMinUpperCaseCharsMessage', text: 'at least 2 upper case', good: 'lower-AB' },
    { policy: 'specialChars(2)', bad: 'one-special', error: 'invalidPasswordMinSpecialCharsMessage', text: 'at least 2 special', good: 'two-special!' },
    { policy: 'notUsername(undefined)', bad: 'PAT', error: 'invalidPasswordNotUsernameMessage', text: 'equal to the username', good: 'pat-plus' },
    { policy: 'notContainsUsername', bad: 'my-pat-pw', error: 'invalidPasswordNotContainsUsernameMessage', text: 'contain the username', good: 'my-own-pw' },
    { policy: 'notEmail(undefined)', bad: 'Pat@Example.test', error: 'invalidPasswordNotEmailMessage', text: 'equal to the email', good: 'pat@example' },
    { policy: 'regexPattern([a-z]+-[0-9]+)', bad: 'abc-123x', error: 'invalidPasswordRegexPatternMessage', text: 'regex pattern', good: 'abc-123' },
  ];
  for (const rule of RULES) {
    it(`${rule.policy}: reset-password refuses "${rule.bad}" with ${rule.error}, takes "${rule.good}"`, async () => {
      await setPolicy(rule.policy);
      const refused = await refusal(reset(rule.bad));
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error, rule.error);
      assert.ok(refused.body.error_description.includes(rule.text), refused.body.error_description);
      await reset(rule.good);
    });
  }

  it('passwordHistory(3): none of the current and two earlier passwords again', async () => {
    await setPolicy('passwordHistory(3)');
    for (const pw of ['history-1', 'history-2', 'history-3']) await reset(pw);
    for (const pw of ['history-1', 'history-2', 'history-3']) {
      const refused = await refusal(reset(pw));
      assert.equal(refused.body.error, 'invalidPasswordHistoryMessage', pw);
      assert.match(refused.body.error_description, /last 3 passwords/);
    }
    await reset('history-4');
    await reset('history-1'); // three passwords back now: allowed again
  });

  it('the rules Latchkey keeps without applying are accepted and given back', async () => {
    const policy = 'length(10) and forceExpiredPasswordChange(90) and hashAlgorithm(pbkdf2-sha256) and hashIterations(27500) and maxAuthAge(300)';
    await setPolicy(policy);
    assert.equal((await kc.realms.findOne({ realm: REALM }))?.passwordPolicy, policy);
  });

  it('forceExpiredPasswordChange: a password older than that signs in only after a new one is chosen', async () => {
    await setPolicy('forceExpiredPasswordChange(2)');
    const refused = await passwordGrant(server, REALM, 'direct', undefined, 'old', 'old-password-1');
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error_description, 'Account is not fully set up');
    const [old] = await kc.users.find({ realm: REALM, username: 'old', exact: true });
    assert.deepEqual(old.requiredActions, ['UPDATE_PASSWORD']);
    await reset('pat-fresh-pw');
    assert.equal((await passwordGrant(server, REALM, 'direct', undefined, 'pat', 'pat-fresh-pw')).status, 200, 'a fresh password signs in');
  });

  it('a user created with a password the policy refuses is not created', async () => {
    await setPolicy('length(10)');
    const refused = await refusal(kc.users.create({ realm: REALM, username: 'newbie', enabled: true, credentials: [{ type: 'password', value: 'short' }] }));
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalidPasswordMinLengthMessage');
    assert.equal((await kc.users.find({ realm: REALM, username: 'newbie', exact: true })).length, 0);
    await kc.users.create({ realm: REALM, username: 'newbie', enabled: true, credentials: [{ type: 'password', value: 'long-enough-pw' }] });
  });

  it('the update-password page shows the rule a new password broke, then takes one that keeps it', async () => {
    await setPolicy('length(12)');
    await reset('temporary-pw', true);
    const browser = new HttpBrowser();
    const auth = `${realmUrl(server, REALM, '/protocol/openid-connect/auth')}?client_id=web&response_type=code&scope=openid&state=s1`
      + `&redirect_uri=${encodeURIComponent('http://localhost:3000/cb')}`;
    const update = await browser.authorize(auth, { username: 'pat', password: 'temporary-pw' }, { 'accept-language': 'de' });
    assert.ok(update.text.includes('kc-passwd-update-form'), update.text.slice(0, 500));
    const refused = await browser.submit(update, 'kc-passwd-update-form', { 'password-new': 'short-pw', 'password-confirm': 'short-pw' }, { 'accept-language': 'de' });
    assert.match(refused.text, /id="input-error"[^>]*>Ungültiges Passwort: Es muss mindestens 12 Zeichen lang sein\./);
    const done = await browser.submit(refused, 'kc-passwd-update-form', { 'password-new': 'a-long-new-password', 'password-confirm': 'a-long-new-password' });
    assert.ok(responseParams(done).code, done.location);
  });

  it('loginWithEmailAllowed off: the email does not sign in; duplicateEmailsAllowed on: two users may share one', async () => {
    await setPolicy('');
    await reset('pat-grant-pw');
    assert.equal((await passwordGrant(server, REALM, 'direct', undefined, 'pat@example.test', 'pat-grant-pw')).status, 400);
    assert.equal((await passwordGrant(server, REALM, 'direct', undefined, 'pat', 'pat-grant-pw')).status, 200);
    await kc.users.create({ realm: REALM, username: 'pat-twin', email: 'pat@example.test', enabled: true });

    await kc.realms.update({ realm: REALM }, { loginWithEmailAllowed: true, duplicateEmailsAllowed: false });
    assertAdminError(await api.post(`/realms/${REALM}/users`, { username: 'pat-third', email: 'pat@example.test' }), 409, 'same email');
    await kc.users.del({ realm: REALM, id: (await kc.users.find({ realm: REALM, username: 'pat-twin', exact: true }))[0].id! });
    assert.equal((await passwordGrant(server, REALM, 'direct', undefined, 'pat@example.test', 'pat-grant-pw')).status, 200);
    await kc.realms.update({ realm: REALM }, SELF_SERVICE);
  });

  it('the settings, policy and mail server go through `latchkey realm export` and an import elsewhere', async () => {
    await setPolicy('length(8) and notUsername(undefined)');
    const shown = await kc.realms.findOne({ realm: REALM });
    for (const [key, value] of Object.entries(SELF_SERVICE)) assert.equal((shown as Record<string, unknown>)[key], value, key);
    assert.deepEqual(shown?.smtpServer, { ...SMTP, password: '**********' });

    await server.stop();
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-policy-'));
    dirs.push(dir);
    const file = join(dir, 'policy.json');
    const run = await runCli(['realm', 'export', REALM, '--file', file, '--data-dir', server.dataDir]);
    assert.equal(run.code, 0, run.stderr);
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    for (const [key, value] of Object.entries(SELF_SERVICE)) assert.equal(exported[key], value, key);
    assert.equal(exported.passwordPolicy, 'length(8) and notUsername(undefined)');
    assert.deepEqual(exported.smtpServer, SMTP, 'the export holds the password in clear, as it does client secrets');

    const other = await startServer({ importFiles: [file] });
    try {
      const kc2 = new KcAdminClient({ baseUrl: other.url, realmName: 'master' });
      await kc2.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
      const imported = await kc2.realms.findOne({ realm: REALM });
      for (const [key, value] of Object.entries(SELF_SERVICE)) assert.equal((imported as Record<string, unknown>)[key], value, key);
      assert.equal(imported?.passwordPolicy, 'length(8) and notUsername(undefined)');
      assert.deepEqual(imported?.smtpServer, { ...SMTP, password: '**********' });
    } finally {
      await other.stop();
    }
  });
});
