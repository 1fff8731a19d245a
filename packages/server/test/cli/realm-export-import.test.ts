// `latchkey realm export` and `latchkey realm import`, run as the built CLI, against data dirs
// that servers started by these tests wrote and then serve again.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertProtocolError, clientCredentials, passwordGrant, userinfo } from '../helpers/http.js';
import { claimsOf } from '../helpers/oidc.js';
import { keycloakPbkdf2 } from '../helpers/keycloak-credentials.js';
import { CLI, demoRealm, FIXTURES, NO_FIXTURES, runCli, startServer, type CliRun, type TestServer } from '../helpers/server.js';
import { adminApi, masterAdminToken } from '../admin/fixture.js';
import { createTestDatabase, postgresUnavailable } from '../storage/databases.js';

const JHIPSTER = join(FIXTURES, 'users-hashed-kc23-jhipster.json');
const pgSkip = await postgresUnavailable();

type Run = CliRun;
const latchkey = runCli;

const ok = (run: Run, what: string) => assert.equal(run.code, 0, `${what} exits 0:\n${run.stdout}\n${run.stderr}`);

/** Roles in an access token, sorted, to compare tokens of two servers. */
function rolesIn(accessToken: string): { realm: string[]; clients: Record<string, string[]> } {
  const claims = claimsOf(accessToken);
  const clients: Record<string, string[]> = {};
  for (const [client, v] of Object.entries((claims.resource_access ?? {}) as Record<string, { roles: string[] }>)) {
    clients[client] = [...v.roles].sort();
  }
  return { realm: [...(claims.realm_access?.roles ?? [])].sort(), clients };
}

/** A Keycloak pbkdf2-sha256 credential: computed once, reused for many users (as a big export would hold). */
const pbkdf2Credential = (password: string) => ({ type: 'password', ...keycloakPbkdf2(password, 'pbkdf2-sha256', { iterations: 1000 }) });

