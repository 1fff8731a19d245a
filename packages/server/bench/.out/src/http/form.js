import { invalidRequest } from '../protocol/errors.js';
/**
 * JSON schema for a form-encoded body: every parameter a single string, so a
 * parameter given twice (RFC 6749 §3.2) fails validation with a clear message.
 */
export function formSchema(required = []) {
    return {
        type: 'object',
        required,
        additionalProperties: { type: 'string' },
    };
}
/** RFC 6749 §3.2: token-style endpoints take application/x-www-form-urlencoded only. */
export function requireForm(request) {
    const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
        throw invalidRequest('Content-Type must be application/x-www-form-urlencoded');
    }
    return (request.body ?? {});
}
