// Second factors in realm files and the admin API: a Keycloak export with OTP credentials
// (a fixture of the project's own, in the shape `kc.sh export` writes) imports, and its user
// signs in on the login page with a code from the original secret; the OTP policy and the
// users' credentials through @keycloak/keycloak-admin-client; an export carries them back out.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import Database from 'better-sqlite3';
import { HOTP, Secret, TOTP } from 'otpauth';
import { HttpBrowser, responseParams } from '../helpers/http-browser.js';
import { keycloakPbkdf2 } from '../helpers/keycloak-credentials.js';
import { passwordGrant, tokenUrl } from '../helpers/http.js';
import { claimsOf } from '../helpers/oidc.js';
import { ADMIN_PASSWORD, postForm, realmUrl, runCli, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'kc-otp';
const REDIRECT = 'http://localhost:9/cb';
/** Keycloak's OTP secrets: letters and digits whose UTF-8 bytes are the HMAC key. */
const PHONE_SECRET = 'JhYJxX8E5Qyf0xxVcd5B';
const TABLET_SECRET = 'q3R7wPz2LmN8vK4tYs6A';

const otpCredential = (id: string, label: string, secret: string, created: number) => ({
  id, type: 'otp', userLabel: label, createdDate: created,
  secretData: JSON.stringify({ value: secret }),
  credentialData: JSON.stringify({ subType: 'totp', digits: 6, counter: 0, period: 30, algorithm: 'HmacSHA1' }),
});

function keycloakExport(): object {
  return {
    id: 'b1f0c7e2-4d3a-4e6b-9a8c-7d6e5f4a3b21', realm: REALM, enabled: true,
    otpPolicyType: 'totp', otpPolicyAlgorithm: 'HmacSHA1', otpPolicyInitialCounter: 0, otpPolicyDigits: 6,
    otpPolicyLookAheadWindow: 4, otpPolicyPeriod: 30, otpPolicyCodeReusable: false,
    otpSupportedApplications: ['totpAppFreeOTPName', 'totpAppGoogleName', 'totpAppMicrosoftAuthenticatorName'],
    clients: [{ clientId: 'app', publicClient: true, standardFlowEnabled: true, directAccessGrantsEnabled: true, redirectUris: [REDIRECT] }],
    users: [{
      id: 'e2d4c6b8-0a1f-4e3d-8c5b-7a9f1e3d5c70', username: 'kim', enabled: true, totp: true, createdTimestamp: 1_700_000_000_000,
      credentials: [
        { id: 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9', type: 'password', createdDate: 1_700_000_000_000, ...keycloakPbkdf2('kim-pw', 'pbkdf2-sha512') },
        otpCredential('0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e', 'Pixel', PHONE_SECRET, 1_700_000_100_000),
        otpCredential('1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', 'Tablet', TABLET_SECRET, 1_700_000_200_000),
      ],
      requiredActions: [], realmRoles: [`default-roles-${REALM}`],
    }],
  };
}

/** The admin client's error for a response of that status. */
const status = (expected: number) => (err: { response?: Response }) => err.response?.status === expected;

/** A realm of counter-based codes (RFC 4226), its user's generator at counter 5. */
const hotpRealm = {
  realm: 'kc-hotp', enabled: true, otpPolicyType: 'hotp', otpPolicyLookAheadWindow: 2, otpPolicyInitialCounter: 0,
  clients: [{ clientId: 'app', publicClient: true, directAccessGrantsEnabled: true }],
  users: [{
    username: 'hana', enabled: true, credentials: [
      { type: 'password', value: 'hana-pw' },
      {
        type: 'otp', userLabel: 'Token', secretData: JSON.stringify({ value: PHONE_SECRET }),
        credentialData: JSON.stringify({ subType: 'hotp', digits: 6, counter: 5, period: 30, algorithm: 'HmacSHA1' }),
      },
    ],
  }],
};

describe('second factors in realm files and the admin API', () => {
  let server: TestServer;
  let kc: KcAdminClient;
  let kim: string;
  const app = (secret: string) => new TOTP({ secret: Secret.fromUTF8(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  let step = 0;
  const code = (secret: string) => app(secret).generate({ timestamp: Date.now() + 30_000 * step++ });

  before(async () => {
    server = await startServer({ realms: [keycloakExport(), hotpRealm] });
    kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
    await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
    kc.setConfig({ realmName: REALM });
    kim = (await kc.users.find({ username: 'kim', exact: true }))[0].id!;
  });
  after(async () => { await server?.stop(); });

  /** A sign-in on the login page over HTTP: the password, then the one-time code; the authorization response's parameters. */
  async function signIn(realm: string, otp: string, params: Record<string, string> = {}): Promise<Record<string, string>> {
    const browser = new HttpBrowser();
    const auth = `${realmUrl(server, realm, '/protocol/openid-connect/auth')}?${new URLSearchParams({
      client_id: 'app', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 'st-1', ...params,
    })}`;
    const otpPage = await browser.authorize(auth, { username: 'kim', password: 'kim-pw' });
    assert.match(otpPage.text, /id="kc-otp-login-form"/, otpPage.text.slice(0, 300));
    const done = await browser.submit(otpPage, 'kc-otp-login-form', { otp });
    return done.status === 200 ? { page: done.text } : responseParams(done);
  }

  it('a Keycloak export with OTP credentials imports: the user signs in with a code from the original secret', async () => {
    const signedIn = await signIn(REALM, code(PHONE_SECRET));
    assert.ok(signedIn.code, JSON.stringify(signedIn).slice(0, 300));
    // Either generator of the user's will do; a code from neither will not.
    assert.ok((await signIn(REALM, code(TABLET_SECRET))).code);
    assert.match((await signIn(REALM, '123456')).page ?? '', /Invalid code/);
  });

  it('the realm\'s OTP policy is Keycloak\'s realm representation; a change to one field keeps the others', async () => {
    const realm = await kc.realms.findOne({ realm: REALM });
    assert.equal(realm!.otpPolicyType, 'totp');
    assert.equal(realm!.otpPolicyLookAheadWindow, 4);
    assert.equal(realm!.otpPolicyDigits, 6);
    await kc.realms.update({ realm: REALM }, { otpPolicyCodeReusable: true });
    const updated = await kc.realms.findOne({ realm: REALM });
    assert.equal(updated!.otpPolicyCodeReusable, true);
    assert.equal(updated!.otpPolicyLookAheadWindow, 4);
    await kc.realms.update({ realm: REALM }, { otpPolicyCodeReusable: false });
    await assert.rejects(kc.realms.update({ realm: REALM }, { otpPolicyType: 'sms' } as never), status(400));
  });

  it('a code is taken once; with otpPolicyCodeReusable the same code is taken again within its window', async () => {
    const grant = (otp: string) => passwordGrant(server, REALM, 'app', undefined, 'kim', 'kim-pw', { otp });
    // The tablet's codes, two and three steps ahead (the first test used its code one step ahead): the phone's steps stay for the tests after.
    const tablet = (steps: number) => app(TABLET_SECRET).generate({ timestamp: Date.now() + 30_000 * steps });
    const once = tablet(2);
    assert.equal((await grant(once)).status, 200);
    const replay = await grant(once);
    assert.equal(replay.status, 400, 'replayed');
    assert.equal(replay.json.error, 'invalid_grant');
    await kc.realms.update({ realm: REALM }, { otpPolicyCodeReusable: true });
    try {
      const reusable = tablet(3);
      assert.equal((await grant(reusable)).status, 200);
      assert.equal((await grant(reusable)).status, 200, 'reused, as the policy allows');
    } finally {
      await kc.realms.update({ realm: REALM }, { otpPolicyCodeReusable: false });
    }
    assert.equal(await kc.attackDetection.del({ id: kim }).then(() => 204), 204);
  });

  it('the user list says who has a one-time code generator (totp) and filters by second factor (secondFactor=true|false)', async () => {
    const noah = await kc.users.create({ username: 'noah', enabled: true });
    const get = async (query: string) => {
      const res = await fetch(`${server.url}/admin/realms/${REALM}/users${query}`, { headers: { authorization: `Bearer ${kc.accessToken}` } });
      assert.equal(res.status, 200);
      return res.json();
    };
    const everyone = await kc.users.find({});
    assert.deepEqual(everyone.map((u) => `${u.username}:${u.totp}`).sort(), ['kim:true', 'noah:false']);
    assert.equal((await kc.users.findOne({ id: kim }))!.totp, true);
    assert.equal((await kc.users.findOne({ id: noah.id }))!.totp, false);
    assert.deepEqual((await get('?secondFactor=true')).map((u: { username: string }) => u.username), ['kim']);
    assert.deepEqual((await get('?secondFactor=false')).map((u: { username: string }) => u.username), ['noah']);
    // Keycloak's own parameters still narrow beside it.
    assert.deepEqual(await get('?secondFactor=true&search=noah'), []);
    assert.equal(await get('/count?secondFactor=true'), 1);
    assert.equal(await get('/count?secondFactor=false&username=noah'), 1);
    const res = await fetch(`${server.url}/admin/realms/${REALM}/users?secondFactor=maybe`, { headers: { authorization: `Bearer ${kc.accessToken}` } });
    assert.equal(res.status, 400);
    await kc.users.del({ id: noah.id });
  });

  it('users/{id}/credentials lists, renames, reorders and deletes second factors, as Keycloak\'s admin API', async () => {
    const list = async () => (await kc.users.getCredentials({ id: kim })).map((c) => `${c.type}:${c.userLabel ?? ''}`);
    assert.deepEqual(await list(), ['password:', 'otp:Pixel', 'otp:Tablet']);
    const [, pixel, tablet] = await kc.users.getCredentials({ id: kim });
    assert.equal(pixel.secretData, undefined, 'never the secret');
    assert.equal(JSON.parse(pixel.credentialData!).algorithm, 'HmacSHA1');

    await kc.users.updateCredentialLabel({ id: kim, credentialId: pixel.id! }, 'Pixel 9');
    await kc.users.moveCredentialPositionUp({ id: kim, credentialId: tablet.id! });
    assert.deepEqual(await list(), ['password:', 'otp:Tablet', 'otp:Pixel 9']);
    await kc.users.moveCredentialPositionDown({ id: kim, credentialId: tablet.id!, newPreviousCredentialId: pixel.id! });
    assert.deepEqual(await list(), ['password:', 'otp:Pixel 9', 'otp:Tablet']);
    await assert.rejects(kc.users.deleteCredential({ id: kim, credentialId: 'no-such-credential' }), status(404));
    // Keycloak's answers on the wire: 204 No Content, 404 for a credential the user does not have.
    const call = (method: string, path: string, body?: string) => fetch(`${server.url}/admin/realms/${REALM}/users/${kim}/credentials/${path}`, {
      method, body, headers: { authorization: `Bearer ${kc.accessToken}`, ...(body === undefined ? {} : { 'content-type': 'text/plain' }) },
    });
    assert.equal((await call('POST', `${pixel.id}/moveToFirst`)).status, 204);
    assert.equal((await call('POST', `${tablet.id}/moveAfter/${pixel.id}`)).status, 204);
    assert.equal((await call('PUT', `${pixel.id}/userLabel`, 'Pixel 9')).status, 204);
    assert.equal((await call('POST', 'no-such-credential/moveToFirst')).status, 404);
    assert.equal((await call('POST', `${tablet.id}/moveAfter/no-such-credential`)).status, 404);
    assert.equal((await call('PUT', 'no-such-credential/userLabel', 'x')).status, 404);
    assert.deepEqual(await list(), ['password:', 'otp:Pixel 9', 'otp:Tablet']);

    await kc.users.deleteCredential({ id: kim, credentialId: tablet.id! });
    assert.deepEqual(await list(), ['password:', 'otp:Pixel 9']);
    const removed = await kc.realms.findEvents({ realm: REALM, user: kim, type: ['REMOVE_TOTP', 'REMOVE_CREDENTIAL'] as never });
    assert.deepEqual(removed.map((e) => e.type).sort(), ['REMOVE_CREDENTIAL', 'REMOVE_TOTP']);
    assert.equal(removed[0].details?.credential_type, 'otp');

    // Required actions by Keycloak's names.
    await kc.users.update({ id: kim }, { requiredActions: ['CONFIGURE_TOTP', 'CONFIGURE_RECOVERY_AUTHN_CODES'] });
    assert.deepEqual((await kc.users.findOne({ id: kim }))!.requiredActions, ['CONFIGURE_TOTP', 'CONFIGURE_RECOVERY_AUTHN_CODES']);
    await kc.users.update({ id: kim }, { requiredActions: [] });
  });

  it('the OTP secrets are sealed at rest: the database holds none of them in clear', () => {
    const db = new Database(join(server.dataDir, 'latchkey.db'), { readonly: true, fileMustExist: true, timeout: 5000 });
    try {
      const rows = db.prepare('SELECT sealed_secret, data FROM credentials').all() as Array<{ sealed_secret: string; data: string }>;
      assert.ok(rows.length >= 2);
      for (const row of rows) {
        for (const secret of [PHONE_SECRET, TABLET_SECRET]) assert.ok(!row.sealed_secret.includes(secret) && !row.data.includes(secret));
      }
    } finally {
      db.close();
    }
  });

  it('an export carries the OTP credentials in Keycloak\'s format; imported as another realm, the same code signs in', async () => {
    const run = await runCli(['realm', 'export', REALM, '--users', '--data-dir', server.dataDir]);
    assert.equal(run.code, 0, run.stderr);
    const exported = JSON.parse(run.stdout);
    const user = exported.users.find((u: { username: string }) => u.username === 'kim');
    assert.equal(user.totp, true);
    const otp = user.credentials.find((c: { type: string }) => c.type === 'otp');
    assert.deepEqual(JSON.parse(otp.secretData), { value: PHONE_SECRET });
    assert.equal(JSON.parse(otp.credentialData).subType, 'totp');
    assert.equal(otp.userLabel, 'Pixel 9');
    assert.equal(exported.otpPolicyLookAheadWindow, 4);

    const copy = { ...exported, realm: `${REALM}-copy`, id: undefined };
    const res = await fetch(`${server.url}/admin/realms`, {
      method: 'POST', headers: { authorization: `Bearer ${kc.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(copy),
    });
    assert.equal(res.status, 201, await res.text());
    assert.ok((await signIn(`${REALM}-copy`, code(PHONE_SECRET))).code);
  });

  it('acr.loa.map names the levels: a client asking acr_values=gold gets the code asked and acr "gold"', async () => {
    await assert.rejects(kc.realms.update({ realm: REALM }, { attributes: { 'acr.loa.map': '{"gold": "two"}' } }), status(400));
    await kc.realms.update({ realm: REALM }, { attributes: { 'acr.loa.map': JSON.stringify({ silver: 1, gold: 2 }) } });
    const { code: authCode } = await signIn(REALM, code(PHONE_SECRET), { acr_values: 'gold' });
    assert.ok(authCode);
    const tokens = await postForm(tokenUrl(server, REALM), { grant_type: 'authorization_code', code: authCode, redirect_uri: REDIRECT, client_id: 'app' });
    assert.equal(tokens.status, 200, tokens.text);
    const idToken = claimsOf(tokens.json.id_token);
    assert.equal(idToken.acr, 'gold');
    assert.deepEqual(idToken.amr, ['pwd', 'otp', 'mfa']);
  });

  it('a realm that requires a second factor sends a user without one through CONFIGURE_TOTP', async () => {
    await kc.realms.update({ realm: REALM }, { attributes: { otpRequired: 'true' } });
    await kc.users.create({ username: 'lee', enabled: true, credentials: [{ type: 'password', value: 'lee-pw', temporary: false }] });
    const browser = new HttpBrowser();
    const page = await browser.authorize(`${realmUrl(server, REALM, '/protocol/openid-connect/auth')}?${new URLSearchParams({
      client_id: 'app', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 'st-2',
    })}`, { username: 'lee', password: 'lee-pw' });
    assert.match(page.text, /id="kc-totp-settings-form"/);
    assert.match(page.text, /src="data:image\/png;base64,/);
    await kc.realms.update({ realm: REALM }, { attributes: { otpRequired: 'false' } });
    assert.equal((await kc.realms.findOne({ realm: REALM }))!.attributes?.otpRequired, undefined);
  });

  it('HOTP: a code at the counter or up to the look-ahead window ahead signs in once; the counter moves past it, and is exported', async () => {
    const hotp = new HOTP({ secret: Secret.fromUTF8(PHONE_SECRET), algorithm: 'SHA1', digits: 6 });
    const grant = (counter: number) => passwordGrant(server, 'kc-hotp', 'app', undefined, 'hana', 'hana-pw', { otp: hotp.generate({ counter }) });
    assert.equal((await grant(5)).status, 200);
    assert.equal((await grant(5)).status, 400, 'used');
    assert.equal((await grant(8)).status, 200, 'two ahead of 6: within the window');
    assert.equal((await grant(7)).status, 400, 'behind the counter now');
    assert.equal((await grant(12)).status, 400, 'beyond the window');
    const run = await runCli(['realm', 'export', 'kc-hotp', '--users', '--data-dir', server.dataDir]);
    const otp = JSON.parse(run.stdout).users[0].credentials.find((c: { type: string }) => c.type === 'otp');
    assert.equal(JSON.parse(otp.credentialData).counter, 9);
  });

  it('disable-credential-types removes every credential of a type; the password grant then needs no code', async () => {
    assert.equal((await passwordGrant(server, REALM, 'app', undefined, 'kim', 'kim-pw')).status, 400);
    // Unless the realm lets the password grant serve users with a second factor: then the password alone does, a wrong code not.
    await kc.realms.update({ realm: REALM }, { attributes: { passwordGrantWithSecondFactor: 'true' } });
    const alone = await passwordGrant(server, REALM, 'app', undefined, 'kim', 'kim-pw', { scope: 'openid' });
    assert.equal(alone.status, 200, alone.text);
    assert.deepEqual(claimsOf(alone.json.id_token).amr, ['pwd']);
    assert.equal((await passwordGrant(server, REALM, 'app', undefined, 'kim', 'kim-pw', { otp: '000000' })).status, 400);
    await kc.realms.update({ realm: REALM }, { attributes: { passwordGrantWithSecondFactor: 'false' } });
    await kc.attackDetection.del({ id: kim });
    assert.equal((await passwordGrant(server, REALM, 'app', undefined, 'kim', 'kim-pw')).status, 400);
    const res = await fetch(`${server.url}/admin/realms/${REALM}/users/${kim}/disable-credential-types`, {
      method: 'PUT', headers: { authorization: `Bearer ${kc.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(['otp']),
    });
    assert.equal(res.status, 204, await res.text());
    assert.deepEqual((await kc.users.getCredentials({ id: kim })).map((c) => c.type), ['password']);
    assert.equal((await passwordGrant(server, REALM, 'app', undefined, 'kim', 'kim-pw')).status, 200);
  });
});
