import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { resourcesEndpoint } from '../../src/endpoints/resources.js';
import { createPages, themeDir, themeResourcesDir } from '../../src/pages/index.js';
import { resolveLocale } from '../../src/pages/locale.js';
import type { PageContext, Pages } from '../../src/pages/types.js';

const LOCALES = ['en', 'de', 'nl', 'fr'];
const XSS_TITLE = '<script>alert(1)</script>';
const XSS_DETAIL = '"><img src=x onerror=alert(1)>';

const pages = createPages();

function ctx(locale: string, extra: Partial<PageContext> = {}): PageContext {
  return {
    realm: { name: 'demo', displayName: 'Demo Realm' },
    locale,
    client: { clientId: 'photo-app', title: 'Photo App', logoUri: 'https://photos.example/logo.png' },
    resourcesPath: '/resources/latchkey',
    ...extra,
  };
}

/** Every page, rendered with its typical data. */
function renderAll(p: Pages, c: PageContext) {
  return {
    login: p.login(c, { action: '/realms/demo/login-actions/authenticate?x=1&y=2', hidden: { session_code: 'sc-1' }, username: 'alice', error: 'invalidCredentials' }),
    consent: p.consent(c, { action: '/realms/demo/login-actions/consent', hidden: { code: 'cc-1' }, items: [p.message(c.locale, 'consentProfile'), p.message(c.locale, 'consentEmail')] }),
    error: p.error(c, { messageKey: 'invalidRedirectUri', detail: 'redirect_uri' }),
    logoutConfirm: p.logoutConfirm(c, { action: '/realms/demo/protocol/openid-connect/logout/logout-confirm', hidden: { session_code: 'lc-1' } }),
    loggedOut: p.loggedOut(c),
    formPost: p.formPost(c, { action: 'https://photos.example/cb', fields: { code: 'abc', state: 'xyz', iss: 'https://idp.example/realms/demo' } }),
    loginProviders: p.login(c, {
      action: '/realms/demo/login-actions/authenticate', hidden: { _csrf: 't-1' },
      providers: [{ alias: 'corp', name: 'Corp SSO', href: '/realms/demo/broker/corp/login?interaction=i-1' }, { alias: 'b.2', name: 'B', href: '/realms/demo/broker/b.2/login?interaction=i-1' }],
    }),
    errorLink: p.error(c, { messageKey: 'brokerDenied', args: ['Corp SSO'], detail: 'access_denied', link: { href: '/realms/demo/login-actions/authenticate?interaction=i-1', labelKey: 'backToLogin' } }),
    brokerFragment: p.brokerFragment(c, { action: '/realms/demo/broker/corp/endpoint' }),
    linkAccount: p.linkAccount(c, {
      action: '/realms/demo/broker/corp/link?link=k-1', hidden: { _csrf: 't-2' }, provider: 'Corp SSO', email: 'alice@example.com',
      error: 'invalidCredentials', cancelUrl: '/realms/demo/login-actions/authenticate?interaction=i-1',
    }),
    updatePassword: p.updatePassword(c, {
      action: '/realms/demo/login-actions/update-password?interaction=i-1', hidden: { _csrf: 't-3' }, error: 'passwordConfirmMismatch',
    }),
  };
}

/** The start tag of the element with this id, with its attributes. */
function element(html: string, id: string): { tag: string; attrs: Record<string, string> } {
  const m = new RegExp(`<([a-z]+)\\b([^>]*\\bid="${id}"[^>]*)>`).exec(html);
  assert.ok(m, `no element with id ${id}`);
  const attrs: Record<string, string> = {};
  for (const a of m[2].matchAll(/([a-zA-Z-]+)(?:="([^"]*)")?/g)) attrs[a[1]] = a[2] ?? '';
  return { tag: m[1], attrs };
}

function hiddenInputs(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) out[m[1]] = m[2];
  return out;
}

