// The console's Client policies view: a realm's policies switched on and off, given one of the
// global FAPI 2 profiles, and a new one added, saved through Keycloak's admin API.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { REALM, startStack, type Stack } from '../browser/fixture.js';
import { noChromium, screenshot } from '../helpers/browser.js';
import { signedInConsole } from './fixture.js';

describe('admin console: client policies', { skip: noChromium }, () => {
  let s: Stack;
  let admin: AdminApi;

  before(async () => {
    s = await startStack();
    admin = adminApi(s.server, await masterAdminToken(s.server));
    assert.equal((await admin.put(`/realms/${REALM}/client-policies/policies`, {
      policies: [{
        name: 'partners', description: 'The bank\'s partners', enabled: false,
        conditions: [{ condition: 'client-attributes', configuration: { attributes: [{ key: 'partner', value: 'true' }] } }],
        profiles: ['fapi-2-security-profile'],
      }],
    })).status, 204);
  });
  after(async () => {
    await s?.stop();
  });

  it('lists the policies, switches one on, changes its profile and adds another', async (t) => {
    const { page } = await signedInConsole(s, t, `#/${REALM}/client-policies`);
    await page.getByRole('heading', { name: 'Client policies' }).waitFor();
    const row = page.locator('tr[data-policy="partners"]');
    await row.getByText('client-attributes').waitFor();
    assert.equal(await row.getByLabel('Enabled').isChecked(), false);
    await row.getByLabel('Enabled').check();
    await row.getByLabel('Profile').selectOption('fapi-2-dpop-security-profile');
    await page.getByLabel('New policy').fill('everyone');
    await page.getByRole('button', { name: 'Add policy' }).click();
    await page.locator('tr[data-policy="everyone"]').getByLabel('Profile').selectOption('fapi-2-security-profile');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    await screenshot(page, 'console-client-policies');

    const saved = (await admin.get(`/realms/${REALM}/client-policies/policies`)).json.policies;
    assert.deepEqual(saved.map((p: { name: string; enabled: boolean; profiles: string[] }) => [p.name, p.enabled, p.profiles]), [
      ['partners', true, ['fapi-2-dpop-security-profile']],
      ['everyone', true, ['fapi-2-security-profile']],
    ]);
    assert.deepEqual(saved[1].conditions, [{ condition: 'any-client', configuration: {} }]);
    assert.equal(saved[0].conditions[0].configuration.attributes[0].key, 'partner', 'conditions kept as they were');

    // In German too.
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('heading', { name: 'Client-Richtlinien' }).waitFor();
  });
});
