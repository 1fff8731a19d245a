// Signs a user in through Latchkey's own authorization code flow with PKCE, as a public
// client, using oauth4webapi: the admin console (master's security-admin-console) and the
// account console (each realm's account-console) alike. Tokens stay in memory: a reload signs
// in again, which the realm's SSO session makes immediate. Only the PKCE verifier, state and
// nonce of a sign-in under way wait in sessionStorage while the browser is at the login page.
import * as oauth from 'oauth4webapi';

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
    super(`This server's realm is ${issuer}`);
  }
}

export interface OidcOptions {
  issuer: URL;
  clientId: string;
  /** Where the app is served: the redirect URI and the post-logout one. */
  base: URL;
  /** The sessionStorage key of a sign-in under way. */
  pending: string;
}

export function oidcSession({ issuer, clientId, base, pending: PENDING }: OidcOptions) {
  const client: oauth.Client = { client_id: clientId };
  // Plain HTTP only where the server itself allows it (its loopback and development setups).
  const options = { [oauth.allowInsecureRequests]: issuer.protocol === 'http:' };
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

  /** Sends the browser to the realm's login page (with `extra` parameters: kc_action, …); the route it was at comes back afterwards. */
  async function redirectToSignIn(extra: Record<string, string> = {}): Promise<never> {
    const as = await discover();
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, nonce, route: window.location.hash }));
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: base.href,
      response_type: 'code',
      scope: 'openid',
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    }).toString();
    window.location.assign(url.href);
    return new Promise<never>(() => {});
  }

  /**
   * Completes a sign-in the login page sent the browser back from, or starts one. Resolves
   * with the session once signed in (and the response's parameters, kc_action_status among
   * them); otherwise the browser is on its way to the login page.
   */
  async function signIn(): Promise<Session & { response: URLSearchParams }> {
    const as = await discover();
    const here = new URL(window.location.href);
    const pending = sessionStorage.getItem(PENDING);
    if (!pending || !(here.searchParams.has('code') || here.searchParams.has('error'))) return redirectToSignIn();
    sessionStorage.removeItem(PENDING);
    const { verifier, state, nonce, route } = JSON.parse(pending) as { verifier: string; state: string; nonce: string; route: string };
    const params = oauth.validateAuthResponse(as, client, here, state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, base.href, verifier, options);
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, requireIdToken: true });
    // The code and state leave the address bar (and the history).
    window.history.replaceState(null, '', base.href + (route || ''));
    return { ...keep(result), response: here.searchParams };
  }

  /** The access token, refreshed when it is about to expire; a failed refresh signs in again. */
  async function accessToken(): Promise<string> {
    if (!session) return redirectToSignIn();
    if (session.expiresAt - Date.now() > 20_000) return session.accessToken;
    if (!session.refreshToken) return redirectToSignIn();
    const refreshToken = session.refreshToken;
    refreshing ??= (async () => {
      try {
        const as = await discover();
        const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, options);
        return keep(await oauth.processRefreshTokenResponse(as, client, response));
      } catch {
        return redirectToSignIn();
      } finally {
        refreshing = undefined;
      }
    })();
    return (await refreshing).accessToken;
  }

  /** RP-initiated logout: the SSO session ends and the browser comes back to the app's sign-in. */
  async function signOut(): Promise<void> {
    const as = await discover();
    const idToken = session?.idToken;
    session = undefined;
    if (!as.end_session_endpoint) {
      window.location.assign(base.href);
      return;
    }
    const url = new URL(as.end_session_endpoint);
    url.search = new URLSearchParams({
      client_id: clientId,
      post_logout_redirect_uri: base.href,
      ...(idToken ? { id_token_hint: idToken } : {}),
    }).toString();
    window.location.assign(url.href);
  }

  return { signIn, redirectToSignIn, accessToken, signOut, currentSession: (): Session | undefined => session };
}
