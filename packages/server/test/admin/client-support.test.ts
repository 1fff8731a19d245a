// Seed 001's "Support OpenID Connect" and "Support API access": Latchkey attributes on the
// client (latchkey.oidc, latchkey.api.access) that the admin API checks and the protocol honours.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { claimsOf } from '../helpers/oidc.js';
import { clientCredentials, passwordGrant, userinfo } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { adminApi, assertAdminError, masterAdminToken, type AdminApi } from './fixture.js';

describe('client support for OpenID Connect and API access', () => {
  let server: TestServer;
  let admin: AdminApi;
  const realm = 'support';

  before(async () => {
    server = await startServer();
    admin = adminApi(server, await masterAdminToken(server));
    await admin.create('/realms', { realm, enabled: true });
    await admin.create(`/realms/${realm}/users`, { username: 'ivy', enabled: true, credentials: [{ type: 'password', value: 'ivy-pw' }] });
    await admin.create(`/realms/${realm}/clients`, { clientId: 'inventory-api', publicClient: false, standardFlowEnabled: false });
  });
  after(async () => { await server.stop(); });

  const client = (clientId: string, oidc: boolean, api: boolean, extra: object = {}) => ({
    clientId, publicClient: false, secret: `${clientId}-secret-value`, directAccessGrantsEnabled: true, serviceAccountsEnabled: true,
    attributes: { 'latchkey.oidc': String(oidc), 'latchkey.api.access': String(api) }, ...extra,
  });

  it('shows both switches, on by default', async () => {
    const id = await admin.create(`/realms/${realm}/clients`, { clientId: 'plain', publicClient: true });
    const rep = (await admin.get(`/realms/${realm}/clients/${id}`)).json;
    assert.equal(rep.attributes['latchkey.oidc'], 'true');
    assert.equal(rep.attributes['latchkey.api.access'], 'true');
  });

  it('refuses a client with neither, naming the field (create, update and realm import alike)', async () => {
    assertAdminError(await admin.post(`/realms/${realm}/clients`, client('neither', false, false)), 400,
      'Invalid field attributes.latchkey.api.access', 'Support API access is required');
    assert.equal((await admin.get(`/realms/${realm}/clients?clientId=neither`)).json.length, 0);

    const id = await admin.create(`/realms/${realm}/clients`, client('flip', true, false));
    assertAdminError(await admin.put(`/realms/${realm}/clients/${id}`, { attributes: { 'latchkey.oidc': 'false' } }), 400, 'latchkey.api.access');
    assert.equal((await admin.get(`/realms/${realm}/clients/${id}`)).json.attributes['latchkey.oidc'], 'true', 'unchanged');
    assert.equal((await admin.put(`/realms/${realm}/clients/${id}`, { attributes: { 'latchkey.oidc': 'false', 'latchkey.api.access': 'true' } })).status, 204);

    assertAdminError(await admin.post('/realms', { realm: 'broken', clients: [client('neither', false, false)] }), 400, 'Support API access is required');
    assert.equal((await admin.get('/realms/broken')).status, 404);
  });

  it('without OpenID Connect: the openid scope is refused, no ID token, no userinfo; API access works', async () => {
    await admin.create(`/realms/${realm}/clients`, client('machine', false, true));
    const refused = await passwordGrant(server, realm, 'machine', 'machine-secret-value', 'ivy', 'ivy-pw', { scope: 'openid' });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.json.error, 'invalid_scope');
    assert.match(refused.json.error_description, /does not support OpenID Connect/);

    const tokens = await passwordGrant(server, realm, 'machine', 'machine-secret-value', 'ivy', 'ivy-pw');
    assert.equal(tokens.status, 200, tokens.text);
    assert.equal(tokens.json.id_token, undefined);
    const info = await userinfo(server, realm, tokens.json.access_token);
    assert.equal(info.status, 403, info.text);
    assert.equal(info.json.error, 'insufficient_scope');
    assert.match(info.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);

    const cc = await clientCredentials(server, realm, 'machine', 'machine-secret-value');
    assert.equal(cc.status, 200, cc.text);
    assert.equal(claimsOf(cc.json.access_token).azp, 'machine');
  });

  it('without API access: no client credentials, and a token meant for no API', async () => {
    await admin.create(`/realms/${realm}/clients`, client('website', true, false, {
      protocolMappers: [{
        name: 'audience', protocol: 'openid-connect', protocolMapper: 'oidc-audience-mapper',
        config: { 'included.custom.audience': 'inventory-api', 'access.token.claim': 'true' },
      }],
    }));
    const cc = await clientCredentials(server, realm, 'website', 'website-secret-value');
    assert.equal(cc.status, 400, cc.text);
    assert.equal(cc.json.error, 'unauthorized_client');
    assert.match(cc.json.error_description, /does not support API access/);

    const tokens = await passwordGrant(server, realm, 'website', 'website-secret-value', 'ivy', 'ivy-pw', { scope: 'openid' });
    assert.equal(tokens.status, 200, tokens.text);
    assert.ok(tokens.json.id_token, 'OpenID Connect still works');
    assert.equal(claimsOf(tokens.json.access_token).aud, 'website', 'the audience mapper names no API');
    assert.equal((await userinfo(server, realm, tokens.json.access_token)).status, 200);

    // The same mapper on a client with API access does put the API in the audience.
    await admin.create(`/realms/${realm}/clients`, client('portal', true, true, {
      protocolMappers: [{
        name: 'audience', protocol: 'openid-connect', protocolMapper: 'oidc-audience-mapper',
        config: { 'included.custom.audience': 'inventory-api', 'access.token.claim': 'true' },
      }],
    }));
    const portal = await passwordGrant(server, realm, 'portal', 'portal-secret-value', 'ivy', 'ivy-pw');
    // Beside the account service, which the user's default roles (Keycloak's account roles) name, as in Keycloak,
    // and in its order: the audience mapper (priority 0) before audience resolve (30).
    assert.deepEqual(claimsOf(portal.json.access_token).aud, ['inventory-api', 'account']);
  });
});
