// The theme's mails in every language it has: a subject, an HTML body with every value escaped,
// a plain text body with none, the link and its lifespan in both, no placeholder left unfilled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPages } from '../../src/pages/index.js';
import { EMAIL_TEMPLATES } from '../../src/pages/types.js';

const pages = createPages();
const LINK = 'https://id.example.test/realms/r/login-actions/action-token?key=a.b.c&client_id=app';

describe('mail templates', () => {
  for (const locale of ['en', 'de', 'nl', 'fr']) {
    for (const template of EMAIL_TEMPLATES) {
      it(`${template} in ${locale}`, () => {
        const mail = pages.email({ realm: { name: 'r', displayName: 'Café <Acme>' }, locale, resourcesPath: '/resources/latchkey' }, {
          template, name: 'Zoë & Co', link: template === 'email-test' ? undefined : LINK, linkLifespan: 7200, actions: ['UPDATE_PASSWORD', 'VERIFY_EMAIL'],
        });
        assert.ok(mail.subject.length > 0);
        for (const body of [mail.html, mail.text, mail.subject]) assert.doesNotMatch(body, /\{\d\}|undefined|\[object/, body);
        assert.ok(mail.html.includes('Zoë &amp; Co'), 'the name escaped in HTML');
        assert.ok(!mail.html.includes('<Acme>'), 'the realm name escaped in HTML');
        assert.ok(mail.text.includes('Zoë & Co') && mail.text.includes('Café <Acme>'), 'plain text as it is');
        assert.match(mail.html, new RegExp(`^<!DOCTYPE html>\\s*<html lang="${locale}">`));
        assert.match(mail.text, /^[^\n]+,\n\n[^\n]+\n\n/, 'the greeting, a blank line, the body, a blank line');
        assert.match(mail.text, /\n\n— Café <Acme>\n$/, 'the realm\'s name last, after a blank line');
        if (template !== 'email-test') {
          assert.ok(mail.html.includes(`href="${LINK.replace(/&/g, '&amp;')}"`), 'the link in HTML');
          assert.ok(mail.text.includes(LINK), 'the link in text');
          assert.match(mail.text, /2/, 'the lifespan');
        }
      });
    }
  }

  it('says a link\'s lifespan in days, hours or minutes, one or several', () => {
    const expiry = (linkLifespan: number, locale = 'en') =>
      /expires in ([^.]+)\./.exec(pages.email({ realm: { name: 'r' }, locale, resourcesPath: '/r' }, { template: 'password-reset', name: 'n', link: LINK, linkLifespan }).text)?.[1];
    assert.equal(expiry(86400), '1 day');
    assert.equal(expiry(3 * 86400), '3 days');
    assert.equal(expiry(3600), '1 hour');
    assert.equal(expiry(43200), '12 hours');
    assert.equal(expiry(300), '5 minutes');
    assert.equal(expiry(90), '2 minutes');
  });
});
