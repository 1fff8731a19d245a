// The helpers Keycloak's admin client and adapters call, through @keycloak/keycloak-admin-client
// where it has a method: whoami, serverinfo and a client's keycloak.json.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { send } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { adminApi, assertAdminError, passwordToken } from './fixture.js';

const REALM = 'shop';

describe('whoami, serverinfo and installation', () => {
  let server: TestServer;
  let kc: KcAdminClient;
  before(async () => {
    server = await startServer({
      realms: [{
        realm: REALM, enabled: true,
        clients: [
          { clientId: 'admin-cli', publicClient: true, directAccessGrantsEnabled: true },
          { clientId: 'realm-management', bearerOnly: true },
          { clientId: 'storefront', publicClient: true, redirectUris: ['https://shop.example/*'] },
          { clientId: 'backend', publicClient: false, secret: 'backend-secret', serviceAccountsEnabled: true },
        ],
        users: [
          {
            username: 'ops', enabled: true, firstName: 'Olga', lastName: 'Ops', credentials: [{ type: 'password', value: 'ops-pw' }],
            clientRoles: { 'realm-management': ['realm-admin'] },
          },
          { username: 'shopper', enabled: true, credentials: [{ type: 'password', value: 'shopper-pw' }] },
        ],
      }],
    });
    kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
    await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
  });
  after(async () => { await server.stop(); });

  it('whoAmI(): master\'s administrator, every realm', async () => {
    const me = await kc.whoAmI.find({ currentRealm: 'master' }) as any;
    assert.equal(me.userName, 'admin');
    assert.equal(me.realm, 'master');
    assert.equal(me.createRealm, true);
    assert.equal(typeof me.userId, 'string');
    assert.deepEqual(Object.keys(me.realm_access).sort(), ['master', REALM]);
    assert.ok(me.realm_access[REALM].includes('manage-users'));
  });

  it('whoami of a realm\'s own administrator: that realm only; not an administrator: 403; no token: 401', async () => {
    const token = await passwordToken(server, REALM, 'ops', 'ops-pw');
    const me = await adminApi(server, token).get(`/${REALM}/console/whoami`);
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.displayName, 'Olga Ops');
    assert.equal(me.json.createRealm, false);
    assert.deepEqual(Object.keys(me.json.realm_access), [REALM]);
    assertAdminError(await adminApi(server, token).get('/master/console/whoami'), 403);
    assertAdminError(await adminApi(server, await passwordToken(server, REALM, 'shopper', 'shopper-pw')).get(`/${REALM}/console/whoami`), 403);
    const anonymous = await send(`${server.url}/admin/master/console/whoami`);
    assert.equal(anonymous.status, 401);
  });

  it('serverInfo(): what Latchkey has, and nothing it has not', async () => {
    const info = await kc.serverInfo.find();
    assert.deepEqual(info.themes?.login?.map((t) => t.name), ['latchkey']);
    assert.deepEqual(info.identityProviders?.map((p) => p.id).sort(), ['keycloak-oidc', 'oidc']);
    const providers = info.providers as Record<string, { providers: Record<string, unknown> }>;
    assert.deepEqual(Object.keys(providers['login-protocol'].providers), ['openid-connect'], 'no SAML');
    assert.deepEqual(Object.keys(providers.signature.providers).sort(), ['ES256', 'EdDSA', 'RS256']);
    assert.ok(typeof info.systemInfo?.uptimeMillis === 'number');
  });

  it('keycloak.json of a public and a confidential client', async () => {
    kc.setConfig({ realmName: REALM });
    const [storefront] = await kc.clients.find({ clientId: 'storefront' });
    const [backend] = await kc.clients.find({ clientId: 'backend' });
    const provider = 'keycloak-oidc-keycloak-json';
    const pub = await kc.clients.getInstallationProviders({ id: storefront.id!, providerId: provider }) as unknown;
    assert.deepEqual(pub, {
      realm: REALM, 'auth-server-url': `${server.issuer(REALM).replace(/realms\/shop$/, '')}`, 'ssl-required': 'external',
      resource: 'storefront', 'public-client': true, 'confidential-port': 0,
    });
    const conf = await kc.clients.getInstallationProviders({ id: backend.id!, providerId: provider }) as any;
    assert.deepEqual(conf.credentials, { secret: 'backend-secret' });
    assert.equal(conf['public-client'], undefined);
    const api = adminApi(server, await passwordToken(server, 'master', 'admin', ADMIN_PASSWORD));
    assertAdminError(await api.get(`/realms/${REALM}/clients/${backend.id}/installation/providers/saml-idp-descriptor`), 404);
    assertAdminError(await api.get(`/realms/${REALM}/clients/no-such-id/installation/providers/${provider}`), 404);
  });
});
