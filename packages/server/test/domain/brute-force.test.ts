// Keycloak's brute-force lockout steps, on a clock the test moves (Date is mocked, which is all
// domain/time.ts reads): waitIncrement per failureFactor failures, never more than maxFailureWait.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it, mock } from 'node:test';
import { accountFailureCeiling, BruteForceService } from '../../src/domain/browser-flow.js';
import { defaultRealmSettings } from '../../src/domain/realms.js';
import { now } from '../../src/domain/time.js';
import { openStore } from '../../src/storage/open.js';
import type { RealmRecord, Store, UserRecord } from '../../src/storage/store.js';

const START = Date.UTC(2030, 0, 1) / 1000;
/** The source address most failures come from, and another. */
const HERE = '203.0.113.7';
const THERE = '198.51.100.20';

describe('brute-force lockout (Keycloak defaults: 30 failures, 60 s steps, 15 min at most, per account and address)', () => {
  let dataDir: string;
  let store: Store;
  let realm: RealmRecord;
  let service: BruteForceService;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-brute-force-'));
    store = await openStore({ dataDir });
    realm = { id: randomUUID(), name: 'bf', enabled: true, settings: { ...defaultRealmSettings('bf'), bruteForceProtected: true }, createdAt: START };
    await store.realms.insert(realm);
    service = new BruteForceService(store);
  });
  after(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => { mock.timers.enable({ apis: ['Date'], now: START * 1000 }); });
  afterEach(() => { mock.timers.reset(); });

  const tick = (seconds: number) => mock.timers.tick(seconds * 1000);

  async function newUser(): Promise<UserRecord> {
    const user: UserRecord = {
      id: randomUUID(), realmId: realm.id, username: `u-${randomUUID()}`, enabled: true, email: null, emailVerified: false,
      firstName: null, lastName: null, phoneNumber: null, attributes: {}, serviceAccountClientId: null, requiredActions: [], createdAt: START,
    };
    await store.users.insert(user);
    return user;
  }
  /** Seconds the user must still wait, 0 when not locked out. */
  const wait = async (user: UserRecord, address = HERE) => ((await service.lockedUntil(realm, user.id, address))?.until ?? now()) - now();

  it('the defaults are what Keycloak ships', () => {
    const s = realm.settings;
    assert.deepEqual([s.failureFactor, s.waitIncrementSeconds, s.maxFailureWaitSeconds], [30, 60, 900]);
  });

  it('locks for 60 s more every 30 failures, up to 15 minutes, and no longer', async () => {
    const user = await newUser();
    const waits = new Map<number, number>();
    for (let failures = 1; failures <= 600; failures++) {
      await service.failed(realm, user.id, HERE);
      if (failures % 30 === 29 || failures % 30 === 0) waits.set(failures, await wait(user));
      // A second between failures, so that each lockout is measured from its own failure.
      tick(1);
      if (failures < 30) assert.equal(await wait(user), 0, `not locked after ${failures} failures`);
    }
    assert.equal(waits.get(30), 60);
    assert.equal(waits.get(59), 60, 'the step holds until the next 30');
    assert.equal(waits.get(60), 120);
    assert.equal(waits.get(90), 180);
    assert.equal(waits.get(420), 840);
    assert.equal(waits.get(450), 900, 'fifteen steps reach the maximum');
    assert.equal(waits.get(480), 900, 'and it stays there');
    assert.equal(waits.get(600), 900);
  });

  it('a lockout ends when its time is up', async () => {
    const user = await newUser();
    for (let i = 0; i < 30; i++) await service.failed(realm, user.id, HERE);
    assert.equal(await wait(user), 60);
    tick(59);
    assert.equal(await wait(user), 1, 'locked one second before the end');
    tick(1);
    assert.equal(await service.lockedUntil(realm, user.id, HERE), undefined, 'free at 60 s');
    assert.equal((await service.status(realm, user.id)).failures, 30, 'the failures are still counted');
  });

  it('failures further apart than the reset time (12 h) start the count again; a success clears it', async () => {
    const user = await newUser();
    for (let i = 0; i < 29; i++) await service.failed(realm, user.id, HERE);
    tick(12 * 3600 + 1);
    await service.failed(realm, user.id, HERE);
    assert.equal(await wait(user), 0, 'the 30th failure, but the first of a new count');
    assert.equal((await service.status(realm, user.id)).failures, 1);
    await service.succeeded(user.id);
    assert.equal((await service.status(realm, user.id)).failures, 0);
  });

  it('a flood from one address locks that address out, not the account from another', async () => {
    const user = await newUser();
    for (let i = 0; i < 600; i++) {
      await service.failed(realm, user.id, HERE);
      tick(1);
      // Like the attacker: one more guess whenever the lock is up.
      const waiting = await wait(user);
      if (waiting > 0 && waiting < 5) tick(waiting);
    }
    assert.ok(await wait(user, HERE) > 0, 'the flooding address is locked');
    assert.equal(await wait(user, THERE), 0, 'the owner signs in from elsewhere');
    assert.equal((await service.lockedUntil(realm, user.id, THERE)), undefined);
  });

  it('failures from many addresses together lock the account everywhere at the ceiling (10 × failureFactor), for maxFailureWait', async () => {
    const user = await newUser();
    assert.equal(accountFailureCeiling(realm.settings), 300);
    for (let i = 0; i < 299; i++) await service.failed(realm, user.id, `10.0.${Math.floor(i / 250)}.${i % 250}`);
    assert.equal(await wait(user, THERE), 0, 'below the ceiling, another address is free');
    await service.failed(realm, user.id, '10.9.9.9');
    assert.deepEqual(await service.lockedUntil(realm, user.id, THERE), { until: now() + 900, scope: 'account' });
    assert.equal((await service.status(realm, user.id)).locked, true, 'the admin API sees the account locked');
    tick(900);
    assert.equal(await wait(user, THERE), 0, 'free once maxFailureWait has passed');
  });
});
