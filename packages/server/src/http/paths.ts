/** Keycloak's URL layout under a realm, shared by routes and the discovery document. */
export const REALM = '/realms/:realm';
export const OIDC = `${REALM}/protocol/openid-connect`;

export const endpointPaths = {
  authorization: '/protocol/openid-connect/auth',
  endSession: '/protocol/openid-connect/logout',
  token: '/protocol/openid-connect/token',
  userinfo: '/protocol/openid-connect/userinfo',
  certs: '/protocol/openid-connect/certs',
  introspection: '/protocol/openid-connect/token/introspect',
  revocation: '/protocol/openid-connect/revoke',
  pushedAuthorizationRequest: '/protocol/openid-connect/ext/par/request',
  checkSession: '/protocol/openid-connect/login-status-iframe.html',
  deviceAuthorization: '/protocol/openid-connect/auth/device',
  /** Where the user enters a device's user code (RFC 8628 verification_uri), as Keycloak's. */
  deviceVerification: '/device',
} as const;
