// Authorization codes for the code-exchange benchmark, got as a browser would: the first
// authorization request signs in (a login form, when the server shows one), the rest ride
// on the session cookie and come straight back with a code. A benchmark harness, not a
// relying party: it only needs codes, so it follows redirects and fills one form by hand.
import { createHash, randomBytes } from 'node:crypto';

import { request, type HttpResponse } from './http.js';

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

const MAX_HOPS = 10;

class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(res: HttpResponse): void {
    for (const line of res.headers['set-cookie'] ?? []) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      if (at > 0) this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const decodeEntities = (text: string) =>
  text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** The first form of a page: where it posts, and its hidden fields. */
function loginForm(html: string, pageUrl: string): { action: string; hidden: Record<string, string> } | undefined {
  const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const hidden: Record<string, string> = {};
  for (const input of form[2].matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
    const name = /name="([^"]+)"/.exec(input[0])?.[1];
    if (name) hidden[name] = decodeEntities(/value="([^"]*)"/.exec(input[0])?.[1] ?? '');
  }
  return { action: new URL(decodeEntities(form[1]), pageUrl).toString(), hidden };
}

export class BrowserFlow {
  private readonly jar = new CookieJar();

  constructor(private readonly target: BrowserFlowTarget) {}

  private authorizationRequest(): string {
    const url = new URL(this.target.authorizationUrl);
    url.search = new URLSearchParams({
      client_id: this.target.clientId,
      response_type: 'code',
      scope: 'openid profile email',
      redirect_uri: this.target.redirectUri,
      state: randomBytes(8).toString('base64url'),
      nonce: randomBytes(8).toString('base64url'),
      code_challenge: PKCE_CHALLENGE,
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  }

  private async fetch(url: string, init: { method?: string; body?: string } = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = { cookie: this.jar.header() };
    if (init.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await request(url, { ...init, headers });
    this.jar.take(res);
    return res;
  }

  /** A fresh code: follows redirects until the redirect_uri, signing in on the way if asked. */
  async code(): Promise<string> {
    let url = this.authorizationRequest();
    let res = await this.fetch(url);
    let signedIn = false;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const location = res.headers.location;
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, url);
        if (next.toString().startsWith(this.target.redirectUri)) {
          const code = next.searchParams.get('code');
          if (!code) throw new Error(`${this.target.name} redirected back without a code: ${next}`);
          return code;
        }
        url = next.toString();
        res = await this.fetch(url);
        continue;
      }
      const form = res.status === 200 && !signedIn ? loginForm(res.body, url) : undefined;
      if (!form) break;
      signedIn = true;
      const body = new URLSearchParams({ ...form.hidden, username: this.target.username, password: this.target.password }).toString();
      url = form.action;
      res = await this.fetch(url, { method: 'POST', body });
    }
    throw new Error(`${this.target.name} did not come back with a code (last: HTTP ${res.status} at ${url}: ${res.body.slice(0, 200)})`);
  }
}
