import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { ACCOUNT_CLIENT, ACCOUNT_ROLES } from '../domain/realms.js';
import { bearerUser, type BearerUser } from '../http/bearer.js';
import { REALM } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { insufficientScope, OAuthError } from '../protocol/errors.js';
import type { ClientRecord, UserRecord } from '../storage/store.js';

const ACCOUNT = `${REALM}/account`;
type Role = (typeof ACCOUNT_ROLES)[keyof typeof ACCOUNT_ROLES];

const notFound = (description: string) => new OAuthError('not_found', description, 404);
const badRequest = (description: string) => new OAuthError('invalid_request', description, 400);

interface Caller extends BearerUser {
  realm: RealmRuntime;
}

// Keycloak's user profile attributes the account API shows and changes; attributes outside
// the profile (Keycloak 26's default: unmanaged attributes off) are neither shown nor taken.
const PROFILE_FIELDS = ['username', 'email', 'firstName', 'lastName'] as const;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

function profile(user: UserRecord) {
  return {
    id: user.id,
    username: user.username,
    ...(user.firstName !== null ? { firstName: user.firstName } : {}),
    ...(user.lastName !== null ? { lastName: user.lastName } : {}),
    ...(user.email !== null ? { email: user.email } : {}),
    emailVerified: user.emailVerified,
    userProfileMetadata: {
      attributes: PROFILE_FIELDS.map((name) => ({
        name, displayName: `\${${name}}`, required: name === 'username' || name === 'email', readOnly: name === 'username',
        multivalued: false, annotations: {}, validators: {},
      })),
      groups: [],
    },
  };
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
export const accountEndpoint: FastifyPluginAsync<{ domain: Domain }> = async (app, { domain }) => {
  /** The caller, once its token names `account` and its user holds one of the roles. */
  const caller = async (request: FastifyRequest, reply: FastifyReply, ...anyOf: Role[]): Promise<Caller> => {
    reply.header('cache-control', 'no-store');
    const realm = await realmOf(domain, request);
    const bearer = await bearerUser(domain, realm, request);
    const aud = bearer.claims.aud;
    if (!(Array.isArray(aud) ? aud : [aud]).includes(ACCOUNT_CLIENT)) {
      throw insufficientScope(realm.realm.name, 'The token is not for the account service (audience account)');
    }
    const held = (await domain.roles.effective(realm.realm.id, bearer.user.id)).clients[ACCOUNT_CLIENT] ?? [];
    if (!anyOf.some((role) => held.includes(role))) {
      throw insufficientScope(realm.realm.name, `The user needs the account role ${anyOf.join(' or ')}`);
    }
    return { ...bearer, realm };
  };
  const { manageAccount, viewProfile, manageAccountLinks, viewApplications, manageConsent } = ACCOUNT_ROLES;

  app.get(ACCOUNT, async (request, reply) => profile((await caller(request, reply, manageAccount, viewProfile)).user));

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
    const body = request.body as Partial<Record<(typeof PROFILE_FIELDS)[number], string>>;
    if (body.username !== undefined && body.username.toLowerCase() !== user.username.toLowerCase()) {
      throw badRequest('The username cannot be changed');
    }
    const text = (value: string | undefined, current: string | null) => (value === undefined ? current : value.trim() || null);
    const email = text(body.email, user.email);
    if (email !== user.email) {
      if (email === null) throw badRequest('The email is required');
      if (!EMAIL.test(email)) throw badRequest('Invalid email address');
      if ((await domain.users.othersWithEmail(realm.realm.id, email, user.id)).length > 0) {
        throw new OAuthError('conflict', 'Email exists already', 409);
      }
    }
    const updated: UserRecord = {
      ...user, firstName: text(body.firstName, user.firstName), lastName: text(body.lastName, user.lastName), email,
      // A new address is not verified.
      emailVerified: email === user.email ? user.emailVerified : false,
    };
    await domain.users.update(domain.store, updated);
    domain.users.invalidate();
    return reply.code(204).send();
  });

  app.get(`${ACCOUNT}/credentials`, {
    schema: { querystring: { type: 'object', properties: { type: { type: 'string' } } } },
  }, async (request, reply) => {
    const { user } = await caller(request, reply, manageAccount, viewProfile);
    const { type } = request.query as { type?: string };
    // The password is the one credential Latchkey has.
    if (type !== undefined && type !== 'password') return [];
    const password = await domain.store.passwords.get(user.id);
    return [{
      type: 'password', category: 'basic-authentication', displayName: 'password-display-name', helptext: 'password-help-text',
      iconCssClass: 'kcAuthenticatorPasswordClass', createAction: 'UPDATE_PASSWORD', updateAction: 'UPDATE_PASSWORD', removeable: false,
      userCredentialMetadatas: password ? [{ credential: { type: 'password', createdDate: password.createdAt * 1000 } }] : [],
    }];
  });

  app.get(`${ACCOUNT}/sessions`, async (request, reply) => {
    const { claims, user } = await caller(request, reply, manageAccount, viewProfile);
    const sessions = await domain.sessions.ofUser(user.id);
    const clients = new Map<string, ClientRecord | undefined>();
    for (const id of new Set(sessions.flatMap((s) => s.clientIds))) clients.set(id, await domain.clients.getById(id));
    return sessions.map((s) => ({
      id: s.id,
      started: s.createdAt,
      lastAccess: s.lastSeenAt,
      expires: Math.min(s.expiresAt, s.maxExpiresAt),
      clients: s.clientIds.flatMap((id) => {
        const client = clients.get(id);
        return client ? [{ clientId: client.clientId, clientName: clientName(client) }] : [];
      }),
      current: s.id === claims.sid,
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
    await domain.consents.revoke(user.id, client.id);
    // As Keycloak's revokeConsentToClient: the offline tokens the consent let the client have go with it.
    await domain.sessions.endOfflineOf(user.id, client.id);
    return reply.code(204).send();
  });
};
