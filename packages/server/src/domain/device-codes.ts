import { randomInt } from 'node:crypto';
import { randomToken, sha256 } from '../crypto/random.js';
import { isUniqueViolation, type DeviceCodeRecord, type RealmRecord, type Store } from '../storage/store.js';
import { deviceGrantFields } from './realms.js';
import { now } from './time.js';

// Keycloak's user code alphabet: consonants only (no vowels, so no words; no look-alikes of digits).
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;
/** Wrong user codes one address may enter in a window before it must wait (RFC 8628 §5.1). */
const USER_CODE_FAILURES = 10;
/** Seconds from an address's first wrong user code until its count starts again. */
const USER_CODE_WINDOW = 10 * 60;

/** The user code as the user may type it: case, spaces and dashes ignored. Undefined when it cannot be one. */
export function normaliseUserCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  return code.length === USER_CODE_LENGTH && [...code].every((c) => USER_CODE_ALPHABET.includes(c)) ? code : undefined;
}

/** XXXX-XXXX, as Keycloak shows it. */
const formatted = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/**
 * RFC 8628 device authorizations: a device code the device polls with (256 random bits) and a
 * user code the user enters elsewhere (20^8 ≈ 2.6·10^10 values, its guessing bounded per
 * address, on every node together), both kept as hashes only.
 */
export class DeviceCodeService {
  constructor(private readonly store: Store) {}

  async issue(realm: RealmRecord, clientUuid: string, scope: string): Promise<{ deviceCode: string; userCode: string; record: DeviceCodeRecord }> {
    const { oauth2DeviceCodeLifespan, oauth2DevicePollingInterval } = deviceGrantFields(realm.settings);
    const deviceCode = randomToken();
    const at = now();
    for (let tries = 0; ; tries++) {
      const userCode = Array.from({ length: USER_CODE_LENGTH }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
      const record: DeviceCodeRecord = {
        deviceCodeHash: sha256(deviceCode), userCodeHash: sha256(userCode), realmId: realm.id, clientId: clientUuid, scope,
        status: 'pending', userId: null, sessionId: null, pollInterval: oauth2DevicePollingInterval, lastPolledAt: null,
        createdAt: at, expiresAt: at + oauth2DeviceCodeLifespan,
      };
      try {
        await this.store.deviceCodes.insert(record);
        return { deviceCode, userCode: formatted(userCode), record };
      } catch (err) {
        // A user code another device holds right now: draw again.
        if (!isUniqueViolation(err) || tries >= 3) throw err;
      }
    }
  }

  findByDeviceCode(deviceCode: string): Promise<DeviceCodeRecord | undefined> {
    return this.store.deviceCodes.getByDeviceCode(sha256(deviceCode));
  }

  /** True while the address has entered too many wrong user codes lately. */
  async guessingFrom(address: string): Promise<boolean> {
    return (await this.store.userCodeFailures.count(address, now())) >= USER_CODE_FAILURES;
  }

  /** The pending, unexpired authorization of the user code in the realm; a miss counts against the address. */
  async findPending(realmId: string, input: string, address: string): Promise<DeviceCodeRecord | undefined> {
    const code = normaliseUserCode(input);
    const record = code === undefined ? undefined : await this.store.deviceCodes.getByUserCode(sha256(code));
    if (record && record.realmId === realmId && record.status === 'pending' && record.expiresAt > now()) return record;
    const at = now();
    await this.store.userCodeFailures.add(address, at, at + USER_CODE_WINDOW);
    return undefined;
  }

  /**
   * Records a poll: 'slow_down' when it came sooner than the interval allows, which grows by
   * five seconds (RFC 8628 §3.5), else 'ok'.
   */
  async poll(record: DeviceCodeRecord): Promise<'ok' | 'slow_down'> {
    const at = now();
    const tooSoon = record.lastPolledAt !== null && at - record.lastPolledAt < record.pollInterval;
    await this.store.deviceCodes.polled(record.deviceCodeHash, at, tooSoon ? record.pollInterval + 5 : record.pollInterval);
    return tooSoon ? 'slow_down' : 'ok';
  }

  /** The user's answer for the device, by its code's hash (what a parked request keeps); false when it was answered already. */
  decide(deviceCodeHash: string, answer: { userId: string; sessionId: string } | 'denied'): Promise<boolean> {
    return answer === 'denied'
      ? this.store.deviceCodes.decide(deviceCodeHash, 'denied', null, null)
      : this.store.deviceCodes.decide(deviceCodeHash, 'approved', answer.userId, answer.sessionId);
  }

  /** Spends the code; false when a racing poll spent it first. */
  redeem(record: DeviceCodeRecord): Promise<boolean> {
    return this.store.deviceCodes.delete(record.deviceCodeHash);
  }
}
