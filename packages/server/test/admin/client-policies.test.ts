// Keycloak's client policies admin API through Keycloak's own admin client
// (@keycloak/keycloak-admin-client): the global profiles listed, a realm's own profile and a
// policy using it saved, and their effect on the realm's token requests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { passwordGrant } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'policies';

describe('client policies through @keycloak/keycloak-admin-client', () => {
  let server: TestServer;
  let kc: KcAdminClient;

  before(async () => {
    server = await startServer();
    kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
    await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
    await kc.realms.create({ realm: REALM, enabled: true });
    kc.setConfig({ realmName: REALM });
    await kc.clients.create({ clientId: 'legacy', publicClient: false, secret: 'legacy-secret', directAccessGrantsEnabled: true, standardFlowEnabled: false });
    const { id } = await kc.users.create({ username: 'bob', enabled: true, email: 'bob@example.com', firstName: 'Bob', lastName: 'Builder' });
    await kc.users.resetPassword({ id, credential: { type: 'password', value: 'bob-password-1', temporary: false } });
  });
  after(async () => {
    await server?.stop();
  });

  const password = () => passwordGrant(server, REALM, 'legacy', 'legacy-secret', 'bob', 'bob-password-1');

  it('lists the global FAPI 2 profiles, saves a profile and a policy, and the policy governs token requests', async () => {
    const empty = await kc.clientPolicies.listProfiles({ includeGlobalProfiles: true });
    assert.deepEqual(empty.profiles, []);
    assert.deepEqual(empty.globalProfiles?.map((p) => p.name).sort(), ['fapi-2-dpop-security-profile', 'fapi-2-security-profile']);
    assert.deepEqual((await kc.clientPolicies.listPolicies({ includeGlobalPolicies: true })).policies, []);

    assert.equal((await password()).status, 200, 'no policy yet');
    await kc.clientPolicies.createProfiles({ profiles: [{ name: 'no-ropc', description: 'No passwords at the token endpoint', executors: [{ executor: 'reject-ropc-grant', configuration: {} }] }] });
    await kc.clientPolicies.updatePolicy({
      policies: [{
        name: 'confidential-only', enabled: true, profiles: ['no-ropc'],
        conditions: [{ condition: 'client-access-type', configuration: { type: ['confidential'] } }],
      }],
    });
    const refused = await password();
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error, 'invalid_grant');
    assert.match(refused.json.error_description, /prohibited/);
    assert.deepEqual((await kc.clientPolicies.listProfiles()).profiles?.map((p) => p.name), ['no-ropc']);

    // Negated, the condition no longer holds for this confidential client.
    await kc.clientPolicies.updatePolicy({
      policies: [{
        name: 'confidential-only', enabled: true, profiles: ['no-ropc'],
        conditions: [{ condition: 'client-access-type', configuration: { type: ['confidential'], is_negative_logic: true } }],
      }],
    });
    assert.equal((await password()).status, 200, 'negative logic');

    // A profile a policy uses cannot be removed from under it; an unknown condition is refused.
    await assert.rejects(kc.clientPolicies.createProfiles({ profiles: [] }), (err: any) => err.response?.status === 400);
    await assert.rejects(kc.clientPolicies.updatePolicy({
      policies: [{ name: 'x', enabled: true, profiles: ['no-ropc'], conditions: [{ condition: 'client-updater-source-host', configuration: {} }] }],
    }), (err: any) => err.response?.status === 400);
  });
});
