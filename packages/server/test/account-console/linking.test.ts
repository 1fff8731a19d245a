// Keycloak's client-initiated account linking, from the account console's Linked accounts
// page: the account API's link URL, the provider's sign-in, and the link made for the user
// of this browser's session; a link URL for another session, or a forged one, is refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { noChromium, openTab, screenshot, signIn } from '../helpers/browser.js';
import { send } from '../helpers/http.js';
import { opSignIn } from '../broker/upstreams.js';
import { HOME, homeUser, startBrokerStack, type BrokerStack } from '../broker/fixture.js';

describe('account console: linking an identity provider', { skip: noChromium }, () => {
  let s: BrokerStack;
  before(async () => {
    s = await startBrokerStack([{ alias: 'op-link', upstream: 'op', rep: { displayName: 'Partner OP' } }]);
    // Made through the admin API, so with the realm's default roles (and so the account roles), as a new user has them.
    for (const username of ['lena', 'mona']) {
      await s.aAdmin.create(`/realms/${HOME}/users`, {
        username, enabled: true, email: `${username}@example.com`, firstName: username, lastName: 'Home',
        credentials: [{ type: 'password', value: `${username}-pw`, temporary: false }],
      });
    }
  });
  after(async () => { await s?.stop(); });
  const accountUrl = () => `http://localhost:${s.a.port}/realms/${HOME}/account/`;

  it('Link account: the provider\'s sign-in, then back on the page with the account linked, and FEDERATED_IDENTITY_LINK', async (t) => {
    const { page } = await openTab(s.browser, t);
    await page.goto(accountUrl());
    await page.waitForSelector('#kc-form-login');
    await signIn(page, 'lena', 'lena-pw');
    await page.waitForSelector('#account-page-title');
    await page.click('#nav-linked-accounts');
    await page.waitForSelector('#link-op-link');
    assert.match(await page.textContent('#linked-op-link') ?? '', /Not linked/);
    await page.click('#link-op-link');
    await page.waitForSelector('input[name="login"]');
    await opSignIn(page, 'lena-at-op');
    await page.waitForSelector('#unlink-op-link');
    assert.match(await page.textContent('#linked-op-link') ?? '', /Linked as lena-at-op/);
    await screenshot(page, 'account-linked-accounts-after-link');
    const lena = await homeUser(s, 'lena');
    const links = (await s.aAdmin.get(`/realms/${HOME}/users/${lena.id}/federated-identity`)).json;
    assert.deepEqual(links.map((l: { identityProvider: string; userName: string }) => [l.identityProvider, l.userName]), [['op-link', 'lena-at-op']]);
    const events = (await s.aAdmin.get(`/realms/${HOME}/events?type=FEDERATED_IDENTITY_LINK&user=${lena.id}`)).json;
    assert.equal(events.length, 1);
  });

  it('a link URL is refused without the session it was made for, and with a forged hash', async (t) => {
    const { page, context } = await openTab(s.browser, t);
    const link = new URL(`${s.a.issuer(HOME)}/broker/op-link/link`);
    link.search = new URLSearchParams({ client_id: 'account-console', redirect_uri: accountUrl(), nonce: 'n', hash: 'forged' }).toString();
    const anonymous = await send(link.href, { redirect: 'manual' });
    assert.equal(anonymous.status, 400);
    await page.goto(accountUrl());
    await page.waitForSelector('#kc-form-login');
    await signIn(page, 'mona', 'mona-pw');
    await page.waitForSelector('#account-page-title');
    const cookie = (await context.cookies()).filter((c) => c.name.startsWith('LATCHKEY_SESSION')).map((c) => `${c.name}=${c.value}`).join('; ');
    const forged = await send(link.href, { headers: { cookie }, redirect: 'manual' });
    assert.equal(forged.status, 400);
    assert.match(forged.text, /not for this session/);
  });
});
