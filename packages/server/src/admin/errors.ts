import type { FastifySchemaValidationError } from 'fastify';
import { OAuthError } from '../protocol/errors.js';

// The admin API's errors, in the same JSON shape as every other error
// ({error, error_description}), through the app's error handler.

export const badRequest = (description: string) => new OAuthError('invalid_request', description, 400);
export const notFound = (description: string) => new OAuthError('not_found', description, 404);
export const conflict = (description: string) => new OAuthError('conflict', description, 409);
export const forbidden = (description: string) => new OAuthError('forbidden', description, 403);

/** JSON pointer segments (`/attributes/a~1b`) as a dotted field name (`attributes.a/b`). */
function fieldName(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const WHERE: Record<string, string> = { body: 'field', querystring: 'query parameter', params: 'path parameter', headers: 'header' };

/**
 * A schema violation as a message naming the field: "Missing field: clientId",
 * "Invalid field redirectUris[0]: must be string", "Invalid query parameter max: must be integer".
 */
export function describeSchemaError(errors: FastifySchemaValidationError[], dataVar: string): string {
  // Failing every branch of an anyOf reports each branch's error first: the anyOf says it better.
  const e = errors.find((x) => x.keyword === 'anyOf') ?? errors[0];
  const where = WHERE[dataVar] ?? dataVar;
  if (!e) return `Invalid ${where}`;
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required') return `Missing ${where}: ${fieldName(e.instancePath, String(params.missingProperty))}`;
  if (e.keyword === 'additionalProperties') return `Unknown ${where}: ${fieldName(e.instancePath, String(params.additionalProperty))}`;
  const name = fieldName(e.instancePath);
  let why = e.message ?? 'is not valid';
  // The one anyOf: a role named by id or by name.
  if (e.keyword === 'anyOf') why = 'must have an id or a name';
  if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) why = `must be one of ${params.allowedValues.filter((v) => v !== null).join(', ')}`;
  if (e.keyword === 'type' && params.type === 'object') why = 'must be a JSON object';
  if (e.keyword === 'type' && params.type === 'array') why = 'must be a JSON array';
  if (!name) return dataVar === 'body' ? `The request body ${why}` : `Invalid ${where}: ${why}`;
  return `Invalid ${where} ${name}: ${why}`;
}

/** The validation failure as the invalid_request error the app's handler answers with. */
export function schemaErrorFormatter(errors: FastifySchemaValidationError[], dataVar: string): Error {
  return badRequest(describeSchemaError(errors, dataVar));
}
