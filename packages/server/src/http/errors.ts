import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { resolveLocale } from '../pages/locale.js';
import type { Pages } from '../pages/types.js';
import { NoBearerToken, OAuthError, RealmNotFound } from '../protocol/errors.js';
import { isDatabaseUnavailable } from '../storage/store.js';
import { sendPage } from './browser.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A page a browser shows: its server errors are an error page, not JSON. */
    page?: boolean;
  }
}

/** Seconds a client is asked to wait before trying again while the database is out of reach. */
const RETRY_AFTER_SECONDS = 2;

/**
 * What is read and thrown away of a body too large before the 413 is sent: a client still
 * sending when the connection closes sees it torn down (EPIPE) instead of its answer, so the
 * server lingers as Apache's lingering close does, within these bounds.
 */
const DRAIN_MAX_BYTES = 8 * 1024 * 1024;
const DRAIN_MAX_MS = 2000;

function drain(raw: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (raw.readableEnded || raw.destroyed) return resolve();
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      raw.off('data', counted).off('end', done).off('error', done).off('close', done);
      resolve();
    };
    const counted = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > DRAIN_MAX_BYTES) done();
    };
    const timer = setTimeout(done, DRAIN_MAX_MS);
    raw.on('data', counted).once('end', done).once('error', done).once('close', done);
    raw.resume();
  });
}

/**
 * Requests Node's parser refuses before Fastify sees them (headers too large, malformed
 * HTTP): answered in the protocol's JSON shape rather than Fastify's own, then closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, description] = err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request header fields too large']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'The request took too long to arrive']
      : [400, 'Malformed HTTP request'];
  const body = JSON.stringify({ error: 'invalid_request', error_description: description });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n`
      + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

export interface ErrorPages {
  pages: Pages;
  resourcesPath: string;
}

/**
 * The theme's error page for a browser, with no database at hand: the realm by the name
 * in the path (escaped by the template), the language from the browser's preferences.
 */
function sendErrorPage(
  request: FastifyRequest, reply: FastifyReply, { pages, resourcesPath }: ErrorPages, status: number, messageKey: string,
  opts: { realmName?: string; args?: string[] } = {},
) {
  const realm = (request.params as { realm?: unknown } | undefined)?.realm;
  const html = pages.error({
    realm: { name: opts.realmName ?? (typeof realm === 'string' ? realm : '') },
    locale: resolveLocale({ acceptLanguage: request.headers['accept-language'], supported: pages.locales }),
    resourcesPath,
  }, { messageKey, args: opts.args });
  return sendPage(reply, html, { status });
}

/**
 * True for a browser opening a page: it asks for HTML before JSON. Protocol and API clients
 * (Accept: application/json, any type, or none) keep the JSON answer.
 */
function wantsPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' || !request.headers.accept) return false;
  return new Negotiator(request).mediaType(['application/json', 'text/html']) === 'text/html';
}

function describeValidation(err: FastifyError): string {
  const first = err.validation?.[0];
  if (!first) return err.message;
  if (first.keyword === 'required') return `Missing parameter: ${String(first.params.missingProperty)}`;
  const name = first.instancePath.replace(/^\//, '');
  if (!name) return 'The request body must be a form (application/x-www-form-urlencoded)';
  if (first.keyword === 'type' && name) return `Parameter ${name} must be given exactly once`;
  return `Invalid parameter ${name}: ${first.message ?? 'not valid'}`;
}

/**
 * Every error leaves in the protocol's own JSON shape (RFC 6749 §5.2) with
 * no-store, or for a browser's page as the error page; nothing internal (stack, SQL,
 * secrets) ever reaches a response. A database out of reach is 503, not 500: it is
 * no fault of the request, and the same request succeeds once the database is back.
 */
export function registerErrorHandling(app: FastifyInstance, errorPages: ErrorPages): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    reply.header('cache-control', 'no-store');
    if (err instanceof NoBearerToken) {
      reply.code(401).header('www-authenticate', err.challenge).send();
      return;
    }
    if (err instanceof OAuthError) {
      if (err instanceof RealmNotFound && wantsPage(request)) {
        return sendErrorPage(request, reply, errorPages, 404, 'realmNotFound', { realmName: '', args: [err.realm] });
      }
      reply.code(err.status).headers(err.headers).send({ error: err.error, error_description: err.description });
      return;
    }
    if (err.validation) {
      reply.code(400).send({ error: 'invalid_request', error_description: describeValidation(err) });
      return;
    }
    const status = err.statusCode ?? 500;
    if (status === 413) {
      return drain(request.raw).then(() => reply.code(413).send({ error: 'invalid_request', error_description: err.message }));
    }
    if (status >= 400 && status < 500) {
      reply.code(status).send({ error: 'invalid_request', error_description: err.message });
      return;
    }
    const page = request.routeOptions.config?.page === true;
    if (isDatabaseUnavailable(err)) {
      request.log.warn({ err }, 'the database is unavailable');
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      if (page) return sendErrorPage(request, reply, errorPages, 503, 'temporarilyUnavailable');
      reply.code(503).send({ error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable; try again shortly' });
      return;
    }
    request.log.error({ err }, 'request failed');
    if (page) return sendErrorPage(request, reply, errorPages, 500, 'unexpectedError');
    reply.code(500).send({ error: 'server_error', error_description: 'Internal server error' });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'not_found', error_description: `No resource at ${request.method} ${request.url.split('?')[0]}` });
  });
}
