// The console speaks the browser's language: a German browser gets German labels on the
// main pages (at a phone's size, where longer words must still fit), an English one
// English; the switcher in the bar changes the language (Dutch and French as well) and the
// choice outlasts a reload.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken } from '../admin/fixture.js';
import { REALM, startStack, type Stack } from '../browser/fixture.js';
import { noChromium, openTab, screenshot, signIn, type Page } from '../helpers/browser.js';
import { assertFits, assertWithinViewport, VIEWPORTS } from '../helpers/layout.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { consoleUrl, cspViolations } from './fixture.js';

const PHONE = VIEWPORTS.find((v) => v.name === 'phone')!;

/** Words of the English catalogue that no German page shows (the realm's own data aside). */
const ENGLISH = new RegExp(`\\b(${[
  'Create', 'Search', 'Enabled', 'Disabled', 'Loading', 'Users', 'Sign out', 'Client applications', 'Client scopes', 'Description', 'Settings',
  'Realm settings', 'Add', 'Save', 'Type',
  // The realm's second factor, login switches, password policy and mail server; a client's logout and authentication; a user's second factors.
  'Second factors?', 'One-time code', 'Hash algorithm', 'Digits', 'User registration', 'Forgot password', 'Remember me', 'Password policy', 'Email',
  'Reply to', 'Test connection', 'Client authentication', 'Request objects', 'Device authorization', 'session required', 'Kind', 'Added', 'Remove',
].join('|')})\\b`);

