// OIDC Front-Channel Logout 1.0 in Chromium: signing out of one application loads the
// front-channel logout URL of every application the session served, in iframes of the
// logged-out page (with iss and sid where the client asks for them), then goes on to the
// post-logout redirect.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, noChromium, openTab, signIn, type Browser } from '../helpers/browser.js';
import { assertSignedIn, RelyingParty } from '../helpers/relying-party.js';
import { freePort, PATIENCE_MS, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'fcl';

describe('OIDC Front-Channel Logout', { skip: noChromium }, () => {
  let server: TestServer;
  let browser: Browser;
  let rp: RelyingParty;
  let frames: Server;
  /** Each front-channel logout request the applications' servers received: path and query. */
  const loaded: Array<{ path: string; query: Record<string, string> }> = [];

  before(async () => {
    rp = await RelyingParty.listen();
    const port = await freePort();
    frames = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      loaded.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!DOCTYPE html><title>signed out</title>');
    });
    await new Promise<void>((r) => frames.listen(port, '127.0.0.1', r));
    const app = (clientId: string, frontchannel: boolean, extra: Record<string, string> = {}) => ({
      clientId, secret: `${clientId}-secret`, redirectUris: [rp.redirectUri], frontchannelLogout: frontchannel,
      attributes: { 'post.logout.redirect.uris': rp.loggedOutUri, 'frontchannel.logout.url': `http://127.0.0.1:${port}/fc/${clientId}`, ...extra },
    });
    server = await startServer({
      realms: [{
        realm: REALM, enabled: true,
        clients: [app('mail', true), app('wiki', true, { 'frontchannel.logout.session.required': 'false' }), app('quiet', false)],
        users: [{ username: 'alice', enabled: true, credentials: [{ type: 'password', value: 'alice-pw' }] }],
      }],
    });
    await rp.connect(server.issuer(REALM), { mail: 'mail-secret', wiki: 'wiki-secret', quiet: 'quiet-secret' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await rp?.stop();
    await new Promise<void>((r) => (frames ? frames.close(() => r()) : r()));
    await server?.stop();
  });

  it('discovery says front-channel logout with sid is supported', async () => {
    const doc = await (await fetch(realmUrl(server, REALM, '/.well-known/openid-configuration'))).json() as Record<string, unknown>;
    assert.equal(doc.frontchannel_logout_supported, true);
    assert.equal(doc.frontchannel_logout_session_supported, true);
  });

  it('logging out of one application loads every front-channel application\'s URL, then redirects', async (t) => {
    const tab = await openTab(browser, t);
    const signInTo = async (clientId: string, first: boolean) => {
      const flow = await rp.start({ clientId });
      await tab.page.goto(flow.url);
      if (first) await signIn(tab.page, 'alice', 'alice-pw');
      return assertSignedIn(await flow.outcome());
    };
    const mail = await signInTo('mail', true);
    await signInTo('wiki', false);
    await signInTo('quiet', false);
    const sid = mail.idToken!.sid as string;

    const visit = rp.nextLogout('fc-1');
    const response = await tab.page.goto(rp.endSessionUrl({ idTokenHint: mail.tokens!.id_token!, postLogoutRedirectUri: true, state: 'fc-1' }));
    assert.match(response!.headers()['content-security-policy'] ?? '', /frame-src http:\/\/127\.0\.0\.1:\d+/, 'the iframes\' origin, and only it, may be framed');
    await visit;

    const deadline = Date.now() + PATIENCE_MS;
    while (loaded.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const byPath = Object.fromEntries(loaded.map((l) => [l.path, l.query]));
    assert.deepEqual(byPath['/fc/mail'], { iss: server.issuer(REALM), sid }, 'iss and sid, as the client asks by default');
    assert.deepEqual(byPath['/fc/wiki'], {}, 'a client that does not need the session is loaded without it');
    assert.equal(byPath['/fc/quiet'], undefined, 'front-channel logout off: not loaded');
  });
});
