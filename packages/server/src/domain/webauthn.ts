import type {
  AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { CredentialRecord, RealmSettings, UserRecord, WebAuthnPolicy } from '../storage/store.js';

/**
 * Loaded at the first ceremony rather than at start: it brings an X.509 and ASN.1 stack whose
 * loading took some 20 ms of every start, for a feature most sign-ins never use.
 */
const simpleWebAuthn = () => import('@simplewebauthn/server');

/** Keycloak 26's default WebAuthn policy, the same for security keys and passkeys. */
export const DEFAULT_WEBAUTHN_POLICY: WebAuthnPolicy = {
  rpEntityName: 'keycloak', signatureAlgorithms: ['ES256', 'RS256'], rpId: '', attestationConveyancePreference: 'not specified',
  authenticatorAttachment: 'not specified', requireResidentKey: 'not specified', userVerificationRequirement: 'not specified',
  createTimeout: 0, avoidSameAuthenticatorRegister: false, acceptableAaguids: [], extraOrigins: [],
};

/** The policy of security keys (second factor), or of passkeys (passwordless), Keycloak's defaults applied. */
export const webAuthnPolicyOf = (s: RealmSettings, passwordless: boolean): WebAuthnPolicy =>
  ({ ...DEFAULT_WEBAUTHN_POLICY, ...(passwordless ? s.webAuthnPolicyPasswordless : s.webAuthnPolicy) });

/** COSE algorithm identifiers (RFC 9053, WebAuthn §5.8.5) of Keycloak's signature algorithm names. */
export const COSE_ALGORITHMS: Record<string, number> = {
  ES256: -7, ES384: -35, ES512: -36, RS256: -257, RS384: -258, RS512: -259, RS1: -65535, EdDSA: -8,
};

/** Keycloak's WebAuthnCredentialData: the public key and what the authenticator said of itself; nothing secret. */
export interface WebAuthnData {
  /** Standard base64, as Keycloak writes it. */
  credentialId: string;
  /** The COSE public key, standard base64. */
  credentialPublicKey: string;
  counter: number;
  aaguid: string;
  attestationStatementFormat: string;
  transports?: string[];
}

/** Where the ceremony happens: the relying party id and the origins whose signatures count. */
export interface RelyingParty { id: string; name: string; origins: string[] }

/** The relying party of a sign-in page at `origin` (the issuer's): the policy's id, else that origin's host. */
export const relyingParty = (policy: WebAuthnPolicy, origin: string): RelyingParty =>
  ({ id: policy.rpId || new URL(origin).hostname, name: policy.rpEntityName, origins: [origin, ...policy.extraOrigins] });

const base64url = (base64: string) => Buffer.from(base64, 'base64').toString('base64url');
const sameId = (a: string, b: string) => Buffer.from(a, 'base64').equals(Buffer.from(b, 'base64'));
const dataOf = (c: CredentialRecord) => JSON.parse(c.data) as WebAuthnData;
const described = (c: CredentialRecord) => {
  const d = dataOf(c);
  return { id: base64url(d.credentialId), ...(d.transports?.length ? { transports: d.transports } : {}) };
};

/**
 * A passkey must be found without a username (a resident key) and stands in for the password
 * only with the user verified on the authenticator, as Keycloak 26's passkeys: whatever the
 * passwordless policy says of these two, a passkey is asked for both.
 */
const PASSKEY = { residentKey: 'required', userVerification: 'required' } as const;

const userVerification = (policy: WebAuthnPolicy) =>
  policy.userVerificationRequirement === 'not specified' ? 'preferred' : policy.userVerificationRequirement;

/**
 * The options of navigator.credentials.create for a new security key (or passkey) of the
 * user's, its challenge fresh; the user handle is the user's id, which finds them at a
 * passwordless sign-in.
 */
export async function registrationOptions(policy: WebAuthnPolicy, rp: RelyingParty, user: UserRecord, existing: CredentialRecord[],
  passwordless: boolean): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { generateRegistrationOptions } = await simpleWebAuthn();
  const attestation = policy.attestationConveyancePreference;
  const residentKey = { Yes: 'required', No: 'discouraged', 'not specified': 'discouraged' } as const;
  const algorithms = policy.signatureAlgorithms.map((a) => COSE_ALGORITHMS[a]).filter((a) => a !== undefined);
  return generateRegistrationOptions({
    rpName: rp.name, rpID: rp.id, userName: user.username, userID: new TextEncoder().encode(user.id),
    userDisplayName: [user.firstName, user.lastName].filter(Boolean).join(' ') || user.username,
    timeout: policy.createTimeout > 0 ? policy.createTimeout * 1000 : undefined,
    attestationType: attestation === 'direct' || attestation === 'enterprise' ? attestation : 'none',
    excludeCredentials: policy.avoidSameAuthenticatorRegister ? existing.filter(isWebAuthn).map(described) : [],
    authenticatorSelection: {
      ...(policy.authenticatorAttachment === 'not specified' ? {} : { authenticatorAttachment: policy.authenticatorAttachment }),
      ...(passwordless ? PASSKEY : { residentKey: residentKey[policy.requireResidentKey], userVerification: userVerification(policy) }),
    },
    supportedAlgorithmIDs: algorithms.length > 0 ? algorithms : undefined,
  });
}

