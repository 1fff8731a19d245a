// Keycloak's remember me: where the realm offers it, a checkbox on the login page; a
// remembered session lives by the realm's …RememberMe lifetimes (0: the usual ones) and its
// cookie outlives the browser; the admin API's sessions say rememberMe.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { noChromium, openTab, screenshot, signIn, type Page } from '../helpers/browser.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { REALM, startStack, type Stack } from './fixture.js';

describe('browser: remember me', { skip: noChromium }, () => {
  let s: Stack;
  let admin: AdminApi;
  let alice: string;
  const setRealm = async (changes: object) => {
    const res = await admin.put(`/realms/${REALM}`, changes);
    assert.equal(res.status, 204, res.text);
  };
  const sessionCookie = async (page: Page) => (await page.context().cookies()).find((c) => c.name === 'LATCHKEY_SESSION');
  const sessions = async () => (await admin.get(`/realms/${REALM}/users/${alice}/sessions`)).json as Array<{ id: string; rememberMe: boolean; start: number }>;

  before(async () => {
    s = await startStack();
    admin = adminApi(s.server, await masterAdminToken(s.server));
    alice = (await admin.get(`/realms/${REALM}/users?username=alice&exact=true`)).json[0].id;
  });
  after(async () => { await s?.stop(); });

  it('the realm settings are Keycloak\'s, 0 by default, in the admin API and the export', async () => {
    const realm = (await admin.get(`/realms/${REALM}`)).json;
    assert.equal(realm.rememberMe, false);
    assert.equal(realm.ssoSessionIdleTimeoutRememberMe, 0);
    assert.equal(realm.ssoSessionMaxLifespanRememberMe, 0);
    await setRealm({ rememberMe: true, ssoSessionIdleTimeoutRememberMe: 7 * 86400, ssoSessionMaxLifespanRememberMe: 30 * 86400 });
    const changed = (await admin.get(`/realms/${REALM}`)).json;
    assert.equal(changed.ssoSessionIdleTimeoutRememberMe, 7 * 86400);
    assert.equal(changed.ssoSessionMaxLifespanRememberMe, 30 * 86400);
    const exported = (await admin.post(`/realms/${REALM}/partial-export`, {})).json;
    assert.equal(exported.ssoSessionIdleTimeoutRememberMe, 7 * 86400);
    assert.equal(exported.rememberMe, true);
    assert.equal((await admin.put(`/realms/${REALM}`, { ssoSessionIdleTimeoutRememberMe: -1 })).status, 400);
  });

  it('without the box ticked: a session cookie (gone with the browser) and the usual lifetimes', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    assert.equal(await page.isChecked('#rememberMe'), false);
    await signIn(page, 'alice', 'alice-pw');
    const outcome = assertSignedIn(await flow.outcome());
    const cookie = (await sessionCookie(page))!;
    assert.equal(cookie.expires, -1, 'a session cookie');
    const mine = (await sessions()).find((x) => x.id === outcome.idToken!.sid)!;
    assert.equal(mine.rememberMe, false);
    // A second or two may pass between the session's start and the token's answer (here and below).
    assert.ok(Math.abs(Number(outcome.tokens!.refresh_expires_in) - 1800) <= 2, `the realm's ssoSessionIdleTimeout: ${outcome.tokens!.refresh_expires_in}`);
  });

  it('ticked: a persistent cookie for the remembered maximum, the remembered idle timeout, rememberMe in the admin API', async (t) => {
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    await page.check('#rememberMe');
    await screenshot(page, 'login-remember-me');
    await signIn(page, 'alice', 'alice-pw');
    const outcome = assertSignedIn(await flow.outcome());
    const cookie = (await sessionCookie(page))!;
    const lifetime = cookie.expires - Date.now() / 1000;
    assert.ok(lifetime > 29 * 86400 && lifetime <= 30 * 86400 + 5, `cookie lasts ${lifetime} s`);
    const mine = (await sessions()).find((x) => x.id === outcome.idToken!.sid)!;
    assert.equal(mine.rememberMe, true);
    assert.ok(Math.abs(Number(outcome.tokens!.refresh_expires_in) - 7 * 86400) <= 2,
      `the realm's ssoSessionIdleTimeoutRememberMe: ${outcome.tokens!.refresh_expires_in}`);

    // The browser closed and opened again: the cookie is still there, and so is the sign-in.
    const state = await page.context().storageState();
    const reopened = await s.browser.newContext({ storageState: { cookies: state.cookies.filter((c) => c.expires !== -1), origins: [] } });
    t.after(() => reopened.close());
    const again = await reopened.newPage();
    const second = await s.rp.start({ clientId: 'rp-code' });
    await again.goto(second.url);
    assert.equal(assertSignedIn(await second.outcome()).idToken!.sid, outcome.idToken!.sid);
  });

  it('a realm without remember me shows no box, and a forged rememberMe field is ignored', async (t) => {
    await setRealm({ rememberMe: false });
    const { page } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await page.goto(flow.url);
    await page.waitForSelector('#kc-form-login');
    assert.equal(await page.$('#rememberMe'), null);
    await page.evaluate(() => {
      const input = Object.assign(document.createElement('input'), { type: 'hidden', name: 'rememberMe', value: 'on' });
      document.querySelector('#kc-form-login')!.append(input);
    });
    await signIn(page, 'alice', 'alice-pw');
    const outcome = assertSignedIn(await flow.outcome());
    assert.equal((await sessionCookie(page))!.expires, -1);
    assert.equal((await sessions()).find((x) => x.id === outcome.idToken!.sid)!.rememberMe, false);
  });
});
