import { createHash } from 'node:crypto';
import type { EffectiveRoles } from '../domain/roles.js';
import type { ClaimMapping, ClientRecord, ProtocolMapperRecord, UserRecord } from '../storage/store.js';

/** Which token a mapper writes into, by Keycloak's config key. */
export type ClaimTarget = 'accessToken' | 'idToken' | 'userinfo' | 'introspection';
const TARGET_KEY: Record<ClaimTarget, string> = {
  accessToken: 'access.token.claim',
  idToken: 'id.token.claim',
  userinfo: 'userinfo.token.claim',
  introspection: 'introspection.token.claim',
};

export const OIDC_PROTOCOL = 'openid-connect';

/**
 * Mappers that before Keycloak 25 had no token switches and always shaped the access token
 * (Keycloak's migration to 25 wrote access.token.claim into them): older exports have them so.
 */
const ACCESS_TOKEN_ALWAYS = new Set(['oidc-audience-resolve-mapper', 'oidc-allowed-origins-mapper']);
const runsFor = (m: ProtocolMapperRecord, target: ClaimTarget): boolean => {
  // Keycloak's pairwise subject has no switches: it is the subject wherever there is one.
  if (m.protocolMapper === 'oidc-sha256-pairwise-sub-mapper') return true;
  const on = m.config[TARGET_KEY[target]];
  if (on === undefined && target === 'introspection') return runsFor(m, 'accessToken');
  return on === 'true' || (on === undefined && target === 'accessToken' && ACCESS_TOKEN_ALWAYS.has(m.protocolMapper));
};

/**
 * Keycloak's mapper priorities (ProtocolMapperUtils): the subject first, then role names, hardcoded
 * roles, audiences resolved from the roles, and the role mappers; every other type is 0.
 */
const PRIORITY: Record<string, number> = {
  'oidc-sub-mapper': -10,
  'oidc-role-name-mapper': 10,
  'oidc-hardcoded-role-mapper': 20,
  'oidc-audience-resolve-mapper': 30,
  'oidc-usermodel-realm-role-mapper': 40,
  'oidc-usermodel-client-role-mapper': 40,
};
const priorityOf = (m: ProtocolMapperRecord): number => PRIORITY[m.protocolMapper] ?? 0;
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The order mappers run in, so that later ones see (and add to, or replace) earlier ones'
 * claims: by priority, as Keycloak sorts them, then by name. Keycloak leaves mappers of one
 * priority in the order it gathered them (from a hash map of scopes); the name makes it one order.
 */
export const sortedMappers = (mappers: readonly ProtocolMapperRecord[]): ProtocolMapperRecord[] =>
  [...mappers].sort((a, b) => priorityOf(a) - priorityOf(b) || byCodePoint(a.name, b.name));

/** Keycloak's OpenID Connect mapper types that Latchkey runs; any other is kept and does nothing. */
export const MAPPER_TYPES = [
  'oidc-usermodel-attribute-mapper', 'oidc-usermodel-property-mapper', 'oidc-full-name-mapper',
  'oidc-hardcoded-claim-mapper', 'oidc-hardcoded-role-mapper', 'oidc-role-name-mapper',
  'oidc-usermodel-realm-role-mapper', 'oidc-usermodel-client-role-mapper', 'oidc-group-membership-mapper',
  'oidc-audience-mapper', 'oidc-audience-resolve-mapper', 'oidc-allowed-origins-mapper', 'oidc-sub-mapper',
  'oidc-usersessionmodel-note-mapper', 'oidc-acr-mapper', 'oidc-address-mapper', 'oidc-sha256-pairwise-sub-mapper',
] as const;
const KNOWN = new Set<string>(MAPPER_TYPES);
export const isKnownMapper = (m: Pick<ProtocolMapperRecord, 'protocolMapper' | 'protocol'>): boolean =>
  m.protocol !== OIDC_PROTOCOL || KNOWN.has(m.protocolMapper);