export const isWebAuthn = (c: CredentialRecord) => c.type === 'webauthn' || c.type === 'webauthn-passwordless';

/** A registration the authenticator answered: what to keep of it, whether the user was verified, whether it is a synced passkey. */
export interface Registered { data: WebAuthnData; userVerified: boolean; synced: boolean }

/**
 * The authenticator's answer to registrationOptions checked against the challenge the page was
 * given, the origins and the policy's algorithms and models; undefined when it does not hold.
 */
export async function verifyRegistration(policy: WebAuthnPolicy, rp: RelyingParty, challenge: string, response: unknown,
  passwordless: boolean): Promise<Registered | undefined> {
  try {
    const algorithms = policy.signatureAlgorithms.map((a) => COSE_ALGORITHMS[a]).filter((a) => a !== undefined);
    const { verifyRegistrationResponse } = await simpleWebAuthn();
    const result = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON, expectedChallenge: challenge, expectedOrigin: rp.origins, expectedRPID: rp.id,
      requireUserVerification: passwordless || policy.userVerificationRequirement === 'required',
      supportedAlgorithmIDs: algorithms.length > 0 ? algorithms : undefined,
    });
    if (!result.verified) return undefined;
    const info = result.registrationInfo;
    if (policy.acceptableAaguids.length > 0 && !policy.acceptableAaguids.some((a) => a.toLowerCase() === info.aaguid.toLowerCase())) return undefined;
    const transports = info.credential.transports ?? [];
    return {
      data: {
        credentialId: Buffer.from(info.credential.id, 'base64url').toString('base64'),
        credentialPublicKey: Buffer.from(info.credential.publicKey).toString('base64'),
        counter: info.credential.counter, aaguid: info.aaguid, attestationStatementFormat: info.fmt,
        ...(transports.length ? { transports } : {}),
      },
      userVerified: info.userVerified, synced: info.credentialDeviceType === 'multiDevice',
    };
  } catch {
    // A malformed answer, a wrong challenge or origin, an algorithm the policy does not take.
    return undefined;
  }
}

/**
 * The options of navigator.credentials.get: for a second factor, the user's security keys;
 * for a passkey (no user known yet), none, so that the browser offers those it has.
 */
export async function authenticationOptions(policy: WebAuthnPolicy, rp: RelyingParty, keys: CredentialRecord[] | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { generateAuthenticationOptions } = await simpleWebAuthn();
  return generateAuthenticationOptions({
    rpID: rp.id, allowCredentials: keys?.map(described) ?? [],
    userVerification: keys ? userVerification(policy) : PASSKEY.userVerification,
    timeout: policy.createTimeout > 0 ? policy.createTimeout * 1000 : undefined,
  });
}

/** The user handle of a passkey's assertion: the id of the user it was registered for. */
export function assertedUserId(response: unknown): string | undefined {
  const handle = (response as Partial<AuthenticationResponseJSON> | undefined)?.response?.userHandle;
  return typeof handle === 'string' ? Buffer.from(handle, 'base64url').toString('utf8') : undefined;
}

/** The one of `credentials` an assertion was made with. */
export function assertedCredential(credentials: CredentialRecord[], response: unknown): CredentialRecord | undefined {
  const id = (response as Partial<AuthenticationResponseJSON> | undefined)?.id;
  return typeof id === 'string' ? credentials.find((c) => isWebAuthn(c) && sameId(dataOf(c).credentialId, id)) : undefined;
}

/** An assertion that holds: the counter to keep, whether the user was verified, whether it is a synced passkey. */
export interface Asserted { counter: number; userVerified: boolean; synced: boolean }

/**
 * An assertion checked against the challenge the page was given, the credential's public key
 * and its counter: a counter that did not move on (a cloned authenticator) is refused, as is
 * everything else that does not hold (undefined).
 */
export async function verifyAssertion(rp: RelyingParty, challenge: string, credential: CredentialRecord, response: unknown,
  requireUserVerification: boolean): Promise<Asserted | undefined> {
  const data = dataOf(credential);
  try {
    const { verifyAuthenticationResponse } = await simpleWebAuthn();
    const result = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON, expectedChallenge: challenge, expectedOrigin: rp.origins, expectedRPID: rp.id,
      credential: {
        id: base64url(data.credentialId), publicKey: new Uint8Array(Buffer.from(data.credentialPublicKey, 'base64')), counter: credential.counter,
      },
      requireUserVerification,
    });
    if (!result.verified) return undefined;
    const info = result.authenticationInfo;
    return { counter: info.newCounter, userVerified: info.userVerified, synced: info.credentialDeviceType === 'multiDevice' };
  } catch {
    return undefined;
  }
}

/** RFC 8176's method of a key: hwk when it stays in its authenticator's hardware, swk when synced (a copy in software elsewhere). */
export const keyMethod = (synced: boolean) => (synced ? 'swk' : 'hwk');

/** The JSON a step's page posts (field credential): the authenticator's answer, or undefined when it is not JSON. */
export function postedCredential(value: string | undefined): unknown {
  if (!value || value.length > 64 * 1024) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
