import { timeOrderedId } from '../crypto/random.js';
import type {
  AdminEventQuery, AdminEventRecord, LoginEventQuery, LoginEventRecord, RealmRecord, RealmSettings, Store,
} from '../storage/store.js';
import { deleteInBatches } from './housekeeping.js';

// Keycloak's event types, by the names its admin console and event listeners use.
export const LOGIN_EVENT_TYPES = [
  'LOGIN', 'LOGIN_ERROR',
  'CODE_TO_TOKEN', 'CODE_TO_TOKEN_ERROR',
  'CLIENT_LOGIN', 'CLIENT_LOGIN_ERROR',
  'REFRESH_TOKEN', 'REFRESH_TOKEN_ERROR',
  'LOGOUT', 'LOGOUT_ERROR',
  'INTROSPECT_TOKEN', 'INTROSPECT_TOKEN_ERROR',
  'REVOKE_GRANT', 'REVOKE_GRANT_ERROR',
  'PUSHED_AUTHORIZATION_REQUEST', 'PUSHED_AUTHORIZATION_REQUEST_ERROR',
  'IDENTITY_PROVIDER_LOGIN', 'IDENTITY_PROVIDER_FIRST_LOGIN', 'IDENTITY_PROVIDER_LOGIN_ERROR',
  'FEDERATED_IDENTITY_LINK', 'FEDERATED_IDENTITY_LINK_ERROR',
  'UPDATE_PASSWORD', 'UPDATE_TOTP', 'REMOVE_TOTP', 'UPDATE_CREDENTIAL', 'REMOVE_CREDENTIAL',
  'UPDATE_PROFILE', 'UPDATE_PROFILE_ERROR', 'UPDATE_EMAIL', 'CUSTOM_REQUIRED_ACTION', 'REMOVE_FEDERATED_IDENTITY',
  'SEND_RESET_PASSWORD', 'SEND_RESET_PASSWORD_ERROR',
  'SEND_VERIFY_EMAIL', 'SEND_VERIFY_EMAIL_ERROR',
  'SEND_EXECUTE_ACTIONS', 'SEND_EXECUTE_ACTIONS_ERROR',
  'REGISTER', 'REGISTER_ERROR', 'VERIFY_EMAIL', 'VERIFY_EMAIL_ERROR', 'RESET_PASSWORD', 'RESET_PASSWORD_ERROR',
  'EXECUTE_ACTIONS', 'EXECUTE_ACTIONS_ERROR', 'EXECUTE_ACTION_TOKEN', 'EXECUTE_ACTION_TOKEN_ERROR',
  'OAUTH2_DEVICE_AUTH', 'OAUTH2_DEVICE_AUTH_ERROR', 'OAUTH2_DEVICE_CODE_TO_TOKEN', 'OAUTH2_DEVICE_CODE_TO_TOKEN_ERROR',
  'TOKEN_EXCHANGE', 'TOKEN_EXCHANGE_ERROR',
] as const;
export type LoginEventType = (typeof LOGIN_EVENT_TYPES)[number];

export const OPERATION_TYPES = ['CREATE', 'UPDATE', 'DELETE', 'ACTION'] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

/**
 * The only keys an event's details may have, Keycloak's names. Anything else given is
 * dropped, so no caller can put a password, secret, code or token into an event by accident.
 */
export const DETAIL_KEYS = [
  'username', 'grant_type', 'redirect_uri', 'auth_method', 'auth_type', 'client_auth_method', 'reason', 'scope',
  'response_type', 'response_mode', 'consent', 'token_id', 'refresh_token_id', 'refresh_token_type', 'code_id',
  'identity_provider', 'identity_provider_identity',
  // Latchkey's: whom a brute-force lockout held back, `address` or `account`.
  'brute_force_lockout',
  // Which credential an UPDATE_/REMOVE_ event is about (never its secret).
  'credential_type', 'credential_id', 'credential_user_label',
  // Token exchange's: what was asked for, and which client the subject token was issued to.
  'audience', 'requested_token_type', 'subject_token_client_id',
  // Registration and the mail links: the address concerned, how the account was made, which link.
  'email', 'register_method', 'action',
  // What an UPDATE_PROFILE / UPDATE_EMAIL changed, and which required action a CUSTOM_REQUIRED_ACTION was.
  'previous_email', 'updated_email', 'custom_required_action',
] as const;
export type DetailKey = (typeof DETAIL_KEYS)[number];
export type EventDetails = Partial<Record<DetailKey, string | undefined>>;
const ALLOWED_DETAILS: ReadonlySet<string> = new Set(DETAIL_KEYS);

/** Keycloak's error codes for a refused password sign-in (SignInResult reasons). */
export const SIGN_IN_ERRORS = {
  invalid_credentials: 'invalid_user_credentials',
  disabled: 'user_disabled',
  locked: 'user_temporarily_disabled',
} as const;

