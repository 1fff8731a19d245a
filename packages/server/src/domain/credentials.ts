import { createHash, randomInt } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';
import { newId, secretsEqual } from '../crypto/random.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { CREDENTIAL_TYPES, type CredentialRecord, type CredentialType, type OtpPolicy, type RealmRecord, type RealmSettings, type Store } from '../storage/store.js';
import { now } from './time.js';
import type { WebAuthnData } from './webauthn.js';

/** Keycloak's default OTP policy. */
export const DEFAULT_OTP_POLICY: OtpPolicy = {
  type: 'totp', algorithm: 'HmacSHA1', digits: 6, period: 30, lookAheadWindow: 1, initialCounter: 0, codeReusable: false,
};

export const otpPolicyOf = (s: RealmSettings): OtpPolicy => ({ ...DEFAULT_OTP_POLICY, ...s.otpPolicy });

/** Keycloak's OTPCredentialData: the generator's parameters, fixed when it was set up. */
export interface OtpData {
  subType: 'totp' | 'hotp';
  digits: number;
  counter: number;
  period: number;
  algorithm: OtpPolicy['algorithm'];
  /** Keycloak's, for secrets imported in base32; otherwise the secret's UTF-8 bytes are the key. */
  secretEncoding?: 'BASE32';
}

/** Keycloak's RecoveryAuthnCodesCredentialData and secret data. */
interface RecoveryData { hashIterations: number; algorithm: 'RS512'; totalCodes: number; remainingCodes: number }
interface RecoverySecret { codes: Array<{ number: number; encodedHashedValue: string }> }

const HASHES = { HmacSHA1: 'SHA1', HmacSHA256: 'SHA256', HmacSHA512: 'SHA512' } as const;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Keycloak's recovery code alphabet: no 0/O, 1/I/L to misread.
const RECOVERY_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const RECOVERY_CODES = 12;
// Priorities step by 10, as Keycloak's, so that one can be put between two.
const PRIORITY_STEP = 10;

const randomString = (alphabet: string, length: number) =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

/** A secret as Keycloak makes one: 20 letters and digits, whose UTF-8 bytes are the HMAC key. */
export const newOtpSecret = (): string => randomString(ALPHANUMERIC, 20);

/** A set of recovery codes, XXXX-XXXX-XXXX as Keycloak shows them. */
export const newRecoveryCodes = (): string[] =>
  Array.from({ length: RECOVERY_CODES }, () => randomString(RECOVERY_ALPHABET, 12).replace(/(.{4})(?=.)/g, '$1-'));

/** Keycloak's hash of a recovery code: SHA-512, base64, of the code as typed without dashes or spaces. */
const hashRecoveryCode = (code: string) => createHash('sha512').update(code.replace(/[\s-]/g, '').toUpperCase()).digest('base64');

function generator(data: OtpData, secret: string, label?: { issuer: string; account: string }): TOTP | HOTP {
  const common = {
    secret: data.secretEncoding === 'BASE32' ? Secret.fromBase32(secret) : Secret.fromUTF8(secret),
    algorithm: HASHES[data.algorithm] ?? 'SHA1', digits: data.digits,
    ...(label ? { issuer: label.issuer, label: label.account } : {}),
  };
  return data.subType === 'hotp' ? new HOTP({ ...common, counter: data.counter }) : new TOTP({ ...common, period: data.period });
}

const normalised = (code: string) => code.replace(/\s/g, '');

/**
 * The generator's counter once it has taken `token`, or undefined when the token is not one of
 * its codes, or one it took already (the same counter again only for a reusable TOTP code).
 */
function nextCounter(otp: TOTP | HOTP, data: OtpData, policy: OtpPolicy, token: string, counter: number): number | undefined {
  if (!/^\d{6,10}$/.test(token)) return undefined;
  if (otp instanceof HOTP) {
    // Only ahead of the counter: the codes behind it were used.
    const delta = otp.validate({ token, counter, window: policy.lookAheadWindow });
    return delta !== null && delta >= 0 ? counter + delta + 1 : undefined;
  }
  const delta = otp.validate({ token, window: policy.lookAheadWindow });
  if (delta === null) return undefined;
  const step = TOTP.counter({ period: data.period }) + delta;
  if (step > counter) return step;
  return policy.codeReusable ? counter : undefined;
}

/** The generator's parameters for a new credential under the realm's policy. */
export function otpDataOf(policy: OtpPolicy): OtpData {
  return { subType: policy.type, digits: policy.digits, counter: policy.initialCounter, period: policy.period, algorithm: policy.algorithm };
}

/** The otpauth:// URI an authenticator app reads from the QR code (Key Uri Format). */
export const otpUri = (policy: OtpPolicy, secret: string, issuer: string, account: string): string =>
  generator(otpDataOf(policy), secret, { issuer, account }).toString();

