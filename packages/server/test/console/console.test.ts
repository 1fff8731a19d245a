// The admin console in Chromium, signed in as master's administrator through Latchkey's
// own code + PKCE flow: every scenario of the issue, screenshots in test-output/screenshots.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { masterAdminToken, adminApi } from '../admin/fixture.js';
import { LOGO, REALM, startStack, type Stack } from '../browser/fixture.js';
import { noChromium, openTab, screenshot, signIn } from '../helpers/browser.js';
import { claimsOf, client } from '../helpers/oidc.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';
import { confirmDialog, consoleUrl, cspViolations, fieldError, signedInConsole } from './fixture.js';

describe('admin console', { skip: noChromium }, () => {
  let s: Stack;
  let admin: ReturnType<typeof adminApi>;
  before(async () => {
    s = await startStack();
    admin = adminApi(s.server, await masterAdminToken(s.server));
  });
  after(async () => { await s?.stop(); });

  it('signs the administrator in with code + PKCE as security-admin-console, under a strict CSP', async (t) => {
    const tab = await openTab(s.browser, t);
    const { page } = tab;
    await page.setViewportSize({ width: 1280, height: 860 });
    const authorizeRequest = page.waitForRequest(/\/protocol\/openid-connect\/auth\?/);
    const first = await page.goto(consoleUrl(s));
    const csp = first!.headers()['content-security-policy'];
    assert.ok(csp, 'the console page has a CSP');
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, csp);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);

    // The console sends the browser to master's login page with PKCE S256.
    await page.waitForSelector('#username');
    const authorize = new URL((await authorizeRequest).url());
    assert.equal(authorize.searchParams.get('client_id'), 'security-admin-console');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorize.searchParams.get('redirect_uri'), consoleUrl(s));
    await screenshot(page, 'console-sign-in');
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.waitForSelector('.topbar');
    await page.waitForSelector('table.list');
    // The code and state left the address bar.
    assert.doesNotMatch(page.url(), /code=|state=/);
    assert.equal(await page.locator('.who span').textContent(), 'admin');
    assert.ok(await page.getByRole('link', { name: 'security-admin-console' }).isVisible());
    await screenshot(page, 'console-clients-master');
    assert.deepEqual(cspViolations(tab), []);

    // Keycloak's address for the console leads here.
    const keycloak = await page.goto(`http://localhost:${s.server.port}/admin/master/console/`);
    assert.equal(new URL(keycloak!.url()).pathname, '/admin/');
  });

  it('switches realms and creates one', async (t) => {
    const tab = await signedInConsole(s, t, '#/master/clients');
    const { page } = tab;
    await page.selectOption('.realm-switcher select', REALM);
    await page.waitForURL(/#\/web\/clients$/);
    await page.getByRole('link', { name: 'rp-code', exact: true }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'admin-cli' }).count(), 0, 'master\'s clients are gone');
    await screenshot(page, 'console-realm-web');

    // The list's search asks the server for client IDs containing the text.
    const rows = page.locator('table.list tbody tr');
    await page.getByLabel('Search client applications').fill('rp-c');
    await page.waitForFunction(() => document.querySelectorAll('table.list tbody tr').length === 2);
    assert.deepEqual((await rows.locator('td:first-child').allTextContents()).sort(), ['rp-code', 'rp-consent']);
    await screenshot(page, 'console-clients-search');
    await page.getByLabel('Search client applications').fill('no-such-client');
    await page.getByText('No client applications match “no-such-client”.').waitFor();
    await page.getByLabel('Search client applications').fill('');
    await page.getByRole('link', { name: 'rp-api', exact: true }).waitFor();

    await page.selectOption('.realm-switcher select', '');
    await page.waitForURL(/#\/web\/new-realm$/);
    await page.getByRole('button', { name: 'Create realm' }).click();
    assert.match(await fieldError(page, 'realm').textContent() ?? '', /Enter the realm's name/);
    await page.getByLabel('Realm name').fill('console-made');
    await page.getByLabel('Display name').fill('Made in the console');
    await page.getByRole('button', { name: 'Create realm' }).click();
    await page.waitForURL(/#\/console-made\/settings$/);
    await page.getByRole('heading', { name: /Realm settings/ }).waitFor();
    assert.equal(await page.locator('.realm-switcher select').inputValue(), 'console-made');

    // Realm settings: a wrong value is named next to its field; a good one is saved.
    await page.getByLabel('Session idle timeout (seconds)', { exact: true }).fill('ten');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    assert.match(await fieldError(page, 'ssoSessionIdleTimeout').textContent() ?? '', /whole number/);
    await page.getByLabel('Session idle timeout (seconds)', { exact: true }).fill('900');
    await page.getByLabel('Failures before a lockout').fill('5');
    await page.getByLabel('Default locale').selectOption('nl');
    // Token lifetimes, and the events: admin events off, sign-in events kept a day, admin events for good.
    await page.getByLabel('Access token lifetime (seconds)').fill('600');
    await page.getByLabel('Authorization code lifetime (seconds)').fill('45');
    assert.equal(await page.getByLabel('Record sign-in events').isChecked(), false, "Keycloak's default for a realm made through the API");
    assert.equal(await page.getByLabel('Record admin events').isChecked(), false);
    await page.getByLabel('Record sign-in events').check();
    await page.getByLabel('Keep sign-in events (seconds)').fill('a day');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    assert.match(await fieldError(page, 'eventsExpiration').textContent() ?? '', /whole number/);
    await page.getByLabel('Keep sign-in events (seconds)').fill('86400');
    await page.getByLabel('Keep admin events (seconds)').fill('0');
    await page.getByText('Kept for good.').waitFor();
    // Refresh tokens: Latchkey's default rotation, with a token good for two refreshes and a 5 s grace.
    assert.equal(await page.getByLabel('Revoke refresh tokens once used').isChecked(), true, "Latchkey's default");
    await page.getByLabel('Further uses of a refresh token').fill('1');
    await page.getByLabel('Grace for parallel refreshes (seconds)').fill('5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    await screenshot(page, 'console-realm-settings');
    const made = (await admin.get('/realms/console-made')).json;
    assert.equal(made.ssoSessionIdleTimeout, 900);
    assert.equal(made.failureFactor, 5);
    assert.equal(made.defaultLocale, 'nl');
    assert.equal(made.displayName, 'Made in the console');
    assert.equal(made.accessTokenLifespan, 600);
    assert.equal(made.accessCodeLifespan, 45);
    assert.deepEqual([made.revokeRefreshToken, made.refreshTokenMaxReuse, made.attributes.refreshTokenReuseGrace], [true, 1, '5']);
    const events = (await admin.get('/realms/console-made/events/config')).json;
    assert.deepEqual([events.eventsEnabled, events.eventsExpiration, events.adminEventsEnabled, events.adminEventsExpiration], [true, 86_400, false, 0]);
    assert.deepEqual(cspViolations(tab), []);
  });

  it('creates a client application through every tab, which then completes a client credentials grant', async (t) => {
    const tab = await signedInConsole(s, t, `#/${REALM}/clients`);
    const { page } = tab;
    await page.getByRole('link', { name: 'Create client application' }).click();
    await page.waitForURL(/clients\/new$/);

    // Seed 001, machine to machine: OpenID Connect off, so API access is mandatory. Both off: the server says so by the checkbox.
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    assert.match(await fieldError(page, 'clientId').textContent() ?? '', /Enter a client ID/);
    await page.getByLabel('Client ID').fill('price-updates');
    await page.getByLabel('Title').fill('Price updates');
    await page.getByLabel('Support OpenID Connect').uncheck();
    await page.getByLabel('Support API access').uncheck();
    await page.getByLabel('Grant type', { exact: true }).selectOption('client_credentials');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const apiError = fieldError(page, 'api');
    await apiError.waitFor();
    assert.match(await apiError.textContent() ?? '', /Support API access is required/);
    await screenshot(page, 'console-client-form-error');
    await page.getByLabel('Support API access').check();
    assert.equal(await page.getByLabel('Service accounts (client credentials)').isChecked(), true);
    assert.equal(await page.getByLabel('Standard flow (authorization code)').isChecked(), false);
    await page.getByLabel('Access token lifetime (seconds)').fill('600');
    await page.getByLabel('Logo').fill(LOGO);
    // Seed 001's Require PKCE (on for a new application), Support refresh tokens and Consent.
    assert.equal(await page.getByLabel('Require PKCE').isChecked(), true);
    await page.getByLabel('Support refresh tokens').uncheck();
    await page.getByLabel('Consent', { exact: true }).check();
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForURL(/clients\/[^/]+\/form$/);
    const id = decodeURIComponent(page.url().split('/').at(-2)!);
    const flags = async () => {
      const c = (await admin.get(`/realms/${REALM}/clients/${id}`)).json;
      return [c.attributes['pkce.code.challenge.method'], c.attributes['use.refresh.tokens'], c.consentRequired];
    };
    assert.deepEqual(await flags(), ['S256', 'false', true]);

    // Identity: the service-account user, linked.
    const identity = page.getByRole('link', { name: 'service-account-price-updates' });
    await identity.waitFor();
    await screenshot(page, 'console-client-form');

    // The same three the other way, saved on the Form tab.
    await page.getByLabel('Require PKCE').uncheck();
    await page.getByLabel('Support refresh tokens').check();
    await page.getByLabel('Consent', { exact: true }).uncheck();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    assert.deepEqual(await flags(), ['', 'true', false]);

    // Secrets: the generated one goes (after confirming), ours comes.
    await page.getByRole('link', { name: 'Secrets' }).click();
    await page.getByRole('radio', { name: 'Enter one' }).check();
    await page.getByLabel('Secret', { exact: true }).fill('too-short');
    await page.getByRole('button', { name: 'Add secret' }).click();
    assert.match(await fieldError(page, 'value').textContent() ?? '', /at least 16 characters/);
    await page.getByLabel('Secret', { exact: true }).fill('price-updates-secret-2026');
    await page.getByLabel('Label').fill('2026');
    // An expiry: in the past it is refused beside the field; in the future it is kept.
    await page.getByLabel('Expires').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Add secret' }).click();
    assert.match(await fieldError(page, 'expires').textContent() ?? '', /in the future/);
    await page.getByLabel('Expires').fill('2031-05-04T12:30');
    await page.getByRole('button', { name: 'Add secret' }).click();
    await page.locator('.secret-value').waitFor();
    assert.equal(await page.locator('.secret-value').textContent(), 'price-updates-secret-2026');
    const added = page.locator('tr[data-secret-label="2026"]');
    await added.waitFor();
    assert.doesNotMatch(await added.textContent() ?? '', /Never/);
    await screenshot(page, 'console-client-secrets');
    // The browser's local time, as the field says it (both run in this machine's time zone).
    const [expiring] = (await admin.get(`/realms/${REALM}/clients/${id}/secrets`)).json.filter((x: { label: string }) => x.label === '2026');
    assert.equal(expiring.expiresAt, Math.floor(new Date(2031, 4, 4, 12, 30).getTime() / 1000));
    const generated = page.locator('tr[data-secret-label=""]');
    await generated.getByRole('button', { name: 'Delete' }).click();
    await confirmDialog(page, 'Delete secret');
    await page.waitForFunction(() => document.querySelectorAll('table.list tbody tr').length === 1);

    // The redirects, on the Form tab: plain http to another host is refused next to the line.
    await page.getByRole('link', { name: 'Form', exact: true }).click();
    await page.getByRole('button', { name: 'Add a login redirect' }).click();
    await page.getByLabel('Allowed login redirects 1').fill('http://prices.example.com/callback');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    assert.match(await fieldError(page, 'redirectUris[0]').textContent() ?? '', /use https/);
    await page.getByLabel('Allowed login redirects 1').fill('https://prices.example.com/callback');
    await page.getByRole('button', { name: 'Add a logout redirect' }).click();
    await page.getByLabel('Allowed logout redirects 1').fill('https://prices.example.com/signed-out');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();

    await page.getByRole('link', { name: 'Default resource translation' }).click();
    await page.getByLabel('profile consent (en)').fill('Your name');
    await page.getByLabel('email consent (en)').fill('Your email address');
    await page.getByLabel('api consent (en)').fill('Update prices for you');
    await page.getByLabel('api consent (nl)').fill('Prijzen voor u bijwerken');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    await screenshot(page, 'console-client-translations');

    await page.getByRole('link', { name: 'Custom resources' }).click();
    await page.getByRole('button', { name: 'Add a custom resource' }).click();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    assert.match(await page.locator('table.resources .field-error').first().textContent() ?? '', /claim's name/);
    await page.getByLabel('Claim 1').fill('department');
    await page.getByLabel('User attribute 1').fill('department');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    await screenshot(page, 'console-client-resources');
    assert.deepEqual(cspViolations(tab), []);

    // Everything the tabs said is what the admin API holds.
    const rep = (await admin.get(`/realms/${REALM}/clients/${id}`)).json;
    assert.equal(rep.clientId, 'price-updates');
    assert.equal(rep.name, 'Price updates');
    assert.equal(rep.publicClient, false);
    assert.equal(rep.serviceAccountsEnabled, true);
    assert.equal(rep.standardFlowEnabled, false);
    assert.equal(rep.attributes['latchkey.oidc'], 'false');
    assert.equal(rep.attributes['latchkey.api.access'], 'true');
    assert.equal(rep.attributes['access.token.lifespan'], '600');
    assert.deepEqual(rep.redirectUris, ['https://prices.example.com/callback']);
    assert.equal(rep.attributes['post.logout.redirect.uris'], 'https://prices.example.com/signed-out');
    assert.deepEqual(rep.consentTexts, {
      en: { profile: 'Your name', email: 'Your email address', api: 'Update prices for you' }, nl: { api: 'Prijzen voor u bijwerken' },
    });
    assert.equal(rep.customResources[0].claim, 'department');
    assert.equal(rep.logoUri, LOGO);
    const secrets = (await admin.get(`/realms/${REALM}/clients/${id}/secrets`)).json;
    assert.deepEqual(secrets.map((x: { label: string }) => x.label), ['2026']);

    // The client credentials grant with the secret entered on the Secrets tab, through openid-client.
    const config = await client.discovery(new URL(s.issuer), 'price-updates', 'price-updates-secret-2026', undefined, {
      execute: [client.allowInsecureRequests],
    });
    const tokens = await client.clientCredentialsGrant(config);
    const claims = claimsOf(tokens.access_token);
    assert.equal(claims.azp, 'price-updates');
    assert.equal(tokens.expires_in, 600);
    const serviceAccount = (await admin.get(`/realms/${REALM}/clients/${id}/service-account-user`)).json;
    assert.equal(claims.sub, serviceAccount.id);
    // OpenID Connect is off for it: the openid scope is refused.
    await assert.rejects(client.clientCredentialsGrant(config, { scope: 'openid' }), (err: any) => err.error === 'invalid_scope');
  });

  it('sets a client\'s authentication (private_key_jwt with a JWKS URL), PAR, DPoP and request objects on its form', async (t) => {
    const id = await admin.create(`/realms/${REALM}/clients`, { clientId: 'signed-app', redirectUris: ['https://signed.example/cb'] });
    const tab = await signedInConsole(s, t, `#/${REALM}/clients/${encodeURIComponent(id)}/form`);
    const { page } = tab;
    await page.getByLabel('Client authentication').selectOption('client-jwt');
    await page.getByLabel('JWKS URL').fill('not a url');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    assert.match(await fieldError(page, 'jwksUrl').textContent() ?? '', /JSON Web Key Set/);
    await page.getByLabel('JWKS URL').fill('https://signed.example/jwks.json');
    await page.getByLabel('Require pushed authorization requests (PAR)').check();
    await page.getByLabel('Require DPoP bound tokens').check();
    await page.getByLabel('Request objects').selectOption('request only');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    const c = (await admin.get(`/realms/${REALM}/clients/${id}`)).json;
    assert.equal(c.clientAuthenticatorType, 'client-jwt');
    assert.deepEqual([c.attributes['use.jwks.url'], c.attributes['jwks.url'], c.attributes['require.pushed.authorization.requests'],
      c.attributes['request.object.required'], c.attributes['dpop.bound.access.tokens']], ['true', 'https://signed.example/jwks.json', 'true', 'request only', 'true']);
    await screenshot(page, 'console-client-authentication');
    await page.reload();
    await page.getByLabel('JWKS URL').waitFor();
    assert.equal(await page.getByLabel('Client authentication').inputValue(), 'client-jwt', 'shown as saved');
    assert.equal(await page.getByLabel('JWKS URL').inputValue(), 'https://signed.example/jwks.json');
    assert.deepEqual(cspViolations(tab), []);
  });

  it('creates a user who then signs in, and signs that user\'s session out', async (t) => {
    const tab = await signedInConsole(s, t, `#/${REALM}/users`);
    const { page } = tab;
    await page.getByRole('link', { name: 'Create user' }).click();
    await page.getByLabel('Username').fill('carol');
    await page.getByLabel('Email', { exact: true }).fill('not-an-email');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    assert.match(await fieldError(page, 'email').textContent() ?? '', /email address/);
    await page.getByLabel('Email', { exact: true }).fill('alice@example.com');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    // The server's conflict is put next to the field it is about.
    assert.match(await fieldError(page, 'email').textContent() ?? '', /same email/);
    await page.getByLabel('Email', { exact: true }).fill('carol@example.com');
    await page.getByLabel('First name').fill('Carol');
    await page.getByLabel('Last name').fill('Danvers');
    await page.getByLabel('Email verified').check();
    await page.getByLabel('Password', { exact: true }).fill('carol-first-pw');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForURL(/users\/(?!new$)[^/]+$/);
    const userId = decodeURIComponent(page.url().split('/').at(-1)!);

    // A new password, set on the Credentials tab.
    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByLabel('New password', { exact: true }).fill('carol-pw');
    await page.getByLabel('New password again').fill('carol-pw-typo');
    await page.getByRole('button', { name: 'Set password' }).click();
    assert.match(await fieldError(page, 'again').textContent() ?? '', /differ/);
    await page.getByLabel('New password again').fill('carol-pw');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('Password set.').waitFor();

    // Carol signs in to the relying party in a browser of her own.
    const carol = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code', scope: 'openid profile email' });
    await carol.page.goto(flow.url);
    await carol.page.waitForSelector('#username');
    await signIn(carol.page, 'carol', 'carol-pw');
    const outcome = assertSignedIn(await flow.outcome());
    assert.equal(outcome.idToken!.sub, userId);
    assert.equal(outcome.idToken!.preferred_username, 'carol');
    assert.equal(outcome.idToken!.email, 'carol@example.com');

    // Her session, with the client it served; signing it out asks first.
    await page.getByRole('link', { name: 'Sessions' }).click();
    const row = page.locator('table.sessions tbody tr', { hasText: 'rp-code' });
    await row.waitFor();
    await screenshot(page, 'console-user-sessions');
    await row.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('dialog[open]').waitFor();
    await screenshot(page, 'console-confirm-sign-out');
    await confirmDialog(page, 'Sign out');
    await page.getByText('Not signed in anywhere.').waitFor();
    // Her refresh token died with the session.
    await assert.rejects(client.refreshTokenGrant(s.rp.config('rp-code'), outcome.tokens!.refresh_token!), (err: any) => err.error === 'invalid_grant');

    // Signed in twice more (two browsers), she is signed out of both at once.
    const refreshTokens: string[] = [];
    for (const browser of [carol, await openTab(s.browser, t)]) {
      const again = await s.rp.start({ clientId: 'rp-code', scope: 'openid' });
      await browser.page.goto(again.url);
      await browser.page.waitForSelector('#username');
      await signIn(browser.page, 'carol', 'carol-pw');
      refreshTokens.push(assertSignedIn(await again.outcome()).tokens!.refresh_token!);
    }
    await page.getByRole('link', { name: 'Details' }).click();
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.waitForFunction(() => document.querySelectorAll('table.sessions tbody tr[data-session]').length === 2);
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await confirmDialog(page, 'Sign out everywhere');
    await page.getByText('Signed out everywhere.').waitFor();
    await page.getByText('Not signed in anywhere.').waitFor();
    await screenshot(page, 'console-user-signed-out-everywhere');
    assert.deepEqual((await admin.get(`/realms/${REALM}/users/${userId}/sessions`)).json, []);
    for (const token of refreshTokens) {
      await assert.rejects(client.refreshTokenGrant(s.rp.config('rp-code'), token), (err: any) => err.error === 'invalid_grant');
    }

    // Her details, changed; disabled and enabled again; a realm role granted to her directly.
    await page.getByRole('link', { name: 'Details' }).click();
    await page.getByLabel('Last name').fill('Danvers-Rambeau');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    assert.equal((await admin.get(`/realms/${REALM}/users/${userId}`)).json.lastName, 'Danvers-Rambeau');
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    await page.locator('.head-badges .badge.off', { hasText: 'Disabled' }).waitFor();
    assert.equal((await admin.get(`/realms/${REALM}/users/${userId}`)).json.enabled, false);
    assert.equal(await page.getByLabel('Enabled', { exact: true }).isChecked(), false, 'the form shows it too');
    await screenshot(page, 'console-user-disabled');
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await page.locator('.head-badges .badge.on', { hasText: 'Enabled' }).waitFor();
    assert.equal((await admin.get(`/realms/${REALM}/users/${userId}`)).json.enabled, true);

    await page.getByRole('link', { name: 'Role mapping' }).click();
    await page.getByLabel('Grant a role').first().selectOption({ label: 'offline_access' });
    await page.getByRole('button', { name: 'Grant', exact: true }).first().click();
    await page.getByRole('list', { name: 'Granted Realm roles' }).getByText('offline_access').waitFor();
    await screenshot(page, 'console-user-role-granted');
    const direct = (await admin.get(`/realms/${REALM}/users/${userId}/role-mappings/realm`)).json.map((r: { name: string }) => r.name);
    assert.ok(direct.includes('offline_access'), direct.join(', '));

    // A temporary password: she chooses her own at the next sign-in, and the page says so meanwhile.
    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByLabel('New password', { exact: true }).fill('carol-temporary-pw');
    await page.getByLabel('New password again').fill('carol-temporary-pw');
    await page.getByLabel('Temporary', { exact: true }).check();
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('Temporary password set.').waitFor();
    await page.getByText('Chooses a new password at the next sign-in').waitFor();
    assert.deepEqual((await admin.get(`/realms/${REALM}/users/${userId}`)).json.requiredActions, ['UPDATE_PASSWORD']);
    assert.deepEqual(cspViolations(tab), []);
  });

  it('asks before a destructive action, and does nothing when cancelled', async (t) => {
    const tab = await signedInConsole(s, t, `#/${REALM}/roles`);
    const { page } = tab;
    await page.getByLabel('Role name').fill('short-lived');
    await page.getByLabel('Description').fill('About to go');
    await page.getByRole('button', { name: 'Create role' }).click();
    const row = page.locator('table.list tbody tr', { hasText: 'short-lived' });
    await row.waitFor();

    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    assert.match(await dialog.textContent() ?? '', /Delete role short-lived\?/);
    await screenshot(page, 'console-confirm-delete');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForSelector('dialog[open]', { state: 'hidden' });
    assert.equal((await admin.get(`/realms/${REALM}/roles/short-lived`)).status, 200, 'cancelled: the role stays');

    await row.getByRole('button', { name: 'Delete' }).click();
    await confirmDialog(page, 'Delete role');
    await row.waitFor({ state: 'detached' });
    assert.equal((await admin.get(`/realms/${REALM}/roles/short-lived`)).status, 404);
  });

  it('rotates keys: the new key signs, the old one stays in the JWKS', async (t) => {
    const tab = await signedInConsole(s, t, `#/${REALM}/keys`);
    const { page } = tab;
    await page.locator('table.keys tbody tr').first().waitFor();
    const before = (await admin.get(`/realms/${REALM}/keys`)).json;
    await page.getByRole('button', { name: 'Rotate keys' }).click();
    await confirmDialog(page, 'Rotate');
    await page.getByText('Rotated: the new keys sign from now on.').waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('table.keys tbody tr').length === n, before.keys.length * 2);
    await screenshot(page, 'console-keys-rotated');

    const after = (await admin.get(`/realms/${REALM}/keys`)).json;
    assert.notEqual(after.active.RS256, before.active.RS256, 'a new RS256 key signs');
    const jwks = await (await fetch(`${s.server.url}/realms/${REALM}/protocol/openid-connect/certs`)).json() as { keys: Array<{ kid: string }> };
    const kids = jwks.keys.map((k) => k.kid);
    assert.ok(kids.includes(before.active.RS256) && kids.includes(after.active.RS256), 'both keys are published');
    assert.deepEqual(cspViolations(tab), []);
  });

  it('manages groups with their roles and members, and shows events', async (t) => {
    const tab = await signedInConsole(s, t, `#/${REALM}/groups`);
    const { page } = tab;
    await page.getByLabel('Name').fill('staff');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('link', { name: 'staff' }).click();
    await page.getByRole('heading', { level: 1, name: /staff/ }).waitFor();
    await page.getByLabel('Grant a role').first().selectOption({ label: 'offline_access' });
    await page.getByRole('button', { name: 'Grant', exact: true }).first().click();
    await page.getByRole('list', { name: 'Granted Realm roles' }).getByText('offline_access').waitFor();
    await page.locator('form[aria-label="Create a subgroup"]').getByLabel('Name').fill('managers');
    await page.locator('form[aria-label="Create a subgroup"]').getByRole('button', { name: 'Create' }).click();
    await page.getByRole('link', { name: 'managers' }).waitFor();
    await screenshot(page, 'console-group');
    const [staff] = (await admin.get(`/realms/${REALM}/groups?search=staff`)).json;
    assert.deepEqual((await admin.get(`/realms/${REALM}/groups/${staff.id}`)).json.realmRoles, ['offline_access']);

    // Alice joins it from her Groups tab.
    const [alice] = (await admin.get(`/realms/${REALM}/users?username=alice&exact=true`)).json;
    await page.goto(consoleUrl(s, `#/${REALM}/users/${alice.id}/groups`));
    await page.getByLabel('Join a group').selectOption({ label: '/staff/managers' });
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByRole('link', { name: '/staff/managers' }).waitFor();
    await page.getByRole('link', { name: 'Role mapping' }).click();
    await page.getByText(/Also held through groups or composite roles: .*offline_access/).waitFor();
    await screenshot(page, 'console-user-roles');

    await page.goto(consoleUrl(s, `#/${REALM}/events`));
    await page.locator('table.events tbody tr').first().waitFor();
    // Filtered by type and client: only those rows, asked of the server.
    const types = () => page.locator('table.events tbody tr td:nth-child(2)').allTextContents();
    const filtered = page.waitForResponse((r) => /\/events\?type=LOGIN&client=rp-code/.test(r.url()));
    await page.getByLabel('Event type').fill('login');
    await page.getByLabel('Client', { exact: true }).fill('rp-code');
    await filtered;
    await page.waitForFunction(() => [...document.querySelectorAll('table.events tbody tr td:nth-child(2)')].every((td) => td.textContent === 'LOGIN'));
    assert.ok((await types()).length > 0, 'carol signed in to rp-code');
    assert.ok((await page.locator('table.events tbody tr td:nth-child(3)').allTextContents()).every((c) => c === 'rp-code'));
    await screenshot(page, 'console-events-filtered');
    await page.getByLabel('Event type').fill('NO_SUCH_TYPE');
    await page.getByText('No events.').waitFor();

    await page.getByRole('link', { name: 'Admin events' }).click();
    await page.locator('table.events tbody tr', { hasText: 'GROUP' }).first().waitFor();
    await page.getByLabel('Operation', { exact: true }).selectOption('CREATE');
    await page.getByLabel('Resource type').fill('group');
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('table.events tbody tr')].map((tr) => [tr.children[1]?.textContent, tr.children[2]?.textContent]);
      return cells.length > 0 && cells.every(([op, type]) => op === 'CREATE' && type === 'GROUP');
    });
    await screenshot(page, 'console-admin-events');
    assert.deepEqual(cspViolations(tab), []);
  });

  it('refreshes its access token before it runs out, with the refresh token it got', async (t) => {
    // Master's tokens live 22 s: the console refreshes once fewer than 20 s are left, so at its next call.
    assert.equal((await admin.put('/realms/master', { accessTokenLifespan: 22 })).status, 204);
    t.after(async () => { await admin.put('/realms/master', { accessTokenLifespan: 300 }); });
    const tab = await signedInConsole(s, t, '#/master/clients');
    const { page } = tab;
    await page.getByRole('link', { name: 'admin-cli' }).waitFor();
    await new Promise((r) => setTimeout(r, 2500));
    const refreshed = page.waitForRequest((r) => r.url().endsWith('/realms/master/protocol/openid-connect/token')
      && /grant_type=refresh_token/.test(r.postData() ?? ''));
    await page.getByRole('link', { name: 'Users' }).click();
    await refreshed;
    await page.getByRole('link', { name: 'admin', exact: true }).waitFor();
    assert.deepEqual(cspViolations(tab), []);
  });

  it('identity providers: adds one (checked against its metadata), changes it, its button on the login page, deletes it', async (t) => {
    // The provider is this server's master realm: a real OpenID provider, whose metadata the check fetches.
    const tab = await signedInConsole(s, t, `#/${REALM}/identity-providers`);
    const { page } = tab;
    await page.getByText('No identity providers yet.').waitFor();
    await page.getByRole('link', { name: 'Add identity provider' }).click();
    await page.waitForURL(/identity-providers\/new$/);

    await page.getByLabel('Alias').fill('corp');
    await page.getByLabel('Display name').fill('Corp');
    await page.getByLabel('Issuer (Authority)').fill('http://idp.example/realms/corp');
    await page.getByLabel('Client ID').fill('admin-cli');
    await page.getByLabel('Client authentication').selectOption('none');
    await page.getByRole('button', { name: 'Add a claim' }).click();
    await page.getByLabel('Claim 1', { exact: true }).fill('department');
    await page.getByLabel('User attribute 1', { exact: true }).fill('department');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    assert.match(await fieldError(page, 'issuer').textContent() ?? '', /must use https/);
    await screenshot(page, 'console-identity-provider-error');

    await page.getByLabel('Issuer (Authority)').fill(s.server.issuer('master'));
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(/identity-providers\/corp$/);
    await page.getByRole('heading', { name: /Corp/ }).waitFor();
    await screenshot(page, 'console-identity-provider');
    const saved = (await admin.get(`/realms/${REALM}/identity-provider/instances/corp`)).json;
    assert.equal(saved.config.issuer, s.server.issuer('master'));
    assert.equal(saved.config.clientAuthMethod, 'none');
    assert.equal(saved.config.pkceEnabled, 'true');
    assert.equal(saved.config.authorizationUrl, `${s.server.issuer('master')}/protocol/openid-connect/auth`, 'the metadata was read');
    assert.deepEqual(saved.claimMappers.map((m: any) => [m.claim, m.userAttribute]), [['department', 'department']]);

    // A response mode that cannot carry the response type's tokens: said beside the field.
    await page.getByLabel('Response type').selectOption('id_token token');
    await page.getByLabel('Response mode').selectOption('query');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    assert.match(await fieldError(page, 'responseMode').textContent() ?? '', /cannot carry the tokens/);
    await page.getByLabel('Response mode').selectOption('');
    await page.getByLabel('Display name').fill('Corp SSO');
    await page.getByLabel('Ask the user\'s second factor after a sign-in here').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    const changed = (await admin.get(`/realms/${REALM}/identity-provider/instances/corp`)).json;
    assert.equal(changed.postBrokerLoginFlowAlias, 'post broker second factor', 'Keycloak\'s post-broker login flow, by a name');
    assert.equal(changed.displayName, 'Corp SSO');
    assert.equal(changed.responseType, 'id_token token');
    assert.equal(changed.responseMode, undefined);
    assert.equal(changed.config.pkceEnabled, 'false', 'no PKCE without a code');

    const login = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'rp-code' });
    await login.page.goto(flow.url);
    assert.equal((await login.page.textContent('[id="social-corp"]'))?.trim(), 'Sign in with Corp SSO');

    await page.getByRole('link', { name: 'Identity providers' }).first().click();
    await page.getByRole('link', { name: 'corp', exact: true }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await confirmDialog(page, 'Delete identity provider');
    await page.waitForURL(/identity-providers$/);
    await page.getByText('No identity providers yet.').waitFor();
    assert.equal((await admin.get(`/realms/${REALM}/identity-provider/instances/corp`)).status, 404);
    assert.deepEqual(cspViolations(tab), []);
  });
});