/** What mappers read beyond the user: loaded once per token, only what the mappers need. */
export interface MapperInput {
  user: UserRecord;
  client: ClientRecord;
  roles: EffectiveRoles;
  /**
   * The user's groups, when a mapper asks (group membership, aggregated attributes): each one's
   * path (`/staff/berlin`) and its attributes, then its parents', up to the top.
   */
  groups?: Array<{ path: string; attributes: Array<Record<string, string[]>> }>;
  /** Keycloak's user session notes: AUTH_TIME, client_id, clientAddress, clientHost. */
  notes: Record<string, string | number>;
  acr?: string;
}

/** The claims the mappers give one token, and the audiences they add (Keycloak's aud is a list). */
export interface MappedClaims {
  claims: Record<string, unknown>;
  audiences: string[];
  /** A pairwise subject, when a pairwise mapper runs. */
  sub?: string;
}

const aggregates = (m: ProtocolMapperRecord): boolean =>
  m.protocolMapper === 'oidc-usermodel-attribute-mapper' && m.config['aggregate.attrs'] === 'true';

export const needsGroups = (mappers: readonly ProtocolMapperRecord[]): boolean =>
  mappers.some((m) => m.protocolMapper === 'oidc-group-membership-mapper' || aggregates(m));

/**
 * Keycloak's aggregate.attrs (KeycloakModelUtils.resolveAttribute): the user's values and each
 * of the user's groups' (a group without the attribute takes its nearest parent's), each once.
 */
function aggregatedValues(own: string[], groups: MapperInput['groups'], attribute: string): string[] {
  const values = new Set(own);
  for (const group of groups ?? []) {
    const nearest = group.attributes.find((a) => (a[attribute] ?? []).length > 0);
    for (const v of nearest?.[attribute] ?? []) values.add(v);
  }
  return [...values];
}

/** The values a user attribute mapper reads: Keycloak's user profile attributes include the user's own fields. */
function attributeValues(user: UserRecord, attribute: string): string[] {
  const property: Record<string, string | null> = {
    username: user.username,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    phoneNumber: user.phoneNumber,
  };
  if (Object.hasOwn(property, attribute)) return property[attribute] ? [property[attribute]!] : [];
  return user.attributes[attribute] ?? [];
}

/** Keycloak's user property mapper: UserModel's getters by property name. */
function propertyValue(user: UserRecord, property: string): string | undefined {
  const values: Record<string, string | null> = {
    id: user.id,
    username: user.username,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    emailVerified: String(user.emailVerified),
    enabled: String(user.enabled),
    createdTimestamp: String(user.createdAt * 1000),
  };
  return values[property] ?? undefined;
}

function convert(value: unknown, type: string | undefined): unknown {
  const text = String(value);
  switch (type) {
    case 'long':
    case 'int': {
      const n = Number(text);
      return Number.isFinite(n) ? n : value;
    }
    case 'boolean':
      return text === 'true';
    case 'JSON':
      try {
        return typeof value === 'string' ? JSON.parse(value) : value;
      } catch {
        return value;
      }
    default:
      return text;
  }
}

/** Claim names split, by name: the names are the mappers' few, and every token sets them. */
const claimPaths = new Map<string, string[]>();
const MAX_CLAIM_PATHS = 1000;

/** Keycloak splits a claim name on dots into nested claims; `\.` is a dot within a name. */
function claimPath(name: string): string[] {
  let parts = claimPaths.get(name);
  if (!parts) {
    parts = name.split(/(?<!\\)\./).map((part) => part.replace(/\\\./g, '.'));
    if (claimPaths.size < MAX_CLAIM_PATHS) claimPaths.set(name, parts);
  }
  return parts;
}

/**
 * Sets a claim as Keycloak's OIDCAttributeMapperHelper does: a single value replaces what an
 * earlier mapper put there; a multivalued one adds its values to it (role mappers add to each other's).
 */
