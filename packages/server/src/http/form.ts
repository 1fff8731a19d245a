import type { FastifyRequest } from 'fastify';
import { invalidRequest } from '../protocol/errors.js';

/**
 * JSON schema for a form-encoded body: every parameter a single string, so a
 * parameter given twice (RFC 6749 §3.2) fails validation with a clear message.
 */
export function formSchema(required: string[] = []) {
  return {
    type: 'object',
    required,
    additionalProperties: { type: 'string' },
  } as const;
}

/** RFC 6749 §3.2: token-style endpoints take application/x-www-form-urlencoded only. */
export function requireForm(request: FastifyRequest): Record<string, string | undefined> {
  const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw invalidRequest('Content-Type must be application/x-www-form-urlencoded');
  }
  return (request.body ?? {}) as Record<string, string | undefined>;
}
