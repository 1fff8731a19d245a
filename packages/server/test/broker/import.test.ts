// Keycloak's realm representation carries identity providers (identityProviders), their
// mappers (identityProviderMappers) and users' links (users[].federatedIdentities): an
// import reads them as Keycloak does, an export writes them so, and a sign-in through an
// imported provider finds the imported link.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { assertAdminError, adminApi, masterAdminToken } from '../admin/fixture.js';
import { noChromium, openTab } from '../helpers/browser.js';
import { assertSignedIn, RelyingParty } from '../helpers/relying-party.js';
import { CLI, startServer } from '../helpers/server.js';
import { atOp, startBrokerStack, type BrokerStack } from './fixture.js';
import { OP_CLIENTS } from './upstreams.js';

const REALM = 'imported';

/** The realm export of the built CLI, as JSON. */
function exportRealm(dataDir: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'realm', 'export', REALM, '--users', '--data-dir', dataDir], {
      env: { ...process.env, LATCHKEY_DATABASE_URL: '', LATCHKEY_MASTER_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`export exited ${code}: ${err}`))));
  });
}

describe('broker: realm import and export', { skip: noChromium }, () => {
  let s: BrokerStack;
  let rp: RelyingParty;
  let realm: any;
  before(async () => {
    s = await startBrokerStack([], { opBrokers: [{ realm: REALM, alias: 'op-imported' }] });
    rp = await RelyingParty.listen();
    realm = {
      realm: REALM, enabled: true,
      clients: [{ clientId: 'app', secret: 'app-secret', redirectUris: [rp.redirectUri], attributes: { 'pkce.code.challenge.method': 'S256' } }],
      users: [{
        username: 'quinn', email: 'quinn@example.com', firstName: 'Quinn',
        federatedIdentities: [{ identityProvider: 'op-imported', userId: 'quinn-at-op', userName: 'quinn-at-op' }],
      }],
      identityProviders: [
        {
          alias: 'op-imported', displayName: 'Imported OP', providerId: 'oidc', enabled: true, trustEmail: true, storeToken: false,
          firstBrokerLoginFlowAlias: 'first broker login',
          config: {
            clientId: OP_CLIENTS.post.id, clientSecret: OP_CLIENTS.post.secret, clientAuthMethod: 'client_secret_post', issuer: s.op.issuer,
            authorizationUrl: `${s.op.issuer}/auth`, tokenUrl: `${s.op.issuer}/token`, jwksUrl: `${s.op.issuer}/jwks`,
            // As Keycloak's console saves them: openid left out (Keycloak adds it), PKCE plain, LEGACY sync.
            defaultScope: 'email profile', pkceEnabled: 'true', pkceMethod: 'plain', syncMode: 'LEGACY', useJwksUrl: 'true',
            validateSignature: 'true', backchannelSupported: 'false',
          },
        },
        { alias: 'saml-idp', providerId: 'saml', enabled: true, config: { singleSignOnServiceUrl: 'https://saml.example/sso' } },
        { alias: 'google', providerId: 'google', enabled: true, config: { clientId: 'g', clientSecret: 'g-secret' } },
      ],
      identityProviderMappers: [
        {
          name: 'dept', identityProviderAlias: 'op-imported', identityProviderMapper: 'oidc-user-attribute-idp-mapper',
          config: { claim: 'department', 'user.attribute': 'department', syncMode: 'INHERIT' },
        },
        { name: 'role', identityProviderAlias: 'op-imported', identityProviderMapper: 'hardcoded-role-idp-mapper', config: { role: 'x' } },
        { name: 'saml-attr', identityProviderAlias: 'saml-idp', identityProviderMapper: 'saml-user-attribute-idp-mapper', config: {} },
      ],
    };
    const res = await s.aAdmin.post('/realms', realm);
    assert.equal(res.status, 201, res.text);
    await rp.connect(s.a.issuer(REALM), { app: 'app-secret' });
  });
  after(async () => {
    await rp?.stop();
    await s?.stop();
  });

  it('reads the OpenID Connect providers as Keycloak does, skipping the other kinds', async () => {
    const list = (await s.aAdmin.get(`/realms/${REALM}/identity-provider/instances`)).json;
    assert.deepEqual(list.map((p: any) => p.alias), ['op-imported']);
    const [p] = list;
    assert.equal(p.displayName, 'Imported OP');
    assert.equal(p.trustEmail, true);
    assert.equal(p.config.defaultScope, 'openid email profile', 'openid first, as Keycloak sends it');
    assert.equal(p.config.pkceMethod, 'S256');
    assert.equal(p.config.syncMode, 'IMPORT');
    assert.equal(p.config.clientSecret, '**********');
    assert.equal(p.config.backchannelSupported, 'false', 'config Latchkey does not interpret is kept');
    assert.equal(p.responseType, 'code');
    assert.deepEqual(p.claimMappers.map((m: any) => [m.name, m.claim, m.userAttribute]), [['dept', 'department', 'department']]);
    const [quinn] = (await s.aAdmin.get(`/realms/${REALM}/users?username=quinn&exact=true`)).json;
    assert.deepEqual((await s.aAdmin.get(`/realms/${REALM}/users/${quinn.id}/federated-identity`)).json,
      [{ identityProvider: 'op-imported', userId: 'quinn-at-op', userName: 'quinn-at-op' }]);
  });

  it('a sign-in through the imported provider finds the imported link: no new user', async (t) => {
    const tab = await openTab(s.browser, t);
    const flow = await rp.start({ clientId: 'app' });
    await tab.page.goto(flow.url);
    await tab.page.click('[id="social-op-imported"]');
    await atOp('quinn-at-op')(tab.page);
    const o = assertSignedIn(await flow.outcome());
    const users = (await s.aAdmin.get(`/realms/${REALM}/users`)).json;
    assert.deepEqual(users.map((u: any) => u.username), ['quinn']);
    assert.equal(o.idToken!.sub, users[0].id);
  });

  it('an identity provider that cannot work fails the whole import, naming it', async () => {
    const broken = { realm: 'broken', identityProviders: [{ alias: 'x', providerId: 'oidc', config: { clientId: 'c' } }] };
    assertAdminError(await s.aAdmin.post('/realms', broken), 400, 'identity provider x', 'config.issuer');
    assert.equal((await s.aAdmin.get('/realms/broken')).status, 404);
    const twice = { realm: 'broken', identityProviders: [{ alias: 'x' }, { alias: 'x' }] };
    assertAdminError(await s.aAdmin.post('/realms', twice), 400, 'identity provider x appears twice');
    const badLink = { realm: 'broken', users: [{ username: 'u', federatedIdentities: [{ identityProvider: 'x' }] }] };
    assertAdminError(await s.aAdmin.post('/realms', badLink), 400, 'federatedIdentities');
  });

  it('the export writes them back as Keycloak reads them (secret included), and importing it gives the same', async () => {
    const exported = await exportRealm(s.a.dataDir);
    assert.deepEqual(exported.identityProviders.map((p: any) => p.alias), ['op-imported']);
    const [p] = exported.identityProviders;
    assert.equal(p.config.clientSecret, OP_CLIENTS.post.secret, 'the secret, as clients\' secrets are exported');
    assert.equal(p.claimMappers, undefined, 'the mappers go where Keycloak reads them');
    assert.equal(p.config.authorizationUrl, `${s.op.issuer}/auth`, 'with the endpoints Keycloak needs to read it');
    assert.deepEqual(exported.identityProviderMappers.map((m: any) => [m.name, m.identityProviderAlias, m.identityProviderMapper, m.config.claim]),
      [['dept', 'op-imported', 'oidc-user-attribute-idp-mapper', 'department']]);
    const quinn = exported.users.find((u: any) => u.username === 'quinn');
    assert.deepEqual(quinn.federatedIdentities, [{ identityProvider: 'op-imported', userId: 'quinn-at-op', userName: 'quinn-at-op' }]);

    const again = await startServer({ realms: [exported] });
    try {
      const admin = adminApi(again, await masterAdminToken(again));
      const [q] = (await admin.get(`/realms/${REALM}/identity-provider/instances`)).json;
      const [original] = (await s.aAdmin.get(`/realms/${REALM}/identity-provider/instances`)).json;
      assert.deepEqual(q, original);
      const [user] = (await admin.get(`/realms/${REALM}/users?username=quinn&exact=true`)).json;
      assert.deepEqual((await admin.get(`/realms/${REALM}/users/${user.id}/federated-identity`)).json, quinn.federatedIdentities);
    } finally {
      await again.stop();
    }
  });
});
