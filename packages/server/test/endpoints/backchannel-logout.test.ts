// OIDC Back-Channel Logout 1.0 end to end: a relying party (a small HTTP server here) receives
// the logout token when a session ends, by RP-initiated logout, by an administrator, by expiry
// and by refresh-token reuse, and checks it with jose against the realm's JWKS. A relying
// party that is down at first still gets it, and the failed attempt is an event.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { backends } from '../admin/fixture.js';
import { passwordGrant } from '../helpers/http.js';
import { ADMIN_PASSWORD, freePort, PATIENCE_MS, postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'bcl';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface Received { claims: JWTPayload; header: Record<string, unknown> }

/** A relying party's back-channel logout endpoint: verifies each logout token it is sent, keeps what it accepted. */
class LogoutReceiver {
  readonly received: Received[] = [];
  private server?: Server;
  private waiters: Array<() => void> = [];
  constructor(readonly port: number, private readonly issuer: string, private readonly jwksUrl: string) {}

  get url() { return `http://127.0.0.1:${this.port}/backchannel-logout`; }

  async listen(): Promise<void> {
    const jwks = createRemoteJWKSet(new URL(this.jwksUrl));
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', async () => {
        try {
          assert.equal(req.method, 'POST');
          assert.match(req.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded/);
          const token = new URLSearchParams(body).get('logout_token')!;
          // §2.6: signature, iss, aud, iat, typ; events with the back-channel member; sid or sub; no nonce.
          const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: this.issuer, typ: 'logout+jwt', maxTokenAge: 120 });
          assert.ok(payload.jti && payload.iat && payload.exp, 'jti, iat, exp');
          assert.ok((payload.events as Record<string, unknown>)?.[EVENT], 'the back-channel logout event');
          assert.equal(payload.nonce, undefined, 'never a nonce');
          this.received.push({ claims: payload, header: protectedHeader as Record<string, unknown> });
          res.writeHead(200).end();
          for (const w of this.waiters.splice(0)) w();
        } catch (err) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_request', error_description: String(err) }));
        }
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }

  /** The token for that session, once it has come. */
  async forSession(sid: string): Promise<Received> {
    const deadline = Date.now() + PATIENCE_MS;
    for (;;) {
      const found = this.received.find((r) => r.claims.sid === sid);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no logout token for session ${sid}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 1000); });
    }
  }

  close() { return new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r())); }
}

