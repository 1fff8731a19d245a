// Row shapes as the database holds them. Booleans are 0/1 integers and
// structured settings are JSON text, so one schema serves SQLite and PostgreSQL.

export interface RealmsTable { id: string; name: string; enabled: number; settings: string; created_at: number }
export interface RealmKeysTable {
  kid: string; realm_id: string; alg: string; status: string;
  public_jwk: string; sealed_private_jwk: string; created_at: number;
  retires_at: number | null;
}
export interface ClientsTable {
  id: string; realm_id: string; client_id: string; enabled: number; public_client: number;
  settings: string; created_at: number;
}
export interface ClientScopesTable {
  id: string; realm_id: string; name: string;
  /** JSON: description, protocol, attributes and protocolMappers. */
  settings: string; created_at: number;
}
export interface ClientSecretsTable {
  id: string; client_id: string; sealed_value: string; label: string | null;
  created_at: number; expires_at: number | null;
}
export interface UsersTable {
  id: string; realm_id: string; username: string; username_lower: string; enabled: number;
  email: string | null; email_lower: string | null; email_verified: number; first_name: string | null; last_name: string | null;
  phone_number: string | null; attributes: string; service_account_client_id: string | null; created_at: number;
  /** JSON: a list of Keycloak required action names. */
  required_actions: string;
  /** Folded in JavaScript, as username_lower and email_lower, so search ignores case alike on both back ends. */
  first_name_lower: string | null; last_name_lower: string | null;
}
export interface PasswordsTable { user_id: string; algorithm: string; data: string; created_at: number }
export interface RolesTable {
  id: string; realm_id: string; client_id: string | null;
  /** The realm id for realm roles, the client id for client roles: unique with name. */
  container_id: string; name: string; description: string | null;
}
export interface RoleCompositesTable { parent_id: string; child_id: string; realm_id: string }
export interface UserRolesTable { user_id: string; role_id: string }
export interface SessionsTable {
  id: string; realm_id: string; user_id: string; offline: number; auth_time: number;
  created_at: number; last_seen_at: number; expires_at: number; max_expires_at: number;
  /** JSON: RFC 8176 methods. */
  amr: string | null;
  remember_me: number;
}
export interface CredentialsTable {
  id: string; realm_id: string; user_id: string; type: string; user_label: string | null; priority: number;
  created_at: number; sealed_secret: string; data: string; counter: number;
}
export interface RefreshTokensTable {
  id: string; token_hash: string; family_id: string; realm_id: string; client_id: string;
  user_id: string; session_id: string; scope: string; created_at: number; expires_at: number;
  used_at: number | null; revoked_at: number | null; access_jti: string | null; access_expires_at: number | null;
  acr: string | null; claims: string | null; use_count: number; dpop_jkt: string | null;
}
export interface RealmHmacKeysTable { realm_id: string; kid: string; sealed_secret: string; created_at: number }
export interface RevokedAccessTokensTable { jti: string; expires_at: number }

export interface AuthorizationCodesTable {
  code_hash: string; realm_id: string; client_id: string; user_id: string; session_id: string; redirect_uri: string;
  scope: string; nonce: string | null; code_challenge: string | null; code_challenge_method: string | null;
  auth_time: number; claims: string | null; created_at: number; expires_at: number; used_at: number | null;
  issued_family_id: string | null; issued_jti: string | null; issued_jti_expires_at: number | null; acr: string | null;
  dpop_jkt: string | null;
}
export interface InteractionsTable {
  id: string; realm_id: string; client_id: string; request: string; user_id: string | null;
  session_id: string | null; created_at: number; expires_at: number;
  /** JSON: InteractionAuth. */
  auth: string | null;
}
export interface ConsentsTable { user_id: string; client_id: string; scopes: string; created_at: number }
export interface LoginFailuresTable { user_id: string; failures: number; last_failure_at: number; locked_until: number }
export interface LoginFailuresByAddressTable extends LoginFailuresTable { address: string }

