import type { FastifyRequest } from 'fastify';
import type { ClientRuntime, Domain, RealmRuntime } from '../domain/index.js';
import { type EventDetails, type EventNotes, type LoginEvent, type LoginEventType } from '../domain/events.js';
import { claimedClient, type AuthenticatedClient } from '../protocol/client-auth.js';
import { OAuthError } from '../protocol/errors.js';
import type { TokenResponse } from '../protocol/tokens.js';
import type { RealmRecord, SessionRecord, UserRecord } from '../storage/store.js';

type Params = Record<string, string | undefined>;

/** Keycloak's event for each grant of the token endpoint: [success, failure]. */
export const GRANT_EVENTS: Readonly<Record<string, readonly [LoginEventType, LoginEventType]>> = {
  authorization_code: ['CODE_TO_TOKEN', 'CODE_TO_TOKEN_ERROR'],
  client_credentials: ['CLIENT_LOGIN', 'CLIENT_LOGIN_ERROR'],
  // The password grant is a sign-in, as in Keycloak.
  password: ['LOGIN', 'LOGIN_ERROR'],
  refresh_token: ['REFRESH_TOKEN', 'REFRESH_TOKEN_ERROR'],
  // Keycloak records its device grant's token requests as OAUTH2_DEVICE_CODE_TO_TOKEN.
  'urn:ietf:params:oauth:grant-type:device_code': ['OAUTH2_DEVICE_CODE_TO_TOKEN', 'OAUTH2_DEVICE_CODE_TO_TOKEN_ERROR'],
  'urn:ietf:params:oauth:grant-type:token-exchange': ['TOKEN_EXCHANGE', 'TOKEN_EXCHANGE_ERROR'],
};

/** EventNotes plus the client, once it has authenticated. */
export interface RequestEventNotes extends EventNotes {
  client?: AuthenticatedClient;
}

/** An event must never fail the request it describes: a failed insert is logged and forgotten. */
async function save(domain: Domain, request: FastifyRequest, realm: RealmRecord, event: LoginEvent): Promise<void> {
  try {
    await domain.events.login(realm, { ipAddress: request.ip, ...event });
  } catch (err) {
    request.log.warn({ err }, `could not record a ${event.type} event`);
  }
}


/**
 * The error's description as the reason, when it is our own fixed text: left out when it
 * repeats anything the request sent (a parameter value, the Basic credentials), so that no
 * input (let alone a password or secret) can reach an event through it.
 */
function safeReason(err: unknown, request: FastifyRequest, params: Params): string | undefined {
  if (!(err instanceof OAuthError)) return undefined;
  const basic = claimedClient(request.headers.authorization, {});
  const sent = [...Object.values(params), basic.clientId, basic.secret];
  return sent.some((v) => typeof v === 'string' && v.length >= 3 && err.description.includes(v)) ? undefined : err.description;
}

const errorCode = (err: unknown): string => (err instanceof OAuthError ? err.error : 'server_error');

/**
 * Runs an endpoint's work and records one event for it: `ok` when it succeeds, `failed`
 * when it throws (the OAuth error code, or the more precise one the work noted) or when
 * it noted an error without throwing. The error goes on to the client unchanged.
 */
export async function recordCall<T>(
  domain: Domain, realm: RealmRuntime, request: FastifyRequest, params: Params,
  [ok, failed]: readonly [LoginEventType, LoginEventType],
  work: (notes: RequestEventNotes) => Promise<T>,
  detailsOf: (result: T) => EventNotes['details'] = () => ({}),
): Promise<T> {
  const notes: RequestEventNotes = { details: {} };
  const common = () => ({
    clientId: notes.client?.client.record.clientId ?? claimedClient(request.headers.authorization, params).clientId,
    userId: notes.userId,
    sessionId: notes.sessionId,
  });
  let result: T;
  try {
    result = await work(notes);
  } catch (err) {
    await save(domain, request, realm.realm, {
      type: failed, ...common(), error: notes.error ?? errorCode(err),
      details: { ...notes.details, client_auth_method: notes.client?.method, reason: safeReason(err, request, params) },
    });
    throw err;
  }
  await save(domain, request, realm.realm, {
    type: notes.error ? failed : ok, ...common(), error: notes.error,
    details: { ...notes.details, client_auth_method: notes.client?.method, ...detailsOf(result) },
  });
  return result;
}

