// Sign-in time does not tell whether a username exists, whatever kind of hash the realm keeps:
// wrong passwords (what an attacker sends) for an unknown user, a user with Latchkey's own
// argon2id hash and one with an imported Keycloak pbkdf2-sha512 hash
// (more work than argon2id's) take the same time at the median, at the password grant and at
// the login page. Each kind has users of its own, and the realm room for the failures: no lockout.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { formOf, HttpBrowser, isLoginPage, type HttpPage } from '../helpers/http-browser.js';
import { keycloakPbkdf2 } from '../helpers/keycloak-credentials.js';
import { postForm, realmUrl, startServer, type TestServer } from '../helpers/server.js';

const REALM = 'timing';
const KINDS = ['unknown', 'argon2id', 'pbkdf2-sha512'] as const;
type Kind = (typeof KINDS)[number];
/**
 * Rounds of a pair of attempts (an unknown user's, a known one's) for each known kind at each
 * endpoint: at least MIN, then more while BUDGET_MS lasts, at most MAX. A quiet machine gets
 * through all MAX rounds within the budget; under heavy load the budget keeps the file under a minute.
 */
const MIN_ROUNDS = 11;
const MAX_ROUNDS = 31;
const BUDGET_MS = 20_000;
const TOLERANCE = 0.1;
const USERS_PER_KIND = 3;
/** 2.5 times argon2id's work, so a leak would show plainly, and cheap enough for many rounds (Keycloak's default, 210,000, is 5 times). */
const PBKDF2_ITERATIONS = 100_000;

const username = (kind: Kind, i: number) => `${kind}-${i % USERS_PER_KIND}`;

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function shuffled<T>(xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

type Attempt = (kind: Kind, i: number) => Promise<void>;

describe('password sign-in timing', () => {
  let server: TestServer;
  before(async () => {
    const users = [];
    for (let i = 0; i < USERS_PER_KIND; i++) {
      users.push({ username: username('argon2id', i), enabled: true, credentials: [{ type: 'password', value: 'right-pw' }] });
      users.push({
        username: username('pbkdf2-sha512', i), enabled: true,
        credentials: [{ type: 'password', ...keycloakPbkdf2('right-pw', 'pbkdf2-sha512', { iterations: PBKDF2_ITERATIONS }) }],
      });
    }
    server = await startServer({
      realms: [{
        realm: REALM, enabled: true,
        // On, as in production, with room for every wrong password this test sends.
        bruteForceProtected: true, failureFactor: 1000,
        clients: [{ clientId: 'app', publicClient: true, directAccessGrantsEnabled: true, redirectUris: ['http://127.0.0.1/cb'] }],
        users,
      }],
    });
  });
  after(async () => { await server?.stop(); });

  it('wrong passwords for unknown users, argon2id users and imported pbkdf2-sha512 users take the same time, at the password grant and at the login page', async (t) => {
    const token = realmUrl(server, REALM, '/protocol/openid-connect/token');
    const grant = (): Attempt => async (kind, i) => {
      const res = await postForm(token, { grant_type: 'password', client_id: 'app', username: username(kind, i), password: `wrong-${i}` });
      assert.equal(res.json?.error, 'invalid_grant', res.text);
    };
    /** A login page of its own (its own session), submitted again after each failure. */
    const loginPage = async (): Promise<Attempt> => {
      const browser = new HttpBrowser();
      let page: HttpPage = await browser.visit(realmUrl(server, REALM,
        '/protocol/openid-connect/auth?client_id=app&response_type=code&scope=openid&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb'));
      return async (kind, i) => {
        const form = formOf(page, 'kc-form-login');
        page = await browser.request(form.action, { form: { ...form.fields, username: username(kind, i), password: `wrong-${i}` } });
        assert.ok(isLoginPage(page) && page.text.includes('Invalid username or password'), page.text.slice(0, 400));
      };
    };
    // Two lanes at each endpoint, the unknown users' and the known ones', which attempt at once.
    const endpoints = {
      'password grant': { unknown: grant(), known: grant() },
      'login page': { unknown: await loginPage(), known: await loginPage() },
    };
    type Endpoint = keyof typeof endpoints;
    const KNOWN = ['argon2id', 'pbkdf2-sha512'] as const;
    const pairs = (Object.keys(endpoints) as Endpoint[]).flatMap((endpoint) => KNOWN.map((kind) => ({ endpoint, kind })));
    // By kind: both endpoints check passwords with the same code, and twice the samples steady the median.
    const ratios = new Map(KNOWN.map((kind) => [kind, [] as number[]]));
    const timed = async (attempt: () => Promise<void>) => {
      const t0 = performance.now();
      await attempt();
      return performance.now() - t0;
    };

    // The first attempts load what later ones find cached (the realm, the decoys).
    for (const lanes of Object.values(endpoints)) for (const kind of KINDS) await lanes[kind === 'unknown' ? 'unknown' : 'known'](kind, 0);
    // An unknown user's attempt and a known user's at the same moment meet the same load from
    // elsewhere on the machine, which would swamp a 10% difference between attempts far apart.
    // Which of the two is sent first alternates.
    const start = performance.now();
    let round = 0;
    for (; round < MAX_ROUNDS && (round < MIN_ROUNDS || performance.now() - start < BUDGET_MS); round++) {
      for (const { endpoint, kind } of shuffled(pairs)) {
        const lanes = endpoints[endpoint];
        const unknown = () => lanes.unknown('unknown', round);
        const known = () => lanes.known(kind, round);
        const [tu, tk] = round % 2
          ? await Promise.all([timed(unknown), timed(known)])
          : (await Promise.all([timed(known), timed(unknown)])).reverse();
        ratios.get(kind)!.push(tk / tu);
      }
    }

    const medians = Object.fromEntries([...ratios].map(([key, xs]) => [key, Math.round(median(xs) * 100) / 100]));
    t.diagnostic(`known/unknown time at the median over ${round} rounds: ${JSON.stringify(medians)}`);
    for (const [key, ratio] of Object.entries(medians)) {
      assert.ok(Math.abs(ratio - 1) <= TOLERANCE,
        `${key} users take ${ratio} times as long as unknown ones at the median (${round} rounds: ${JSON.stringify(medians)})`);
    }
  });

  it('the right password still signs in an imported user (and rehashes it)', async () => {
    const url = realmUrl(server, REALM, '/protocol/openid-connect/token');
    const res = await postForm(url, { grant_type: 'password', client_id: 'app', username: username('pbkdf2-sha512', 0), password: 'right-pw' });
    assert.equal(res.status, 200, res.text);
  });
});