for (const backend of backends) {
  if (backend.skip) {
    it(`OIDC Back-Channel Logout: ${backend.name}`, { skip: backend.skip }, () => {});
    continue;
  }

  describe(`OIDC Back-Channel Logout: ${backend.name}`, () => {
    let server: TestServer;
    let stop: () => Promise<void>;
    let rp: LogoutReceiver;
    let late: LogoutReceiver;
    let short: LogoutReceiver;
    let kc: KcAdminClient;

    before(async () => {
      const [rpPort, latePort, shortPort] = [await freePort(), await freePort(), await freePort()];
      const client = (clientId: string, port: number, extra: Record<string, string> = {}) => ({
        clientId, secret: `${clientId}-secret`, directAccessGrantsEnabled: true,
        attributes: { 'backchannel.logout.url': `http://127.0.0.1:${port}/backchannel-logout`, 'backchannel.logout.session.required': 'true', ...extra },
      });
      ({ server, stop } = await backend.start({
        // Expired sessions are swept every second here, so that expiry is seen soon.
        args: ['--housekeeping-interval', '1000'],
        realms: [{
          // A spent refresh token presented again is reuse at once.
          realm: REALM, enabled: true, attributes: { refreshTokenReuseGrace: '0' },
          clients: [
            client('app', rpPort, { 'backchannel.logout.revoke.offline.tokens': 'true' }),
            client('late', latePort),
            { clientId: 'quiet', secret: 'quiet-secret', directAccessGrantsEnabled: true },
          ],
          users: [{ username: 'alice', enabled: true, credentials: [{ type: 'password', value: 'alice-pw' }] }],
        }, {
          realm: `${REALM}-short`, enabled: true, ssoSessionIdleTimeout: 2,
          clients: [client('app', shortPort)],
          users: [{ username: 'alice', enabled: true, credentials: [{ type: 'password', value: 'alice-pw' }] }],
        }],
      }));
      const certs = (realm: string) => realmUrl(server, realm, '/protocol/openid-connect/certs');
      rp = new LogoutReceiver(rpPort, server.issuer(REALM), certs(REALM));
      await rp.listen();
      late = new LogoutReceiver(latePort, server.issuer(REALM), certs(REALM));
      short = new LogoutReceiver(shortPort, server.issuer(`${REALM}-short`), certs(`${REALM}-short`));
      await short.listen();
      kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
      await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
    });
    after(async () => {
      await rp?.close();
      await late?.close();
      await short?.close();
      await stop?.();
    });

    const signIn = async (clientId = 'app', realm = REALM) => {
      const res = await passwordGrant(server, realm, clientId, `${clientId}-secret`, 'alice', 'alice-pw', { scope: 'openid' });
      assert.equal(res.status, 200, res.text);
      return res.json as { id_token: string; refresh_token: string; session_state: string };
    };

    it('discovery says back-channel logout with sid is supported', async () => {
      const res = await fetch(realmUrl(server, REALM, '/.well-known/openid-configuration'));
      const doc = await res.json() as Record<string, unknown>;
      assert.equal(doc.backchannel_logout_supported, true);
      assert.equal(doc.backchannel_logout_session_supported, true);
    });

    it('RP-initiated logout: the client gets a logout token for the session, signed by the realm', async () => {
      const tokens = await signIn();
      const started = Date.now();
      const res = await fetch(realmUrl(server, REALM, `/protocol/openid-connect/logout?id_token_hint=${tokens.id_token}`), { redirect: 'manual' });
      assert.equal(res.status, 200, 'the logged-out page, not held up by the delivery');
      const { claims, header } = await rp.forSession(tokens.session_state);
      assert.equal(header.typ, 'logout+jwt');
      assert.equal(claims.aud, 'app');
      assert.equal(claims.iss, server.issuer(REALM));
      const [, payload] = tokens.id_token.split('.');
      assert.equal(claims.sub, JSON.parse(Buffer.from(payload, 'base64url').toString()).sub);
      assert.deepEqual(claims.events, { [EVENT]: {}, revoke_offline_access: true }, 'Keycloak\'s revoke_offline_access, as the client asks');
      assert.ok(Date.now() - started < PATIENCE_MS);
    });

    it('an administrator ending the session (Keycloak admin client): the client is told', async () => {
      const tokens = await signIn();
      await kc.realms.deleteSession({ realm: REALM, session: tokens.session_state, isOffline: false });
      const { claims } = await rp.forSession(tokens.session_state);
      assert.equal(claims.aud, 'app');
    });

    it('an administrator signing the user out everywhere: every session\'s client is told', async () => {
      const [one, two] = [await signIn(), await signIn()];
      const [alice] = await kc.users.find({ realm: REALM, username: 'alice', exact: true });
      await kc.users.logout({ realm: REALM, id: alice.id! });
      await rp.forSession(one.session_state);
      await rp.forSession(two.session_state);
    });

    it('refresh-token reuse ends the session: the client is told', async () => {
      const tokens = await signIn();
      const refresh = () => postForm(realmUrl(server, REALM, '/protocol/openid-connect/token'),
        { grant_type: 'refresh_token', client_id: 'app', client_secret: 'app-secret', refresh_token: tokens.refresh_token });
      assert.equal((await refresh()).status, 200);
      const reused = await refresh();
      assert.equal(reused.status, 400, reused.text);
      await rp.forSession(tokens.session_state);
    });

    it('a session that expires: housekeeping ends it and the client is told', async () => {
      const tokens = await signIn('app', `${REALM}-short`);
      const { claims } = await short.forSession(tokens.session_state);
      assert.equal(claims.iss, server.issuer(`${REALM}-short`));
    });

    it('a client without a back-channel URL is not told; a client that is down is retried, its failure an event', async () => {
      const quiet = await signIn('quiet');
      const tokens = await signIn('late');
      await kc.realms.deleteSession({ realm: REALM, session: quiet.session_state, isOffline: false });
      await kc.realms.deleteSession({ realm: REALM, session: tokens.session_state, isOffline: false });
      // Nothing listens at the late client's URL yet: the first attempt fails, and is recorded.
      const deadline = Date.now() + PATIENCE_MS;
      let failures: Array<{ details?: Record<string, string>; error?: string }> = [];
      while (failures.length === 0) {
        assert.ok(Date.now() < deadline, 'a LOGOUT_ERROR event for the failed attempt');
        await new Promise((r) => setTimeout(r, 250));
        failures = (await kc.realms.findEvents({ realm: REALM, type: 'LOGOUT_ERROR' as never, client: 'late' })) as typeof failures;
      }
      assert.equal(failures[0].error, 'backchannel_logout_failed');
      assert.match(failures[0].details?.reason ?? '', /attempt 1 of \d+ failed/);
      await late.listen();
      const { claims } = await late.forSession(tokens.session_state);
      assert.equal(claims.aud, 'late');
      assert.ok(!rp.received.some((r) => r.claims.sid === quiet.session_state) && !late.received.some((r) => r.claims.sid === quiet.session_state));
    });
  });
}

