export { AuthServerError, TokenError, type TokenErrorKind } from './errors.js';
export { createVerifier, type VerifiedToken, type Verifier, type VerifierOptions } from './verifier.js';
export { checkRequirements, grantedScopes, hasRole, type Requirements } from './requirements.js';
export { errorResponse, extractCredentials, extractToken, type AuthOptions, type ErrorResponse, type RequestParts } from './http.js';
export { createProofChecker, DPOP_ALGORITHMS, type DpopOptions, type ProofChecker, type ProofTarget } from './dpop.js';
export { createAuthMiddleware, type AuthMiddleware, type Middleware } from './middleware.js';
export { latchkeyFastify, type LatchkeyFastifyOptions } from './fastify.js';
