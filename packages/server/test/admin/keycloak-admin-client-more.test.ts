// The rest of Keycloak's admin API that tools call, through Keycloak's own admin client
// (@keycloak/keycloak-admin-client) where it has a method, else over plain HTTP: roles by id
// and composites, available and composite role mappings, groups by path and attribute, default
// groups, user search, credentials and the user profile, a client's sessions, rotated secret and
// nodes, the realm's partial import and export, logout-all and brute-force state. Each change
// is checked where it shows: in the tokens the realm then issues, or in a sign-in refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { claimsOf } from '../helpers/oidc.js';
import { clientCredentials, passwordGrant, tokenUrl } from '../helpers/http.js';
import { ADMIN_PASSWORD, postForm, type TestServer } from '../helpers/server.js';
import { adminApi, assertAdminError, backends, masterAdminToken } from './fixture.js';

/** The HTTP status a call of the admin client ended in: 2xx as 200, else its error's. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err) {
    const status = (err as { response?: Response }).response?.status;
    if (status === undefined) throw err;
    return status;
  }
}

const sorted = (names: Array<string | undefined>) => names.map(String).sort();

for (const backend of backends) {
  if (backend.skip) {
    it(`the rest of the admin API, through @keycloak/keycloak-admin-client: ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }

  describe(`the rest of the admin API, through @keycloak/keycloak-admin-client: ${backend.name}`, () => {
    let server: TestServer;
    let stop: () => Promise<void>;
    let kc: KcAdminClient;
    let raw: ReturnType<typeof adminApi>;
    const realm = 'tools';
    const base = `/realms/${realm}`;
    let clientUuid: string;
    let secret: string;
    let userId: string;

    const tokenClaims = async (username: string, password: string) => {
      const res = await passwordGrant(server, realm, 'backend', secret, username, password);
      assert.equal(res.status, 200, res.text);
      return claimsOf(res.json.access_token);
    };

    before(async () => {
      ({ server, stop } = await backend.start());
      kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
      await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
      raw = adminApi(server, await masterAdminToken(server));
    });
    after(async () => { await stop(); });

    it('a realm made through the API records no events unless asked, as Keycloak; DELETE admin-events leaves none', async () => {
      await kc.realms.create({ realm, enabled: true });
      const made = await kc.realms.findOne({ realm });
      assert.deepEqual([made?.eventsEnabled, made?.adminEventsEnabled], [false, false]);
      await kc.realms.create({ realm: 'audited', enabled: true, eventsEnabled: true, adminEventsEnabled: true });
      const audited = await kc.realms.findOne({ realm: 'audited' });
      assert.deepEqual([audited?.eventsEnabled, audited?.adminEventsEnabled], [true, true]);
      await kc.roles.create({ realm: 'audited', name: 'recorded' } as never);
      assert.ok((await kc.realms.findAdminEvents({ realm: 'audited' })).length > 0);
      await kc.realms.clearAdminEvents({ realm: 'audited' });
      assert.deepEqual(await kc.realms.findAdminEvents({ realm: 'audited' }), [], 'not even the deletion');
      kc.setConfig({ realmName: realm });

      ({ id: clientUuid } = await kc.clients.create({
        clientId: 'backend', publicClient: false, serviceAccountsEnabled: true, directAccessGrantsEnabled: true, standardFlowEnabled: false,
      }));
      secret = (await kc.clients.getClientSecret({ id: clientUuid })).value!;
      ({ id: userId } = await kc.users.create({
        username: 'ann', enabled: true, email: 'ann@example.com', emailVerified: true, firstName: 'Ann',
        attributes: { dept: ['Sales'], city: ['Berlin'] },
      }));
      await kc.users.resetPassword({ id: userId, credential: { type: 'password', value: 'ann-pw', temporary: false } });
      await kc.users.create({ username: 'bob', enabled: true, email: 'bob@example.com', emailVerified: false, attributes: { dept: ['salesforce'] } });
    });

    it('roles-by-id: read, change, delete; composites; 404 for an unknown id, 409 for a name taken', async () => {
      for (const name of ['reader', 'writer', 'editor']) await kc.roles.create({ name });
      const editor = (await kc.roles.findOneByName({ name: 'editor' }))!;
      const reader = (await kc.roles.findOneByName({ name: 'reader' }))!;
      const byId = await kc.roles.findOneById({ id: editor.id! });
      assert.deepEqual(byId, { id: editor.id, name: 'editor', composite: false, clientRole: false, containerId: editor.containerId, attributes: {} });
      await kc.roles.updateById({ id: editor.id! }, { name: 'editor', description: 'Edits' });
      assert.equal((await kc.roles.findOneById({ id: editor.id! }))?.description, 'Edits');
      assert.equal(await statusOf(kc.roles.updateById({ id: editor.id! }, { name: 'writer' })), 409);
      assert.equal(await kc.roles.findOneById({ id: 'no-such-role' }), null, 'the admin client answers a 404 with null');
      assertAdminError(await raw.get(`${base}/roles-by-id/no-such-role`), 404);
      assert.equal(await statusOf(kc.roles.delById({ id: 'no-such-role' })), 404);

      // A composite: whoever holds editor holds reader, and a client's role too.
      await kc.clients.createRole({ id: clientUuid, name: 'publish' });
      const publish = (await kc.clients.findRole({ id: clientUuid, roleName: 'publish' }))!;
      await kc.roles.createComposite({ roleId: editor.id! }, [{ id: reader.id! }, { id: publish.id! }]);
      assert.deepEqual(sorted((await kc.roles.getCompositeRoles({ id: editor.id! })).map((r) => r.name)), ['publish', 'reader']);
      assert.deepEqual((await kc.roles.getCompositeRolesForRealm({ id: editor.id! })).map((r) => r.name), ['reader']);
      assert.deepEqual((await kc.roles.getCompositeRolesForClient({ id: editor.id!, clientId: clientUuid })).map((r) => r.name), ['publish']);
      assert.equal((await kc.roles.findOneByName({ name: 'editor' }))?.composite, true);
      assert.equal(await statusOf(kc.roles.createComposite({ roleId: editor.id! }, [{ id: 'no-such-role' }])), 404);
      assertAdminError(await raw.post(`${base}/roles-by-id/${editor.id}/composites`, [{ id: editor.id }]), 400, 'itself');

      await kc.users.addRealmRoleMappings({ id: userId, roles: [{ id: editor.id!, name: 'editor' }] });
      let claims = await tokenClaims('ann', 'ann-pw');
      assert.ok(claims.realm_access.roles.includes('reader'), JSON.stringify(claims.realm_access));
      assert.deepEqual(claims.resource_access?.backend?.roles, ['publish']);

      // The same by name, over HTTP (the admin client has no method for it).
      const byName = await raw.get(`${base}/roles/editor/composites`);
      assert.deepEqual(sorted(byName.json.map((r: { name: string }) => r.name)), ['publish', 'reader']);
      assert.equal((await raw.delete(`${base}/roles/editor/composites`, [{ id: publish.id }])).status, 204);
      await kc.roles.delCompositeRoles({ id: editor.id! }, [{ id: reader.id! }]);
      assert.deepEqual(await kc.roles.getCompositeRoles({ id: editor.id! }), []);
      claims = await tokenClaims('ann', 'ann-pw');
      assert.ok(!claims.realm_access.roles.includes('reader'), 'no longer through editor');
      assert.equal(claims.resource_access?.backend, undefined);

      await kc.roles.delById({ id: reader.id! });
      assertAdminError(await raw.get(`${base}/roles-by-id/${reader.id}`), 404);
    });

    it("a role's users and groups: who holds it directly, with Keycloak's fields", async () => {
      const users = await kc.roles.findUsersWithRole({ name: 'editor' });
      assert.deepEqual(users.map((u) => u.username), ['ann']);
      assert.equal('access' in users[0], false);
      assert.equal('attributes' in users[0], false, 'brief by default');
      const { id: groupId } = await kc.groups.create({ name: 'editors' });
      await kc.groups.addRealmRoleMappings({ id: groupId, roles: [{ id: (await kc.roles.findOneByName({ name: 'editor' }))!.id!, name: 'editor' }] });
      const groups = await raw.get(`${base}/roles/editor/groups`);
      assert.equal(groups.status, 200);
      assert.deepEqual(groups.json, [{ id: groupId, name: 'editors', path: '/editors' }]);
      assert.deepEqual((await raw.get(`${base}/roles/editor/groups?briefRepresentation=false`)).json[0].realmRoles, ['editor']);
      assert.deepEqual((await kc.clients.findUsersWithRole({ id: clientUuid, roleName: 'publish' })), []);
      assertAdminError(await raw.get(`${base}/roles/nobody/users`), 404);
    });

    it('role mappings: what is available, what is held in effect; role mappings without attributes', async () => {
      const available = (await kc.users.listAvailableRealmRoleMappings({ id: userId })).map((r) => r.name);
      assert.ok(available.includes('writer') && !available.includes('editor'), available.join());
      const mapped = await kc.users.listRealmRoleMappings({ id: userId });
      assert.ok(mapped.length > 0 && mapped.every((r) => !('attributes' in r)), JSON.stringify(mapped));
      const all = await kc.users.listRoleMappings({ id: userId });
      assert.ok(all.realmMappings!.every((r) => !('attributes' in r)));
      assert.deepEqual((await kc.users.listAvailableClientRoleMappings({ id: userId, clientUniqueId: clientUuid })).map((r) => r.name), ['publish']);
      await kc.users.addClientRoleMappings({ id: userId, clientUniqueId: clientUuid, roles: [{ id: (await kc.clients.findRole({ id: clientUuid, roleName: 'publish' }))!.id!, name: 'publish' }] });
      assert.deepEqual(await kc.users.listAvailableClientRoleMappings({ id: userId, clientUniqueId: clientUuid }), []);
      assert.deepEqual((await kc.users.listCompositeClientRoleMappings({ id: userId, clientUniqueId: clientUuid })).map((r) => r.name), ['publish']);

      const [group] = await kc.groups.find({ search: 'editors' });
      assert.ok(!(await kc.groups.listAvailableRealmRoleMappings({ id: group.id! })).some((r) => r.name === 'editor'));
      assert.ok((await kc.groups.listCompositeRealmRoleMappings({ id: group.id! })).some((r) => r.name === 'editor'));
      assert.deepEqual((await kc.groups.listAvailableClientRoleMappings({ id: group.id!, clientUniqueId: clientUuid })).map((r) => r.name), ['publish']);
      assert.equal(await statusOf(kc.users.listAvailableRealmRoleMappings({ id: 'nobody' })), 404);
    });

    it('groups: children, by path, by attribute (q), brief or full; members without access', async () => {
      const { id: staff } = await kc.groups.create({ name: 'staff', attributes: { site: ['hq'] } });
      const { id: berlin } = await kc.groups.createChildGroup({ id: staff }, { name: 'berlin', attributes: { city: ['Berlin'] } });
      await kc.groups.createChildGroup({ id: staff }, { name: 'paris', attributes: { city: ['Paris'] } });
      assert.deepEqual((await kc.groups.listSubGroups({ parentId: staff })).map((g) => g.name), ['berlin', 'paris']);
      const byPath = await raw.get(`${base}/group-by-path/staff/berlin`);
      assert.equal(byPath.status, 200, byPath.text);
      assert.deepEqual([byPath.json.id, byPath.json.path], [berlin, '/staff/berlin']);
      assertAdminError(await raw.get(`${base}/group-by-path/staff/rome`), 404);

      assert.deepEqual((await kc.groups.find({ q: 'city:berlin' })).map((g) => g.path), ['/staff/berlin']);
      assert.deepEqual(await kc.groups.find({ q: 'city:berl', exact: true } as never), []);
      assertAdminError(await raw.get(`${base}/groups?q=nocolon`), 400, 'q');
      const full = await kc.groups.find({ search: 'editors', briefRepresentation: false });
      assert.deepEqual(full[0].realmRoles, ['editor']);
      assert.equal((await kc.groups.find({ search: 'editors' }))[0].realmRoles, undefined, 'brief by default');

      await kc.users.addToGroup({ id: userId, groupId: berlin });
      const members = await kc.groups.listMembers({ id: berlin });
      assert.deepEqual(members.map((m) => m.username), ['ann']);
      assert.equal('access' in members[0], false, 'no access on a group\'s members, as Keycloak');
      assertAdminError(await raw.get(`${base}/groups/nowhere/children`), 404);
    });

    it("a user's groups: Keycloak's brief form, the full one when asked, and their count", async () => {
      const groups = await kc.users.listGroups({ id: userId });
      const [berlin] = await kc.groups.find({ q: 'city:Berlin', exact: true } as never);
      assert.deepEqual(groups, [{ id: berlin.id, name: 'berlin', path: '/staff/berlin', parentId: berlin.parentId }]);
      const full = await kc.users.listGroups({ id: userId, briefRepresentation: false });
      assert.deepEqual(full[0].attributes, { city: ['Berlin'] });
      assert.deepEqual(await kc.users.countGroups({ id: userId }), { count: 1 });
      assert.deepEqual(await kc.users.countGroups({ id: userId, search: 'par' }), { count: 0 });
      assert.equal(await statusOf(kc.users.countGroups({ id: 'nobody' })), 404);
    });

    it('default groups: a user created joins them, until the group stops being one', async () => {
      const [editors] = await kc.groups.find({ search: 'editors' });
      await kc.realms.addDefaultGroup({ realm, id: editors.id! });
      assert.deepEqual((await kc.realms.getDefaultGroups({ realm })).map((g) => g.path), ['/editors']);
      const { id: cleo } = await kc.users.create({ username: 'cleo', enabled: true });
      await kc.users.resetPassword({ id: cleo, credential: { type: 'password', value: 'cleo-pw', temporary: false } });
      assert.deepEqual((await kc.users.listGroups({ id: cleo })).map((g) => g.name), ['editors']);
      assert.ok((await tokenClaims('cleo', 'cleo-pw')).realm_access.roles.includes('editor'), "the default group's role");
      assert.deepEqual((await kc.realms.export({ realm, exportGroupsAndRoles: true })).defaultGroups, ['/editors'], 'in a realm file by path, as Keycloak');
      await kc.realms.create({ realm: 'defaults', enabled: true, groups: [{ name: 'everyone' }], defaultGroups: ['/everyone'] });
      const { id: newcomer } = await kc.users.create({ realm: 'defaults', username: 'newcomer', enabled: true } as never);
      assert.deepEqual((await kc.users.listGroups({ realm: 'defaults', id: newcomer } as never)).map((g) => g.path), ['/everyone']);
      assertAdminError(await raw.post('/realms', { realm: 'broken', defaultGroups: ['/nowhere'] }), 400, 'defaultGroups');
      await kc.realms.removeDefaultGroup({ realm, id: editors.id! });
      assert.deepEqual(await kc.realms.getDefaultGroups({ realm }), []);
      const { id: dan } = await kc.users.create({ username: 'dan', enabled: true });
      assert.deepEqual(await kc.users.listGroups({ id: dan }), []);
      assert.equal(await statusOf(kc.realms.addDefaultGroup({ realm, id: 'no-such-group' })), 404);
    });

    it('users search: q by attribute, exact, emailVerified, briefRepresentation, idpAlias', async () => {
      const names = async (query: Record<string, unknown>) => (await kc.users.find(query as never)).map((u) => u.username);
      assert.deepEqual(await names({ q: 'dept:sales' }), ['ann', 'bob']);
      assert.deepEqual(await names({ q: 'dept:Sales', exact: true }), ['ann']);
      assert.deepEqual(await names({ q: 'dept:sales city:berlin' }), ['ann']);
      assert.deepEqual(await names({ emailVerified: true }), ['ann']);
      assert.equal(await kc.users.count({ q: 'dept:sales' } as never), 2);
      assert.deepEqual(await names({ q: 'dept:SALES' }), ['ann', 'bob'], 'ignoring case');
      assert.deepEqual(await names({ q: 'sales:dept' }), [], 'key and value are not swapped');
      await kc.users.create({ username: 'gus', enabled: true, attributes: { city: ['München'], quote: ['say "hi" 100%'] } });
      assert.deepEqual(await names({ q: 'city:MÜNCHEN' }), ['gus'], 'beyond ASCII too');
      assert.deepEqual(await names({ q: 'quote:"hi"' }), ['gus'], 'quotes and % as they are');
      assert.deepEqual(await names({ q: 'quote:%' }), ['gus']);
      assert.deepEqual(await names({ q: 'city:_ünchen' }), [], '_ is no wildcard');
      const [brief] = await kc.users.find({ username: 'ann', exact: true, briefRepresentation: true });
      assert.deepEqual(Object.keys(brief).sort(), ['access', 'createdTimestamp', 'email', 'emailVerified', 'enabled', 'firstName', 'id', 'username']);
      assertAdminError(await raw.get(`${base}/users?q=dept`), 400, 'q');

      const provider = await raw.post(`${base}/identity-provider/instances`, {
        alias: 'upstream', providerId: 'oidc', enabled: true,
        config: { issuer: (await raw.call('GET', '/../realms/master/.well-known/openid-configuration')).json.issuer, clientId: 'tools', clientSecret: 'upstream-secret', clientAuthMethod: 'client_secret_post' },
      });
      assert.equal(provider.status, 201, provider.text);
      await kc.users.addToFederatedIdentity({ id: userId, federatedIdentityId: 'upstream', federatedIdentity: { identityProvider: 'upstream', userId: 'up-1', userName: 'ann' } });
      assert.deepEqual(await names({ idpAlias: 'upstream' }), ['ann']);
      assert.deepEqual(await names({ idpAlias: 'elsewhere' }), []);
    });

    it('credentials: the password listed (never its hash) and deleted, after which it no longer signs in', async () => {
      const [credential, ...others] = await kc.users.getCredentials({ id: userId });
      assert.deepEqual(others, []);
      assert.equal(credential.type, 'password');
      assert.ok(typeof credential.createdDate === 'number' && credential.createdDate > 0);
      assert.equal(JSON.stringify(credential).includes('$argon2'), false);
      assert.equal(await statusOf(kc.users.deleteCredential({ id: userId, credentialId: 'not-it' })), 404);
      await kc.users.deleteCredential({ id: userId, credentialId: credential.id! });
      assert.deepEqual(await kc.users.getCredentials({ id: userId }), []);
      assert.equal((await passwordGrant(server, realm, 'backend', secret, 'ann', 'ann-pw')).status, 400);
      await kc.users.resetPassword({ id: userId, credential: { type: 'password', value: 'ann-pw2', temporary: false } });
    });

    it("the user profile: Keycloak's default, editable; its metadata; username and email cannot go", async () => {
      const profile = await kc.users.getProfile();
      assert.deepEqual(profile.attributes!.map((a) => a.name), ['username', 'email', 'firstName', 'lastName']);
      assert.deepEqual(profile.attributes![1].validations, { email: {}, length: { max: 255 } });
      const changed = await kc.users.updateProfile({
        ...profile, attributes: [...profile.attributes!, { name: 'dept', displayName: 'Department', permissions: { view: ['admin'], edit: ['admin'] }, required: { roles: ['admin'] } }],
      });
      assert.equal(changed.attributes!.at(-1)!.name, 'dept');
      assert.deepEqual((await kc.users.getProfile()).attributes!.map((a) => a.name), ['username', 'email', 'firstName', 'lastName', 'dept']);
      const metadata = await kc.users.getProfileMetadata();
      const dept = metadata.attributes!.find((a) => a.name === 'dept')!;
      assert.deepEqual([dept.required, dept.readOnly, dept.displayName], [true, false, 'Department']);
      assert.equal(metadata.attributes!.find((a) => a.name === 'email')!.required, false, 'required of users, not of admins');
      assertAdminError(await raw.put(`${base}/users/profile`, { attributes: [{ name: 'username' }] }), 400, 'email');
      assertAdminError(await raw.put(`${base}/users/profile`, { attributes: [{ displayName: 'x' }] }), 400, 'name');
    });

    it("a client's sessions and the realm's session stats; logout-all ends them", async () => {
      // Earlier tests signed in through backend too: their sessions count.
      const { count: before } = await kc.clients.getSessionCount({ id: clientUuid });
      const online = await passwordGrant(server, realm, 'backend', secret, 'ann', 'ann-pw2');
      const offline = await passwordGrant(server, realm, 'backend', secret, 'ann', 'ann-pw2', { scope: 'offline_access' });
      assert.equal(offline.status, 200, offline.text);
      const sessions = await kc.clients.listSessions({ id: clientUuid });
      const mine = sessions.find((s) => s.id === claimsOf(online.json.access_token).sid)!;
      assert.deepEqual([mine.username, mine.userId, mine.clients], ['ann', userId, { [clientUuid]: 'backend' }]);
      assert.deepEqual(await kc.clients.getSessionCount({ id: clientUuid }), { count: before! + 1 });
      assert.deepEqual((await kc.clients.listOfflineSessions({ id: clientUuid })).map((s) => s.id), [claimsOf(offline.json.access_token).sid]);
      assert.deepEqual(await kc.clients.getOfflineSessionCount({ id: clientUuid }), { count: 1 });
      assert.deepEqual(await kc.realms.getClientSessionStats({ realm }), [{ id: clientUuid, clientId: 'backend', active: String(before! + 1), offline: '1' }]);
      assertAdminError(await raw.get(`${base}/clients/no-such-client/session-count`), 404);

      await kc.realms.logoutAll({ realm });
      assert.deepEqual(await kc.clients.getSessionCount({ id: clientUuid }), { count: 0 });
      for (const grant of [online, offline]) {
        const refreshed = await postForm(tokenUrl(server, realm), { grant_type: 'refresh_token', refresh_token: grant.json.refresh_token },
          { authorization: `Basic ${Buffer.from(`backend:${secret}`).toString('base64')}` });
        assert.equal(refreshed.status, 400, refreshed.text);
        assert.equal(refreshed.json.error, 'invalid_grant');
      }
      assert.deepEqual(await kc.realms.getClientSessionStats({ realm }), []);
      assert.equal(await statusOf(kc.realms.pushRevocation({ realm })), 200);
      assert.equal(await statusOf(kc.clients.pushRevocation({ id: clientUuid })), 200);
    });

    it("a client's rotated secret: the one accepted beside the current; invalidated, it stops working", async () => {
      assertAdminError(await raw.get(`${base}/clients/${clientUuid}/client-secret/rotated`), 404, 'rotated');
      const added = await raw.post(`${base}/clients/${clientUuid}/secrets`, { value: 'the-next-secret-value-0123456789' });
      assert.equal(added.status, 201, added.text);
      const rotated = await raw.get(`${base}/clients/${clientUuid}/client-secret/rotated`);
      assert.deepEqual(rotated.json, { type: 'secret', value: 'the-next-secret-value-0123456789' });
      assert.equal((await clientCredentials(server, realm, 'backend', 'the-next-secret-value-0123456789')).status, 200);
      await kc.clients.invalidateSecret({ id: clientUuid });
      assert.equal((await clientCredentials(server, realm, 'backend', 'the-next-secret-value-0123456789')).status, 401);
      assert.equal((await clientCredentials(server, realm, 'backend', secret)).status, 200, 'the current one stays');
      assert.equal((await kc.clients.getClientSecret({ id: clientUuid })).value, secret);
    });

    it("a client's cluster nodes and certificates, as Keycloak keeps them", async () => {
      await kc.clients.addClusterNode({ id: clientUuid, node: 'node-1.internal' });
      const nodes = (await kc.clients.findOne({ id: clientUuid }))?.registeredNodes as Record<string, number>;
      assert.deepEqual(Object.keys(nodes), ['node-1.internal']);
      assert.deepEqual(await kc.clients.testNodesAvailable({ id: clientUuid }), {});
      await kc.clients.deleteClusterNode({ id: clientUuid, node: 'node-1.internal' });
      assert.equal((await kc.clients.findOne({ id: clientUuid }))?.registeredNodes, undefined);
      assert.equal(await statusOf(kc.clients.deleteClusterNode({ id: clientUuid, node: 'node-1.internal' })), 404);

      assert.deepEqual(await kc.clients.getKeyInfo({ id: clientUuid, attr: 'jwt.credential' }), {});
      await kc.clients.update({ id: clientUuid }, { attributes: { 'jwt.credential.certificate': 'MIIBcert', 'jwt.credential.kid': 'k1' } });
      assert.deepEqual(await kc.clients.getKeyInfo({ id: clientUuid, attr: 'jwt.credential' }), { certificate: 'MIIBcert', kid: 'k1' });
    });

    it('brute-force detection: DELETE for every user of the realm unlocks them', async () => {
      // The account-wide ceiling at one failure too, so that the account (not only the address) is locked.
      await kc.realms.update({ realm }, {
        bruteForceProtected: true, failureFactor: 1, waitIncrementSeconds: 600, maxFailureWaitSeconds: 600, accountFailureCeiling: 1,
      } as Record<string, unknown>);
      assert.notEqual((await passwordGrant(server, realm, 'backend', secret, 'ann', 'wrong')).status, 200);
      assert.equal((await kc.attackDetection.findOne({ id: userId }))?.disabled, true);
      assert.equal((await passwordGrant(server, realm, 'backend', secret, 'ann', 'ann-pw2')).status, 400, 'locked out');
      await kc.attackDetection.delAll();
      assert.equal((await kc.attackDetection.findOne({ id: userId }))?.disabled, false);
      assert.equal((await passwordGrant(server, realm, 'backend', secret, 'ann', 'ann-pw2')).status, 200);
      await kc.realms.update({ realm }, { bruteForceProtected: false });
    });

    it('partial export: no users, secrets masked, clients and groups and roles when asked', async () => {
      const bare = await kc.realms.export({ realm });
      assert.equal(bare.realm, realm);
      assert.deepEqual([bare.clients, bare.groups, bare.roles, bare.users], [undefined, undefined, undefined, undefined]);
      const all = await kc.realms.export({ realm, exportClients: true, exportGroupsAndRoles: true });
      const backend = all.clients!.find((c) => c.clientId === 'backend')!;
      assert.equal(backend.secret, '**********');
      assert.equal(JSON.stringify(all).includes(secret), false, 'no secret anywhere');
      assert.ok(all.roles!.realm!.some((r) => r.name === 'editor'));
      assert.ok(all.groups!.some((g) => g.name === 'staff'));
      assert.equal(all.users, undefined);
    });

    it('partial import: added, then FAIL (409, nothing done), SKIP and OVERWRITE; what it adds signs in', async () => {
      const rep = {
        ifResourceExists: 'FAIL' as const,
        roles: { realm: [{ name: 'auditor', description: 'Audits' }] },
        groups: [{ name: 'auditors', realmRoles: ['auditor'], subGroups: [{ name: 'external' }] }],
        clients: [{ clientId: 'imported', publicClient: false, secret: 'imported-secret-value', serviceAccountsEnabled: true, directAccessGrantsEnabled: true }],
        users: [{ username: 'eve', enabled: true, email: 'eve@example.com', credentials: [{ type: 'password', value: 'eve-pw' }], groups: ['/auditors/external', '/auditors'] }],
      };
      const first = await kc.realms.partialImport({ realm, rep: rep as never });
      assert.deepEqual([first.added, first.skipped, first.overwritten], [4, 0, 0]);
      assert.deepEqual(sorted(first.results.map((r) => `${r.action} ${r.resourceType} ${r.resourceName}`)),
        ['ADDED CLIENT imported', 'ADDED GROUP auditors', 'ADDED REALM_ROLE auditor', 'ADDED USER eve']);
      const eve = await passwordGrant(server, realm, 'imported', 'imported-secret-value', 'eve', 'eve-pw');
      assert.equal(eve.status, 200, eve.text);
      assert.ok(claimsOf(eve.json.access_token).realm_access.roles.includes('auditor'), 'through the imported group');

      assert.equal(await statusOf(kc.realms.partialImport({ realm, rep: { ...rep, users: [...rep.users, { username: 'fay', enabled: true }] } as never })), 409);
      assert.deepEqual(await kc.users.find({ username: 'fay', exact: true }), [], 'a failed import leaves nothing');

      const skipped = await kc.realms.partialImport({ realm, rep: { ...rep, ifResourceExists: 'SKIP' } as never });
      assert.deepEqual([skipped.added, skipped.skipped, skipped.overwritten], [0, 4, 0]);
      const [before] = await kc.users.find({ username: 'eve', exact: true });
      const replaced = await kc.realms.partialImport({
        realm, rep: { ifResourceExists: 'OVERWRITE', users: [{ username: 'eve', enabled: true, firstName: 'Eve', credentials: [{ type: 'password', value: 'eve-pw2' }] }] } as never,
      });
      assert.deepEqual([replaced.added, replaced.skipped, replaced.overwritten], [0, 0, 1]);
      const [after] = await kc.users.find({ username: 'eve', exact: true });
      assert.deepEqual([after.id, after.firstName, after.email], [before.id, 'Eve', undefined]);
      assert.equal((await passwordGrant(server, realm, 'imported', 'imported-secret-value', 'eve', 'eve-pw2')).status, 200);
      assertAdminError(await raw.post(`${base}/partialImport`, { users: [{ username: 'x', realmRoles: ['missing'] }] }), 400, 'missing');
      assertAdminError(await raw.post(`${base}/partialImport`, { ifResourceExists: 'MERGE' }), 400, 'ifResourceExists');
    });

    it('/admin/openapi.json describes these routes', async () => {
      const doc = (await raw.get('/openapi.json')).json as { paths: Record<string, Record<string, unknown>> };
      for (const [path, method] of [
        ['/admin/realms/{realm}/roles-by-id/{roleId}', 'put'], ['/admin/realms/{realm}/roles-by-id/{roleId}/composites', 'post'],
        ['/admin/realms/{realm}/roles/{roleName}/users', 'get'], ['/admin/realms/{realm}/roles/{roleName}/groups', 'get'],
        ['/admin/realms/{realm}/users/{id}/role-mappings/realm/available', 'get'], ['/admin/realms/{realm}/groups/{id}/role-mappings/clients/{client}/available', 'get'],
        ['/admin/realms/{realm}/group-by-path/{*}', 'get'], ['/admin/realms/{realm}/default-groups/{groupId}', 'put'],
        ['/admin/realms/{realm}/users/profile', 'put'], ['/admin/realms/{realm}/users/profile/metadata', 'get'],
        ['/admin/realms/{realm}/users/{id}/groups/count', 'get'], ['/admin/realms/{realm}/users/{id}/credentials/{credentialId}', 'delete'],
        ['/admin/realms/{realm}/clients/{id}/client-secret/rotated', 'delete'], ['/admin/realms/{realm}/clients/{id}/user-sessions', 'get'],
        ['/admin/realms/{realm}/clients/{id}/session-count', 'get'], ['/admin/realms/{realm}/clients/{id}/nodes', 'post'],
        ['/admin/realms/{realm}/clients/{id}/certificates/{attr}', 'get'], ['/admin/realms/{realm}/partialImport', 'post'],
        ['/admin/realms/{realm}/partial-export', 'post'], ['/admin/realms/{realm}/logout-all', 'post'],
        ['/admin/realms/{realm}/client-session-stats', 'get'], ['/admin/realms/{realm}/attack-detection/brute-force/users', 'delete'],
      ] as const) {
        assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} in the document`);
      }
    });
  });
}
