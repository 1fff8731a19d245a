// The console at a desktop's and a phone's size (the phone's in German too, for the sign-in
// page): every section fits the screen with "Sign out" on it, its colours reach WCAG AA
// (borders and focus rings 3:1), and the first hour's fixes: redirects on the client's Form
// tab, no Secrets tab for a public client, usernames in events, the password's state on the
// Credentials tab, and a realm file to import.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken, passwordToken } from '../admin/fixture.js';
import { REALM, startStack, type Stack } from '../browser/fixture.js';
import { noChromium, openTab, screenshot, signIn, type Page } from '../helpers/browser.js';
import { assertContrast, assertFits, assertWithinViewport, VIEWPORTS } from '../helpers/layout.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { consoleUrl, cspViolations, fieldError, signedInConsole } from './fixture.js';

describe('admin console: layout and the first hour', { skip: noChromium }, () => {
  let s: Stack;
  const ids: Record<string, string> = {};
  // A fresh token each time: master's admin tokens outlive no long test.
  const adminNow = async () => adminApi(s.server, await masterAdminToken(s.server));
  before(async () => {
    s = await startStack();
    const admin = await adminNow();
    const clients = (await admin.get(`/realms/${REALM}/clients`)).json as Array<{ id: string; clientId: string }>;
    for (const c of clients) ids[c.clientId] = c.id;
    const users = (await admin.get(`/realms/${REALM}/users`)).json as Array<{ id: string; username: string }>;
    for (const u of users) ids[u.username] = u.id;
    // dave has no password; erin a temporary one.
    for (const [username, credentials] of [['dave', []], ['erin', [{ type: 'password', value: 'erin-temp', temporary: true }]]] as const) {
      const made = await admin.post(`/realms/${REALM}/users`, { username, enabled: true, credentials });
      assert.equal(made.status, 201);
      ids[username] = made.headers.get('location')!.split('/').pop()!;
    }
  });
  after(async () => { await s?.stop(); });

  /** Opens a section and waits until nothing on it is loading. */
  async function show(page: Page, hash: string) {
    await page.goto(consoleUrl(s, hash));
    await page.waitForSelector('main h1');
    await page.waitForFunction(() => !document.querySelector('main .loading'));
  }

  const SECTIONS = () => [
    ['clients', `#/${REALM}/clients`],
    ['client-form', `#/${REALM}/clients/${ids['rp-code']}/form`],
    ['client-secrets', `#/${REALM}/clients/${ids['rp-code']}/secrets`],
    ['client-translations', `#/${REALM}/clients/${ids['rp-consent']}/translations`],
    ['client-resources', `#/${REALM}/clients/${ids['rp-code']}/resources`],
    ['users', `#/${REALM}/users`],
    ['user-details', `#/${REALM}/users/${ids.alice}/details`],
    ['user-credentials', `#/${REALM}/users/${ids.alice}/credentials`],
    ['user-roles', `#/${REALM}/users/${ids.alice}/roles`],
    ['user-sessions', `#/${REALM}/users/${ids.alice}/sessions`],
    ['roles', `#/${REALM}/roles`],
    ['groups', `#/${REALM}/groups`],
    ['identity-providers', `#/${REALM}/identity-providers`],
    ['settings', `#/${REALM}/settings`],
    ['keys', `#/${REALM}/keys`],
    ['events', `#/${REALM}/events/login`],
    ['admin-events', `#/${REALM}/events/admin`],
    ['new-realm', `#/${REALM}/new-realm`],
  ] as const;

  for (const viewport of VIEWPORTS) {
    for (const locale of viewport.name === 'phone' ? ['en-US', 'de-DE'] : ['en-US']) {
      const label = `${viewport.name}-${locale.slice(0, 2)}`;
      it(`${label}: every section fits ${viewport.width} px with Sign out on screen, and reads well`, async (t) => {
        const tab = await openTab(s.browser, t, { locale });
        const { page } = tab;
        await page.setViewportSize({ width: viewport.width, height: viewport.height });
        await page.goto(consoleUrl(s));
        await page.waitForSelector('#username');
        await assertFits(page, `console-sign-in-${label}`);
        await assertContrast(page, `console-sign-in-${label}`, ['#username']);
        await screenshot(page, `console-layout-sign-in-${label}`);
        await signIn(page, 'admin', ADMIN_PASSWORD);
        await page.waitForSelector('.topbar');

        for (const [name, hash] of SECTIONS()) {
          const what = `console-${name}-${label}`;
          await show(page, hash);
          await assertFits(page, what);
          await assertWithinViewport(page, '.who button', what);
          await assertContrast(page, what, []);
          await screenshot(page, `console-layout-${name}-${label}`);
        }
        // Focus rings: a field, the realm switcher on the dark bar, and a link by keyboard.
        await show(page, `#/${REALM}/clients`);
        await assertContrast(page, `console-focus-${label}`, ['input[type=search]', '.realm-switcher select']);
        assert.deepEqual(cspViolations(tab), []);
      });
    }
  }

  it('a client shows its redirects on the Form tab; a public client has no Secrets tab', async (t) => {
    const admin = await adminNow();
    const { page } = await signedInConsole(s, t, `#/${REALM}/clients/${ids['rp-code']}/form`);
    await page.getByRole('heading', { name: /Code RP/ }).waitFor();
    const tabs = async () => page.locator('nav.tabs a').allTextContents();
    assert.deepEqual(await tabs(), ['Form', 'Secrets', 'Default resource translation', 'Custom resources', 'Roles', 'Client scopes', 'Mappers']);
    assert.equal(await page.getByLabel('Allowed login redirects 1').inputValue(), s.rp.redirectUri);
    assert.equal(await page.getByLabel('Allowed logout redirects 1').inputValue(), s.rp.loggedOutUri);

    // Edited and saved with the rest of the form: a bad one is refused beside its line.
    await page.getByRole('button', { name: 'Add a login redirect' }).click();
    await page.getByLabel('Allowed login redirects 2').fill('http://code.example.com/callback');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    assert.match(await fieldError(page, 'redirectUris[1]').textContent() ?? '', /use https/);
    await page.getByLabel('Allowed login redirects 2').fill('https://code.example.com/callback');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    const rep = (await admin.get(`/realms/${REALM}/clients/${ids['rp-code']}`)).json;
    assert.deepEqual(rep.redirectUris, [s.rp.redirectUri, 'https://code.example.com/callback']);
    assert.equal(rep.attributes['post.logout.redirect.uris'], s.rp.loggedOutUri);
    await screenshot(page, 'console-client-redirects-on-form');

    await page.goto(consoleUrl(s, `#/${REALM}/clients/${ids['rp-public-plain']}/form`));
    await page.getByRole('heading', { name: /rp-public-plain/ }).waitFor();
    await page.getByLabel('Allowed login redirects 1').waitFor();
    assert.deepEqual(await tabs(), ['Form', 'Default resource translation', 'Custom resources', 'Roles', 'Client scopes', 'Mappers']);
    // Its old address says why there is nothing.
    await page.goto(consoleUrl(s, `#/${REALM}/clients/${ids['rp-public-plain']}/secrets`));
    await page.getByText('A public client application has no secrets').waitFor();
  });

  it('events name users by their usernames; the Credentials tab says whether a password is set and whether it is temporary', async (t) => {
    const admin = await adminNow();
    // alice signs in and out: the LOGOUT event names her by id only.
    const rp = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await rp.page.goto(flow.url);
    await signIn(rp.page);
    assertSignedIn(await flow.outcome());
    await rp.page.goto(`${s.issuer}/protocol/openid-connect/logout?client_id=rp-code`);
    await rp.page.click('#kc-logout');
    await rp.page.waitForSelector('#kc-logged-out');
    const logouts = (await admin.get(`/realms/${REALM}/events?type=LOGOUT`)).json as Array<{ userId: string; details?: Record<string, string> }>;
    assert.ok(logouts.some((e) => e.userId === ids.alice && !e.details?.username), 'a LOGOUT event with only the id');

    const { page } = await signedInConsole(s, t, `#/${REALM}/events/login`);
    const logoutRow = page.locator('table.events tbody tr', { has: page.locator('td:nth-child(2)', { hasText: /^LOGOUT$/ }) }).first();
    await logoutRow.waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('table.events tbody tr')]
      .some((tr) => tr.children[1]?.textContent === 'LOGOUT' && tr.children[3]?.textContent === 'alice'));
    assert.equal(await logoutRow.locator('td:nth-child(4) span').getAttribute('title'), ids.alice);
    await screenshot(page, 'console-events-usernames');

    // Another of master's administrators, ops, changes the realm: the admin event names ops (a user of master).
    const ops = await admin.create('/realms/master/users', { username: 'ops', enabled: true, credentials: [{ type: 'password', value: 'ops-pw' }] });
    const adminRole = (await admin.get('/realms/master/roles/admin')).json;
    assert.equal((await admin.post(`/realms/master/users/${ops}/role-mappings/realm`, [adminRole])).status, 204);
    const asOps = adminApi(s.server, await passwordToken(s.server, 'master', 'ops', 'ops-pw'));
    assert.equal((await asOps.post(`/realms/${REALM}/groups`, { name: 'made-by-ops' })).status, 201);
    await page.goto(consoleUrl(s, `#/${REALM}/events/admin`));
    await page.waitForFunction(() => [...document.querySelectorAll('table.events tbody tr')]
      .some((tr) => tr.children[2]?.textContent === 'GROUP' && tr.children[4]?.textContent === 'ops'));
    await screenshot(page, 'console-admin-events-usernames');

    const status = async (user: string) => {
      await page.goto(consoleUrl(s, `#/${REALM}/users/${ids[user]}/credentials`));
      await page.getByRole('heading', { name: new RegExp(`^${user}`) }).waitFor();
      const line = page.locator('.password-status');
      await line.waitFor();
      return { state: await line.getAttribute('data-password'), text: await line.textContent() };
    };
    assert.deepEqual((await status('alice')).state, 'set');
    assert.match((await status('alice')).text ?? '', /A password is set, since/);
    assert.equal((await status('dave')).state, 'none');
    assert.match((await status('dave')).text ?? '', /No password is set: dave cannot sign in with a password/);
    assert.equal((await status('erin')).state, 'temporary');
    assert.match((await status('erin')).text ?? '', /temporary password.*erin chooses a new one at the next sign-in/i);
    await screenshot(page, 'console-credentials-temporary');
    // Setting one here changes the line at once.
    await page.getByLabel('New password', { exact: true }).fill('erin-own-password');
    await page.getByLabel('New password again').fill('erin-own-password');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.locator('.password-status[data-password="set"]').waitFor();
  });

  it('imports a realm file: a Keycloak realm export becomes a realm; a file that is not one is refused with the reason', async (t) => {
    const admin = await adminNow();
    const { page } = await signedInConsole(s, t, `#/${REALM}/new-realm`);
    const input = page.locator('#realm-file');
    await input.waitFor();
    const choose = (name: string, text: string) => input.setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
    const importButton = page.getByRole('button', { name: 'Import realm' });

    await importButton.click();
    assert.match(await fieldError(page, 'file').textContent() ?? '', /Choose a realm file/);
    // Said as soon as the file is read, and again when imported all the same.
    await choose('notes.json', 'not json {');
    await fieldError(page, 'file').filter({ hasText: /notes\.json is not JSON/ }).waitFor();
    await importButton.click();
    assert.match(await fieldError(page, 'file').textContent() ?? '', /notes\.json is not JSON/);
    await choose('list.json', '[1, 2]');
    await fieldError(page, 'file').filter({ hasText: /list\.json is not a realm file: it has no realm name/ }).waitFor();

    // The server's refusal, whole: which field of the file is wrong.
    await choose('bad.json', JSON.stringify({ realm: 'uploaded-bad', users: [{ username: '' }] }));
    await page.locator('#realm-file-summary', { hasText: 'Realm uploaded-bad:' }).waitFor();
    await importButton.click();
    const alert = page.locator('form[aria-label="Import a realm file"] .notice-error');
    await alert.waitFor();
    assert.match(await alert.textContent() ?? '', /^bad\.json was not imported: .*users\[0\]\.username/);
    assert.equal((await admin.get('/realms/uploaded-bad')).status, 404);
    await screenshot(page, 'console-import-refused');

    const realm = {
      realm: 'uploaded', enabled: true, displayName: 'Uploaded realm',
      clients: [{ clientId: 'uploaded-app', publicClient: true, redirectUris: ['https://app.example.com/*'] }],
      users: [{ username: 'uma', enabled: true, credentials: [{ type: 'password', value: 'uma-pw' }] }],
    };
    await choose('uploaded-realm.json', JSON.stringify(realm));
    await page.locator('#realm-file-summary', { hasText: 'Realm uploaded: 1 client applications, 1 users, 0 groups.' }).waitFor();
    await screenshot(page, 'console-import-chosen');
    await importButton.click();
    await page.waitForURL(/#\/uploaded\/clients$/);
    await page.getByRole('link', { name: 'uploaded-app', exact: true }).waitFor();
    assert.equal((await admin.get('/realms/uploaded/users?username=uma&exact=true')).json.length, 1);

    // The same file again: the realm exists.
    await page.goto(consoleUrl(s, '#/uploaded/new-realm'));
    await page.locator('#realm-file').setInputFiles({ name: 'uploaded-realm.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(realm)) });
    await page.locator('#realm-file-summary', { hasText: 'Realm uploaded:' }).waitFor();
    await importButton.click();
    await alert.waitFor();
    assert.match(await alert.textContent() ?? '', /uploaded-realm\.json was not imported: Realm uploaded already exists/);
  });
});
