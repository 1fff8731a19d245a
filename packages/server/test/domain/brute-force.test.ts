// Keycloak's brute-force lockout steps, on a clock the test moves (Date is mocked, which is all
// domain/time.ts reads): waitIncrement per failureFactor failures, never more than maxFailureWait.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it, mock } from 'node:test';
import { BruteForceService } from '../../src/domain/browser-flow.js';
import { defaultRealmSettings } from '../../src/domain/realms.js';
import { now } from '../../src/domain/time.js';
import { openStore } from '../../src/storage/open.js';
import type { RealmRecord, Store, UserRecord } from '../../src/storage/store.js';

const START = Date.UTC(2030, 0, 1) / 1000;

describe('brute-force lockout (Keycloak defaults: 30 failures, 60 s steps, 15 min at most)', () => {
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
  const wait = async (user: UserRecord) => ((await service.lockedUntil(realm, user.id)) ?? now()) - now();

  it('the defaults are what Keycloak ships', () => {
    const s = realm.settings;
    assert.deepEqual([s.failureFactor, s.waitIncrementSeconds, s.maxFailureWaitSeconds], [30, 60, 900]);
  });

  it('locks for 60 s more every 30 failures, up to 15 minutes, and no longer', async () => {
    const user = await newUser();
    const waits = new Map<number, number>();
    for (let failures = 1; failures <= 600; failures++) {
      await service.failed(realm, user.id);
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
    for (let i = 0; i < 30; i++) await service.failed(realm, user.id);
    assert.equal(await wait(user), 60);
    tick(59);
    assert.equal(await wait(user), 1, 'locked one second before the end');
    tick(1);
    assert.equal(await service.lockedUntil(realm, user.id), undefined, 'free at 60 s');
    assert.equal((await service.status(realm, user.id)).failures, 30, 'the failures are still counted');
  });

  it('failures further apart than the reset time (12 h) start the count again; a success clears it', async () => {
    const user = await newUser();
    for (let i = 0; i < 29; i++) await service.failed(realm, user.id);
    tick(12 * 3600 + 1);
    await service.failed(realm, user.id);
    assert.equal(await wait(user), 0, 'the 30th failure, but the first of a new count');
    assert.equal((await service.status(realm, user.id)).failures, 1);
    await service.succeeded(user.id);
    assert.equal((await service.status(realm, user.id)).failures, 0);
  });
});