/** No inline script, inline style or event handler: the CSP would block them. */
function assertCspClean(html: string, name: string): void {
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    assert.match(m[1], /\bsrc="[^"]+"/, `${name}: inline script`);
    assert.equal(m[2].trim(), '', `${name}: script with content`);
  }
  assert.doesNotMatch(html, /<style\b/i, `${name}: <style> element`);
  // Escaped text cannot contain "<" nor an attribute value a raw '"', so these are the real tags and attributes.
  for (const [tag] of html.matchAll(/<[a-zA-Z][^>]*>/g)) {
    const names = tag.replace(/="[^"]*"/g, '=""');
    assert.doesNotMatch(names, /\sstyle=/i, `${name}: style attribute in ${tag}`);
    assert.doesNotMatch(names, /\son[a-z]+=/i, `${name}: event handler attribute in ${tag}`);
    for (const url of tag.matchAll(/\s(?:href|src|action)="([^"]*)"/g)) {
      assert.doesNotMatch(url[1], /^\s*(?:javascript|vbscript):/i, `${name}: script URL in ${tag}`);
    }
  }
}

describe('pages', () => {
  it('has catalogues for en, de, nl and fr, en first', () => {
    assert.equal(pages.locales[0], 'en');
    assert.deepEqual([...pages.locales].sort(), [...LOCALES].sort());
  });

  for (const locale of LOCALES) {
    describe(`in ${locale}`, () => {
      const c = ctx(locale);
      const html = renderAll(pages, c);

      it('labels every page with the locale and shows the realm display name', () => {
        for (const [name, page] of Object.entries(html)) {
          assert.match(page, /^<!DOCTYPE html>\n<html lang="([^"]+)"/, name);
          assert.ok(page.startsWith(`<!DOCTYPE html>\n<html lang="${locale}"`), name);
          assert.match(page, /<div class="realm-name" id="kc-header-wrapper">Demo Realm<\/div>/, name);
          assert.match(page, /<link rel="stylesheet" href="\/resources\/latchkey\/styles.css">/, name);
          assertCspClean(page, name);
        }
      });

      it('renders the login form with Keycloak\'s ids', () => {
        const page = html.login;
        const form = element(page, 'kc-form-login');
        assert.equal(form.tag, 'form');
        assert.equal(form.attrs.method, 'post');
        assert.equal(form.attrs.action, '/realms/demo/login-actions/authenticate?x=1&amp;y=2');
        const username = element(page, 'username');
        assert.equal(username.tag, 'input');
        assert.equal(username.attrs.name, 'username');
        assert.equal(username.attrs.autocomplete, 'username');
        assert.equal(username.attrs.value, 'alice');
        const password = element(page, 'password');
        // A failed attempt keeps the username: the cursor goes to the empty password.
        assert.ok(!('autofocus' in username.attrs));
        assert.ok('autofocus' in password.attrs);
        const fresh = pages.login(c, { action: '/a', hidden: {} });
        assert.ok('autofocus' in element(fresh, 'username').attrs);
        assert.ok(!('autofocus' in element(fresh, 'password').attrs));
        assert.equal(password.attrs.name, 'password');
        assert.equal(password.attrs.type, 'password');
        const submit = element(page, 'kc-login');
        assert.equal(submit.tag, 'input');
        assert.equal(submit.attrs.type, 'submit');
        assert.equal(submit.attrs.name, 'login');
        assert.equal(submit.attrs.value, pages.message(locale, 'signIn'));
        const error = element(page, 'input-error');
        assert.equal(error.attrs.role, 'alert');
        assert.ok(page.includes(`>${pages.message(locale, 'invalidCredentials')}</div>`));
        assert.ok(page.includes(`<h1 id="kc-page-title">${pages.message(locale, 'loginTitle', 'Photo App')}</h1>`));
        assert.deepEqual(hiddenInputs(page), { session_code: 'sc-1' });
        const logo = element(page.replace('class="client-logo"', 'class="client-logo" id="logo"'), 'logo');
        assert.equal(logo.tag, 'img');
        assert.equal(logo.attrs.src, 'https://photos.example/logo.png');
        assert.equal(logo.attrs.alt, pages.message(locale, 'clientLogoAlt', 'Photo App'));
      });

      it('renders the consent form', () => {
        const page = html.consent;
        assert.equal(element(page, 'kc-consent-form').attrs.method, 'post');
        const accept = element(page, 'kc-login');
        assert.deepEqual([accept.attrs.type, accept.attrs.name, accept.attrs.value], ['submit', 'accept', pages.message(locale, 'accept')]);
        const cancel = element(page, 'kc-cancel');
        assert.deepEqual([cancel.attrs.type, cancel.attrs.name, cancel.attrs.value], ['submit', 'cancel', pages.message(locale, 'cancel')]);
        assert.ok(page.includes(`<li>${pages.message(locale, 'consentProfile')}</li>`));
        assert.ok(page.includes(`<li>${pages.message(locale, 'consentEmail')}</li>`));
        assert.ok(page.includes(pages.message(locale, 'consentIntro', 'Photo App')));
        assert.ok(page.includes('src="https://photos.example/logo.png"'));
        assert.deepEqual(hiddenInputs(page), { code: 'cc-1' });
      });

      it('renders the error page', () => {
        const page = html.error;
        assert.equal(element(page, 'kc-error-message').tag, 'div');
        assert.ok(page.includes(`<p class="instruction">${pages.message(locale, 'invalidRedirectUri')}</p>`));
        assert.ok(page.includes('<p class="detail">redirect_uri</p>'));
        assert.ok(page.includes(pages.message(locale, 'errorTitle')));
      });

      it('renders the logout confirmation', () => {
        const page = html.logoutConfirm;
        const form = element(page, 'kc-logout-confirm');
        assert.deepEqual([form.tag, form.attrs.method], ['form', 'post']);
        const submit = element(page, 'kc-logout');
        assert.deepEqual([submit.attrs.type, submit.attrs.name, submit.attrs.value], ['submit', 'confirmLogout', pages.message(locale, 'logout')]);
        assert.ok(page.includes(pages.message(locale, 'logoutConfirmText')));
        assert.deepEqual(hiddenInputs(page), { session_code: 'lc-1' });
      });

      it('renders the logged-out page', () => {
        assert.equal(element(html.loggedOut, 'kc-logged-out').tag, 'div');
        assert.ok(html.loggedOut.includes(pages.message(locale, 'loggedOutText')));
      });

      it('renders a button per identity provider on the login page, each a link', () => {
        const page = html.loginProviders;
        const corp = element(page, 'social-corp');
        assert.deepEqual([corp.tag, corp.attrs.href], ['a', '/realms/demo/broker/corp/login?interaction=i-1']);
        assert.ok(page.includes(`>${pages.message(locale, 'brokerSignInWith', 'Corp SSO')}</a>`));
        assert.equal(element(page, 'social-b.2').attrs.href, '/realms/demo/broker/b.2/login?interaction=i-1');
        assert.ok(page.includes(pages.message(locale, 'brokerOr')));
        assert.ok(!html.login.includes('kc-social-providers'), 'no providers, no list');
      });

      it('renders the error page with the provider named and a way back', () => {
        const page = html.errorLink;
        assert.ok(page.includes(`<p class="instruction">${pages.message(locale, 'brokerDenied', 'Corp SSO')}</p>`));
        const link = element(page, 'kc-error-link');
        assert.deepEqual([link.tag, link.attrs.href], ['a', '/realms/demo/login-actions/authenticate?interaction=i-1']);
        assert.ok(page.includes(`>${pages.message(locale, 'backToLogin')}</a>`));
        assert.ok(!html.error.includes('kc-error-link'), 'no link unless given');
      });

      it('renders the page that posts a fragment back', () => {
        const page = html.brokerFragment;
        const form = element(page, 'kc-broker-fragment');
        assert.deepEqual([form.tag, form.attrs.method, form.attrs.action], ['form', 'post', '/realms/demo/broker/corp/endpoint']);
        assert.match(page, /<script src="\/resources\/latchkey\/broker-fragment.js" defer><\/script>/);
        assert.ok(page.includes(pages.message(locale, 'brokerFragmentNoScript')));
      });

      it('renders the link-account page', () => {
        const page = html.linkAccount;
        const form = element(page, 'kc-link-form');
        assert.deepEqual([form.attrs.method, form.attrs.action], ['post', '/realms/demo/broker/corp/link?link=k-1']);
        assert.equal(element(page, 'password').attrs.type, 'password');
        assert.equal(element(page, 'kc-link').attrs.value, pages.message(locale, 'linkAccountSubmit'));
        assert.equal(element(page, 'kc-cancel').attrs.href, '/realms/demo/login-actions/authenticate?interaction=i-1');
        assert.ok(page.includes(pages.message(locale, 'linkAccountIntro', 'alice@example.com', 'Corp SSO')));
        assert.ok(page.includes(pages.message(locale, 'invalidCredentials')));
        assert.deepEqual(hiddenInputs(page), { _csrf: 't-2' });
      });

      it('renders the form_post page', () => {
        const page = html.formPost;
        assert.match(page, /<form id="kc-form-post" class="form" method="post" action="https:\/\/photos.example\/cb">/);
        assert.deepEqual(hiddenInputs(page), { code: 'abc', state: 'xyz', iss: 'https://idp.example/realms/demo' });
        const submit = element(page, 'kc-continue');
        assert.deepEqual([submit.attrs.type, submit.attrs.value], ['submit', pages.message(locale, 'formPostContinue')]);
        assert.match(page, /<script src="\/resources\/latchkey\/form-post.js" defer><\/script>/);
        assert.ok(page.includes(`<noscript><p class="lead centered">${pages.message(locale, 'formPostNoScript')}</p></noscript>`));
      });
    });
  }

  describe('escaping', () => {
    const hostile = ctx('en', {
      realm: { name: 'demo', displayName: `${XSS_TITLE}` },
      client: { clientId: 'x', title: XSS_TITLE, logoUri: `https://logo.example/a.png?${XSS_DETAIL}` },
    });
    const html = {
      ...renderAll(pages, hostile),
      error: pages.error(hostile, { messageKey: 'invalidRequest', detail: XSS_DETAIL }),
      loginHidden: pages.login(hostile, { action: `/a?${XSS_DETAIL}`, hidden: { [XSS_DETAIL]: XSS_DETAIL }, username: XSS_DETAIL }),
      consentItems: pages.consent(hostile, { action: '/c', hidden: {}, items: [XSS_TITLE, XSS_DETAIL] }),
      formPostFields: pages.formPost(hostile, { action: `https://rp.example/cb?${XSS_DETAIL}`, fields: { state: XSS_DETAIL } }),
      unknownKey: pages.error(hostile, { messageKey: XSS_TITLE }),
      providers: pages.login(hostile, { action: '/a', hidden: {}, providers: [{ alias: XSS_DETAIL, name: XSS_TITLE, href: `/b?${XSS_DETAIL}` }] }),
      errorArgs: pages.error(hostile, { messageKey: 'brokerDenied', args: [XSS_TITLE], link: { href: `/c?${XSS_DETAIL}`, labelKey: 'backToLogin' } }),
      linkAccount: pages.linkAccount(hostile, { action: `/d?${XSS_DETAIL}`, hidden: {}, provider: XSS_TITLE, email: XSS_DETAIL, cancelUrl: `/e?${XSS_DETAIL}` }),
    };

    it('escapes client titles, realm names, details, hidden fields and URLs on every page', () => {
      for (const [name, page] of Object.entries(html)) {
        assert.ok(!page.includes(XSS_TITLE), `${name}: raw client title`);
        assert.ok(!page.includes(XSS_DETAIL), `${name}: raw detail`);
        assert.ok(!page.includes('<img src=x'), `${name}: injected img`);
        assert.equal((page.match(/<script\b/g) ?? []).length, name.startsWith('formPost') || name === 'brokerFragment' ? 1 : 0, `${name}: injected script`);
        assertCspClean(page, name);
      }
      assert.ok(html.login.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
      assert.ok(html.error.includes('<p class="detail">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</p>'));
      assert.ok(html.consentItems.includes('<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>'));
    });

    it('keeps hidden field values intact once a browser decodes them', () => {
      const decode = (s: string) => s.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
      const fields = Object.fromEntries(Object.entries(hiddenInputs(html.formPostFields)).map(([k, v]) => [decode(k), decode(v)]));
      assert.deepEqual(fields, { state: XSS_DETAIL });
      const hidden = Object.fromEntries(Object.entries(hiddenInputs(html.loginHidden)).map(([k, v]) => [decode(k), decode(v)]));
      assert.deepEqual(hidden, { [XSS_DETAIL]: XSS_DETAIL });
      assert.equal(decode(element(html.loginHidden, 'username').attrs.value), XSS_DETAIL);
    });

    it('shows an unknown message key as text, escaped', () => {
      assert.ok(html.unknownKey.includes('<p class="instruction">&lt;script&gt;alert(1)&lt;/script&gt;</p>'));
    });
  });

  describe('context', () => {
    it('falls back to the realm name and the client id', () => {
      const page = pages.login(ctx('en', { realm: { name: 'plain' }, client: { clientId: 'my-client' } }), { action: '/a', hidden: {} });
      assert.match(page, /id="kc-header-wrapper">plain</);
      assert.ok(page.includes('<h1 id="kc-page-title">Sign in to my-client</h1>'));
      assert.ok(!page.includes('<img'), 'no logo without logoUri');
      assert.ok(!page.includes('id="input-error"'), 'no error element without an error');
      assert.ok(!page.includes('aria-invalid'));
      assert.equal(element(page, 'username').attrs.value, '');
    });

    it('resolves Keycloak\'s ${…} message keys in client and realm names, in every language', () => {
      const expected: Record<string, string> = {
        en: 'Security Admin Console', de: 'Administrationskonsole', fr: 'Console d’administration', nl: 'Beheerconsole',
      };
      assert.deepEqual(Object.keys(expected).sort(), [...pages.locales].sort(), 'every catalogue is checked');
      for (const [locale, name] of Object.entries(expected)) {
        const page = pages.login(ctx(locale, {
          realm: { name: 'master', displayName: '${client_admin-cli} on ${unknown_key}' },
          client: { clientId: 'security-admin-console', title: '${client_security-admin-console}' },
        }), { action: '/a', hidden: {} });
        assert.ok(page.includes(`>${pages.message(locale, 'loginTitle', name)}</h1>`), `${locale}: ${page}`);
        // A key no catalogue has stays as written, as in Keycloak.
        assert.match(page, new RegExp(`id="kc-header-wrapper">${pages.message(locale, 'client_admin-cli')} on \\$\\{unknown_key\\}<`));
      }
    });

    it('uses the realm name when there is no client', () => {
      const page = pages.login(ctx('de', { client: undefined }), { action: '/a', hidden: {} });
      assert.ok(page.includes('<h1 id="kc-page-title">Bei Demo Realm anmelden</h1>'));
    });

    it('shows only logos the CSP lets load and that cannot run code', () => {
      for (const logoUri of ['http://insecure.example/logo.png', 'javascript:alert(1)', '/relative.png', 'not a url', 'data:text/html,<b>x</b>']) {
        const page = pages.consent(ctx('en', { client: { clientId: 'c', logoUri } }), { action: '/a', hidden: {}, items: [] });
        assert.ok(!page.includes('<img'), logoUri);
      }
      const data = pages.consent(ctx('en', { client: { clientId: 'c', logoUri: 'data:image/png;base64,AAAA' } }), { action: '/a', hidden: {}, items: [] });
      assert.ok(data.includes('src="data:image/png;base64,AAAA"'));
    });

    it('renders a locale without a catalogue in English and labels it en', () => {
      const page = pages.loggedOut(ctx('xx-YY'));
      assert.ok(page.startsWith('<!DOCTYPE html>\n<html lang="en"'));
      assert.ok(page.includes('You have been signed out.'));
      const hostile = pages.loggedOut(ctx('"><script>'));
      assert.ok(hostile.startsWith('<!DOCTYPE html>\n<html lang="en"'));
    });

    it('uses a regional locale\'s language catalogue and keeps the tag', () => {
      const page = pages.loggedOut(ctx('de-CH'));
      assert.ok(page.startsWith('<!DOCTYPE html>\n<html lang="de-CH"'));
      assert.ok(page.includes('Sie wurden abgemeldet.'));
    });

    it('accepts a resources path with a trailing slash', () => {
      const page = pages.formPost(ctx('en', { resourcesPath: '/auth/resources/latchkey/' }), { action: 'https://rp.example/cb', fields: {} });
      assert.ok(page.includes('href="/auth/resources/latchkey/styles.css"'));
      assert.ok(page.includes('src="/auth/resources/latchkey/form-post.js"'));
    });

    it('refuses to post a form to a script URL', () => {
      for (const action of ['javascript:alert(1)', ' JavaScript:alert(1)', 'java\tscript:alert(1)', 'data:text/html,x', 'vbscript:x']) {
        assert.throws(() => pages.formPost(ctx('en'), { action, fields: {} }), /Refusing/, action);
      }
      assert.doesNotThrow(() => pages.formPost(ctx('en'), { action: 'com.example.app:/callback', fields: {} }));
    });
  });

  describe('messages', () => {
    const dir = join(themeDir(), 'messages');
    const catalogues = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.json'))
      .map((f) => [f.slice(0, -5), JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, string>]));

    it('have the same keys in every catalogue', () => {
      const keys = Object.keys(catalogues.en).sort();
      for (const locale of LOCALES) assert.deepEqual(Object.keys(catalogues[locale]).sort(), keys, locale);
    });

    it('include the keys the endpoints use', () => {
      for (const key of ['loginTitle', 'usernameLabel', 'passwordLabel', 'signIn', 'invalidCredentials', 'accountDisabled',
        'sessionExpired', 'consentTitle', 'consentIntro', 'consentProfile', 'consentEmail',
        'consentApi', 'consentOfflineAccess', 'consentPhone', 'consentAddress', 'accept', 'cancel', 'errorTitle',
        'unknownClient', 'invalidRedirectUri', 'invalidRequest', 'requestExpired', 'logoutConfirmTitle', 'logoutConfirmText',
        'logout', 'loggedOutTitle', 'loggedOutText', 'formPostContinue', 'formPostNoScript']) {
        assert.equal(typeof catalogues.en[key], 'string', key);
      }
      assert.equal(catalogues.en.loginTitle, 'Sign in to {0}');
      assert.equal(catalogues.en.invalidCredentials, 'Invalid username or password.');
    });

    it('are translated, with the same placeholders', () => {
      const placeholders = (s: string) => (s.match(/\{\d+\}/g) ?? []).sort();
      for (const locale of LOCALES.filter((l) => l !== 'en')) {
        for (const [key, english] of Object.entries(catalogues.en)) {
          assert.notEqual(catalogues[locale][key], english, `${locale}.${key} is the English text`);
          assert.deepEqual(placeholders(catalogues[locale][key]), placeholders(english), `${locale}.${key}`);
        }
      }
    });

    it('fill placeholders and fall back to English, then to the key', () => {
      assert.equal(pages.message('en', 'loginTitle', 'Demo'), 'Sign in to Demo');
      assert.equal(pages.message('de', 'loginTitle', 'Demo'), 'Bei Demo anmelden');
      assert.equal(pages.message('nl-BE', 'signIn'), 'Inloggen');
      assert.equal(pages.message('FR', 'accept'), 'Oui');
      assert.equal(pages.message('pt', 'accept'), 'Yes');
      assert.equal(pages.message('en', 'loginTitle'), 'Sign in to {0}');
      assert.equal(pages.message('en', 'loginTitle', '$& $1 {1}'), 'Sign in to $& $1 {1}');
      assert.equal(pages.message('de', 'noSuchKey'), 'noSuchKey');
      assert.equal(pages.message('en', '__proto__'), '__proto__');
      assert.equal(pages.message('en', 'constructor'), 'constructor');
    });
  });

  describe('theme', () => {
    it('finds the theme folder and its resources', () => {
      const resources = themeResourcesDir();
      for (const file of ['styles.css', 'form-post.js', 'broker-fragment.js', 'logo.svg']) assert.ok(existsSync(join(resources, file)), file);
      assert.ok(existsSync(join(themeDir('latchkey'), 'templates', 'layout.eta')));
    });

    it('refuses theme names that are paths, and unknown themes', () => {
      assert.throws(() => createPages('../latchkey'), /Invalid theme name/);
      assert.throws(() => themeResourcesDir('a/b'), /Invalid theme name/);
      assert.throws(() => createPages('no-such-theme'), /not found/);
    });

    it('references only resources that exist', () => {
      const resources = themeResourcesDir();
      for (const page of Object.values(renderAll(pages, ctx('en')))) {
        for (const m of page.matchAll(/(?:href|src)="\/resources\/latchkey\/([^"]+)"/g)) {
          assert.ok(existsSync(join(resources, m[1])), m[1]);
        }
      }
    });
  });
});

