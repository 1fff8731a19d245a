import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { noChromium, openTab, signIn } from '../helpers/browser.js';
import { userinfo } from '../helpers/http.js';
import { assertSignedIn, halfHash, type Outcome } from '../helpers/relying-party.js';
import { isLoginAction, REALM, startStack, type Stack } from './fixture.js';

describe('browser: response types and modes (rp-hybrid)', { skip: noChromium, concurrency: true }, () => {
  let s: Stack;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });

  /** Signs in through the browser and returns what the RP made of the response. */
  async function run(t: Parameters<typeof openTab>[1], responseType: string, responseMode?: 'query' | 'fragment' | 'form_post') {
    const tab = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-hybrid', responseType, responseMode });
    await tab.page.goto(flow.url);
    await signIn(tab.page);
    const o = await flow.outcome();
    // Every ID token, from either channel, names the client and the level of a password sign-in.
    for (const [channel, id] of [['front', o.frontIdToken], ['token endpoint', o.idToken]] as const) {
      if (!id) continue;
      assert.equal(id.azp, 'rp-hybrid', `${responseType}: azp of the ${channel} ID token`);
      assert.equal(id.acr, '1', `${responseType}: acr of the ${channel} ID token`);
    }
    return { ...tab, flow, o };
  }

  async function accessTokenWorks(o: Outcome, token: string) {
    const res = await userinfo(s.server, REALM, token);
    assert.equal(res.status, 200, `userinfo with the access token: ${res.status} ${res.text}`);
    assert.equal(res.json.sub, o.frontIdToken?.sub ?? o.idToken?.sub);
  }

  it('id_token: an ID token in the fragment, bound to the nonce, and nothing else', async (t) => {
    const { o, flow, page } = await run(t, 'id_token');
    assertSignedIn(o);
    assert.equal(o.transport, 'fragment');
    assert.equal(o.params.iss, s.issuer);
    assert.equal(o.frontIdToken!.nonce, flow.nonce);
    assert.equal(o.frontIdToken!.at_hash, undefined);
    assert.equal(o.frontIdToken!.c_hash, undefined);
    assert.equal(o.params.code, undefined);
    assert.equal(o.params.access_token, undefined);
    await page.waitForFunction(() => document.title === 'RP: done');
    assert.match(await page.textContent('#rp-status') ?? '', /^signed in as /);
  });

  it('id_token token: at_hash matches the access token, which works', async (t) => {
    const { o, flow } = await run(t, 'id_token token');
    assertSignedIn(o);
    assert.equal(o.transport, 'fragment');
    assert.equal(o.frontIdToken!.nonce, flow.nonce);
    assert.equal(o.frontIdToken!.at_hash, halfHash(o.params.access_token));
    assert.equal(o.frontIdToken!.c_hash, undefined);
    assert.equal(o.params.code, undefined);
    assert.equal(o.params.token_type, 'Bearer');
    assert.ok(Number(o.params.expires_in) > 0);
    await accessTokenWorks(o, o.params.access_token);
  });

  it('code id_token: c_hash matches the code, which openid-client exchanges', async (t) => {
    const { o, flow } = await run(t, 'code id_token');
    assertSignedIn(o);
    assert.equal(o.transport, 'fragment');
    assert.equal(o.frontIdToken!.c_hash, halfHash(o.params.code));
    assert.equal(o.frontIdToken!.at_hash, undefined);
    assert.equal(o.frontIdToken!.nonce, flow.nonce);
    assert.ok(o.tokens?.access_token);
    assert.equal(o.idToken!.sub, o.frontIdToken!.sub);
    assert.equal(o.idToken!.nonce, flow.nonce);
    await accessTokenWorks(o, o.tokens.access_token);
  });

  it('code token: an access token in the fragment and a code to exchange', async (t) => {
    const { o, flow } = await run(t, 'code token');
    assertSignedIn(o);
    assert.equal(o.transport, 'fragment');
    assert.equal(o.params.id_token, undefined);
    assert.ok(o.params.access_token && o.params.code);
    assert.ok(o.tokens?.access_token && o.tokens.id_token, 'the code was exchanged');
    assert.equal(o.idToken!.nonce, flow.nonce);
    await accessTokenWorks(o, o.params.access_token);
    await accessTokenWorks(o, o.tokens.access_token);
  });

  it('code id_token token: at_hash and c_hash both match, the code is exchanged', async (t) => {
    const { o, flow } = await run(t, 'code id_token token');
    assertSignedIn(o);
    assert.equal(o.transport, 'fragment');
    assert.equal(o.frontIdToken!.at_hash, halfHash(o.params.access_token));
    assert.equal(o.frontIdToken!.c_hash, halfHash(o.params.code));
    assert.equal(o.frontIdToken!.nonce, flow.nonce);
    assert.ok(o.tokens?.access_token);
    assert.equal(o.idToken!.sub, o.frontIdToken!.sub);
    await accessTokenWorks(o, o.params.access_token);
  });

  it('code with response_mode=form_post: the page posts itself to the RP', async (t) => {
    const { o, page, navigations, consoleErrors } = await run(t, 'code', 'form_post');
    assertSignedIn(o);
    assert.equal(o.transport, 'form_post', 'the RP received a POST');
    assert.equal(o.params.iss, s.issuer);
    assert.ok(o.tokens?.access_token && o.idToken);
    await page.waitForURL(s.rp.redirectUri);
    assert.equal(await page.textContent('#rp-status'), `signed in as ${o.idToken.sub}`);
    assert.ok(navigations.some(isLoginAction));
    assert.deepEqual(consoleErrors, [], 'form-post.js ran without a CSP violation');
  });

  it('code id_token with response_mode=form_post: openid-client reads the POST', async (t) => {
    const { o, flow } = await run(t, 'code id_token', 'form_post');
    assertSignedIn(o);
    assert.equal(o.transport, 'form_post');
    assert.equal(o.frontIdToken!.c_hash, halfHash(o.params.code));
    assert.equal(o.idToken!.nonce, flow.nonce);
  });

  it('refuses response_mode=query for id_token token, reporting in the fragment', async (t) => {
    const { page, navigations } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-hybrid', responseType: 'id_token token', responseMode: 'query' });
    await page.goto(flow.url);
    const o = await flow.outcome();
    assert.equal(o.error, 'invalid_request', o.errorDescription);
    assert.equal(o.transport, 'fragment', 'never in the query');
    assert.equal(o.iss, s.issuer);
    assert.equal(o.state, flow.state);
    assert.equal(o.params.access_token, undefined);
    assert.ok(!navigations.some(isLoginAction));
  });

  it('redirects an error when id_token is asked for without a nonce', async (t) => {
    const { page, navigations } = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-hybrid', responseType: 'id_token', nonce: false });
    await page.goto(flow.url);
    const o = await flow.outcome();
    assert.equal(o.error, 'invalid_request', o.errorDescription);
    assert.match(o.errorDescription ?? '', /nonce/);
    assert.equal(o.transport, 'fragment');
    assert.equal(o.iss, s.issuer);
    assert.equal(o.params.id_token, undefined);
    assert.ok(!navigations.some(isLoginAction));
  });
});
