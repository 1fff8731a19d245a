/** An error the protocol answers in its own format (RFC 6749 §5.2, RFC 6750 §3). */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${error}: ${description}`);
  }
}

export const invalidRequest = (description: string) => new OAuthError('invalid_request', description);
export const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);
export const invalidScope = (description: string) => new OAuthError('invalid_scope', description);
export const unauthorizedClient = (description: string) => new OAuthError('unauthorized_client', description);

/** RFC 6750 §3: bearer-protected endpoints challenge with the realm and the error. */
export function invalidToken(realm: string, description: string): OAuthError {
  return new OAuthError('invalid_token', description, 401, {
    'www-authenticate': `Bearer realm="${realm}", error="invalid_token", error_description="${description.replace(/"/g, "'")}"`,
  });
}
