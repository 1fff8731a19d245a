// Client scopes and protocol mappers through the admin API: Keycloak's own admin client
// (@keycloak/keycloak-admin-client) where it has a method, plain HTTP for the status codes
// Keycloak answers with; what changes shows in the tokens the realm then issues.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { claimsOf } from '../helpers/oidc.js';
import { clientCredentials, passwordGrant } from '../helpers/http.js';
import { ADMIN_PASSWORD, type TestServer } from '../helpers/server.js';
import { adminApi, assertAdminError, backends, masterAdminToken } from './fixture.js';

const KEYCLOAK_26_SCOPES = ['acr', 'address', 'basic', 'email', 'microprofile-jwt', 'offline_access', 'phone', 'profile', 'roles', 'web-origins'];

for (const backend of backends) {
  if (backend.skip) {
    it(`client scopes and protocol mappers: ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }

  describe(`client scopes and protocol mappers: ${backend.name}`, () => {
    let server: TestServer;
    let stop: () => Promise<void>;
    let kc: KcAdminClient;
    let admin: ReturnType<typeof adminApi>;
    const realm = 'scopes';
    let clientUuid: string;
    let secret: string;
    let userId: string;
    let scopeId: string;

    const token = async (scope?: string) => {
      const res = await passwordGrant(server, realm, 'app', secret, 'ada', 'ada-password', scope ? { scope } : {});
      assert.equal(res.status, 200, res.text);
      return { access: claimsOf(res.json.access_token), id: res.json.id_token ? claimsOf(res.json.id_token) : undefined };
    };

    before(async () => {
      ({ server, stop } = await backend.start());
      kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
      await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
      admin = adminApi(server, await masterAdminToken(server));
      await kc.realms.create({ realm, enabled: true });
      kc.setConfig({ realmName: realm });
      ({ id: clientUuid } = await kc.clients.create({ clientId: 'app', directAccessGrantsEnabled: true, serviceAccountsEnabled: true }));
      secret = (await kc.clients.getClientSecret({ id: clientUuid })).value!;
      ({ id: userId } = await kc.users.create({
        username: 'ada', enabled: true, firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', emailVerified: true,
        attributes: { department: ['engines'] }, credentials: [{ type: 'password', value: 'ada-password', temporary: false }],
      }));
    });
    after(async () => { await stop(); });

    it('a new realm has Keycloak 26\'s built-in scopes with their mappers, and its defaults', async () => {
      const scopes = await kc.clientScopes.find();
      assert.deepEqual(scopes.map((s) => s.name).sort(), KEYCLOAK_26_SCOPES);
      const profile = scopes.find((s) => s.name === 'profile')!;
      assert.equal(profile.protocolMappers?.length, 14);
      assert.equal(profile.attributes?.['include.in.token.scope'], 'true');
      assert.ok(profile.protocolMappers!.every((m) => m.id), 'every mapper has an id');
      assert.deepEqual((await kc.clientScopes.listDefaultClientScopes()).map((s) => s.name).sort(), ['acr', 'basic', 'email', 'profile', 'roles', 'web-origins']);
      assert.deepEqual((await kc.clientScopes.listDefaultOptionalClientScopes()).map((s) => s.name).sort(), ['address', 'microprofile-jwt', 'offline_access', 'phone']);
      // A new client gets the realm's defaults, as in Keycloak.
      assert.deepEqual((await kc.clients.listDefaultClientScopes({ id: clientUuid })).map((s) => s.name).sort(), ['acr', 'basic', 'email', 'profile', 'roles', 'web-origins']);
      assert.deepEqual((await kc.clients.listOptionalClientScopes({ id: clientUuid })).map((s) => s.name).sort(), ['address', 'microprofile-jwt', 'offline_access', 'phone']);
    });

    it('creates a client scope: 201 with Location; 409 for a name taken; 400 naming the field; 404 for an unknown id', async () => {
      const res = await admin.post(`/realms/${realm}/client-scopes`, {
        name: 'orders', protocol: 'openid-connect', description: 'Orders API',
        attributes: { 'include.in.token.scope': 'true', 'display.on.consent.screen': 'true', 'consent.screen.text': 'Your orders' },
      });
      assert.equal(res.status, 201, res.text);
      scopeId = decodeURIComponent(res.headers.get('location')!.split('/').pop()!);
      assert.match(res.headers.get('location')!, new RegExp(`/admin/realms/${realm}/client-scopes/${scopeId}$`));
      const found = await kc.clientScopes.findOne({ id: scopeId });
      assert.equal(found?.name, 'orders');
      assert.equal(found?.description, 'Orders API');
      assert.equal(found?.attributes?.['consent.screen.text'], 'Your orders');
      assertAdminError(await admin.post(`/realms/${realm}/client-scopes`, { name: 'orders' }), 409, 'orders');
      assertAdminError(await admin.post(`/realms/${realm}/client-scopes`, { description: 'no name' }), 400, 'name');
      assertAdminError(await admin.post(`/realms/${realm}/client-scopes`, { name: 'two words' }), 400, 'name');
      assertAdminError(await admin.post(`/realms/${realm}/client-scopes`, { name: 'x', protocol: 'cas' }), 400, 'protocol');
      assertAdminError(await admin.get(`/realms/${realm}/client-scopes/nope`), 404);
      assertAdminError(await admin.put(`/realms/${realm}/client-scopes/nope`, { name: 'y' }), 404);
      assertAdminError(await admin.delete(`/realms/${realm}/client-scopes/nope`), 404);
    });

    it('protocol mappers on a scope: create, add-models, read, update, delete, with Keycloak\'s codes', async () => {
      const base = `/realms/${realm}/client-scopes/${scopeId}/protocol-mappers`;
      const created = await admin.post(`${base}/models`, {
        name: 'orders audience', protocol: 'openid-connect', protocolMapper: 'oidc-audience-mapper',
        config: { 'included.custom.audience': 'https://orders.example', 'access.token.claim': 'true', 'introspection.token.claim': 'true' },
      });
      assert.equal(created.status, 201, created.text);
      const mapperId = decodeURIComponent(created.headers.get('location')!.split('/').pop()!);
      await kc.clientScopes.addMultipleProtocolMappers({ id: scopeId }, [
        {
          name: 'department', protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-attribute-mapper',
          config: { 'user.attribute': 'department', 'claim.name': 'org.department', 'jsonType.label': 'String', 'access.token.claim': 'true', 'id.token.claim': 'true', 'userinfo.token.claim': 'true' },
        },
        {
          name: 'tier', protocol: 'openid-connect', protocolMapper: 'oidc-hardcoded-claim-mapper',
          config: { 'claim.name': 'tier', 'claim.value': '3', 'jsonType.label': 'int', 'access.token.claim': 'true' },
        },
      ]);
      const mappers = await kc.clientScopes.listProtocolMappers({ id: scopeId });
      assert.deepEqual(mappers.map((m) => m.name).sort(), ['department', 'orders audience', 'tier']);
      assert.equal((await kc.clientScopes.findProtocolMapper({ id: scopeId, mapperId }))?.protocolMapper, 'oidc-audience-mapper');
      assert.equal((await kc.clientScopes.findProtocolMappersByProtocol({ id: scopeId, protocol: 'openid-connect' })).length, 3);
      assertAdminError(await admin.post(`${base}/models`, { name: 'tier', protocol: 'openid-connect', protocolMapper: 'oidc-hardcoded-claim-mapper', config: {} }), 409, 'tier');
      assertAdminError(await admin.post(`${base}/models`, { name: 'x', protocol: 'openid-connect', protocolMapper: 'oidc-script-mapper', config: {} }), 400, 'protocolMapper', 'oidc-script-mapper');
      assertAdminError(await admin.post(`${base}/models`, { name: 'x', protocol: 'openid-connect' }), 400, 'protocolMapper');
      assertAdminError(await admin.get(`${base}/models/nope`), 404);
      const tier = mappers.find((m) => m.name === 'tier')!;
      const updated = await admin.put(`${base}/models/${tier.id}`, { ...tier, config: { ...tier.config, 'claim.value': '4' } });
      assert.equal(updated.status, 204, updated.text);
      assert.equal((await kc.clientScopes.findProtocolMapper({ id: scopeId, mapperId: tier.id! }))?.config?.['claim.value'], '4');
      assert.equal((await admin.delete(`${base}/models/${mapperId}`)).status, 204);
      assertAdminError(await admin.delete(`${base}/models/${mapperId}`), 404);
      await kc.clientScopes.addProtocolMapper({ id: scopeId }, {
        name: 'orders audience', protocol: 'openid-connect', protocolMapper: 'oidc-audience-mapper',
        config: { 'included.custom.audience': 'https://orders.example', 'access.token.claim': 'true' },
      });
    });

    it('a client\'s optional scope shapes its tokens only when asked for; a default one always', async () => {
      assert.equal((await admin.put(`/realms/${realm}/clients/${clientUuid}/optional-client-scopes/${scopeId}`)).status, 204);
      const without = await token();
      assert.equal(without.access.tier, undefined);
      // The only API is Keycloak's account client, whose roles every user has by default (audience resolve).
      assert.equal(without.access.aud, 'account');
      assertAdminError(await admin.put(`/realms/${realm}/clients/${clientUuid}/default-client-scopes/${scopeId}`), 409, 'orders');
      const asked = await token('openid orders');
      assert.equal(asked.access.tier, 4);
      assert.deepEqual(asked.access.org, { department: 'engines' });
      // Keycloak's order: the audience mapper (priority 0) before audience resolve (30).
      assert.deepEqual(asked.access.aud, ['https://orders.example', 'account']);
      assert.deepEqual(asked.id!.org, { department: 'engines' });
      assert.equal(asked.id!.tier, undefined, 'the hardcoded claim is the access token\'s only');
      assert.match(asked.access.scope, /\borders\b/);
      // include.in.token.scope false keeps the scope out of the scope claim, not its claims out of the token.
      await kc.clientScopes.update({ id: scopeId }, { name: 'orders', attributes: { 'include.in.token.scope': 'false' } });
      const hidden = await token('openid orders');
      assert.doesNotMatch(hidden.access.scope, /\borders\b/);
      assert.equal(hidden.access.tier, 4);
      // Moved to the defaults, it needs no asking.
      await kc.clients.delOptionalClientScope({ id: clientUuid, clientScopeId: scopeId });
      await kc.clients.addDefaultClientScope({ id: clientUuid, clientScopeId: scopeId });
      assert.equal((await token()).access.tier, 4);
      assertAdminError(await admin.put(`/realms/${realm}/clients/${clientUuid}/default-client-scopes/nope`), 404);
      assertAdminError(await admin.get(`/realms/${realm}/clients/nope/default-client-scopes`), 404);
    });

    it('the client\'s own mappers: CRUD and add-models; an unknown type is 400 naming it', async () => {
      const base = `/realms/${realm}/clients/${clientUuid}/protocol-mappers`;
      await kc.clients.addProtocolMapper({ id: clientUuid }, {
        name: 'groups', protocol: 'openid-connect', protocolMapper: 'oidc-group-membership-mapper',
        config: { 'claim.name': 'groups', 'full.path': 'true', 'access.token.claim': 'true', 'id.token.claim': 'false' },
      });
      await kc.clients.addMultipleProtocolMappers({ id: clientUuid }, [{
        name: 'renamed', protocol: 'openid-connect', protocolMapper: 'oidc-role-name-mapper',
        config: { role: 'offline_access', 'new.role.name': 'may_stay' },
      }]);
      const listed = await kc.clients.listProtocolMappers({ id: clientUuid });
      assert.deepEqual(listed.map((m) => m.name).sort(), ['groups', 'renamed']);
      const groups = listed.find((m) => m.name === 'groups')!;
      assert.equal((await kc.clients.findProtocolMapperById({ id: clientUuid, mapperId: groups.id! })).protocolMapper, 'oidc-group-membership-mapper');
      assertAdminError(await admin.post(`${base}/models`, { name: 'js', protocol: 'openid-connect', protocolMapper: 'oidc-script-js-mapper', config: {} }), 400, 'oidc-script-js-mapper');
      assertAdminError(await admin.put(`/realms/${realm}/clients/${clientUuid}`, {
        protocolMappers: [...listed, { name: 'js', protocol: 'openid-connect', protocolMapper: 'oidc-script-js-mapper', config: {} }],
      }), 400, 'oidc-script-js-mapper');
      assertAdminError(await admin.post(`${base}/models`, { name: 'groups', protocol: 'openid-connect', protocolMapper: 'oidc-sub-mapper', config: {} }), 409);

      const group = await kc.groups.create({ name: 'staff' });
      const child = await kc.groups.createChildGroup({ id: group.id }, { name: 'berlin' });
      await kc.users.addToGroup({ id: userId, groupId: child.id });
      const { access } = await token();
      assert.deepEqual(access.groups, ['/staff/berlin']);
      assert.ok(access.realm_access.roles.includes('may_stay') && !access.realm_access.roles.includes('offline_access'), 'the role name mapper renamed it');
      await kc.clients.updateProtocolMapper({ id: clientUuid, mapperId: groups.id! }, { ...groups, config: { ...groups.config, 'full.path': 'false' } });
      assert.deepEqual((await token()).access.groups, ['berlin']);
      await kc.clients.delProtocolMapper({ id: clientUuid, mapperId: groups.id! });
      assert.equal((await token()).access.groups, undefined);
      assertAdminError(await admin.delete(`${base}/models/${groups.id}`), 404);
    });

    it('a pairwise subject mapper: ID token and userinfo get the pairwise sub, the access token keeps the user\'s id', async () => {
      await kc.clients.update({ id: clientUuid }, { redirectUris: ['https://app.example/cb'] });
      await kc.clients.addProtocolMapper({ id: clientUuid }, {
        name: 'pairwise', protocol: 'openid-connect', protocolMapper: 'oidc-sha256-pairwise-sub-mapper', config: { pairwiseSubHashSalt: 'salt' },
      });
      const res = await passwordGrant(server, realm, 'app', secret, 'ada', 'ada-password', { scope: 'openid' });
      const id = claimsOf(res.json.id_token);
      assert.notEqual(id.sub, userId);
      assert.match(id.sub, /^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a name-based UUID, as Keycloak\'s');
      assert.equal(claimsOf(res.json.access_token).sub, userId);
      const info = await fetch(`${server.url}/realms/${realm}/protocol/openid-connect/userinfo`, { headers: { authorization: `Bearer ${res.json.access_token}` } });
      assert.equal((await info.json()).sub, id.sub);
      // Redirect URIs on two hosts and no sector identifier: Keycloak refuses the mapper.
      const other = await kc.clients.create({ clientId: 'two-hosts', redirectUris: ['https://a.example/cb', 'https://b.example/cb'] });
      assertAdminError(await admin.post(`/realms/${realm}/clients/${other.id}/protocol-mappers/models`, {
        name: 'pairwise', protocol: 'openid-connect', protocolMapper: 'oidc-sha256-pairwise-sub-mapper', config: {},
      }), 400, 'sectorIdentifierUri');
      const pairwise = (await kc.clients.listProtocolMappers({ id: clientUuid })).find((m) => m.name === 'pairwise')!;
      await kc.clients.delProtocolMapper({ id: clientUuid, mapperId: pairwise.id! });
    });

    it('evaluate-scopes: the mappers a scope runs and the example tokens, by the code that issues tokens', async () => {
      const mappers = await kc.clients.evaluateListProtocolMapper({ id: clientUuid, scope: 'openid phone' });
      assert.ok(mappers.some((m: any) => m.containerName === 'phone' && m.containerType === 'client-scope' && m.mapperName === 'phone number'));
      assert.ok(mappers.some((m: any) => m.containerName === 'app' && m.containerType === 'client' && m.mapperName === 'renamed'));
      const example = await kc.clients.evaluateGenerateAccessToken({ id: clientUuid, userId, scope: 'openid', audience: '' });
      const issued = (await token('openid')).access;
      const stable = (c: Record<string, any>) => { const { iat: _i, exp: _e, jti: _j, sid: _s, auth_time: _a, ...rest } = c; return rest; };
      assert.deepEqual(stable(example), stable(issued));
      const idToken = await kc.clients.evaluateGenerateIdToken({ id: clientUuid, userId, scope: 'openid' });
      assert.equal(idToken.email, 'ada@example.com');
      assert.equal(idToken.aud, 'app');
      const info = await kc.clients.evaluateGenerateUserInfo({ id: clientUuid, userId, scope: 'openid' });
      assert.equal(info.preferred_username, 'ada');
      assert.equal(info.sub, userId);
      assertAdminError(await admin.get(`/realms/${realm}/clients/${clientUuid}/evaluate-scopes/generate-example-access-token?scope=openid`), 400, 'userId');
      assertAdminError(await admin.get(`/realms/${realm}/clients/${clientUuid}/evaluate-scopes/generate-example-access-token?userId=nope`), 404);
      assertAdminError(await admin.get(`/realms/${realm}/clients/${clientUuid}/evaluate-scopes/generate-example-id-token?userId=${userId}&scope=nope`), 400, 'scope');
    });

    it('realm defaults: default-default and default-optional scopes, which new clients get', async () => {
      await kc.clientScopes.addDefaultOptionalClientScope({ id: scopeId });
      assert.ok((await kc.clientScopes.listDefaultOptionalClientScopes()).some((s) => s.name === 'orders'));
      await kc.clientScopes.addDefaultClientScope({ id: scopeId });
      assert.ok((await kc.clientScopes.listDefaultClientScopes()).some((s) => s.name === 'orders'));
      assert.ok(!(await kc.clientScopes.listDefaultOptionalClientScopes()).some((s) => s.name === 'orders'), 'a scope is one or the other');
      const { id } = await kc.clients.create({ clientId: 'newer' });
      assert.ok((await kc.clients.listDefaultClientScopes({ id })).some((s) => s.name === 'orders'));
      await kc.clientScopes.delDefaultClientScope({ id: scopeId });
      assert.ok(!(await kc.clientScopes.listDefaultClientScopes()).some((s) => s.name === 'orders'));
      assertAdminError(await admin.put(`/realms/${realm}/default-default-client-scopes/nope`), 404);
    });

    it('renaming a scope renames it in its clients; deleting it takes it out of them: 204', async () => {
      await kc.clientScopes.update({ id: scopeId }, { name: 'purchases' });
      assert.ok((await kc.clients.listDefaultClientScopes({ id: clientUuid })).some((s) => s.name === 'purchases'));
      assert.equal((await token()).access.tier, 4);
      assertAdminError(await admin.put(`/realms/${realm}/client-scopes/${scopeId}`, { name: 'profile' }), 409, 'profile');
      const deleted = await admin.delete(`/realms/${realm}/client-scopes/${scopeId}`);
      assert.equal(deleted.status, 204);
      assert.ok(!(await kc.clients.listDefaultClientScopes({ id: clientUuid })).some((s) => s.name === 'purchases'));
      assert.equal((await token()).access.tier, undefined);
      assertAdminError(await admin.get(`/realms/${realm}/client-scopes/${scopeId}`), 404);
    });

    it('scope mappings: with its full scope off, a client\'s tokens carry only the roles its scope and its scopes\' map', async () => {
      await kc.roles.create({ name: 'reader' });
      await kc.roles.create({ name: 'writer' });
      const [reader, writer] = [await kc.roles.findOneByName({ name: 'reader' }), await kc.roles.findOneByName({ name: 'writer' })];
      await kc.users.addRealmRoleMappings({ id: userId, roles: [{ id: reader!.id!, name: 'reader' }, { id: writer!.id!, name: 'writer' }] });
      assert.ok((await token()).access.realm_access.roles.includes('writer'), 'full scope: every role');
      await kc.clients.update({ id: clientUuid }, { fullScopeAllowed: false });
      assert.equal((await kc.clients.findOne({ id: clientUuid }))?.fullScopeAllowed, false);
      assert.equal((await token()).access.realm_access, undefined, 'no role in scope');
      await kc.clients.addRealmScopeMappings({ id: clientUuid }, [{ id: reader!.id!, name: 'reader' }]);
      assert.deepEqual((await kc.clients.listRealmScopeMappings({ id: clientUuid })).map((r) => r.name), ['reader']);
      assert.deepEqual((await token()).access.realm_access.roles, ['reader']);
      // The offline_access scope maps the offline_access role, as in a new Keycloak realm: asking for it lets the role in
      // (renamed may_stay by the client's role name mapper above).
      const offline = (await kc.clientScopes.find()).find((x) => x.name === 'offline_access')!;
      assert.deepEqual((await kc.clientScopes.listRealmScopeMappings({ id: offline.id! })).map((r) => r.name), ['offline_access']);
      assert.deepEqual((await token('offline_access')).access.realm_access.roles.sort(), ['may_stay', 'reader']);
      await kc.clientScopes.addRealmScopeMappings({ id: offline.id! }, [{ id: writer!.id!, name: 'writer' }]);
      assert.deepEqual((await token('offline_access')).access.realm_access.roles.sort(), ['may_stay', 'reader', 'writer']);
      await kc.clientScopes.delRealmScopeMappings({ id: offline.id! }, [{ id: writer!.id!, name: 'writer' }]);
      await kc.clients.delRealmScopeMappings({ id: clientUuid }, [{ id: reader!.id!, name: 'reader' }]);
      assert.deepEqual((await kc.clients.listScopeMappings({ id: clientUuid })), {});
      assertAdminError(await admin.post(`/realms/${realm}/clients/${clientUuid}/scope-mappings/realm`, [{ name: 'nope' }]), 404, 'nope');
      assertAdminError(await admin.get(`/realms/${realm}/client-scopes/nope/scope-mappings/realm`), 404);
      await kc.clients.update({ id: clientUuid }, { fullScopeAllowed: true });
    });

    it('a client without the roles scope gets no role claims; a service account\'s token has its session notes', async () => {
      const roles = (await kc.clientScopes.find()).find((s) => s.name === 'roles')!;
      await kc.clients.delDefaultClientScope({ id: clientUuid, clientScopeId: roles.id! });
      const { access } = await token();
      assert.equal(access.realm_access, undefined);
      assert.equal(access.resource_access, undefined);
      const cc = await clientCredentials(server, realm, 'app', secret);
      assert.equal(cc.status, 200, cc.text);
      assert.equal(claimsOf(cc.json.access_token).preferred_username, 'service-account-app');
    });

    it('the OpenAPI document describes the routes', async () => {
      const doc = (await admin.get('/openapi.json')).json;
      for (const path of ['/realms/{realm}/client-scopes', '/realms/{realm}/client-scopes/{id}/protocol-mappers/models/{mapperId}',
        '/realms/{realm}/clients/{id}/protocol-mappers/add-models', '/realms/{realm}/default-default-client-scopes/{id}',
        '/realms/{realm}/clients/{id}/optional-client-scopes/{scopeId}', '/realms/{realm}/clients/{id}/evaluate-scopes/generate-example-id-token',
        '/realms/{realm}/client-scopes/{id}/scope-mappings/realm', '/realms/{realm}/clients/{id}/scope-mappings/clients/{client}']) {
        assert.ok(doc.paths[`/admin${path}`], `${path} in /admin/openapi.json`);
      }
      assert.ok(doc.paths['/admin/realms/{realm}/client-scopes'].post.requestBody.content['application/json'].schema.properties.protocolMappers);
    });
  });
}
