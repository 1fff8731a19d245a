// The console's Client scopes page (list with Keycloak's assigned types, create, settings,
// mappers by type, scope mappings, delete) and a client's Client scopes and Mappers tabs, in
// Chromium at a desktop's and a phone's size; what the pages change is read back with
// Keycloak's admin client, and shows in the token the realm would issue.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { REALM, startStack, type Stack } from '../browser/fixture.js';
import { noChromium, openTab, screenshot, signIn, type Page } from '../helpers/browser.js';
import { assertFits, assertWithinViewport, VIEWPORTS } from '../helpers/layout.js';
import { ADMIN_PASSWORD, PATIENCE_MS } from '../helpers/server.js';
import { confirmDialog, consoleUrl, cspViolations, fieldError, signedInConsole } from './fixture.js';

describe('admin console: client scopes', { skip: noChromium }, () => {
  let s: Stack;
  const ids: Record<string, string> = {};
  /** Keycloak's admin client on the web realm, signed in afresh: master's admin tokens outlive no long test. */
  const kcNow = async () => {
    const kc = new KcAdminClient({ baseUrl: s.server.url, realmName: 'master' });
    await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
    kc.setConfig({ realmName: REALM });
    return kc;
  };
  const scopeNamed = async (name: string) => (await (await kcNow()).clientScopes.find()).find((x) => x.name === name);

  before(async () => {
    s = await startStack();
    const kc = await kcNow();
    for (const c of await kc.clients.find()) ids[c.clientId!] = c.id!;
    ids.alice = (await kc.users.find({ username: 'alice', exact: true }))[0].id!;
    await kc.roles.create({ name: 'orders-reader' });
  });
  after(async () => { await s?.stop(); });

  /** Polls the admin API until what the page changed is there (a select saves as it changes, with nothing on the page to wait for). */
  const until = async (check: () => Promise<boolean>) => {
    const deadline = Date.now() + PATIENCE_MS;
    while (!(await check())) {
      assert.ok(Date.now() < deadline, 'the change never reached the server');
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** Waits until nothing on the page is loading. */
  const settled = (page: Page) => page.waitForFunction(() => !document.querySelector('main .loading'));

  it('lists the realm\'s scopes with their types; creates one, edits its settings, changes its type, maps roles and deletes it', async (t) => {
    const tab = await signedInConsole(s, t, `#/${REALM}/client-scopes`);
    const { page } = tab;
    await page.locator('tr[data-scope="profile"]').waitFor();
    // The types as Keycloak's realm defaults have them.
    assert.equal(await page.getByLabel('Type of profile').inputValue(), 'default');
    assert.equal(await page.getByLabel('Type of address').inputValue(), 'optional');
    assert.match(await page.locator('tr[data-scope="profile"]').textContent() ?? '', /OpenID Connect/);
    await screenshot(page, 'console-client-scopes-list');

    await page.getByRole('link', { name: 'Create client scope' }).click();
    await page.getByRole('heading', { name: 'Create client scope' }).waitFor();
    // Refused beside the field before anything is sent.
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    assert.match(await fieldError(page, 'name').textContent() ?? '', /Enter the scope's name/);
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('orders');
    await page.getByLabel('Description').fill('Your orders');
    await page.getByLabel('Type', { exact: true }).selectOption('optional');
    await page.getByLabel('Consent screen text').fill('See your orders');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForURL(/#\/web\/client-scopes\/[^/]+\/settings$/);
    const orders = await scopeNamed('orders');
    assert.ok(orders?.id);
    assert.equal(orders.description, 'Your orders');
    assert.equal(orders.attributes?.['consent.screen.text'], 'See your orders');
    assert.equal(orders.attributes?.['include.in.token.scope'], 'true');
    assert.ok((await (await kcNow()).clientScopes.listDefaultOptionalClientScopes()).some((x) => x.name === 'orders'));

    // The same name again is refused beside the field, in the server's words.
    await page.goto(consoleUrl(s, `#/${REALM}/client-scopes/new`));
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('orders');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    assert.match(await fieldError(page, 'name').textContent() ?? '', /already exists/);

    // Settings: an attribute the form does not show survives a save.
    const kc = await kcNow();
    await kc.clientScopes.update({ id: orders.id }, { ...orders, attributes: { ...orders.attributes, 'gui.order': '7' } });
    await page.goto(consoleUrl(s, `#/${REALM}/client-scopes/${orders.id}/settings`));
    await page.getByLabel('Include in token scope').uncheck();
    await page.getByLabel('Description').fill('Orders you placed');
    await page.getByLabel('Type', { exact: true }).selectOption('default');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    const saved = await scopeNamed('orders');
    assert.equal(saved?.description, 'Orders you placed');
    assert.deepEqual(saved?.attributes, {
      'include.in.token.scope': 'false', 'display.on.consent.screen': 'true', 'consent.screen.text': 'See your orders', 'gui.order': '7',
    });
    assert.ok((await kc.clientScopes.listDefaultClientScopes()).some((x) => x.name === 'orders'));
    assert.ok(!(await kc.clientScopes.listDefaultOptionalClientScopes()).some((x) => x.name === 'orders'));
    await screenshot(page, 'console-client-scope-settings');

    // Scope: the realm roles the scope lets a client put in its tokens.
    await page.getByRole('link', { name: 'Scope', exact: true }).click();
    await page.getByLabel('Grant a role').first().selectOption({ label: 'orders-reader' });
    await page.getByRole('button', { name: 'Grant', exact: true }).first().click();
    await page.locator('ul.chips li', { hasText: 'orders-reader' }).waitFor();
    assert.deepEqual((await kc.clientScopes.listRealmScopeMappings({ id: orders.id })).map((r) => r.name), ['orders-reader']);

    // The list changes the type in place: none takes it from the realm's defaults.
    await page.goto(consoleUrl(s, `#/${REALM}/client-scopes`));
    await page.getByLabel('Type of orders').selectOption('none');
    await until(async () => !(await kc.clientScopes.listDefaultClientScopes()).some((x) => x.name === 'orders'));
    await page.getByLabel('Type of orders').selectOption('optional');
    await until(async () => (await kc.clientScopes.listDefaultOptionalClientScopes()).some((x) => x.name === 'orders'));

    await page.locator('tr[data-scope="orders"]').getByRole('button', { name: 'Delete' }).click();
    await confirmDialog(page, 'Delete client scope');
    await page.locator('tr[data-scope="orders"]').waitFor({ state: 'detached' });
    assert.equal(await scopeNamed('orders'), undefined);
    assert.deepEqual(cspViolations(tab), []);
  });

  it('adds a scope\'s mappers by type with their config fields, edits and deletes one; the token the realm issues carries them', async (t) => {
    const kc = await kcNow();
    const { id } = await kc.clientScopes.create({ name: 'shop', protocol: 'openid-connect', attributes: { 'include.in.token.scope': 'true' } });
    await kc.clients.addDefaultClientScope({ id: ids['rp-code'], clientScopeId: id });
    await kc.users.update({ id: ids.alice }, { attributes: { department: ['engines'] } });
    const { page } = await signedInConsole(s, t, `#/${REALM}/client-scopes/${id}/mappers`);
    await page.getByText('No mappers.').waitFor();

    const add = async (type: string, name: string, fill: () => Promise<void>) => {
      await page.getByLabel('Add a mapper by type').selectOption(type);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
      await fill();
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.locator(`tr[data-mapper="${name}"]`).waitFor();
    };
    // A user attribute without its claim is refused beside the field.
    await page.getByLabel('Add a mapper by type').selectOption('oidc-usermodel-attribute-mapper');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('department');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    assert.match(await fieldError(page, 'claim.name').textContent() ?? '', /Enter the claim's name/);
    assert.match(await fieldError(page, 'user.attribute').textContent() ?? '', /Enter the user attribute/);
    await page.getByRole('button', { name: 'Cancel' }).click();

    await add('oidc-usermodel-attribute-mapper', 'department', async () => {
      await page.getByLabel('User attribute').fill('department');
      await page.getByLabel('Token claim name').fill('dept');
    });
    await add('oidc-usermodel-property-mapper', 'mail', async () => {
      await page.getByLabel('User attribute').selectOption('email');
      await page.getByLabel('Token claim name').fill('mail');
    });
    await add('oidc-hardcoded-claim-mapper', 'tier', async () => {
      await page.getByLabel('Claim value').fill('gold');
      await page.getByLabel('Token claim name').fill('tier');
    });
    await add('oidc-audience-mapper', 'orders api', async () => {
      await page.getByLabel('Included custom audience').fill('https://orders.example');
    });
    await add('oidc-group-membership-mapper', 'groups', async () => {
      await page.getByLabel('Full group path').uncheck();
    });
    await add('oidc-usermodel-realm-role-mapper', 'realm roles', async () => {
      await page.getByLabel('Token claim name').fill('shop_roles');
      await page.getByLabel('Add to ID token').uncheck();
    });
    await add('oidc-usermodel-client-role-mapper', 'client roles', async () => {
      await page.getByLabel('Client ID', { exact: true }).selectOption('rp-code');
      await page.getByLabel('Token claim name').fill('app_roles');
    });
    await screenshot(page, 'console-client-scope-mappers');

    const mappers = await kc.clientScopes.listProtocolMappers({ id });
    const byName = Object.fromEntries(mappers.map((m) => [m.name, m]));
    assert.equal(mappers.length, 7);
    assert.equal(byName.department.protocolMapper, 'oidc-usermodel-attribute-mapper');
    assert.equal(byName.department.config?.['user.attribute'], 'department');
    assert.equal(byName.mail.config?.['user.attribute'], 'email');
    assert.equal(byName.tier.config?.['claim.value'], 'gold');
    assert.equal(byName['orders api'].config?.['included.custom.audience'], 'https://orders.example');
    assert.equal(byName['orders api'].config?.['id.token.claim'], 'false');
    assert.equal(byName.groups.config?.['full.path'], 'false');
    assert.equal(byName['realm roles'].config?.['id.token.claim'], 'false');
    assert.equal(byName['client roles'].config?.['usermodel.clientRoleMapping.clientId'], 'rp-code');

    // Edited in place: the tier changes.
    await page.getByRole('button', { name: 'tier', exact: true }).click();
    await page.getByRole('heading', { name: 'Mapper tier' }).waitFor();
    assert.equal(await page.getByLabel('Claim value').inputValue(), 'gold');
    await page.getByLabel('Claim value').fill('platinum');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('tr[data-mapper="tier"]').waitFor();
    assert.equal((await kc.clientScopes.listProtocolMappers({ id })).find((m) => m.name === 'tier')?.config?.['claim.value'], 'platinum');

    await page.locator('tr[data-mapper="groups"]').getByRole('button', { name: 'Delete' }).click();
    await confirmDialog(page, 'Delete mapper');
    await page.locator('tr[data-mapper="groups"]').waitFor({ state: 'detached' });
    assert.equal((await kc.clientScopes.listProtocolMappers({ id })).length, 6);

    const token = await kc.clients.evaluateGenerateAccessToken({ id: ids['rp-code'], userId: ids.alice, scope: 'openid', audience: '' });
    assert.equal(token.dept, 'engines');
    assert.equal(token.mail, 'alice@example.com');
    assert.equal(token.tier, 'platinum');
    assert.ok([token.aud].flat().includes('https://orders.example'), JSON.stringify(token.aud));
  });

  it('a client\'s Client scopes tab adds, retypes and removes scopes; its Mappers tab edits the client\'s own mappers', async (t) => {
    const kc = await kcNow();
    const { id: extraId } = await kc.clientScopes.create({ name: 'extra', protocol: 'openid-connect' });
    const client = ids['rp-hybrid'];
    const { page } = await signedInConsole(s, t, `#/${REALM}/clients/${client}/client-scopes`);
    await page.locator('table.assigned-scopes tr[data-scope="profile"]').waitFor();
    assert.equal(await page.getByLabel('Type of profile').inputValue(), 'default');
    const names = async (list: 'listDefaultClientScopes' | 'listOptionalClientScopes') => (await kc.clients[list]({ id: client })).map((x) => x.name);

    await page.getByLabel('Add a client scope').selectOption({ label: 'extra' });
    await page.getByLabel('Type', { exact: true }).selectOption('optional');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('tr[data-scope="extra"]').waitFor();
    assert.ok((await names('listOptionalClientScopes')).includes('extra'));
    await screenshot(page, 'console-client-client-scopes');

    await page.getByLabel('Type of extra').selectOption('default');
    await until(async () => (await names('listDefaultClientScopes')).includes('extra'));
    assert.ok(!(await names('listOptionalClientScopes')).includes('extra'));
    // The Form tab, read again, shows the change.
    await page.getByRole('link', { name: 'Form', exact: true }).click();
    assert.match(await page.getByLabel('Default resources (scopes)').inputValue(), /\bextra\b/);

    await page.locator('nav.tabs a', { hasText: 'Client scopes' }).click();
    await page.getByRole('button', { name: 'Remove extra' }).click();
    await page.locator('tr[data-scope="extra"]').waitFor({ state: 'detached' });
    assert.ok(!(await names('listDefaultClientScopes')).includes('extra'));
    await kc.clientScopes.del({ id: extraId });

    // The client's own mappers.
    await page.getByRole('link', { name: 'Mappers', exact: true }).click();
    await page.getByText('No mappers.').waitFor();
    await page.getByLabel('Add a mapper by type').selectOption('oidc-hardcoded-claim-mapper');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('plan');
    await page.getByLabel('Claim value').fill('basic');
    await page.getByLabel('Token claim name').fill('plan');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('tr[data-mapper="plan"]').waitFor();
    const [plan] = await kc.clients.listProtocolMappers({ id: client });
    assert.equal(plan.config?.['claim.value'], 'basic');
    await screenshot(page, 'console-client-mappers');

    await page.getByRole('button', { name: 'plan', exact: true }).click();
    await page.getByLabel('Claim value').fill('premium');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('tr[data-mapper="plan"]').waitFor();
    const token = await kc.clients.evaluateGenerateAccessToken({ id: client, userId: ids.alice, scope: 'openid', audience: '' });
    assert.equal(token.plan, 'premium');

    await page.locator('tr[data-mapper="plan"]').getByRole('button', { name: 'Delete' }).click();
    await confirmDialog(page, 'Delete mapper');
    await page.getByText('No mappers.').waitFor();
    assert.deepEqual(await kc.clients.listProtocolMappers({ id: client }), []);
  });

  for (const viewport of VIEWPORTS) {
    it(`${viewport.name}: the client scope pages fit ${viewport.width} px with Sign out on screen`, async (t) => {
      const kc = await kcNow();
      const profile = (await kc.clientScopes.find()).find((x) => x.name === 'profile')!;
      const { page } = await openTab(s.browser, t);
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      await page.goto(consoleUrl(s));
      await page.waitForSelector('#username');
      await signIn(page, 'admin', ADMIN_PASSWORD);
      await page.waitForSelector('.topbar');
      const pages: Array<[string, string]> = [
        ['list', `#/${REALM}/client-scopes`],
        ['new', `#/${REALM}/client-scopes/new`],
        ['settings', `#/${REALM}/client-scopes/${profile.id}/settings`],
        ['mappers', `#/${REALM}/client-scopes/${profile.id}/mappers`],
        ['scope', `#/${REALM}/client-scopes/${profile.id}/scope`],
        ['client-scopes-tab', `#/${REALM}/clients/${ids['rp-code']}/client-scopes`],
        ['client-mappers-tab', `#/${REALM}/clients/${ids['rp-api']}/mappers`],
      ];
      for (const [name, hash] of pages) {
        const what = `console-scopes-${name}-${viewport.name}`;
        await page.goto(consoleUrl(s, hash));
        await page.waitForSelector('main h1');
        await settled(page);
        await assertFits(page, what);
        await assertWithinViewport(page, '.who button', what);
        await screenshot(page, what);
      }
      // A mapper's form, open.
      await page.goto(consoleUrl(s, `#/${REALM}/client-scopes/${profile.id}/mappers`));
      await page.getByRole('button', { name: 'family name', exact: true }).click();
      await page.getByRole('heading', { name: 'Mapper family name' }).waitFor();
      await assertFits(page, `console-scopes-mapper-form-${viewport.name}`);
      await screenshot(page, `console-scopes-mapper-form-${viewport.name}`);
    });
  }
});
