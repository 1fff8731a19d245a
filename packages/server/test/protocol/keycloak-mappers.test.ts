// The three Keycloak exports in shared/fixtures/keycloak, imported as they are: their client
// scopes' and clients' protocol mappers shape Latchkey's tokens as they shaped Keycloak's. The
// expected claims below are written down from the exports' mapper configs (read with jq), not
// from what Latchkey gives. A realm exported by Latchkey and imported into a second server
// gives the same claims, byte for byte, for the same user and client.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { claimsOf, client, rp } from '../helpers/oidc.js';
import { CLI, FIXTURES, startServer, type TestServer } from '../helpers/server.js';

const ICEBERG = join(FIXTURES, 'full-export-kc26-lakekeeper.json');
const JHIPSTER = join(FIXTURES, 'users-hashed-kc23-jhipster.json');
const ORT_MASTER = join(FIXTURES, 'spa-pkce-kc26-ort-master.json');

/** Claims that differ from token to token (times, ids, the issuer's port) and the token's type go; lists whose order Keycloak does not fix are sorted. */
function shape(claims: Record<string, any>): Record<string, any> {
  const { iss: _iss, iat, exp, jti: _jti, sid, auth_time: authTime, at_hash: _atHash, typ, amr, ...rest } = claims;
  if (iat !== undefined) assert.ok(exp > iat, 'exp after iat');
  // RFC 8176's amr is Latchkey's own, in ID tokens whatever the mappers (no Keycloak mapper
  // made it in these exports): these sign-ins were passwords.
  if (amr !== undefined) assert.deepEqual(amr, ['pwd']);
  // Keycloak's token type claim, whatever the mappers (test/grants/refresh-token checks which).
  if (iat !== undefined) assert.ok(['Bearer', 'ID'].includes(typ), `typ ${typ}`);
  if (sid !== undefined) assert.equal(typeof sid, 'string');
  if (authTime !== undefined) rest.auth_time = typeof authTime;
  if (Array.isArray(rest.aud)) rest.aud = [...rest.aud].sort();
  if (rest.realm_access) rest.realm_access = { roles: [...rest.realm_access.roles].sort() };
  if (Array.isArray(rest.roles)) rest.roles = [...rest.roles].sort();
  for (const c of Object.values<any>(rest.resource_access ?? {})) c.roles.sort();
  if (typeof rest.scope === 'string') rest.scope = rest.scope.split(' ').sort().join(' ');
  return rest;
}

async function passwordTokens(server: TestServer, realm: string, clientId: string, secret: string | undefined, username: string, password: string, scope = 'openid') {
  const config = await rp(server, realm, clientId, secret);
  const tokens = await client.genericGrantRequest(config, 'password', { username, password, scope });
  return { config, tokens, access: claimsOf(tokens.access_token), id: claimsOf(tokens.id_token!) };
}

// iceberg (Keycloak 26.0.7): the default role gives offline_access and uma_authorization, and account's
// view-profile and manage-account (whose composite is manage-account-links).
const ICEBERG_REALM_ROLES = ['default-roles-iceberg', 'offline_access', 'uma_authorization'];
const ICEBERG_ACCOUNT = { account: { roles: ['manage-account', 'manage-account-links', 'view-profile'] } };

