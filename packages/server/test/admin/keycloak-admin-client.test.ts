// Keycloak's own admin client (@keycloak/keycloak-admin-client) against Latchkey: what a
// provisioning script written for Keycloak does must work unchanged, and its effects must
// show in the tokens the realm then issues.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { claimsOf, client, rp } from '../helpers/oidc.js';
import { clientCredentials, passwordGrant } from '../helpers/http.js';
import { ADMIN_PASSWORD, type TestServer } from '../helpers/server.js';
import { backends } from './fixture.js';

for (const backend of backends) {
  if (backend.skip) {
    it(`@keycloak/keycloak-admin-client: ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }

  describe(`@keycloak/keycloak-admin-client: ${backend.name}`, () => {
    let server: TestServer;
    let stop: () => Promise<void>;
    let kc: KcAdminClient;
    const realm = 'acme';
    let clientUuid: string;
    let secret: string;
    let userId: string;

    before(async () => {
      ({ server, stop } = await backend.start());
      kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
      await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
    });
    after(async () => { await stop(); });

    it('creates a realm, and finds it', async () => {
      const { realmName } = await kc.realms.create({ realm, enabled: true, displayName: 'ACME', accessTokenLifespan: 120 });
      assert.equal(realmName, realm);
      const found = await kc.realms.findOne({ realm });
      assert.equal(found?.realm, realm);
      assert.equal(found?.displayName, 'ACME');
      assert.equal(found?.accessTokenLifespan, 120);
      assert.ok((await kc.realms.find()).some((r) => r.realm === realm));
      kc.setConfig({ realmName: realm });
    });

    it('creates a confidential client with service accounts and reads its secret', async () => {
      ({ id: clientUuid } = await kc.clients.create({
        clientId: 'backend', publicClient: false, serviceAccountsEnabled: true, directAccessGrantsEnabled: true,
        standardFlowEnabled: false,
      }));
      const [found] = await kc.clients.find({ clientId: 'backend' });
      assert.equal(found.id, clientUuid);
      assert.equal(found.serviceAccountsEnabled, true);
      const credential = await kc.clients.getClientSecret({ id: clientUuid });
      assert.equal(credential.type, 'secret');
      assert.ok(credential.value && credential.value.length >= 32, 'a generated secret');
      secret = credential.value!;
      const serviceAccount = await kc.clients.getServiceAccountUser({ id: clientUuid });
      assert.equal(serviceAccount.username, 'service-account-backend');
    });

    it('creates a user with a password and a realm role', async () => {
      await kc.roles.create({ name: 'reader', description: 'Reads' });
      const reader = await kc.roles.findOneByName({ name: 'reader' });
      assert.ok(reader?.id);
      ({ id: userId } = await kc.users.create({ username: 'carol', enabled: true, email: 'carol@example.com', firstName: 'Carol' }));
      await kc.users.resetPassword({ id: userId, credential: { type: 'password', value: 'carol-pw', temporary: false } });
      await kc.users.addRealmRoleMappings({ id: userId, roles: [{ id: reader.id!, name: 'reader' }] });
      const mapped = await kc.users.listRealmRoleMappings({ id: userId });
      assert.deepEqual(mapped.map((r) => r.name).sort(), ['default-roles-acme', 'reader']);
      const [found] = await kc.users.find({ username: 'carol', exact: true });
      assert.equal(found.id, userId);
      assert.equal(await kc.users.count(), 1, 'service accounts are not counted');
    });

    it('the client credentials and password grants work, the role in realm_access', async () => {
      const config = await rp(server, realm, 'backend', secret);
      const machine = await client.clientCredentialsGrant(config);
      assert.equal(claimsOf(machine.access_token).client_id, 'backend');
      assert.equal(claimsOf(machine.access_token).exp - claimsOf(machine.access_token).iat, 120, "the realm's lifespan");

      const human = await client.genericGrantRequest(config, 'password', { username: 'carol', password: 'carol-pw' });
      const claims = claimsOf(human.access_token);
      assert.ok(claims.realm_access.roles.includes('reader'), JSON.stringify(claims.realm_access));
      assert.equal(claims.preferred_username, 'carol');
    });

    it('a regenerated secret replaces the old one', async () => {
      const fresh = await kc.clients.generateNewClientSecret({ id: clientUuid });
      assert.ok(fresh.value && fresh.value !== secret);
      const old = await clientCredentials(server, realm, 'backend', secret);
      assert.equal(old.status, 401, old.text);
      assert.equal(old.json.error, 'invalid_client');
      const now = await clientCredentials(server, realm, 'backend', fresh.value!);
      assert.equal(now.status, 200, now.text);
      assert.equal((await kc.clients.getClientSecret({ id: clientUuid })).value, fresh.value);
      secret = fresh.value!;
    });

    it('a disabled user is refused by the password grant at once', async () => {
      assert.equal((await passwordGrant(server, realm, 'backend', secret, 'carol', 'carol-pw')).status, 200);
      await kc.users.update({ id: userId }, { enabled: false });
      assert.equal((await kc.users.findOne({ id: userId }))?.enabled, false);
      assert.equal((await kc.users.findOne({ id: userId }))?.email, 'carol@example.com', 'a PUT changes only what it gives');
      const refused = await passwordGrant(server, realm, 'backend', secret, 'carol', 'carol-pw');
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.json.error, 'invalid_grant');
    });

    it('a disabled service account is refused by the client credentials grant at once', async () => {
      assert.equal((await clientCredentials(server, realm, 'backend', secret)).status, 200);
      const serviceAccount = await kc.clients.getServiceAccountUser({ id: clientUuid });
      await kc.users.update({ id: serviceAccount.id! }, { enabled: false });
      const refused = await clientCredentials(server, realm, 'backend', secret);
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.json.error, 'invalid_grant');
    });

    it('deletes what it made: 404 afterwards, and the realm stops issuing tokens', async () => {
      await kc.users.del({ id: userId });
      assert.equal(await kc.users.findOne({ id: userId }), null);
      await kc.clients.del({ id: clientUuid });
      assert.equal(await kc.clients.findOne({ id: clientUuid }), null);
      await kc.realms.del({ realm });
      assert.equal(await kc.realms.findOne({ realm }), null);
      assert.equal((await clientCredentials(server, realm, 'backend', secret)).status, 404);
    });
  });
}
