import { decodeProtectedHeader } from 'jose';
import type { ClientRuntime, Domain, RealmRuntime } from '../domain/index.js';
import type { ClientPolicy, ClientPolicyExecutor, ClientProfile, ClientSettings, RealmSettings } from '../storage/store.js';
import type { AuthorizationRequest } from './authorization/request.js';
import { returnsCode, returnsIdToken, returnsToken } from './authorization/request.js';
import type { AuthenticatedClient } from './client-auth.js';
import { invalidDpopProof, type DpopProof } from './dpop.js';
import { OAuthError, invalidGrant, invalidRequest, unauthorizedClient } from './errors.js';

// Keycloak's client policies (its realm representation's clientPolicies and clientProfiles): a
// policy names conditions that choose clients and the profiles that then apply to their
// requests; a profile is a list of executors, each one rule. Latchkey has the conditions and
// executors that FAPI 2.0 needs, and Keycloak's two FAPI 2.0 profiles as global ones.

/** How the client authenticated, where it did (token, PAR, device, introspection, revocation): its assertion, or Basic credentials. */
export interface PolicyAuthentication { assertion?: string; basic?: boolean }

/** What a request to one of the client's endpoints is, as the executors need to know it. */
export type PolicyEvent =
  | {
    kind: 'authorization'; request: AuthorizationRequest; pushed: boolean; viaPushedRequest: boolean; authentication?: PolicyAuthentication;
    requestObjectAlg?: string;
  }
  | { kind: 'token'; grantType: string; dpop?: DpopProof; authentication: PolicyAuthentication }
  // The other endpoints where clients authenticate: only the executors about client authentication have rules there.
  | { kind: 'device-authorization' | 'introspection' | 'revocation'; authentication: PolicyAuthentication };

/** The signature algorithms FAPI 2.0 allows (§5.4.1): PS256, ES256 and EdDSA, and Keycloak's larger sizes of them. */
const FAPI_ALGS = ['PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const FAPI_2_EXECUTORS: ClientPolicyExecutor[] = [
  { executor: 'secure-par-content', configuration: {} },
  { executor: 'pkce-enforcer', configuration: { 'auto-configure': true } },
  { executor: 'secure-client-authenticator', configuration: { 'allowed-client-authenticators': ['client-jwt', 'client-x509'], 'default-client-authenticator': 'client-jwt' } },
  { executor: 'reject-implicit-grant', configuration: { 'auto-configure': true } },
  { executor: 'reject-ropc-grant', configuration: { 'auto-configure': true } },
  { executor: 'secure-signature-algorithm', configuration: { 'default-algorithm': 'PS256' } },
  { executor: 'secure-signature-algorithm-signed-jwt', configuration: { 'require-client-assertion': true } },
];

/**
 * Keycloak's global profiles Latchkey serves. Its fapi-2-security-profile binds tokens with
 * mutual TLS (holder-of-key-enforcer); Latchkey has no mutual TLS, so that executor asks for
 * DPoP, the other sender constraint FAPI 2.0 allows.
 */
export const GLOBAL_PROFILES: readonly ClientProfile[] = [
  {
    name: 'fapi-2-security-profile',
    description: 'Client profile, which enforce clients to conform \'FAPI 2.0 Security Profile\' specification.',
    executors: [...FAPI_2_EXECUTORS, { executor: 'holder-of-key-enforcer', configuration: { 'auto-configure': true } }],
  },
  {
    name: 'fapi-2-dpop-security-profile',
    description: 'Client profile, which enforce clients to conform \'FAPI 2.0 Security Profile\' specification with DPoP.',
    executors: [...FAPI_2_EXECUTORS, { executor: 'dpop-bind-enforcer', configuration: { 'auto-configure': true } }],
  },
];

type Executor = (config: Record<string, unknown>, event: PolicyEvent, client: ClientRuntime, realm: RealmRuntime) => void;

const listOf = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []);

/** Token requests must be sender-constrained with DPoP (RFC 9449). */
const requireDpop: Executor = (_config, event) => {
  if (event.kind === 'token' && !event.dpop) throw invalidDpopProof('DPoP proof is missing');
};

function tokenAlgorithmsOf(settings: ClientSettings, realm: RealmSettings): string[] {
  return [settings.accessTokenAlg ?? realm.defaultSignatureAlgorithm, settings.idTokenAlg ?? realm.defaultSignatureAlgorithm];
}

