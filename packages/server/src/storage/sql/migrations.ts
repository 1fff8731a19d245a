import { Kysely, Migrator, type Migration, type MigrationProvider } from 'kysely';
import { newId } from '../../crypto/random.js';
import { audienceMapper0014, builtInScopes0014, claimMapper0014, type CustomClaim0014 } from './frozen-0014.js';

// Migrations live in code, not files, so the same list ships inside the build and
// runs unchanged on SQLite and PostgreSQL. Append; never edit a released one.
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('realms')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema.createTable('realm_keys')
        .addColumn('kid', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('alg', 'varchar(16)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('sealed_private_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('realm_keys_realm').on('realm_keys').column('realm_id').execute();

      await db.schema.createTable('clients')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('client_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('public_client', 'integer', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('clients_realm_client_id', ['realm_id', 'client_id'])
        .execute();

      await db.schema.createTable('client_secrets')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('clients.id').onDelete('cascade'))
        .addColumn('sealed_value', 'text', (c) => c.notNull())
        .addColumn('label', 'varchar(255)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('client_secrets_client').on('client_secrets').column('client_id').execute();

      await db.schema.createTable('users')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('username', 'varchar(255)', (c) => c.notNull())
        .addColumn('username_lower', 'varchar(255)', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('email', 'varchar(255)')
        .addColumn('email_verified', 'integer', (c) => c.notNull())
        .addColumn('first_name', 'varchar(255)')
        .addColumn('last_name', 'varchar(255)')
        .addColumn('phone_number', 'varchar(64)')
        .addColumn('attributes', 'text', (c) => c.notNull())
        .addColumn('service_account_client_id', 'varchar(64)', (c) => c.references('clients.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('users_realm_username', ['realm_id', 'username_lower'])
        .execute();
      await db.schema.createIndex('users_service_account').on('users').column('service_account_client_id').execute();

      await db.schema.createTable('passwords')
        .addColumn('user_id', 'varchar(64)', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('algorithm', 'varchar(64)', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema.createTable('roles')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('client_id', 'varchar(64)', (c) => c.references('clients.id').onDelete('cascade'))
        .addColumn('container_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('description', 'text')
        .addUniqueConstraint('roles_container_name', ['container_id', 'name'])
        .execute();
      await db.schema.createIndex('roles_realm').on('roles').column('realm_id').execute();

      await db.schema.createTable('role_composites')
        .addColumn('parent_id', 'varchar(64)', (c) => c.notNull().references('roles.id').onDelete('cascade'))
        .addColumn('child_id', 'varchar(64)', (c) => c.notNull().references('roles.id').onDelete('cascade'))
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull())
        .addPrimaryKeyConstraint('role_composites_pk', ['parent_id', 'child_id'])
        .execute();
      await db.schema.createIndex('role_composites_realm').on('role_composites').column('realm_id').execute();

      await db.schema.createTable('user_roles')
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role_id', 'varchar(64)', (c) => c.notNull().references('roles.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role_id'])
        .execute();

      await db.schema.createTable('sessions')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('offline', 'integer', (c) => c.notNull())
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('max_expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();

      await db.schema.createTable('refresh_tokens')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('token_hash', 'varchar(128)', (c) => c.notNull().unique())
        .addColumn('family_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('clients.id').onDelete('cascade'))
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family_id').execute();
      await db.schema.createIndex('refresh_tokens_expires').on('refresh_tokens').column('expires_at').execute();

      await db.schema.createTable('revoked_access_tokens')
        .addColumn('jti', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0002_browser_sign_in': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('authorization_codes')
        .addColumn('code_hash', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('clients.id').onDelete('cascade'))
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text')
        .addColumn('code_challenge', 'varchar(128)')
        .addColumn('code_challenge_method', 'varchar(16)')
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('claims', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('issued_family_id', 'varchar(64)')
        .addColumn('issued_jti', 'varchar(64)')
        .addColumn('issued_jti_expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('authorization_codes_expires').on('authorization_codes').column('expires_at').execute();

      await db.schema.createTable('interactions')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('clients.id').onDelete('cascade'))
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('user_id', 'varchar(64)')
        .addColumn('session_id', 'varchar(64)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('interactions_expires').on('interactions').column('expires_at').execute();

      await db.schema.createTable('consents')
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('clients.id').onDelete('cascade'))
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('consents_pk', ['user_id', 'client_id'])
        .execute();

      await db.schema.createTable('login_failures')
        .addColumn('user_id', 'varchar(64)', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
        .addColumn('locked_until', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0003_users_email_lower': {
    // Sign-in by email is case-insensitive. SQL lower() folds differently on each back end
    // (SQLite: ASCII only; PostgreSQL: by locale), so, as for usernames, the folded form is
    // computed in JavaScript and stored, and indexed for the lookup.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('email_lower', 'text').execute();
      const rows = await db.selectFrom('users').select(['id', 'email']).where('email', 'is not', null).execute();
      for (const row of rows) {
        await db.updateTable('users').set({ email_lower: String(row.email).toLowerCase() }).where('id', '=', row.id).execute();
      }
      await db.schema.createIndex('users_realm_email').on('users').columns(['realm_id', 'email_lower']).execute();
    },
  },
  '0005_events': {
    // Login and admin events (Keycloak's EVENT_ENTITY and ADMIN_EVENT_ENTITY). Their times are
    // milliseconds, as Keycloak's; a realm's events go with it. Retention deletes by
    // (realm_id, time), as do the queries, newest first.
    async up(db: Kysely<any>) {
      await db.schema.createTable('login_events')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('type', 'varchar(64)', (c) => c.notNull())
        .addColumn('client_id', 'text')
        .addColumn('user_id', 'varchar(64)')
        .addColumn('session_id', 'varchar(64)')
        .addColumn('ip_address', 'varchar(64)')
        .addColumn('error', 'varchar(255)')
        .addColumn('details', 'text')
        .execute();
      await db.schema.createIndex('login_events_realm_time').on('login_events').columns(['realm_id', 'time']).execute();

      await db.schema.createTable('admin_events')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('operation_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('resource_type', 'varchar(64)', (c) => c.notNull())
        .addColumn('resource_path', 'text')
        .addColumn('resource_path_lower', 'text')
        .addColumn('auth_realm_id', 'varchar(64)')
        .addColumn('auth_client_id', 'varchar(255)')
        .addColumn('auth_user_id', 'varchar(64)')
        .addColumn('auth_ip_address', 'varchar(64)')
        .addColumn('error', 'varchar(255)')
        .execute();
      await db.schema.createIndex('admin_events_realm_time').on('admin_events').columns(['realm_id', 'time']).execute();

      // Housekeeping deletes by expiry: these two had no index for it.
      await db.schema.createIndex('sessions_max_expires').on('sessions').column('max_expires_at').execute();
      await db.schema.createIndex('revoked_access_tokens_expires').on('revoked_access_tokens').column('expires_at').execute();
    },
  },
  '0004_admin': {
    // The admin API: groups (members hold the group's roles), and first and last names folded
    // in JavaScript for case-insensitive user search, as 0003 did for emails.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('first_name_lower', 'text').execute();
      await db.schema.alterTable('users').addColumn('last_name_lower', 'text').execute();
      const rows = await db.selectFrom('users').select(['id', 'first_name', 'last_name'])
        .where((eb) => eb.or([eb('first_name', 'is not', null), eb('last_name', 'is not', null)])).execute();
      for (const row of rows) {
        await db.updateTable('users').set({
          first_name_lower: row.first_name === null ? null : String(row.first_name).toLowerCase(),
          last_name_lower: row.last_name === null ? null : String(row.last_name).toLowerCase(),
        }).where('id', '=', row.id).execute();
      }

      await db.schema.createTable('groups')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('parent_id', 'varchar(64)', (c) => c.references('groups.id').onDelete('cascade'))
        .addColumn('container_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('name_lower', 'varchar(255)', (c) => c.notNull())
        .addColumn('attributes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('groups_container_name', ['container_id', 'name'])
        .execute();
      await db.schema.createIndex('groups_realm').on('groups').column('realm_id').execute();
      await db.schema.createIndex('groups_parent').on('groups').column('parent_id').execute();

      await db.schema.createTable('group_roles')
        .addColumn('group_id', 'varchar(64)', (c) => c.notNull().references('groups.id').onDelete('cascade'))
        .addColumn('role_id', 'varchar(64)', (c) => c.notNull().references('roles.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('group_roles_pk', ['group_id', 'role_id'])
        .execute();

      await db.schema.createTable('user_groups')
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('group_id', 'varchar(64)', (c) => c.notNull().references('groups.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('user_groups_pk', ['user_id', 'group_id'])
        .execute();
      await db.schema.createIndex('user_groups_group').on('user_groups').column('group_id').execute();
    },
  },
  '0006_key_rotation': {
    // A rotated-out key keeps verifying until the tokens it signed have expired, then leaves the JWKS.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('realm_keys').addColumn('retires_at', 'bigint').execute();
    },
  },
  '0007_identity_providers': {
    // Identity brokering: the realm's upstream providers, which user is which account there
    // (Keycloak's FEDERATED_IDENTITY), sign-ins and logouts waiting for the browser to come
    // back, and the provider's ID token of each session that began there (for logout).
    async up(db: Kysely<any>) {
      await db.schema.createTable('identity_providers')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('alias', 'varchar(255)', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('sealed_client_secret', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('identity_providers_realm_alias', ['realm_id', 'alias'])
        .execute();

      await db.schema.createTable('federated_identities')
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('provider_id', 'varchar(64)', (c) => c.notNull().references('identity_providers.id').onDelete('cascade'))
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('subject', 'varchar(255)', (c) => c.notNull())
        .addColumn('username', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('federated_identities_pk', ['user_id', 'provider_id'])
        .addUniqueConstraint('federated_identities_subject', ['provider_id', 'subject'])
        .execute();

      await db.schema.createTable('broker_states')
        .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('provider_id', 'varchar(64)', (c) => c.notNull().references('identity_providers.id').onDelete('cascade'))
        .addColumn('interaction_id', 'varchar(64)', (c) => c.references('interactions.id').onDelete('cascade'))
        .addColumn('sealed_data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('broker_states_expires').on('broker_states').column('expires_at').execute();
      await db.schema.createIndex('broker_states_interaction').on('broker_states').column('interaction_id').execute();

      await db.schema.createTable('broker_sessions')
        .addColumn('session_id', 'varchar(64)', (c) => c.primaryKey().references('sessions.id').onDelete('cascade'))
        .addColumn('provider_id', 'varchar(64)', (c) => c.notNull().references('identity_providers.id').onDelete('cascade'))
        .addColumn('sealed_id_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0010_token_revocation': {
    // Revoking a refresh token family revokes the access tokens it gave out (RFC 7009 §2.1,
    // RFC 6749 §4.1.2); codes remember the authentication level they were issued at.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('refresh_tokens').addColumn('access_jti', 'varchar(64)').execute();
      await db.schema.alterTable('refresh_tokens').addColumn('access_expires_at', 'bigint').execute();
      await db.schema.alterTable('authorization_codes').addColumn('acr', 'varchar(64)').execute();
    },
  },
  '0011_refresh_sign_in': {
    // A refresh token family remembers what its sign-in reached and asked for, which the ID
    // tokens it goes on issuing repeat.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('refresh_tokens').addColumn('acr', 'varchar(64)').execute();
      await db.schema.alterTable('refresh_tokens').addColumn('claims', 'text').execute();
    },
  },
  '0012_required_actions': {
    // What a user must do at the next sign-in (Keycloak's required actions): choose a new password.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('required_actions', 'text', (c) => c.notNull().defaultTo('[]')).execute();
    },
  },
  '0013_refresh_reuse': {
    // Refresh tokens are JWTs signed with a realm secret (HS512, as Keycloak's), and a token may
    // be used as many times as the realm's refreshTokenMaxReuse allows.
    async up(db: Kysely<any>) {
      await db.schema.createTable('realm_hmac_keys')
        .addColumn('realm_id', 'varchar(64)', (c) => c.primaryKey().references('realms.id').onDelete('cascade'))
        .addColumn('kid', 'varchar(128)', (c) => c.notNull())
        .addColumn('sealed_secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('refresh_tokens').addColumn('use_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.updateTable('refresh_tokens').set({ use_count: 1 }).where('used_at', 'is not', null).execute();
    },
  },
  '0014_client_scopes': {
    // Keycloak's client scopes with their protocol mappers. Every realm gets Keycloak's built-in
    // ones, plus an empty one for any other name it listed; a client's custom claims and
    // audiences become its protocol mappers, and a client that named no scopes (it had the
    // realm's) names the realm's now, as a client created in Keycloak does.
    async up(db: Kysely<any>) {
      await db.schema.createTable('client_scopes')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('client_scopes_realm_name', ['realm_id', 'name'])
        .execute();
      const realms = await db.selectFrom('realms').select(['id', 'settings']).execute();
      for (const realm of realms) {
        const settings = JSON.parse(realm.settings);
        const { scopesNotInToken = [], ...rest } = settings;
        const scopes = builtInScopes0014();
        for (const name of [...settings.defaultClientScopes ?? [], ...settings.optionalClientScopes ?? []]) {
          if (scopes.some((s) => s.name === name)) continue;
          scopes.push({ ...scopes[0], id: newId(), name, description: null, protocol: 'openid-connect', protocolMappers: [],
            attributes: { 'include.in.token.scope': String(!scopesNotInToken.includes(name)), 'display.on.consent.screen': 'true' } });
        }
        const offline = await db.selectFrom('roles').select('id').where('realm_id', '=', realm.id).where('client_id', 'is', null)
          .where('name', '=', 'offline_access').executeTakeFirst();
        for (const s of scopes) {
          const scopeMappings = s.name === 'offline_access' && offline ? [offline.id] : [];
          await db.insertInto('client_scopes').values({
            id: s.id, realm_id: realm.id, name: s.name, created_at: s.createdAt,
            settings: JSON.stringify({ description: s.description, protocol: s.protocol, attributes: s.attributes, protocolMappers: s.protocolMappers, scopeMappings }),
          }).execute();
        }
        await db.updateTable('realms').set({ settings: JSON.stringify(rest) }).where('id', '=', realm.id).execute();
        const clients = await db.selectFrom('clients').select(['id', 'settings']).where('realm_id', '=', realm.id).execute();
        const clientIds = new Set((await db.selectFrom('clients').select('client_id').where('realm_id', '=', realm.id).execute()).map((c) => c.client_id));
        for (const client of clients) {
          const { customClaims = [], audiences = [], ...others } = JSON.parse(client.settings);
          const protocolMappers = [
            ...(customClaims as CustomClaim0014[]).map(claimMapper0014),
            ...(audiences as string[]).map((aud) => audienceMapper0014(aud, clientIds.has(aud))),
          ];
          const next = {
            ...others,
            protocolMappers,
            defaultScopes: others.defaultScopes?.length ? others.defaultScopes : settings.defaultClientScopes ?? [],
            optionalScopes: others.optionalScopes?.length ? others.optionalScopes : settings.optionalClientScopes ?? [],
          };
          await db.updateTable('clients').set({ settings: JSON.stringify(next) }).where('id', '=', client.id).execute();
        }
      }
    },
  },
  '0016_hardening': {
    // Brute-force failures counted per account and source address, so that a flood from one
    // address locks that address out rather than the account's owner everywhere.
    async up(db: Kysely<any>) {
      await db.schema.createTable('login_failures_by_address')
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('address', 'varchar(64)', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
        .addColumn('locked_until', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('login_failures_by_address_pk', ['user_id', 'address'])
        .execute();
    },
  },
  '0017_client_assertions_and_pushed_requests': {
    // Signed client authentication and request objects (RFC 7523, RFC 9101) use each JWT id
    // once; pushed authorization requests (RFC 9126) wait here for their request_uri.
    async up(db: Kysely<any>) {
      await db.schema.createTable('used_jtis')
        .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('used_jtis_expires').on('used_jtis').column('expires_at').execute();
      await db.schema.createTable('pushed_requests')
        .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('clients.id').onDelete('cascade'))
        .addColumn('sealed_params', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('pushed_requests_expires').on('pushed_requests').column('expires_at').execute();
    },
  },
  '0018_multi_factor_sign_in': {
    // Second factors (OTP generators, recovery codes) beside the password; what a sign-in in
    // progress has done (its steps' RFC 8176 methods); what a session's sign-in did, for amr and acr.
    async up(db: Kysely<any>) {
      await db.schema.createTable('credentials')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('type', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_label', 'varchar(255)')
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('sealed_secret', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('credentials_user').on('credentials').column('user_id').execute();
      await db.schema.alterTable('interactions').addColumn('auth', 'text').execute();
      await db.schema.alterTable('sessions').addColumn('amr', 'varchar(255)').execute();
    },
  },
  '0019_mail_outbox_and_password_history': {
    // Mail waiting for a realm's mail server, claimed by one worker at a time across nodes; and
    // the earlier password hashes the password policy's passwordHistory compares against.
    async up(db: Kysely<any>) {
      await db.schema.createTable('mail_outbox')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('kind', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(64)', (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('sealed_message', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('claimed_until', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .execute();
      await db.schema.createIndex('mail_outbox_due').on('mail_outbox').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('mail_outbox_finished').on('mail_outbox').column('finished_at').execute();

      await db.schema.createTable('password_history')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('algorithm', 'varchar(64)', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        // Milliseconds: the order passwords were replaced in, finer than created_at's seconds.
        .addColumn('replaced_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('password_history_user').on('password_history').columns(['user_id', 'replaced_at']).execute();
    },
  },
  '0020_backchannel_logout_queue': {
    // OIDC Back-Channel Logout: what is still to be told to clients, kept until delivered (or
    // given up on), so that a restart between a logout and its delivery loses nothing.
    async up(db: Kysely<any>) {
      await db.schema.createTable('backchannel_logouts')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('clients.id').onDelete('cascade'))
        .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('backchannel_logouts_next').on('backchannel_logouts').column('next_attempt_at').execute();
    },
  },
  '0021_device_codes': {
    // RFC 8628's device codes, by the hashes of the device code and of the user code.
    async up(db: Kysely<any>) {
      await db.schema.createTable('device_codes')
        .addColumn('device_code_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_code_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('client_id', 'varchar(64)', (c) => c.notNull().references('clients.id').onDelete('cascade'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(64)')
        .addColumn('session_id', 'varchar(64)')
        .addColumn('poll_interval', 'integer', (c) => c.notNull())
        .addColumn('last_polled_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('device_codes_expires').on('device_codes').column('expires_at').execute();
    },
  },
  '0022_client_initial_access': {
    // Keycloak's client initial access tokens, by their hash: made and listed through the admin API.
    async up(db: Kysely<any>) {
      await db.schema.createTable('client_initial_access')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('realm_id', 'varchar(64)', (c) => c.notNull().references('realms.id').onDelete('cascade'))
        .addColumn('token_hash', 'varchar(128)', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expiration', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('remaining_count', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('client_initial_access_realm').on('client_initial_access').column('realm_id').execute();
    },
  },
  '0023_user_code_failures': {
    // Wrong device flow user codes by source address, so that every node counts the same ones.
    async up(db: Kysely<any>) {
      await db.schema.createTable('user_code_failures')
        .addColumn('address', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('window_end', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('user_code_failures_window_end').on('user_code_failures').column('window_end').execute();
    },
  },
  '0024_dpop_bindings': {
    // RFC 9449: the DPoP key an authorization request's dpop_jkt named, and the key a public
    // client's refresh token is bound to.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('authorization_codes').addColumn('dpop_jkt', 'varchar(64)').execute();
      await db.schema.alterTable('refresh_tokens').addColumn('dpop_jkt', 'varchar(64)').execute();
    },
  },
  '0025_session_remember_me': {
    // Keycloak's remember me: a remembered session lives by the realm's …RememberMe lifetimes.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('sessions').addColumn('remember_me', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
};

/** Every migration, for Kysely's Migrator (tests take a database part of the way with it). */
export const migrationProvider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}
