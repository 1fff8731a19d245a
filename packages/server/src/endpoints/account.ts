import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { changeOwnProfile, editableFields, OWN_PROFILE_FIELDS, type OwnProfileInput } from '../domain/own-profile.js';
import { ACCOUNT_CLIENT, ACCOUNT_CONSOLE_CLIENT, ACCOUNT_ROLES } from '../domain/realms.js';
import { profileErrorBody, userProfileOf } from '../domain/user-profile.js';
import { canonicalUsername } from '../domain/users.js';
import { bearerUser, type BearerUser } from '../http/bearer.js';
import { recordUserEvent } from '../http/events.js';
import { REALM } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { realmSelfServiceFields } from '../import/keycloak.js';
import { NoMailServerError, type Mailer } from '../mail/index.js';
import { accountLinkHash } from '../protocol/account-link.js';
import { audiencesOf } from '../protocol/claims.js';
import { insufficientScope, OAuthError } from '../protocol/errors.js';
import { redirectUriAllowed } from '../protocol/redirect-uris.js';
import { randomToken } from '../crypto/random.js';
import { CREDENTIAL_TYPES } from '../storage/records.js';
import type { ClientRecord, CredentialRecord, CredentialType, RealmRecord, UserRecord } from '../storage/store.js';
import { accountConsoleFiles } from './console.js';

const ACCOUNT = `${REALM}/account`;
type Role = (typeof ACCOUNT_ROLES)[keyof typeof ACCOUNT_ROLES];

const notFound = (description: string) => new OAuthError('not_found', description, 404);
const badRequest = (description: string) => new OAuthError('invalid_request', description, 400);

interface Caller extends BearerUser {
  realm: RealmRuntime;
}

// Keycloak's user profile attributes the account API shows and changes (OWN_PROFILE_FIELDS);
// attributes outside them (Keycloak 26's default: unmanaged attributes off) are neither shown nor taken.
function profile(realm: RealmRecord, user: UserRecord) {
  const config = userProfileOf(realm.settings);
  const editable = editableFields(realm);
  return {
    id: user.id,
    username: user.username,
    ...(user.firstName !== null ? { firstName: user.firstName } : {}),
    ...(user.lastName !== null ? { lastName: user.lastName } : {}),
    ...(user.email !== null ? { email: user.email } : {}),
    emailVerified: user.emailVerified,
    userProfileMetadata: {
      attributes: OWN_PROFILE_FIELDS.flatMap((name) => {
        const attribute = config.attributes.find((a) => a.name === name);
        return attribute ? [{
          name, displayName: attribute.displayName ?? `\${${name}}`,
          required: name === 'username' || (attribute.required !== undefined && (!attribute.required.roles || attribute.required.roles.includes('user'))),
          readOnly: !editable.includes(name), multivalued: false, annotations: attribute.annotations ?? {}, validators: attribute.validations ?? {},
        }] : [];
      }),
      groups: [],
    },
  };
}

/** What Keycloak's CredentialContainer says of each kind of credential beyond the password. */
const CONTAINERS: Record<CredentialType, { category: string; iconCssClass: string; createAction: string }> = {
  otp: { category: 'two-factor', iconCssClass: 'kcAuthenticatorOTPClass', createAction: 'CONFIGURE_TOTP' },
  'recovery-authn-codes': {
    category: 'two-factor', iconCssClass: 'kcAuthenticatorRecoveryAuthnCodesClass', createAction: 'CONFIGURE_RECOVERY_AUTHN_CODES',
  },
  webauthn: { category: 'two-factor', iconCssClass: 'kcAuthenticatorWebAuthnClass', createAction: 'webauthn-register' },
  'webauthn-passwordless': {
    category: 'passwordless', iconCssClass: 'kcAuthenticatorWebAuthnPasswordlessClass', createAction: 'webauthn-register-passwordless',
  },
};

/** Keycloak's CredentialContainer of a kind of credential: what it is, how one is made, the user's own. */
function credentialContainer(type: CredentialType, own: CredentialRecord[]) {
  const { category, iconCssClass, createAction } = CONTAINERS[type];
  return {
    type, category, displayName: `${type}-display-name`, helptext: `${type}-help-text`, iconCssClass, createAction, removeable: true,
    userCredentialMetadatas: own.filter((c) => c.type === type).map((c) => ({
      credential: { id: c.id, type: c.type, ...(c.userLabel ? { userLabel: c.userLabel } : {}), createdDate: c.createdAt * 1000 },
    })),
  };
}

/** A page asked for at the API's address (a browser, Accept: text/html before JSON): Keycloak shows its account console there. */
function wantsPage(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html') && !accept.includes('application/json');
}