describe('Keycloak exports: their mappers shape the tokens', () => {
  let server: TestServer;
  let kc: KcAdminClient;

  before(async () => {
    server = await startServer({ importFiles: [ORT_MASTER, ICEBERG, JHIPSTER] });
    kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
    // The ORT export's master realm replaced the bootstrap one: its admin (admin / admin) administers.
    await kc.auth({ username: 'admin', password: 'admin', grantType: 'password', clientId: 'admin-cli' });
  });
  after(async () => { await server?.stop(); });

  it('iceberg: trino\'s service account with the optional lakekeeper scope', async () => {
    const config = await rp(server, 'iceberg', 'trino', 'AK48QgaKsqdEpP9PomRJw7l2T7qWGHdZ');
    const tokens = await client.clientCredentialsGrant(config, { scope: 'lakekeeper' });
    assert.deepEqual(shape(claimsOf(tokens.access_token)), {
      // acr scope: acr loa level. basic: sub and auth_time (note AUTH_TIME).
      acr: '1',
      sub: '94eb1d88-7854-43a0-b517-a75f92c533a5',
      auth_time: 'number',
      // roles: realm and client roles, and audience resolve (account, whose roles the user has);
      // lakekeeper: Add lakekeeper Audience (included.client.audience).
      realm_access: { roles: ICEBERG_REALM_ROLES },
      resource_access: ICEBERG_ACCOUNT,
      aud: ['account', 'lakekeeper'],
      // profile: username → preferred_username; the service account has no names. email: email verified (property).
      preferred_username: 'service-account-trino',
      email_verified: false,
      // trino's own mappers: the service account session's notes Client ID, Client Host, Client IP Address.
      client_id: 'trino',
      clientHost: '127.0.0.1',
      clientAddress: '127.0.0.1',
      azp: 'trino',
      // include.in.token.scope is false for lakekeeper, acr, roles, basic and web-origins.
      scope: 'email profile',
      // Latchkey's flat list of realm roles beside Keycloak's.
      roles: ICEBERG_REALM_ROLES,
    });
  });

  it('iceberg: trino\'s tokens follow a change of its service account and of its roles at once (mapped claims are kept per cached user)', async () => {
    const config = await rp(server, 'iceberg', 'trino', 'AK48QgaKsqdEpP9PomRJw7l2T7qWGHdZ');
    const token = async () => claimsOf((await client.clientCredentialsGrant(config)).access_token);
    // Twice: the second token's claims are the kept ones.
    for (let i = 0; i < 2; i++) assert.equal((await token()).email, undefined);
    kc.setConfig({ realmName: 'iceberg' });
    try {
      const [trino] = await kc.clients.find({ clientId: 'trino' });
      const user = await kc.clients.getServiceAccountUser({ id: trino.id! });
      await kc.roles.create({ name: 'memo-check' });
      const role = await kc.roles.findOneByName({ name: 'memo-check' });
      await kc.users.addRealmRoleMappings({ id: user.id!, roles: [{ id: role!.id!, name: 'memo-check' }] });
      assert.deepEqual((await token()).realm_access.roles.sort(), [...ICEBERG_REALM_ROLES, 'memo-check'].sort());
      await kc.users.update({ id: user.id! }, { ...user, email: 'trino@example.com' });
      const changed = await token();
      assert.equal(changed.email, 'trino@example.com');
      await kc.users.update({ id: user.id! }, { ...user, email: '' });
      await kc.roles.delByName({ name: 'memo-check' });
      const restored = await token();
      assert.equal(restored.email, undefined);
      assert.deepEqual(restored.realm_access.roles.sort(), [...ICEBERG_REALM_ROLES].sort());
    } finally {
      kc.setConfig({ realmName: 'master' });
    }
  });

  it('iceberg: peter through trino (direct grant): access token, ID token and userinfo', async () => {
    const { config, tokens, access, id } = await passwordTokens(server, 'iceberg', 'trino', 'AK48QgaKsqdEpP9PomRJw7l2T7qWGHdZ', 'peter', 'iceberg');
    const person = {
      // profile: full name, given name (firstName), family name (lastName), username; email: email, email verified.
      name: 'Peter Cold', given_name: 'Peter', family_name: 'Cold', preferred_username: 'peter',
      email: 'peter@example.com', email_verified: true,
    };
    assert.deepEqual(shape(access), {
      ...person,
      acr: '1', sub: 'cfb55bf6-fcbb-4a1e-bfec-30c6649b52f8', auth_time: 'number',
      realm_access: { roles: ICEBERG_REALM_ROLES }, resource_access: ICEBERG_ACCOUNT,
      // audience resolve alone: trino asked for no audience scope. No session notes but AUTH_TIME for a person.
      aud: 'account',
      client_id: 'trino', azp: 'trino', scope: 'email openid profile', roles: ICEBERG_REALM_ROLES,
    });
    // ID token: the mappers with id.token.claim true; roles and audiences are the access token's only.
    assert.deepEqual(shape(id), {
      ...person, acr: '1', sub: 'cfb55bf6-fcbb-4a1e-bfec-30c6649b52f8', auth_time: 'number', aud: 'trino', azp: 'trino',
    });
    // userinfo: userinfo.token.claim true (the acr mapper writes no userinfo in Keycloak).
    const info = await client.fetchUserInfo(config, tokens.access_token, access.sub);
    assert.deepEqual(shape(info as Record<string, any>), { ...person, sub: 'cfb55bf6-fcbb-4a1e-bfec-30c6649b52f8', auth_time: 'number' });
  });

  it('jhipster (Keycloak 23): web_app\'s jhipster scope puts the realm roles in roles; basic comes with the migration to 25', async () => {
    const [webApp] = await kc.clients.find({ realm: 'jhipster', clientId: 'web_app' });
    // The export's web_app signs in with the browser; the direct grant is switched on here so the
    // test needs none. Nothing about its scopes or mappers changes.
    await kc.clients.update({ realm: 'jhipster', id: webApp.id! }, { directAccessGrantsEnabled: true });
    const { config, tokens, access, id } = await passwordTokens(server, 'jhipster', 'web_app', undefined, 'admin', 'admin');
    const realmRoles = ['ROLE_ADMIN', 'ROLE_USER', 'offline_access', 'uma_authorization'];
    const person = {
      name: 'Admin Administrator', given_name: 'Admin', family_name: 'Administrator', preferred_username: 'admin',
      email: 'admin@localhost', email_verified: true,
    };
    assert.deepEqual(shape(access), {
      ...person,
      acr: '1', sub: '4c973896-5761-41fc-8217-07c5d13a004b', auth_time: 'number',
      // jhipster: roles (realm roles, claim roles, access and userinfo); langKey and login are userinfo's only.
      roles: realmRoles,
      realm_access: { roles: realmRoles },
      resource_access: { account: { roles: ['manage-account', 'manage-account-links', 'view-profile'] } },
      // Keycloak 23's audience resolve and allowed web origins have no switches: they shape access tokens.
      aud: 'account',
      'allowed-origins': ['*'],
      client_id: 'web_app', azp: 'web_app', scope: 'email openid profile',
    });
    assert.deepEqual(shape(id), { ...person, acr: '1', sub: '4c973896-5761-41fc-8217-07c5d13a004b', auth_time: 'number', aud: 'web_app', azp: 'web_app' });
    const info = await client.fetchUserInfo(config, tokens.access_token, access.sub);
    // The user has no langKey, and preferred_username is no user attribute: login stays out, as in Keycloak.
    assert.deepEqual(shape(info as Record<string, any>), { ...person, roles: realmRoles, sub: '4c973896-5761-41fc-8217-07c5d13a004b', auth_time: 'number' });
  });

  it('ORT master (Keycloak 26.5): ort-server-cli has no roles, acr or web-origins scope; ort-server-api-access gives its audience', async () => {
    const { access, id } = await passwordTokens(server, 'master', 'ort-server-cli', undefined, 'ort-admin', 'password');
    const person = { name: 'ORT Administrator User', given_name: 'ORT', family_name: 'Administrator User', preferred_username: 'ort-admin', email_verified: false };
    assert.deepEqual(shape(access), {
      ...person,
      sub: 'dc908d80-5155-4b92-a34f-3c6bbed31893', auth_time: 'number',
      aud: 'ort-server-api',
      client_id: 'ort-server-cli', azp: 'ort-server-cli', scope: 'email openid profile',
      roles: ['default-roles-master', 'offline_access', 'uma_authorization'],
    });
    assert.deepEqual(shape(id), { ...person, sub: 'dc908d80-5155-4b92-a34f-3c6bbed31893', auth_time: 'number', aud: 'ort-server-cli', azp: 'ort-server-cli' });
  });

  it('the unknown mapper types of the files are said once at import, and kept', async () => {
    // role_list is a SAML scope: its mapper is kept and does nothing; every OpenID Connect type there is known.
    const scopes = await kc.clientScopes.find({ realm: 'iceberg' });
    assert.ok(scopes.find((s) => s.name === 'role_list')?.protocolMappers?.some((m) => m.protocolMapper === 'saml-role-list-mapper'));
    assert.doesNotMatch(server.output(), /protocol mapper type oidc-/);
  });

  describe('a realm exported by Latchkey and imported again gives the same claims', () => {
    let original: TestServer | undefined;
    let second: TestServer | undefined;
    let work: string;
    // Both servers issue for the same public URL, so even iss is the same.
    const publicUrl = 'http://latchkey.test:8080';
    // Each export's user signing in through one of its clients; jhipster's web_app signs in with the
    // browser in the export, so its copy here has the direct grant on (its scopes and mappers as they are).
    const cases = [
      { realm: 'iceberg', clientId: 'trino', secret: 'AK48QgaKsqdEpP9PomRJw7l2T7qWGHdZ', username: 'peter', password: 'iceberg', scope: 'openid lakekeeper' },
      { realm: 'jhipster', clientId: 'web_app', username: 'admin', password: 'admin', scope: 'openid jhipster' },
      { realm: 'master', clientId: 'ort-server-cli', username: 'ort-admin', password: 'password', scope: 'openid' },
    ];
    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'latchkey-mappers-'));
      const jhipster = JSON.parse(readFileSync(JHIPSTER, 'utf8'));
      jhipster.clients.find((c: { clientId: string }) => c.clientId === 'web_app').directAccessGrantsEnabled = true;
      const jhipsterCopy = join(work, 'jhipster-source.json');
      writeFileSync(jhipsterCopy, JSON.stringify(jhipster));
      original = await startServer({ importFiles: [ICEBERG, jhipsterCopy, ORT_MASTER], args: ['--public-url', publicUrl] });
      // Exported beside the running server, as `latchkey realm export` may be.
      const files = [];
      for (const { realm } of cases) {
        const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'realm', 'export', realm, '--users', '--data-dir', original.dataDir], { maxBuffer: 64 << 20 });
        files.push(join(work, `${realm}.json`));
        writeFileSync(files.at(-1)!, stdout);
      }
      second = await startServer({ importFiles: files, args: ['--public-url', publicUrl] });
    });
    after(async () => {
      await second?.stop();
      await original?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    for (const c of cases) {
      it(`${c.realm}: ${c.username}'s tokens through ${c.clientId}, claim for claim, byte for byte`, async () => {
        const claims = async (s: TestServer) => {
          const token = await fetch(`${s.url}/realms/${c.realm}/protocol/openid-connect/token`, {
            method: 'POST',
            body: new URLSearchParams({
              grant_type: 'password', client_id: c.clientId, ...(c.secret ? { client_secret: c.secret } : {}),
              username: c.username, password: c.password, scope: c.scope,
            }),
          }).then((r) => r.json()) as { access_token: string; id_token: string };
          const strip = (claimSet: Record<string, unknown>) => {
            for (const k of ['iat', 'exp', 'jti', 'sid', 'auth_time', 'at_hash']) delete claimSet[k];
            return JSON.stringify(claimSet);
          };
          assert.ok(token.access_token, `${c.realm}: ${JSON.stringify(token)}`);
          return { access: strip(claimsOf(token.access_token)), id: strip(claimsOf(token.id_token)) };
        };
        const [a, b] = [await claims(original!), await claims(second!)];
        assert.equal(b.access, a.access);
        assert.equal(b.id, a.id);
        if (c.realm === 'iceberg') assert.match(a.access, /"aud":\["lakekeeper","account"\]|"aud":\["account","lakekeeper"\]/);
      });
    }
  });
});