/** Keycloak's executors, by their provider ids; an executor Latchkey does not have is refused when profiles are saved. */
const EXECUTORS: Readonly<Record<string, Executor>> = {
  'pkce-enforcer': (_config, event) => {
    if (event.kind !== 'authorization' || !returnsCode(event.request)) return;
    if (!event.request.codeChallenge) throw invalidRequest('Missing parameter: code_challenge_method');
    if (event.request.codeChallengeMethod !== 'S256') throw invalidRequest('Invalid parameter: code challenge method is not configured one');
  },
  'secure-par-content': (_config, event) => {
    if (event.kind === 'authorization' && !event.pushed && !event.viaPushedRequest) {
      throw invalidRequest('Authorization requests of this client must be pushed (PAR) and sent by their request_uri');
    }
  },
  'secure-client-authenticator': (config, event, client, realm) => {
    if (!event.authentication) return;
    const allowed = listOf(config['allowed-client-authenticators']);
    const type = client.record.publicClient ? 'none' : client.record.settings.clientAuthenticatorType ?? 'client-secret';
    if (allowed.includes(type)) return;
    // RFC 6749 §5.2: a client that tried Basic is challenged to.
    const challenge: Record<string, string> = event.authentication.basic ? { 'www-authenticate': `Basic realm="${realm.realm.name}"` } : {};
    throw new OAuthError('invalid_client', 'Configured client authentication method not allowed for client', 401, challenge);
  },
  'reject-implicit-grant': (_config, event) => {
    if (event.kind === 'authorization' && (returnsToken(event.request) || returnsIdToken(event.request))) {
      throw unauthorizedClient('Implicit/Hybrid flow is prohibited.');
    }
  },
  'reject-ropc-grant': (_config, event) => {
    if (event.kind === 'token' && event.grantType === 'password') throw invalidGrant('resource owner password credentials grant is prohibited.');
  },
  'secure-signature-algorithm': (_config, event, client, realm) => {
    if (event.kind !== 'token') return;
    const weak = tokenAlgorithmsOf(client.record.settings, realm.realm.settings).find((alg) => !FAPI_ALGS.some((a) => a === alg));
    if (weak) throw invalidRequest(`Tokens of this client may not be signed with ${weak}: use one of ${FAPI_ALGS.join(', ')}`);
  },
  'secure-signature-algorithm-signed-jwt': (config, event) => {
    if (event.kind === 'authorization' && event.requestObjectAlg !== undefined && !FAPI_ALGS.some((a) => a === event.requestObjectAlg)) {
      throw new OAuthError('invalid_request_object', `The request object may not be signed with ${event.requestObjectAlg}`);
    }
    const assertion = event.authentication?.assertion;
    if (!event.authentication) return;
    if (!assertion) {
      if (config['require-client-assertion'] === true || config['require-client-assertion'] === 'true') {
        throw new OAuthError('invalid_client', 'A client assertion is required', 401);
      }
      return;
    }
    const { alg } = decodeProtectedHeader(assertion);
    if (!FAPI_ALGS.some((a) => a === alg)) throw new OAuthError('invalid_client', `The client assertion may not be signed with ${alg}`, 401);
  },
  'dpop-bind-enforcer': requireDpop,
  'holder-of-key-enforcer': requireDpop,
};

type Condition = (config: Record<string, unknown>, client: ClientRuntime, domain: Domain) => boolean | Promise<boolean>;

function accessType(client: ClientRuntime): string {
  const s = client.record.settings;
  if (client.record.publicClient) return 'public';
  return s.standardFlow || s.implicitFlow || s.directAccessGrants || s.serviceAccounts || s.deviceGrant ? 'confidential' : 'bearer-only';
}

/** The key-value pairs of client-attributes: a list of {key, value}, or Keycloak's older JSON text of one. */
function attributePairs(value: unknown): Array<{ key: string; value: string }> {
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      return [];
    }
  }
  return Array.isArray(list) ? list.filter((p) => p && typeof p.key === 'string').map((p) => ({ key: p.key, value: String(p.value ?? '') })) : [];
}

/** Keycloak's conditions, by their provider ids. */
const CONDITIONS: Readonly<Record<string, Condition>> = {
  'any-client': () => true,
  'client-access-type': (config, client) => listOf(config.type ?? ['confidential']).includes(accessType(client)),
  'client-roles': async (config, client, domain) => {
    const wanted = listOf(config.roles);
    const own = await domain.roles.list(client.record.realmId, client.record.id);
    return own.some((role) => wanted.includes(role.name));
  },
  'client-attributes': (config, client) => {
    const attributes = client.record.settings.extraAttributes;
    const matches = attributePairs(config.attributes).map((p) => attributes[p.key] === p.value);
    if (matches.length === 0) return false;
    return config.type === 'OR' ? matches.some(Boolean) : matches.every(Boolean);
  },
};

