// Signs the administrator in through Latchkey's own authorization code flow with PKCE, as
// the public client security-admin-console of master (as Keycloak's console does), using
// oauth4webapi. Tokens stay in memory: a reload signs in again, which the realm's SSO
// session makes immediate. Only the PKCE verifier, state and nonce of a sign-in under way
// wait in sessionStorage while the browser is at the login page.
import * as oauth from 'oauth4webapi';

/** Where the console is served (…/admin/), wherever the server's relative path puts it. */
export const consoleBase = new URL('.', window.location.href);
/** The console is served at <relative-path>/admin/, master at <relative-path>/realms/master. */
export const issuer = new URL('../realms/master', consoleBase);

const CLIENT: oauth.Client = { client_id: 'security-admin-console' };
const PENDING = 'latchkey.console.sign-in';
// Plain HTTP only where the server itself allows it (its loopback and development setups).
const options = { [oauth.allowInsecureRequests]: issuer.protocol === 'http:' };

export interface Session {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  username: string;
  userId: string;
}

/** The console was opened at an address other than the one the server calls itself by. */
export class WrongAddress extends Error {
  constructor(readonly issuer: string) {
    super(`This server's master realm is ${issuer}`);
  }
}

let server: oauth.AuthorizationServer | undefined;
let session: Session | undefined;
let refreshing: Promise<Session> | undefined;

async function discover(): Promise<oauth.AuthorizationServer> {
  if (server) return server;
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...options });
  try {
    server = await oauth.processDiscoveryResponse(issuer, response.clone());
  } catch (err) {
    const announced = (await response.json().catch(() => undefined))?.issuer;
    if (typeof announced === 'string' && announced !== issuer.href) throw new WrongAddress(announced);
    throw err;
  }
  return server;
}

function keep(result: oauth.TokenEndpointResponse): Session {
  const claims = oauth.getValidatedIdTokenClaims(result);
  session = {
    accessToken: result.access_token,
    refreshToken: result.refresh_token ?? session?.refreshToken,
    idToken: result.id_token ?? session?.idToken,
    expiresAt: Date.now() + (result.expires_in ?? 60) * 1000,
    username: String(claims?.preferred_username ?? session?.username ?? claims?.sub ?? ''),
    userId: String(claims?.sub ?? session?.userId ?? ''),
  };
  return session;
}

/** Sends the browser to master's login page; the route it was at comes back afterwards. */
export async function redirectToSignIn(): Promise<never> {
  const as = await discover();
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, nonce, route: window.location.hash }));
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: CLIENT.client_id,
    redirect_uri: consoleBase.href,
    response_type: 'code',
    scope: 'openid',
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  window.location.assign(url.href);
  return new Promise<never>(() => {});
}

/**
 * Completes a sign-in the login page sent the browser back from, or starts one. Resolves
 * with the session once signed in; otherwise the browser is on its way to the login page.
 */
export async function signIn(): Promise<Session> {
  const as = await discover();
  const here = new URL(window.location.href);
  const pending = sessionStorage.getItem(PENDING);
  if (!pending || !(here.searchParams.has('code') || here.searchParams.has('error'))) return redirectToSignIn();
  sessionStorage.removeItem(PENDING);
  const { verifier, state, nonce, route } = JSON.parse(pending) as { verifier: string; state: string; nonce: string; route: string };
  const params = oauth.validateAuthResponse(as, CLIENT, here, state);
  const response = await oauth.authorizationCodeGrantRequest(as, CLIENT, oauth.None(), params, consoleBase.href, verifier, options);
  const result = await oauth.processAuthorizationCodeResponse(as, CLIENT, response, { expectedNonce: nonce, requireIdToken: true });
  // The code and state leave the address bar (and the history).
  window.history.replaceState(null, '', consoleBase.href + (route || ''));
  return keep(result);
}

/** The access token, refreshed when it is about to expire; a failed refresh signs in again. */
export async function accessToken(): Promise<string> {
  if (!session) return redirectToSignIn();
  if (session.expiresAt - Date.now() > 20_000) return session.accessToken;
  if (!session.refreshToken) return redirectToSignIn();
  const refreshToken = session.refreshToken;
  refreshing ??= (async () => {
    try {
      const as = await discover();
      const response = await oauth.refreshTokenGrantRequest(as, CLIENT, oauth.None(), refreshToken, options);
      return keep(await oauth.processRefreshTokenResponse(as, CLIENT, response));
    } catch {
      return redirectToSignIn();
    } finally {
      refreshing = undefined;
    }
  })();
  return (await refreshing).accessToken;
}

export const currentSession = (): Session | undefined => session;

/** RP-initiated logout: the SSO session ends and the browser comes back to the console's sign-in. */
export async function signOut(): Promise<void> {
  const as = await discover();
  const idToken = session?.idToken;
  session = undefined;
  if (!as.end_session_endpoint) {
    window.location.assign(consoleBase.href);
    return;
  }
  const url = new URL(as.end_session_endpoint);
  url.search = new URLSearchParams({
    client_id: CLIENT.client_id,
    post_logout_redirect_uri: consoleBase.href,
    ...(idToken ? { id_token_hint: idToken } : {}),
  }).toString();
  window.location.assign(url.href);
}
