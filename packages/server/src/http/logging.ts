import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

// A caller's id is taken as it is only when it is short and plain: it goes into every log line.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:@\/+=-]{1,128}$/;

/** The caller's X-Request-Id when it is short and made of safe characters, or a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

// Query parameters whose values are shown in a log line; every other value (code,
// id_token_hint, access_token, client_secret, state, login_hint, ...) is replaced.
const LOGGED_PARAMS = new Set([
  'client_id', 'response_type', 'response_mode', 'scope', 'redirect_uri', 'post_logout_redirect_uri',
  'prompt', 'max_age', 'ui_locales', 'code_challenge_method', 'display', 'kc_locale',
]);

/** The URL as logged: the path, and the query with only harmless values kept. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const kept = [...params].map(([name, value]) =>
    `${encodeURIComponent(name)}=${LOGGED_PARAMS.has(name) ? encodeURIComponent(value) : '[redacted]'}`);
  return `${url.slice(0, q)}?${kept.join('&')}`;
}

interface LoggedRequest {
  method: string;
  url: string;
  ip?: string;
  socket?: { remotePort?: number };
  headers: Record<string, unknown>;
}

/**
 * Fastify's logger (pino, JSON lines) with every line of a request carrying its id, and
 * serializers that leave out what could hold a secret: no headers at all (Authorization,
 * Cookie), no bodies (Fastify never logs them), query values only when harmless, and
 * errors reduced to their type, message, code and stack.
 */
export function loggerOptions(logLevel: string): Pick<FastifyServerOptions, 'logger' | 'genReqId'> {
  return {
    // Logged as reqId, Fastify's label.
    genReqId: requestIdOf,
    logger: {
      level: logLevel,
      serializers: {
        req: (req: LoggedRequest) => ({
          method: req.method,
          url: loggableUrl(req.url),
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
          userAgent: typeof req.headers?.['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 200) : undefined,
        }),
        res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
        err: (err: Error & { code?: unknown; statusCode?: unknown }) => ({
          type: err?.constructor?.name ?? 'Error',
          message: err?.message ?? '',
          code: typeof err?.code === 'string' || typeof err?.code === 'number' ? err.code : undefined,
          statusCode: typeof err?.statusCode === 'number' ? err.statusCode : undefined,
          stack: err?.stack ?? '',
        }),
      },
      // Belt and braces, should anything log a request or its headers some other way.
      redact: {
        paths: [
          'req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]',
          'headers.authorization', 'headers.cookie', 'res.headers["set-cookie"]', 'req.body', 'body',
        ],
        censor: '[redacted]',
      },
    },
  };
}

/**
 * Echoes the request id to the caller, so a reported problem can be found in the logs. While
 * shutting down, every answer also closes its connection: a keep-alive connection left idle
 * would otherwise hold the shutdown up until it times out. One onRequest hook does both, as
 * it runs on every request and an onSend hook would cost each answer a hook run more.
 */
export function registerAnswerHeaders(app: FastifyInstance, lifecycle?: { draining: boolean }): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (lifecycle?.draining) reply.header('connection', 'close');
    done();
  });
}
