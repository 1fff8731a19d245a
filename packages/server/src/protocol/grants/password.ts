import { hasSecondFactor } from '../../domain/authentication/index.js';
import { SIGN_IN_ERRORS } from '../../domain/events.js';
import { lockoutDetail, signInWithPassword } from '../../domain/sign-in.js';
import { hasPendingActions } from '../../domain/users.js';
import { invalidGrant, invalidRequest, unauthorizedClient } from '../errors.js';
import { grantedScopes, OFFLINE_ACCESS } from '../scopes.js';
import { issueTokens } from '../tokens.js';
import type { GrantHandler } from './grant.js';

// Keycloak's wording, which its client libraries and users already know; a lockout is told as a
// wrong password is, or it would tell which accounts exist (the event says what it was).
const FAILURES = {
  invalid_credentials: 'Invalid user credentials', disabled: 'Account disabled', locked: 'Invalid user credentials',
} as const;

/** RFC 6749 §4.3, for clients with Keycloak's direct access grants on (seed 002). */
export const passwordGrant: GrantHandler = {
  type: 'password',

  allowed({ client }) {
    if (!client.record.settings.directAccessGrants) throw unauthorizedClient('Client is not allowed direct access grants');
  },

  async handle({ domain, realm, client, params, address, notes, dpop }) {
    if (!params.username || params.password === undefined) throw invalidRequest('username and password are required');
    const scopes = grantedScopes(client.client, params.scope);
    const check = await signInWithPassword(domain, realm.realm, params.username, params.password, address);
    if (notes) Object.assign(notes.details, { username: params.username, auth_method: 'openid-connect', ...lockoutDetail(check) });
    if (notes) Object.assign(notes, check.ok ? { userId: check.user.id } : { userId: check.userId, error: SIGN_IN_ERRORS[check.reason] });
    if (!check.ok) throw invalidGrant(FAILURES[check.reason]);
    // A temporary password must be replaced (an address verified …) on the login page first; Keycloak's words.
    if (hasPendingActions(realm.realm, check.user)) {
      if (notes) notes.error = 'resolve_required_actions';
      throw invalidGrant('Account is not fully set up');
    }
    // A user with a second factor gives a one-time code too (Keycloak's otp parameter), or is
    // refused in Keycloak's words, unless the realm lets the password alone do.
    const amr = ['pwd'];
    if (await hasSecondFactor(domain, check.user.id)) {
      const code = params.otp ?? params.totp;
      if (code !== undefined && await domain.credentials.useOtp(realm.realm, check.user.id, code)) {
        amr.push('otp', 'mfa');
      } else if (code !== undefined || !realm.realm.settings.passwordGrantWithSecondFactor) {
        if (code !== undefined) await domain.bruteForce.failed(realm.realm, check.user.id, address);
        if (notes) notes.error = 'invalid_user_credentials';
        throw invalidGrant('Invalid user credentials');
      }
    }
    const roles = await domain.roles.effective(realm.realm.id, check.user.id);
    // offline_access yields an offline session only for users holding that role, as in Keycloak.
    const offline = scopes.includes(OFFLINE_ACCESS) && roles.realm.includes(OFFLINE_ACCESS);
    const session = await domain.sessions.start(realm.realm, check.user.id, { offline, amr });
    if (notes) notes.sessionId = session.id;
    return issueTokens(domain, { realm, client: client.client, user: check.user, scopes, session, refresh: {}, dpopJkt: dpop?.jkt });
  },
};
