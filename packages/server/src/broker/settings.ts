import { RESPONSE_TYPES, canonicalResponseType } from '../protocol/authorization/request.js';
import { defaultResponseMode } from '../protocol/authorization/response-modes.js';
import type { DiscoveredEndpoints, IdentityProviderSettings } from '../storage/store.js';
import { PROFILE_FIELDS } from './claims.js';

/** Settings that cannot work, with a message saying which and why: the admin API answers 400 with it. */
export class ProviderSettingsError extends Error {
  override name = 'ProviderSettingsError';
}

const fail = (message: string): never => { throw new ProviderSettingsError(message); };

export const ALIAS_PATTERN = /^[A-Za-z0-9._~-]{1,255}$/;
export const CLIENT_AUTH_METHODS = ['client_secret_post', 'client_secret_basic', 'none'] as const;
export const RESPONSE_MODES = ['query', 'fragment', 'form_post'] as const;
export const SYNC_MODES = ['FORCE', 'IMPORT'] as const;
export const EMAIL_COLLISION = ['link', 'refuse'] as const;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** http://localhost and loopback addresses: the only places plain HTTP is allowed, as for redirect URIs. */
export function isLoopback(url: URL): boolean {
  return LOOPBACK.has(url.hostname);
}

/**
 * An absolute https URL, or http to this machine; anything else is refused with `what` named,
 * and the value quoted unless it came from the provider (`quote` false: its answers are not echoed).
 */
export function secureUrl(value: string, what: string, quote = true): URL {
  const shown = (v: string) => (quote ? `: ${v}` : '');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`${what} must be an absolute URL${shown(value)}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    fail(`${what} must use https (plain http only to localhost)${shown(value)}`);
  }
  if (url.username || url.password) fail(`${what} must not hold credentials${shown(url.origin)}`);
  return url;
}

/** MetadataAddress when not given (seed 003): the issuer's discovery document. */
export const defaultMetadataUrl = (issuer: string) => `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;

export const metadataUrlOf = (s: IdentityProviderSettings) => s.metadataUrl ?? defaultMetadataUrl(s.issuer);

export const returnsCode = (responseType: string) => responseType.split(' ').includes('code');
export const returnsAccessToken = (responseType: string) => responseType.split(' ').includes('token');

/** The rules that need nothing but the settings themselves; throws ProviderSettingsError. */
export function checkSettings(s: IdentityProviderSettings, alias: string, hasSecret: boolean): void {
  if (!ALIAS_PATTERN.test(alias)) fail(`alias must be 1 to 255 letters, digits, or . _ ~ - (it is part of the callback URL): ${alias}`);
  if (s.providerId !== 'oidc' && s.providerId !== 'keycloak-oidc') fail(`providerId ${s.providerId} is not supported: only oidc (OpenID Connect)`);
  if (!s.clientId) fail('config.clientId is required');
  if (!s.issuer) fail('config.issuer (the provider\'s Authority) is required');
  secureUrl(s.issuer, 'config.issuer');
  if (s.metadataUrl !== undefined) {
    const url = secureUrl(s.metadataUrl, 'config.metadataDescriptorUrl');
    if (!url.pathname.includes('/.well-known/')) fail(`config.metadataDescriptorUrl must be a /.well-known/ discovery document: ${s.metadataUrl}`);
  }
  const scopes = s.scope.split(' ').filter(Boolean);
  if (scopes[0] !== 'openid') fail(`config.defaultScope must start with openid: "${s.scope}"`);
  if (!(s.responseType in RESPONSE_TYPES) || canonicalResponseType(s.responseType) !== s.responseType) {
    fail(`responseType must be one of ${Object.keys(RESPONSE_TYPES).join(', ')}: "${s.responseType}"`);
  }
  if (s.responseMode !== undefined) {
    if (!RESPONSE_MODES.includes(s.responseMode)) fail(`responseMode must be one of ${RESPONSE_MODES.join(', ')}: "${s.responseMode}"`);
    if (s.responseMode === 'query' && defaultResponseMode(s.responseType) !== 'query') {
      fail(`responseMode query cannot carry the tokens of responseType ${s.responseType}: use fragment or form_post`);
    }
  }
  if (s.pkce && !returnsCode(s.responseType)) fail(`PKCE needs a response type that returns a code, not ${s.responseType}`);
  if (!CLIENT_AUTH_METHODS.includes(s.clientAuthMethod)) {
    fail(`config.clientAuthMethod must be one of ${CLIENT_AUTH_METHODS.join(', ')}: "${s.clientAuthMethod}"`);
  }
  if (s.clientAuthMethod !== 'none' && !hasSecret) fail(`config.clientSecret is required with clientAuthMethod ${s.clientAuthMethod}`);
  if (s.postLogoutUrl !== undefined) secureUrl(s.postLogoutUrl, 'postLogoutUrl');
  if (!SYNC_MODES.includes(s.syncMode)) fail(`config.syncMode must be FORCE, IMPORT or LEGACY: "${s.syncMode}"`);
  if (!EMAIL_COLLISION.includes(s.emailCollision)) fail(`emailCollision must be link or refuse: "${s.emailCollision}"`);
  const names = new Set<string>();
  for (const m of s.mappers) {
    if (!m.name || !m.claim || !m.userAttribute) fail('a claim mapper needs a name, a claim and a userAttribute');
    if (names.has(m.name)) fail(`two claim mappers are named ${m.name}`);
    names.add(m.name);
    if (m.userAttribute === 'username') fail('a claim mapper cannot set the username: it is chosen at the first sign-in');
    if (!PROFILE_FIELDS.has(m.userAttribute) && !/^[^\s\u0000]{1,255}$/.test(m.userAttribute)) {
      fail(`claim mapper ${m.name}: userAttribute must be a name without spaces: "${m.userAttribute}"`);
    }
  }
}

/** The metadata members a provider must have for these settings, as openid-client returns them. */
export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  userinfo_endpoint?: string;
  jwks_uri?: string;
  end_session_endpoint?: string;
  response_types_supported?: string[];
  response_modes_supported?: string[];
  code_challenge_methods_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
}

