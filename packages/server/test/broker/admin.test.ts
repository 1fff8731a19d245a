// Identity providers through Keycloak's admin REST API: /admin/realms/{realm}/identity-provider/
// instances (and their mappers), users' federated identities; settings checked when saved,
// against the provider's metadata too, with messages that say what is wrong.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertAdminError } from '../admin/fixture.js';
import { noChromium, openTab, screenshot } from '../helpers/browser.js';
import { assertSignedIn } from '../helpers/relying-party.js';
import { atOp, HOME, homeUser, signInVia, startBrokerStack, type BrokerStack, type ProviderSpec } from './fixture.js';

const base = `/realms/${HOME}/identity-provider`;

describe('broker: admin API', { skip: noChromium }, () => {
  let s: BrokerStack;
  before(async () => { s = await startBrokerStack([], { opAliases: ['op-admin'] }); });
  after(async () => { await s?.stop(); });

  /** A representation from the fixture, with changes on top (config merged). */
  const rep = (spec: ProviderSpec, change: Record<string, unknown> = {}) => {
    const r = s.providerRep(spec) as any;
    return { ...r, ...change, config: { ...r.config, ...(change.config as object | undefined) } };
  };

  it('creates a provider once its metadata shows the settings work, and gives it back in Keycloak\'s shape, the secret masked', async () => {
    const id = await s.aAdmin.create(`${base}/instances`, rep(
      { alias: 'b-admin', upstream: 'b', responseType: 'code id_token', responseMode: 'form_post' },
      { emailCollision: 'refuse', postLogoutUrl: 'https://app.example/bye', config: { guiOrder: '2', syncMode: 'IMPORT', backchannelSupported: 'false' } },
    ));
    assert.equal(id, 'b-admin', 'the Location names the alias');
    const res = await s.aAdmin.get(`${base}/instances/b-admin`);
    assert.equal(res.status, 200, res.text);
    const p = res.json;
    const upstream = s.b.issuer('upstream');
    assert.equal(p.alias, 'b-admin');
    assert.equal(p.providerId, 'oidc');
    assert.equal(p.enabled, true);
    assert.equal(typeof p.internalId, 'string');
    assert.deepEqual(
      { ...p.config },
      {
        clientId: 'latchkey-a', clientSecret: '**********', clientAuthMethod: 'client_secret_post', issuer: upstream,
        defaultScope: 'openid email profile', pkceEnabled: 'true', pkceMethod: 'S256', syncMode: 'IMPORT', disableUserInfo: 'false',
        hideOnLoginPage: 'false', guiOrder: '2', validateSignature: 'true', useJwksUrl: 'true', backchannelSupported: 'false',
        authorizationUrl: `${upstream}/protocol/openid-connect/auth`, tokenUrl: `${upstream}/protocol/openid-connect/token`,
        userInfoUrl: `${upstream}/protocol/openid-connect/userinfo`, jwksUrl: `${upstream}/protocol/openid-connect/certs`,
        logoutUrl: `${upstream}/protocol/openid-connect/logout`,
      },
    );
    assert.equal(p.responseType, 'code id_token');
    assert.equal(p.responseMode, 'form_post');
    assert.equal(p.emailCollision, 'refuse');
    assert.equal(p.postLogoutUrl, 'https://app.example/bye');
    assert.deepEqual(p.claimMappers.map((m: any) => [m.name, m.claim, m.userAttribute]), [['department', 'department', 'department']]);
    const list = await s.aAdmin.get(`${base}/instances`);
    assert.deepEqual(list.json.map((x: any) => x.alias), ['b-admin']);
    assert.equal((await s.aAdmin.post(`${base}/instances`, rep({ alias: 'b-admin', upstream: 'b' }))).status, 409);
  });

  it('refuses settings that cannot work, saying why, and saves nothing', async () => {
    const b = (change: Record<string, unknown>) => rep({ alias: 'bad', upstream: 'b' }, change);
    const op = (spec: Partial<ProviderSpec>, change: Record<string, unknown> = {}) => rep({ alias: 'bad', upstream: 'op', ...spec }, change);
    const cases: Array<[unknown, string]> = [
      [b({ alias: 'has space' }), 'alias'],
      [b({ providerId: 'saml' }), 'providerId'],
      [{ ...b({}), config: { ...b({}).config, clientId: undefined } }, 'config.clientId is required'],
      [b({ config: { issuer: 'http://idp.example/realms/x' } }), 'config.issuer must use https'],
      [b({ config: { defaultScope: 'profile openid' } }), 'config.defaultScope must start with openid'],
      [b({ responseType: 'token' }), 'responseType must be one of'],
      [b({ responseType: 'id_token', responseMode: 'query', config: { pkceEnabled: 'false' } }), 'cannot carry the tokens'],
      [b({ responseType: 'id_token', config: { pkceEnabled: 'true' } }), 'PKCE needs a response type that returns a code'],
      [b({ config: { pkceMethod: 'plain' } }), 'config.pkceMethod must be S256'],
      [b({ config: { clientAuthMethod: 'private_key_jwt' } }), 'config.clientAuthMethod must be one of'],
      [{ ...b({}), config: { ...b({}).config, clientSecret: undefined } }, 'config.clientSecret is required'],
      [b({ postLogoutUrl: 'javascript:alert(1)' }), 'postLogoutUrl must'],
      [b({ claimMappers: [{ claim: 'email', userAttribute: 'username' }] }), 'cannot set the username'],
      [b({ config: { issuer: 'http://127.0.0.1:9' } }), 'the provider\'s metadata could not be fetched from http://127.0.0.1:9/.well-known/openid-configuration'],
      [op({ metadata: 'other-issuer' }), 'is not for issuer'],
      [op({ metadata: 'code-only', responseType: 'id_token' }), 'the provider does not support responseType id_token (see response_types_supported in its metadata)'],
      [b({ config: { metadataDescriptorUrl: `${s.b.issuer('upstream')}/protocol/openid-connect/certs` } }), 'must be a /.well-known/ discovery document'],
    ];
    for (const [body, words] of cases) {
      assertAdminError(await s.aAdmin.post(`${base}/instances`, body), 400, words);
    }
    assert.equal((await s.aAdmin.get(`${base}/instances/bad`)).status, 404);
  });

  it('saves a disabled provider without reaching it; enabling it checks its metadata first', async () => {
    const body = rep({ alias: 'later', upstream: 'b' }, { enabled: false, config: { issuer: 'http://127.0.0.1:9' } });
    assert.equal((await s.aAdmin.post(`${base}/instances`, body)).status, 201);
    assertAdminError(await s.aAdmin.put(`${base}/instances/later`, { enabled: true }), 400, 'the provider\'s metadata could not be fetched');
    assert.equal((await s.aAdmin.get(`${base}/instances/later`)).json.enabled, false);
    assert.equal((await s.aAdmin.delete(`${base}/instances/later`)).status, 204);
  });

  it('PUT changes the fields given: a masked secret keeps the secret (the sign-in still works), another alias renames', async (t) => {
    await s.aAdmin.create(`${base}/instances`, rep({ alias: 'op-admin', upstream: 'op' }));
    const put = await s.aAdmin.put(`${base}/instances/op-admin`, { displayName: 'OP, renamed', config: { clientSecret: '**********' } });
    assert.equal(put.status, 204, put.text);
    const got = (await s.aAdmin.get(`${base}/instances/op-admin`)).json;
    assert.equal(got.displayName, 'OP, renamed');
    assert.equal(got.config.clientSecret, '**********');
    assert.equal(got.config.issuer, s.op.issuer);
    // oidc-provider wants the secret: signing in through it proves it is still the one it was.
    assertSignedIn(await signInVia(s, await openTab(s.browser, t), 'op-admin', atOp('admin-test')));

    assert.equal((await s.aAdmin.put(`${base}/instances/op-admin`, { alias: 'b-admin' })).status, 409);
    assert.equal((await s.aAdmin.put(`${base}/instances/op-admin`, { alias: 'op-renamed' })).status, 204);
    assert.equal((await s.aAdmin.get(`${base}/instances/op-admin`)).status, 404);
    assert.equal((await s.aAdmin.get(`${base}/instances/op-renamed`)).json.displayName, 'OP, renamed');
    const user = await homeUser(s, 'admin-test');
    const links = await s.aAdmin.get(`/realms/${HOME}/users/${user.id}/federated-identity`);
    assert.deepEqual(links.json.map((l: any) => l.identityProvider), ['op-renamed'], 'the link follows the rename');
  });

  it('mappers in Keycloak\'s shape: list, add, read, change, delete', async () => {
    const mappers = `${base}/instances/b-admin/mappers`;
    const [department] = (await s.aAdmin.get(mappers)).json;
    assert.deepEqual({ ...department, id: undefined }, {
      id: undefined, name: 'department', identityProviderAlias: 'b-admin', identityProviderMapper: 'oidc-user-attribute-idp-mapper',
      config: { claim: 'department', 'user.attribute': 'department', syncMode: 'INHERIT' },
    });
    const id = await s.aAdmin.create(mappers, {
      name: 'city', identityProviderMapper: 'oidc-user-attribute-idp-mapper', config: { claim: 'address.locality', 'user.attribute': 'city' },
    });
    assert.equal((await s.aAdmin.get(`${mappers}/${id}`)).json.config.claim, 'address.locality');
    assert.equal((await s.aAdmin.put(`${mappers}/${id}`, { config: { claim: 'locality' } })).status, 204);
    assert.deepEqual((await s.aAdmin.get(`${mappers}/${id}`)).json.config, { claim: 'locality', 'user.attribute': 'city', syncMode: 'INHERIT' });
    assert.deepEqual((await s.aAdmin.get(`${base}/instances/b-admin`)).json.claimMappers.map((m: any) => m.name), ['department', 'city']);
    assert.equal((await s.aAdmin.post(mappers, { name: 'city', identityProviderMapper: 'oidc-user-attribute-idp-mapper', config: { claim: 'x', 'user.attribute': 'y' } })).status, 409);
    assertAdminError(await s.aAdmin.post(mappers, { name: 'role', identityProviderMapper: 'hardcoded-role-idp-mapper', config: { claim: 'x', 'user.attribute': 'y', role: 'x' } }), 400, 'identityProviderMapper');
    assertAdminError(await s.aAdmin.post(mappers, { name: 'u', identityProviderMapper: 'oidc-user-attribute-idp-mapper', config: { claim: 'sub', 'user.attribute': 'username' } }), 400, 'username');
    assert.equal((await s.aAdmin.delete(`${mappers}/${id}`)).status, 204);
    assert.equal((await s.aAdmin.get(`${mappers}/${id}`)).status, 404);
    const types = (await s.aAdmin.get(`${base}/instances/b-admin/mapper-types`)).json;
    assert.deepEqual(Object.keys(types), ['oidc-user-attribute-idp-mapper']);
  });

  it('a user\'s federated identities: link, list, unlink', async () => {
    const carol = await homeUser(s, 'carol');
    const dora = await homeUser(s, 'dora');
    const path = (user: any, alias = 'b-admin') => `/realms/${HOME}/users/${user.id}/federated-identity/${alias}`;
    assert.equal((await s.aAdmin.post(path(carol), { userId: 'upstream-sub-1', userName: 'carol-b' })).status, 204);
    assert.deepEqual((await s.aAdmin.get(`/realms/${HOME}/users/${carol.id}/federated-identity`)).json,
      [{ identityProvider: 'b-admin', userId: 'upstream-sub-1', userName: 'carol-b' }]);
    assert.equal((await s.aAdmin.post(path(carol), { userId: 'upstream-sub-2' })).status, 409, 'linked to that provider already');
    assert.equal((await s.aAdmin.post(path(dora), { userId: 'upstream-sub-1' })).status, 409, 'that account is carol\'s');
    assert.equal((await s.aAdmin.post(path(dora, 'nope'), { userId: 'x' })).status, 404);
    assertAdminError(await s.aAdmin.post(path(dora), {}), 400, 'userId');
    assert.equal((await s.aAdmin.delete(path(carol))).status, 204);
    assert.equal((await s.aAdmin.delete(path(carol))).status, 404);
  });

  it('deleting a provider takes its users\' links with it', async () => {
    await s.aAdmin.create(`${base}/instances`, rep({ alias: 'doomed', upstream: 'b' }));
    const dora = await homeUser(s, 'dora');
    assert.equal((await s.aAdmin.post(`/realms/${HOME}/users/${dora.id}/federated-identity/doomed`, { userId: 'd-1' })).status, 204);
    assert.equal((await s.aAdmin.delete(`${base}/instances/doomed`)).status, 204);
    assert.equal((await s.aAdmin.get(`${base}/instances/doomed`)).status, 404);
    assert.deepEqual((await s.aAdmin.get(`/realms/${HOME}/users/${dora.id}/federated-identity`)).json, []);
  });

  it('records admin events: IDENTITY_PROVIDER and IDENTITY_PROVIDER_MAPPER', async () => {
    const events = (await s.aAdmin.get(`/realms/${HOME}/admin-events?resourceTypes=IDENTITY_PROVIDER,IDENTITY_PROVIDER_MAPPER`)).json as any[];
    const seen = events.map((e) => `${e.operationType} ${e.resourceType} ${e.resourcePath}`);
    assert.ok(seen.includes('CREATE IDENTITY_PROVIDER identity-provider/instances/b-admin'), seen.join('\n'));
    assert.ok(seen.some((e) => /^CREATE IDENTITY_PROVIDER_MAPPER identity-provider\/instances\/b-admin\/mappers\/./.test(e)), seen.join('\n'));
    assert.ok(seen.includes('DELETE IDENTITY_PROVIDER identity-provider/instances/doomed'), seen.join('\n'));
  });

  it('the login page offers the enabled providers that are not hidden, by guiOrder then name, each a link', async (t) => {
    await s.aAdmin.create(`${base}/instances`, rep({ alias: 'first', upstream: 'b' }, { displayName: 'First', config: { guiOrder: '1' } }));
    await s.aAdmin.create(`${base}/instances`, rep({ alias: 'hidden', upstream: 'b' }, { hideOnLogin: true }));
    await s.aAdmin.create(`${base}/instances`, rep({ alias: 'off', upstream: 'b' }, { enabled: false }));
    const tab = await openTab(s.browser, t);
    const flow = await s.rp.start({ clientId: 'app' });
    await tab.page.goto(flow.url);
    await screenshot(tab.page, 'broker-login-buttons');
    const buttons = await tab.page.$$eval('[id^="social-"]', (els) => els.map((e) => [e.id, e.textContent?.trim(), e.getAttribute('href')]));
    assert.deepEqual(buttons.map(([id]) => id), ['social-first', 'social-b-admin', 'social-op-renamed']);
    assert.equal(buttons[0][1], 'Sign in with First');
    assert.match(String(buttons[0][2]), new RegExp(`^/realms/${HOME}/broker/first/login\\?interaction=[\\w-]+$`));
  });

  it('kinds of provider, and the OpenAPI document', async () => {
    assert.deepEqual((await s.aAdmin.get(`${base}/providers/oidc`)).json, { id: 'oidc', name: 'OpenID Connect v1.0' });
    assert.equal((await s.aAdmin.get(`${base}/providers/saml`)).status, 404);
    const doc = (await s.aAdmin.get('/openapi.json')).json;
    const paths = Object.keys(doc.paths);
    for (const p of ['/admin/realms/{realm}/identity-provider/instances', '/admin/realms/{realm}/identity-provider/instances/{alias}/mappers',
      '/admin/realms/{realm}/users/{id}/federated-identity']) {
      assert.ok(paths.includes(p), `${p} in ${paths.filter((x) => x.includes('identity')).join(', ')}`);
    }
  });
});
