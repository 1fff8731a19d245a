// The console's realm settings for self-service: the Login switches, the password policy (a rule
// Latchkey cannot apply refused with the server's words) and the mail server, whose connection
// test sends a real mail and whose password is kept behind its mask.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { REALM, startStack, type Stack } from '../browser/fixture.js';
import { noChromium, screenshot } from '../helpers/browser.js';
import { recipient, startMailSink, type MailSink } from '../helpers/smtp.js';
import { signedInConsole } from './fixture.js';

describe('admin console: login, password policy and email settings', { skip: noChromium }, () => {
  let s: Stack;
  let sink: MailSink;
  let admin: AdminApi;

  before(async () => {
    sink = await startMailSink({ auth: { user: 'relay', pass: 'relay-pw-console' } });
    s = await startStack();
    admin = adminApi(s.server, await masterAdminToken(s.server));
    const [root] = (await admin.get('/realms/master/users?username=admin&exact=true')).json;
    assert.equal((await admin.put(`/realms/master/users/${root.id}`, { email: 'root@example.test' })).status, 204);
  });
  after(async () => {
    await s?.stop();
    await sink?.stop();
  });

  it('saves the switches, refuses an unknown policy rule, tests and keeps the mail server', async (t) => {
    const { page } = await signedInConsole(s, t, `#/${REALM}/settings`);
    await page.getByRole('heading', { name: /Realm settings/ }).waitFor();
    assert.equal(await page.getByLabel('Sign in with email').isChecked(), true, "Keycloak's default");
    await page.getByLabel('Forgot password').check();
    await page.getByLabel('Sign in with email').uncheck();
    await page.getByLabel('Policy', { exact: true }).fill('length(10) and fooBar(2)');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Password policy not found: fooBar').waitFor();
    await page.getByLabel('Policy', { exact: true }).fill('length(10) and notUsername(undefined)');

    await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await page.getByLabel('Port', { exact: true }).fill(String(sink.port));
    await page.getByLabel('From', { exact: true }).fill('noreply@example.test');
    await page.getByLabel('Authentication').check();
    await page.getByLabel('Link lifetime, sent by an administrator (seconds)').fill('3600');
    await page.getByLabel('Username', { exact: true }).fill('relay');
    await page.getByLabel('Password', { exact: true }).fill('relay-pw-console');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('A test mail is on its way to your email.').waitFor();
    await sink.waitFor((m) => recipient(m) === 'root@example.test', 'from the connection test');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    await screenshot(page, 'console-realm-email');

    const saved = (await admin.get(`/realms/${REALM}`)).json;
    assert.equal(saved.resetPasswordAllowed, true);
    assert.equal(saved.loginWithEmailAllowed, false);
    assert.equal(saved.passwordPolicy, 'length(10) and notUsername(undefined)');
    assert.deepEqual([saved.actionTokenGeneratedByAdminLifespan, saved.actionTokenGeneratedByUserLifespan], [3600, 300]);
    assert.deepEqual(saved.smtpServer, {
      host: '127.0.0.1', port: String(sink.port), from: 'noreply@example.test', ssl: 'false', starttls: 'false', auth: 'true',
      user: 'relay', password: '**********',
    });

    // Shown again masked; saved again and tested with the mask, the stored password still works.
    await page.reload();
    await page.getByLabel('Host', { exact: true }).waitFor();
    assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '**********');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    const before = sink.mails.length;
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('A test mail is on its way to your email.').waitFor();
    await sink.waitFor((m) => sink.mails.indexOf(m) >= before && recipient(m) === 'root@example.test', 'a second test, with the stored password');
  });
});
