// The console's client page sets Keycloak's back- and front-channel logout attributes, the
// device grant and standard token exchange, and Keycloak's admin client reads them back as Keycloak names them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { REALM, startStack, type Stack } from '../browser/fixture.js';
import { noChromium, screenshot } from '../helpers/browser.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { fieldError, signedInConsole } from './fixture.js';

describe('admin console: a client\'s logout and device settings', { skip: noChromium }, () => {
  let s: Stack;
  let kc: KcAdminClient;
  before(async () => {
    s = await startStack();
    kc = new KcAdminClient({ baseUrl: s.server.url, realmName: 'master' });
    await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
  });
  after(async () => { await s?.stop(); });

  it('saves them from the Form tab; a URL that is not a web address is refused beside its field', async (t) => {
    const [rpCode] = await kc.clients.find({ realm: REALM, clientId: 'rp-code' });
    const tab = await signedInConsole(s, t, `#/${REALM}/clients/${encodeURIComponent(rpCode.id!)}/form`);
    const { page } = tab;
    await page.getByLabel('Back-channel URL').fill('ftp://rp.example/logout');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    assert.match(await fieldError(page, 'backchannelUrl').textContent() ?? '', /http:\/\/ or https:\/\//);

    await page.getByLabel('Back-channel URL').fill('https://rp.example/backchannel');
    await page.getByLabel('Back-channel: revoke offline tokens').check();
    await page.getByLabel('Front-channel (frames on the signed-out page)').check();
    await page.getByLabel('Front-channel URL').fill('https://rp.example/frontchannel');
    await page.getByLabel('Front-channel: session required (iss, sid)').uncheck();
    await page.getByLabel('Device authorization (device code)').check();
    await page.getByLabel('Standard token exchange').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    await screenshot(page, 'console-client-logout-settings');

    const saved = await kc.clients.findOne({ realm: REALM, id: rpCode.id! });
    assert.equal(saved?.frontchannelLogout, true);
    const a = saved?.attributes ?? {};
    assert.equal(a['backchannel.logout.url'], 'https://rp.example/backchannel');
    assert.equal(a['backchannel.logout.session.required'], 'true');
    assert.equal(a['backchannel.logout.revoke.offline.tokens'], 'true');
    assert.equal(a['frontchannel.logout.url'], 'https://rp.example/frontchannel');
    assert.equal(a['frontchannel.logout.session.required'], 'false');
    assert.equal(a['oauth2.device.authorization.grant.enabled'], 'true');
    assert.equal(a['standard.token.exchange.enabled'], 'true');

    // Emptied, the URL goes; the admin API refuses one that is not a web address itself.
    await page.getByLabel('Back-channel URL').fill('');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    assert.equal((await kc.clients.findOne({ realm: REALM, id: rpCode.id! }))?.attributes?.['backchannel.logout.url'], undefined);
    await assert.rejects(kc.clients.update({ realm: REALM, id: rpCode.id! }, { attributes: { 'backchannel.logout.url': 'javascript:alert(1)' } }),
      (err: { response?: { status: number } }) => err.response?.status === 400);
  });
});