export interface LoginEventsTable {
  id: string; realm_id: string; time: number; type: string; client_id: string | null; user_id: string | null;
  session_id: string | null; ip_address: string | null; error: string | null; details: string | null;
}
export interface AdminEventsTable {
  id: string; realm_id: string; time: number; operation_type: string; resource_type: string;
  /** resource_path folded to lower case in JavaScript, for case-insensitive matching alike on both back ends. */
  resource_path: string | null; resource_path_lower: string | null;
  auth_realm_id: string | null; auth_client_id: string | null; auth_user_id: string | null; auth_ip_address: string | null;
  error: string | null;
}

export interface GroupsTable {
  id: string; realm_id: string; parent_id: string | null;
  /** The parent's id for a subgroup, the realm's for a top-level group: unique with name. */
  container_id: string; name: string; name_lower: string; attributes: string; created_at: number;
}
export interface GroupRolesTable { group_id: string; role_id: string }
export interface UserGroupsTable { user_id: string; group_id: string }

export interface IdentityProvidersTable {
  id: string; realm_id: string; alias: string; enabled: number; settings: string; sealed_client_secret: string | null; created_at: number;
}
export interface FederatedIdentitiesTable {
  user_id: string; provider_id: string; realm_id: string; subject: string; username: string; created_at: number;
}
export interface BrokerStatesTable {
  id: string; realm_id: string; provider_id: string; interaction_id: string | null; sealed_data: string; created_at: number; expires_at: number;
}
export interface UsedJtisTable { id: string; expires_at: number }
export interface PushedRequestsTable {
  id: string; realm_id: string; client_id: string; sealed_params: string; created_at: number; expires_at: number;
}
export interface BrokerSessionsTable { session_id: string; provider_id: string; sealed_id_token: string; created_at: number }

export interface MailOutboxTable {
  id: string; realm_id: string; kind: string; user_id: string | null; sealed_message: string; status: string;
  attempts: number; next_attempt_at: number; claimed_until: number | null; last_error: string | null;
  created_at: number; finished_at: number | null;
}
export interface PasswordHistoryTable { id: string; user_id: string; algorithm: string; data: string; created_at: number; replaced_at: number }
export interface BackchannelLogoutsTable {
  id: string; realm_id: string; client_id: string; user_id: string; session_id: string; attempts: number; next_attempt_at: number; created_at: number;
}
export interface DeviceCodesTable {
  device_code_hash: string; user_code_hash: string; realm_id: string; client_id: string; scope: string; status: string;
  user_id: string | null; session_id: string | null; poll_interval: number; last_polled_at: number | null; created_at: number; expires_at: number;
}
export interface UserCodeFailuresTable {
  address: string; count: number; window_end: number;
}
export interface ClientInitialAccessTable {
  id: string; realm_id: string; token_hash: string; created_at: number; expiration: number; count: number; remaining_count: number;
}

export interface Database {
  client_initial_access: ClientInitialAccessTable;
  authorization_codes: AuthorizationCodesTable;
  interactions: InteractionsTable;
  consents: ConsentsTable;
  login_failures: LoginFailuresTable;
  login_failures_by_address: LoginFailuresByAddressTable;
  realms: RealmsTable;
  realm_keys: RealmKeysTable;
  realm_hmac_keys: RealmHmacKeysTable;
  clients: ClientsTable;
  client_secrets: ClientSecretsTable;
  client_scopes: ClientScopesTable;
  users: UsersTable;
  passwords: PasswordsTable;
  credentials: CredentialsTable;
  roles: RolesTable;
  role_composites: RoleCompositesTable;
  user_roles: UserRolesTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  revoked_access_tokens: RevokedAccessTokensTable;
  login_events: LoginEventsTable;
  admin_events: AdminEventsTable;
  groups: GroupsTable;
  group_roles: GroupRolesTable;
  user_groups: UserGroupsTable;
  identity_providers: IdentityProvidersTable;
  federated_identities: FederatedIdentitiesTable;
  broker_states: BrokerStatesTable;
  broker_sessions: BrokerSessionsTable;
  used_jtis: UsedJtisTable;
  pushed_requests: PushedRequestsTable;
  mail_outbox: MailOutboxTable;
  password_history: PasswordHistoryTable;
  backchannel_logouts: BackchannelLogoutsTable;
  device_codes: DeviceCodesTable;
  user_code_failures: UserCodeFailuresTable;
}
