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

/** No enabled realm of that name: 404 in JSON as Keycloak answers, or the error page for a browser. */
export class RealmNotFound extends OAuthError {
  constructor(readonly realm: string) {
    super('not_found', 'Realm does not exist', 404);
  }
}

export const invalidRequest = (description: string) => new OAuthError('invalid_request', description);
export const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);
export const invalidScope = (description: string) => new OAuthError('invalid_scope', description);
export const unauthorizedClient = (description: string) => new OAuthError('unauthorized_client', description);

/** RFC 6750 §3: bearer-protected endpoints challenge with the realm and the error. */
function bearerError(error: string, status: number, realm: string, description: string): OAuthError {
  return new OAuthError(error, description, status, {
    'www-authenticate': `Bearer realm="${realm}", error="${error}", error_description="${description.replace(/"/g, "'")}"`,
  });
}

/**
 * RFC 6750 §3.1: a request that sent no bearer token at all gets the bare challenge, with no
 * error code or other error information, in the header or the body. The app's error handler answers it.
 */
export class NoBearerToken extends Error {
  override name = 'NoBearerToken';
  constructor(
    readonly realm: string,
    /** A resource that also takes DPoP-bound tokens offers the DPoP scheme too, with these algorithms (RFC 9449 §7.1). */
    readonly dpopAlgs?: readonly string[],
  ) {
    super('No bearer token');
  }

  get challenge(): string {
    return `Bearer realm="${this.realm}"${this.dpopAlgs ? `, DPoP algs="${this.dpopAlgs.join(' ')}"` : ''}`;
  }
}

export const invalidToken = (realm: string, description: string) => bearerError('invalid_token', 401, realm, description);

/**
 * RFC 9449 §7.1: a resource refuses a DPoP-bound token (or its proof) with the DPoP scheme's
 * challenge, naming the algorithms its proofs may use.
 */
export function dpopError(error: 'invalid_token' | 'invalid_dpop_proof', description: string, algs: readonly string[]): OAuthError {
  return new OAuthError(error, description, 401, {
    'www-authenticate': `DPoP error="${error}", error_description="${description.replace(/"/g, "'")}", algs="${algs.join(' ')}"`,
  });
}
export const insufficientScope = (realm: string, description: string) => bearerError('insufficient_scope', 403, realm, description);