/** The secret in base32, as an authenticator app takes it typed in. */
export const otpSecretBase32 = (secret: string): string => Secret.fromUTF8(secret).base32;

/** Keycloak's CredentialRepresentation of a second factor in a realm export, secret data and all. */
export interface KeycloakCredential {
  id?: string; type?: string; userLabel?: string; createdDate?: number; priority?: number; secretData?: string; credentialData?: string;
}

const isOtpData = (d: Partial<OtpData>): d is OtpData => (d.subType === 'totp' || d.subType === 'hotp') && Number.isInteger(d.digits)
  && Number.isInteger(d.period) && Number.isInteger(d.counter ?? 0) && Object.hasOwn(HASHES, d.algorithm ?? '');

/**
 * A second factor from a Keycloak export, its secret sealed; undefined for a type Latchkey
 * does not keep (the password is read elsewhere). Throws, saying why, on one it cannot read.
 */
export async function credentialFromKeycloak(box: SecretBox, realmId: string, userId: string, rep: KeycloakCredential, priority: number):
  Promise<CredentialRecord | undefined> {
  if (!(CREDENTIAL_TYPES as readonly string[]).includes(rep.type ?? '')) return undefined;
  const webauthn = rep.type === 'webauthn' || rep.type === 'webauthn-passwordless';
  let secret: Record<string, unknown>;
  let data: Record<string, unknown>;
  try {
    // A WebAuthn credential has nothing secret: Keycloak writes "{}", and may leave it out.
    secret = JSON.parse(rep.secretData ?? (webauthn ? '{}' : ''));
    data = JSON.parse(rep.credentialData ?? '');
  } catch {
    throw new Error(`${rep.type} credential: secretData and credentialData must be JSON`);
  }
  if (rep.type === 'otp' && (typeof secret.value !== 'string' || !isOtpData(data))) {
    throw new Error('otp credential: secretData needs a value, credentialData subType, digits, period and algorithm');
  }
  if (rep.type === 'recovery-authn-codes' && !Array.isArray(secret.codes)) throw new Error('recovery-authn-codes credential: secretData needs codes');
  if (webauthn && (typeof data.credentialId !== 'string' || typeof data.credentialPublicKey !== 'string')) {
    throw new Error(`${rep.type} credential: credentialData needs credentialId and credentialPublicKey`);
  }
  return {
    // New ids: the same export may be imported twice, beside itself.
    id: newId(), realmId, userId, type: rep.type as CredentialType, userLabel: rep.userLabel ?? null, priority: rep.priority ?? priority,
    createdAt: Number.isFinite(rep.createdDate) ? Math.floor(rep.createdDate! / 1000) : now(),
    sealedSecret: await box.seal(JSON.stringify(secret)), data: JSON.stringify(data),
    counter: data.subType === 'hotp' || webauthn ? Number(data.counter ?? 0) || 0 : 0,
  };
}

/** A second factor as Keycloak's export has it, secret data and all (a HOTP or WebAuthn counter where it has moved on). */
export async function credentialToKeycloak(box: SecretBox, c: CredentialRecord): Promise<KeycloakCredential> {
  const data = JSON.parse(c.data);
  if ((c.type === 'otp' && data.subType === 'hotp') || c.type === 'webauthn' || c.type === 'webauthn-passwordless') data.counter = c.counter;
  return {
    id: c.id, type: c.type, ...(c.userLabel ? { userLabel: c.userLabel } : {}), createdDate: c.createdAt * 1000, priority: c.priority,
    secretData: await box.open(c.sealedSecret), credentialData: JSON.stringify(data),
  };
}

/** Users' second factors: one-time code generators (RFC 6238/4226), recovery codes, security keys and passkeys; secrets sealed. */
export class CredentialService {
  constructor(private readonly store: Store, private readonly box: SecretBox) {}

  list(userId: string, tx: Store = this.store): Promise<CredentialRecord[]> {
    return tx.credentials.listByUser(userId);
  }

  /** Which of these users have a one-time code generator (Keycloak's `totp`), read in one query for a page of users. */
  async withOtp(userIds: string[]): Promise<Set<string>> {
    const credentials = userIds.length > 0 ? await this.store.bulk.listCredentials(userIds) : [];
    return new Set(credentials.filter((c) => c.type === 'otp').map((c) => c.userId));
  }

  private async insert(tx: Store, realm: RealmRecord, userId: string, type: CredentialType, secret: unknown, data: object,
    opts: { label?: string | null; counter?: number; createdAt?: number; id?: string } = {}): Promise<CredentialRecord> {
    const existing = await tx.credentials.listByUser(userId);
    const credential: CredentialRecord = {
      id: opts.id ?? newId(), realmId: realm.id, userId, type, userLabel: opts.label ?? null,
      priority: Math.max(0, ...existing.map((c) => c.priority)) + PRIORITY_STEP,
      createdAt: opts.createdAt ?? now(), sealedSecret: await this.box.seal(JSON.stringify(secret)), data: JSON.stringify(data),
      counter: opts.counter ?? 0,
    };
    await tx.credentials.insert(credential);
    return credential;
  }