/**
 * Keycloak records no events until told to, and then keeps them for good. Latchkey records
 * both kinds unless a realm says otherwise (an audit trail that is off by default is rarely
 * there when it is needed) and keeps login events a week and admin events 30 days, so that
 * the tables stay bounded however busy the realm is.
 */
export const DEFAULT_EVENTS_EXPIRATION = 7 * 24 * 3600;
export const DEFAULT_ADMIN_EVENTS_EXPIRATION = 30 * 24 * 3600;

/** What a realm's event settings amount to, defaults applied; expirations in seconds, 0 keeps events for good. */
export interface EventSettings {
  eventsEnabled: boolean;
  eventsExpiration: number;
  adminEventsEnabled: boolean;
  adminEventsExpiration: number;
}

export function eventSettings(s: RealmSettings): EventSettings {
  const seconds = (v: number | undefined, fallback: number) =>
    (typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.trunc(v)) : fallback);
  return {
    eventsEnabled: s.eventsEnabled !== false,
    eventsExpiration: seconds(s.eventsExpiration, DEFAULT_EVENTS_EXPIRATION),
    adminEventsEnabled: s.adminEventsEnabled !== false,
    adminEventsExpiration: seconds(s.adminEventsExpiration, DEFAULT_ADMIN_EVENTS_EXPIRATION),
  };
}

/**
 * Keycloak's event listeners, which tools send back as they read them. Latchkey has no
 * listeners (events go to its own store), so Keycloak's default, which logs, is the one accepted.
 */
export const EVENT_LISTENERS = ['jboss-logging'] as const;

export interface LoginEvent {
  type: LoginEventType;
  /** The client's clientId (as presented, when authentication failed). */
  clientId?: string | null;
  userId?: string | null;
  sessionId?: string | null;
  ipAddress?: string | null;
  /** An error code (e.g. invalid_grant, invalid_user_credentials), never text from the request. */
  error?: string | null;
  details?: EventDetails;
}

export interface AdminEvent {
  operationType: OperationType;
  resourceType: string;
  resourcePath?: string | null;
  authDetails?: { realmId?: string | null; clientId?: string | null; userId?: string | null; ipAddress?: string | null };
  error?: string | null;
}

/**
 * What a token-endpoint grant learns while it runs (whose token, which session, why it
 * refused), for the one event the endpoint records around it.
 */
export interface EventNotes {
  userId?: string;
  sessionId?: string;
  /** Keycloak's error code when it says more than the OAuth one, e.g. invalid_user_credentials. */
  error?: string;
  details: EventDetails;
}

/** Keycloak's EventRepresentation: fields without a value are left out, as Keycloak's JSON does. */
export interface EventRepresentation {
  id: string;
  time: number;
  type: string;
  realmId: string;
  clientId?: string;
  userId?: string;
  sessionId?: string;
  ipAddress?: string;
  error?: string;
  details?: Record<string, string>;
}

/** Keycloak's AdminEventRepresentation. `representation` (the request body) is never kept, so never given. */
export interface AdminEventRepresentation {
  id: string;
  time: number;
  realmId: string;
  authDetails: { realmId?: string; clientId?: string; userId?: string; ipAddress?: string };
  operationType: string;
  resourceType: string;
  resourcePath?: string;
  error?: string;
}

const FLUSH_AFTER_MS = 50;
/** Events deleted per statement when a realm's are cleared: short statements, as housekeeping's. */
const CLEAR_BATCH = 1000;
const FLUSH_AT_EVENTS = 500;
const RETRY_AFTER_MS = 1000;
const MAX_PENDING_EVENTS = 10_000;

const MAX_TEXT = 255;
const MAX_ID = 64;

/** No NUL (PostgreSQL text cannot hold it), bounded length, '' as absent. */
function clean(value: string | null | undefined, max = MAX_TEXT): string | null {
  if (value === undefined || value === null) return null;
  const text = String(value).replace(/\u0000/g, '').slice(0, max);
  return text === '' ? null : text;
}

function cleanDetails(details: EventDetails | undefined): Record<string, string> | null {
  if (!details) return null;
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(details)) {
    if (!ALLOWED_DETAILS.has(key) || typeof value !== 'string') continue;
    const text = clean(value, key === 'redirect_uri' || key === 'scope' ? 1024 : MAX_TEXT);
    if (text !== null) kept[key] = text;
  }
  return Object.keys(kept).length > 0 ? kept : null;
}

function omitNull<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;
}

export function toEventRepresentation(e: LoginEventRecord): EventRepresentation {
  return omitNull({
    id: e.id, time: e.time, type: e.type, realmId: e.realmId, clientId: e.clientId, userId: e.userId,
    sessionId: e.sessionId, ipAddress: e.ipAddress, error: e.error, details: e.details,
  }) as EventRepresentation;
}

