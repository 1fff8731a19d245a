// A small relying party for the browser tests: an HTTP server on 127.0.0.1
// that starts authorization requests, receives the responses at /callback
// (query, form_post, or fragment relayed by a script) and validates them the
// way a real client would, with openid-client v6 where it can and with jose
// for the response types openid-client does not process.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import * as client from 'openid-client';
import { PATIENCE_MS } from './server.js';

export type ResponseMode = 'query' | 'fragment' | 'form_post';
type Transport = 'query' | 'form_post' | 'fragment';

export interface FlowOptions {
  clientId: string;
  /** Default `code`. */
  responseType?: string;
  responseMode?: ResponseMode;
  /** Default S256 when the response type returns a code, else none. */
  pkce?: 'S256' | 'plain' | false;
  /** Default `openid`. */
  scope?: string;
  /** A nonce is sent unless false; a string fixes its value. */
  nonce?: string | false;
  /** Overrides the RP's own /callback (for requests the server must refuse). */
  redirectUri?: string;
  /** prompt, max_age, ui_locales, login_hint, id_token_hint, claims, acr_values … */
  params?: Record<string, string>;
}

export interface Outcome {
  transport: Transport;
  /** Every parameter of the authorization response, as received. */
  params: Record<string, string>;
  error?: string;
  errorDescription?: string;
  iss?: string;
  state?: string;
  /** What the token endpoint returned for the code, when the response carried one. */
  tokens?: client.TokenEndpointResponse;
  /** The access token the client ends up with (front channel or token endpoint). */
  accessToken?: string;
  /** Validated claims of the ID token from the authorization response. */
  frontIdToken?: JWTPayload;
  /** Validated claims of the ID token from the token endpoint. */
  idToken?: JWTPayload;
  /** Set when the RP refused the response: validation or the code exchange failed. */
  failure?: Error;
}

export interface Flow {
  /** The authorization URL to send the browser to. */
  url: string;
  options: FlowOptions;
  state: string;
  nonce?: string;
  codeVerifier?: string;
  redirectUri: string;
  /** The response, once /callback got it and the RP has processed it. */
  outcome(timeoutMs?: number): Promise<Outcome>;
  /** Whether any response arrived for this flow. */
  readonly received: boolean;
}

export interface LogoutVisit {
  query: Record<string, string>;
}

export interface EndSessionOptions {
  clientId?: string;
  idTokenHint?: string;
  /** true: the RP's registered /logged-out. */
  postLogoutRedirectUri?: string | true;
  state?: string;
  params?: Record<string, string>;
}

interface FlowState extends Flow {
  config: client.Configuration;
  maxAge?: number;
  result?: Outcome;
  waiters: Array<(o: Outcome) => void>;
}

/** Response types whose front channel openid-client v6 validates itself. */
const OPENID_CLIENT_TYPES = new Set(['code', 'id_token', 'code id_token']);