/**
 * Checks the provider's discovery document against the settings (seed 003: the response type
 * must be one the provider supports) and returns its endpoints; throws ProviderSettingsError,
 * whose message quotes the settings but nothing of the document (the admin may have pointed
 * us at a service that is no provider: what it answers is not shown).
 */
export function checkMetadata(s: IdentityProviderSettings, m: ProviderMetadata): DiscoveredEndpoints {
  const where = metadataUrlOf(s);
  if (m.issuer !== s.issuer) fail(`the metadata at ${where} is not for issuer ${s.issuer}`);
  const endpoints: Array<[keyof ProviderMetadata, keyof DiscoveredEndpoints]> = [
    ['authorization_endpoint', 'authorizationUrl'], ['token_endpoint', 'tokenUrl'], ['userinfo_endpoint', 'userInfoUrl'],
    ['jwks_uri', 'jwksUrl'], ['end_session_endpoint', 'logoutUrl'],
  ];
  const found: DiscoveredEndpoints = {};
  for (const [member, key] of endpoints) {
    const value = m[member];
    if (typeof value === 'string') found[key] = secureUrl(value, `the provider's ${member}`, false).href;
  }
  if (!found.authorizationUrl) fail(`the metadata at ${where} has no authorization_endpoint`);
  if (!found.jwksUrl) fail(`the metadata at ${where} has no jwks_uri: ID token signatures could not be checked`);
  const types = (m.response_types_supported ?? []).map(canonicalResponseType);
  if (!types.includes(s.responseType)) {
    fail(`the provider does not support responseType ${s.responseType} (see response_types_supported in its metadata)`);
  }
  // Discovery §3: without the member, query and fragment.
  const modes = m.response_modes_supported ?? ['query', 'fragment'];
  if (s.responseMode && !modes.includes(s.responseMode)) {
    fail(`the provider does not support responseMode ${s.responseMode} (see response_modes_supported in its metadata)`);
  }
  if (returnsCode(s.responseType)) {
    if (!found.tokenUrl) fail(`the metadata at ${where} has no token_endpoint, which responseType ${s.responseType} needs`);
    const methods = m.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
    if (!methods.includes(s.clientAuthMethod)) {
      fail(`the provider does not accept clientAuthMethod ${s.clientAuthMethod} at its token endpoint (see token_endpoint_auth_methods_supported in its metadata)`);
    }
    if (s.pkce && m.code_challenge_methods_supported && !m.code_challenge_methods_supported.includes('S256')) {
      fail('PKCE is on, but the provider does not support the S256 code challenge method');
    }
  }
  return found;
}