export function toAdminEventRepresentation(e: AdminEventRecord): AdminEventRepresentation {
  return omitNull({
    id: e.id, time: e.time, realmId: e.realmId,
    authDetails: omitNull({ realmId: e.authRealmId, clientId: e.authClientId, userId: e.authUserId, ipAddress: e.authIpAddress }),
    operationType: e.operationType, resourceType: e.resourceType, resourcePath: e.resourcePath, error: e.error,
  }) as AdminEventRepresentation;
}

/**
 * Login and admin events, as Keycloak records them. Only what is named here reaches the
 * store: details are an allow-list of keys, and there is no place for a request body.
 */
export class EventService {
  /** Login events not yet written, oldest first. */
  private pending: LoginEventRecord[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** A batch that could not be written (it is kept and tried again with the next one). */
  onWriteError: (err: unknown) => void = () => {};

  constructor(
    private readonly store: Store,
    /** Milliseconds, as Keycloak's event times. */
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Records a login event, unless the realm has events turned off; returns what is stored.
   * Login events come with every token, so they are written in batches a moment later rather
   * than on the request's path; reading them (and flush) writes what is pending first.
   */
  async login(realm: RealmRecord, event: LoginEvent): Promise<LoginEventRecord | undefined> {
    if (!eventSettings(realm.settings).eventsEnabled) return undefined;
    const record: LoginEventRecord = {
      id: timeOrderedId(),
      time: this.clock(),
      type: event.type,
      realmId: realm.id,
      clientId: clean(event.clientId),
      userId: clean(event.userId, MAX_ID),
      sessionId: clean(event.sessionId, MAX_ID),
      ipAddress: clean(event.ipAddress, MAX_ID),
      error: clean(event.error),
      details: cleanDetails(event.details),
    };
    this.pending.push(record);
    if (this.pending.length >= FLUSH_AT_EVENTS) void this.flush();
    else this.timer ??= setTimeout(() => { void this.flush(); }, FLUSH_AFTER_MS).unref();
    return record;
  }

  /** Writes every pending login event; resolves once they are stored (or, failing that, kept for the next try). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.store.events.insertLogins(batch).catch((err: unknown) => {
      // The database is away: keep the newest events for the next flush, within a bound.
      this.pending = [...batch, ...this.pending].slice(-MAX_PENDING_EVENTS);
      this.timer ??= setTimeout(() => { void this.flush(); }, RETRY_AFTER_MS).unref();
      this.onWriteError(err);
    }).finally(() => { this.flushing = undefined; });
    await this.flushing;
  }

  /** Records an admin event, unless the realm has admin events turned off; returns what was stored. */
  async admin(realm: RealmRecord, event: AdminEvent): Promise<AdminEventRecord | undefined> {
    if (!eventSettings(realm.settings).adminEventsEnabled) return undefined;
    const auth = event.authDetails ?? {};
    const record: AdminEventRecord = {
      id: timeOrderedId(),
      time: this.clock(),
      realmId: realm.id,
      operationType: event.operationType,
      resourceType: clean(event.resourceType, MAX_ID) ?? 'CUSTOM',
      resourcePath: clean(event.resourcePath, 1024),
      authRealmId: clean(auth.realmId, MAX_ID),
      authClientId: clean(auth.clientId),
      authUserId: clean(auth.userId, MAX_ID),
      authIpAddress: clean(auth.ipAddress, MAX_ID),
      error: clean(event.error),
    };
    await this.store.events.insertAdmin(record);
    return record;
  }

  async listLogin(realm: RealmRecord, query: LoginEventQuery = {}): Promise<LoginEventRecord[]> {
    await this.flush();
    return this.store.events.listLogin(realm.id, query);
  }

  listAdmin(realm: RealmRecord, query: AdminEventQuery = {}): Promise<AdminEventRecord[]> {
    return this.store.events.listAdmin(realm.id, query);
  }

  /** Seconds each kind of event is kept in this realm; 0 keeps them for good. */
  retention(realm: RealmRecord): { login: number; admin: number } {
    const e = eventSettings(realm.settings);
    return { login: e.eventsExpiration, admin: e.adminEventsExpiration };
  }

  /** Deletes every event of that kind in the realm (Keycloak's DELETE events, admin-events); returns how many. */
  async clear(realm: RealmRecord, kind: 'login' | 'admin'): Promise<number> {
    // Pending login events are older than this request: they go too.
    if (kind === 'login') await this.flush();
    return deleteInBatches(CLEAR_BATCH, (limit) => this.store.events.deleteOlderThan(Number.MAX_SAFE_INTEGER, limit, { kind, realmId: realm.id }));
  }
}