describe('admin console: languages', { skip: noChromium }, () => {
  let s: Stack;
  let clientUuid: string;
  let aliceId: string;
  before(async () => {
    s = await startStack();
    const admin = adminApi(s.server, await masterAdminToken(s.server));
    clientUuid = (await admin.get(`/realms/${REALM}/clients?clientId=rp-code`)).json[0].id;
    aliceId = (await admin.get(`/realms/${REALM}/users?username=alice&exact=true`)).json[0].id;
  });
  after(async () => { await s?.stop(); });

  async function signedIn(page: Page) {
    await page.setViewportSize({ width: PHONE.width, height: PHONE.height });
    await page.goto(consoleUrl(s));
    await page.waitForSelector('#username');
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.waitForSelector('.topbar');
  }

  /** The page's own words: every text and label in main, the realm's data in table cells left out. */
  const uiText = (page: Page) => page.evaluate(() => {
    const main = document.querySelector('main')!;
    const words: string[] = [...main.querySelectorAll('[aria-label], [placeholder]')]
      .flatMap((e) => [e.getAttribute('aria-label') ?? '', e.getAttribute('placeholder') ?? '']);
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement?.closest('tbody td, h1 small, option')) words.push(node.textContent ?? '');
    }
    return words.join(' ');
  });

  async function show(page: Page, hash: string, heading: string) {
    await page.goto(consoleUrl(s, hash));
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.waitForFunction(() => !document.querySelector('main .loading'));
  }

  it('de: German labels on the realm list, clients, users, client scopes, realm settings, a client\'s form and a user\'s credentials, fitting 390 px', async (t) => {
    const tab = await openTab(s.browser, t, { locale: 'de-DE' });
    const { page } = tab;
    await signedIn(page);
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    assert.equal(await page.title(), 'Latchkey-Administrationskonsole');
    // The realm list: the switcher, with its way to a new realm.
    assert.deepEqual(await page.locator('.realm-switcher select option').allTextContents(), ['Latchkey (master)', 'Web Test Realm (web)', '+ Realm anlegen…']);
    assert.equal(await page.locator('.realm-switcher span').textContent(), 'Realm');
    assert.deepEqual(await page.locator('nav.sidebar a').allTextContents(), [
      'Client-Anwendungen', 'Client-Scopes', 'Benutzer', 'Rollen', 'Gruppen', 'Identitätsanbieter', 'Realm-Einstellungen', 'Schlüssel', 'Client-Richtlinien', 'Ereignisse',
    ]);
    assert.equal(await page.locator('.who button').textContent(), 'Abmelden');

    const pages: Array<[string, string, string, string[]]> = [
      ['realm-new', `#/${REALM}/new-realm`, 'Realm anlegen', ['Name des Realms', 'Anzeigename', 'Realm-Datei']],
      ['clients', `#/${REALM}/clients`, 'Client-Anwendungen', ['Client-ID', 'Titel', 'Grant-Typen', 'Client-Anwendung anlegen']],
      ['users', `#/${REALM}/users`, 'Benutzer', ['Benutzername', 'E-Mail', 'Benutzer anlegen', 'Aktiviert']],
      ['client-scopes', `#/${REALM}/client-scopes`, 'Client-Scopes', ['Zugewiesene Art', 'Protokoll', 'Beschreibung', 'Client-Scope anlegen', 'Standard']],
      ['realm-settings', `#/${REALM}/settings`, 'Realm-Einstellungen web', [
        'Allgemein', 'Sitzungen', 'Speichern', 'Zweiter Faktor', 'Passwortrichtlinie', 'Benutzerregistrierung', 'Verbindung testen',
      ]],
      ['client-form', `#/${REALM}/clients/${clientUuid}/form`, 'Code RP rp-code', [
        'Abmeldung', 'Back-Channel-URL', 'Client-Authentifizierung und Anfragen', 'JWKS-URL', 'Request-Objekte', 'Geräteautorisierung (Device Code)',
      ]],
      ['user-credentials', `#/${REALM}/users/${aliceId}/credentials`, 'alice Alice Liddell', [
        'Neues Passwort', 'Zweite Faktoren', 'Keine: alice meldet sich nur mit einem Passwort an.',
      ]],
    ];
    for (const [name, hash, heading, labels] of pages) {
      await show(page, hash, heading);
      // Labels as written (table heads show in capitals); English in any case.
      const text = await page.locator('main').textContent() ?? '';
      for (const label of labels) assert.ok(text.includes(label), `${name}: ${label} is on the page`);
      const english = ENGLISH.exec(await uiText(page));
      assert.equal(english, null, `${name}: English left: ${english?.[0]}`);
      await assertFits(page, `console-de-${name}`);
      await assertWithinViewport(page, '.who button', `console-de-${name}`);
      await screenshot(page, `console-de-${name}-phone`);
    }
    // A client's page and a scope's mappers, with the tabs the longer German words widen.
    const clientLink = page.getByRole('link', { name: 'rp-code', exact: true });
    await show(page, `#/${REALM}/clients`, 'Client-Anwendungen');
    await clientLink.click();
    await page.locator('nav.tabs a', { hasText: 'Client-Scopes' }).click();
    await page.getByLabel('Client-Scope hinzufügen').waitFor();
    await assertFits(page, 'console-de-client-scopes-tab');
    await screenshot(page, 'console-de-client-scopes-tab-phone');
    // A check made in the page, in German.
    await show(page, `#/${REALM}/client-scopes/new`, 'Client-Scope anlegen');
    await page.getByRole('button', { name: 'Anlegen', exact: true }).click();
    await page.locator('[data-field="name"] .field-error', { hasText: 'Geben Sie den Namen des Scopes ein.' }).waitFor();
    assert.deepEqual(cspViolations(tab), []);
  });

  it('en by default; the switcher changes the language, and the choice outlasts a reload', async (t) => {
    const { page } = await openTab(s.browser, t, { locale: 'en-US' });
    await signedIn(page);
    await show(page, `#/${REALM}/users`, 'Users');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('heading', { level: 1, name: 'Benutzer' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    assert.equal(await page.locator('.who button').textContent(), 'Abmelden');
    await assertFits(page, 'console-switched-to-de');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Benutzer' }).waitFor();
    // Dutch and French too, each loaded when chosen, fitting the phone.
    for (const [lang, label, users] of [['nl', 'Sprache', 'Gebruikers'], ['fr', 'Taal', 'Utilisateurs']]) {
      await page.getByLabel(label).selectOption(lang);
      await page.getByRole('heading', { level: 1, name: users }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      await assertFits(page, `console-switched-to-${lang}`);
      await screenshot(page, `console-users-${lang}-phone`);
    }
    await page.getByLabel('Langue').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  });
});
