/** An error the protocol answers in its own format (RFC 6749 §5.2, RFC 6750 §3). */
export class OAuthError extends Error {
    error;
    description;
    status;
    headers;
    constructor(error, description, status = 400, headers = {}) {
        super(`${error}: ${description}`);
        this.error = error;
        this.description = description;
        this.status = status;
        this.headers = headers;
    }
}
export const invalidRequest = (description) => new OAuthError('invalid_request', description);
export const invalidGrant = (description) => new OAuthError('invalid_grant', description);
export const invalidScope = (description) => new OAuthError('invalid_scope', description);
export const unauthorizedClient = (description) => new OAuthError('unauthorized_client', description);
/** RFC 6750 §3: bearer-protected endpoints challenge with the realm and the error. */
export function invalidToken(realm, description) {
    return new OAuthError('invalid_token', description, 401, {
        'www-authenticate': `Bearer realm="${realm}", error="invalid_token", error_description="${description.replace(/"/g, "'")}"`,
    });
}
