import type { EventNotes } from '../../domain/events.js';
import type { Domain, RealmRuntime } from '../../domain/index.js';
import type { AuthenticatedClient } from '../client-auth.js';
import type { DpopProof } from '../dpop.js';
import type { TokenResponse } from '../tokens.js';

export interface GrantRequest {
  domain: Domain;
  realm: RealmRuntime;
  client: AuthenticatedClient;
  params: Record<string, string | undefined>;
  /** The client's address (behind a trusted proxy, its forwarded one): brute-force detection counts by it, and it is Keycloak's clientAddress session note of a service account. */
  address: string;
  /** Who and which session the request turned out to be about, and why it was refused, for its event. */
  notes?: EventNotes;
  /** The request's checked DPoP proof (RFC 9449): the access token is bound to its key. */
  dpop?: DpopProof;
}

/** One grant type of the token endpoint. A new grant is a new file and one line in the registry. */
export interface GrantHandler {
  readonly type: string;
  /** Throws unauthorized_client when this client may not use the grant. */
  allowed(client: AuthenticatedClient): void;
  handle(req: GrantRequest): Promise<TokenResponse>;
}
