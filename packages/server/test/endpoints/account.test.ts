// Keycloak's account REST API (/realms/{realm}/account) over HTTP with real user tokens:
// each endpoint, CORS for the calling client's web origins, 401 with RFC 6750's challenge,
// 403 for a token without the account audience or a user without the account roles.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DPOP_ALGS } from '../../src/protocol/dpop.js';
import { send, passwordGrant } from '../helpers/http.js';
import { HttpBrowser } from '../helpers/http-browser.js';
import { claimsOf } from '../helpers/oidc.js';
import { adminApi, masterAdminToken } from '../admin/fixture.js';
import { recipient, startMailSink } from '../helpers/smtp.js';
import { ADMIN_PASSWORD, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'acct';
const APP_ORIGIN = 'https://app.example';
const REDIRECT = 'https://app.example/cb';

/** Keycloak's WebAuthnCredentialData: the public key, nothing secret. */
function webAuthnCredential(type: string, userLabel: string, credentialId: string): object {
  return {
    type, userLabel, secretData: '{}',
    credentialData: JSON.stringify({
      aaguid: '01020304-0506-0708-0102-030405060708', credentialId, credentialPublicKey: 'pQECAyYgASFYIA==', counter: 0,
      attestationStatementFormat: 'none', transports: ['internal'],
    }),
  };
}

function accountRealm(): object {
  return {
    realm: REALM,
    enabled: true,
    // olga has a second factor, and the tests take her tokens by password.
    attributes: { passwordGrantWithSecondFactor: 'true' },
    clients: [
      { clientId: 'spa', publicClient: true, directAccessGrantsEnabled: true, redirectUris: [REDIRECT], webOrigins: [APP_ORIGIN] },
      {
        clientId: 'consenting', name: 'Consenting App', publicClient: false, secret: 'consenting-secret', consentRequired: true,
        redirectUris: [REDIRECT],
      },
      // Seed 001: without API access a token names no API, the account service included.
      { clientId: 'no-api', publicClient: false, secret: 'no-api-secret', directAccessGrantsEnabled: true, attributes: { 'latchkey.api.access': 'false' } },
    ],
    users: [
      {
        username: 'alice', enabled: true, email: 'alice@example.com', emailVerified: true, firstName: 'Alice', lastName: 'Liddell',
        credentials: [{ type: 'password', value: 'alice-pw' }], realmRoles: [`default-roles-${REALM}`],
      },
      { username: 'carol', enabled: true, email: 'carol@example.com', credentials: [{ type: 'password', value: 'carol-pw' }], realmRoles: [`default-roles-${REALM}`] },
      {
        username: 'olga', enabled: true, email: 'olga@example.com', realmRoles: [`default-roles-${REALM}`],
        credentials: [
          { type: 'password', value: 'olga-pw' },
          {
            type: 'otp', userLabel: 'Phone', secretData: JSON.stringify({ value: 'JhYJxX8E5Qyf0xxVcd5B' }),
            credentialData: JSON.stringify({ subType: 'totp', digits: 6, counter: 0, period: 30, algorithm: 'HmacSHA1' }),
          },
          webAuthnCredential('webauthn-passwordless', 'Laptop', 'q83vEjRWeJA='),
          webAuthnCredential('webauthn', 'YubiKey', 'EjRWeJCrze8='),
        ],
      },
      // Imported without the default roles (as a Keycloak export can have it): no account roles, so no account audience.
      { username: 'dave', enabled: true, credentials: [{ type: 'password', value: 'dave-pw' }] },
    ],
  };
}

describe('account REST API', () => {
  let server: TestServer;
  before(async () => { server = await startServer({ realms: [accountRealm()] }); });
  after(async () => { await server.stop(); });

  const url = (path = '') => realmUrl(server, REALM, `/account${path}`);
  const token = async (username: string, password: string, clientId = 'spa', secret?: string) => {
    const res = await passwordGrant(server, REALM, clientId, secret, username, password, { scope: 'openid' });
    assert.equal(res.status, 200, res.text);
    return res.json as { access_token: string; session_state: string; refresh_token: string };
  };
  const call = (path: string, accessToken: string, init: RequestInit = {}) => send(url(path), {
    ...init, headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json', ...(init.headers as Record<string, string>) },
  });

  it('a user token carries the audience account and the account roles, as Keycloak\'s', async () => {
    const claims = claimsOf((await token('alice', 'alice-pw')).access_token);
    assert.equal(claims.aud, 'account');
    assert.deepEqual(claims.resource_access.account.roles.sort(), ['manage-account', 'manage-account-links', 'view-profile']);
  });

  it('GET and POST the profile', async () => {
    const { access_token: at } = await token('alice', 'alice-pw');
    const me = await call('', at);
    assert.equal(me.status, 200, me.text);
    assert.match(me.headers.get('cache-control') ?? '', /no-store/);
    assert.equal(me.json.username, 'alice');
    assert.equal(me.json.email, 'alice@example.com');
    assert.equal(me.json.firstName, 'Alice');
    assert.equal(me.json.lastName, 'Liddell');
    assert.equal(me.json.emailVerified, true);
    assert.equal(me.json.id, claimsOf(at).sub);

    const update = await call('', at, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', firstName: 'Alicia', lastName: 'Liddell', email: 'alicia@example.com' }),
    });
    assert.equal(update.status, 204, update.text);
    const after = (await call('', at)).json;
    assert.equal(after.firstName, 'Alicia');
    assert.equal(after.email, 'alicia@example.com');
    assert.equal(after.emailVerified, false, 'a new address is not verified');

    const rename = await call('', at, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'mallory' }) });
    assert.equal(rename.status, 400, rename.text);
    assert.match(rename.json.error_description, /username/);
    const taken = await call('', at, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'carol@example.com' }) });
    assert.equal(taken.status, 409, taken.text);
    const bad = await call('', at, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'not an address' }) });
    assert.equal(bad.status, 400, bad.text);
    const malformed = await call('', at, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ firstName: { given: 'A' } }) });
    assert.equal(malformed.status, 400, malformed.text);
  });

  it('a new email where the realm verifies email: not verified, UPDATE_EMAIL recorded, and the verify-email mail on its way', async () => {
    const sink = await startMailSink();
    const admin = adminApi(server, await masterAdminToken(server));
    const realm = (changes: object) => admin.put(`/realms/${REALM}`, changes);
    try {
      assert.equal((await realm({ verifyEmail: true, smtpServer: { host: '127.0.0.1', port: String(sink.port), from: 'noreply@example.test' } })).status, 204);
      const carol = (await admin.get(`/realms/${REALM}/users?username=carol&exact=true`)).json[0].id;
      // Where the realm verifies email an unverified account cannot use the password grant: carol's address starts verified.
      assert.equal((await admin.put(`/realms/${REALM}/users/${carol}`, { emailVerified: true })).status, 204);
      const { access_token: at } = await token('carol', 'carol-pw');
      const update = await call('', at, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'carol.new@example.com', firstName: 'Carol', lastName: 'Cole' }) });
      assert.equal(update.status, 204, update.text);
      assert.equal((await call('', at)).json.emailVerified, false);
      const mail = await sink.waitFor((m) => recipient(m) === 'carol.new@example.com', 'the verify-email mail');
      assert.match(mail.text ?? '', new RegExp(`/realms/${REALM}/login-actions/action-token\\?key=`));
      const events = (await admin.get(`/realms/${REALM}/events?user=${carol}&type=UPDATE_EMAIL`)).json;
      assert.equal(events[0].details.updated_email, 'carol.new@example.com');
      assert.equal(events[0].details.previous_email, 'carol@example.com');
    } finally {
      await realm({ verifyEmail: false });
      await sink.stop();
    }
  });

  it('GET credentials: the password, and the second factors the user could have', async () => {
    const { access_token: at } = await token('carol', 'carol-pw');
    const res = await call('/credentials', at);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.map((c: { type: string }) => c.type), ['password', 'otp', 'recovery-authn-codes', 'webauthn', 'webauthn-passwordless']);
    assert.equal(res.json[1].createAction, 'CONFIGURE_TOTP');
    assert.deepEqual(res.json[1].userCredentialMetadatas, []);
    assert.equal(res.json[0].type, 'password');
    assert.equal(res.json[0].userCredentialMetadatas.length, 1);
    assert.equal(typeof res.json[0].userCredentialMetadatas[0].credential.createdDate, 'number');
    assert.equal((await call('/credentials?type=password', at)).json.length, 1);
    assert.deepEqual((await call('/credentials?type=webauthn', at)).json[0].userCredentialMetadatas, []);
  });

  it('GET credentials: security keys and passkeys in Keycloak\'s shape; DELETE removes one with REMOVE_CREDENTIAL', async () => {
    const { access_token: at } = await token('olga', 'olga-pw');
    const [key] = (await call('/credentials?type=webauthn', at)).json;
    assert.deepEqual({ ...key, userCredentialMetadatas: undefined }, {
      type: 'webauthn', category: 'two-factor', displayName: 'webauthn-display-name', helptext: 'webauthn-help-text',
      iconCssClass: 'kcAuthenticatorWebAuthnClass', createAction: 'webauthn-register', removeable: true, userCredentialMetadatas: undefined,
    });
    assert.equal(key.userCredentialMetadatas[0].credential.userLabel, 'YubiKey');
    const [passkeys] = (await call('/credentials?type=webauthn-passwordless', at)).json;
    assert.equal(passkeys.category, 'passwordless');
    assert.equal(passkeys.displayName, 'webauthn-passwordless-display-name');
    assert.equal(passkeys.createAction, 'webauthn-register-passwordless');
    assert.equal(passkeys.userCredentialMetadatas.length, 1);
    const { id, type, userLabel, createdDate } = passkeys.userCredentialMetadatas[0].credential;
    assert.deepEqual([type, userLabel, typeof createdDate], ['webauthn-passwordless', 'Laptop', 'number']);

    const admin = adminApi(server, await masterAdminToken(server));
    assert.equal((await call(`/credentials/${id}`, at, { method: 'DELETE' })).status, 204);
    assert.deepEqual((await call('/credentials?type=webauthn-passwordless', at)).json[0].userCredentialMetadatas, []);
    assert.equal((await call('/credentials?type=webauthn', at)).json[0].userCredentialMetadatas.length, 1);
    const olga = (await admin.get(`/realms/${REALM}/users?username=olga&exact=true`)).json[0].id;
    const [removed] = (await admin.get(`/realms/${REALM}/events?user=${olga}&type=REMOVE_CREDENTIAL`)).json;
    assert.equal(removed.details.credential_type, 'webauthn-passwordless');
    assert.equal(removed.details.credential_id, id);
  });

  it('DELETE credentials/{id}: a second factor of the user\'s own goes, with REMOVE_TOTP; another\'s is not found', async () => {
    const { access_token: at } = await token('olga', 'olga-pw');
    const otp = (await call('/credentials?type=otp', at)).json[0];
    assert.equal(otp.userCredentialMetadatas.length, 1);
    const { id, userLabel } = otp.userCredentialMetadatas[0].credential;
    assert.equal(userLabel, 'Phone');
    const { access_token: carol } = await token('carol', 'carol-pw');
    assert.equal((await call(`/credentials/${id}`, carol, { method: 'DELETE' })).status, 404);
    assert.equal((await call(`/credentials/${id}`, at, { method: 'DELETE' })).status, 204);
    assert.deepEqual((await call('/credentials?type=otp', at)).json[0].userCredentialMetadatas, []);
    assert.equal((await call(`/credentials/${id}`, at, { method: 'DELETE' })).status, 404);
  });

  it('sessions/devices: each session a device of Keycloak\'s shape, the current one marked', async () => {
    const first = await token('carol', 'carol-pw');
    const res = await call('/sessions/devices', first.access_token);
    assert.equal(res.status, 200, res.text);
    const current = res.json.find((d: { current: boolean }) => d.current);
    assert.equal(current.sessions[0].id, first.session_state);
    assert.equal(typeof current.lastAccess, 'number');
    assert.equal(current.sessions[0].rememberMe, false);
  });

  it('a browser asking for the API\'s address as a page gets the account console; its client is there', async () => {
    const page = await send(url(), { headers: { accept: 'text/html,application/xhtml+xml' }, redirect: 'manual' });
    assert.equal(page.status, 302);
    assert.match(page.headers.get('location') ?? '', /\/account\/$/);
    const console = await send(url('/'), { headers: { accept: 'text/html' } });
    assert.ok(console.status === 200 || console.status === 503, String(console.status));
    if (console.status === 200) {
      assert.match(console.text, /<div id="root">/);
      assert.match(console.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      const asset = /src="\.\/assets\/([^"]+)"/.exec(console.text)![1];
      const js = await send(url(`/assets/${asset}`));
      assert.equal(js.status, 200);
      assert.match(js.headers.get('content-type') ?? '', /javascript/);
    }
    assert.equal((await send(url('/assets/nothing.js'))).status, 404);
    const clients = await send(`${server.url}/admin/realms/${REALM}/clients?clientId=account-console`, {
      headers: { authorization: `Bearer ${await masterAdminToken(server)}` },
    });
    assert.equal(clients.json.length, 1);
    assert.equal(clients.json[0].publicClient, true);
    assert.deepEqual(clients.json[0].redirectUris, [`/realms/${REALM}/account/*`]);
    assert.equal(clients.json[0].attributes['pkce.code.challenge.method'], 'S256');
  });

  it('sessions: list, DELETE one, DELETE all but the current one, DELETE with current=true', async () => {
    const first = await token('carol', 'carol-pw');
    const second = await token('carol', 'carol-pw');
    const third = await token('carol', 'carol-pw');
    const list = await call('/sessions', first.access_token);
    assert.equal(list.status, 200, list.text);
    const ids = list.json.map((s: { id: string }) => s.id);
    for (const t of [first, second, third]) assert.ok(ids.includes(t.session_state));
    const mine = list.json.find((s: { id: string }) => s.id === first.session_state);
    assert.equal(mine.current, true);
    assert.deepEqual(mine.clients.map((c: { clientId: string }) => c.clientId), ['spa']);
    assert.ok(mine.started > 0 && mine.lastAccess >= mine.started && mine.expires > mine.lastAccess);

    assert.equal((await call(`/sessions/${second.session_state}`, first.access_token, { method: 'DELETE' })).status, 204);
    assert.equal((await call('', second.access_token)).status, 401, 'the ended session\'s token is refused');
    assert.equal((await call(`/sessions/${second.session_state}`, first.access_token, { method: 'DELETE' })).status, 404);
    const alices = await token('alice', 'alice-pw');
    assert.equal((await call(`/sessions/${alices.session_state}`, first.access_token, { method: 'DELETE' })).status, 404,
      'another user\'s session is not found');
    assert.equal((await call('', alices.access_token)).status, 200, 'and lives on');

    assert.equal((await call('/sessions', first.access_token, { method: 'DELETE' })).status, 204);
    assert.equal((await call('', third.access_token)).status, 401);
    assert.deepEqual((await call('/sessions', first.access_token)).json.map((s: { id: string }) => s.id), [first.session_state]);
    assert.equal((await call('/sessions?current=true', first.access_token, { method: 'DELETE' })).status, 204);
    assert.equal((await call('', first.access_token)).status, 401);
  });

  it('linked-accounts: none in a realm without identity providers', async () => {
    const { access_token: at } = await token('alice', 'alice-pw');
    const res = await call('/linked-accounts', at);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, []);
    assert.equal((await call('/linked-accounts/nowhere', at, { method: 'DELETE' })).status, 400);
  });

  it('applications: those in use and those consented to; revoking the consent asks again', async () => {
    const browser = new HttpBrowser();
    const auth = `${realmUrl(server, REALM, '/protocol/openid-connect/auth')}?${new URLSearchParams({
      client_id: 'consenting', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid profile', state: 's',
    })}`;
    const consent = await browser.signIn(await browser.visit(auth), 'alice', 'alice-pw');
    assert.match(consent.text, /id="kc-consent-form"/);
    const accepted = await browser.submit(consent, 'kc-consent-form', { cancel: undefined });
    assert.ok(new URL(accepted.location!).searchParams.get('code'));

    const { access_token: at } = await token('alice', 'alice-pw');
    const res = await call('/applications', at);
    assert.equal(res.status, 200, res.text);
    const byId = new Map(res.json.map((a: { clientId: string }) => [a.clientId, a]));
    const consenting = byId.get('consenting') as any;
    assert.equal(consenting.clientName, 'Consenting App');
    assert.equal(consenting.userConsentRequired, true);
    const granted = consenting.consent.grantedScopes.map((s: { name: string }) => s.name);
    for (const scope of ['openid', 'profile']) assert.ok(granted.includes(scope), `${scope} in ${granted}`);
    assert.equal((byId.get('spa') as any).inUse, true);

    assert.equal((await call('/applications/consenting/consent', at, { method: 'DELETE' })).status, 204);
    assert.equal(((await call('/applications', at)).json.find((a: { clientId: string }) => a.clientId === 'consenting') as any)?.consent, undefined);
    const again = await browser.visit(auth);
    assert.match(again.text, /id="kc-consent-form"/, 'the consent page again');
    assert.equal((await call('/applications/nobody/consent', at, { method: 'DELETE' })).status, 404);
  });

  it('401 with RFC 6750\'s challenge without a token or with a bad one', async () => {
    const none = await send(url());
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), `Bearer realm="${REALM}", DPoP algs="${DPOP_ALGS.join(' ')}"`);
    const bad = await call('', 'not-a-token');
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /^Bearer realm="acct", error="invalid_token"/);
    assert.equal(bad.json.error, 'invalid_token');
  });

  it('403 for a token without the account audience, and for a user without the account roles', async () => {
    const noApi = (await passwordGrant(server, REALM, 'no-api', 'no-api-secret', 'alice', 'alice-pw', { scope: 'openid' })).json.access_token;
    assert.equal(claimsOf(noApi).aud, 'no-api');
    const res = await call('', noApi);
    assert.equal(res.status, 403, res.text);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);

    const dave = (await token('dave', 'dave-pw')).access_token;
    assert.equal(claimsOf(dave).aud, 'spa', 'no account roles, no account audience');
    for (const path of ['', '/sessions', '/applications', '/credentials', '/linked-accounts']) {
      assert.equal((await call(path, dave)).status, 403, path);
    }
  });

  it('CORS for the token\'s client\'s web origins only', async () => {
    const { access_token: at } = await token('alice', 'alice-pw');
    const allowed = await call('', at, { headers: { origin: APP_ORIGIN } });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get('access-control-allow-origin'), APP_ORIGIN);
    assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true');
    const other = await call('', at, { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const unauthenticated = await send(url(), { headers: { origin: APP_ORIGIN } });
    assert.equal(unauthenticated.status, 401);

    const preflight = await send(url('/sessions'), {
      method: 'OPTIONS',
      headers: { origin: APP_ORIGIN, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /DELETE/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/i);
  });
});

describe('account client of a realm from before the account API', () => {
  it('is made at the next start, and tokens then name account', async () => {
    // A realm without the account client stands for one made before Latchkey had it.
    const first = await startServer({ realms: [accountRealm()], keepData: true });
    const { dataDir } = first;
    try {
      const admin = (await passwordGrant(first, 'master', 'admin-cli', undefined, 'admin', ADMIN_PASSWORD)).json.access_token;
      const api = (path: string, method = 'GET') => send(`${first.url}/admin/realms/${REALM}${path}`, { method, headers: { authorization: `Bearer ${admin}` } });
      const [account] = (await api('/clients?clientId=account')).json;
      assert.equal((await api(`/clients/${account.id}`, 'DELETE')).status, 204);
      const without = await passwordGrant(first, REALM, 'spa', undefined, 'alice', 'alice-pw');
      assert.equal(claimsOf(without.json.access_token).aud, 'spa');
    } finally {
      await first.stop();
    }
    const second = await startServer({ dataDir });
    try {
      const res = await passwordGrant(second, REALM, 'spa', undefined, 'alice', 'alice-pw');
      assert.equal(claimsOf(res.json.access_token).aud, 'account');
      assert.equal((await send(realmUrl(second, REALM, '/account'), { headers: { authorization: `Bearer ${res.json.access_token}` } })).status, 200);
    } finally {
      await second.stop();
    }
  });
});
