// What was left of Keycloak's admin API, through @keycloak/keycloak-admin-client where it has a
// method: the realm's and clients' not-before (logout-all) refusing older tokens wherever a token
// is taken, client session stats, the mappers' introspection switch, aggregate.attrs and order,
// client initial access and registration access tokens (kept hashed), the JBoss installation
// formats, the user profile's validations and its place in realm files, and partialImport of
// identity providers and role composites.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { claimsOf, client, rp } from '../helpers/oidc.js';
import { passwordGrant, sleep } from '../helpers/http.js';
import { ADMIN_PASSWORD, PATIENCE_MS, realmUrl, type TestServer } from '../helpers/server.js';
import { adminApi, assertAdminError, backends, masterAdminToken } from './fixture.js';

/** The error an admin client call ended in: its status and Keycloak's body. */
async function failure(call: Promise<unknown>): Promise<{ status: number; body: any }> {
  try {
    await call;
  } catch (err) {
    const e = err as { response?: Response; responseData?: unknown };
    if (e.response === undefined) throw err;
    return { status: e.response.status, body: e.responseData };
  }
  assert.fail('the call succeeded');
}

/** Waits until the clock is past the second a token was issued in: not-before compares whole seconds. */
async function pastSecondOf(token: string): Promise<void> {
  const { iat } = claimsOf(token);
  const deadline = Date.now() + PATIENCE_MS;
  while (Math.floor(Date.now() / 1000) <= iat) {
    assert.ok(Date.now() < deadline, 'the clock moved on');
    await sleep(50);
  }
}

/** Whether the text is anywhere in the data dir's files (the SQLite database, its WAL). */
const inDataDir = (server: TestServer, text: string) =>
  readdirSync(server.dataDir).some((f) => readFileSync(join(server.dataDir, f)).includes(text));

