// Every response type, each response mode a provider may answer in, PKCE on and off, and
// client_secret_post, _basic and public clients: a user signs in to the downstream app at
// Latchkey A through (1) a second Latchkey server and (2) oidc-provider, in Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { noChromium, openTab, screenshot } from '../helpers/browser.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { ALL_RESPONSE_TYPES } from './upstreams.js';
import {
  atB, atOp, errorPageText, HOME, homeUser, signInVia, startBrokerStack, throughProvider, type BrokerStack, type ProviderSpec, type UpstreamLogin,
} from './fixture.js';

const slug = (responseType: string) => responseType.replace(/ /g, '-');

type Case = { spec: ProviderSpec; title: string };

function cases(upstream: 'b' | 'op'): Case[] {
  const list: Case[] = ALL_RESPONSE_TYPES.map((responseType) => ({
    spec: { alias: `${upstream}-${slug(responseType)}`, upstream, responseType },
    title: `${responseType}${responseType.includes('code') ? ' with PKCE' : ''}, ${responseType === 'code' ? 'query' : 'fragment'}`,
  }));
  list.push(
    { spec: { alias: `${upstream}-code-nopkce`, upstream, pkce: false }, title: 'code without PKCE (a confidential client)' },
    { spec: { alias: `${upstream}-public-pkce`, upstream, client: 'public' }, title: 'code with PKCE for a public client (no secret)' },
    { spec: { alias: `${upstream}-code-basic`, upstream, client: 'basic' }, title: 'code, the client authenticating with client_secret_basic' },
    { spec: { alias: `${upstream}-code-form_post`, upstream, responseMode: 'form_post' }, title: 'code in form_post' },
    { spec: { alias: `${upstream}-id_token-form_post`, upstream, responseType: 'id_token', responseMode: 'form_post' }, title: 'id_token in form_post' },
    { spec: { alias: `${upstream}-hybrid-form_post`, upstream, responseType: 'code id_token token', responseMode: 'form_post' }, title: 'code id_token token in form_post' },
  );
  return list;
}

const refusedWithoutPkce = (upstream: 'b' | 'op'): ProviderSpec => ({ alias: `${upstream}-public-nopkce`, upstream, client: 'public', pkce: false });

describe('broker: response types, modes and PKCE', { skip: noChromium, concurrency: 4 }, () => {
  let s: BrokerStack;
  const all = [...cases('b'), ...cases('op')];
  before(async () => {
    s = await startBrokerStack([...all.map((c) => c.spec), refusedWithoutPkce('b'), refusedWithoutPkce('op')]);
  });
  after(async () => { await s?.stop(); });

  let n = 0;
  /** A fresh upstream account for each sign-in, so every one is a first sign-in (JIT). */
  async function account(upstream: 'b' | 'op') {
    const i = ++n;
    const username = `${upstream}-user-${i}`;
    const email = `${username}@upstream.example`;
    const department = `dept-${i}`;
    if (upstream === 'b') {
      const id = await s.addUpstreamUser(username, { email, emailVerified: true, firstName: `First${i}`, lastName: `Last${i}`, attributes: { department: [department] } });
      return { username, email, department, given: `First${i}`, family: `Last${i}`, subject: id, login: atB(username) };
    }
    s.op.accounts.set(username, { email, given_name: `First${i}`, family_name: `Last${i}`, department });
    return { username, email, department, given: `First${i}`, family: `Last${i}`, subject: username, login: atOp(username) as UpstreamLogin };
  }

  for (const { spec, title } of all) {
    it(`${spec.upstream === 'b' ? 'Latchkey' : 'oidc-provider'}: ${title}`, async (t) => {
      const tab = await openTab(s.browser, t);
      const posts: string[] = [];
      tab.page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes(`/broker/${spec.alias}/endpoint`)) posts.push(r.url()); });
      const who = await account(spec.upstream);
      const o = assertSignedIn(await signInVia(s, tab, spec.alias, who.login));
      const id = o.idToken!;
      assert.equal(id.email, who.email);
      assert.equal(id.given_name, who.given);
      assert.equal(id.family_name, who.family);
      assert.equal(id.department, who.department, 'the mapped claim reached the downstream app');
      assert.equal(id.iss, s.issuer);

      const user = await homeUser(s, who.username);
      assert.ok(user, `A created the user ${who.username}`);
      assert.equal(id.sub, user.id, 'the app sees A\'s user, not the upstream one');
      assert.deepEqual(user.attributes, { department: [who.department] });
      const links = await s.aAdmin.get(`/realms/${HOME}/users/${user.id}/federated-identity`);
      assert.deepEqual(links.json, [{ identityProvider: spec.alias, userId: who.subject, userName: who.username }]);
      const type = spec.responseType ?? 'code';
      const expectedPosts = spec.responseMode === 'form_post'
        // oidc-provider is another site (127.0.0.1): its form_post comes without A's cookies, and A's page posts it again.
        ? (spec.upstream === 'op' ? 2 : 1)
        // A fragment is posted back by A's page; a query response is a GET.
        : type === 'code' ? 0 : 1;
      assert.equal(posts.length, expectedPosts, `POSTs to the callback: ${posts.join(', ')}`);
      // oidc-provider's pages fetch web fonts, which the test machine cannot reach: only other errors count.
      assert.deepEqual(tab.consoleErrors.filter((e) => !e.startsWith('Failed to load resource')), [], 'no page script failed, no CSP violation');
    });
  }

  for (const upstream of ['b', 'op'] as const) {
    it(`${upstream === 'b' ? 'Latchkey' : 'oidc-provider'}: a public client without PKCE is refused by the upstream, on a clear page`, async (t) => {
      const tab = await openTab(s.browser, t);
      const f = await throughProvider(s, tab, `${upstream}-public-nopkce`);
      const text = await errorPageText(tab.page);
      assert.match(text, /refused the sign-in/, text);
      assert.match(text, /invalid_request/);
      await screenshot(tab.page, `broker-refused-${upstream}`);
      assert.equal(f.received, false, 'nothing reached the app');
      const back = await tab.page.getAttribute('#kc-error-link', 'href');
      assert.match(back ?? '', /\/login-actions\/authenticate\?interaction=/);
    });
  }
});
