// A browser reduced to what the sign-in pages need, over plain HTTP: a cookie jar (by name
// and path), redirects followed while they stay on the server, and the page's forms read
// and submitted. For tests where Chromium would only cost time (lockout after 30 failures,
// CSRF and cookie details); the browser suites use the real one.
import assert from 'node:assert/strict';

export interface HttpPage {
  url: string;
  status: number;
  headers: Headers;
  /** The Location of a redirect, resolved against the request URL. */
  location?: string;
  text: string;
}

export interface HtmlForm {
  action: string;
  method: string;
  /** Every named input with a value (hidden fields, prefilled ones, submit buttons). */
  fields: Record<string, string>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" };
const unescapeHtml = (s: string) => s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e: string) => ENTITIES[e]);
const attribute = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? unescapeHtml(m[1]) : undefined;
};

/** The form with that id on a page, or the first one. */
export function formOf(page: Pick<HttpPage, 'text' | 'url'>, id?: string): HtmlForm {
  const forms = [...page.text.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)].map((m) => m[0]);
  const html = id === undefined ? forms[0] : forms.find((f) => attribute(f.slice(0, f.indexOf('>') + 1), 'id') === id);
  assert.ok(html, `no form${id ? ` #${id}` : ''} on ${page.url}: ${page.text.slice(0, 400)}`);
  const open = html.slice(0, html.indexOf('>') + 1);
  const fields: Record<string, string> = {};
  for (const [input] of html.matchAll(/<input\b[^>]*>/g)) {
    const name = attribute(input, 'name');
    const value = attribute(input, 'value');
    if (name !== undefined && value !== undefined) fields[name] = value;
  }
  return { action: new URL(attribute(open, 'action') ?? page.url, page.url).toString(), method: attribute(open, 'method') ?? 'get', fields };
}

interface Cookie { name: string; value: string; path: string; attributes: string }

export class HttpBrowser {
  private readonly jar = new Map<string, Cookie>();
  /** Every Set-Cookie header received, as sent. */
  readonly setCookies: string[] = [];

  /** One request, no redirect followed. */
  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<HttpPage> {
    const target = new URL(url);
    const cookie = [...this.jar.values()].filter((c) => target.pathname.startsWith(c.path)).map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...init.headers,
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    for (const line of res.headers.getSetCookie()) this.store(line);
    const location = res.headers.get('location');
    return { url, status: res.status, headers: res.headers, location: location ? new URL(location, url).toString() : undefined, text: await res.text() };
  }

  /** Follows redirects while they stay on the origin of `url`; the first one that leaves it is returned as is. */
  async visit(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<HttpPage> {
    const origin = new URL(url).origin;
    let page = await this.request(url, init);
    for (let hops = 0; page.location && new URL(page.location).origin === origin && page.status >= 300 && page.status < 400; hops++) {
      assert.ok(hops < 10, `too many redirects from ${url}`);
      page = await this.request(page.location, { headers: init.headers });
    }
    return page;
  }

  /** Submits a page's form with some fields changed (undefined removes one), following redirects on the server. */
  submit(page: HttpPage, id: string | undefined, changes: Record<string, string | undefined> = {}, headers?: Record<string, string>): Promise<HttpPage> {
    const form = formOf(page, id);
    const fields = { ...form.fields, ...changes };
    const defined = Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
    return this.visit(form.action, { form: defined, headers });
  }

  /** Fills the login page (Keycloak's field names) and submits it. */
  signIn(page: HttpPage, username: string, password: string, headers?: Record<string, string>): Promise<HttpPage> {
    return this.submit(page, 'kc-form-login', { username, password }, headers);
  }

  /** Visits an authorization URL, and signs in when the login page shows and credentials are given. */
  async authorize(url: string, credentials?: { username: string; password: string }, headers?: Record<string, string>): Promise<HttpPage> {
    const page = await this.visit(url, { headers });
    return credentials && isLoginPage(page) ? this.signIn(page, credentials.username, credentials.password, headers) : page;
  }

  cookie(name: string): string | undefined {
    return [...this.jar.values()].find((c) => c.name === name)?.value;
  }

  /** The attributes (`Path=/; HttpOnly; Secure …`) the named cookie was last set with. */
  cookieAttributes(name: string): string | undefined {
    return [...this.jar.values()].find((c) => c.name === name)?.attributes;
  }

  private store(line: string) {
    this.setCookies.push(line);
    const [pair, ...rest] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const attributes = rest.join(';').trim();
    const path = /(?:^|;)\s*path=([^;]*)/i.exec(attributes)?.[1] ?? '/';
    const expires = /(?:^|;)\s*expires=([^;]*)/i.exec(attributes)?.[1];
    const key = `${name} ${path}`;
    if (!value || (expires && Date.parse(expires) <= Date.now())) this.jar.delete(key);
    else this.jar.set(key, { name, value, path, attributes });
  }
}

/** The parameters of an authorization response: the redirect's query, or its fragment. */
export function responseParams(page: Pick<HttpPage, 'location' | 'url'>): Record<string, string> {
  assert.ok(page.location, `a redirect from ${page.url}`);
  const url = new URL(page.location);
  return Object.fromEntries(new URLSearchParams(url.hash ? url.hash.slice(1) : url.search).entries());
}

/** True when the page is the server's login form. */
export const isLoginPage = (page: Pick<HttpPage, 'status' | 'text'>) => page.status === 200 && page.text.includes('id="kc-form-login"');
