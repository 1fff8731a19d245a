import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { BUILT_IN_SCOPES } from '../domain/builtin-scopes.js';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { endpointPaths, REALM } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { REQUEST_OBJECT_ALGS } from '../protocol/authorization/request-object.js';
import { RESPONSE_TYPES } from '../protocol/authorization/request.js';
import { responseModes } from '../protocol/authorization/response-modes.js';
import { ASYMMETRIC_ALGS, SECRET_ALGS } from '../protocol/client-attributes.js';
import { CLIENT_AUTH_METHODS } from '../protocol/client-auth.js';
import { DPOP_ALGS } from '../protocol/dpop.js';
import { grants } from '../protocol/grants/index.js';
import { SIGNING_ALGS } from '../storage/store.js';

const AUTHENTICATED_METHODS = CLIENT_AUTH_METHODS.filter((m) => m !== 'none');
/** What client assertions (client_secret_jwt, private_key_jwt) may be signed with. */
const AUTH_SIGNING_ALGS = [...ASYMMETRIC_ALGS, ...SECRET_ALGS];

/**
 * The ID token's own claims, those of the built-in scopes' mappers (the full name's and the
 * address's have no claim.name; a nested one such as realm_access.roles is no claim of its own).
 */
const CLAIMS_SUPPORTED = [...new Set([
  'iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'azp', 'sid', 'acr', 'amr', 'name', 'address',
  ...BUILT_IN_SCOPES.flatMap((scope) => scope.protocolMappers ?? []).map((mapper) => mapper.config?.['claim.name'])
    .filter((name): name is string => typeof name === 'string' && !name.includes('.')),
])];

/** OpenID Connect Discovery 1.0 / RFC 8414 metadata: only what is served is advertised. */
function metadata(realm: RealmRuntime) {
  const url = (path: string) => realm.issuer + path;
  return {
    issuer: realm.issuer,
    authorization_endpoint: url(endpointPaths.authorization),
    token_endpoint: url(endpointPaths.token),
    userinfo_endpoint: url(endpointPaths.userinfo),
    jwks_uri: url(endpointPaths.certs),
    introspection_endpoint: url(endpointPaths.introspection),
    revocation_endpoint: url(endpointPaths.revocation),
    pushed_authorization_request_endpoint: url(endpointPaths.pushedAuthorizationRequest),
    end_session_endpoint: url(endpointPaths.endSession),
    check_session_iframe: url(endpointPaths.checkSession),
    device_authorization_endpoint: url(endpointPaths.deviceAuthorization),
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    frontchannel_logout_supported: true,
    frontchannel_logout_session_supported: true,
    response_types_supported: Object.keys(RESPONSE_TYPES),
    response_modes_supported: [...responseModes.keys()],
    code_challenge_methods_supported: ['plain', 'S256'],
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    authorization_response_iss_parameter_supported: true,
    // RFC 8414 §2: implicit is no token endpoint grant, but the response types that return tokens are served.
    grant_types_supported: [...grants.keys(), 'implicit'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...SIGNING_ALGS],
    userinfo_signing_alg_values_supported: ['none'],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    token_endpoint_auth_signing_alg_values_supported: AUTH_SIGNING_ALGS,
    introspection_endpoint_auth_methods_supported: AUTHENTICATED_METHODS,
    introspection_endpoint_auth_signing_alg_values_supported: AUTH_SIGNING_ALGS,
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    revocation_endpoint_auth_signing_alg_values_supported: AUTH_SIGNING_ALGS,
    scopes_supported: ['openid', ...new Set([...realm.realm.settings.defaultClientScopes, ...realm.realm.settings.optionalClientScopes])],
    claims_supported: CLAIMS_SUPPORTED,
    claims_parameter_supported: true,
    // Keycloak's levels of authentication, and the names the realm's acr.loa.map gives them.
    acr_values_supported: [...new Set(['0', '1', '2', ...Object.keys(realm.realm.settings.acrLoaMap ?? {})])],
    ui_locales_supported: ['en', 'de', 'nl', 'fr'],
    request_parameter_supported: true,
    request_object_signing_alg_values_supported: [...REQUEST_OBJECT_ALGS],
    // From the URLs each client registers (request.uris), as Keycloak: only those (Discovery §3's default is false).
    request_uri_parameter_supported: true,
    require_request_uri_registration: true,
    // Per client (require.pushed.authorization.requests), not for all of them.
    require_pushed_authorization_requests: false,
    dpop_signing_alg_values_supported: [...DPOP_ALGS],
  };
}

/** Under the issuer, as Keycloak serves both documents. */
export const discoveryEndpoint: FastifyPluginAsync<{ domain: Domain }> = async (app, { domain }) => {
  const handler = async (request: FastifyRequest) => metadata(await realmOf(domain, request));
  app.get(`${REALM}/.well-known/openid-configuration`, handler);
  app.get(`${REALM}/.well-known/oauth-authorization-server`, handler);
};

/** RFC 8414 §3 inserts the well-known segment before the issuer's path, at the host's root. */
export const wellKnownAtRoot: FastifyPluginAsync<{ domain: Domain; relativePath: string }> = async (app, { domain, relativePath }) => {
  const handler = async (request: FastifyRequest) => metadata(await realmOf(domain, request));
  app.get(`/.well-known/oauth-authorization-server${relativePath}${REALM}`, handler);
  app.get(`/.well-known/openid-configuration${relativePath}${REALM}`, handler);
};
