// Keycloak's IdentityProviderRepresentation and IdentityProviderMapperRepresentation, both
// ways: the admin API, the realm import and the export all go through here, so a provider
// posted to the admin API and the same provider in a realm file become the same record.
import { newId } from '../crypto/random.js';
import type { NewIdentityProvider } from '../domain/identity-providers.js';
import { canonicalResponseType } from '../protocol/authorization/request.js';
import type { ClaimMapperRecord, DiscoveredEndpoints, IdentityProviderRecord, IdentityProviderSettings } from '../storage/store.js';
import { checkSettings, ProviderSettingsError } from '../broker/settings.js';

/** Latchkey's extensions beside Keycloak's fields: seed 003's settings Keycloak has no place for. */
export interface ClaimMapperRep { id?: string; name?: string; claim: string; userAttribute: string }

export interface IdentityProviderRep {
  alias: string;
  displayName?: string;
  internalId?: string;
  providerId?: string;
  enabled?: boolean;
  trustEmail?: boolean;
  hideOnLogin?: boolean;
  config?: Record<string, string | undefined>;
  // Keycloak fields Latchkey reads but has one behaviour for (accepted, given back as Keycloak's defaults).
  storeToken?: boolean; linkOnly?: boolean; authenticateByDefault?: boolean; addReadTokenRoleOnCreate?: boolean;
  firstBrokerLoginFlowAlias?: string; updateProfileFirstLoginMode?: string;
  /** Set (to any flow's name): the user's second factor is asked after the sign-in there (IdentityProviderSettings). */
  postBrokerLoginFlowAlias?: string;
  // Latchkey's extensions.
  responseType?: string;
  /** '' (or leaving it out on create) is the response type's own. */
  responseMode?: 'query' | 'fragment' | 'form_post' | '';
  postLogoutUrl?: string;
  emailCollision?: 'link' | 'refuse';
  claimMappers?: ClaimMapperRep[];
}

/** Keycloak's kinds of identity provider that are OpenID Connect, which Latchkey brokers; the others (SAML, social) are skipped. */
export const OIDC_PROVIDERS = new Set(['oidc', 'keycloak-oidc']);

export interface IdentityProviderMapperRep {
  id?: string;
  name?: string;
  identityProviderAlias?: string;
  identityProviderMapper?: string;
  config?: Record<string, string | undefined>;
}

/** Keycloak's mapper that copies a claim into a user attribute: the one kind Latchkey runs. */
export const ATTRIBUTE_MAPPER = 'oidc-user-attribute-idp-mapper';

/** The secret Keycloak shows in place of a provider's client secret, and takes back as "unchanged". */
export const MASKED_SECRET = '**********';

/** Config keys turned into settings (or derived from the provider's metadata); the rest is kept as it is. */
const INTERPRETED = new Set([
  'clientId', 'clientSecret', 'clientAuthMethod', 'issuer', 'metadataDescriptorUrl', 'useMetadataDescriptorUrl', 'defaultScope',
  'pkceEnabled', 'pkceMethod', 'syncMode', 'disableUserInfo', 'guiOrder', 'hideOnLoginPage', 'authorizationUrl', 'tokenUrl',
  'userInfoUrl', 'jwksUrl', 'logoutUrl',
]);

const str = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

const ENDPOINT_KEYS = ['authorizationUrl', 'tokenUrl', 'userInfoUrl', 'jwksUrl', 'logoutUrl'] as const;

/**
 * The endpoints a file names (Keycloak keeps them in config), until a check of the metadata
 * replaces them: only shown and exported (Keycloak needs them to read the file), never used.
 */