const clientName = (client: ClientRecord) => client.settings.name ?? client.clientId;

/**
 * Keycloak's account REST API (`/realms/{realm}/account`): the signed-in user's own profile,
 * credentials, sessions, links to identity providers and applications, for a bearer token
 * of that user with the audience `account` (which the account client's roles give, as in
 * Keycloak). Without a good token 401 with RFC 6750's challenge; without the audience, or
 * without the account role an operation needs, 403. CORS: the token's client's web origins
 * (http/cors.ts).
 */
export const accountEndpoint: FastifyPluginAsync<{ domain: Domain; mailer: Mailer }> = async (app, { domain, mailer }) => {
  const accountConsole = accountConsoleFiles();
  await app.register(accountConsole.assets);

  /** The caller, once its token names `account` and its user holds one of the roles. */
  const caller = async (request: FastifyRequest, reply: FastifyReply, ...anyOf: Role[]): Promise<Caller> => {
    reply.header('cache-control', 'no-store');
    const realm = await realmOf(domain, request);
    const bearer = await bearerUser(domain, realm, request);
    if (!audiencesOf(bearer.claims.aud).includes(ACCOUNT_CLIENT)) {
      throw insufficientScope(realm.realm.name, 'The token is not for the account service (audience account)');
    }
    const held = (await domain.roles.effective(realm.realm.id, bearer.user.id)).clients[ACCOUNT_CLIENT] ?? [];
    if (!anyOf.some((role) => held.includes(role))) {
      throw insufficientScope(realm.realm.name, `The user needs the account role ${anyOf.join(' or ')}`);
    }
    return { ...bearer, realm };
  };
  const { manageAccount, viewProfile, manageAccountLinks, viewApplications, manageConsent } = ACCOUNT_ROLES;

  app.get(ACCOUNT, async (request, reply) => {
    if (wantsPage(request)) return accountConsole.sendPage(request, reply);
    const { realm, user } = await caller(request, reply, manageAccount, viewProfile);
    return profile(realm.realm, user);
  });

  app.post(ACCOUNT, {
    schema: {
      body: {
        type: 'object',
        properties: {
          username: { type: 'string' }, email: { type: 'string', maxLength: 255 },
          firstName: { type: 'string', maxLength: 255 }, lastName: { type: 'string', maxLength: 255 },
        },
      },
    },
  }, async (request, reply) => {
    const { realm, user } = await caller(request, reply, manageAccount);
    const body = request.body as OwnProfileInput;
    if (body.username !== undefined && !editableFields(realm.realm).includes('username') && canonicalUsername(body.username) !== user.username) {
      throw badRequest('The username cannot be changed');
    }
    const change = await changeOwnProfile(domain, realm.realm, user, body);
    // As Keycloak: a username or email another account has is a conflict, anything else a bad request.
    const conflict = change.ok ? false : change.errors.some((e) => e.errorMessage.endsWith('ExistsMessage'));
    if (!change.ok) return reply.code(conflict ? 409 : 400).send(profileErrorBody(change.errors));
    const updated = change.user;
    await recordUserEvent(domain, request, realm.realm, undefined, 'UPDATE_PROFILE', user.id,
      change.emailChanged ? { previous_email: change.previousEmail ?? '', updated_email: updated.email ?? '' } : {});
    if (change.emailChanged && updated.email) {
      await recordUserEvent(domain, request, realm.realm, undefined, 'UPDATE_EMAIL', user.id, { previous_email: change.previousEmail ?? '', updated_email: updated.email });
      // As the admin API's send-verify-email: the new address is proved by a mailed link, where the realm verifies email.
      if (realm.realm.settings.verifyEmail) {
        try {
          await mailer.queueLink(realm, { ...updated, email: updated.email }, 'email-verification', {
            type: 'verify-email', userId: updated.id, email: updated.email, clientId: ACCOUNT_CONSOLE_CLIENT,
            lifespan: realmSelfServiceFields(realm.realm.settings).actionTokenGeneratedByUserLifespan,
          });
        } catch (err) {
          // The change is made; without a mail server the address stays unverified until an administrator sends the mail.
          if (!(err instanceof NoMailServerError)) throw err;
        }
      }
    }
    return reply.code(204).send();
  });

  app.get(`${ACCOUNT}/credentials`, {
    schema: { querystring: { type: 'object', properties: { type: { type: 'string' } } } },
  }, async (request, reply) => {
    const { user } = await caller(request, reply, manageAccount, viewProfile);
    const { type } = request.query as { type?: string };
    const password = await domain.store.passwords.get(user.id);
    const own = await domain.credentials.list(user.id);
    const containers = [
      {
        type: 'password', category: 'basic-authentication', displayName: 'password-display-name', helptext: 'password-help-text',
        iconCssClass: 'kcAuthenticatorPasswordClass', createAction: 'UPDATE_PASSWORD', updateAction: 'UPDATE_PASSWORD', removeable: false,
        userCredentialMetadatas: password ? [{ credential: { type: 'password', createdDate: password.createdAt * 1000 } }] : [],
      },
      ...CREDENTIAL_TYPES.map((t) => credentialContainer(t, own)),
    ];
    return type === undefined ? containers : containers.filter((c) => c.type === type);
  });

  app.delete(`${ACCOUNT}/credentials/:id`, async (request, reply) => {
    const { realm, user } = await caller(request, reply, manageAccount);
    const { id } = request.params as { id: string };
    const credential = (await domain.credentials.list(user.id)).find((c) => c.id === id);
    if (!credential) throw notFound('Credential not found');
    await domain.store.credentials.delete(credential.id);
    const details = { credential_type: credential.type, credential_id: credential.id, ...(credential.userLabel ? { credential_user_label: credential.userLabel } : {}) };
    if (credential.type === 'otp') await recordUserEvent(domain, request, realm.realm, undefined, 'REMOVE_TOTP', user.id, details);
    await recordUserEvent(domain, request, realm.realm, undefined, 'REMOVE_CREDENTIAL', user.id, details);
    return reply.code(204).send();
  });

  /** The user's sessions as Keycloak's SessionRepresentation (times in seconds), the current one (the token's) marked. */
  const sessionsOf = async ({ claims, user }: Caller) => {
    const sessions = (await domain.sessions.ofUser(user.id)).filter((s) => !s.offline);
    const clients = new Map<string, ClientRecord | undefined>();
    for (const id of new Set(sessions.flatMap((s) => s.clientIds))) clients.set(id, await domain.clients.getById(id));
    return sessions.map((s) => ({
      id: s.id,
      started: s.createdAt,
      lastAccess: s.lastSeenAt,
      expires: Math.min(s.expiresAt, s.maxExpiresAt),
      rememberMe: s.rememberMe === true,
      clients: s.clientIds.flatMap((id) => {
        const client = clients.get(id);
        return client ? [{ clientId: client.clientId, clientName: clientName(client) }] : [];
      }),
      current: s.id === claims.sid,
    }));
  };

  app.get(`${ACCOUNT}/sessions`, async (request, reply) => sessionsOf(await caller(request, reply, manageAccount, viewProfile)));

  // Keycloak's devices: Latchkey keeps no user agent or address of a session, so each session is a device of its own.
  app.get(`${ACCOUNT}/sessions/devices`, async (request, reply) => {
    const sessions = await sessionsOf(await caller(request, reply, manageAccount, viewProfile));
    return sessions.map((s) => ({
      id: s.id, os: 'Other', osVersion: 'Unknown', browser: 'Other/Unknown', device: 'Other', mobile: false,
      lastAccess: s.lastAccess, current: s.current, sessions: [s],
    }));
  });

  app.delete(`${ACCOUNT}/sessions`, {
    schema: { querystring: { type: 'object', properties: { current: { type: 'boolean', default: false } } } },
  }, async (request, reply) => {
    const { claims, user } = await caller(request, reply, manageAccount);
    const { current } = request.query as { current: boolean };
    // As Keycloak: every session but the one the token belongs to, unless current=true.
    for (const s of await domain.sessions.ofUser(user.id)) {
      if (current || s.id !== claims.sid) await domain.sessions.end(s.id);
    }
    return reply.code(204).send();
  });

  app.delete(`${ACCOUNT}/sessions/:id`, async (request, reply) => {
    const { user } = await caller(request, reply, manageAccount);
    const { id } = request.params as { id: string };
    const session = await domain.sessions.active(id);
    if (!session || session.userId !== user.id) throw notFound('Session not found');
    await domain.sessions.end(id);
    return reply.code(204).send();
  });

  app.get(`${ACCOUNT}/linked-accounts`, async (request, reply) => {
    const { realm, user } = await caller(request, reply, manageAccount, viewProfile);
    const links = new Map((await domain.identityProviders.links(user)).map((l) => [l.providerId, l]));
    return (await domain.identityProviders.list(realm.realm.id))
      .filter((p) => p.enabled || links.has(p.id))
      .map((p) => ({
        connected: links.has(p.id),
        social: false,
        providerAlias: p.alias,
        providerName: p.settings.providerId,
        displayName: p.settings.displayName ?? p.alias,
        ...(p.settings.guiOrder !== undefined ? { guiOrder: String(p.settings.guiOrder) } : {}),
        ...(links.has(p.id) ? { linkedUsername: links.get(p.id)!.username } : {}),
      }));
  });

  // Keycloak's link URL: where the browser goes to link the provider's account to this user
  // (client-initiated account linking, broker/{alias}/link), and back to redirectUri after.
  app.get(`${ACCOUNT}/linked-accounts/:alias`, {
    schema: { querystring: { type: 'object', required: ['redirectUri'], properties: { providerId: { type: 'string' }, redirectUri: { type: 'string', maxLength: 2048 } } } },
  }, async (request, reply) => {
    const { realm, claims } = await caller(request, reply, manageAccount, manageAccountLinks);
    const { alias } = request.params as { alias: string };
    const { redirectUri } = request.query as { redirectUri: string };
    const provider = await domain.identityProviders.enabled(realm.realm.id, alias);
    if (!provider) throw notFound('No identity provider with that alias');
    const client = typeof claims.azp === 'string' ? await domain.clients.getByClientId(realm.realm.id, claims.azp) : undefined;
    if (!client || !redirectUriAllowed(client.settings.redirectUris, redirectUri, realm.realm.settings.sslRequired, realm.base)) {
      throw badRequest('Invalid redirect uri');
    }
    if (typeof claims.sid !== 'string') throw badRequest('The token belongs to no session');
    const nonce = randomToken();
    const hash = accountLinkHash(nonce, claims.sid, client.clientId, provider.alias);
    const link = new URL(`${realm.issuer}/broker/${encodeURIComponent(provider.alias)}/link`);
    link.search = new URLSearchParams({ client_id: client.clientId, redirect_uri: redirectUri, nonce, hash }).toString();
    return { accountLinkUri: link.href, nonce, hash };
  });

  app.delete(`${ACCOUNT}/linked-accounts/:alias`, async (request, reply) => {
    const { realm, user } = await caller(request, reply, manageAccount, manageAccountLinks);
    const { alias } = request.params as { alias: string };
    const provider = await domain.identityProviders.get(realm.realm.id, alias);
    const links = await domain.identityProviders.links(user);
    if (!provider || !links.some((l) => l.providerId === provider.id)) throw badRequest('The account is not linked to that provider');
    // As Keycloak: the user must keep a way to sign in.
    if (links.length === 1 && !(await domain.store.passwords.get(user.id))) {
      throw badRequest('The last link cannot be removed from an account without a password');
    }
    await domain.identityProviders.unlink(domain.store, user, provider);
    await recordUserEvent(domain, request, realm.realm, undefined, 'REMOVE_FEDERATED_IDENTITY', user.id, { identity_provider: provider.alias });
    return reply.code(204).send();
  });

  app.get(`${ACCOUNT}/applications`, async (request, reply) => {
    const { user } = await caller(request, reply, manageAccount, viewApplications);
    const [consents, sessions] = await Promise.all([domain.consents.ofUser(user.id), domain.sessions.ofUser(user.id)]);
    const inUse = new Set(sessions.filter((s) => !s.offline).flatMap((s) => s.clientIds));
    const offline = new Set(sessions.filter((s) => s.offline).flatMap((s) => s.clientIds));
    const consentOf = new Map(consents.map((c) => [c.clientId, c]));
    const apps = [];
    for (const id of new Set([...consentOf.keys(), ...inUse, ...offline])) {
      const client = await domain.clients.getById(id);
      if (!client) continue;
      const consent = consentOf.get(id);
      apps.push({
        clientId: client.clientId,
        clientName: clientName(client),
        userConsentRequired: client.settings.consentRequired,
        inUse: inUse.has(id),
        offlineAccess: offline.has(id),
        ...(client.settings.logoUri ? { logoUri: client.settings.logoUri } : {}),
        ...(consent ? {
          consent: {
            grantedScopes: consent.scopes.map((name) => ({ id: name, name, displayText: name })),
            createdDate: consent.createdAt * 1000,
            lastUpdatedDate: consent.createdAt * 1000,
          },
        } : {}),
      });
    }
    return apps.sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  });

  app.delete(`${ACCOUNT}/applications/:clientId/consent`, async (request, reply) => {
    const { realm, user } = await caller(request, reply, manageAccount, manageConsent);
    const { clientId } = request.params as { clientId: string };
    const client = await domain.clients.getByClientId(realm.realm.id, clientId);
    if (!client) throw notFound('No client with that clientId');
    if (await domain.consents.revoke(user.id, client.id)) {
      await recordUserEvent(domain, request, realm.realm, await domain.clients.runtime(realm.realm.id, client.clientId), 'REVOKE_GRANT', user.id);
    }
    // As Keycloak's revokeConsentToClient: the offline tokens the consent let the client have go with it.
    await domain.sessions.endOfflineOf(user.id, client.id);
    return reply.code(204).send();
  });
};
