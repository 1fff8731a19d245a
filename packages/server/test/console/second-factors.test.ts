// The console's side of multi-factor sign-in: the realm page edits the OTP and WebAuthn policies
// and whether every user needs a second factor; a user's Credentials tab shows their factors
// (authenticator apps, passkeys) and removes one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { startStack, type Stack } from '../browser/fixture.js';
import { noChromium, screenshot } from '../helpers/browser.js';
import { confirmDialog, cspViolations, signedInConsole } from './fixture.js';

const REALM = 'factors';

describe('console: second factors', { skip: noChromium }, () => {
  let s: Stack;
  let admin: AdminApi;
  let kim: string;

  before(async () => {
    s = await startStack();
    admin = adminApi(s.server, await masterAdminToken(s.server));
    // A realm as Keycloak exports one, with a user holding an authenticator app.
    const created = await admin.post('/realms', {
      realm: REALM, enabled: true, eventsEnabled: true,
      users: [{
        username: 'kim', enabled: true, credentials: [
          { type: 'password', value: 'kim-pw' },
          {
            type: 'otp', userLabel: 'Pixel', secretData: JSON.stringify({ value: 'JhYJxX8E5Qyf0xxVcd5B' }),
            credentialData: JSON.stringify({ subType: 'totp', digits: 6, counter: 0, period: 30, algorithm: 'HmacSHA1' }),
          },
          {
            // Keycloak's WebAuthnCredentialData: the public key, nothing secret.
            type: 'webauthn-passwordless', userLabel: 'Laptop', secretData: '{}',
            credentialData: JSON.stringify({
              aaguid: '01020304-0506-0708-0102-030405060708', credentialId: 'q83vEjRWeJA=', credentialPublicKey: 'pQECAyYgASFYIA==', counter: 4,
              attestationStatementFormat: 'none', transports: ['internal'],
            }),
          },
        ],
      }],
    });
    assert.equal(created.status, 201, created.text);
    kim = (await admin.get(`/realms/${REALM}/users?username=kim&exact=true`)).json[0].id;
  });
  after(async () => { await s?.stop(); });

  it('the realm page sets the OTP policy and requires a second factor of every user', async (t) => {
    const tab = await signedInConsole(s, t, `#/${REALM}/settings`);
    const { page } = tab;
    await page.getByLabel('Every user signs in with a one-time code').check();
    await page.getByLabel('Digits').selectOption('8');
    await page.getByLabel('A code lasts (seconds)').fill('60');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    await screenshot(page, 'console-realm-second-factor');
    const realm = (await admin.get(`/realms/${REALM}`)).json;
    assert.equal(realm.attributes.otpRequired, 'true');
    assert.equal(realm.otpPolicyDigits, 8);
    assert.equal(realm.otpPolicyPeriod, 60);
    assert.deepEqual(cspViolations(tab), []);
  });

  it('the user list marks who has an authenticator app and filters users with and without a second factor', async (t) => {
    await admin.create(`/realms/${REALM}/users`, { username: 'lou', enabled: true });
    const tab = await signedInConsole(s, t, `#/${REALM}/users`);
    const { page } = tab;
    const rows = page.locator('table.list tbody tr');
    const names = async () => (await rows.locator('td:first-child a').allTextContents()).sort();
    await page.getByRole('link', { name: 'lou' }).waitFor();
    assert.deepEqual(await names(), ['kim', 'lou']);
    assert.equal(await rows.filter({ hasText: 'kim' }).locator('.badge').first().textContent(), 'OTP');
    assert.equal(await rows.filter({ hasText: 'lou' }).locator('td:first-child .badge').count(), 0);
    const filter = page.getByLabel('Filter by second factor');
    await filter.selectOption({ label: 'With a second factor' });
    await page.getByRole('link', { name: 'lou' }).waitFor({ state: 'detached' });
    assert.deepEqual(await names(), ['kim']);
    await filter.selectOption({ label: 'Without a second factor' });
    await page.getByRole('link', { name: 'kim' }).waitFor({ state: 'detached' });
    assert.deepEqual(await names(), ['lou']);
    await screenshot(page, 'console-users-second-factor-filter');
    assert.deepEqual(cspViolations(tab), []);
  });

  it('the realm page sets the passkey policy beside the security keys\' one', async (t) => {
    const tab = await signedInConsole(s, t, `#/${REALM}/settings`);
    const { page } = tab;
    const passkeys = page.getByRole('group', { name: 'Passkeys (WebAuthn passwordless policy)' });
    await passkeys.getByLabel('Relying party name').fill('Factors');
    await passkeys.getByLabel('Authenticator attachment').selectOption('platform');
    await passkeys.getByLabel('Extra origins').fill('https://app.example https://other.example');
    await page.getByRole('group', { name: 'Security keys (WebAuthn policy)' }).getByLabel('User verification').selectOption('required');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    await screenshot(page, 'console-realm-webauthn');
    const realm = (await admin.get(`/realms/${REALM}`)).json;
    assert.equal(realm.webAuthnPolicyPasswordlessRpEntityName, 'Factors');
    assert.equal(realm.webAuthnPolicyPasswordlessAuthenticatorAttachment, 'platform');
    assert.deepEqual(realm.webAuthnPolicyPasswordlessExtraOrigins, ['https://app.example', 'https://other.example']);
    assert.equal(realm.webAuthnPolicyUserVerificationRequirement, 'required');
    assert.equal(realm.webAuthnPolicyRpEntityName, 'keycloak');
    assert.deepEqual(realm.webAuthnPolicySignatureAlgorithms, ['ES256', 'RS256']);
    assert.deepEqual(cspViolations(tab), []);
  });

  it('a user\'s Credentials tab lists the passkey and removes it', async (t) => {
    const tab = await signedInConsole(s, t, `#/${REALM}/users/${kim}/credentials`);
    const { page } = tab;
    const row = page.getByRole('table', { name: 'Second factors' }).locator('tr[data-credential="webauthn-passwordless"]');
    await row.waitFor();
    assert.match(await row.textContent() ?? '', /Passkey.*Laptop/);
    await row.getByRole('button', { name: 'Remove' }).click();
    await confirmDialog(page, 'Remove');
    await row.waitFor({ state: 'detached' });
    const left = (await admin.get(`/realms/${REALM}/users/${kim}/credentials`)).json.map((c: { type: string }) => c.type);
    assert.deepEqual(left, ['password', 'otp']);
    const removed = (await admin.get(`/realms/${REALM}/events?user=${kim}&type=REMOVE_CREDENTIAL`)).json;
    assert.equal(removed[0].details.credential_type, 'webauthn-passwordless');
    assert.deepEqual(cspViolations(tab), []);
  });

  it('a user\'s Credentials tab lists the authenticator app and removes it', async (t) => {
    const tab = await signedInConsole(s, t, `#/${REALM}/users/${kim}/credentials`);
    const { page } = tab;
    const row = page.getByRole('table', { name: 'Second factors' }).locator('tr[data-credential="otp"]');
    await row.waitFor();
    assert.match(await row.textContent() ?? '', /Authenticator app.*Pixel/);
    await row.getByRole('button', { name: 'Remove' }).click();
    await confirmDialog(page, 'Remove');
    await page.getByText('signs in with a password alone').waitFor();
    const left = (await admin.get(`/realms/${REALM}/users/${kim}/credentials`)).json.map((c: { type: string }) => c.type);
    assert.deepEqual(left, ['password']);
    assert.deepEqual(cspViolations(tab), []);
  });
});