/** The token endpoint's one event per request: Keycloak's type for the grant, success or error. */
export function recordGrant(
  domain: Domain, realm: RealmRuntime, request: FastifyRequest, grantType: string, params: Params,
  work: (notes: RequestEventNotes) => Promise<TokenResponse>,
): Promise<TokenResponse> {
  const types = GRANT_EVENTS[grantType];
  if (!types) return work({ details: {} });
  return recordCall(domain, realm, request, params, types, (notes) => {
    notes.details.grant_type = grantType;
    return work(notes);
  }, (tokens) => ({ scope: tokens.scope }));
}

/** LOGIN for a sign-in through the browser's pages, every step done: by password, or at an identity provider. */
export function recordSignIn(
  domain: Domain, request: FastifyRequest, realm: RealmRuntime, client: ClientRuntime, user: UserRecord,
  extra: { sessionId?: string; redirectUri?: string; identityProvider?: { alias: string; identity: string } } = {},
): Promise<void> {
  const details = {
    auth_method: 'openid-connect', username: user.username, redirect_uri: extra.redirectUri,
    identity_provider: extra.identityProvider?.alias, identity_provider_identity: extra.identityProvider?.identity,
  };
  return save(domain, request, realm.realm, { type: 'LOGIN', clientId: client.record.clientId, userId: user.id, sessionId: extra.sessionId, details });
}

/**
 * LOGIN_ERROR for a step of the sign-in that refused what it was given (a wrong password or
 * code), or the error type of another page of the login pages (REGISTER_ERROR, a mail link's …).
 */
export function recordLoginError(domain: Domain, request: FastifyRequest, realm: RealmRuntime, client: ClientRuntime | undefined,
  event: { error: string; userId?: string; details?: EventDetails; type?: LoginEventType }): Promise<void> {
  return save(domain, request, realm.realm, {
    type: event.type ?? 'LOGIN_ERROR', clientId: client?.record.clientId, userId: event.userId, error: event.error,
    details: { auth_method: 'openid-connect', ...event.details },
  });
}

/**
 * An event of the user's own doing at sign-in, as an administrator asked (UPDATE_PASSWORD,
 * UPDATE_TOTP, UPDATE_CREDENTIAL), or of an administrator's removing a credential (REMOVE_…).
 */
export function recordUserEvent(domain: Domain, request: FastifyRequest, realm: RealmRecord, client: ClientRuntime | undefined,
  type: LoginEventType, userId: string, details: EventDetails = {}): Promise<void> {
  return save(domain, request, realm, { type, clientId: client?.record.clientId, userId, details: { auth_method: 'openid-connect', ...details } });
}

/** LOGOUT for a session that logout ended. */
export function recordLogout(domain: Domain, request: FastifyRequest, realm: RealmRuntime, session: SessionRecord, clientId?: string): Promise<void> {
  return save(domain, request, realm.realm, { type: 'LOGOUT', clientId, userId: session.userId, sessionId: session.id });
}

/** What a sign-in at an identity provider did: IDENTITY_PROVIDER_LOGIN, _FIRST_LOGIN, _LOGIN_ERROR, FEDERATED_IDENTITY_LINK(_ERROR). */
export function recordBroker(
  domain: Domain, request: FastifyRequest, realm: RealmRuntime, type: LoginEventType,
  e: { alias: string; client?: ClientRuntime; userId?: string; sessionId?: string; error?: string; identity?: string; reason?: string; redirectUri?: string },
): Promise<void> {
  return save(domain, request, realm.realm, {
    type, clientId: e.client?.record.clientId, userId: e.userId, sessionId: e.sessionId, error: e.error,
    details: { identity_provider: e.alias, identity_provider_identity: e.identity, reason: e.reason, redirect_uri: e.redirectUri },
  });
}
