import { activeAccessToken } from '../access-tokens.js';
import { audiencesOf } from '../claims.js';
import { clientOAuthPolicy } from '../client-attributes.js';
import { invalidRequest, invalidScope, unauthorizedClient, OAuthError } from '../errors.js';
import { grantedScopes, OFFLINE_ACCESS, OPENID, parseScope, scopeClaim } from '../scopes.js';
import { issueTokens, lifespanOf, mintIdToken } from '../tokens.js';
import type { GrantHandler } from './grant.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** RFC 8693 §3's token type identifiers. */
export const TOKEN_TYPE = {
  access: 'urn:ietf:params:oauth:token-type:access_token',
  refresh: 'urn:ietf:params:oauth:token-type:refresh_token',
  id: 'urn:ietf:params:oauth:token-type:id_token',
} as const;

// Keycloak's subject_issuer, requested_issuer (external exchange) and requested_subject
// (impersonation) belong to its legacy token exchange; actor tokens (delegation) to neither.
const UNSUPPORTED = ['actor_token', 'subject_issuer', 'requested_issuer', 'requested_subject'];

/**
 * RFC 8693 as Keycloak 26's standard token exchange (internal to internal): a confidential client
 * that enables it trades a user's access token, one meant for it, for a token of its own, in the
 * same user session, limited to the audiences and scopes its own tokens could have.
 */
export const tokenExchangeGrant: GrantHandler = {
  type: TOKEN_EXCHANGE_GRANT,

  allowed({ client }) {
    if (client.record.publicClient) throw new OAuthError('invalid_client', 'Public client is not allowed to exchange token');
    if (!clientOAuthPolicy(client.record.settings).standardTokenExchange) {
      throw unauthorizedClient('Standard token exchange is not enabled for the requested client');
    }
  },

  async handle({ domain, realm, client, params, notes, dpop }) {
    const requester = client.client;
    const clientId = requester.record.clientId;
    const unsupported = UNSUPPORTED.find((p) => params[p] !== undefined);
    if (unsupported) throw invalidRequest(`Parameter '${unsupported}' is not supported for standard token exchange`);
    if (!params.subject_token) throw invalidRequest("Parameter 'subject_token' required for standard token exchange");
    if (!params.subject_token_type) throw invalidRequest("Parameter 'subject_token_type' required for standard token exchange");
    if (params.subject_token_type !== TOKEN_TYPE.access) throw invalidRequest("Parameter 'subject_token' supports access tokens only");
    const requested = params.requested_token_type ?? TOKEN_TYPE.access;
    if (notes) notes.details.requested_token_type = requested;
    const policy = clientOAuthPolicy(requester.record.settings);
    const refreshAllowed = requester.record.settings.refreshTokens && policy.tokenExchangeRefresh !== 'NO';
    if (!(requested === TOKEN_TYPE.access || requested === TOKEN_TYPE.id || (requested === TOKEN_TYPE.refresh && refreshAllowed))) {
      throw invalidRequest('requested_token_type unsupported');
    }

    const subject = await activeAccessToken(domain, realm, params.subject_token);
    if (!subject.ok) {
      if (notes) notes.details.reason = `subject_token validation failure: ${subject.reason}`;
      throw invalidRequest('Invalid token');
    }
    const { claims, user, session } = subject;
    if (notes) {
      Object.assign(notes, { userId: user.id, sessionId: session?.id });
      Object.assign(notes.details, { username: user.username, subject_token_client_id: claims.client_id });
    }
    // Keycloak's rule: the token must be meant for the requester (issued to it, or naming it an audience).
    if (claims.client_id !== clientId && !audiencesOf(claims.aud).includes(clientId)) {
      throw invalidRequest('Client is not within the token audience');
    }
    // A sender-constrained token (RFC 7800's cnf: DPoP, mutual TLS) would shed its binding here;
    // Keycloak takes one only from its holder, with its proof, which this grant does not check.
    if (claims.cnf !== undefined) throw invalidRequest('Sender-constrained subject tokens are not supported for token exchange');

    const audience = parseScope(params.audience);
    if (notes && audience.length > 0) notes.details.audience = audience.join(' ');
    for (const target of audience) {
      const found = await domain.clients.runtime(realm.realm.id, target);
      if (!found?.record.enabled) throw new OAuthError('invalid_target', `Audience not found or disabled: ${target}`);
    }
    const scopes = grantedScopes(requester, params.scope);
    // Keycloak's validateConsents: a client that needs consent has it for what it asks, or nothing.
    if (requester.record.settings.consentRequired && !(await domain.consents.covers(user.id, requester.record.id, parseScope(params.scope)))) {
      throw invalidScope(`Missing consents for Token Exchange in client ${clientId}`);
    }
    // An offline session is not carried over (Keycloak makes a transient one): the new token then
    // has no session, so neither a refresh token nor an ID token, which would need a new one.
    const online = session && !session.offline ? session : undefined;

    if (requested === TOKEN_TYPE.id) {
      if (!online || !scopes.includes(OPENID)) throw invalidRequest('An ID token needs the openid scope and the user session of the subject token');
      // RFC 8693 §2.2.1: the token issued goes in access_token, whatever it is.
      const token = await mintIdToken(domain, { realm, client: requester, user, scopes, session: online });
      return {
        access_token: token, issued_token_type: requested, token_type: 'N_A', expires_in: lifespanOf({ realm, client: requester }),
        scope: scopeClaim(requester, scopes), 'not-before-policy': realm.realm.settings.notBefore ?? 0,
      };
    }
    if (requested === TOKEN_TYPE.refresh) {
      if (!online) throw invalidRequest('Refresh token not valid as requested_token_type because creating a new session is needed');
      if (scopes.includes(OFFLINE_ACCESS)) throw invalidRequest('Scope offline_access not allowed for token exchange');
    }
    const tokens = await issueTokens(domain, {
      realm, client: requester, user, scopes, session: online, audience: audience.length > 0 ? audience : undefined,
      refresh: requested === TOKEN_TYPE.refresh ? {} : undefined, dpopJkt: dpop?.jkt,
    });
    return { ...tokens, issued_token_type: requested };
  },
};