/** OIDC Core §3.1.3.6 / §3.3.2.11: base64url of the left half of the hash the JWS algorithm uses. */
export function halfHash(value: string, alg = 'RS256'): string {
  const bits = alg === 'EdDSA' ? 512 : Number(/(\d{3})$/.exec(alg)?.[1] ?? 256);
  const digest = createHash(`sha${bits}`).update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

const paramsOf = (p: URLSearchParams): Record<string, string> => Object.fromEntries(p.entries());

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, title: string, text: string, script?: string) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`
    + `<body><h1>Relying party</h1><p id="rp-status">${escapeHtml(text)}</p>`
    + (script ? `<script src="${script}"></script>` : '') + '</body></html>');
}

// Served from the RP, not inline: relays the fragment (which never reaches a server) to the RP.
const FRAGMENT_JS = `(function () {
  var status = document.getElementById('rp-status');
  fetch('/callback-fragment', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: location.hash.slice(1) })
    .then(function (r) { return r.text(); })
    .then(function (t) { status.textContent = t; document.title = 'RP: done'; })
    .catch(function (e) { status.textContent = 'relay failed: ' + e; });
})();
`;

export class RelyingParty {
  readonly port: number;
  readonly origin: string;
  readonly redirectUri: string;
  readonly loggedOutUri: string;
  /** Every authorization response received, matched to a flow or not. */
  readonly responses: Array<{ transport: Transport; params: Record<string, string> }> = [];
  readonly logoutVisits: LogoutVisit[] = [];

  private readonly flows = new Map<string, FlowState>();
  private readonly secrets = new Map<string, string | undefined>();
  private logoutWaiters: Array<(v: LogoutVisit) => boolean> = [];
  private metadata?: client.ServerMetadata;
  private jwks?: ReturnType<typeof createRemoteJWKSet>;

  private constructor(private readonly server: Server) {
    this.port = (server.address() as { port: number }).port;
    // The browser reaches the RP as localhost, like the server's issuer.
    this.origin = `http://localhost:${this.port}`;
    this.redirectUri = `${this.origin}/callback`;
    this.loggedOutUri = `${this.origin}/logged-out`;
  }

  /** Starts the RP's HTTP server; its port must go into the realm's redirect URIs before the server starts. */
  static async listen(): Promise<RelyingParty> {
    let rp: RelyingParty | undefined;
    const server = createServer((req, res) => {
      rp!.handle(req, res).catch((err) => {
        if (!res.headersSent) page(res, 500, 'RP error', `RP error: ${err instanceof Error ? err.message : String(err)}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    rp = new RelyingParty(server);
    return rp;
  }

  /** Discovers the issuer and registers the clients (secret undefined: a public client). */
  async connect(issuer: string, clients: Record<string, string | undefined>): Promise<void> {
    const discovered = await client.discovery(new URL(issuer), Object.keys(clients)[0], undefined, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    this.metadata = discovered.serverMetadata();
    this.jwks = createRemoteJWKSet(new URL(this.metadata.jwks_uri!));
    for (const [id, secret] of Object.entries(clients)) this.secrets.set(id, secret);
  }

  get issuer(): string {
    return this.requireMetadata().issuer;
  }

  private requireMetadata(): client.ServerMetadata {
    if (!this.metadata) throw new Error('RelyingParty.connect() was not called');
    return this.metadata;
  }

  /** A fresh openid-client configuration for a registered client. */
  config(clientId: string): client.Configuration {
    if (!this.secrets.has(clientId)) throw new Error(`client ${clientId} is not registered with the RP`);
    const secret = this.secrets.get(clientId);
    const config = new client.Configuration(this.requireMetadata(), clientId, secret,
      secret === undefined ? client.None() : client.ClientSecretBasic(secret));
    client.allowInsecureRequests(config);
    return config;
  }

  /** Builds an authorization request and waits for its response at /callback. */
  async start(options: FlowOptions): Promise<Flow> {
    const responseType = options.responseType ?? 'code';
    const types = responseType.split(' ');
    const config = this.config(options.clientId);
    if (responseType === 'id_token') client.useIdTokenResponseType(config);
    if (responseType === 'code id_token') client.useCodeIdTokenResponseType(config);
    // openid-client will not build a request it knows to be wrong (id_token without a nonce);
    // the tests still send one, to see the server refuse it.
    const builder = options.nonce === false ? this.config(options.clientId) : config;

    const state = client.randomState();
    const nonce = options.nonce === false ? undefined : options.nonce ?? client.randomNonce();
    const redirectUri = options.redirectUri ?? this.redirectUri;
    const params: Record<string, string> = {
      redirect_uri: redirectUri,
      response_type: responseType,
      scope: options.scope ?? 'openid',
      state,
      ...(nonce !== undefined ? { nonce } : {}),
      ...(options.responseMode ? { response_mode: options.responseMode } : {}),
    };
    const pkce = options.pkce ?? (types.includes('code') ? 'S256' : false);
    let codeVerifier: string | undefined;
    if (pkce) {
      codeVerifier = client.randomPKCECodeVerifier();
      params.code_challenge = pkce === 'S256' ? await client.calculatePKCECodeChallenge(codeVerifier) : codeVerifier;
      params.code_challenge_method = pkce;
    }
    Object.assign(params, options.params ?? {});
    const url = client.buildAuthorizationUrl(builder, params).href;
    const maxAge = options.params?.max_age !== undefined ? Number(options.params.max_age) : undefined;

    const flow: FlowState = {
      url, options, state, nonce, codeVerifier, redirectUri, config, maxAge, waiters: [],
      get received() { return this.result !== undefined; },
      outcome: (timeoutMs = PATIENCE_MS) => {
        if (flow.result) return Promise.resolve(flow.result);
        return new Promise<Outcome>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(
            `the RP received no authorization response for ${responseType} (${options.clientId}) within ${timeoutMs} ms`)), timeoutMs);
          flow.waiters.push((o) => { clearTimeout(timer); resolve(o); });
        });
      },
    };
    this.flows.set(state, flow);
    return flow;
  }

  /** An RP-initiated logout URL (openid-client's buildEndSessionUrl). */
  endSessionUrl(opts: EndSessionOptions = {}): string {
    const config = this.config(opts.clientId ?? [...this.secrets.keys()][0]);
    const params: Record<string, string> = { ...(opts.params ?? {}) };
    if (opts.idTokenHint) params.id_token_hint = opts.idTokenHint;
    if (opts.postLogoutRedirectUri) params.post_logout_redirect_uri = opts.postLogoutRedirectUri === true ? this.loggedOutUri : opts.postLogoutRedirectUri;
    if (opts.state) params.state = opts.state;
    if (opts.clientId) params.client_id = opts.clientId;
    const url = client.buildEndSessionUrl(config, params);
    // openid-client adds client_id itself; keep the request exactly as asked.
    if (!opts.clientId) url.searchParams.delete('client_id');
    return url.href;
  }

  /** The next visit to /logged-out (with that state, when given). */
  nextLogout(state?: string, timeoutMs = PATIENCE_MS): Promise<LogoutVisit> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no visit to ${this.loggedOutUri} within ${timeoutMs} ms`)), timeoutMs);
      const waiter = (v: LogoutVisit) => {
        if (state !== undefined && v.query.state !== state) return false;
        clearTimeout(timer);
        resolve(v);
        return true;
      };
      this.logoutWaiters.push(waiter);
    });
  }

  /** UserInfo as the client would call it; rejects on a 401. */
  userinfo(clientId: string, accessToken: string, sub: string | typeof client.skipSubjectCheck = client.skipSubjectCheck): Promise<client.UserInfoResponse> {
    return client.fetchUserInfo(this.config(clientId), accessToken, sub);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? `localhost:${this.port}`}`);
    if (url.pathname === '/callback' && req.method === 'GET') {
      // A fragment never reaches the server: serve a page that relays it.
      if (url.search === '') return page(res, 200, 'RP: relaying', 'relaying the fragment…', '/fragment.js');
      return this.respond(res, await this.receive('query', url.searchParams, url));
    }
    if (url.pathname === '/callback' && req.method === 'POST') {
      const body = await readBody(req);
      const current = new URL(url.pathname, url);
      const request = new Request(current, {
        method: 'POST', body, headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
      });
      return this.respond(res, await this.receive('form_post', new URLSearchParams(body), current, request));
    }
    if (url.pathname === '/callback-fragment' && req.method === 'POST') {
      const hash = await readBody(req);
      const current = new URL('/callback', url);
      current.hash = hash;
      const outcome = await this.receive('fragment', new URLSearchParams(hash), current);
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(summary(outcome));
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (url.pathname === '/fragment.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(FRAGMENT_JS);
      return;
    }
    if (url.pathname === '/logged-out') {
      const visit = { query: paramsOf(url.searchParams) };
      this.logoutVisits.push(visit);
      this.logoutWaiters = this.logoutWaiters.filter((w) => !w(visit));
      return page(res, 200, 'RP: logged out', `logged out; state=${url.searchParams.get('state') ?? ''}`);
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }

  private respond(res: ServerResponse, outcome: Outcome) {
    page(res, outcome.failure ? 400 : 200, `RP: ${outcome.failure || outcome.error ? 'error' : 'signed in'}`, summary(outcome));
  }

  private async receive(transport: Transport, params: URLSearchParams, currentUrl: URL, request?: Request): Promise<Outcome> {
    const raw = paramsOf(params);
    this.responses.push({ transport, params: raw });
    const flow = raw.state !== undefined ? this.flows.get(raw.state) : undefined;
    const outcome: Outcome = {
      transport, params: raw, error: raw.error, errorDescription: raw.error_description, iss: raw.iss, state: raw.state,
    };
    if (!flow) {
      outcome.failure = new Error(`response with unknown state ${JSON.stringify(raw.state)}`);
      return outcome;
    }
    if (flow.result) {
      outcome.failure = new Error('a second response for the same state');
      return outcome;
    }
    if (raw.error === undefined) {
      try {
        await this.validate(flow, transport, raw, currentUrl, request, outcome);
      } catch (err) {
        outcome.failure = err instanceof Error ? err : new Error(String(err));
      }
    }
    flow.result = outcome;
    flow.waiters.splice(0).forEach((w) => w(outcome));
    return outcome;
  }

  private async validate(flow: FlowState, transport: Transport, raw: Record<string, string>, currentUrl: URL,
    request: Request | undefined, outcome: Outcome): Promise<void> {
    const responseType = flow.options.responseType ?? 'code';
    const types = responseType.split(' ');
    const expectedTransport: Transport = flow.options.responseMode ?? (responseType === 'code' ? 'query' : 'fragment');
    if (transport !== expectedTransport) throw new Error(`response arrived by ${transport}, expected ${expectedTransport}`);
    const checks = {
      expectedState: flow.state, expectedNonce: flow.nonce, pkceCodeVerifier: flow.codeVerifier, maxAge: flow.maxAge,
    };
    // openid-client reads a form_post from the Request; fragment and query from the URL.
    const input = request ?? currentUrl;

    if (OPENID_CLIENT_TYPES.has(responseType)) {
      if (responseType === 'id_token') {
        outcome.frontIdToken = await client.implicitAuthentication(flow.config, input, flow.nonce!, {
          expectedState: flow.state, maxAge: flow.maxAge,
        });
        // openid-client checked it; verify again to have the exact claims and the signature on record.
        await this.verifyIdToken(flow, raw.id_token, {});
        return;
      }
      if (responseType === 'code id_token') outcome.frontIdToken = await this.verifyIdToken(flow, raw.id_token, { code: raw.code });
      const tokens = await client.authorizationCodeGrant(flow.config, input, checks);
      outcome.tokens = tokens;
      outcome.accessToken = tokens.access_token;
      if (tokens.id_token) outcome.idToken = await this.verifyIdToken(flow, tokens.id_token, { accessToken: tokens.access_token });
      return;
    }

    // id_token token, code token, code id_token token: validated here with jose (Core §3.2.2.8, §3.3.2.8–12).
    if (raw.iss !== this.issuer) throw new Error(`iss ${raw.iss} is not the issuer ${this.issuer}`);
    if (raw.state !== flow.state) throw new Error('state mismatch');
    if (types.includes('token')) {
      if (!raw.access_token) throw new Error('no access_token in the response');
      if (raw.token_type?.toLowerCase() !== 'bearer') throw new Error(`token_type ${raw.token_type}`);
      outcome.accessToken = raw.access_token;
    }
    if (types.includes('code') && !raw.code) throw new Error('no code in the response');
    if (types.includes('id_token')) {
      if (!raw.id_token) throw new Error('no id_token in the response');
      outcome.frontIdToken = await this.verifyIdToken(flow, raw.id_token, {
        accessToken: raw.access_token, code: raw.code, requireAtHash: true, requireCHash: types.includes('code'),
      });
    }
    if (types.includes('code')) {
      const tokens = await client.genericGrantRequest(flow.config, 'authorization_code', {
        code: raw.code, redirect_uri: flow.redirectUri, ...(flow.codeVerifier ? { code_verifier: flow.codeVerifier } : {}),
      });
      outcome.tokens = tokens;
      if (tokens.id_token) {
        outcome.idToken = await this.verifyIdToken(flow, tokens.id_token, { accessToken: tokens.access_token });
        // Core §3.3.3.6: the same subject on both channels.
        if (outcome.frontIdToken && outcome.frontIdToken.sub !== outcome.idToken.sub) throw new Error('sub differs between the ID tokens');
      }
      outcome.accessToken ??= tokens.access_token;
    }
  }

  /** Signature against the realm's JWKS, iss, aud, exp, nonce, and at_hash / c_hash when the values came with it. */
  async verifyIdToken(flow: Pick<FlowState, 'options' | 'nonce'>, idToken: string | undefined,
    opts: { accessToken?: string; code?: string; requireAtHash?: boolean; requireCHash?: boolean }): Promise<JWTPayload> {
    if (!idToken) throw new Error('no id_token');
    const { payload } = await jwtVerify(idToken, this.jwks!, { issuer: this.issuer, audience: flow.options.clientId });
    const { alg } = decodeProtectedHeader(idToken);
    if (payload.nonce !== flow.nonce) throw new Error(`nonce ${String(payload.nonce)} is not the one sent (${flow.nonce})`);
    if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number') throw new Error('iat/exp missing');
    if (opts.accessToken !== undefined) {
      if (payload.at_hash === undefined && opts.requireAtHash) throw new Error('at_hash missing');
      if (payload.at_hash !== undefined && payload.at_hash !== halfHash(opts.accessToken, alg)) throw new Error('at_hash does not match the access token');
    }
    if (opts.code !== undefined) {
      if (payload.c_hash === undefined && opts.requireCHash) throw new Error('c_hash missing');
      if (payload.c_hash !== undefined && payload.c_hash !== halfHash(opts.code, alg)) throw new Error('c_hash does not match the code');
    }
    return payload;
  }
}

function summary(o: Outcome): string {
  if (o.failure) return `RP refused the response: ${o.failure.message}`;
  if (o.error) return `error=${o.error} ${o.errorDescription ?? ''}`.trim();
  return `signed in as ${String(o.idToken?.sub ?? o.frontIdToken?.sub ?? '?')}`;
}

/** Fails with the RP's own reason when the flow did not end in tokens. */
export function assertSignedIn(o: Outcome): Outcome {
  if (o.failure) throw Object.assign(new Error(`RP refused the response (${o.transport}): ${o.failure.message}\nparams: ${JSON.stringify(o.params)}`), { cause: o.failure });
  if (o.error) throw new Error(`authorization error ${o.error}: ${o.errorDescription ?? ''} (${o.transport})`);
  return o;
}

export { client };
