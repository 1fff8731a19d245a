// The project's own Keycloak-format realm file, hashed at test time: import stays tested on a
// clone without Keycloak's exports beside it (keycloak-fixtures.test.ts skips there).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keycloakArgon2, keycloakPbkdf2 } from '../helpers/keycloak-credentials.js';
import { passwordGrant } from '../helpers/http.js';
import { claimsOf } from '../helpers/oidc.js';
import { startServer, type TestServer } from '../helpers/server.js';

const USERS = [
  { username: 'argon', password: 'argon-pw-1', credential: () => keycloakArgon2('argon-pw-1') },
  { username: 'sha256', password: 'sha256-pw-1', credential: async () => keycloakPbkdf2('sha256-pw-1', 'pbkdf2-sha256') },
  { username: 'sha512', password: 'sha512-pw-1', credential: async () => keycloakPbkdf2('sha512-pw-1', 'pbkdf2-sha512') },
  { username: 'legacy', password: 'legacy-pw-1', credential: async () => keycloakPbkdf2('legacy-pw-1', 'pbkdf2', { legacyShape: true }) },
];

/** A realm as `kc.sh export --users realm_file` writes one: ids, roles, a client with a mapper, groups, hashed users. */
async function keycloakRealm(): Promise<object> {
  return {
    id: '4b7d5e1c-8f0a-4c1e-9d55-0a6a7c0f2e11',
    realm: 'own-fixture',
    displayName: 'Own fixture',
    enabled: true,
    sslRequired: 'external',
    accessTokenLifespan: 300,
    roles: {
      realm: [{ id: '0c6f7a86-3f7e-4a4b-8b53-1f1f5d2b7a01', name: 'reader', composite: false, clientRole: false, containerId: '4b7d5e1c-8f0a-4c1e-9d55-0a6a7c0f2e11' }],
      client: { shop: [{ id: '6a1c2f0e-5b8d-4e3a-9f7c-2d4e6f8a0b12', name: 'buyer', composite: false, clientRole: true, containerId: 'c5e2a9d4-1b3f-4a6c-8e7d-9f0a1b2c3d45' }] },
    },
    groups: [{ id: '9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4', name: 'staff', path: '/staff', realmRoles: ['reader'], subGroups: [] }],
    clients: [{
      id: 'c5e2a9d4-1b3f-4a6c-8e7d-9f0a1b2c3d45', clientId: 'shop', name: '${client_shop}', enabled: true, publicClient: false,
      clientAuthenticatorType: 'client-secret', secret: 'shop-secret-1234567890', standardFlowEnabled: true,
      directAccessGrantsEnabled: true, redirectUris: ['https://shop.example/*'], webOrigins: ['+'], protocol: 'openid-connect',
      attributes: { 'pkce.code.challenge.method': 'S256' },
      protocolMappers: [{
        id: '2f3e4d5c-6b7a-4981-8c0d-1e2f3a4b5c6d', name: 'department', protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-attribute-mapper',
        consentRequired: false,
        config: { 'user.attribute': 'department', 'claim.name': 'department', 'jsonType.label': 'String', 'access.token.claim': 'true' },
      }],
    }],
    users: await Promise.all(USERS.map(async (u, i) => ({
      id: `7d1e0c3b-2a4f-4e5d-9c8b-7a6f5e4d3c2${i}`, username: u.username, enabled: true, emailVerified: false,
      attributes: { department: ['sales'] }, createdTimestamp: 1_700_000_000_000,
      credentials: [{ id: `1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5${i}`, type: 'password', createdDate: 1_700_000_000_000, ...(await u.credential()) }],
      realmRoles: ['default-roles-own-fixture'], clientRoles: { shop: ['buyer'] }, groups: ['/staff'],
    }))),
  };
}

describe('a Keycloak-format realm file of the project\'s own, with hashes computed at test time', () => {
  let server: TestServer;
  before(async () => { server = await startServer({ realms: [await keycloakRealm()] }); });
  after(async () => { await server?.stop(); });

  it('imports, and each user signs in with the password Keycloak hashed (argon2, pbkdf2-sha256, -sha512, sha1)', async () => {
    for (const { username, password } of USERS) {
      const res = await passwordGrant(server, 'own-fixture', 'shop', 'shop-secret-1234567890', username, password);
      assert.equal(res.status, 200, `${username}: ${res.text}`);
      const claims = claimsOf(res.json.access_token);
      assert.equal(claims.preferred_username, username);
      assert.equal(claims.department, 'sales');
      assert.ok(claims.realm_access.roles.includes('reader'), `${username} has reader through /staff`);
      assert.deepEqual(claims.resource_access.shop.roles, ['buyer']);
      const wrong = await passwordGrant(server, 'own-fixture', 'shop', 'shop-secret-1234567890', username, `${password}x`);
      assert.equal(wrong.json?.error, 'invalid_grant', `${username}: ${wrong.text}`);
    }
  });
});
