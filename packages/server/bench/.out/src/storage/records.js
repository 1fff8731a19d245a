// Records are what the store keeps. Times are whole seconds since the epoch so
// that SQLite and PostgreSQL hold them the same way.
export const SIGNING_ALGS = ['RS256', 'ES256', 'EdDSA'];
