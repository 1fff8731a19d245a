// The admin REST API over plain HTTP: who may call it, what it answers when a request is
// wrong, Latchkey's extensions on the client representation, and that what it changes
// shows in the next token.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { claimsOf } from '../helpers/oidc.js';
import { clientCredentials, passwordGrant, send, sleep, userinfo, type JsonResponse } from '../helpers/http.js';
import { FIXTURES, NO_FIXTURES, type TestServer } from '../helpers/server.js';
import { adminApi, assertAdminError, backends, masterAdminToken, passwordToken, type AdminApi } from './fixture.js';

for (const backend of backends) {
  if (backend.skip) {
    it(`admin REST API: ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }

  describe(`admin REST API: ${backend.name}`, () => {
    let server: TestServer;
    let stop: () => Promise<void>;
    let admin: AdminApi;
    /** The realm most tests work in, with a public client for the password grant. */
    const realm = 'tenant';

    before(async () => {
      ({ server, stop } = await backend.start());
      admin = adminApi(server, await masterAdminToken(server));
      await admin.create('/realms', { realm, enabled: true });
      await admin.create(`/realms/${realm}/clients`, { clientId: 'cli', publicClient: true, directAccessGrantsEnabled: true });
    });
    after(async () => { await stop(); });

    /** A user of the realm with a password; returns its id. */
    async function user(username: string, extra: object = {}, password = `${username}-password`): Promise<string> {
      const id = await admin.create(`/realms/${realm}/users`, { username, enabled: true, ...extra });
      const reset = await admin.put(`/realms/${realm}/users/${id}/reset-password`, { type: 'password', value: password, temporary: false });
      assert.equal(reset.status, 204, reset.text);
      return id;
    }

    const clientUuid = async (clientId: string) => {
      const res = await admin.get(`/realms/${realm}/clients?clientId=${encodeURIComponent(clientId)}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.length, 1, `client ${clientId}`);
      return res.json[0].id as string;
    };

    describe('who may call it', () => {
      it('refuses a request without a token or with a bad one: 401 with a Bearer challenge', async () => {
        // RFC 6750 §3.1: without credentials, the bare challenge and no error information, in the header or the body.
        const anonymous = adminApi(server);
        const withoutToken: Array<[string, Promise<JsonResponse>]> = [
          ['GET', anonymous.get('/realms')],
          // Authentication comes before anything is read: an invalid body is not even looked at.
          ['POST with an invalid body', anonymous.post(`/realms/${realm}/clients`, { clientId: {} })],
          ['another scheme', anonymous.call('GET', '/realms', undefined, { authorization: 'Basic YWRtaW46YWRtaW4=' })],
          ['Bearer and nothing', anonymous.call('GET', '/realms', undefined, { authorization: 'Bearer ' })],
        ];
        for (const [what, request] of withoutToken) {
          const res = await request;
          assert.equal(res.status, 401, what);
          assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="master"', what);
          assert.equal(res.text, '', `${what}: no error information in the body`);
        }

        const garbage = await adminApi(server, 'not-a-jwt').get('/realms');
        assertAdminError(garbage, 401);
        assert.equal(garbage.json.error, 'invalid_token');
        assert.match(garbage.headers.get('www-authenticate') ?? '', /^Bearer realm="master", error="invalid_token"/);

        const token = await masterAdminToken(server);
        const [h, p, s] = token.split('.');
        const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
        const forged = [h, Buffer.from(JSON.stringify({ ...payload, sub: 'someone-else' })).toString('base64url'), s].join('.');
        const refused = await adminApi(server, forged).get('/realms');
        assertAdminError(refused, 401);
        assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer realm="master", error="invalid_token"/);

        // An expired token is an invalid one (checked before whose it is).
        await admin.create('/realms', { realm: 'brief', accessTokenLifespan: 1 });
        await admin.create('/realms/brief/clients', { clientId: 'cli', publicClient: true, directAccessGrantsEnabled: true });
        const briefUser = await admin.create('/realms/brief/users', { username: 'brief', enabled: true });
        assert.equal((await admin.put(`/realms/brief/users/${briefUser}/reset-password`, { value: 'brief-password' })).status, 204);
        const short = await passwordToken(server, 'brief', 'brief', 'brief-password', 'cli');
        await sleep((claimsOf(short).exp * 1000 - Date.now()) + 1100);
        const expired = await adminApi(server, short).get('/realms');
        assertAdminError(expired, 401, 'expired');
        assert.match(expired.headers.get('www-authenticate') ?? '', /^Bearer realm="master", error="invalid_token", error_description="Token expired"/);
        assert.equal((await admin.delete('/realms/brief')).status, 204);
      });

      it('refuses a user who is not an administrator: 403', async () => {
        await user('plain');
        const token = await passwordToken(server, realm, 'plain', 'plain-password', 'cli');
        const api = adminApi(server, token);
        assertAdminError(await api.get('/realms'), 403);
        assertAdminError(await api.get(`/realms/${realm}/users`), 403);

        // A master user without the admin role is no administrator either.
        const masterUser = await admin.create('/realms/master/users', { username: 'operator', enabled: true });
        await admin.put(`/realms/master/users/${masterUser}/reset-password`, { value: 'operator-password' });
        const operator = adminApi(server, await passwordToken(server, 'master', 'operator', 'operator-password'));
        assertAdminError(await operator.get(`/realms/${realm}`), 403);
      });

      it('a realm admin (realm-management realm-admin) administers its realm only', async () => {
        const id = await user('tenant-admin');
        const management = await clientUuid('realm-management');
        const roles = await admin.get(`/realms/${realm}/clients/${management}/roles`);
        const realmAdmin = roles.json.find((r: { name: string }) => r.name === 'realm-admin');
        assert.ok(realmAdmin, 'a new realm has realm-management with realm-admin, as in Keycloak');
        const granted = await admin.post(`/realms/${realm}/users/${id}/role-mappings/clients/${management}`, [{ id: realmAdmin.id, name: 'realm-admin' }]);
        assert.equal(granted.status, 204, granted.text);

        const tenantAdmin = adminApi(server, await passwordToken(server, realm, 'tenant-admin', 'tenant-admin-password', 'cli'));
        const list = await tenantAdmin.get('/realms');
        assert.equal(list.status, 200, list.text);
        assert.deepEqual(list.json.map((r: { realm: string }) => r.realm), [realm], 'it sees its own realm only');
        assert.equal((await tenantAdmin.get(`/realms/${realm}/users?username=plain`)).json[0].username, 'plain');
        const made = await tenantAdmin.post(`/realms/${realm}/roles`, { name: 'made-by-tenant-admin' });
        assert.equal(made.status, 201, made.text);

        assertAdminError(await tenantAdmin.get('/realms/master'), 403);
        assertAdminError(await tenantAdmin.get('/realms/master/users'), 403);
        assertAdminError(await tenantAdmin.get('/realms/no-such-realm/users'), 403, 'no-such-realm');
        assertAdminError(await tenantAdmin.post('/realms', { realm: 'made-by-tenant' }), 403);

        // Taking the role away takes effect on the next request.
        const revoked = await admin.delete(`/realms/${realm}/users/${id}/role-mappings/clients/${management}`, [{ name: 'realm-admin' }]);
        assert.equal(revoked.status, 204, revoked.text);
        assertAdminError(await tenantAdmin.get(`/realms/${realm}/users`), 403);
      });

      it('puts the acting admin on the request (seen through what the admin may do), and a disabled admin is refused', async () => {
        const id = await admin.create('/realms/master/users', { username: 'second-admin', enabled: true });
        await admin.put(`/realms/master/users/${id}/reset-password`, { value: 'second-password' });
        const adminRole = await admin.get('/realms/master/roles/admin');
        await admin.post(`/realms/master/users/${id}/role-mappings/realm`, [{ id: adminRole.json.id, name: 'admin' }]);
        const second = adminApi(server, await passwordToken(server, 'master', 'second-admin', 'second-password'));
        assert.equal((await second.get(`/realms/${realm}`)).status, 200);
        await admin.put(`/realms/master/users/${id}`, { enabled: false });
        assertAdminError(await second.get(`/realms/${realm}`), 401, 'disabled');
      });
    });

    describe('answers to wrong requests', () => {
      it('409 for a duplicate realm, clientId, username (any case), role and group', async () => {
        assertAdminError(await admin.post('/realms', { realm }), 409, realm);
        assertAdminError(await admin.post(`/realms/${realm}/clients`, { clientId: 'cli' }), 409, 'cli');
        await user('dup-user');
        assertAdminError(await admin.post(`/realms/${realm}/users`, { username: 'DUP-user' }), 409, 'username');
        await user('has-email', { email: 'same@example.com' });
        assertAdminError(await admin.post(`/realms/${realm}/users`, { username: 'other', email: 'SAME@example.com' }), 409, 'email');
        await admin.create(`/realms/${realm}/roles`, { name: 'dup-role' });
        assertAdminError(await admin.post(`/realms/${realm}/roles`, { name: 'dup-role' }), 409, 'dup-role');
        await admin.create(`/realms/${realm}/groups`, { name: 'dup-group' });
        assertAdminError(await admin.post(`/realms/${realm}/groups`, { name: 'dup-group' }), 409, 'dup-group');
        // Renaming onto a taken name is a conflict too.
        const other = await admin.create(`/realms/${realm}/clients`, { clientId: 'to-rename' });
        assertAdminError(await admin.put(`/realms/${realm}/clients/${other}`, { clientId: 'cli' }), 409, 'cli');
      });

      it('400 naming the field for a bad body or query', async () => {
        assertAdminError(await admin.post(`/realms/${realm}/clients`, {}), 400, 'clientId');
        assertAdminError(await admin.post(`/realms/${realm}/clients`, { clientId: { nested: true } }), 400, 'clientId');
        assertAdminError(await admin.post(`/realms/${realm}/clients`, { clientId: 'x', redirectUris: [{}] }), 400, 'redirectUris[0]');
        assertAdminError(await admin.post(`/realms/${realm}/clients`, { clientId: 'x', customResources: [{ claim: 'c' }] }), 400, 'customResources[0].userAttribute');
        assertAdminError(await admin.post(`/realms/${realm}/users`, { email: 'a@b.c' }), 400, 'username');
        assertAdminError(await admin.post(`/realms/${realm}/users`, { username: 'u', attributes: { a: [{ not: 'a string' }] } }), 400, 'attributes.a[0]');
        assertAdminError(await admin.post('/realms', { realm: 'white space' }), 400, 'realm');
        assertAdminError(await admin.put(`/realms/${realm}`, { accessTokenLifespan: 'soon' }), 400, 'accessTokenLifespan');
        assertAdminError(await admin.put(`/realms/${realm}`, { defaultSignatureAlgorithm: 'HS256' }), 400, 'defaultSignatureAlgorithm');
        assertAdminError(await admin.put(`/realms/${realm}`, { sslRequired: 'sometimes' }), 400, 'sslRequired');
        assertAdminError(await admin.get(`/realms/${realm}/users?max=many`), 400, 'max');
        assertAdminError(await admin.post(`/realms/${realm}/clients`, '{"clientId": '), 400);
        assertAdminError(await admin.post(`/realms/${realm}/clients`, [1, 2]), 400, 'JSON object');
        const id = await user('needs-password');
        assertAdminError(await admin.put(`/realms/${realm}/users/${id}/reset-password`, { type: 'password' }), 400, 'value');
        assertAdminError(await admin.put(`/realms/${realm}/users/${id}/reset-password`, { type: 'otp', value: 'x' }), 400, 'type');
        assertAdminError(await admin.post(`/realms/${realm}/users`, { username: 'nul-user', attributes: { phoneNumber: ['12\u000034'] } }), 400, 'NUL');
        // The user profile refuses a control character in a username before it would reach the store.
        assertAdminError(await admin.post(`/realms/${realm}/users`, { username: 'nul\u0000user' }), 400, 'username');
        assertAdminError(await admin.post(`/realms/${realm}/users/${id}/role-mappings/realm`, [{}]), 400, '[0]', 'id or a name');
        assertAdminError(await admin.post(`/realms/${realm}/users/${id}/role-mappings/realm`, { name: 'x' }), 400, 'JSON array');
      });

      it('404 for unknown ids, in JSON', async () => {
        const uuid = '00000000-0000-4000-8000-000000000000';
        assertAdminError(await admin.get('/realms/no-such-realm'), 404);
        assertAdminError(await admin.get(`/realms/${realm}/clients/${uuid}`), 404);
        assertAdminError(await admin.put(`/realms/${realm}/clients/${uuid}`, { enabled: false }), 404);
        assertAdminError(await admin.get(`/realms/${realm}/users/${uuid}`), 404);
        assertAdminError(await admin.delete(`/realms/${realm}/users/${uuid}`), 404);
        assertAdminError(await admin.get(`/realms/${realm}/groups/${uuid}`), 404);
        assertAdminError(await admin.get(`/realms/${realm}/roles/no-such-role`), 404);
        const cli = await clientUuid('cli');
        assertAdminError(await admin.get(`/realms/${realm}/clients/${cli}/roles/no-such-role`), 404);
        const id = await user('mapped');
        assertAdminError(await admin.post(`/realms/${realm}/users/${id}/role-mappings/realm`, [{ name: 'no-such-role' }]), 404, 'no-such-role');
        assertAdminError(await admin.put(`/realms/${realm}/users/${id}/groups/${uuid}`), 404);
        // A client of another realm is unknown here.
        const masterCli = (await admin.get('/realms/master/clients?clientId=admin-cli')).json[0].id;
        assertAdminError(await admin.get(`/realms/${realm}/clients/${masterCli}`), 404);
        assertAdminError(await admin.get('/realms/master/users/no-such-user/role-mappings'), 404);
      });

      it('serves an OpenAPI document of the admin routes', async () => {
        const res = await send(`${server.url}/admin/openapi.json`);
        assert.equal(res.status, 200, res.text);
        assert.match(res.json.openapi, /^3\./);
        const paths = Object.keys(res.json.paths);
        for (const path of ['/admin/realms', '/admin/realms/{realm}', '/admin/realms/{realm}/clients/{id}',
          '/admin/realms/{realm}/clients/{id}/secrets', '/admin/realms/{realm}/users/{id}/reset-password',
          '/admin/realms/{realm}/users/{id}/role-mappings/realm', '/admin/realms/{realm}/groups/{id}', '/admin/realms/{realm}/roles/{roleName}']) {
          assert.ok(paths.includes(path), `${path} in ${paths.join(' ')}`);
        }
        assert.ok(!paths.some((p) => p.includes('protocol/openid-connect')), 'only the admin routes');
        const post = res.json.paths['/admin/realms/{realm}/clients'].post;
        assert.ok(post.requestBody.content['application/json'].schema.properties.customResources, 'bodies are documented');
      });
    });

    describe('clients: Latchkey extensions', () => {
      it('several secrets with expiry: the value shown once, never listed, each usable until it expires or is deleted', async () => {
        const id = await admin.create(`/realms/${realm}/clients`, {
          clientId: 'rotating', serviceAccountsEnabled: true, standardFlowEnabled: false, secret: 'the-first-secret-of-rotating',
        });
        const next = await admin.post(`/realms/${realm}/clients/${id}/secrets`, { label: 'next' });
        assert.equal(next.status, 201, next.text);
        assert.ok(next.json.value.length >= 32, 'generated');
        assert.equal(next.json.label, 'next');
        assert.equal(next.json.expiresAt, null);
        const expired = await admin.post(`/realms/${realm}/clients/${id}/secrets`, {
          value: 'an-expired-secret-value', label: 'old', expiresAt: Math.floor(Date.now() / 1000) - 60,
        });
        assert.equal(expired.status, 201, expired.text);
        assert.equal(expired.json.expired, true);
        const later = await admin.post(`/realms/${realm}/clients/${id}/secrets`, {
          value: 'a-secret-for-one-more-hour', expiresAt: Math.floor(Date.now() / 1000) + 3600,
        });

        const list = await admin.get(`/realms/${realm}/clients/${id}/secrets`);
        assert.equal(list.status, 200, list.text);
        assert.equal(list.json.length, 4);
        assert.ok(!list.text.includes(next.json.value) && !list.text.includes('the-first-secret'), 'values are never listed');
        for (const s of list.json) assert.deepEqual(Object.keys(s).sort(), ['createdAt', 'expired', 'expiresAt', 'id', 'label']);

        for (const good of ['the-first-secret-of-rotating', next.json.value, 'a-secret-for-one-more-hour']) {
          assert.equal((await clientCredentials(server, realm, 'rotating', good)).status, 200, good);
        }
        assert.equal((await clientCredentials(server, realm, 'rotating', 'an-expired-secret-value')).status, 401);
        // Keycloak's one secret is the first that has not expired.
        assert.equal((await admin.get(`/realms/${realm}/clients/${id}/client-secret`)).json.value, 'the-first-secret-of-rotating');

        const first = list.json.find((s: { id: string }) => s.id !== next.json.id && s.id !== expired.json.id && s.id !== later.json.id);
        assert.equal((await admin.delete(`/realms/${realm}/clients/${id}/secrets/${first.id}`)).status, 204);
        assert.equal((await clientCredentials(server, realm, 'rotating', 'the-first-secret-of-rotating')).status, 401, 'a deleted secret is refused at once');
        assert.equal((await clientCredentials(server, realm, 'rotating', next.json.value)).status, 200);
        assertAdminError(await admin.delete(`/realms/${realm}/clients/${id}/secrets/${first.id}`), 404);
        assertAdminError(await admin.post(`/realms/${realm}/clients/${id}/secrets`, { value: 'short' }), 400, 'value');
        const cli = await clientUuid('cli');
        assertAdminError(await admin.get(`/realms/${realm}/clients/${cli}/secrets`), 400, 'public');
      });

      it('consentTexts, customResources and logoUri round-trip, and a custom claim reaches the token', async () => {
        const customResources = [
          { name: 'department', userAttribute: 'department', claim: 'org.department', jsonType: 'String', multivalued: false,
            accessToken: true, idToken: true, userinfo: true },
          { name: 'level', userAttribute: 'level', claim: 'level', jsonType: 'int', multivalued: false,
            accessToken: true, idToken: false, userinfo: false },
        ];
        const consentTexts = { de: { profile: 'Ihr Profil', api: 'Die API' }, en: { email: 'Your email' } };
        const id = await admin.create(`/realms/${realm}/clients`, {
          clientId: 'portal', directAccessGrantsEnabled: true, secret: 'portal-secret-value', customResources, consentTexts,
          logoUri: 'https://portal.example/logo.png', redirectUris: ['https://portal.example/*'],
          attributes: { 'pkce.code.challenge.method': 'S256', 'custom.attribute': 'kept' },
        });
        const got = (await admin.get(`/realms/${realm}/clients/${id}`)).json;
        assert.deepEqual(got.customResources, customResources);
        assert.deepEqual(got.consentTexts, consentTexts);
        assert.equal(got.logoUri, 'https://portal.example/logo.png');
        assert.equal(got.attributes['pkce.code.challenge.method'], 'S256');
        assert.equal(got.attributes['custom.attribute'], 'kept');
        assert.ok(got.protocolMappers.some((m: { config: Record<string, string> }) => m.config['claim.name'] === 'org.department'),
          'the claims are Keycloak protocol mappers too');

        await user('dora', { attributes: { department: ['research'], level: ['3'] } });
        const token = await passwordGrant(server, realm, 'portal', 'portal-secret-value', 'dora', 'dora-password');
        assert.equal(token.status, 200, token.text);
        const claims = claimsOf(token.json.access_token);
        assert.deepEqual(claims.org, { department: 'research' });
        assert.equal(claims.level, 3);

        // A PUT of other fields keeps them; a PUT of customResources replaces them.
        assert.equal((await admin.put(`/realms/${realm}/clients/${id}`, { description: 'The portal' })).status, 204);
        const kept = (await admin.get(`/realms/${realm}/clients/${id}`)).json;
        assert.deepEqual(kept.customResources, customResources);
        assert.deepEqual(kept.consentTexts, consentTexts);
        assert.equal(kept.description, 'The portal');
        assert.equal(kept.attributes['custom.attribute'], 'kept');
        assert.equal((await admin.put(`/realms/${realm}/clients/${id}`, {
          customResources: [{ userAttribute: 'department', claim: 'dept' }], logoUri: '',
          attributes: { 'custom.attribute': null },
        })).status, 204);
        const changed = (await admin.get(`/realms/${realm}/clients/${id}`)).json;
        assert.equal(changed.logoUri, undefined);
        assert.equal(changed.attributes['custom.attribute'], undefined);
        const again = claimsOf((await passwordGrant(server, realm, 'portal', 'portal-secret-value', 'dora', 'dora-password')).json.access_token);
        assert.equal(again.dept, 'research', 'the next token follows the change');
        assert.equal(again.org, undefined);
        assert.equal(again.level, undefined);

        // A whole representation sent back, as Keycloak's admin console does, changes nothing.
        assert.equal((await admin.put(`/realms/${realm}/clients/${id}`, changed)).status, 204);
        assert.deepEqual((await admin.get(`/realms/${realm}/clients/${id}`)).json, changed);
      });

      it('renaming a client renames its service account and takes effect at once', async () => {
        const id = await admin.create(`/realms/${realm}/clients`, { clientId: 'old-name', serviceAccountsEnabled: true, secret: 'renamed-secret' });
        assert.equal((await clientCredentials(server, realm, 'old-name', 'renamed-secret')).status, 200);
        assert.equal((await admin.put(`/realms/${realm}/clients/${id}`, { clientId: 'new-name' })).status, 204);
        assert.equal((await clientCredentials(server, realm, 'old-name', 'renamed-secret')).status, 401);
        const token = await clientCredentials(server, realm, 'new-name', 'renamed-secret');
        assert.equal(token.status, 200, token.text);
        assert.equal((await admin.get(`/realms/${realm}/clients/${id}/service-account-user`)).json.username, 'service-account-new-name');
        assert.equal((await admin.put(`/realms/${realm}/clients/${id}`, { enabled: false })).status, 204);
        assert.equal((await clientCredentials(server, realm, 'new-name', 'renamed-secret')).status, 401, 'a disabled client is refused');
      });
    });

    describe('roles, groups and tokens', () => {
      it('a user holds the roles of its groups, and of their parents', async () => {
        const auditor = await admin.create(`/realms/${realm}/roles`, { name: 'auditor' });
        const role = (await admin.get(`/realms/${realm}/roles/${auditor}`)).json;
        const staff = await admin.create(`/realms/${realm}/groups`, { name: 'staff', attributes: { site: ['berlin'] } });
        const team = await admin.create(`/realms/${realm}/groups/${staff}/children`, { name: 'team' });
        assert.equal((await admin.post(`/realms/${realm}/groups/${staff}/role-mappings/realm`, [{ id: role.id, name: 'auditor' }])).status, 204);
        const id = await user('gina');
        const token = async () => {
          const res = await passwordGrant(server, realm, 'cli', undefined, 'gina', 'gina-password');
          assert.equal(res.status, 200, res.text);
          return claimsOf(res.json.access_token);
        };
        assert.ok(!(await token()).realm_access.roles.includes('auditor'));

        assert.equal((await admin.put(`/realms/${realm}/users/${id}/groups/${team}`)).status, 204);
        assert.ok((await token()).realm_access.roles.includes('auditor'), 'through the parent group');
        const groups = (await admin.get(`/realms/${realm}/users/${id}/groups`)).json;
        assert.deepEqual(groups.map((g: { path: string }) => g.path), ['/staff/team']);
        const effective = (await admin.get(`/realms/${realm}/users/${id}/role-mappings/realm/composite`)).json;
        assert.ok(effective.some((r: { name: string }) => r.name === 'auditor'));
        const direct = (await admin.get(`/realms/${realm}/users/${id}/role-mappings/realm`)).json;
        assert.ok(!direct.some((r: { name: string }) => r.name === 'auditor'), 'not a direct grant');

        const full = (await admin.get(`/realms/${realm}/groups/${staff}`)).json;
        assert.deepEqual(full.realmRoles, ['auditor']);
        assert.equal(full.subGroupCount, 1);
        assert.deepEqual(full.attributes, { site: ['berlin'] });
        assert.deepEqual((await admin.get(`/realms/${realm}/groups/${team}/members`)).json.map((u: { username: string }) => u.username), ['gina']);

        assert.equal((await admin.delete(`/realms/${realm}/groups/${staff}/role-mappings/realm`, [{ name: 'auditor' }])).status, 204);
        assert.ok(!(await token()).realm_access.roles.includes('auditor'), 'revoking from the group takes effect at once');
        await admin.post(`/realms/${realm}/groups/${team}/role-mappings/realm`, [{ name: 'auditor' }]);
        assert.ok((await token()).realm_access.roles.includes('auditor'));
        assert.equal((await admin.delete(`/realms/${realm}/users/${id}/groups/${team}`)).status, 204);
        assert.ok(!(await token()).realm_access.roles.includes('auditor'), 'leaving the group takes effect at once');
        await admin.put(`/realms/${realm}/users/${id}/groups/${team}`);
        assert.equal((await admin.delete(`/realms/${realm}/groups/${staff}`)).status, 204);
        assert.ok(!(await token()).realm_access.roles.includes('auditor'), 'deleting the group (and its subgroups) too');
        assertAdminError(await admin.get(`/realms/${realm}/groups/${team}`), 404);
      });

      it('client roles: created, granted, in resource_access, renamed and deleted', async () => {
        const api = await admin.create(`/realms/${realm}/clients`, { clientId: 'orders-api', bearerOnly: true });
        await admin.create(`/realms/${realm}/clients/${api}/roles`, { name: 'orders:read', description: 'Read orders' });
        const id = await user('olga');
        assert.equal((await admin.post(`/realms/${realm}/users/${id}/role-mappings/clients/${api}`, [{ name: 'orders:read' }])).status, 204);
        const mappings = (await admin.get(`/realms/${realm}/users/${id}/role-mappings`)).json;
        assert.deepEqual(mappings.clientMappings['orders-api'].mappings.map((r: { name: string }) => r.name), ['orders:read']);
        assert.equal(mappings.clientMappings['orders-api'].id, api);
        const token = async () => {
          const res = await passwordGrant(server, realm, 'cli', undefined, 'olga', 'olga-password');
          assert.equal(res.status, 200, res.text);
          return claimsOf(res.json.access_token);
        };
        assert.deepEqual((await token()).resource_access['orders-api'], { roles: ['orders:read'] });

        assert.equal((await admin.put(`/realms/${realm}/clients/${api}/roles/${encodeURIComponent('orders:read')}`, { name: 'orders:view' })).status, 204);
        assert.deepEqual((await token()).resource_access['orders-api'], { roles: ['orders:view'] });
        assert.equal((await admin.delete(`/realms/${realm}/clients/${api}/roles/${encodeURIComponent('orders:view')}`)).status, 204);
        assert.equal((await token()).resource_access?.['orders-api'], undefined);
        // A realm role is not a role of the client.
        assertAdminError(await admin.post(`/realms/${realm}/users/${id}/role-mappings/clients/${api}`, [{ name: 'offline_access' }]), 404);
      });

      it('the default role can be neither deleted nor renamed', async () => {
        assertAdminError(await admin.delete(`/realms/${realm}/roles/default-roles-${realm}`), 400, 'default');
        assertAdminError(await admin.put(`/realms/${realm}/roles/default-roles-${realm}`, { name: 'renamed' }), 400, 'default');
      });
    });

    describe('users and realms', () => {
      it('searches users as Keycloak does: prefix by default, * as a wildcard, exact username; counts them', async () => {
        await user('search-alpha', { firstName: 'Ärger', lastName: 'Zed', email: 'alpha@search.example' });
        await user('search-beta', { firstName: 'Bea', email: 'beta@search.example' });
        await user('search_gamma');
        const names = async (query: string) =>
          (await admin.get(`/realms/${realm}/users?${query}`)).json.map((u: { username: string }) => u.username);
        assert.deepEqual(await names('search=search-'), ['search-alpha', 'search-beta']);
        assert.deepEqual(await names('search=*search.example'), ['search-alpha', 'search-beta']);
        assert.deepEqual(await names('search=ärg'), ['search-alpha'], 'first names, ignoring case');
        assert.deepEqual(await names('search=search_'), ['search_gamma'], '_ is matched literally');
        assert.deepEqual(await names('username=search-alpha&exact=true'), ['search-alpha']);
        assert.deepEqual(await names('username=earch&exact=false&max=1'), ['search-alpha']);
        assert.deepEqual(await names('username=earch&first=1&max=5'), ['search-beta', 'search_gamma']);
        assert.equal((await admin.get(`/realms/${realm}/users/count?search=search`)).json, 3);
        const all = await names('max=1000');
        assert.ok(!all.some((n: string) => n.startsWith('service-account-')), 'service accounts are not listed');
      });

      it('lists a user\'s password as Keycloak\'s credentials: its date and whether it is temporary, never the hash', async () => {
        const none = await admin.create(`/realms/${realm}/users`, { username: 'no-password', enabled: true });
        assert.deepEqual((await admin.get(`/realms/${realm}/users/${none}/credentials`)).json, []);
        const before = Date.now() - 1000;
        assert.equal((await admin.put(`/realms/${realm}/users/${none}/reset-password`, { value: 'first-pw', temporary: true })).status, 204);
        const [temporary] = (await admin.get(`/realms/${realm}/users/${none}/credentials`)).json;
        assert.deepEqual(Object.keys(temporary).sort(), ['createdDate', 'credentialData', 'id', 'temporary', 'type']);
        assert.equal(temporary.type, 'password');
        assert.equal(temporary.temporary, true);
        assert.ok(temporary.createdDate >= before && temporary.createdDate <= Date.now() + 1000, String(temporary.createdDate));
        assert.equal((await admin.put(`/realms/${realm}/users/${none}/reset-password`, { value: 'own-pw', temporary: false })).status, 204);
        const listed = await admin.get(`/realms/${realm}/users/${none}/credentials`);
        assert.equal(listed.json[0].temporary, false);
        // The algorithm is named in credentialData, as Keycloak does; the hash itself never shows.
        assert.doesNotMatch(listed.text, /\$argon2|own-pw/);
        assertAdminError(await admin.get(`/realms/${realm}/users/00000000-0000-0000-0000-000000000000/credentials`), 404);
      });

      it('a user\'s phone number is Keycloak\'s attribute phoneNumber: shown, kept by a PUT of what a GET gave, changed or removed with the attributes', async () => {
        const id = await user('phoebe', { attributes: { department: ['sales'], phoneNumber: ['+1 555 0100'] } });
        const attributes = async () => (await admin.get(`/realms/${realm}/users/${id}`)).json.attributes;
        /** phone_number in the ID token and at userinfo, with scope phone. */
        const phoneClaims = async () => {
          const token = await passwordGrant(server, realm, 'cli', undefined, 'phoebe', 'phoebe-password', { scope: 'openid phone' });
          assert.equal(token.status, 200, token.text);
          const info = await userinfo(server, realm, token.json.access_token);
          assert.equal(info.status, 200, info.text);
          return [claimsOf(token.json.id_token).phone_number, info.json.phone_number];
        };
        assert.deepEqual(await attributes(), { department: ['sales'], phoneNumber: ['+1 555 0100'] });
        assert.deepEqual(await phoneClaims(), ['+1 555 0100', '+1 555 0100']);

        // What a GET gave goes back with an attribute changed, as an editor sends it: the phone number stays.
        const rep = (await admin.get(`/realms/${realm}/users/${id}`)).json;
        assert.equal((await admin.put(`/realms/${realm}/users/${id}`, { ...rep, attributes: { ...rep.attributes, department: ['support'] } })).status, 204);
        assert.deepEqual(await attributes(), { department: ['support'], phoneNumber: ['+1 555 0100'] });
        // Without attributes, a PUT leaves them as they are, the phone number with them.
        assert.equal((await admin.put(`/realms/${realm}/users/${id}`, { firstName: 'Phoebe' })).status, 204);
        assert.deepEqual(await attributes(), { department: ['support'], phoneNumber: ['+1 555 0100'] });
        assert.deepEqual(await phoneClaims(), ['+1 555 0100', '+1 555 0100']);

        assert.equal((await admin.put(`/realms/${realm}/users/${id}`, { attributes: { department: ['support'], phoneNumber: ['+1 555 0199'] } })).status, 204);
        assert.deepEqual(await phoneClaims(), ['+1 555 0199', '+1 555 0199']);
        // Attributes without phoneNumber take it away, as in Keycloak.
        assert.equal((await admin.put(`/realms/${realm}/users/${id}`, { attributes: { department: ['support'] } })).status, 204);
        assert.deepEqual(await attributes(), { department: ['support'] });
        assert.deepEqual(await phoneClaims(), [undefined, undefined]);
        assert.equal((await admin.put(`/realms/${realm}/users/${id}`, { attributes: { phoneNumber: ['+1 555 0142'] } })).status, 204);
        const [listed] = (await admin.get(`/realms/${realm}/users?username=phoebe&exact=true`)).json;
        assert.deepEqual(listed.attributes, { phoneNumber: ['+1 555 0142'] }, 'in the list too');

        // The users table holds 64 characters.
        assertAdminError(await admin.put(`/realms/${realm}/users/${id}`, { attributes: { phoneNumber: ['1'.repeat(65)] } }), 400, 'phoneNumber');
        assertAdminError(await admin.post(`/realms/${realm}/users`, { username: 'long-phone', attributes: { phoneNumber: ['1'.repeat(65)] } }), 400, 'phoneNumber');
        assert.deepEqual(await attributes(), { phoneNumber: ['+1 555 0142'] });
      });

      it('updates realm settings, which the next token follows; renames and deletes a realm', async () => {
        assert.equal((await admin.put(`/realms/${realm}`, { accessTokenLifespan: 90, displayName: 'Tenant' })).status, 204);
        const rep = (await admin.get(`/realms/${realm}`)).json;
        assert.equal(rep.accessTokenLifespan, 90);
        assert.equal(rep.displayName, 'Tenant');
        assert.equal(rep.ssoSessionIdleTimeout, 1800, 'what a PUT does not give stays');
        assert.equal(rep.sslRequired, 'external', "Keycloak's default");
        // Keycloak takes the value in either case (its enum's name).
        assert.equal((await admin.put(`/realms/${realm}`, { sslRequired: 'NONE' })).status, 204);
        assert.equal((await admin.get(`/realms/${realm}`)).json.sslRequired, 'none');
        assert.equal((await admin.put(`/realms/${realm}`, { sslRequired: 'external' })).status, 204);
        assert.equal((await admin.get(`/realms/${realm}`)).json.sslRequired, 'external');
        const token = await passwordGrant(server, realm, 'cli', undefined, 'plain', 'plain-password');
        assert.equal(token.json.expires_in, 90);

        await admin.create('/realms', { realm: 'short-lived' });
        assert.equal((await admin.put('/realms/short-lived', { realm: 'renamed-realm' })).status, 204);
        assertAdminError(await admin.get('/realms/short-lived'), 404);
        assert.equal((await send(`${server.url}/realms/renamed-realm/.well-known/openid-configuration`)).status, 200);
        assert.equal((await admin.delete('/realms/renamed-realm')).status, 204);
        assert.equal((await send(`${server.url}/realms/renamed-realm/.well-known/openid-configuration`)).status, 404);
        assertAdminError(await admin.delete('/realms/master'), 400, 'master');
        assertAdminError(await admin.put('/realms/master', { enabled: false }), 400, 'master');
      });

      it('POST /realms takes a whole realm representation, as an import', async () => {
        const created = await admin.post('/realms', {
          realm: 'imported',
          roles: { realm: [{ name: 'viewer' }, { name: 'editor' }] },
          clients: [{ clientId: 'app', publicClient: true, directAccessGrantsEnabled: true }],
          groups: [{ name: 'editors', realmRoles: ['editor'], subGroups: [{ name: 'night shift', attributes: { shift: ['night'] } }] }],
          users: [
            { username: 'ivy', enabled: true, credentials: [{ type: 'password', value: 'ivy-pw' }], realmRoles: ['viewer'] },
            { username: 'ed', enabled: true, credentials: [{ type: 'password', value: 'ed-pw' }], groups: ['/editors/night shift'] },
            // A temporary password is Keycloak's UPDATE_PASSWORD; required actions Latchkey has no page for are left out.
            { username: 'tim', enabled: true, credentials: [{ type: 'password', value: 'tim-pw', temporary: true }] },
            { username: 'vera', enabled: true, credentials: [{ type: 'password', value: 'vera-pw' }], requiredActions: ['delete_account'] },
            { username: 'phil', enabled: true, credentials: [{ type: 'password', value: 'phil-pw' }], attributes: { phoneNumber: ['+44 20 7946 0000'], team: ['a'] } },
          ],
        });
        assert.equal(created.status, 201, created.text);
        const token = await passwordGrant(server, 'imported', 'app', undefined, 'ivy', 'ivy-pw');
        assert.ok(claimsOf(token.json.access_token).realm_access.roles.includes('viewer'));
        // Ed holds editor only through the parent of his group.
        const ed = await passwordGrant(server, 'imported', 'app', undefined, 'ed', 'ed-pw');
        assert.ok(claimsOf(ed.json.access_token).realm_access.roles.includes('editor'), ed.text);
        const [night] = (await admin.get('/realms/imported/groups?search=night')).json;
        assert.equal(night.path, '/editors/night shift');
        assert.deepEqual((await admin.get(`/realms/imported/groups/${night.id}`)).json.attributes, { shift: ['night'] });
        const [tim] = (await admin.get('/realms/imported/users?username=tim&exact=true')).json;
        assert.deepEqual(tim.requiredActions, ['UPDATE_PASSWORD']);
        assert.equal((await passwordGrant(server, 'imported', 'app', undefined, 'tim', 'tim-pw')).json.error_description, 'Account is not fully set up');
        const [vera] = (await admin.get('/realms/imported/users?username=vera&exact=true')).json;
        assert.deepEqual(vera.requiredActions, []);
        assert.equal((await passwordGrant(server, 'imported', 'app', undefined, 'vera', 'vera-pw')).status, 200);
        const [phil] = (await admin.get('/realms/imported/users?username=phil&exact=true')).json;
        assert.deepEqual(phil.attributes, { phoneNumber: ['+44 20 7946 0000'], team: ['a'] });
        const philToken = await passwordGrant(server, 'imported', 'app', undefined, 'phil', 'phil-pw', { scope: 'openid phone' });
        assert.equal(claimsOf(philToken.json.id_token).phone_number, '+44 20 7946 0000');
        assert.equal((await admin.put(`/realms/imported/users/${phil.id}`, { attributes: { team: ['b'] } })).status, 204);
        assert.deepEqual((await admin.get(`/realms/imported/users/${phil.id}`)).json.attributes, { team: ['b'] }, 'an imported phone number goes as an edited one does');
        assertAdminError(await admin.post('/realms', { realm: 'broken', users: [{ username: 'x', attributes: { phoneNumber: ['1'.repeat(65)] } }] }), 400, 'phoneNumber');
        assertAdminError(await admin.post('/realms', { realm: 'broken', users: [{ username: 'x', realmRoles: ['missing'] }] }), 400, 'missing');
        assertAdminError(await admin.post('/realms', { realm: 'broken', users: [{ username: 'x', groups: ['/nowhere'] }] }), 400, 'user x', '/nowhere');
        assertAdminError(await admin.post('/realms', { realm: 'broken', groups: [{ name: 'a' }, { name: 'a' }] }), 400, 'group a appears twice');
        assertAdminError(await admin.post('/realms', { realm: 'broken', groups: [{ name: 'g', realmRoles: ['missing'] }] }), 400, 'group /g', 'missing');
        assertAdminError(await admin.get('/realms/broken'), 404);
      });

      it('POST /realms takes Keycloak\'s own realm exports', { skip: NO_FIXTURES }, async () => {
        for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) {
          const rep = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
          // The master realm exists already: its export goes in under another name.
          if (rep.realm === 'master') rep.realm = 'ort';
          delete rep.id;
          const res = await admin.post('/realms', rep);
          assert.equal(res.status, 201, `${file}: ${res.text.slice(0, 500)}`);
          const clients = (await admin.get(`/realms/${rep.realm}/clients`)).json.map((c: { clientId: string }) => c.clientId);
          assert.equal(clients.filter((c: string) => c === 'realm-management').length, 1, `${file}: realm-management once`);
          assertAdminError(await admin.post('/realms', rep), 409);
        }
      });
    });
  });
}
