// Who a brokered sign-in becomes: a user created at the first sign-in (just in time), its
// mapped claims copied then and (FORCE) at every later sign-in, an email that an account
// here has already never linked silently (linked after that account's password, or
// refused), several providers linked to one user, and the events each of these records.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { noChromium, openTab, screenshot, signIn } from '../helpers/browser.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import {
  APP, APP_CONSENT, atB, atOp, errorPageText, HOME, homeUser, signInVia, startBrokerStack, throughProvider, UPSTREAM, type BrokerStack,
} from './fixture.js';

describe('broker: accounts', { skip: noChromium, concurrency: 3 }, () => {
  let s: BrokerStack;
  before(async () => {
    s = await startBrokerStack([
      {
        alias: 'b-main', upstream: 'b',
        rep: { claimMappers: [{ name: 'department', claim: 'department', userAttribute: 'department' }, { name: 'login', claim: 'preferred_username', userAttribute: 'upstreamName' }] },
      },
      { alias: 'b-import', upstream: 'b', rep: { config: { syncMode: 'IMPORT' } } },
      { alias: 'b-refuse', upstream: 'b', rep: { emailCollision: 'refuse' } },
      { alias: 'op-main', upstream: 'op', rep: { displayName: 'OP' } },
      { alias: 'op-phone', upstream: 'op', rep: { config: { defaultScope: 'openid email profile phone' } } },
    ]);
  });
  after(async () => { await s?.stop(); });

  const events = async (type: string, userId?: string) => {
    const res = await s.aAdmin.get(`/realms/${HOME}/events?type=${type}${userId ? `&user=${userId}` : ''}`);
    assert.equal(res.status, 200, res.text);
    return res.json as Array<{ type: string; userId?: string; error?: string; details?: Record<string, string> }>;
  };
  const linksOf = async (userId: string) => (await s.aAdmin.get(`/realms/${HOME}/users/${userId}/federated-identity`)).json;

  it('the first sign-in creates the user with the mapped claims; later ones update them (FORCE)', async (t) => {
    const id = await s.addUpstreamUser('frank', {
      email: 'frank@upstream.example', emailVerified: true, firstName: 'Frank', lastName: 'Upstream', attributes: { department: ['ops'] },
    });
    const first = assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'b-main', atB('frank')));
    const user = await homeUser(s, 'frank');
    assert.equal(first.idToken!.sub, user.id);
    assert.deepEqual(
      { email: user.email, emailVerified: user.emailVerified, firstName: user.firstName, lastName: user.lastName, attributes: user.attributes },
      { email: 'frank@upstream.example', emailVerified: true, firstName: 'Frank', lastName: 'Upstream', attributes: { department: ['ops'], upstreamName: ['frank'] } },
    );
    const [created] = await events('IDENTITY_PROVIDER_FIRST_LOGIN', user.id);
    assert.equal(created.details?.identity_provider, 'b-main');
    assert.equal(created.details?.identity_provider_identity, 'frank');
    const [login] = await events('LOGIN', user.id);
    assert.equal(login.details?.identity_provider, 'b-main');

    // Changed at the provider: the next sign-in brings the change.
    const res = await s.bAdmin.put(`/realms/${UPSTREAM}/users/${id}`, {
      firstName: 'Franklin', email: 'franklin@upstream.example', attributes: { department: ['sales'] },
    });
    assert.equal(res.status, 204, res.text);
    const again = assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'b-main', atB('frank')));
    assert.equal(again.idToken!.sub, user.id, 'the same user, not a second one');
    assert.equal(again.idToken!.given_name, 'Franklin');
    assert.equal(again.idToken!.email, 'franklin@upstream.example');
    assert.equal(again.idToken!.department, 'sales');
    const updated = await homeUser(s, 'frank');
    assert.equal(updated.firstName, 'Franklin');
    assert.deepEqual(updated.attributes, { department: ['sales'], upstreamName: ['frank'] });
    assert.equal((await events('IDENTITY_PROVIDER_LOGIN', user.id)).length, 1);
    assert.equal((await events('IDENTITY_PROVIDER_FIRST_LOGIN', user.id)).length, 1);

    // A claim the provider no longer sends takes its attribute away.
    await s.bAdmin.put(`/realms/${UPSTREAM}/users/${id}`, { attributes: {} });
    await signInVia(s, await openTab(s.browser, t), 'b-main', atB('frank'));
    assert.deepEqual((await homeUser(s, 'frank')).attributes, { upstreamName: ['frank'] });
  });

  it('a later sign-in whose email another account has: the user keeps its own, and the owner still signs in by email', async (t) => {
    const owner = await s.aAdmin.create(`/realms/${HOME}/users`, {
      username: 'mia', enabled: true, email: 'mia@example.com', credentials: [{ type: 'password', value: 'mia-pw', temporary: false }],
    });
    const id = await s.addUpstreamUser('lena', { email: 'lena@upstream.example', emailVerified: true, firstName: 'Lena' });
    assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'b-main', atB('lena')));
    const lena = await homeUser(s, 'lena');

    // At the provider, Lena takes Mia's address (nobody has it there), and a new first name.
    assert.equal((await s.bAdmin.put(`/realms/${UPSTREAM}/users/${id}`, { email: 'Mia@Example.com', emailVerified: true, firstName: 'Magdalena' })).status, 204);
    const again = assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'b-main', atB('lena')));
    assert.equal(again.idToken!.sub, lena.id);
    const kept = await homeUser(s, 'lena');
    assert.deepEqual([kept.email, kept.emailVerified, kept.firstName], ['lena@upstream.example', true, 'Magdalena'], 'all but the email synced');
    const [login] = await events('IDENTITY_PROVIDER_LOGIN', lena.id);
    assert.match(login.details?.reason ?? '', /email is another account's/);
    assert.match(s.a.output(), /the provider's email is another account's here/);

    const holders = (await s.aAdmin.get(`/realms/${HOME}/users?email=mia@example.com&exact=true`)).json;
    assert.deepEqual(holders.map((u: any) => u.id), [owner]);
    const tab = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: APP.id });
    await tab.page.goto(flow.url);
    await signIn(tab.page, 'mia@example.com', 'mia-pw');
    assert.equal(assertSignedIn(await flow.outcome()).idToken!.sub, owner);
  });

  it('the default mapping copies phone_number (the provider asked for the phone scope)', async (t) => {
    s.op.accounts.set('pia', { phone_number: '+31 6 1234 5678' });
    const o = assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'op-phone', atOp('pia'), { scope: 'openid phone' }));
    const pia = await homeUser(s, 'pia');
    assert.equal(o.idToken!.sub, pia.id);
    assert.equal(o.idToken!.phone_number, '+31 6 1234 5678');
    // The admin API shows it as Keycloak does, as the attribute phoneNumber, so that an edit of what it showed keeps it.
    assert.deepEqual(pia.attributes, { phoneNumber: ['+31 6 1234 5678'] });
    const edited = await s.aAdmin.put(`/realms/${HOME}/users/${pia.id}`, { ...pia, attributes: { ...pia.attributes, team: ['blue'] } });
    assert.equal(edited.status, 204, edited.text);
    assert.deepEqual((await homeUser(s, 'pia')).attributes, { phoneNumber: ['+31 6 1234 5678'], team: ['blue'] });
  });

  it('a name without given and family names becomes the first name', async (t) => {
    s.op.accounts.set('nora', { name: 'Nora Onename', given_name: undefined, family_name: undefined });
    const o = assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'op-main', atOp('nora')));
    const nora = await homeUser(s, 'nora');
    assert.equal(o.idToken!.sub, nora.id);
    assert.deepEqual([nora.firstName, nora.lastName], ['Nora Onename', undefined]);
    assert.equal(o.idToken!.given_name, 'Nora Onename');
  });

  it('syncMode IMPORT copies the claims at the first sign-in only', async (t) => {
    const id = await s.addUpstreamUser('gina', { email: 'gina@upstream.example', firstName: 'Gina', attributes: { department: ['rnd'] } });
    assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'b-import', atB('gina')));
    await s.bAdmin.put(`/realms/${UPSTREAM}/users/${id}`, { firstName: 'Regina', attributes: { department: ['hr'] } });
    const again = assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'b-import', atB('gina')));
    assert.equal(again.idToken!.given_name, 'Gina');
    const user = await homeUser(s, 'gina');
    assert.equal(user.firstName, 'Gina');
    assert.equal(user.emailVerified, false, 'the provider did not say the email is verified');
    assert.deepEqual(user.attributes, { department: ['rnd'] });
  });

  it('an email an account has already: linked only after that account\'s password, then to more than one provider', async (t) => {
    const carol = await homeUser(s, 'carol');
    await s.addUpstreamUser('carol-up', { email: 'Carol@Example.com', firstName: 'Carol', lastName: 'Upstream' });
    const tab = await openTab(s.browser, t);
    const flow = await throughProvider(s, tab, 'b-main', atB('carol-up'));
    await tab.page.waitForSelector('#kc-link-form');
    assert.match(await tab.page.textContent('#kc-link-intro') ?? '', /Carol@Example\.com/);
    await screenshot(tab.page, 'broker-link-account');
    assert.deepEqual(await linksOf(carol.id), [], 'nothing linked before the password');
    assert.equal(await homeUser(s, 'carol-up'), undefined, 'and no second account made');

    await tab.page.fill('#password', 'not-carols-password');
    await tab.page.click('#kc-link');
    await tab.page.waitForSelector('#input-error');
    assert.deepEqual(await linksOf(carol.id), []);
    assert.equal((await events('FEDERATED_IDENTITY_LINK_ERROR', carol.id))[0]?.error, 'invalid_user_credentials');

    await tab.page.fill('#password', 'carol-pw');
    await tab.page.click('#kc-link');
    const o = assertSignedIn(await flow.outcome());
    assert.equal(o.idToken!.sub, carol.id, 'signed in as the existing account');
    assert.deepEqual((await linksOf(carol.id)).map((l: any) => [l.identityProvider, l.userName]), [['b-main', 'carol-up']]);
    assert.equal((await events('FEDERATED_IDENTITY_LINK', carol.id))[0]?.details?.identity_provider, 'b-main');

    // Linked now: straight in, no page about linking.
    const direct = assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'b-main', atB('carol-up')));
    assert.equal(direct.idToken!.sub, carol.id);

    // A second provider, linked the same way.
    s.op.accounts.set('carol-op', { email: 'carol@example.com', given_name: 'Carol' });
    const other = await openTab(s.browser, t);
    const second = await throughProvider(s, other, 'op-main', atOp('carol-op'));
    await other.page.fill('#password', 'carol-pw');
    await other.page.click('#kc-link');
    assert.equal(assertSignedIn(await second.outcome()).idToken!.sub, carol.id);
    assert.deepEqual((await linksOf(carol.id)).map((l: any) => l.identityProvider), ['b-main', 'op-main']);
  });

  it('the link page\'s Cancel goes back to the sign-in page, where the password still works', async (t) => {
    await s.addUpstreamUser('ellen-up', { email: 'ellen@example.com' });
    const tab = await openTab(s.browser, t);
    const flow = await throughProvider(s, tab, 'b-main', atB('ellen-up'));
    await tab.page.click('#kc-cancel');
    await tab.page.waitForSelector('#kc-form-login');
    await signIn(tab.page, 'ellen', 'ellen-pw');
    const ellen = await homeUser(s, 'ellen');
    assert.equal(assertSignedIn(await flow.outcome()).idToken!.sub, ellen.id);
    assert.deepEqual(await linksOf(ellen.id), []);
  });

  it('emailCollision refuse: a clear page, and nothing linked or created', async (t) => {
    const dora = await homeUser(s, 'dora');
    await s.addUpstreamUser('dora-up', { email: 'dora@example.com' });
    const tab = await openTab(s.browser, t);
    const flow = await throughProvider(s, tab, 'b-refuse', atB('dora-up'));
    assert.match(await errorPageText(tab.page), /An account with the email address of your Upstream b-refuse account exists already/);
    await screenshot(tab.page, 'broker-email-exists');
    assert.equal(flow.received, false);
    assert.deepEqual(await linksOf(dora.id), []);
    assert.equal(await homeUser(s, 'dora-up'), undefined);
    const [refused] = await events('IDENTITY_PROVIDER_LOGIN_ERROR', dora.id);
    assert.equal(refused.error, 'federated_identity_account_exists');
  });

  it('a username taken here: the new user is named by the email instead', async (t) => {
    await s.addUpstreamUser('dora', { email: 'dora@upstream.example', firstName: 'Other Dora' });
    const o = assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'b-main', atB('dora')));
    const user = await homeUser(s, 'dora@upstream.example');
    assert.equal(o.idToken!.sub, user.id);
    assert.equal(o.idToken!.preferred_username, 'dora@upstream.example');
    assert.notEqual(user.id, (await homeUser(s, 'dora')).id);
  });

  it('ends as a password sign-in does: consent when the app asks for it', async (t) => {
    await s.addUpstreamUser('ivan', { email: 'ivan@upstream.example' });
    const tab = await openTab(s.browser, t);
    const flow = await throughProvider(s, tab, 'b-main', atB('ivan'), { clientId: APP_CONSENT.id, scope: 'openid profile email' });
    await tab.page.waitForSelector('#kc-consent-form');
    await tab.page.click('#kc-login');
    const o = assertSignedIn(await flow.outcome());
    assert.equal(o.idToken!.sub, (await homeUser(s, 'ivan')).id);
  });

  it('a linked user disabled here is refused', async (t) => {
    await s.addUpstreamUser('hank', { email: 'hank@upstream.example' });
    assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'b-main', atB('hank')));
    const hank = await homeUser(s, 'hank');
    assert.equal((await s.aAdmin.put(`/realms/${HOME}/users/${hank.id}`, { enabled: false })).status, 204);
    const tab = await openTab(s.browser, t);
    const flow = await throughProvider(s, tab, 'b-main', atB('hank'));
    assert.match(await errorPageText(tab.page), /disabled/);
    assert.equal(flow.received, false);
  });

  it('an SSO session begun at a provider serves prompt=none without going there again', async (t) => {
    await s.addUpstreamUser('jade', { email: 'jade@upstream.example' });
    const tab = await openTab(s.browser, t);
    const first = assertSignedIn(await signInVia(s, tab, 'b-main', atB('jade')));
    const seen = tab.navigations.length;
    const flow = await s.rp.start({ clientId: 'app', params: { prompt: 'none' } });
    await tab.page.goto(flow.url);
    const o = assertSignedIn(await flow.outcome());
    assert.equal(o.idToken!.sub, first.idToken!.sub);
    assert.ok(!tab.navigations.slice(seen).some((u) => u.includes(`:${s.b.port}/`)), 'B was not visited');
  });
});
