import type { IncomingMessage, ServerResponse } from 'node:http';
import { TokenError } from './errors.js';
import { authenticate, errorResponse, resolveAuthOptions, type AuthOptions } from './http.js';
import { checkRequirements, type Requirements } from './requirements.js';
import type { VerifiedToken } from './verifier.js';

declare global {
  // Express's own extension point for properties added by middleware.
  namespace Express {
    interface Request {
      auth?: VerifiedToken;
    }
  }
}

/** Works with Express and with a bare node:http server (call it before your handler). */
export type Middleware = (
  req: IncomingMessage & { auth?: VerifiedToken; body?: unknown },
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

export interface AuthMiddleware extends Middleware {
  /** A middleware that also demands scopes or roles; it reuses a verification already done. */
  require(requirements: Requirements): Middleware;
}

/**
 * Verifies the bearer token and puts its claims on `req.auth`; refused requests get the RFC 6750
 * response. Failures to reach the authorization server go to `next(err)` (status 503).
 */
export function createAuthMiddleware(options: AuthOptions): AuthMiddleware {
  const resolved = resolveAuthOptions(options);
  const { realm } = resolved;
  // Remembers which requests this instance verified, so `auth.require()` after `app.use(auth)`
  // does not verify twice, and a `req.auth` set by anything else is never trusted.
  const verified = new WeakMap<IncomingMessage, VerifiedToken>();

  const guard = (requirements?: Requirements): Middleware => (req, res, next) => {
    const known = verified.get(req);
    const pending = known
      ? Promise.resolve(known)
      : authenticate(resolved, {
        authorization: req.headers.authorization, url: (req as { originalUrl?: string }).originalUrl ?? req.url, body: req.body,
        method: req.method, dpop: req.headers.dpop, host: req.headers.host, secure: 'encrypted' in req.socket && req.socket.encrypted === true,
      });
    pending
      .then((claims) => {
        verified.set(req, claims);
        req.auth = claims;
        if (requirements) checkRequirements(claims, requirements);
      })
      .then(
        () => next(),
        (err: unknown) => {
          if (!(err instanceof TokenError)) return next(err);
          const response = errorResponse(err, realm);
          res.statusCode = response.status;
          for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
          res.setHeader('content-type', 'application/json; charset=utf-8');
          res.end(JSON.stringify(response.body));
        },
      );
  };

  return Object.assign(guard(), { require: guard });
}