const negated = (config: Record<string, unknown>) => config.is_negative_logic === true || config.is_negative_logic === 'true';

/**
 * The profiles a realm's policies apply to this client: those of the enabled policies whose
 * conditions all hold (a policy without any applies to nobody, as in Keycloak).
 */
async function applicableProfiles(domain: Domain, realm: RealmRuntime, client: ClientRuntime): Promise<ClientProfile[]> {
  const { clientPolicies = [], clientProfiles = [] } = realm.realm.settings;
  const names = new Set<string>();
  for (const policy of clientPolicies) {
    if (policy.enabled === false || !policy.conditions?.length) continue;
    let holds = true;
    for (const { condition, configuration = {} } of policy.conditions) {
      const test = Object.hasOwn(CONDITIONS, condition) ? CONDITIONS[condition] : undefined;
      if (!test || (await test(configuration, client, domain)) === negated(configuration)) {
        holds = false;
        break;
      }
    }
    if (holds) for (const profile of policy.profiles ?? []) names.add(profile);
  }
  const known = [...clientProfiles, ...GLOBAL_PROFILES];
  return [...names].map((name) => known.find((p) => p.name === name)).filter((p): p is ClientProfile => p !== undefined);
}

/**
 * Runs the executors of every profile that applies to the client on the request; the first
 * rule it breaks is the error. Realms without policies pay nothing.
 */
export async function enforceClientPolicies(domain: Domain, realm: RealmRuntime, client: ClientRuntime, event: PolicyEvent): Promise<void> {
  if (!realm.realm.settings.clientPolicies?.length) return;
  for (const profile of await applicableProfiles(domain, realm, client)) {
    for (const { executor, configuration = {} } of profile.executors ?? []) {
      if (Object.hasOwn(EXECUTORS, executor)) EXECUTORS[executor](configuration, event, client, realm);
    }
  }
}

/** Why the policies or profiles cannot be saved, or undefined: Keycloak refuses unknown conditions, executors and profiles too. */
export function clientPoliciesProblem(policies: ClientPolicy[], profiles: ClientProfile[]): string | undefined {
  if (!Array.isArray(policies) || !Array.isArray(profiles)) return 'policies and profiles are lists';
  const lists = (o: object, ...names: string[]) => names.every((n) => (o as Record<string, unknown>)[n] === undefined || Array.isArray((o as Record<string, unknown>)[n]));
  if (!profiles.every((p) => p && lists(p, 'executors')) || !policies.every((p) => p && lists(p, 'conditions', 'profiles'))) {
    return 'A policy\'s conditions and profiles, and a profile\'s executors, are lists';
  }
  const profileNames = new Set([...profiles.map((p) => p.name), ...GLOBAL_PROFILES.map((p) => p.name)]);
  const seen = new Set<string>();
  for (const profile of profiles) {
    if (typeof profile?.name !== 'string' || !profile.name) return 'A client profile needs a name';
    if (GLOBAL_PROFILES.some((g) => g.name === profile.name)) return `${profile.name} is a global profile`;
    if (seen.has(profile.name)) return `Duplicated client profile ${profile.name}`;
    seen.add(profile.name);
    const unknown = (profile.executors ?? []).find((e) => typeof e?.executor !== 'string' || !Object.hasOwn(EXECUTORS, e.executor));
    if (unknown) return `Unsupported executor ${unknown.executor}`;
  }
  seen.clear();
  for (const policy of policies) {
    if (typeof policy?.name !== 'string' || !policy.name) return 'A client policy needs a name';
    if (seen.has(policy.name)) return `Duplicated client policy ${policy.name}`;
    seen.add(policy.name);
    const unknownCondition = (policy.conditions ?? []).find((c) => typeof c?.condition !== 'string' || !Object.hasOwn(CONDITIONS, c.condition));
    if (unknownCondition) return `Unsupported condition ${unknownCondition.condition}`;
    const missing = (policy.profiles ?? []).find((p) => !profileNames.has(p));
    if (missing) return `No client profile ${missing}`;
  }
  return undefined;
}

/** How a request authenticated its client, for the executors that look at it. */
export const policyAuthentication = (params: Record<string, string | undefined>, client: AuthenticatedClient): PolicyAuthentication =>
  client.method === 'private_key_jwt' || client.method === 'client_secret_jwt' ? { assertion: params.client_assertion }
    : { basic: client.method === 'client_secret_basic' };
