// What goes wrong on the way through an identity provider ends on a clear page of A's,
// never a 500 and never a sign-in: the user cancelling or refusing there (access_denied),
// a tampered or replayed state, a response carried to another browser, an ID token that
// the provider's keys did not sign, a provider that cannot be reached.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMetadataProxy } from './upstreams.js';
import type { Route } from 'playwright-core';
import { noChromium, openTab, screenshot, signIn } from '../helpers/browser.js';
import { send } from '../helpers/http.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { atB, atOp, errorPageText, HOME, signInVia, startBrokerStack, throughProvider, type BrokerStack } from './fixture.js';

describe('broker: errors', { skip: noChromium, concurrency: 3 }, () => {
  let s: BrokerStack;
  before(async () => {
    s = await startBrokerStack([
      { alias: 'op-code', upstream: 'op' },
      { alias: 'op-form-post', upstream: 'op', responseMode: 'form_post' },
      { alias: 'op-id_token', upstream: 'op', responseType: 'id_token' },
      { alias: 'b-code', upstream: 'b' },
      { alias: 'b-consent', upstream: 'b', client: 'consent' },
      { alias: 'op-other-keys', upstream: 'op', metadata: 'other-keys' },
      { alias: 'op-other-keys-implicit', upstream: 'op', responseType: 'id_token', metadata: 'other-keys' },
    ], { opAliases: ['op-gone'] });
  });
  after(async () => { await s?.stop(); });

  const lastError = async (alias: string) => {
    const res = await s.aAdmin.get(`/realms/${HOME}/events?type=IDENTITY_PROVIDER_LOGIN_ERROR`);
    return (res.json as Array<{ error?: string; details?: Record<string, string> }>).find((e) => e.details?.identity_provider === alias);
  };

  /** The app's request, up to the provider's login page. */
  async function toProvider(t: Parameters<typeof openTab>[1], alias: string) {
    const tab = await openTab(s.browser, t);
    return { ...tab, flow: await throughProvider(s, tab, alias) };
  }

  it('access_denied at oidc-provider (Cancel): a clear page, and back on the sign-in page the user can go on', async (t) => {
    const { page, flow } = await toProvider(t, 'op-code');
    await page.click('text=[ Cancel ]');
    const text = await errorPageText(page);
    assert.match(text, /The sign-in with Upstream op-code was cancelled or not allowed/);
    await screenshot(page, 'broker-access-denied');
    assert.equal((await lastError('op-code'))?.error, 'access_denied');
    await page.click('#kc-error-link');
    await signIn(page, 'carol', 'carol-pw');
    assertSignedIn(await flow.outcome());
  });

  it('access_denied at Latchkey (the consent page\'s No)', async (t) => {
    await s.addUpstreamUser('kim', { email: 'kim@upstream.example' });
    const { page, flow } = await toProvider(t, 'b-consent');
    await atB('kim')(page);
    await page.waitForSelector('#kc-consent-form');
    await page.click('#kc-cancel');
    assert.match(await errorPageText(page), /cancelled or not allowed/);
    assert.equal(flow.received, false);
    assert.equal((await lastError('b-consent'))?.error, 'access_denied');
  });

  /**
   * Signs in at oidc-provider with response_mode form_post and hands the POST of its form to
   * `onPost` before it reaches A: a form submission can be intercepted, where the redirect
   * that carries a query response cannot.
   */
  async function interceptPost(t: Parameters<typeof openTab>[1], login: string, onPost: (route: Route, form: URLSearchParams) => Promise<void>) {
    const held = await toProvider(t, 'op-form-post');
    await held.page.route((url) => url.pathname.endsWith('/broker/op-form-post/endpoint'), async (route) => {
      const form = new URLSearchParams(route.request().postData() ?? '');
      // Only the provider's own post; A's relayed one goes on.
      if (route.request().method() !== 'POST' || form.has('latchkey_relayed')) return route.continue();
      await onPost(route, form);
    });
    await atOp(login)(held.page);
    return held;
  }

  it('a tampered state finds no sign-in: a clear page', async (t) => {
    const { page, flow } = await interceptPost(t, 'tampered', async (route, form) => {
      form.set('state', `${form.get('state')}x`);
      await route.continue({ postData: form.toString() });
    });
    assert.match(await errorPageText(page), /does not belong to a sign-in started in this browser/);
    assert.equal(flow.received, false);
    assert.equal((await lastError('op-form-post'))?.error, 'invalid_state');
  });

  it('a response carried to another browser is refused there, and still works in the one that asked (login CSRF)', async (t) => {
    const other = await openTab(s.browser, t);
    let elsewhere: { status: number; text: string } | undefined;
    const { flow } = await interceptPost(t, 'victim', async (route, form) => {
      // The attacker's browser posts the victim's response (as A's relay would, with nothing to relay further).
      form.set('latchkey_relayed', '1');
      const res = await other.context.request.post(route.request().url(), { form: Object.fromEntries(form) });
      elsewhere = { status: res.status(), text: await res.text() };
      await route.continue();
    });
    assertSignedIn(await flow.outcome());
    assert.equal(elsewhere?.status, 400);
    assert.match(elsewhere!.text, /does not belong to a sign-in started in this browser/);
  });

  it('a replayed response (the callback visited again) is refused: each state is used once', async (t) => {
    const tab = await openTab(s.browser, t);
    let callback: string | undefined;
    tab.page.on('request', (r) => { if (r.url().includes('/broker/op-code/endpoint?')) callback = r.url(); });
    assertSignedIn(await signInVia(s, tab, 'op-code', atOp('replayer')));
    assert.ok(callback);
    await tab.page.goto(callback);
    assert.match(await errorPageText(tab.page), /used already/);
  });

  for (const [alias, what] of [['op-other-keys', 'the token endpoint\'s ID token (code)'], ['op-other-keys-implicit', 'the front channel\'s ID token (id_token)']]) {
    it(`an ID token the provider's keys did not sign is refused: ${what}`, async (t) => {
      const { page, flow } = await toProvider(t, alias);
      await atOp(`forged-${alias}`)(page);
      const text = await errorPageText(page);
      assert.match(text, /could not be verified/);
      assert.match(text, /signature/i);
      assert.equal(flow.received, false);
      assert.equal((await lastError(alias))?.error, 'invalid_provider_response');
    });
  }

  it('an ID token altered on its way (in the fragment posted back) is refused', async (t) => {
    const { page, flow } = await toProvider(t, 'op-id_token');
    await page.route((url) => url.pathname.endsWith('/broker/op-id_token/endpoint'), async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const body = new URLSearchParams(route.request().postData() ?? '');
      const [header, payload, signature] = body.get('id_token')!.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      body.set('id_token', [header, Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url'), signature].join('.'));
      await route.continue({ postData: body.toString() });
    });
    await atOp('altered')(page);
    assert.match(await errorPageText(page), /could not be verified/);
    assert.equal(flow.received, false);
  });

  it('a provider that cannot be reached: a clear page (502) when the sign-in starts', async (t) => {
    const gone = await startMetadataProxy(s.op.issuer);
    const rep = s.providerRep({ alias: 'op-gone', upstream: 'op', rep: { config: { metadataDescriptorUrl: gone.url('code-only') } } });
    assert.equal((await s.aAdmin.post(`/realms/${HOME}/identity-provider/instances`, rep)).status, 201);
    await gone.stop();
    const tab = await openTab(s.browser, t);
    const gotten = tab.page.waitForResponse((r) => r.url().includes('/broker/op-gone/login'));
    await throughProvider(s, tab, 'op-gone');
    const response = await gotten;
    assert.equal(response.status(), 502);
    assert.match(await errorPageText(tab.page), /Upstream op-gone cannot be reached right now/);
    assert.equal((await lastError('op-gone'))?.error, 'identity_provider_unavailable');
  });

  it('junk at the callback and the other broker paths gets a page, never a 500', async () => {
    const base = `${s.a.url}/realms/${HOME}/broker`;
    const cases: Array<[string, RequestInit | undefined, number]> = [
      [`${base}/op-code/endpoint?code=x`, undefined, 400],
      [`${base}/op-code/endpoint?state=a&state=b`, undefined, 400],
      [`${base}/op-code/endpoint?error=access_denied`, undefined, 400],
      [`${base}/op-code/endpoint?state=${'x'.repeat(5000)}`, undefined, 400],
      [`${base}/op-code/endpoint`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'state=nope&code=x' }, 400],
      [`${base}/op-code/endpoint`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' }, 400],
      [`${base}/no-such-provider/endpoint?state=x`, undefined, 400],
      [`${base}/op-code/login?interaction=nope`, undefined, 400],
      [`${base}/op-code/login`, undefined, 400],
      [`${base}/op-code/link?link=nope`, undefined, 400],
      [`${base}/op-code/link?link=nope`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'password=x' }, 403],
      [`${base}/op-code/endpoint/logout_response?state=nope`, undefined, 200],
      [`${base}/op-code/endpoint/logout_response`, undefined, 200],
    ];
    for (const [url, init, status] of cases) {
      const res = await send(url, init);
      assert.equal(res.status, status, `${init?.method ?? 'GET'} ${url.slice(0, 120)}: ${res.status} ${res.text.slice(0, 200)}`);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/, url);
      assert.doesNotMatch(res.text, /\n\s*at\s|node_modules|\.(?:[cm]?js|ts):\d+/, url);
    }
  });
});
