import type { ClientRuntime, Domain, RealmRuntime } from '../../domain/index.js';
import { now } from '../../domain/time.js';
import { hasPendingActions } from '../../domain/users.js';
import type { SessionRecord, UserRecord } from '../../storage/store.js';
import { scopesOfClaims, storableClaims } from '../claims.js';
import { OAuthError } from '../errors.js';
import { sessionState } from '../session-state.js';
import { mintAccessToken, mintIdToken } from '../tokens.js';
import { requestedLevel, sessionLevel } from './acr.js';
import { returnsCode, returnsIdToken, returnsToken, type AuthorizationRequest } from './request.js';
import { responseModes, type AuthorizationResponse } from './response-modes.js';

/** step-up: signed in, but with less than the request asks for (a second factor). */
/** action: signed in, and the client asks for a required action (kc_action). */
export type Next = 'login' | 'step-up' | 'action' | 'consent' | 'respond';

export interface Situation {
  session?: SessionRecord;
  user?: UserRecord;
  /** The user signed in during this very request, so prompt=login and max_age are satisfied. */
  freshLogin?: boolean;
  /** The user just answered the consent page. */
  consentGiven?: boolean;
  /** What became of the client's kc_action, once the user did it or said no. */
  actionStatus?: 'success' | 'cancelled';
}

/**
 * Whether a session signed in at authTime is too old for the request: prompt=login, or
 * max_age passed. max_age=0 always is (Core errata: the same as prompt=login), as whole
 * seconds cannot tell a sign-in this second from one a moment ago.
 */
export function reauthenticationRequired(req: Pick<AuthorizationRequest, 'prompt' | 'maxAge'>, authTime: number): boolean {
  if (req.prompt.includes('login')) return true;
  return req.maxAge !== undefined && (req.maxAge === 0 || now() - authTime > req.maxAge);
}

/** What the user consents to: the scopes asked for, and those whose claims the claims parameter names. */
export const consentScopes = (client: ClientRuntime, req: Pick<AuthorizationRequest, 'scopes' | 'claims'>): string[] =>
  [...new Set([...req.scopes, ...scopesOfClaims(client, req.claims)])];

/**
 * What the authorization request needs next (Core §3.1.2.3), or the error
 * prompt=none gets when it would need the user (§3.1.2.6).
 */
export async function nextStep(domain: Domain, realm: RealmRuntime, client: ClientRuntime, req: AuthorizationRequest, s: Situation): Promise<Next> {
  const { session, user, freshLogin } = s;
  const otherUser = req.idTokenHintSub !== undefined && user !== undefined && req.idTokenHintSub !== user.id;
  const wanted = requestedLevel(realm.realm, client, req);
  // Level 1 asks for more than a single sign-on gives (level 0): sign in again. Level 2 asks a
  // second factor of a session that has none (below).
  const signInAgain = wanted === 1;
  // select_account: the login page is where the user picks the account (there is no account chooser).
  const askAgain = req.prompt.includes('select_account') || otherUser || signInAgain
    || (session !== undefined && reauthenticationRequired(req, session.authTime));
  if (!session || !user || !user.enabled || (!freshLogin && askAgain)) {
    if (req.prompt.includes('none')) throw new OAuthError('login_required', 'The user must sign in');
    return 'login';
  }
  // A user with a required action (a temporary password set since the session began, an address to verify) signs in again, which asks for it.
  if (!freshLogin && hasPendingActions(realm.realm, user)) {
    // Signed in, but with something to do first: more than a sign-in, and nothing prompt=none may ask for.
    if (req.prompt.includes('none')) throw new OAuthError('interaction_required', 'The user must complete a required action');
    return 'login';
  }
  if (req.kcAction && !s.actionStatus) {
    if (req.prompt.includes('none')) throw new OAuthError('interaction_required', 'The requested action needs the user');
    return 'action';
  }
  if (wanted !== undefined && sessionLevel(session) < wanted) {
    if (req.prompt.includes('none')) throw new OAuthError('interaction_required', 'The request asks for a second factor the session has not given');
    return 'step-up';
  }
  if ((client.record.settings.consentRequired || req.device) && !s.consentGiven) {
    // A device is always confirmed (as Keycloak does): the user code may have come from someone else.
    const remembered = !req.device && await domain.consents.covers(user.id, client.record.id, consentScopes(client, req));
    if (!remembered || req.prompt.includes('consent')) {
      if (req.prompt.includes('none')) throw new OAuthError('consent_required', 'The user must consent');
      return 'consent';
    }
  }
  return 'respond';
}

const common = (realm: RealmRuntime, req: AuthorizationRequest): Record<string, string> => ({
  ...(req.state !== undefined ? { state: req.state } : {}),
  // RFC 9207: the issuer travels with every response, success or error.
  iss: realm.issuer,
});

/** The successful response: a code, tokens, or both, in the request's response mode. */
export async function authorizationResponse(
  domain: Domain, realm: RealmRuntime, client: ClientRuntime, req: AuthorizationRequest, user: UserRecord, session: SessionRecord,
  acr: string, actionStatus?: Situation['actionStatus'],
): Promise<AuthorizationResponse> {
  const params: Record<string, string> = {
    ...common(realm, req), session_state: sessionState(client.record.clientId, req.redirectUri, session.id),
    // Keycloak's answer to an application-initiated action: which, and whether the user did it.
    ...(req.kcAction && actionStatus ? { kc_action: req.kcAction, kc_action_status: actionStatus } : {}),
  };
  const subject = { realm, client, user, scopes: req.scopes, session };
  if (returnsCode(req)) {
    params.code = await domain.codes.issue(realm.realm, {
      realmId: realm.realm.id, clientId: client.record.id, userId: user.id, sessionId: session.id,
      redirectUri: req.redirectUri, scope: req.scopes.join(' '), nonce: req.nonce ?? null,
      codeChallenge: req.codeChallenge ?? null, codeChallengeMethod: req.codeChallengeMethod ?? null,
      authTime: session.authTime, claims: storableClaims(req.claims), acr, ...(req.dpopJkt ? { dpopJkt: req.dpopJkt } : {}),
    });
  }
  if (returnsToken(req)) {
    const access = await mintAccessToken(domain, { ...subject, acr, userinfoClaims: req.claims?.userinfo });
    Object.assign(params, { access_token: access.token, token_type: 'Bearer', expires_in: String(access.lifespan), scope: access.scope });
  }
  if (returnsIdToken(req)) {
    params.id_token = await mintIdToken(domain, subject, {
      nonce: req.nonce, accessToken: params.access_token, code: params.code, claims: req.claims, acr,
    });
  }
  return responseModes.get(req.responseMode)!.respond(req.redirectUri, params);
}

/** An error sent back to the client (RFC 6749 §4.1.2.1), once its redirect URI is known to be safe. */
export function authorizationError(realm: RealmRuntime, req: Partial<AuthorizationRequest> & { redirectUri: string }, error: OAuthError): AuthorizationResponse {
  const mode = responseModes.get(req.responseMode ?? 'query') ?? responseModes.get('query')!;
  return mode.respond(req.redirectUri, {
    error: error.error,
    error_description: error.description,
    ...common(realm, req as AuthorizationRequest),
  });
}
