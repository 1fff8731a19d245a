// Requests to identity providers reach public addresses only, unless the operator allows
// private ones (--allow-private-outbound; on by default only for a loopback public URL):
// saving a provider on loopback is refused with one message that says nothing of the
// target, whether something answered there or not.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminApi, assertAdminError, masterAdminToken, type AdminApi } from '../admin/fixture.js';
import { freePort, startServer, type TestServer } from '../helpers/server.js';

const instances = '/realms/master/identity-provider/instances';
const PUBLIC_URL = 'http://id.example.test:8443';

/** A provider whose metadata is at `metadataUrl`; its settings name `issuer`. */
const provider = (alias: string, issuer: string, metadataUrl?: string) => ({
  alias,
  providerId: 'oidc',
  enabled: true,
  config: {
    issuer,
    ...(metadataUrl ? { metadataDescriptorUrl: metadataUrl } : {}),
    clientId: 'latchkey',
    clientSecret: 'upstream-secret',
    clientAuthMethod: 'client_secret_post',
    defaultScope: 'openid',
  },
});

describe('broker: outbound requests to private addresses', () => {
  let upstream: TestServer;
  let guarded: TestServer;
  let allowed: TestServer;
  let loopbackRefusing: TestServer;
  let guardedAdmin: AdminApi;
  let allowedAdmin: AdminApi;
  /** The upstream's issuer as its metadata states it, and its metadata at the loopback address. */
  let upstreamIssuer: string;
  let upstreamMetadata: string;

  const configDir = mkdtempSync(join(tmpdir(), 'latchkey-outbound-'));
  const configFile = join(configDir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ allowPrivateOutbound: false }));

  before(async () => {
    [upstream, guarded, allowed, loopbackRefusing] = await Promise.all([
      startServer(),
      startServer({ args: ['--public-url', PUBLIC_URL] }),
      startServer({ args: ['--public-url', PUBLIC_URL, '--allow-private-outbound', 'true'] }),
      // A loopback public URL (the helper's default) allows private addresses unless told not to.
      startServer({ args: ['--config', configFile] }),
    ]);
    upstreamIssuer = upstream.issuer('master');
    upstreamMetadata = `${upstream.url}/realms/master/.well-known/openid-configuration`;
    guardedAdmin = adminApi(guarded, await masterAdminToken(guarded));
    allowedAdmin = adminApi(allowed, await masterAdminToken(allowed));
  });
  after(async () => {
    await Promise.all([upstream, guarded, allowed, loopbackRefusing].map((s) => s?.stop()));
    rmSync(configDir, { recursive: true, force: true });
  });

  it('refuses a provider on a loopback address with one message, the same for a closed port, quoting nothing the target said', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/realms/master/.well-known/openid-configuration`;
    const open = await guardedAdmin.post(instances, provider('loopback', 'https://idp.example.test/realms/x', upstreamMetadata));
    const shut = await guardedAdmin.post(instances, provider('loopback', 'https://idp.example.test/realms/x', closed));
    assertAdminError(open, 400, `the provider's metadata could not be fetched from ${upstreamMetadata}`);
    assertAdminError(shut, 400, `the provider's metadata could not be fetched from ${closed}`);
    assert.equal(open.json.error_description.replace(upstreamMetadata, '<url>'), shut.json.error_description.replace(closed, '<url>'),
      'an open port and a closed one look alike');
    assert.ok(!open.text.includes(upstreamIssuer), `the target's issuer is not echoed: ${open.text}`);
    assert.equal((await guardedAdmin.get(`${instances}/loopback`)).status, 404);
  });

  it('checks where a host name resolves: localhost is refused too, unless allowed', async () => {
    const res = await guardedAdmin.post(instances, provider('by-name', upstreamIssuer));
    assertAdminError(res, 400, `the provider's metadata could not be fetched from ${upstreamIssuer}/.well-known/openid-configuration`);
    assert.equal((await allowedAdmin.post(instances, provider('by-name', upstreamIssuer))).status, 201);
  });

  it('does not echo the issuer of a provider it may reach but whose metadata is for another', async () => {
    const res = await allowedAdmin.post(instances, provider('other', 'https://idp.example.test/realms/x', upstreamMetadata));
    assertAdminError(res, 400, 'is not for issuer https://idp.example.test/realms/x');
    assert.ok(!res.text.includes(upstreamIssuer), `the target's issuer is not echoed: ${res.text}`);
  });

  it('allowPrivateOutbound false in the config file refuses loopback even for a Latchkey on a loopback public URL', async () => {
    const admin = adminApi(loopbackRefusing, await masterAdminToken(loopbackRefusing));
    assertAdminError(await admin.post(instances, provider('loopback', upstreamIssuer, upstreamMetadata)), 400,
      `the provider's metadata could not be fetched from ${upstreamMetadata}`);
  });

  it('with --allow-private-outbound true, saves the provider on loopback', async () => {
    const res = await allowedAdmin.post(instances, provider('loopback', upstreamIssuer, upstreamMetadata));
    assert.equal(res.status, 201, res.text);
    const saved = await allowedAdmin.get(`${instances}/loopback`);
    assert.equal(saved.json.config.authorizationUrl, `${upstreamIssuer}/protocol/openid-connect/auth`);
  });
});
