// Key rotation through the admin API: the new key signs at once, tokens the old one signed
// keep verifying (it stays in the JWKS), and the key list reads as Keycloak's does.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { clientCredentials, send, userinfoUrl, introspectUrl } from '../helpers/http.js';
import { basic, postForm, realmUrl, type TestServer } from '../helpers/server.js';
import { adminApi, assertAdminError, backends, masterAdminToken, type AdminApi } from './fixture.js';

for (const backend of backends) {
  if (backend.skip) {
    it(`admin keys: ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }

  describe(`admin keys: ${backend.name}`, () => {
    let server: TestServer;
    let stop: () => Promise<void>;
    let admin: AdminApi;
    const realm = 'keys';
    const secret = 'rotation-test-secret';

    before(async () => {
      ({ server, stop } = await backend.start());
      admin = adminApi(server, await masterAdminToken(server));
      await admin.create('/realms', { realm, enabled: true, defaultSignatureAlgorithm: 'ES256', adminEventsEnabled: true });
      await admin.create(`/realms/${realm}/clients`, {
        clientId: 'svc', publicClient: false, secret, serviceAccountsEnabled: true, standardFlowEnabled: false,
        attributes: { 'access.token.lifespan': '900' },
      });
    });
    after(async () => { await stop(); });

    const token = async () => {
      const res = await clientCredentials(server, realm, 'svc', secret, { scope: 'openid' });
      assert.equal(res.status, 200, res.text);
      return res.json.access_token as string;
    };
    const jwksKids = async () => {
      const res = await send(realmUrl(server, realm, '/protocol/openid-connect/certs'));
      assert.equal(res.status, 200);
      return (res.json.keys as Array<{ kid: string }>).map((k) => k.kid);
    };

    it("lists one active key per algorithm in Keycloak's shape", async () => {
      const res = await admin.get(`/realms/${realm}/keys`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(Object.keys(res.json.active).sort(), ['ES256', 'EdDSA', 'RS256']);
      assert.equal(res.json.keys.length, 3);
      for (const key of res.json.keys) {
        assert.equal(key.status, 'ACTIVE');
        assert.equal(key.use, 'SIG');
        assert.equal(res.json.active[key.algorithm], key.kid);
        assert.match(key.publicKey, /^[A-Za-z0-9+/]+=*$/);
        assert.ok(['RSA', 'EC', 'OKP'].includes(key.type));
      }
    });

    it('rotates: the new key signs, the old one still verifies and stays published until it retires', async () => {
      const before = await token();
      const oldKid = decodeProtectedHeader(before).kid!;

      const rotated = await admin.post(`/realms/${realm}/keys/rotate`);
      assert.equal(rotated.status, 200, rotated.text);
      const newKid = rotated.json.active.ES256 as string;
      assert.notEqual(newKid, oldKid);
      assert.equal(rotated.json.keys.length, 6);
      const old = rotated.json.keys.find((k: { kid: string }) => k.kid === oldKid);
      assert.equal(old.status, 'PASSIVE');
      // The client's 900 s access tokens are the longest the old key signed: it stays at least that long.
      assert.ok(old.validTo >= Date.now() + 900_000, `validTo ${old.validTo}`);

      const after = await token();
      assert.equal(decodeProtectedHeader(after).kid, newKid);
      const kids = await jwksKids();
      assert.ok(kids.includes(oldKid) && kids.includes(newKid));
      assert.equal(new Set(kids).size, kids.length, 'every kid in the JWKS is unique');

      for (const accessToken of [before, after]) {
        const info = await send(userinfoUrl(server, realm), { headers: { authorization: `Bearer ${accessToken}` } });
        assert.equal(info.status, 200, info.text);
        const introspected = await postForm(introspectUrl(server, realm), { token: accessToken }, { authorization: basic('svc', secret) });
        assert.equal(introspected.json.active, true);
      }
    });

    it('records the rotation as an admin action and refuses an unknown realm', async () => {
      assertAdminError(await admin.post('/realms/no-such-realm/keys/rotate'), 404);
      const events = await admin.get(`/realms/${realm}/admin-events?operationTypes=ACTION`);
      assert.equal(events.status, 200, events.text);
      assert.ok(events.json.some((e: { resourcePath: string; resourceType: string }) => e.resourcePath === 'keys/rotate' && e.resourceType === 'COMPONENT'),
        events.text);
    });
  });
}