for (const backend of backends) {
  if (backend.skip) {
    it(`the rest of Keycloak's admin API: ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }

  describe(`the rest of Keycloak's admin API: ${backend.name}`, () => {
    let server: TestServer;
    let stop: () => Promise<void>;
    let kc: KcAdminClient;
    let raw: ReturnType<typeof adminApi>;
    const realm = 'rest';
    let backendId: string;
    let secret: string;
    let annId: string;

    const annTokens = (scope = 'openid') => passwordGrant(server, realm, 'backend', secret, 'ann', 'ann-password-1', { scope });
    const introspect = async (token: string) => client.tokenIntrospection(await rp(server, realm, 'backend', secret), token);

    before(async () => {
      ({ server, stop } = await backend.start());
      kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
      await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
      raw = adminApi(server, await masterAdminToken(server));
      await kc.realms.create({ realm, enabled: true });
      kc.setConfig({ realmName: realm });
      ({ id: backendId } = await kc.clients.create({
        clientId: 'backend', publicClient: false, directAccessGrantsEnabled: true, standardFlowEnabled: false, serviceAccountsEnabled: true,
      }));
      secret = (await kc.clients.getClientSecret({ id: backendId })).value!;
      await kc.clients.create({ clientId: 'frontend', publicClient: true, directAccessGrantsEnabled: true, standardFlowEnabled: false });
      ({ id: annId } = await kc.users.create({
        username: 'ann', enabled: true, email: 'ann@example.com', emailVerified: true, firstName: 'Ann', lastName: 'Lee',
        attributes: { dept: ['Sales'] }, credentials: [{ type: 'password', value: 'ann-password-1', temporary: false }],
      }));
    });
    after(async () => { await stop(); });

    it('client-session-stats: each client with sessions alive, online and offline', async () => {
      assert.equal((await annTokens()).status, 200);
      assert.equal((await annTokens('openid offline_access')).status, 200);
      const front = await passwordGrant(server, realm, 'frontend', undefined, 'ann', 'ann-password-1');
      assert.equal(front.status, 200, front.text);
      const [frontend] = await kc.clients.find({ clientId: 'frontend' });
      assert.deepEqual(await kc.realms.getClientSessionStats({ realm }), [
        { id: backendId, clientId: 'backend', active: '1', offline: '1' },
        { id: frontend.id, clientId: 'frontend', active: '1', offline: '0' },
      ]);
    });

    it("a client's notBefore: its tokens issued before are refused by introspection, userinfo and refresh", async () => {
      const res = await annTokens();
      assert.equal(res.status, 200, res.text);
      assert.equal((await introspect(res.json.access_token)).active, true);
      await pastSecondOf(res.json.access_token);
      const notBefore = Math.floor(Date.now() / 1000);
      await kc.clients.update({ id: backendId }, { notBefore });
      assert.equal((await kc.clients.findOne({ id: backendId }))?.notBefore, notBefore);

      assert.equal((await introspect(res.json.access_token)).active, false);
      const config = await rp(server, realm, 'backend', secret);
      await assert.rejects(client.fetchUserInfo(config, res.json.access_token, claimsOf(res.json.access_token).sub), (err: any) => err.status === 401);
      await assert.rejects(client.refreshTokenGrant(config, res.json.refresh_token), (err: any) =>
        err.error === 'invalid_grant' && /Stale token/.test(err.error_description));
      const fresh = await annTokens();
      assert.equal((await introspect(fresh.json.access_token)).active, true, 'issued after: good');
      await kc.clients.update({ id: backendId }, { notBefore: 0 });
    });

    it("logout-all sets the realm's notBefore: access tokens issued before are refused everywhere, the admin API too", async () => {
      const before = await annTokens();
      const service = await client.clientCredentialsGrant(await rp(server, realm, 'backend', secret));
      await pastSecondOf(before.json.access_token);
      await pastSecondOf(service.access_token);
      await kc.realms.logoutAll({ realm });
      const { notBefore } = (await kc.realms.findOne({ realm }))!;
      assert.ok(notBefore! > claimsOf(before.json.access_token).iat);

      assert.equal((await introspect(before.json.access_token)).active, false);
      assert.equal((await introspect(service.access_token)).active, false, 'a token without a session too');
      const account = await fetch(realmUrl(server, realm, '/account'), { headers: { authorization: `Bearer ${before.json.access_token}` } });
      assert.equal(account.status, 401);
      const info = await fetch(realmUrl(server, realm)).then((r) => r.json()) as Record<string, unknown>;
      assert.equal(info['tokens-not-before'], notBefore);
      const after = await annTokens();
      assert.equal(after.status, 200);
      assert.equal(after.json['not-before-policy'], notBefore);
      assert.equal((await introspect(after.json.access_token)).active, true);

      // The master realm's: the administrator's own token from before is refused by the admin API.
      const adminToken = await masterAdminToken(server);
      await pastSecondOf(adminToken);
      await kc.realms.logoutAll({ realm: 'master' });
      assertAdminError(await adminApi(server, adminToken).get('/realms'), 401);
      kc.setConfig({ realmName: 'master' });
      await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
      kc.setConfig({ realmName: realm });
      raw = adminApi(server, await masterAdminToken(server));
      assert.equal((await raw.get('/realms')).status, 200);
    });

    it('mappers: introspection.token.claim, aggregate.attrs from groups, and Keycloak\'s order', async () => {
      const company = await kc.groups.create({ name: 'company', attributes: { dept: ['HQ'] } });
      const staff = await kc.groups.createChildGroup({ id: company.id }, { name: 'staff', attributes: { floor: ['3'] } });
      await kc.users.addToGroup({ id: annId, groupId: staff.id });
      await kc.roles.create({ name: 'extra' });
      const hardcoded = (name: string, claim: string, value: string, config: Record<string, string> = {}) => ({
        name, protocol: 'openid-connect', protocolMapper: 'oidc-hardcoded-claim-mapper',
        config: { 'claim.name': claim, 'claim.value': value, 'jsonType.label': 'String', 'access.token.claim': 'true', ...config },
      });
      await kc.clients.addMultipleProtocolMappers({ id: backendId }, [
        hardcoded('introspected only', 'only_introspected', 'yes', { 'access.token.claim': 'false', 'introspection.token.claim': 'true' }),
        hardcoded('not introspected', 'not_introspected', 'yes', { 'introspection.token.claim': 'false' }),
        // Created in the other order: of one priority, the later by name wins a single-valued claim.
        hardcoded('tier b', 'tier', 'gold'),
        hardcoded('tier a', 'tier', 'bronze'),
        hardcoded('tags a', 'tags', 'fixed', { multivalued: 'true' }),
        {
          name: 'tags b', protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-attribute-mapper',
          config: { 'user.attribute': 'dept', 'claim.name': 'tags', multivalued: 'true', 'access.token.claim': 'true' },
        },
        {
          name: 'depts', protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-attribute-mapper',
          config: { 'user.attribute': 'dept', 'claim.name': 'depts', multivalued: 'true', 'aggregate.attrs': 'true', 'access.token.claim': 'true' },
        },
        {
          name: 'own dept', protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-attribute-mapper',
          config: { 'user.attribute': 'dept', 'claim.name': 'own_dept', multivalued: 'true', 'access.token.claim': 'true' },
        },
        // Role names (priority 10) run before hardcoded roles (20): the hardcoded role is not renamed.
        { name: 'extra role', protocol: 'openid-connect', protocolMapper: 'oidc-hardcoded-role-mapper', config: { role: 'extra' } },
        { name: 'rename extra', protocol: 'openid-connect', protocolMapper: 'oidc-role-name-mapper', config: { role: 'extra', 'new.role.name': 'renamed' } },
      ]);

      const res = await annTokens();
      assert.equal(res.status, 200, res.text);
      const access = claimsOf(res.json.access_token);
      assert.equal(access.only_introspected, undefined);
      assert.equal(access.not_introspected, 'yes');
      assert.equal(access.tier, 'gold');
      assert.deepEqual(access.tags, ['fixed', 'Sales']);
      assert.deepEqual(access.depts, ['Sales', 'HQ'], "the user's, then the nearest group's up the tree");
      assert.deepEqual(access.own_dept, ['Sales']);
      assert.ok(access.realm_access.roles.includes('extra'));
      assert.ok(!access.realm_access.roles.includes('renamed'));

      const introspected = await introspect(res.json.access_token);
      assert.equal(introspected.active, true);
      assert.equal(introspected.only_introspected, 'yes');
      assert.equal(introspected.not_introspected, undefined);
      assert.equal(introspected.tier, 'gold');
      assert.deepEqual(introspected.depts, ['Sales', 'HQ']);
      assert.equal(introspected.username, 'ann');
      assert.equal(introspected.client_id, 'backend');
      for (const claim of ['sub', 'iat', 'exp', 'jti', 'scope', 'sid', 'iss']) assert.deepEqual(introspected[claim], access[claim], claim);
    });

    it('clients-initial-access: made (shown once, kept hashed), listed, deleted', async () => {
      const made = await kc.realms.createClientsInitialAccess({ realm }, { expiration: 3600, count: 2 });
      assert.equal(typeof made.token, 'string');
      assert.deepEqual([made.expiration, made.count, made.remainingCount], [3600, 2, 2]);
      const res = await raw.post(`/realms/${realm}/clients-initial-access`, {});
      assert.equal(res.status, 201, res.text);
      assert.match(res.headers.get('location') ?? '', new RegExp(`/clients-initial-access/${res.json.id}$`));
      assert.deepEqual([res.json.expiration, res.json.count], [0, 1], "Keycloak's defaults");
      const listed = await kc.realms.getClientsInitialAccess({ realm });
      assert.deepEqual(listed.map((a) => a.id).sort(), [made.id, res.json.id].sort());
      assert.ok(listed.every((a) => a.token === undefined), 'never shown again');
      if (backend.name === 'SQLite') assert.ok(!inDataDir(server, made.token!), 'not stored as it is');
      await kc.realms.delClientsInitialAccess({ realm, id: made.id! });
      assert.deepEqual((await kc.realms.getClientsInitialAccess({ realm })).map((a) => a.id), [res.json.id]);
      assertAdminError(await raw.delete(`/realms/${realm}/clients-initial-access/${made.id}`), 404);
      assertAdminError(await raw.post(`/realms/${realm}/clients-initial-access`, { count: -1 }), 400, 'count');
    });

    it("a client's registration access token: regenerated as Keycloak does, kept hashed", async () => {
      const first = await kc.clients.generateRegistrationAccessToken({ id: backendId });
      const second = await kc.clients.generateRegistrationAccessToken({ id: backendId });
      assert.equal((first as { clientId?: string }).clientId, 'backend');
      assert.equal(typeof first.registrationAccessToken, 'string');
      assert.notEqual(second.registrationAccessToken, first.registrationAccessToken);
      assert.equal((await kc.clients.findOne({ id: backendId }))?.registrationAccessToken, undefined);
      if (backend.name === 'SQLite') assert.ok(!inDataDir(server, second.registrationAccessToken!), 'not stored as it is');
      await kc.clients.update({ id: backendId }, { description: 'kept' });
      assert.equal((await failure(kc.clients.generateRegistrationAccessToken({ id: 'no-such-client' }))).status, 404);
    });

    it("installation providers: keycloak.json and the JBoss subsystem's XML and CLI", async () => {
      const xml = await raw.get(`/realms/${realm}/clients/${backendId}/installation/providers/keycloak-oidc-jboss-subsystem`);
      assert.equal(xml.status, 200);
      assert.match(xml.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(xml.text, /<secure-deployment name="WAR MODULE NAME.war">/);
      assert.match(xml.text, new RegExp(`<realm>${realm}</realm>`));
      assert.match(xml.text, /<resource>backend<\/resource>/);
      assert.ok(xml.text.includes(`<credential name="secret">${secret}</credential>`));
      const cli = await kc.clients.getInstallationProviders({ id: backendId, providerId: 'keycloak-oidc-jboss-subsystem-cli' }) as unknown as string;
      assert.match(cli, /^\/subsystem=keycloak\/secure-deployment="WAR MODULE NAME.war"\/:add\( \\/);
      assert.ok(cli.includes(`credential=secret:add(value="${secret}")`));
      const json = await kc.clients.getInstallationProviders({ id: backendId, providerId: 'keycloak-oidc-keycloak-json' }) as any;
      assert.deepEqual(json.credentials, { secret });
      const info = await kc.serverInfo.find();
      const providers = info.providers as Record<string, { providers: Record<string, unknown> }>;
      assert.deepEqual(Object.keys(providers['client-installation-provider'].providers).sort(),
        ['keycloak-oidc-jboss-subsystem', 'keycloak-oidc-jboss-subsystem-cli', 'keycloak-oidc-keycloak-json']);
      assertAdminError(await raw.get(`/realms/${realm}/clients/${backendId}/installation/providers/keycloak-saml`), 404);
    });

    it("the user profile's validations on users written through the admin API, in Keycloak's shape", async () => {
      const profile = await kc.users.getProfile({ realm });
      profile.attributes!.push(
        { name: 'dept', displayName: 'Department', validations: { options: { options: ['Sales', 'Ops'] } }, multivalued: true },
        { name: 'code', displayName: 'Code', validations: { pattern: { pattern: '^[A-Z]{3}$', 'error-message': 'bad-code' } } },
        { name: 'nickname', validations: { length: { min: 2, max: 5 } }, required: { roles: ['admin'] } },
      );
      await kc.users.updateProfile({ ...profile, realm });

      const refused = async (user: Record<string, unknown>) => (await failure(kc.users.create({ enabled: true, ...user } as never))).body;
      const valid = { username: 'bob', attributes: { nickname: ['bobby'] } };
      assert.deepEqual(await refused({ ...valid, firstName: 'Bob<script>' }),
        { error: 'invalid_request', error_description: 'Invalid field firstName: error-person-name-invalid-character',
          field: 'firstName', errorMessage: 'error-person-name-invalid-character', params: ['firstName'] });
      assert.equal((await refused({ ...valid, username: 'bo' })).errorMessage, 'error-invalid-length');
      assert.equal((await refused({ ...valid, username: 'bob:admin' })).errorMessage, 'error-username-invalid-character');
      assert.equal((await refused({ ...valid, email: 'bob@-example.com' })).errorMessage, 'error-invalid-email');
      assert.deepEqual(await refused({ username: 'bob', attributes: { nickname: ['bobby'], dept: ['Sales', 'HR'] } }),
        { error: 'invalid_request', error_description: 'Invalid field dept: error-invalid-value',
          field: 'dept', errorMessage: 'error-invalid-value', params: ['dept', 'HR'] });
      assert.equal((await refused({ username: 'bob' })).errorMessage, 'error-user-attribute-required');
      const several = await refused({ username: 'bob', attributes: { nickname: ['b'], code: ['abc'] } });
      assert.deepEqual(several.errors.map((e: any) => [e.field, e.errorMessage]), [['code', 'bad-code'], ['nickname', 'error-invalid-length']]);
      const status = (await failure(kc.users.create({ username: 'bo', enabled: true }))).status;
      assert.equal(status, 400);

      const { id } = await kc.users.create({ ...valid, enabled: true, attributes: { nickname: ['bobby'], dept: ['Ops'], code: ['ABC'] } });
      const change = await failure(kc.users.update({ id }, { attributes: { nickname: ['bobby'], dept: ['Ops'], code: ['abc'] } }));
      assert.deepEqual([change.status, change.body.field, change.body.errorMessage], [400, 'code', 'bad-code']);
      // What does not change is not checked again: ann came before nickname was required.
      await kc.users.update({ id: annId }, { firstName: 'Annie' });
      assert.equal((await kc.users.findOne({ id: annId }))?.firstName, 'Annie');
    });

    it('realm files carry the user profile as Keycloak\'s component, both ways', async () => {
      const config = {
        attributes: [
          { name: 'username', validations: { length: { min: 5, max: 20 } }, permissions: { view: ['admin'], edit: ['admin'] } },
          { name: 'email', validations: { email: {} } },
          { name: 'badge', validations: { pattern: { pattern: '^B\\d+$' } } },
        ],
      };
      const component = (text: string) => ({
        'org.keycloak.userprofile.UserProfileProvider': [{ providerId: 'declarative-user-profile', subComponents: {}, config: { 'kc.user.profile.config': [text] } }],
      });
      await kc.realms.create({ realm: 'profiled', enabled: true, components: component(JSON.stringify(config)) } as never);
      assert.deepEqual(await kc.users.getProfile({ realm: 'profiled' }), config);
      const refused = await failure(kc.users.create({ realm: 'profiled', username: 'abc', enabled: true }));
      assert.deepEqual([refused.status, refused.body.field], [400, 'username']);
      const exported = await raw.post('/realms/profiled/partial-export');
      const text = exported.json.components['org.keycloak.userprofile.UserProfileProvider'][0].config['kc.user.profile.config'][0];
      assert.deepEqual(JSON.parse(text), config);
      assertAdminError(await raw.post('/realms', { realm: 'broken', components: component('{"attributes": [{"name": "email"}]}') }), 400, 'username');
      assertAdminError(await raw.post('/realms', { realm: 'broken', components: component('not json') }), 400, 'not JSON');
      assertAdminError(await raw.put('/realms/profiled', { components: component('not json') }), 400, 'not JSON');
      assert.deepEqual(await kc.users.getProfile({ realm: 'profiled' }), config, 'left as it was');
    });

    it('partialImport: role composites and identity providers with their mappers', async () => {
      const idp = {
        alias: 'corp', providerId: 'oidc', enabled: true,
        config: {
          clientId: 'latchkey', clientSecret: 'corp-secret', issuer: 'https://corp.example', authorizationUrl: 'https://corp.example/auth',
          tokenUrl: 'https://corp.example/token', jwksUrl: 'https://corp.example/jwks', useJwksUrl: 'true', validateSignature: 'true',
        },
      };
      const body = {
        ifResourceExists: 'FAIL',
        roles: {
          realm: [
            { name: 'editor', composite: true, composites: { realm: ['reader'], client: { backend: ['publish'] } } },
            { name: 'reader' },
          ],
          client: { backend: [{ name: 'publish' }] },
        },
        identityProviders: [idp, { alias: 'saml-one', providerId: 'saml', config: {} }],
        identityProviderMappers: [{
          name: 'dept', identityProviderAlias: 'corp', identityProviderMapper: 'oidc-user-attribute-idp-mapper',
          config: { claim: 'department', 'user.attribute': 'dept' },
        }],
      };
      const result = await kc.realms.partialImport({ realm, rep: body as never });
      assert.deepEqual([result.added, result.skipped, result.overwritten], [4, 0, 0]);
      assert.deepEqual(result.results?.map((r) => [r.resourceType, r.resourceName]).sort(),
        [['CLIENT_ROLE', 'publish'], ['IDP', 'corp'], ['REALM_ROLE', 'editor'], ['REALM_ROLE', 'reader']]);
      assert.deepEqual((await kc.roles.getCompositeRolesForRealm({ id: (await kc.roles.findOneByName({ name: 'editor' }))!.id! })).map((r) => r.name), ['reader']);
      const provider = await kc.identityProviders.findOne({ alias: 'corp' });
      assert.equal(provider?.config?.tokenUrl, 'https://corp.example/token');
      assert.deepEqual((await kc.identityProviders.findMappers({ alias: 'corp' })).map((m) => m.name), ['dept']);
      assert.equal(await kc.identityProviders.findOne({ alias: 'saml-one' }), null, 'SAML is passed over');

      // The composite works: ann, granted editor, holds reader and backend's publish in her tokens.
      const editor = await kc.roles.findOneByName({ name: 'editor' });
      await kc.users.addRealmRoleMappings({ id: annId, roles: [{ id: editor!.id!, name: 'editor' }] });
      const access = claimsOf((await annTokens()).json.access_token);
      assert.ok(['editor', 'reader'].every((r) => access.realm_access.roles.includes(r)));
      assert.deepEqual(access.resource_access.backend.roles, ['publish']);

      assert.equal((await failure(kc.realms.partialImport({ realm, rep: body as never }))).status, 409);
      const overwritten = await kc.realms.partialImport({ realm, rep: { ifResourceExists: 'OVERWRITE', identityProviders: [{ ...idp, config: { ...idp.config, tokenUrl: 'https://corp.example/token2' } }] } as never });
      assert.equal(overwritten.overwritten, 1);
      assert.equal((await kc.identityProviders.findOne({ alias: 'corp' }))?.config?.tokenUrl, 'https://corp.example/token2');
      assertAdminError(await raw.post(`/realms/${realm}/partialImport`, { roles: { realm: [{ name: 'boss', composites: { realm: ['nobody'] } }] } }), 400, 'nobody');
      assert.equal(await kc.roles.findOneByName({ name: 'boss' }), null, 'nothing imported');
    });

    it('/admin/openapi.json describes the new routes', async () => {
      const doc = (await raw.get('/openapi.json')).json;
      for (const [path, method] of [
        ['/admin/realms/{realm}/clients-initial-access', 'get'], ['/admin/realms/{realm}/clients-initial-access', 'post'],
        ['/admin/realms/{realm}/clients-initial-access/{id}', 'delete'], ['/admin/realms/{realm}/clients/{id}/registration-access-token', 'post'],
      ] as const) {
        assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} in the document`);
      }
    });
  });
}