describe('resourcesEndpoint', () => {
  it('serves the theme resources with a one-hour cache', async () => {
    const app = Fastify();
    await app.register(resourcesEndpoint, {});
    try {
      const css = await app.inject({ url: '/resources/latchkey/styles.css' });
      assert.equal(css.statusCode, 200);
      assert.match(String(css.headers['content-type']), /^text\/css/);
      assert.equal(css.headers['cache-control'], 'public, max-age=3600');
      const js = await app.inject({ url: '/resources/latchkey/form-post.js' });
      assert.equal(js.statusCode, 200);
      assert.match(String(js.headers['content-type']), /javascript/);
      assert.equal((await app.inject({ url: '/resources/latchkey/missing.css' })).statusCode, 404);
      assert.equal((await app.inject({ url: '/resources/latchkey/../templates/login.eta' })).statusCode, 404);
      assert.equal((await app.inject({ url: '/resources/latchkey/%2e%2e/messages/en.json' })).statusCode, 404);
      assert.notEqual((await app.inject({ url: '/resources/latchkey/' })).statusCode, 200);
    } finally {
      await app.close();
    }
  });

  it('works under a prefix', async () => {
    const app = Fastify();
    await app.register(async (scoped) => { await scoped.register(resourcesEndpoint, { themeName: 'latchkey' }); }, { prefix: '/auth' });
    try {
      assert.equal((await app.inject({ url: '/auth/resources/latchkey/logo.svg' })).statusCode, 200);
    } finally {
      await app.close();
    }
  });
});

