// RFC 8693 token exchange as Keycloak 26's standard token exchange (issue 17), driven by
// openid-client 6's genericGrantRequest; the exchanged token is checked by @latchkey/resource.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createVerifier, TokenError } from '@latchkey/resource';
import { adminApi, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { claimsOf, client, rp } from '../helpers/oidc.js';
import { demoRealm, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const REFRESH = 'urn:ietf:params:oauth:token-type:refresh_token';
const ID = 'urn:ietf:params:oauth:token-type:id_token';

const audienceMapper = (to: string) => ({
  name: `aud-${to}`, protocol: 'openid-connect', protocolMapper: 'oidc-audience-mapper',
  config: { 'included.client.audience': to, 'access.token.claim': 'true', 'introspection.token.claim': 'true' },
});
const EXCHANGE = { 'standard.token.exchange.enabled': 'true' };

function realm(): object {
  const r = demoRealm() as { eventsEnabled?: boolean; clients: object[] };
  r.eventsEnabled = true;
  r.clients.push(
    // Where the user signs in; its tokens are meant for the gateway as well.
    { clientId: 'frontend', publicClient: false, secret: 'frontend-secret', directAccessGrantsEnabled: true,
      protocolMappers: [audienceMapper('gateway'), audienceMapper('gateway-consent')] },
    { clientId: 'shortlived', publicClient: false, secret: 'short-secret', directAccessGrantsEnabled: true,
      protocolMappers: [audienceMapper('gateway')], attributes: { 'access.token.lifespan': '1' } },
    // The requester: its own tokens reach the orders API, so an exchanged one may.
    { clientId: 'gateway', publicClient: false, secret: 'gateway-secret', standardFlowEnabled: false, protocolMappers: [audienceMapper('orders-api')],
      attributes: { ...EXCHANGE, 'standard.token.exchange.enableRefreshRequestedTokenType': 'SAME_SESSION' } },
    { clientId: 'billing-api', publicClient: false, secret: 'billing-secret', standardFlowEnabled: false },
    { clientId: 'gateway-off', publicClient: false, secret: 'off-secret', standardFlowEnabled: false },
    { clientId: 'gateway-public', publicClient: true, standardFlowEnabled: false, attributes: EXCHANGE },
    { clientId: 'gateway-norefresh', publicClient: false, secret: 'nr-secret', standardFlowEnabled: false, attributes: EXCHANGE },
    { clientId: 'gateway-consent', publicClient: false, secret: 'gc-secret', standardFlowEnabled: false, consentRequired: true, attributes: EXCHANGE },
  );
  return r;
}

/** Expects openid-client to reject with that status and error, and a description matching. */
const refused = (status: number, error: string, description?: RegExp) => (err: any) => {
  assert.ok(err instanceof client.ResponseBodyError, String(err));
  assert.deepEqual([err.status, err.error], [status, error], err.error_description);
  if (description) assert.match(err.error_description ?? '', description);
  return true;
};

describe('token exchange (RFC 8693, Keycloak standard token exchange)', () => {
  let server: TestServer;
  let admin: AdminApi;
  let gateway: client.Configuration;
  let frontend: client.Configuration;

  before(async () => {
    server = await startServer({ realms: [realm()] });
    admin = adminApi(server, await masterAdminToken(server));
    gateway = await rp(server, 'demo', 'gateway', 'gateway-secret');
    frontend = await rp(server, 'demo', 'frontend', 'frontend-secret');
  });
  after(async () => { await server?.stop(); });

  const signIn = async (config = frontend, scope = 'openid') =>
    (await client.genericGrantRequest(config, 'password', { username: 'alice', password: 'alice-pw', scope })).access_token;
  const exchange = (config: client.Configuration, subject: string, extra: Record<string, string> = {}) =>
    client.genericGrantRequest(config, GRANT, { subject_token: subject, subject_token_type: ACCESS, ...extra });

  it('is listed in discovery', async () => {
    const res = await fetch(realmUrl(server, 'demo', '/.well-known/openid-configuration'));
    assert.ok(((await res.json()) as { grant_types_supported: string[] }).grant_types_supported.includes(GRANT));
  });

  it('exchanges a user\'s token meant for the requester for one aimed at another audience, which the resource SDK accepts there', async () => {
    const subject = await signIn();
    assert.ok([claimsOf(subject).aud].flat().includes('gateway'));
    const tokens = await exchange(gateway, subject, { audience: 'orders-api' });
    assert.equal(tokens.issued_token_type, ACCESS);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.expires_in! > 0);
    assert.equal(tokens.refresh_token, undefined, 'an access token only, unless asked for more');
    const claims = claimsOf(tokens.access_token);
    assert.deepEqual([claims.aud, claims.azp, claims.sub, claims.sid], ['orders-api', 'gateway', claimsOf(subject).sub, claimsOf(subject).sid]);

    const orders = createVerifier({ issuer: server.issuer('demo'), audience: 'orders-api' });
    assert.equal((await orders.verify(tokens.access_token)).azp, 'gateway');
    const billing = createVerifier({ issuer: server.issuer('demo'), audience: 'billing-api' });
    await assert.rejects(billing.verify(tokens.access_token), TokenError);
    const introspected = await client.tokenIntrospection(gateway, tokens.access_token);
    assert.deepEqual([introspected.active, introspected.aud], [true, 'orders-api'], 'introspection tells the audience as issued');

    const events = (await admin.get('/realms/demo/events?type=TOKEN_EXCHANGE&max=5')).json as Array<{ clientId: string; details: Record<string, string> }>;
    assert.equal(events[0].clientId, 'gateway');
    assert.deepEqual([events[0].details.audience, events[0].details.subject_token_client_id, events[0].details.requested_token_type],
      ['orders-api', 'frontend', ACCESS]);
  });

  it('refuses an audience the requester\'s tokens may not reach, or no client at all, with invalid_target', async () => {
    const subject = await signIn();
    await assert.rejects(exchange(gateway, subject, { audience: 'billing-api' }), refused(400, 'invalid_target', /billing-api/));
    await assert.rejects(exchange(gateway, subject, { audience: 'no-such-client' }), refused(400, 'invalid_target'));
    const errors = (await admin.get('/realms/demo/events?type=TOKEN_EXCHANGE_ERROR&max=20')).json as Array<{ error: string }>;
    assert.ok(errors.some((e) => e.error === 'invalid_target'));
  });

  it('refuses a client that does not enable it, and a public client', async () => {
    const subject = await signIn();
    await assert.rejects(exchange(await rp(server, 'demo', 'gateway-off', 'off-secret'), subject), refused(400, 'unauthorized_client', /not enabled/));
    const res = await postForm(realmUrl(server, 'demo', '/protocol/openid-connect/token'), {
      grant_type: GRANT, client_id: 'gateway-public', subject_token: subject, subject_token_type: ACCESS,
    });
    assert.deepEqual([res.status, res.json.error], [400, 'invalid_client']);
  });

  it('refuses a subject token not meant for the requester, of another type, expired or revoked', async () => {
    const forWebapp = await signIn(await rp(server, 'demo', 'webapp', 'webapp-secret'));
    await assert.rejects(exchange(gateway, forWebapp), refused(400, 'invalid_request', /not within the token audience/));
    await assert.rejects(client.genericGrantRequest(gateway, GRANT, { subject_token: await signIn(), subject_token_type: REFRESH }),
      refused(400, 'invalid_request', /access tokens only/));
    await assert.rejects(client.genericGrantRequest(gateway, GRANT, { subject_token_type: ACCESS }), refused(400, 'invalid_request', /subject_token/));
    await assert.rejects(exchange(gateway, 'not-a-token'), refused(400, 'invalid_request', /Invalid token/));

    const short = await signIn(await rp(server, 'demo', 'shortlived', 'short-secret'));
    await sleep(2500);
    await assert.rejects(exchange(gateway, short), refused(400, 'invalid_request', /Invalid token/));

    const revoked = await signIn();
    await client.tokenRevocation(frontend, revoked, { token_type_hint: 'access_token' });
    await assert.rejects(exchange(gateway, revoked), refused(400, 'invalid_request', /Invalid token/));
  });

  it('downscopes: the new token has the scopes asked for, among the requester\'s, and none other', async () => {
    const subject = await signIn(frontend, 'openid phone address');
    assert.match(claimsOf(subject).scope, /phone/);
    assert.match(claimsOf(subject).scope, /address/);
    const tokens = await exchange(gateway, subject, { scope: 'phone' });
    const scope = claimsOf(tokens.access_token).scope.split(' ');
    assert.ok(scope.includes('phone') && !scope.includes('address') && !scope.includes('openid'), scope.join(' '));
    assert.equal(tokens.id_token, undefined, 'no ID token without openid');
    await assert.rejects(exchange(gateway, subject, { scope: 'no-such-scope' }), refused(400, 'invalid_scope'));
    // The frontend's tokens name it an audience too; a requester that needs consent has none from this user.
    await assert.rejects(exchange(await rp(server, 'demo', 'gateway-consent', 'gc-secret'), subject, { scope: 'phone' }),
      refused(400, 'invalid_scope', /Missing consents/));
  });

  it('issues a refresh token in the same session when the requester allows it, an ID token with openid, nothing else', async () => {
    const subject = await signIn();
    const tokens = await exchange(gateway, subject, { requested_token_type: REFRESH });
    assert.equal(tokens.issued_token_type, REFRESH);
    assert.ok(tokens.refresh_token);
    assert.equal(claimsOf(tokens.refresh_token!).sid, claimsOf(subject).sid);
    const refreshed = await client.refreshTokenGrant(gateway, tokens.refresh_token!);
    assert.equal(claimsOf(refreshed.access_token).azp, 'gateway');

    await assert.rejects(exchange(await rp(server, 'demo', 'gateway-norefresh', 'nr-secret'), subject, { requested_token_type: REFRESH }),
      refused(400, 'invalid_request', /requested_token_type unsupported/));
    await assert.rejects(exchange(gateway, subject, { requested_token_type: REFRESH, scope: 'offline_access' }),
      refused(400, 'invalid_request', /offline_access/));
    // From an offline session: an access token of no session (Keycloak's transient one), and no refresh token.
    const offlineSubject = await signIn(frontend, 'openid offline_access');
    assert.equal(claimsOf((await exchange(gateway, offlineSubject)).access_token).sid, undefined);
    await assert.rejects(exchange(gateway, offlineSubject, { requested_token_type: REFRESH }), refused(400, 'invalid_request', /new session/));
    await assert.rejects(exchange(gateway, subject, { requested_token_type: 'urn:ietf:params:oauth:token-type:saml2' }),
      refused(400, 'invalid_request', /requested_token_type unsupported/));

    // RFC 8693 §2.2.1's token_type N_A for an ID token is not one openid-client takes, so this one is read raw.
    const res = await postForm(realmUrl(server, 'demo', '/protocol/openid-connect/token'), {
      grant_type: GRANT, client_id: 'gateway', client_secret: 'gateway-secret', subject_token: subject, subject_token_type: ACCESS,
      requested_token_type: ID, scope: 'openid',
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual([res.json.issued_token_type, res.json.token_type, claimsOf(res.json.access_token).typ, claimsOf(res.json.access_token).aud],
      [ID, 'N_A', 'ID', 'gateway']);
    await assert.rejects(exchange(gateway, subject, { requested_token_type: ID }), refused(400, 'invalid_request', /openid/));
  });

  it('keeps the attributes in the admin API and refuses an unknown refresh setting', async () => {
    const [rep] = (await admin.get('/realms/demo/clients?clientId=gateway')).json as Array<{ id: string; attributes: Record<string, string> }>;
    assert.equal(rep.attributes['standard.token.exchange.enabled'], 'true');
    assert.equal(rep.attributes['standard.token.exchange.enableRefreshRequestedTokenType'], 'SAME_SESSION');
    const bad = await admin.put(`/realms/demo/clients/${rep.id}`, { ...rep, attributes: { ...rep.attributes, 'standard.token.exchange.enableRefreshRequestedTokenType': 'ALWAYS' } });
    assert.equal(bad.status, 400, bad.text);
    const features = (await admin.get('/serverinfo')).json.features as Array<{ name: string; enabled: boolean }>;
    assert.ok(features.some((f) => f.name === 'TOKEN_EXCHANGE_STANDARD_V2' && f.enabled), "Keycloak's feature, which its console looks for");
  });
});
