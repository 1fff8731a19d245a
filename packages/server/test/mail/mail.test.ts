// Mail over a real SMTP server (smtp-server, read with mailparser): a realm's smtpServer from
// its realm file, its password sealed and masked; testSMTPConnection; execute-actions-email and
// send-verify-email queued and delivered in the user's language; and the outbox, which keeps
// a mail through a Latchkey restart while the mail server is down and delivers it once it is back.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { send } from '../helpers/http.js';
import { ADMIN_PASSWORD, eventually, startServer, type TestServer } from '../helpers/server.js';
import { recipient, startMailSink, type MailSink } from '../helpers/smtp.js';
import { adminApi, assertAdminError, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../storage/databases.js';

const SMTP_USER = 'mailer';
const SMTP_PASSWORD = 'smtp-secret-Zq8v';
const REALM = 'mailing';

/** Every byte the data dir's database holds (with its WAL): where no secret may be in clear. The test's realm file is there too, left out. */
const dataDirBytes = (dir: string) => readdirSync(dir).filter((f) => !f.endsWith('.json')).map((f) => {
  try {
    return readFileSync(join(dir, f)).toString('latin1');
  } catch {
    return '';
  }
}).join('\n');

/** The link in a mail's plain text. */
const linkIn = (text: string | undefined) => /https?:\/\/\S+/.exec(text ?? '')?.[0];


describe('mail through the realm\'s SMTP server', () => {
  let sink: MailSink;
  let server: TestServer;
  let kc: KcAdminClient;
  let api: AdminApi;
  let dataDir: string;
  let ids: Record<string, string>;

  const realmFile = () => ({
    realm: REALM, enabled: true, displayName: 'Mail Test',
    smtpServer: {
      host: '127.0.0.1', port: String(sink.port), from: 'noreply@example.test', fromDisplayName: 'Latchkey Test',
      replyTo: 'help@example.test', envelopeFrom: 'bounces@example.test', ssl: 'false', starttls: 'false',
      auth: 'true', user: SMTP_USER, password: SMTP_PASSWORD,
    },
    clients: [{ clientId: 'app', publicClient: true, redirectUris: ['http://localhost:3000/*'] }],
    users: [
      { username: 'alice', email: 'alice@example.test', firstName: 'Alice', lastName: 'Liddell', enabled: true },
      { username: 'bertha', email: 'bertha@example.test', enabled: true, attributes: { locale: ['de'] } },
      { username: 'nomail', enabled: true },
      { username: 'off', email: 'off@example.test', enabled: false },
    ],
  });

  const start = async () => {
    server = await startServer({ dataDir, keepData: true, realms: dataDir ? [] : [realmFile()], args: ['--mail-retry-delay', '1000'] });
    dataDir = server.dataDir;
    kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
    await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
    api = adminApi(server, await masterAdminToken(server));
  };

  before(async () => {
    sink = await startMailSink({ auth: { user: SMTP_USER, pass: SMTP_PASSWORD } });
    await start();
    ids = {};
    for (const u of await kc.users.find({ realm: REALM })) ids[u.username!] = u.id!;
  });
  after(async () => {
    await server?.stop();
    await sink?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the realm file\'s smtpServer, shows its password masked, and stores none of it in clear', async () => {
    const realm = await kc.realms.findOne({ realm: REALM });
    assert.deepEqual(realm?.smtpServer, {
      host: '127.0.0.1', port: String(sink.port), from: 'noreply@example.test', fromDisplayName: 'Latchkey Test',
      replyTo: 'help@example.test', envelopeFrom: 'bounces@example.test', ssl: 'false', starttls: 'false',
      auth: 'true', user: SMTP_USER, password: '**********',
    });
    // Saving the realm as the console does (the mask sent back) keeps the password.
    await kc.realms.update({ realm: REALM }, { smtpServer: realm!.smtpServer, displayName: 'Mail Test' });
    assert.equal((await kc.realms.findOne({ realm: REALM }))?.smtpServer?.password, '**********');
    const partial = await api.post(`/realms/${REALM}/partial-export`);
    assert.equal(partial.json.smtpServer.password, '**********');
    assert.ok(!dataDirBytes(dataDir).includes(SMTP_PASSWORD), 'the SMTP password in clear in the data dir');
  });

  it('testSMTPConnection sends a test mail to the calling administrator, with the stored password for the mask', async () => {
    const noEmail = await api.post(`/realms/${REALM}/testSMTPConnection`, { host: '127.0.0.1', port: String(sink.port), from: 'noreply@example.test' });
    assertAdminError(noEmail, 400, 'does not have an e-mail');

    const [admin] = await kc.users.find({ realm: 'master', username: 'admin', exact: true });
    await kc.users.update({ realm: 'master', id: admin.id! }, { email: 'root@example.test' });
    const settings = (await kc.realms.findOne({ realm: REALM }))!.smtpServer!;
    await kc.realms.testSMTPConnection({ realm: REALM }, settings);
    const mail = await sink.waitFor((m) => recipient(m) === 'root@example.test', 'to the administrator');
    assert.equal(mail.subject, '[Mail Test] SMTP test message');
    assert.match(mail.text ?? '', /This is a test message from Mail Test/);
    assert.equal(mail.from?.value[0].address, 'noreply@example.test');
    assert.equal(mail.from?.value[0].name, 'Latchkey Test');

    // Wrong settings: the mail server's refusal, in the admin API's error shape.
    const wrong = await api.post(`/realms/${REALM}/testSMTPConnection`, { ...settings, password: 'not-the-password' });
    assertAdminError(wrong, 502, 'Failed to send email');
    const missing = await api.post(`/realms/${REALM}/testSMTPConnection`, { port: '25' });
    assertAdminError(missing, 400, 'host');
  });

  it('execute-actions-email mails the user a link with an action token, at once, in HTML and text', async () => {
    await kc.users.executeActionsEmail({ realm: REALM, id: ids.alice, actions: ['UPDATE_PASSWORD'], clientId: 'app', redirectUri: 'http://localhost:3000/back', lifespan: 3600 });
    const mail = await sink.waitFor((m) => recipient(m) === 'alice@example.test' && m.subject === 'Update your account', 'with the actions');
    assert.match(mail.text ?? '', /Hello Alice Liddell,/);
    assert.match(mail.text ?? '', /Update password/);
    assert.match(mail.text ?? '', /The link expires in 1 hour\./);
    assert.equal(mail.replyTo?.value[0].address, 'help@example.test');
    const link = new URL(linkIn(mail.text)!);
    assert.equal(link.origin + link.pathname, `${server.issuer(REALM)}/login-actions/action-token`);
    assert.equal(link.searchParams.get('client_id'), 'app');
    assert.ok((mail.html || '').includes(link.href.replace(/&/g, '&amp;')), 'the same link in the HTML');
    const token = link.searchParams.get('key')!;
    assert.equal(decodeProtectedHeader(token).alg, 'HS512');
    const claims = decodeJwt(token);
    assert.equal(claims.typ, 'execute-actions');
    assert.equal(claims.sub, ids.alice);
    assert.deepEqual(claims.rqac, ['UPDATE_PASSWORD']);
    assert.equal(claims.reduri, 'http://localhost:3000/back');
    assert.equal(claims.exp! - claims.iat!, 3600);
  });

  it('send-verify-email writes in the user\'s language; both refuse what Keycloak refuses', async () => {
    await kc.users.sendVerifyEmail({ realm: REALM, id: ids.bertha });
    const mail = await sink.waitFor((m) => recipient(m) === 'bertha@example.test', 'to bertha');
    assert.equal(mail.subject, 'E-Mail-Adresse bestätigen');
    assert.match(mail.text ?? '', /Der Link ist 5 Minuten gültig\./);
    assert.equal(decodeJwt(new URL(linkIn(mail.text)!).searchParams.get('key')!).eml, 'bertha@example.test');

    const base = `/realms/${REALM}/users`;
    assertAdminError(await api.put(`${base}/${ids.nomail}/send-verify-email`), 400, 'User email missing');
    assertAdminError(await api.put(`${base}/${ids.off}/execute-actions-email`, ['UPDATE_PASSWORD']), 400, 'User is disabled');
    assertAdminError(await api.put(`${base}/${ids.alice}/execute-actions-email`, ['FLY_TO_THE_MOON']), 400, 'invalid required actions');
    assertAdminError(await api.put(`${base}/${ids.alice}/execute-actions-email?redirect_uri=http://localhost:3000/`, ['UPDATE_PASSWORD']), 400, 'Client id missing');
    assertAdminError(await api.put(`${base}/${ids.alice}/execute-actions-email?client_id=nope`, ['UPDATE_PASSWORD']), 400, "Client doesn't exist");
    assertAdminError(await api.put(`${base}/${ids.alice}/execute-actions-email?client_id=app&redirect_uri=https://evil.example/`, ['UPDATE_PASSWORD']), 400, 'Invalid redirect uri');
  });

  it('keeps a mail through a restart while the mail server is down, and delivers it once the server is back', async () => {
    await sink.stop();
    const started = Date.now();
    await kc.users.executeActionsEmail({ realm: REALM, id: ids.alice, actions: ['VERIFY_EMAIL', 'UPDATE_PROFILE'] });
    const took = Date.now() - started;
    // The caller does not wait on the mail server: nothing here waits out a connection timeout (10 s).
    assert.ok(took < 5000, `execute-actions-email took ${took} ms`);
    await eventually('a failed try recorded as an event', async () => {
      const events = await kc.realms.findEvents({ realm: REALM, type: 'SEND_EXECUTE_ACTIONS_ERROR' as never });
      return events.length > 0 ? events : undefined;
    });
    const metrics = await send(`${server.url}/metrics`);
    assert.match(metrics.text, /latchkey_mail_deliveries_total\{template="executeActions",result="retry"\} [1-9]/);
    // The message waits sealed: its words are nowhere in the data dir.
    assert.ok(!dataDirBytes(dataDir).includes('Verify email'), 'the queued mail in clear in the data dir');

    await server.stop();
    await start();
    await sink.start();
    const mail = await sink.waitFor((m) => recipient(m) === 'alice@example.test' && /Verify email, Update profile/.test(m.text ?? ''), 'after the restart');
    assert.equal(mail.subject, 'Update your account');
    await eventually('the delivery recorded as an event', async () => {
      const events = await kc.realms.findEvents({ realm: REALM, type: 'SEND_EXECUTE_ACTIONS' as never });
      return events.length > 0 ? events : undefined;
    });
    assert.equal(sink.mails.filter((m) => /Verify email, Update profile/.test(m.text ?? '')).length, 1, 'sent once');
  });

  it('refuses a mail at once for a realm without a mail server', async () => {
    await kc.realms.update({ realm: REALM }, { smtpServer: {} });
    const res = await api.put(`/realms/${REALM}/users/${ids.alice}/execute-actions-email`, ['UPDATE_PASSWORD']);
    assertAdminError(res, 400, 'no mail server');
  });
});

describe('mail from two nodes on one PostgreSQL database', { skip: await postgresUnavailable() }, () => {
  let sink: MailSink;
  let db: TestDatabase;
  const nodes: TestServer[] = [];

  before(async () => {
    sink = await startMailSink();
    db = await createTestDatabase();
    const env = { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64url') };
    const args = ['--database-url', db.url, '--mail-retry-delay', '1000'];
    nodes.push(await startServer({
      env, args,
      realms: [{
        realm: REALM, enabled: true,
        smtpServer: { host: '127.0.0.1', port: String(sink.port), from: 'noreply@example.test' },
        users: [{ username: 'alice', email: 'alice@example.test', enabled: true }],
      }],
    }));
    nodes.push(await startServer({ env, args }));
  });
  after(async () => {
    for (const node of nodes) await node.stop();
    await sink?.stop();
    await db?.drop();
  });

  /** The nodes' latchkey_mail_deliveries_total for a result, summed. */
  const deliveries = async (result: string) => {
    let total = 0;
    for (const node of nodes) {
      const m = new RegExp(`latchkey_mail_deliveries_total\\{template="executeActions",result="${result}"\\} (\\d+)`).exec((await send(`${node.url}/metrics`)).text);
      total += m ? Number(m[1]) : 0;
    }
    return total;
  };

  it('sends each queued mail once, whichever node queued it, when both try at the same moments', async () => {
    const admins = await Promise.all(nodes.map(async (node) => adminApi(node, await masterAdminToken(node))));
    const alice = (await admins[0].get(`/realms/${REALM}/users?username=alice&exact=true`)).json[0].id;
    // The mail server down while the mails are queued: both nodes then retry all of them, racing.
    await sink.stop();
    const count = 8;
    for (let i = 1; i <= count; i++) {
      const res = await admins[i % 2].put(`/realms/${REALM}/users/${alice}/execute-actions-email?lifespan=${i * 60}`, ['UPDATE_PASSWORD']);
      assert.equal(res.status, 204, res.text);
    }
    await eventually('every mail tried once', async () => ((await deliveries('retry')) >= count ? true : undefined));
    await sink.start();
    const expiry = (i: number) => `The link expires in ${i} minute${i === 1 ? '' : 's'}.`;
    for (let i = 1; i <= count; i++) await sink.waitFor((m) => (m.text ?? '').includes(expiry(i)), `number ${i}`);
    // Each node counts what it sent: together, each mail once.
    await eventually('every delivery counted', async () => ((await deliveries('sent')) >= count ? true : undefined));
    assert.equal(await deliveries('sent'), count);
    for (let i = 1; i <= count; i++) {
      assert.equal(sink.mails.filter((m) => (m.text ?? '').includes(expiry(i))).length, 1, `mail ${i} sent once`);
    }
  });
});