describe('resolveLocale', () => {
  const supported = ['en', 'de', 'nl', 'fr'] as const;

  it('takes the first supported tag from ui_locales, in order', () => {
    assert.equal(resolveLocale({ uiLocales: 'fr de', supported }), 'fr');
    assert.equal(resolveLocale({ uiLocales: 'ja  de-AT fr', acceptLanguage: 'nl', supported }), 'de');
    assert.equal(resolveLocale({ uiLocales: 'ja es', acceptLanguage: 'nl', supported }), 'nl');
    assert.equal(resolveLocale({ uiLocales: '', acceptLanguage: 'nl', supported }), 'nl');
    assert.equal(resolveLocale({ uiLocales: 'NL', supported }), 'nl');
  });

  it('orders Accept-Language by q value', () => {
    assert.equal(resolveLocale({ acceptLanguage: 'de;q=0.5, fr;q=0.9, en;q=0.1', supported }), 'fr');
    assert.equal(resolveLocale({ acceptLanguage: 'ja, nl;q=0.8, de;q=0.8', supported }), 'nl');
    assert.equal(resolveLocale({ acceptLanguage: 'fr;q=0, de;q=0.2', supported }), 'de');
    assert.equal(resolveLocale({ acceptLanguage: 'fr;q=abc, de;q=0.2', supported }), 'de');
    assert.equal(resolveLocale({ acceptLanguage: 'fr ; q=0.3 , nl;q=0.30', supported }), 'fr');
  });

  it('matches a regional tag to its language', () => {
    assert.equal(resolveLocale({ acceptLanguage: 'de-CH, en;q=0.9', supported }), 'de');
    assert.equal(resolveLocale({ acceptLanguage: 'fr-CA;q=0.9, es;q=1', supported }), 'fr');
    assert.equal(resolveLocale({ uiLocales: 'nl-BE', supported }), 'nl');
    assert.equal(resolveLocale({ acceptLanguage: 'pt-BR', supported: ['en', 'pt-BR', 'pt'] }), 'pt-BR');
  });

  it('falls back to the realm default, then to en', () => {
    assert.equal(resolveLocale({ acceptLanguage: 'ja, *;q=0.5', realmDefault: 'nl', supported }), 'nl');
    assert.equal(resolveLocale({ realmDefault: 'de', supported }), 'de');
    assert.equal(resolveLocale({ realmDefault: 'es', supported }), 'en');
    assert.equal(resolveLocale({ uiLocales: 'es', acceptLanguage: 'ja', supported }), 'en');
    assert.equal(resolveLocale({ supported }), 'en');
  });

  it('ignores malformed tags', () => {
    assert.equal(resolveLocale({ acceptLanguage: '"><script>, ;;;, ,de', supported }), 'de');
    assert.equal(resolveLocale({ acceptLanguage: 'x'.repeat(10_000), supported }), 'en');
    assert.equal(resolveLocale({ acceptLanguage: Array(1000).fill('ja').join(',') + ',fr', supported }), 'en');
  });
});