function setClaim(claims: Record<string, unknown>, name: string, value: unknown, multivalued: boolean): void {
  const parts = claimPath(name);
  let node = claims;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null || Array.isArray(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  const existing = node[last];
  if (!multivalued || existing === undefined) {
    node[last] = value;
    return;
  }
  const merged = Array.isArray(existing) ? existing : [existing];
  node[last] = [...new Set([...merged, ...(Array.isArray(value) ? value : [value])])];
}

/** Values as one claim: a list when multivalued, else the first. */
function setValues(claims: Record<string, unknown>, config: Record<string, string>, values: unknown[]): void {
  const name = config['claim.name'];
  if (!name || values.length === 0) return;
  const typed = values.map((v) => convert(v, config['jsonType.label']));
  const multivalued = config.multivalued === 'true';
  setClaim(claims, name, multivalued ? typed : typed[0], multivalued);
}

/** Keycloak's `client.role` or `role`: a client's role when the part before the last dot names a client the roles know. */
function parseRole(role: string, roles: EffectiveRoles, clientIds: readonly string[]): { client?: string; name: string } {
  for (let i = role.lastIndexOf('.'); i > 0; i = role.lastIndexOf('.', i - 1)) {
    const client = role.slice(0, i);
    if (clientIds.includes(client) || Object.hasOwn(roles.clients, client)) return { client, name: role.slice(i + 1) };
  }
  return { name: role };
}

/**
 * The roles a token carries after role name and hardcoded role mappers, which in Keycloak run
 * before the role mappers (by their priorities, in that order) whatever the token.
 */
function tokenRoles(mappers: readonly ProtocolMapperRecord[], input: MapperInput): EffectiveRoles {
  const realm = [...input.roles.realm];
  const clients = Object.fromEntries(Object.entries(input.roles.clients).map(([c, r]) => [c, [...r]]));
  const known = [input.client.clientId];
  for (const m of mappers) {
    if (m.protocolMapper === 'oidc-hardcoded-role-mapper' && m.config.role) {
      const { client, name } = parseRole(m.config.role, input.roles, known);
      const list = client ? (clients[client] ??= []) : realm;
      if (!list.includes(name)) list.push(name);
      continue;
    }
    if (m.protocolMapper !== 'oidc-role-name-mapper' || !m.config.role || !m.config['new.role.name']) continue;
    const { client, name } = parseRole(m.config.role, input.roles, known);
    const list = client ? clients[client] : realm;
    const at = list?.indexOf(name) ?? -1;
    if (at < 0) continue;
    list!.splice(at, 1);
    const renamed = parseRole(m.config['new.role.name'], input.roles, known);
    const into = renamed.client ? (clients[renamed.client] ??= []) : realm;
    if (!into.includes(renamed.name)) into.push(renamed.name);
  }
  return { realm, clients };
}

/** Keycloak's web origins as a token's allowed-origins: `+` stands for the redirect URIs' origins. */
function allowedOrigins(client: ClientRecord): string[] {
  const origins = new Set<string>();
  for (const origin of client.settings.webOrigins) {
    if (origin !== '+') {
      origins.add(origin);
      continue;
    }
    for (const uri of client.settings.redirectUris) {
      try {
        const url = new URL(uri.replace(/\*$/, ''));
        if (url.protocol === 'http:' || url.protocol === 'https:') origins.add(url.origin);
      } catch { /* not a URL: no origin */ }
    }
  }
  return [...origins];
}

/** The host pairwise subjects are computed for: the sector identifier URI's, else the redirect URIs' one host. */
export function sectorIdentifier(client: Pick<ClientRecord, 'settings'>, config: Record<string, string>): string | undefined {
  const hosts = new Set<string>();
  for (const uri of config.sectorIdentifierUri ? [config.sectorIdentifierUri] : client.settings.redirectUris) {
    try {
      hosts.add(new URL(uri.replace(/\*$/, '')).host);
    } catch { /* no host */ }
  }
  return hosts.size === 1 ? [...hosts][0] : undefined;
}

/** Keycloak's SHA256PairwiseSubMapper: a name-based (MD5, version 3) UUID of SHA-256(sector ‖ sub ‖ salt). */
export function pairwiseSub(sector: string, localSub: string, salt: string): string {
  const hash = createHash('sha256').update(sector).update(localSub).update(salt).digest();
  const md5 = createHash('md5').update(hash).digest();
  md5[6] = (md5[6] & 0x0f) | 0x30;
  md5[8] = (md5[8] & 0x3f) | 0x80;
  const hex = md5.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The mappers that write into each token, and whether any rewrites the roles: worked out once per list of mappers. */
interface MapperRun {
  /** In Keycloak's order (sortedMappers). */
  sorted: readonly ProtocolMapperRecord[];
  byTarget: Partial<Record<ClaimTarget, readonly ProtocolMapperRecord[]>>;
  rewritesRoles: boolean;
  /** Each target's last claims per user (see applyMappers). */
  memo: WeakMap<UserRecord, MappedMemo>;
}
/** By list: the lists of a client's token plans (scopes.ts) are kept, so each is sorted out once. */
const runs = new WeakMap<readonly ProtocolMapperRecord[], MapperRun>();

/** Claims mapped from one cached user, roles and client, which are new objects whenever they change. */
interface MappedMemo {
  roles: EffectiveRoles;
  client: ClientRecord;
  acr: string | undefined;
  /** The session notes the mappers read (a service account's client_id and address, say), joined. */
  notes: string;
  byTarget: Partial<Record<ClaimTarget, MappedClaims>>;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function mapperRun(mappers: readonly ProtocolMapperRecord[]): MapperRun {
  let run = runs.get(mappers);
  if (!run) {
    run = {
      sorted: sortedMappers(mappers),
      byTarget: {},
      rewritesRoles: mappers.some((m) => m.protocolMapper === 'oidc-hardcoded-role-mapper' || m.protocolMapper === 'oidc-role-name-mapper'),
      memo: new WeakMap(),
    };
    runs.set(mappers, run);
  }
  return run;
}

/**
 * Runs the mappers for one token, in Keycloak's order (sortedMappers), as its OpenID Connect
 * protocol mappers do. What comes out is shared and frozen: the same user (cached, a new object
 * once changed) with the same roles, client and session notes gets the same claims again
 * without running the mappers, unless they read groups, which are loaded for each token.
 */
export function applyMappers(mappers: readonly ProtocolMapperRecord[], target: ClaimTarget, input: MapperInput): MappedClaims {
  const run = mapperRun(mappers);
  const targetMappers = run.byTarget[target] ??= run.sorted.filter((m) => m.protocol === OIDC_PROTOCOL && runsFor(m, target));
  if (input.groups !== undefined) return mapClaims(run, targetMappers, input);
  const notes = JSON.stringify(targetMappers.filter((m) => m.protocolMapper === 'oidc-usersessionmodel-note-mapper')
    .map((m) => input.notes[m.config['user.session.note'] ?? ''] ?? null));
  let memo = run.memo.get(input.user);
  if (memo && (memo.roles !== input.roles || memo.client !== input.client || memo.acr !== input.acr || memo.notes !== notes)) memo = undefined;
  const known = memo?.byTarget[target];
  if (known) return known;
  const out = deepFreeze(mapClaims(run, targetMappers, input));
  if (!memo) run.memo.set(input.user, memo = { roles: input.roles, client: input.client, acr: input.acr, notes, byTarget: {} });
  memo.byTarget[target] = out;
  return out;
}

function mapClaims(run: MapperRun, targetMappers: readonly ProtocolMapperRecord[], input: MapperInput): MappedClaims {
  const out: MappedClaims = { claims: {}, audiences: [] };
  const roles = run.rewritesRoles ? tokenRoles(run.sorted, input) : input.roles;
  const { user, client } = input;
  for (const m of targetMappers) {
    const c = m.config;
    switch (m.protocolMapper) {
      case 'oidc-usermodel-attribute-mapper': {
        const attribute = c['user.attribute'] ?? '';
        const own = attributeValues(user, attribute);
        setValues(out.claims, c, aggregates(m) ? aggregatedValues(own, input.groups, attribute) : own);
        break;
      }
      case 'oidc-usermodel-property-mapper': {
        const value = propertyValue(user, c['user.attribute'] ?? '');
        if (value !== undefined) setValues(out.claims, c, [value]);
        break;
      }
      case 'oidc-full-name-mapper': {
        const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
        if (name) out.claims.name = name;
        break;
      }
      case 'oidc-hardcoded-claim-mapper':
        if (c['claim.value'] !== undefined) setValues(out.claims, c, [c['claim.value']]);
        break;
      case 'oidc-usermodel-realm-role-mapper': {
        const prefix = c['usermodel.realmRoleMapping.rolePrefix'] ?? '';
        setValues(out.claims, { ...c, multivalued: 'true', 'claim.name': c['claim.name'] || 'realm_access.roles' },
          roles.realm.map((r) => prefix + r));
        break;
      }
      case 'oidc-usermodel-client-role-mapper': {
        const only = c['usermodel.clientRoleMapping.clientId'];
        const prefix = c['usermodel.clientRoleMapping.rolePrefix'] ?? '';
        const name = c['claim.name'] || 'resource_access.${client_id}.roles';
        for (const [clientId, list] of Object.entries(roles.clients)) {
          if (only && clientId !== only) continue;
          setValues(out.claims, { ...c, multivalued: 'true', 'claim.name': name.replaceAll('${client_id}', clientId.replaceAll('.', '\\.')) },
            list.map((r) => prefix + r));
        }
        break;
      }
      case 'oidc-group-membership-mapper': {
        const paths = (input.groups ?? []).map((g) => g.path);
        const full = c['full.path'] === 'true';
        const values = full ? paths : paths.map((p) => p.slice(p.lastIndexOf('/') + 1));
        if (c['claim.name'] && values.length > 0) setClaim(out.claims, c['claim.name'], values, true);
        break;
      }
      case 'oidc-audience-mapper': {
        const aud = c['included.client.audience'] || c['included.custom.audience'];
        if (aud) out.audiences.push(aud);
        break;
      }
      case 'oidc-audience-resolve-mapper':
        out.audiences.push(...Object.keys(roles.clients).filter((id) => id !== client.clientId && roles.clients[id].length > 0));
        break;
      case 'oidc-allowed-origins-mapper': {
        const origins = allowedOrigins(client);
        if (origins.length > 0) out.claims['allowed-origins'] = origins;
        break;
      }
      case 'oidc-sub-mapper':
        out.claims.sub = user.id;
        break;
      case 'oidc-usersessionmodel-note-mapper': {
        const note = input.notes[c['user.session.note'] ?? ''];
        if (note !== undefined) setValues(out.claims, c, [note]);
        break;
      }
      case 'oidc-acr-mapper':
        if (input.acr !== undefined) out.claims.acr = input.acr;
        break;
      case 'oidc-address-mapper': {
        const address: Record<string, string> = {};
        for (const part of ['formatted', 'street_address', 'locality', 'region', 'postal_code', 'country']) {
          const attribute = c[`user.attribute.${part === 'street_address' ? 'street' : part}`] ?? part;
          const value = attributeValues(user, attribute)[0];
          if (value) address[part] = value;
        }
        if (Object.keys(address).length > 0) out.claims.address = address;
        break;
      }
      case 'oidc-sha256-pairwise-sub-mapper': {
        const sector = sectorIdentifier(client, c);
        if (sector) out.sub = pairwiseSub(sector, user.id, c.pairwiseSubHashSalt ?? '');
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** The claim names a mapper writes, for the claims parameter (Core §5.5) to find the scope it belongs to. */
export function claimNames(m: ProtocolMapperRecord): string[] {
  switch (m.protocolMapper) {
    case 'oidc-full-name-mapper': return ['name'];
    case 'oidc-address-mapper': return ['address'];
    case 'oidc-acr-mapper': return ['acr'];
    default: return m.config['claim.name'] ? [claimPath(m.config['claim.name'])[0]] : [];
  }
}

// ---- Latchkey's custom resources (seed 001) as a view of a client's user attribute mappers.

const JSON_TYPES = ['String', 'long', 'int', 'boolean', 'JSON'] as const;
const USER_PROPERTIES = new Set(['username', 'email', 'firstName', 'lastName']);
const isClaimMapper = (m: ProtocolMapperRecord) =>
  (m.protocolMapper === 'oidc-usermodel-attribute-mapper' || m.protocolMapper === 'oidc-usermodel-property-mapper')
  && Boolean(m.config['user.attribute']) && Boolean(m.config['claim.name']);

/** A client's custom resources: its user attribute and property mappers in Latchkey's shorter form. */
export function customResources(mappers: readonly ProtocolMapperRecord[]): ClaimMapping[] {
  return mappers.filter(isClaimMapper).map((m) => ({
    name: m.name,
    userAttribute: m.config['user.attribute'],
    claim: m.config['claim.name'],
    jsonType: JSON_TYPES.find((t) => t === m.config['jsonType.label']) ?? 'String',
    multivalued: m.config.multivalued === 'true',
    accessToken: m.config['access.token.claim'] === 'true',
    idToken: m.config['id.token.claim'] === 'true',
    userinfo: m.config['userinfo.token.claim'] === 'true',
  }));
}

/** A custom resource as Keycloak's mapper: a user property's mapper for Keycloak's own fields, else an attribute's. */
export function claimMapper(m: ClaimMapping, id: string): ProtocolMapperRecord {
  return {
    id,
    name: m.name,
    protocol: OIDC_PROTOCOL,
    protocolMapper: USER_PROPERTIES.has(m.userAttribute) ? 'oidc-usermodel-property-mapper' : 'oidc-usermodel-attribute-mapper',
    consentRequired: false,
    config: {
      'user.attribute': m.userAttribute,
      'claim.name': m.claim,
      'jsonType.label': m.jsonType,
      multivalued: String(m.multivalued),
      'access.token.claim': String(m.accessToken),
      'id.token.claim': String(m.idToken),
      'userinfo.token.claim': String(m.userinfo),
      'introspection.token.claim': String(m.accessToken),
    },
  };
}

/**
 * The client's mappers with its custom resources replaced: mappers of the same name keep
 * their ids, the client's other mappers stay as they are.
 */
export function withCustomResources(mappers: readonly ProtocolMapperRecord[], resources: readonly ClaimMapping[], newId: () => string): ProtocolMapperRecord[] {
  const byName = new Map(mappers.filter(isClaimMapper).map((m) => [m.name, m.id]));
  return [...mappers.filter((m) => !isClaimMapper(m)), ...resources.map((r) => claimMapper(r, byName.get(r.name) ?? newId()))];
}

/** An audience mapper, as the importer made of Latchkey's audiences before mappers were kept. */
export function audienceMapper(audience: string, id: string, isClient: boolean): ProtocolMapperRecord {
  return {
    id,
    name: `audience ${audience}`,
    protocol: OIDC_PROTOCOL,
    protocolMapper: 'oidc-audience-mapper',
    consentRequired: false,
    config: {
      [isClient ? 'included.client.audience' : 'included.custom.audience']: audience,
      'access.token.claim': 'true',
      'id.token.claim': 'false',
      'introspection.token.claim': 'true',
    },
  };
}
