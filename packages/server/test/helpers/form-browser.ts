// A cookie-keeping client that walks the authorization endpoint and the login page over
// plain HTTP: for tests about tokens and events (and the benchmark's codes), where a real
// browser would only add time. The browser tests drive Chromium instead.

export interface FormResponse {
  status: number;
  location?: string;
  text: string;
  headers: Headers;
}

export interface Credentials {
  username: string;
  password: string;
}

const MAX_HOPS = 10;

const unescape = (s: string) =>
  s.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** The first form of a page: where it posts, and its hidden fields. */
export function firstForm(html: string, pageUrl: string): { action: string; hidden: Record<string, string> } | undefined {
  const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const hidden: Record<string, string> = {};
  for (const input of form[2].matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
    const name = /name="([^"]+)"/.exec(input[0])?.[1];
    if (name) hidden[name] = unescape(/value="([^"]*)"/.exec(input[0])?.[1] ?? '');
  }
  return { action: new URL(unescape(form[1]), pageUrl).toString(), hidden };
}

export class FormBrowser {
  private readonly cookies = new Map<string, string>();

  /** fetch without following redirects, sending and keeping cookies. */
  async fetch(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<FormResponse> {
    const headers: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers,
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return { status: res.status, location: res.headers.get('location') ?? undefined, text: await res.text(), headers: res.headers };
  }

  /**
   * Follows an authorization request's redirects until one goes to `redirectUri`, signing in
   * with `credentials` when a login form shows (once), and returns that last redirect's URL.
   */
  async authorize(url: string, redirectUri: string, credentials?: Credentials): Promise<URL> {
    let at = url;
    let res = await this.fetch(at);
    let signedIn = false;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (res.status >= 300 && res.status < 400 && res.location) {
        const next = new URL(res.location, at);
        if (next.toString().startsWith(redirectUri)) return next;
        at = next.toString();
        res = await this.fetch(at);
        continue;
      }
      const form = res.status === 200 && credentials && !signedIn ? firstForm(res.text, at) : undefined;
      if (!form) break;
      signedIn = true;
      at = form.action;
      res = await this.fetch(at, { form: { ...form.hidden, ...credentials } });
    }
    throw new Error(`no redirect to ${redirectUri} (last: HTTP ${res.status} at ${at}: ${res.text.slice(0, 200)})`);
  }
}