describe('latchkey realm export / import', () => {
  const dirs: string[] = [];
  const running = new Set<TestServer>();
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-realm-'));
    dirs.push(dir);
    return dir;
  };
  const start = async (opts: Parameters<typeof startServer>[0]) => {
    const server = await startServer(opts);
    running.add(server);
    return server;
  };
  const stop = async (server: TestServer) => {
    running.delete(server);
    await server.stop();
  };
  after(async () => {
    for (const s of running) await s.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('a round trip: a server\'s realms exported with --users, imported into a fresh data dir, served again', { skip: NO_FIXTURES }, () => {
    const work = tempDir();
    const sourceDir = join(work, 'source');
    const targetDir = join(work, 'target');
    mkdirSync(targetDir);
    const demoFile = join(work, 'demo.json');
    const jhipsterFile = join(work, 'jhipster.json');
    let demo: any;
    let jhipster: any;
    let target: TestServer;
    const before_ = {
      alice: {} as ReturnType<typeof rolesIn>, machine: {} as ReturnType<typeof rolesIn>, dave: {} as ReturnType<typeof rolesIn>, department: '',
    };

    before(async () => {
      mkdirSync(sourceDir);
      const source = await start({ dataDir: sourceDir, keepData: true, realms: [demoRealm()], importFiles: [JHIPSTER] });
      const alice = await passwordGrant(source, 'demo', 'webapp', 'webapp-secret', 'alice', 'alice-pw');
      assert.equal(alice.status, 200, alice.text);
      before_.alice = rolesIn(alice.json.access_token);
      before_.department = claimsOf(alice.json.access_token).department;
      const machine = await clientCredentials(source, 'demo', 'machine', 'machine-secret');
      assert.equal(machine.status, 200, machine.text);
      before_.machine = rolesIn(machine.json.access_token);

      // Dave holds writer only through his group's parent, and orders:read only through his group.
      const api = adminApi(source, await masterAdminToken(source));
      const staff = await api.create('/realms/demo/groups', { name: 'staff', attributes: { site: ['berlin', 'bonn'] } });
      const berlin = await api.create(`/realms/demo/groups/${staff}/children`, { name: 'berlin' });
      const writer = (await api.get('/realms/demo/roles/writer')).json;
      assert.equal((await api.post(`/realms/demo/groups/${staff}/role-mappings/realm`, [writer])).status, 204);
      const ordersApi = (await api.get('/realms/demo/clients?clientId=orders-api')).json[0].id;
      const ordersRead = (await api.get(`/realms/demo/clients/${ordersApi}/roles/orders:read`)).json;
      assert.equal((await api.post(`/realms/demo/groups/${berlin}/role-mappings/clients/${ordersApi}`, [ordersRead])).status, 204);
      await api.create('/realms/demo/users', {
        username: 'dave', enabled: true, groups: ['/staff/berlin'], credentials: [{ type: 'password', value: 'dave-pw' }],
        attributes: { phoneNumber: ['+49 30 1234567'] },
      });
      const dave = await passwordGrant(source, 'demo', 'webapp', 'webapp-secret', 'dave', 'dave-pw');
      assert.equal(dave.status, 200, dave.text);
      before_.dave = rolesIn(dave.json.access_token);
      assert.ok(before_.dave.realm.includes('writer') && before_.dave.clients['orders-api']?.includes('orders:read'), JSON.stringify(before_.dave));
      const events = await api.put('/realms/demo', { eventsExpiration: 86_400, adminEventsEnabled: false, attributes: { adminEventsExpiration: '172800' } });
      assert.equal(events.status, 204, events.text);
      // The jhipster users do not sign in here: their Keycloak hashes stay as imported, to be exported as they came.
      await stop(source);

      ok(await latchkey(['realm', 'export', 'demo', '--users', '--file', demoFile, '--data-dir', sourceDir]), 'export demo');
      ok(await latchkey(['realm', 'export', 'jhipster', '--users', '--file', jhipsterFile, '--data-dir', sourceDir]), 'export jhipster');
      demo = JSON.parse(readFileSync(demoFile, 'utf8'));
      jhipster = JSON.parse(readFileSync(jhipsterFile, 'utf8'));

      for (const file of [demoFile, jhipsterFile]) {
        const imported = await latchkey(['realm', 'import', file, '--data-dir', targetDir]);
        ok(imported, `import ${file}`);
        assert.match(imported.stdout, /^Imported realm (demo|jhipster) from .*: \d+ clients, \d+ users/m);
      }
      target = await start({ dataDir: targetDir, keepData: true });
    });

    it('writes Keycloak\'s realm representation: realm settings, roles, clients, users by Keycloak\'s field names', () => {
      assert.equal(demo.realm, 'demo');
      for (const field of ['id', 'enabled', 'accessTokenLifespan', 'ssoSessionIdleTimeout', 'ssoSessionMaxLifespan',
        'offlineSessionIdleTimeout', 'accessCodeLifespan', 'defaultSignatureAlgorithm', 'bruteForceProtected', 'failureFactor',
        'waitIncrementSeconds', 'maxFailureWaitSeconds', 'defaultRole', 'defaultDefaultClientScopes', 'defaultOptionalClientScopes',
        'sslRequired']) {
        assert.ok(field in demo, `realm field ${field}`);
      }
      assert.equal(demo.accessTokenLifespan, 300);
      assert.equal(demo.sslRequired, 'external', "Keycloak's default, for a realm file without it");
      assert.equal(demo.defaultRole.name, 'default-roles-demo');
      assert.equal(demo.components, undefined, 'signing keys are not exported');
      assert.deepEqual([demo.eventsEnabled, demo.eventsExpiration, demo.adminEventsEnabled, demo.adminEventsDetailsEnabled, demo.attributes],
        [true, 86_400, false, false, { adminEventsExpiration: '172800', refreshTokenReuseGrace: '10', parRequestUriLifespan: '60' }],
        'the event settings and the lifespan of a pushed request, as Keycloak has them');
      assert.deepEqual([demo.revokeRefreshToken, demo.refreshTokenMaxReuse], [true, 0], 'Latchkey\'s default refresh rules, spelled out');
      const realmRoles = demo.roles.realm.map((r: any) => r.name).sort();
      assert.deepEqual(realmRoles, ['default-roles-demo', 'offline_access', 'reader', 'uma_authorization', 'writer']);
      const defaultRole = demo.roles.realm.find((r: any) => r.name === 'default-roles-demo');
      assert.equal(defaultRole.composite, true);
      assert.deepEqual(defaultRole.composites.realm, ['offline_access', 'uma_authorization']);
      assert.deepEqual(demo.roles.client['orders-api'].map((r: any) => r.name), ['orders:read']);
      assert.equal(demo.roles.client['orders-api'][0].clientRole, true);
    });

    it('writes clients as ClientRepresentation with secret, the Latchkey secrets, attributes and mappers', () => {
      const client = (id: string) => demo.clients.find((c: any) => c.clientId === id);
      const webapp = client('webapp');
      assert.equal(webapp.secret, 'webapp-secret');
      assert.equal(webapp.publicClient, false);
      assert.equal(webapp.directAccessGrantsEnabled, true);
      assert.equal(webapp.protocol, 'openid-connect');
      assert.equal(webapp.attributes['use.refresh.tokens'], 'true');
      const mapper = webapp.protocolMappers.find((m: any) => m.name === 'department');
      assert.equal(mapper.protocolMapper, 'oidc-usermodel-attribute-mapper');
      assert.equal(mapper.config['user.attribute'], 'department');
      assert.equal(mapper.config['claim.name'], 'department');

      const rotating = client('rotating');
      assert.equal(rotating.secret, 'current-secret', 'the first unexpired secret, as Keycloak has one');
      assert.deepEqual(rotating.secrets, [
        { value: 'expired-secret', expiresAt: 1_000_000_000 }, { value: 'current-secret', label: '2026' }, { value: 'next-secret' },
      ]);
      assert.equal(client('spa').publicClient, true);
      assert.equal(client('spa').secret, undefined);
      assert.equal(client('spa').attributes['pkce.code.challenge.method'], 'S256');
      assert.equal(client('no-refresh').attributes['use.refresh.tokens'], 'false');
      assert.equal(client('machine').attributes['access.token.signed.response.alg'], 'ES256');
      assert.equal(client('machine').serviceAccountsEnabled, true);
    });

    it('writes users with attributes, roles and credentials: argon2id in Keycloak\'s argon2 form, Keycloak hashes as they came', () => {
      const alice = demo.users.find((u: any) => u.username === 'alice');
      assert.equal(alice.email, 'alice@example.com');
      assert.equal(alice.emailVerified, true);
      assert.deepEqual(alice.attributes.department, ['research']);
      assert.deepEqual(alice.attributes.phoneNumber, ['+31 20 123 4567']);
      // Dave's phone number came through the admin API, which keeps it beside the attributes: it is exported as Keycloak's attribute.
      assert.deepEqual(demo.users.find((u: any) => u.username === 'dave').attributes, { phoneNumber: ['+49 30 1234567'] });
      assert.deepEqual(alice.realmRoles, ['offline_access', 'reader']);
      assert.deepEqual(alice.clientRoles, { 'orders-api': ['orders:read'] });
      assert.equal(alice.credentials.length, 1);
      const secretData = JSON.parse(alice.credentials[0].secretData);
      const credentialData = JSON.parse(alice.credentials[0].credentialData);
      assert.equal(alice.credentials[0].type, 'password');
      assert.equal(Buffer.from(secretData.value, 'base64').length, 32);
      assert.ok(Buffer.from(secretData.salt, 'base64').length >= 16);
      assert.deepEqual(credentialData, {
        hashIterations: 2, algorithm: 'argon2',
        additionalParameters: { hashLength: ['32'], memory: ['19456'], type: ['id'], version: ['1.3'], parallelism: ['1'] },
      });
      const sa = demo.users.find((u: any) => u.username === 'service-account-machine');
      assert.equal(sa.serviceAccountClientId, 'machine');
      assert.deepEqual(sa.realmRoles, ['writer']);
      assert.deepEqual(sa.credentials, []);

      const fixture = JSON.parse(readFileSync(JHIPSTER, 'utf8'));
      for (const username of ['admin', 'user']) {
        const exported = jhipster.users.find((u: any) => u.username === username).credentials[0];
        const original = fixture.users.find((u: any) => u.username === username).credentials[0];
        assert.deepEqual(JSON.parse(exported.secretData), JSON.parse(original.secretData), `${username}: the hash as it came`);
        assert.deepEqual(JSON.parse(exported.credentialData), JSON.parse(original.credentialData));
      }
    });

    it('writes groups as Keycloak\'s tree with their attributes and roles, and users\' groups as paths', () => {
      const strip = (groups: any[]): any[] => groups.map(({ id, subGroups, ...g }) => {
        assert.equal(typeof id, 'string');
        return { ...g, subGroups: strip(subGroups) };
      });
      assert.deepEqual(strip(demo.groups), [{
        name: 'staff', path: '/staff', attributes: { site: ['berlin', 'bonn'] }, realmRoles: ['writer'], clientRoles: {},
        subGroups: [{ name: 'berlin', path: '/staff/berlin', attributes: {}, realmRoles: [], clientRoles: { 'orders-api': ['orders:read'] }, subGroups: [] }],
      }]);
      const dave = demo.users.find((u: any) => u.username === 'dave');
      assert.deepEqual(dave.groups, ['/staff/berlin']);
      assert.equal(dave.realmRoles.includes('writer'), false, 'writer is not granted to dave himself');
      assert.deepEqual(demo.users.find((u: any) => u.username === 'alice').groups, []);
      // The Keycloak fixture's groups came in with its import, and go out again.
      assert.deepEqual(jhipster.groups.map((g: any) => [g.path, g.realmRoles]), [['/Admins', ['ROLE_ADMIN']], ['/Users', ['ROLE_USER']]]);
      assert.deepEqual(jhipster.users.find((u: any) => u.username === 'admin').groups, ['/Admins', '/Users']);
    });

    it('the event settings come along, and a Keycloak file\'s are read', async () => {
      const api = adminApi(target, await masterAdminToken(target));
      const pick = ({ eventsEnabled, eventsExpiration, adminEventsEnabled, adminEventsExpiration }: any) =>
        ({ eventsEnabled, eventsExpiration, adminEventsEnabled, adminEventsExpiration });
      assert.deepEqual(pick((await api.get('/realms/demo/events/config')).json),
        { eventsEnabled: true, eventsExpiration: 86_400, adminEventsEnabled: false, adminEventsExpiration: 172_800 });
      // The jhipster fixture, a Keycloak export, has events off (Keycloak's default) and no expiration: Latchkey's week.
      assert.deepEqual(pick((await api.get('/realms/jhipster/events/config')).json),
        { eventsEnabled: false, eventsExpiration: 604_800, adminEventsEnabled: false, adminEventsExpiration: 2_592_000 });
    });

    it('a user holding roles only through groups holds them after the round trip, and his phone number', async () => {
      const dave = await passwordGrant(target, 'demo', 'webapp', 'webapp-secret', 'dave', 'dave-pw', { scope: 'openid phone' });
      assert.equal(dave.status, 200, dave.text);
      assert.deepEqual(rolesIn(dave.json.access_token), before_.dave);
      assert.equal(claimsOf(dave.json.id_token).phone_number, '+49 30 1234567');
      // jhipster's admin-cli has fullScopeAllowed false, as Keycloak exported it: its tokens carry only the
      // roles in its scope. With its full scope on, they carry all the user's.
      const api = adminApi(target, await masterAdminToken(target));
      const [adminCli] = (await api.get('/realms/jhipster/clients?clientId=admin-cli')).json;
      assert.equal(adminCli.fullScopeAllowed, false);
      assert.equal((await api.put(`/realms/jhipster/clients/${adminCli.id}`, { fullScopeAllowed: true })).status, 204);
      const admin = await passwordGrant(target, 'jhipster', 'admin-cli', undefined, 'admin', 'admin');
      assert.equal(admin.status, 200, admin.text);
      const roles = rolesIn(admin.json.access_token).realm;
      assert.ok(roles.includes('ROLE_ADMIN') && roles.includes('ROLE_USER'), `the jhipster admin's groups' roles: ${roles}`);
      // As it came, for the export below to compare.
      assert.equal((await api.put(`/realms/jhipster/clients/${adminCli.id}`, { fullScopeAllowed: false })).status, 204);
    });

    it('the export file is readable by its owner only', () => {
      assert.equal(statSync(demoFile).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(work).filter((f) => f.includes('.partial-')), [], 'no partial file is left');
    });

    it('the imported clients\' secrets work (client credentials), the expired one does not', async () => {
      for (const [clientId, secret] of [['machine', 'machine-secret'], ['eddsa', 'eddsa-secret'], ['rotating', 'current-secret'], ['rotating', 'next-secret']]) {
        const res = await clientCredentials(target, 'demo', clientId, secret);
        assert.equal(res.status, 200, `${clientId}/${secret}: ${res.text}`);
      }
      assertProtocolError(await clientCredentials(target, 'demo', 'rotating', 'expired-secret'), 401, 'invalid_client');
      assertProtocolError(await clientCredentials(target, 'demo', 'machine', 'wrong'), 401, 'invalid_client');
      const machine = await clientCredentials(target, 'demo', 'machine', 'machine-secret');
      assert.deepEqual(rolesIn(machine.json.access_token), before_.machine, 'the service account has the same roles');
      const header = JSON.parse(Buffer.from(machine.json.access_token.split('.')[0], 'base64url').toString());
      assert.equal(header.alg, 'ES256', 'the client\'s signing algorithm came along');
    });

    it('the imported users sign in with their passwords and get the same roles and claims in their tokens', async () => {
      const alice = await passwordGrant(target, 'demo', 'webapp', 'webapp-secret', 'alice', 'alice-pw', { scope: 'openid' });
      assert.equal(alice.status, 200, alice.text);
      assert.deepEqual(rolesIn(alice.json.access_token), before_.alice);
      assert.equal(claimsOf(alice.json.access_token).department, before_.department);
      const info = await userinfo(target, 'demo', alice.json.access_token);
      assert.equal(info.json.email, 'alice@example.com');
      assertProtocolError(await passwordGrant(target, 'demo', 'webapp', 'webapp-secret', 'alice', 'wrong'), 400, 'invalid_grant');
      // Once more: the first sign-in rehashed the imported argon2 credential; the rehashed one works too.
      assert.equal((await passwordGrant(target, 'demo', 'webapp', 'webapp-secret', 'alice', 'alice-pw')).status, 200);
      assertProtocolError(await passwordGrant(target, 'demo', 'webapp', 'webapp-secret', 'bob', 'bob-pw'), 400, 'invalid_grant');
    });

    it('a Keycloak-hashed user of the jhipster fixture, imported, exported and imported again, still signs in', async () => {
      for (const [username, password] of [['admin', 'admin'], ['user', 'user']]) {
        // The offline_access scope maps the offline_access role (the file's scopeMappings).
        const res = await passwordGrant(target, 'jhipster', 'admin-cli', undefined, username, password, { scope: 'offline_access' });
        assert.equal(res.status, 200, `${username}: ${res.text}`);
        assert.ok(rolesIn(res.json.access_token).realm.includes('offline_access'));
        assertProtocolError(await passwordGrant(target, 'jhipster', 'admin-cli', undefined, username, 'nope'), 400, 'invalid_grant');
      }
    });

    it('a second export of the imported realm is the same as the first, but for what the importer makes anew', async () => {
      const again = await latchkey(['realm', 'export', 'jhipster', '--users', '--data-dir', targetDir]);
      ok(again, 'export to stdout');
      const second = JSON.parse(again.stdout);
      // Role ids are made anew on import; users' passwords were rehashed by the sign-ins above.
      const strip = (rep: any) => JSON.parse(JSON.stringify({ ...rep, users: undefined, defaultRole: { ...rep.defaultRole, id: undefined } }),
        (key, value) => (key === 'id' || key === 'containerId' ? undefined : value));
      assert.deepEqual(strip(second), strip(jhipster));
      assert.deepEqual(second.users.map((u: any) => [u.id, u.username, u.realmRoles, u.clientRoles]),
        jhipster.users.map((u: any) => [u.id, u.username, u.realmRoles, u.clientRoles]));
    });
  });

  describe('import strategies', () => {
    const work = tempDir();
    const dataDir = join(work, 'data');
    mkdirSync(dataDir);
    const first = join(work, 'first.json');
    const changed = join(work, 'changed.json');
    const exported = async () => JSON.parse((await latchkey(['realm', 'export', 'demo', '--users', '--data-dir', dataDir])).stdout);

    before(async () => {
      writeFileSync(first, JSON.stringify(demoRealm()));
      const rep = demoRealm() as any;
      rep.users.push({ username: 'carol', credentials: [{ type: 'password', value: 'carol-pw' }], realmRoles: ['reader'] });
      rep.clients.find((c: any) => c.clientId === 'machine').secret = 'machine-secret-2';
      rep.accessTokenLifespan = 600;
      writeFileSync(changed, JSON.stringify(rep));
      ok(await latchkey(['realm', 'import', first, '--data-dir', dataDir]), 'first import');
    });

    it('skip (the default) leaves an existing realm as it is, as Keycloak does, and says so', async () => {
      const run = await latchkey(['realm', 'import', changed, '--data-dir', dataDir]);
      ok(run, 'import with skip');
      assert.match(run.stdout, /Realm demo already exists: import of .* skipped/);
      const rep = await exported();
      assert.equal(rep.accessTokenLifespan, 300);
      assert.equal(rep.users.some((u: any) => u.username === 'carol'), false);
      assert.equal(rep.clients.find((c: any) => c.clientId === 'machine').secret, 'machine-secret');
      const explicit = await latchkey(['realm', 'import', changed, '--strategy', 'skip', '--data-dir', dataDir]);
      ok(explicit, 'import with --strategy skip');
      assert.match(explicit.stdout, /skipped/);
    });

    it('overwrite deletes the realm and creates it again from the file, without doubling built-in roles', async () => {
      const run = await latchkey(['realm', 'import', changed, '--strategy', 'overwrite', '--data-dir', dataDir]);
      ok(run, 'import with overwrite');
      assert.match(run.stdout, /Replaced realm demo from .*: 8 clients, 5 users/);
      const rep = await exported();
      assert.equal(rep.accessTokenLifespan, 600);
      assert.ok(rep.users.some((u: any) => u.username === 'carol'));
      assert.equal(rep.clients.find((c: any) => c.clientId === 'machine').secret, 'machine-secret-2');
      const names = rep.roles.realm.map((r: any) => r.name).sort();
      assert.deepEqual(names, ['default-roles-demo', 'offline_access', 'reader', 'uma_authorization', 'writer']);
      for (const [clientId, roles] of Object.entries(rep.roles.client as Record<string, Array<{ name: string }>>)) {
        const clientRoles = roles.map((r) => r.name);
        assert.equal(new Set(clientRoles).size, clientRoles.length, `${clientId}: no role twice`);
      }
      assert.equal(rep.clients.length, new Set(rep.clients.map((c: any) => c.clientId)).size, 'no client twice');

      const server = await start({ dataDir, keepData: true });
      try {
        assert.equal((await passwordGrant(server, 'demo', 'webapp', 'webapp-secret', 'carol', 'carol-pw')).status, 200);
        assert.equal((await clientCredentials(server, 'demo', 'machine', 'machine-secret-2')).status, 200);
        assertProtocolError(await clientCredentials(server, 'demo', 'machine', 'machine-secret'), 401, 'invalid_client');
      } finally {
        await stop(server);
      }
    });

    it('an unknown strategy is refused', async () => {
      const run = await latchkey(['realm', 'import', first, '--strategy', 'merge', '--data-dir', dataDir]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /Allowed choices are skip, overwrite/);
    });
  });

  describe('errors: a clear message and exit code 1', () => {
    const work = tempDir();
    const dataDir = join(work, 'data');
    mkdirSync(dataDir);
    before(async () => {
      writeFileSync(join(work, 'demo.json'), JSON.stringify(demoRealm()));
      ok(await latchkey(['realm', 'import', join(work, 'demo.json'), '--data-dir', dataDir]), 'import');
    });

    it('export of a realm that does not exist names the realms there are, and writes no file', async () => {
      const file = join(work, 'nope.json');
      const run = await latchkey(['realm', 'export', 'nope', '--file', file, '--data-dir', dataDir]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^latchkey: there is no realm "nope" \(realms: demo\)$/m);
      assert.equal(existsSync(file), false);
      assert.deepEqual(readdirSync(work).filter((f) => f.includes('.partial-')), []);
    });

    it('export to a file in a folder that does not exist says it cannot write it', async () => {
      const run = await latchkey(['realm', 'export', 'demo', '--file', join(work, 'no-such-dir', 'demo.json'), '--data-dir', dataDir]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^latchkey: cannot write .*no-such-dir\/demo\.json: ENOENT/m);
    });

    it('export from a data dir without a database does not create one', async () => {
      const empty = join(work, 'empty');
      const run = await latchkey(['realm', 'export', 'demo', '--data-dir', empty]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /there is no data dir .*\/empty \(give the server's --data-dir/);
      assert.equal(existsSync(empty), false);
      mkdirSync(empty);
      const noDatabase = await latchkey(['realm', 'export', 'demo', '--data-dir', empty]);
      assert.equal(noDatabase.code, 1);
      assert.match(noDatabase.stderr, /there is no Latchkey database in/);
      assert.deepEqual(readdirSync(empty), []);
    });

    it('import into a data dir that does not exist (a typo) is refused like export, and creates nothing', async () => {
      const typo = join(work, 'dta');
      const run = await latchkey(['realm', 'import', join(work, 'demo.json'), '--data-dir', typo]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^latchkey: there is no data dir .*\/dta \(give the server's --data-dir/m);
      assert.equal(existsSync(typo), false);
    });

    it('a realm exported and imported under another name beside it gets ids of its own', async () => {
      const exported = await latchkey(['realm', 'export', 'demo', '--users', '--data-dir', dataDir]);
      ok(exported, 'export');
      const rep = JSON.parse(exported.stdout);
      assert.ok(rep.id && rep.clients[0].id && rep.users[0].id, 'the export carries ids');
      const file = join(work, 'copy.json');
      writeFileSync(file, JSON.stringify({ ...rep, realm: 'copy' }));
      const run = await latchkey(['realm', 'import', file, '--data-dir', dataDir]);
      ok(run, 'import under a new name');
      const copy = JSON.parse((await latchkey(['realm', 'export', 'copy', '--users', '--data-dir', dataDir])).stdout);
      assert.notEqual(copy.id, rep.id);
      const ids = (r: any) => new Set([...r.clients, ...r.users].map((x: any) => x.id));
      const taken = [...ids(copy)].filter((id) => ids(rep).has(id));
      assert.deepEqual(taken, []);
      assert.deepEqual(copy.clients.map((c: any) => c.clientId).sort(), rep.clients.map((c: any) => c.clientId).sort());
      // The original is untouched.
      const again = JSON.parse((await latchkey(['realm', 'export', 'demo', '--users', '--data-dir', dataDir])).stdout);
      assert.equal(again.id, rep.id);
    });

    it('export with the wrong master key says so', async () => {
      const run = await latchkey(['realm', 'export', 'demo', '--data-dir', dataDir], { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64url') });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /master key does not open the secrets of client/);
    });

    it('import of a file that is not JSON, or not a realm, is refused before the database is touched', async () => {
      const cases: Array<[string, RegExp]> = [
        ['{"realm": "broken", "clients": [', /cannot read realm file .*broken\.json: .*JSON/],
        ['[{"realm": "a"}, {"realm": "b"}]', /a list of 2 realms; give each realm a file of its own/],
        ['{"enabled": true}', /"realm" \(the realm's name\) is missing/],
        ['{"realm": "broken", "users": [{"username": "a"}, {"username": "A"}]}', /user A appears twice/],
        ['{"realm": "broken", "clients": {"clientId": "x"}}', /"clients" is not a list/],
        [JSON.stringify({ realm: 'broken', users: [{ username: 'a', attributes: { phoneNumber: ['1'.repeat(65)] } }] }),
          /user a: "attributes.phoneNumber" is longer than 64 characters/],
      ];
      const fresh = join(work, 'untouched');
      for (const [text, message] of cases) {
        const file = join(work, 'broken.json');
        writeFileSync(file, text);
        const run = await latchkey(['realm', 'import', file, '--data-dir', fresh]);
        assert.equal(run.code, 1, text);
        assert.match(run.stderr, message, text);
        assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
      }
      assert.equal(existsSync(fresh), false, 'no data dir was created');
      const missing = await latchkey(['realm', 'import', join(work, 'missing.json'), '--data-dir', dataDir]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /cannot read realm file .*missing\.json: ENOENT/);
    });

    it('import that fails half way (a role nobody defined) leaves nothing behind', async () => {
      const file = join(work, 'half.json');
      const rep = demoRealm('half') as any;
      rep.users.push({ username: 'zed', realmRoles: ['no-such-role'] });
      writeFileSync(file, JSON.stringify(rep));
      const run = await latchkey(['realm', 'import', file, '--data-dir', dataDir]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /import of realm half failed: user zed: unknown realm role no-such-role/);
      const check = await latchkey(['realm', 'export', 'half', '--data-dir', dataDir]);
      assert.match(check.stderr, /there is no realm "half"/, 'the realm was rolled back');
    });

    it('a failed overwrite keeps the realm it would have replaced', async () => {
      const file = join(work, 'bad-demo.json');
      const rep = demoRealm() as any;
      rep.users.push({ username: 'zed', clientRoles: { 'orders-api': ['no-such-role'] } });
      writeFileSync(file, JSON.stringify(rep));
      const run = await latchkey(['realm', 'import', file, '--strategy', 'overwrite', '--data-dir', dataDir]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /unknown client role orders-api\/no-such-role/);
      const check = await latchkey(['realm', 'export', 'demo', '--users', '--data-dir', dataDir]);
      ok(check, 'export');
      assert.equal(JSON.parse(check.stdout).users.length, 6, 'the 4 users of the file and the 2 service accounts it left out');
    });
  });

  describe('while a server runs on the same SQLite data dir', () => {
    let server: TestServer;
    const work = tempDir();
    before(async () => {
      server = await start({ realms: [demoRealm()] });
    });

    it('export works and reads the server\'s realm', async () => {
      const run = await latchkey(['realm', 'export', 'demo', '--users', '--data-dir', server.dataDir]);
      ok(run, 'export');
      const rep = JSON.parse(run.stdout);
      const clientIds = rep.clients.map((c: any) => c.clientId);
      for (const c of (demoRealm() as any).clients) assert.ok(clientIds.includes(c.clientId), c.clientId);
      assert.equal(rep.users.length, 6);
      assert.match(run.stderr, new RegExp(`Exported realm demo: ${clientIds.length} clients, 6 users`));
      assert.doesNotMatch(run.stderr, /\r/, 'no progress line when stderr is not a terminal');
      assert.equal((await clientCredentials(server, 'demo', 'machine', 'machine-secret')).status, 200, 'the server serves on');
    });

    it('import of a new realm of ~500 users works, and the server serves it', async () => {
      // Hashed like a Keycloak export (one hash reused), with a few plaintext passwords to hash.
      const credential = pbkdf2Credential('member-pw');
      const users = Array.from({ length: 500 }, (_, i) => ({
        id: `member-${String(i).padStart(4, '0')}`,
        username: `member${i}`,
        email: `member${i}@example.com`,
        enabled: true,
        credentials: [i % 50 === 0 ? { type: 'password', value: `plain-${i}` } : credential],
        realmRoles: [i % 2 ? 'odd' : 'even'],
      }));
      const file = join(work, 'members.json');
      writeFileSync(file, JSON.stringify({
        realm: 'members',
        roles: { realm: [{ name: 'odd' }, { name: 'even' }] },
        clients: [{ clientId: 'portal', publicClient: true, directAccessGrantsEnabled: true }],
        users,
      }));
      const run = await latchkey(['realm', 'import', file, '--data-dir', server.dataDir]);
      ok(run, 'import');
      assert.match(run.stdout, /Imported realm members from .*: 1 clients, 500 users/);
      assert.doesNotMatch(run.stderr, /\r/, 'no progress line when stderr is not a terminal');

      const member = await passwordGrant(server, 'members', 'portal', undefined, 'member123', 'member-pw');
      assert.equal(member.status, 200, member.text);
      assert.ok(rolesIn(member.json.access_token).realm.includes('odd'));
      const plain = await passwordGrant(server, 'members', 'portal', undefined, 'member100', 'plain-100');
      assert.equal(plain.status, 200, plain.text);
      assert.ok(rolesIn(plain.json.access_token).realm.includes('even'));

      const back = await latchkey(['realm', 'export', 'members', '--users', '--data-dir', server.dataDir]);
      ok(back, 'export');
      const rep = JSON.parse(back.stdout);
      assert.equal(rep.users.length, 500);
      assert.deepEqual(rep.users.map((u: any) => u.id), users.map((u) => u.id), 'every user, in id order, across pages');
      assert.deepEqual(rep.users[7].realmRoles, ['odd']);
      assert.equal(JSON.parse(rep.users[7].credentials[0].credentialData).algorithm, 'pbkdf2-sha256');
      assert.equal(JSON.parse(rep.users[50].credentials[0].credentialData).algorithm, 'argon2', 'a hashed plaintext one');
    });
  });

  it('a large import and export show their progress on a terminal, on stderr', {
    skip: spawnSync('script', ['--version']).status === 0 ? false : 'util-linux script(1), which gives the command a terminal, is not installed',
  }, async () => {
    const work = tempDir();
    const credential = pbkdf2Credential('crowd-pw');
    const file = join(work, 'crowd.json');
    writeFileSync(file, JSON.stringify({
      realm: 'crowd',
      users: Array.from({ length: 3000 }, (_, i) => ({
        username: `person${i}`, credentials: [i % 300 === 0 ? { type: 'password', value: `plain-${i}` } : credential],
      })),
    }));
    /** Runs the CLI on a terminal (script(1)'s pseudo-terminal) with stdout to a file: what the terminal shows is stderr. */
    const onTerminal = async (args: string[]) => {
      const stdout = join(work, 'stdout.txt');
      const command = `${[process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ')} > '${stdout}'`;
      const child = spawn('script', ['-qefc', command, '/dev/null'], {
        env: { PATH: process.env.PATH ?? '', HOME: work }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let terminal = '';
      child.stdout.on('data', (d) => { terminal += d; });
      child.stderr.on('data', (d) => { terminal += d; });
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      return { code, terminal, stdout: readFileSync(stdout, 'utf8') };
    };
    const dataDir = join(work, 'data');
    mkdirSync(dataDir);
    const imported = await onTerminal(['realm', 'import', file, '--data-dir', dataDir]);
    assert.equal(imported.code, 0, imported.terminal);
    // One line rewritten in place (carriage returns), per phase, ending with the whole count.
    assert.match(imported.terminal, /\rpasswords hashed \d+\/10 \((\d+\/s|…)\)/);
    assert.match(imported.terminal, /\rusers 1000\/3000 \((\d+\/s|…)\)/);
    assert.match(imported.terminal, /\rusers 3000\/3000 \(\d+\/s\)/);
    assert.match(imported.stdout, /^Imported realm crowd from .*: 0 clients, 3000 users/);
    assert.doesNotMatch(imported.stdout, /\r|users \d+\/3000/, 'the progress is not on stdout');

    const exported = await onTerminal(['realm', 'export', 'crowd', '--users', '--file', join(work, 'out.json'), '--data-dir', dataDir]);
    assert.equal(exported.code, 0, exported.terminal);
    assert.match(exported.terminal, /\rusers 3000\/3000 \(\d+\/s\)/);
    assert.match(exported.terminal, /Exported realm crowd to .*: \d+ clients, 3000 users/);
  });

  describe('on PostgreSQL (--database-url)', () => {
    it('imports into and exports from a PostgreSQL database, the realm file round-tripping', { skip: pgSkip }, async () => {
      const db = await createTestDatabase();
      try {
        const work = tempDir();
        const file = join(work, 'demo.json');
        writeFileSync(file, JSON.stringify(demoRealm()));
        const args = ['--database-url', db.url, '--data-dir', work];
        ok(await latchkey(['realm', 'import', file, ...args]), 'import');
        const run = await latchkey(['realm', 'export', 'demo', '--users', ...args]);
        ok(run, 'export');
        const rep = JSON.parse(run.stdout);
        assert.equal(rep.users.length, 6);
        assert.equal(rep.clients.find((c: any) => c.clientId === 'machine').secret, 'machine-secret');
        const again = await latchkey(['realm', 'import', file, '--strategy', 'overwrite', ...args]);
        ok(again, 'overwrite');
        assert.match(again.stdout, /Replaced realm demo/);
      } finally {
        await db.drop();
      }
    });
  });

  it('the help of both commands says what is not exported and when a running server sees an import', async () => {
    const exportHelp = await latchkey(['realm', 'export', '--help']);
    ok(exportHelp, 'export --help');
    for (const text of ['--users', '--file', '--data-dir', '--database-url', 'signing keys', 'components', 'LATCHKEY_MASTER_KEY']) {
      assert.ok(exportHelp.stdout.includes(text), `export --help mentions ${text}:\n${exportHelp.stdout}`);
    }
    const importHelp = await latchkey(['realm', 'import', '--help']);
    ok(importHelp, 'import --help');
    for (const text of ['--strategy', 'skip', 'overwrite', '--data-dir', '--database-url', 'at once', 'within 15 seconds']) {
      assert.ok(importHelp.stdout.includes(text), `import --help mentions ${text}:\n${importHelp.stdout}`);
    }
    const top = await latchkey(['--help']);
    assert.match(top.stdout, /\brealm\b/);
  });
});