function endpointsOf(c: Record<string, string | undefined>): DiscoveredEndpoints | undefined {
  const found: DiscoveredEndpoints = {};
  for (const key of ENDPOINT_KEYS) {
    const value = str(c[key]);
    if (value && /^https?:\/\//.test(value)) found[key] = value;
  }
  return Object.keys(found).length > 0 ? found : undefined;
}

export interface FromRepOptions {
  /**
   * Read the file as Keycloak does (a realm import): a scope without openid gets it put first,
   * and PKCE plain becomes S256. The admin API refuses both instead, saying why.
   */
  keycloakDefaults?: boolean;
  /** The mappers of a realm file's identityProviderMappers, or of the mapper endpoints. */
  mappers?: IdentityProviderMapperRep[];
  /** The current provider (a PUT): a masked or missing secret keeps its secret, other fields their values. */
  current?: IdentityProviderRecord;
}

function mapperOf(rep: ClaimMapperRep | IdentityProviderMapperRep): ClaimMapperRecord | undefined {
  if ('claim' in rep && 'userAttribute' in rep) {
    return { id: rep.id ?? newId(), name: rep.name ?? rep.claim, claim: rep.claim, userAttribute: rep.userAttribute };
  }
  const m = rep as IdentityProviderMapperRep;
  if (m.identityProviderMapper !== ATTRIBUTE_MAPPER) return undefined;
  const claim = str(m.config?.claim);
  const userAttribute = str(m.config?.['user.attribute']);
  if (!claim || !userAttribute) throw new ProviderSettingsError(`mapper ${m.name ?? ''}: config.claim and config["user.attribute"] are required`);
  return { id: m.id ?? newId(), name: m.name ?? claim, claim, userAttribute };
}

/** Keycloak's IdentityProviderMapperRepresentation of a claim mapper; undefined for a kind Latchkey does not run. */
export function claimMapperFromRep(rep: IdentityProviderMapperRep): ClaimMapperRecord | undefined {
  return mapperOf(rep);
}

/**
 * The provider a representation describes, checked (throws ProviderSettingsError saying
 * what is wrong). Against its metadata it is checked separately (Broker.check), as only
 * the admin API fetches it: an import must not depend on the provider being reachable.
 */
export function providerFromRep(rep: IdentityProviderRep, opts: FromRepOptions = {}): NewIdentityProvider {
  const c = rep.config ?? {};
  const current = opts.current;
  const was = current?.settings;
  const secretGiven = c.clientSecret !== undefined && c.clientSecret !== MASKED_SECRET;
  const clientSecret = secretGiven ? (c.clientSecret === '' ? null : c.clientSecret) : current ? undefined : null;
  const hasSecret = clientSecret === undefined ? current !== undefined && current.sealedClientSecret !== null : clientSecret !== null;

  let scope = str(c.defaultScope)?.split(/\s+/).filter(Boolean).join(' ') ?? was?.scope ?? 'openid';
  let pkceMethod = str(c.pkceMethod) ?? 'S256';
  if (opts.keycloakDefaults) {
    const scopes = scope.split(' ').filter((s) => s !== 'openid');
    scope = ['openid', ...scopes].join(' ');
    pkceMethod = 'S256';
  }
  const pkce = c.pkceEnabled !== undefined ? c.pkceEnabled === 'true' : was?.pkce ?? false;
  if (pkce && pkceMethod !== 'S256') throw new ProviderSettingsError(`config.pkceMethod must be S256: "${pkceMethod}"`);

  const syncMode = str(c.syncMode) ?? was?.syncMode ?? 'FORCE';
  const guiOrder = str(c.guiOrder);
  if (guiOrder !== undefined && !/^-?\d{1,9}$/.test(guiOrder)) throw new ProviderSettingsError(`config.guiOrder must be a whole number: "${guiOrder}"`);
  const mappers = [...(rep.claimMappers ?? []), ...(opts.mappers ?? [])].map(mapperOf).filter((m): m is ClaimMapperRecord => m !== undefined);

  const settings: IdentityProviderSettings = {
    providerId: rep.providerId ?? was?.providerId ?? 'oidc',
    displayName: str(rep.displayName) ?? (rep.displayName === '' ? undefined : was?.displayName),
    clientId: str(c.clientId) ?? was?.clientId ?? '',
    clientAuthMethod: (str(c.clientAuthMethod) ?? was?.clientAuthMethod
      ?? (hasSecret ? 'client_secret_post' : 'none')) as IdentityProviderSettings['clientAuthMethod'],
    issuer: str(c.issuer) ?? was?.issuer ?? '',
    metadataUrl: str(c.metadataDescriptorUrl) ?? (c.metadataDescriptorUrl === '' ? undefined : was?.metadataUrl),
    scope,
    responseType: canonicalResponseType(rep.responseType ?? was?.responseType ?? 'code'),
    responseMode: rep.responseMode === '' ? undefined : rep.responseMode ?? was?.responseMode,
    pkce,
    postLogoutUrl: str(rep.postLogoutUrl) ?? (rep.postLogoutUrl === '' ? undefined : was?.postLogoutUrl),
    syncMode: (syncMode === 'LEGACY' ? 'IMPORT' : syncMode) as IdentityProviderSettings['syncMode'],
    emailCollision: rep.emailCollision ?? was?.emailCollision ?? 'link',
    trustEmail: rep.trustEmail ?? was?.trustEmail ?? false,
    userInfo: c.disableUserInfo !== undefined ? c.disableUserInfo !== 'true' : was?.userInfo ?? true,
    hideOnLogin: rep.hideOnLogin ?? (c.hideOnLoginPage !== undefined ? c.hideOnLoginPage === 'true' : was?.hideOnLogin ?? false),
    guiOrder: guiOrder !== undefined ? Number(guiOrder) : c.guiOrder === '' ? undefined : was?.guiOrder,
    postBrokerLoginFlowAlias: str(rep.postBrokerLoginFlowAlias) ?? (rep.postBrokerLoginFlowAlias === '' ? undefined : was?.postBrokerLoginFlowAlias),
    mappers: rep.claimMappers !== undefined || opts.mappers !== undefined ? mappers : was?.mappers ?? [],
    endpoints: was?.endpoints ?? endpointsOf(c),
    extraConfig: {
      ...was?.extraConfig,
      ...Object.fromEntries(Object.entries(c).filter((e): e is [string, string] => typeof e[1] === 'string' && !INTERPRETED.has(e[0]))),
    },
  };
  checkSettings(settings, rep.alias, hasSecret);
  return { id: current?.id ?? rep.internalId, alias: rep.alias, enabled: rep.enabled ?? current?.enabled ?? true, settings, clientSecret };
}

/** Keycloak's representation of a claim mapper of a provider. */
export function mapperRep(alias: string, m: ClaimMapperRecord): IdentityProviderMapperRep {
  return {
    id: m.id, name: m.name, identityProviderAlias: alias, identityProviderMapper: ATTRIBUTE_MAPPER,
    config: { claim: m.claim, 'user.attribute': m.userAttribute, syncMode: 'INHERIT' },
  };
}

/**
 * Keycloak's representation of a provider, with Latchkey's extensions beside it. `secret`
 * is what goes in config.clientSecret: the masked one for the admin API, the real one for an
 * export. An export gives the claim mappers as Keycloak's identityProviderMappers instead
 * (`mappers: 'apart'`), where Keycloak reads them.
 */
export function providerRep(p: IdentityProviderRecord, secret: string | undefined, opts: { mappers?: 'inline' | 'apart' } = {}): IdentityProviderRep & Record<string, unknown> {
  const s = p.settings;
  const e = s.endpoints ?? {};
  const config: Record<string, string | undefined> = {
    ...s.extraConfig,
    clientId: s.clientId,
    clientSecret: secret,
    clientAuthMethod: s.clientAuthMethod,
    issuer: s.issuer,
    metadataDescriptorUrl: s.metadataUrl,
    defaultScope: s.scope,
    pkceEnabled: String(s.pkce),
    pkceMethod: s.pkce ? 'S256' : undefined,
    syncMode: s.syncMode,
    disableUserInfo: String(!s.userInfo),
    hideOnLoginPage: String(s.hideOnLogin),
    guiOrder: s.guiOrder === undefined ? undefined : String(s.guiOrder),
    validateSignature: 'true',
    useJwksUrl: 'true',
    authorizationUrl: e.authorizationUrl, tokenUrl: e.tokenUrl, userInfoUrl: e.userInfoUrl, jwksUrl: e.jwksUrl, logoutUrl: e.logoutUrl,
  };
  for (const [k, v] of Object.entries(config)) if (v === undefined) delete config[k];
  const rep: IdentityProviderRep & Record<string, unknown> = {
    alias: p.alias,
    displayName: s.displayName,
    internalId: p.id,
    providerId: s.providerId,
    enabled: p.enabled,
    updateProfileFirstLoginMode: 'on',
    trustEmail: s.trustEmail,
    storeToken: false,
    addReadTokenRoleOnCreate: false,
    authenticateByDefault: false,
    linkOnly: false,
    hideOnLogin: s.hideOnLogin,
    firstBrokerLoginFlowAlias: 'first broker login',
    postBrokerLoginFlowAlias: s.postBrokerLoginFlowAlias,
    config,
    responseType: s.responseType,
    responseMode: s.responseMode,
    postLogoutUrl: s.postLogoutUrl,
    emailCollision: s.emailCollision,
    claimMappers: opts.mappers === 'apart' ? undefined : s.mappers.map((m) => ({ id: m.id, name: m.name, claim: m.claim, userAttribute: m.userAttribute })),
  };
  for (const [k, v] of Object.entries(rep)) if (v === undefined) delete rep[k];
  return rep;
}