  /**
   * A new OTP generator of the user's, its parameters as the realm's policy has them now,
   * stored when `code` is one of its codes (which it then takes no more); undefined when not.
   */
  async addOtpIfValid(tx: Store, realm: RealmRecord, userId: string, secret: string, code: string, label: string | null): Promise<CredentialRecord | undefined> {
    const policy = otpPolicyOf(realm.settings);
    const data = otpDataOf(policy);
    const counter = nextCounter(generator(data, secret), data, policy, normalised(code), data.counter);
    if (counter === undefined) return undefined;
    return this.insert(tx, realm, userId, 'otp', { value: secret }, data, { label, counter });
  }

  /**
   * Signs in with a one-time code from any of the user's generators: true when one took it.
   * Each code is taken once (unless the policy makes codes reusable): a TOTP generator
   * remembers the last time step used and takes none up to it again, a HOTP one moves its counter on.
   */
  async useOtp(realm: RealmRecord, userId: string, code: string): Promise<boolean> {
    const policy = otpPolicyOf(realm.settings);
    for (const credential of await this.list(userId)) {
      if (credential.type !== 'otp') continue;
      const data = JSON.parse(credential.data) as OtpData;
      const { value } = JSON.parse(await this.box.open(credential.sealedSecret)) as { value: string };
      const counter = nextCounter(generator(data, value), data, policy, normalised(code), credential.counter);
      if (counter === undefined) continue;
      if (counter === credential.counter) return true;
      if (await this.store.credentials.swap(credential, { ...credential, counter })) return true;
    }
    return false;
  }

  /** A security key or passkey the user registered: its public key and counter, as Keycloak's WebAuthnCredentialData. */
  addWebAuthn(tx: Store, realm: RealmRecord, userId: string, type: 'webauthn' | 'webauthn-passwordless', data: WebAuthnData,
    label: string | null): Promise<CredentialRecord> {
    return this.insert(tx, realm, userId, type, {}, data, { label, counter: data.counter });
  }

  /** Keeps the counter a security key or passkey signed with; false when another sign-in with it got there first. */
  advanceCounter(credential: CredentialRecord, counter: number): Promise<boolean> {
    return this.store.credentials.swap(credential, { ...credential, counter });
  }

  /** The user's recovery codes replaced by a new set (Keycloak keeps one per user), stored hashed. */
  async setRecoveryCodes(tx: Store, realm: RealmRecord, userId: string, codes: string[]): Promise<CredentialRecord> {
    for (const old of await tx.credentials.listByUser(userId)) if (old.type === 'recovery-authn-codes') await tx.credentials.delete(old.id);
    const secret: RecoverySecret = { codes: codes.map((c, i) => ({ number: i + 1, encodedHashedValue: hashRecoveryCode(c) })) };
    const data: RecoveryData = { hashIterations: 1, algorithm: 'RS512', totalCodes: codes.length, remainingCodes: codes.length };
    return this.insert(tx, realm, userId, 'recovery-authn-codes', secret, data);
  }

  /** Signs in with one of the user's recovery codes, which is then used up: true when it was one. */
  async useRecoveryCode(userId: string, code: string): Promise<boolean> {
    const hash = hashRecoveryCode(code);
    for (const credential of await this.list(userId)) {
      if (credential.type !== 'recovery-authn-codes') continue;
      const secret = JSON.parse(await this.box.open(credential.sealedSecret)) as RecoverySecret;
      const left = secret.codes.filter((c) => !secretsEqual(c.encodedHashedValue, hash));
      if (left.length === secret.codes.length) continue;
      const data = { ...JSON.parse(credential.data) as RecoveryData, remainingCodes: left.length };
      const next = { ...credential, sealedSecret: await this.box.seal(JSON.stringify({ codes: left })), data: JSON.stringify(data) };
      return this.store.credentials.swap(credential, next);
    }
    return false;
  }

  /**
   * Puts the credential first (after: null) or after another of the user's. The password, not
   * among these, always leads the list, so "after the password" is first.
   */
  async move(tx: Store, userId: string, id: string, after: string | null): Promise<boolean> {
    const list = await tx.credentials.listByUser(userId);
    const moving = list.find((c) => c.id === id);
    if (!moving || (after !== null && !list.some((c) => c.id === after))) return false;
    const rest = list.filter((c) => c.id !== id);
    const at = after === null ? 0 : rest.findIndex((c) => c.id === after) + 1;
    rest.splice(at, 0, moving);
    for (const [i, c] of rest.entries()) {
      const priority = (i + 1) * PRIORITY_STEP;
      if (c.priority !== priority) await tx.credentials.update({ ...c, priority });
    }
    return true;
  }
}
