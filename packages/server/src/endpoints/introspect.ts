import type { FastifyPluginAsync } from 'fastify';
import type { Domain, RealmRuntime } from '../domain/index.js';
import { now } from '../domain/time.js';
import { recordCall } from '../http/events.js';
import { formSchema, requireForm } from '../http/form.js';
import { endpointPaths, OIDC } from '../http/paths.js';
import { realmOf } from '../http/realm.js';
import { activeAccessToken, issuedBeforeNotBefore, tokenHoldersActive } from '../protocol/access-tokens.js';
import { authenticateClient } from '../protocol/client-auth.js';
import { enforceClientPolicies, policyAuthentication } from '../protocol/client-policies.js';
import { DPOP_SCHEME } from '../protocol/dpop.js';
import { refreshTokenUses } from '../protocol/grants/refresh-token.js';
import { parseScope, scopeClaim } from '../protocol/scopes.js';
import { introspectionClaims } from '../protocol/tokens.js';

const INACTIVE = { active: false } as const;

async function introspectAccessToken(domain: Domain, realm: RealmRuntime, token: string) {
  const active = await activeAccessToken(domain, realm, token);
  if (!active.ok) return undefined;
  const { claims, user, client, session } = active;
  // The acr the token was issued with (its acr mapper's) is the sign-in's, which nothing else keeps.
  const acr = typeof claims.acr === 'string' ? claims.acr : undefined;
  const visible = await introspectionClaims(domain, { realm, client, user, scopes: parseScope(claims.scope), session, acr }, claims);
  // The audience as issued: token exchange may have narrowed it from what the mappers give.
  // RFC 9449 §6.2: a bound token's key, and its type.
  const cnf = claims.cnf as { jkt?: string } | undefined;
  return {
    ...visible, aud: claims.aud, active: true, token_type: cnf?.jkt ? DPOP_SCHEME : 'Bearer', username: user.username, sub: user.id, sid: claims.sid,
    ...(cnf?.jkt ? { cnf: { jkt: cnf.jkt } } : {}),
  };
}

async function introspectRefreshToken(domain: Domain, realm: RealmRuntime, token: string) {
  const stored = await domain.tokens.findRefresh(token);
  if (!stored || stored.realmId !== realm.realm.id || stored.useCount >= refreshTokenUses(realm.realm.settings) || stored.revokedAt !== null) return undefined;
  if (stored.expiresAt <= now() || issuedBeforeNotBefore(stored.createdAt, realm.realm.settings)) return undefined;
  const record = await domain.clients.getById(stored.clientId);
  const holders = await tokenHoldersActive(domain, realm.realm.id,
    { userId: stored.userId, client: record && await domain.clients.runtime(realm.realm.id, record.clientId), sessionId: stored.sessionId, iat: stored.createdAt });
  if (!holders.ok) return undefined;
  const { user, client } = holders;
  return {
    active: true, token_type: 'Refresh', scope: scopeClaim(client, parseScope(stored.scope)), client_id: client.record.clientId, sub: user.id,
    username: user.username, iss: realm.issuer, iat: stored.createdAt, exp: stored.expiresAt, sid: stored.sessionId,
    ...(stored.dpopJkt ? { cnf: { jkt: stored.dpopJkt } } : {}),
  };
}

/** RFC 7662. Only authenticated (confidential) clients may ask. */
export const introspectionEndpoint: FastifyPluginAsync<{ domain: Domain }> = async (app, { domain }) => {
  app.post(`${OIDC}/token/introspect`, { schema: { body: formSchema(['token']) } }, async (request, reply) => {
    const params = requireForm(request);
    const realm = await realmOf(domain, request);
    reply.header('cache-control', 'no-store');
    return recordCall(domain, realm, request, params, ['INTROSPECT_TOKEN', 'INTROSPECT_TOKEN_ERROR'], async (notes) => {
      notes.client = await authenticateClient(domain, realm, {
        authorization: request.headers.authorization, params, endpoint: realm.issuer + endpointPaths.introspection,
      }, { publicRefused: 'Public clients may not introspect tokens' });
      await enforceClientPolicies(domain, realm, notes.client.client, { kind: 'introspection', authentication: policyAuthentication(params, notes.client) });
      // The hint orders the lookups; either kind is still found (RFC 7662 §2.1).
      const lookups = params.token_type_hint === 'refresh_token'
        ? [introspectRefreshToken, introspectAccessToken]
        : [introspectAccessToken, introspectRefreshToken];
      for (const lookup of lookups) {
        const result = await lookup(domain, realm, params.token!);
        if (result) {
          Object.assign(notes, { userId: result.sub, sessionId: result.sid });
          return result;
        }
      }
      // Still 200 (RFC 7662 §2.2); Keycloak records the inactive token as an error.
      notes.error = 'invalid_token';
      return INACTIVE;
    });
  });
};
