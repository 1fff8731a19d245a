// Released migrations as they ran: a database made before one is taken through it, and what it
// wrote is checked against what it wrote when released (written out here, not read from the
// live code, which may change since).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrateToLatest, migrationProvider } from '../../src/storage/sql/migrations.js';

describe('migration 0014_client_scopes', () => {
  it("gives a realm of before it Keycloak 26's built-in scopes, and its clients' custom claims and audiences as mappers", async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    try {
      const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo('0013_refresh_reuse');
      assert.equal(error, undefined);
      const realmSettings = { defaultClientScopes: ['profile', 'email', 'custom'], optionalClientScopes: ['phone'], scopesNotInToken: ['custom'] };
      await db.insertInto('realms').values({ id: 'r1', name: 'old', enabled: 1, settings: JSON.stringify(realmSettings), created_at: 1 }).execute();
      await db.insertInto('roles').values({ id: 'offline', realm_id: 'r1', client_id: null, container_id: 'r1', name: 'offline_access' }).execute();
      const app = {
        customClaims: [{ name: 'dept', userAttribute: 'department', claim: 'department', jsonType: 'String', multivalued: false, accessToken: true, idToken: false, userinfo: true }],
        audiences: ['https://api.example', 'other'],
        defaultScopes: [],
      };
      for (const [id, clientId, settings] of [['c1', 'app', app], ['c2', 'other', { defaultScopes: ['email'] }]] as const) {
        await db.insertInto('clients').values({ id, realm_id: 'r1', client_id: clientId, enabled: 1, public_client: 0, settings: JSON.stringify(settings), created_at: 1 }).execute();
      }

      await migrateToLatest(db);

      const scopes = new Map((await db.selectFrom('client_scopes').selectAll().execute()).map((r) => [r.name, JSON.parse(r.settings)]));
      assert.deepEqual([...scopes.keys()].sort(),
        ['acr', 'address', 'basic', 'custom', 'email', 'microprofile-jwt', 'offline_access', 'phone', 'profile', 'roles', 'web-origins']);
      assert.deepEqual(scopes.get('custom').attributes, { 'include.in.token.scope': 'false', 'display.on.consent.screen': 'true' });
      assert.deepEqual(scopes.get('offline_access').scopeMappings, ['offline']);
      assert.deepEqual(scopes.get('roles').scopeMappings, []);
      const email = scopes.get('email').protocolMappers.map((m: { name: string; protocolMapper: string }) => [m.name, m.protocolMapper]);
      assert.deepEqual(email, [['email verified', 'oidc-usermodel-property-mapper'], ['email', 'oidc-usermodel-attribute-mapper']]);
      assert.equal(scopes.get('profile').protocolMappers.length, 14);
      assert.ok(scopes.get('profile').protocolMappers.every((m: { id: string }) => typeof m.id === 'string' && m.id.length > 0));

      const clients = new Map((await db.selectFrom('clients').selectAll().execute()).map((r) => [r.client_id, JSON.parse(r.settings)]));
      const migrated = clients.get('app');
      assert.equal(migrated.customClaims, undefined);
      assert.equal(migrated.audiences, undefined);
      assert.deepEqual(migrated.defaultScopes, ['profile', 'email', 'custom'], "the realm's, as a client made in Keycloak has");
      assert.deepEqual(migrated.optionalScopes, ['phone']);
      assert.deepEqual(migrated.protocolMappers.map(({ id, ...m }: { id: string }) => (assert.ok(id), m)), [
        {
          name: 'dept', protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-attribute-mapper', consentRequired: false,
          config: {
            'user.attribute': 'department', 'claim.name': 'department', 'jsonType.label': 'String', multivalued: 'false',
            'access.token.claim': 'true', 'id.token.claim': 'false', 'userinfo.token.claim': 'true', 'introspection.token.claim': 'true',
          },
        },
        {
          name: 'audience https://api.example', protocol: 'openid-connect', protocolMapper: 'oidc-audience-mapper', consentRequired: false,
          config: { 'included.custom.audience': 'https://api.example', 'access.token.claim': 'true', 'id.token.claim': 'false', 'introspection.token.claim': 'true' },
        },
        {
          name: 'audience other', protocol: 'openid-connect', protocolMapper: 'oidc-audience-mapper', consentRequired: false,
          config: { 'included.client.audience': 'other', 'access.token.claim': 'true', 'id.token.claim': 'false', 'introspection.token.claim': 'true' },
        },
      ]);
      assert.deepEqual(clients.get('other').defaultScopes, ['email'], 'a client that named its scopes keeps them');
      assert.deepEqual(JSON.parse((await db.selectFrom('realms').select('settings').executeTakeFirstOrThrow()).settings).scopesNotInToken, undefined);
    } finally {
      await db.destroy();
    }
  });
});