describe('OIDC Back-Channel Logout: a queued logout token outlives the process', () => {
  it('a server killed before it could deliver delivers after its restart', async () => {
    const port = await freePort();
    const realm = {
      realm: REALM, enabled: true,
      clients: [{ clientId: 'app', secret: 'app-secret', directAccessGrantsEnabled: true,
        attributes: { 'backchannel.logout.url': `http://127.0.0.1:${port}/backchannel-logout` } }],
      users: [{ username: 'alice', enabled: true, credentials: [{ type: 'password', value: 'alice-pw' }] }],
    };
    let server = await startServer({ realms: [realm], keepData: true });
    const { dataDir } = server;
    let receiver: LogoutReceiver | undefined;
    try {
      const res = await passwordGrant(server, REALM, 'app', 'app-secret', 'alice', 'alice-pw', { scope: 'openid' });
      assert.equal(res.status, 200, res.text);
      const { session_state: sid } = res.json as { session_state: string };
      // Nothing listens yet: the first attempt fails, and the token waits in the queue.
      const ended = await fetch(realmUrl(server, REALM, `/protocol/openid-connect/logout?id_token_hint=${(res.json as { id_token: string }).id_token}`));
      assert.equal(ended.status, 200);
      server.process.kill('SIGKILL');
      await new Promise((r) => server.process.once('exit', r));

      server = await startServer({ dataDir, keepData: false });
      receiver = new LogoutReceiver(port, server.issuer(REALM), realmUrl(server, REALM, '/protocol/openid-connect/certs'));
      await receiver.listen();
      const { claims } = await receiver.forSession(sid);
      assert.equal(claims.aud, 'app');
    } finally {
      await receiver?.close();
      await server.stop();
    }
  });
});

describe('OIDC Back-Channel Logout: the outbound guard', () => {
  it('without --allow-private-outbound, a back-channel URL on a private address is never called, and that is an event', async () => {
    const port = await freePort();
    const server = await startServer({
      args: ['--allow-private-outbound', 'false'],
      realms: [{
        realm: REALM, enabled: true,
        clients: [{ clientId: 'app', secret: 'app-secret', directAccessGrantsEnabled: true,
          attributes: { 'backchannel.logout.url': `http://127.0.0.1:${port}/backchannel-logout` } }],
        users: [{ username: 'alice', enabled: true, credentials: [{ type: 'password', value: 'alice-pw' }] }],
      }],
    });
    const receiver = new LogoutReceiver(port, server.issuer(REALM), realmUrl(server, REALM, '/protocol/openid-connect/certs'));
    try {
      await receiver.listen();
      const res = await passwordGrant(server, REALM, 'app', 'app-secret', 'alice', 'alice-pw', { scope: 'openid' });
      const { id_token: hint } = res.json as { id_token: string };
      assert.equal((await fetch(realmUrl(server, REALM, `/protocol/openid-connect/logout?id_token_hint=${hint}`))).status, 200);
      const kc = new KcAdminClient({ baseUrl: server.url, realmName: 'master' });
      await kc.auth({ username: 'admin', password: ADMIN_PASSWORD, grantType: 'password', clientId: 'admin-cli' });
      const deadline = Date.now() + PATIENCE_MS;
      let failures: Array<{ details?: Record<string, string> }> = [];
      while (failures.length === 0) {
        assert.ok(Date.now() < deadline, 'a LOGOUT_ERROR event');
        await new Promise((r) => setTimeout(r, 250));
        failures = (await kc.realms.findEvents({ realm: REALM, type: 'LOGOUT_ERROR' as never })) as typeof failures;
      }
      assert.match(failures[0].details?.reason ?? '', /EPRIVATEADDRESS/);
      assert.deepEqual(receiver.received, []);
    } finally {
      await receiver.close();
      await server.stop();
    }
  });
});
