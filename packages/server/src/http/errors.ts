import type { FastifyError, FastifyInstance } from 'fastify';
import { OAuthError } from '../protocol/errors.js';

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
 * no-store; nothing internal (stack, SQL, secrets) ever reaches a response.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    reply.header('cache-control', 'no-store');
    if (err instanceof OAuthError) {
      reply.code(err.status).headers(err.headers).send({ error: err.error, error_description: err.description });
      return;
    }
    if (err.validation) {
      reply.code(400).send({ error: 'invalid_request', error_description: describeValidation(err) });
      return;
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      reply.code(status).send({ error: 'invalid_request', error_description: err.message });
      return;
    }
    request.log.error({ err }, 'request failed');
    reply.code(500).send({ error: 'server_error', error_description: 'Internal server error' });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'not_found', error_description: `No resource at ${request.method} ${request.url.split('?')[0]}` });
  });
}
