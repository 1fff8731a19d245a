// The sign-in pages as a person meets them, in Chromium at a desktop's and a phone's size, in
// English and German: they fit the screen, their colours reach WCAG AA (borders and focus
// rings 3:1), a failed password leaves the cursor in the password field, the pages that act
// for a signed-in account say whose it is with a way out ("not you?"), the logged-out page
// leads back to the application, and an unknown realm is a page (JSON for API clients).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken } from '../admin/fixture.js';
import { noChromium, openTab, screenshot, signIn, type Page } from '../helpers/browser.js';
import { assertContrast, assertFits, LANGUAGES, VIEWPORTS } from '../helpers/layout.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { REALM, startStack, type Stack } from './fixture.js';

const TEXTS = {
  en: { signedInAs: 'Signed in as', notYou: 'Not you?', back: 'Back to Code RP', noRealm: 'There is no realm “nowhere” here.' },
  de: { signedInAs: 'Angemeldet als', notYou: 'Nicht Sie?', back: 'Zurück zu Code RP', noRealm: 'Hier gibt es keinen Realm „nowhere“.' },
};

describe('browser: the pages at two sizes in two languages', { skip: noChromium, concurrency: 4 }, () => {
  let s: Stack;
  before(async () => {
    s = await startStack();
    // carol's password is temporary: after it, the update-password page.
    const admin = adminApi(s.server, await masterAdminToken(s.server));
    const made = await admin.post(`/realms/${REALM}/users`, {
      username: 'carol', enabled: true, firstName: 'Carol', credentials: [{ type: 'password', value: 'carol-temp', temporary: true }],
    });
    assert.equal(made.status, 201);
  });
  after(async () => { await s?.stop(); });

  const focused = (page: Page) => page.evaluate(() => document.activeElement?.id);

  for (const viewport of VIEWPORTS) {
    for (const { locale, lang } of LANGUAGES) {
      const texts = TEXTS[lang];
      const name = (page: string) => `pages-${page}-${viewport.name}-${lang}`;
      const open = async (t: Parameters<typeof openTab>[1]) => {
        const tab = await openTab(s.browser, t, { locale });
        await tab.page.setViewportSize({ width: viewport.width, height: viewport.height });
        return tab;
      };

      it(`${viewport.name}, ${lang}: the login page fits and reads well, light and dark; a wrong password leaves the cursor in the password field`, async (t) => {
        const { page } = await open(t);
        const flow = await s.rp.start({ clientId: 'rp-code' });
        await page.goto(flow.url);
        await page.waitForSelector('#kc-form-login');
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        assert.equal(await focused(page), 'username');
        await assertFits(page, name('login'));
        await assertContrast(page, name('login'), ['#username', '#password']);
        await screenshot(page, name('login'));

        await page.fill('#username', 'alice');
        await page.fill('#password', 'not-her-password');
        await page.click('#kc-login');
        await page.waitForSelector('#input-error');
        assert.equal(await page.inputValue('#username'), 'alice');
        assert.equal(await page.inputValue('#password'), '');
        assert.equal(await focused(page), 'password', 'the empty password is where the cursor is');
        await assertFits(page, name('login-error'));
        await assertContrast(page, name('login-error'), ['#password']);
        await screenshot(page, name('login-error'));

        await page.emulateMedia({ colorScheme: 'dark' });
        await assertContrast(page, name('login-error-dark'), ['#username', '#password']);
        await screenshot(page, name('login-error-dark'));
        await page.emulateMedia({ colorScheme: 'light' });

        await page.keyboard.type('alice-pw');
        await page.keyboard.press('Enter');
        assertSignedIn(await flow.outcome());
      });

      it(`${viewport.name}, ${lang}: consent says who is signed in; "not you?" ends that session and asks for a sign-in`, async (t) => {
        const { page } = await open(t);
        const code = await s.rp.start({ clientId: 'rp-code' });
        await page.goto(code.url);
        await signIn(page);
        assertSignedIn(await code.outcome());

        // address: never accepted in this suite, so consent is owed.
        const flow = await s.rp.start({ clientId: 'rp-consent', scope: 'openid address' });
        await page.goto(flow.url);
        await page.waitForSelector('#kc-consent-items');
        assert.equal((await page.locator('.account-name').textContent())?.trim(), `${texts.signedInAs} Alice Liddell (alice)`);
        assert.equal((await page.locator('#kc-not-you-button').textContent())?.trim(), texts.notYou);
        await assertFits(page, name('consent'));
        await assertContrast(page, name('consent'), []);
        await screenshot(page, name('consent'));

        await page.click('#kc-not-you-button');
        await page.waitForSelector('#kc-form-login');
        // The session is gone: another client's request asks for a sign-in too.
        const again = await s.rp.start({ clientId: 'rp-code' });
        await page.goto(again.url);
        await page.waitForSelector('#kc-form-login');
        // The consent request itself goes on once somebody signs in (declined: consent stays owed for the others).
        await page.goto(flow.url);
        await signIn(page);
        await page.waitForSelector('#kc-consent-items');
        await page.click('#kc-cancel');
        assert.equal((await flow.outcome()).error, 'access_denied');
      });

      it(`${viewport.name}, ${lang}: the update-password page says whose password it is, with "not you?"`, async (t) => {
        const { page } = await open(t);
        const flow = await s.rp.start({ clientId: 'rp-code' });
        await page.goto(flow.url);
        await signIn(page, 'carol', 'carol-temp');
        await page.waitForSelector('#kc-passwd-update-form');
        assert.equal((await page.locator('.account-name').textContent())?.trim(), `${texts.signedInAs} Carol (carol)`);
        await assertFits(page, name('update-password'));
        await assertContrast(page, name('update-password'), ['#password-new']);
        await screenshot(page, name('update-password'));
        await page.click('#kc-not-you-button');
        await page.waitForSelector('#kc-form-login');
        assert.equal(await page.inputValue('#username'), '');
      });

      it(`${viewport.name}, ${lang}: signing out says whose session ends; the logged-out page leads back to the application`, async (t) => {
        const { page } = await open(t);
        const flow = await s.rp.start({ clientId: 'rp-code' });
        await page.goto(flow.url);
        await signIn(page);
        assertSignedIn(await flow.outcome());

        // client_id without id_token_hint: confirmed on a page, no redirect afterwards.
        await page.goto(`${s.issuer}/protocol/openid-connect/logout?client_id=rp-code`);
        await page.waitForSelector('#kc-logout-confirm');
        assert.equal((await page.locator('.account-name').textContent())?.trim(), `${texts.signedInAs} Alice Liddell (alice)`);
        await assertFits(page, name('logout-confirm'));
        await assertContrast(page, name('logout-confirm'), []);
        await screenshot(page, name('logout-confirm'));
        await page.click('#kc-logout');
        await page.waitForSelector('#kc-logged-out');
        const back = page.locator('#kc-back-to-app');
        assert.equal((await back.textContent())?.trim(), texts.back);
        assert.equal(await back.getAttribute('href'), `${new URL(s.rp.redirectUri).origin}/`);
        await assertFits(page, name('logged-out'));
        await assertContrast(page, name('logged-out'), []);
        await screenshot(page, name('logged-out'));

        // Without a client there is nothing to go back to: no link.
        await page.goto(`${s.issuer}/protocol/openid-connect/logout`);
        await page.click('#kc-logout');
        await page.waitForSelector('#kc-logged-out');
        assert.equal(await page.locator('#kc-back-to-app').count(), 0);
        assert.equal(await page.locator('#kc-account').count(), 0, 'nobody was signed in');
      });

      it(`${viewport.name}, ${lang}: an unknown realm is the error page`, async (t) => {
        const { page } = await open(t);
        const response = await page.goto(`http://localhost:${s.server.port}/realms/nowhere/protocol/openid-connect/auth?client_id=app`);
        assert.equal(response!.status(), 404);
        assert.match(response!.headers()['content-type'] ?? '', /^text\/html/);
        assert.match(await page.locator('#kc-error-message').textContent() ?? '', new RegExp(texts.noRealm.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        await assertFits(page, name('unknown-realm'));
        await assertContrast(page, name('unknown-realm'), []);
        await screenshot(page, name('unknown-realm'));
      });
    }
  }

  it('an unknown realm stays JSON for protocol and API clients (Accept decides)', async () => {
    const url = `http://localhost:${s.server.port}/realms/nowhere/.well-known/openid-configuration`;
    for (const accept of [undefined, 'application/json', '*/*', 'application/json, text/html;q=0.5']) {
      const response = await fetch(url, { headers: accept ? { accept } : {} });
      assert.equal(response.status, 404, String(accept));
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/, String(accept));
      assert.deepEqual(await response.json(), { error: 'not_found', error_description: 'Realm does not exist' });
    }
    const page = await fetch(url, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    // A token request is never a page, whatever it accepts.
    const token = await fetch(`http://localhost:${s.server.port}/realms/nowhere/protocol/openid-connect/token`, {
      method: 'POST', headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials',
    });
    assert.equal(token.status, 404);
    assert.match(token.headers.get('content-type') ?? '', /^application\/json/);
  });
});
