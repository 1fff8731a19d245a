// Authorization codes for the code-exchange benchmark, got as a browser would: the first
// authorization request signs in through the login form, the rest ride on the session
// cookie and come straight back with a code.
import { createHash, randomBytes } from 'node:crypto';

import { HttpBrowser } from '../test/helpers/http-browser.js';

/** One verifier for every code: the S256 check still runs per exchange. */
export const PKCE_VERIFIER = randomBytes(32).toString('base64url');
const PKCE_CHALLENGE = createHash('sha256').update(PKCE_VERIFIER).digest('base64url');

export interface BrowserFlowTarget {
  name: string;
  authorizationUrl: string;
  clientId: string;
  redirectUri: string;
  username: string;
  password: string;
}

export class BrowserFlow {
  private readonly browser = new HttpBrowser();

  constructor(private readonly target: BrowserFlowTarget) {}

  /** A fresh code for the target's client, PKCE S256 with PKCE_VERIFIER. */
  async code(): Promise<string> {
    const { target } = this;
    const url = new URL(target.authorizationUrl);
    url.search = new URLSearchParams({
      client_id: target.clientId,
      response_type: 'code',
      scope: 'openid profile email',
      redirect_uri: target.redirectUri,
      state: randomBytes(8).toString('base64url'),
      nonce: randomBytes(8).toString('base64url'),
      code_challenge: PKCE_CHALLENGE,
      code_challenge_method: 'S256',
    }).toString();
    const page = await this.browser.authorize(url.toString(), target);
    const code = page.location?.startsWith(target.redirectUri) ? new URL(page.location).searchParams.get('code') : null;
    if (!code) throw new Error(`${target.name} did not come back with a code: HTTP ${page.status} ${page.location ?? page.text.slice(0, 200)}`);
    return code;
  }
}
