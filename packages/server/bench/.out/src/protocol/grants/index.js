import { clientCredentialsGrant } from './client-credentials.js';
import { passwordGrant } from './password.js';
import { refreshTokenGrant } from './refresh-token.js';
export const grants = new Map([clientCredentialsGrant, passwordGrant, refreshTokenGrant].map((g) => [g.type, g]));
