import { randomToken, sha256 } from '../crypto/random.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { RealmRecord, Store } from '../storage/store.js';
import { parRequestUriLifespan } from './realms.js';
import { now } from './time.js';

/**
 * JWT ids that may be used once per client (client assertions, request objects, DPoP
 * proofs), in the database so that a replay to another node is caught as well.
 */
export class JwtIdService {
  constructor(private readonly store: Store) {}

  /** False when this client used the id for this purpose before; remembered until expiresAt (seconds). */
  useOnce(purpose: string, clientUuid: string, jti: string, expiresAt: number): Promise<boolean> {
    return this.store.usedJtis.claim(sha256(`${purpose}\u0000${clientUuid}\u0000${jti}`), expiresAt);
  }
}

/** RFC 9126 §2.2: the request_uri's prefix. */
export const PUSHED_REQUEST_URN = 'urn:ietf:params:oauth:request_uri:';

export interface PushedRequest {
  realmId: string;
  clientUuid: string;
  params: Record<string, string>;
  expiresAt: number;
}

/** Authorization requests pushed by their clients, until the browser brings their request_uri. */
export class PushedRequestService {
  constructor(private readonly store: Store, private readonly box: SecretBox) {}

  /** Used once, within the realm's parRequestUriLifespan. */
  async push(realm: RealmRecord, clientUuid: string, params: Record<string, string>): Promise<{ requestUri: string; expiresIn: number }> {
    const requestUri = PUSHED_REQUEST_URN + randomToken();
    const at = now();
    const lifespan = parRequestUriLifespan(realm.settings);
    await this.store.pushedRequests.insert({
      id: sha256(requestUri), realmId: realm.id, clientId: clientUuid, sealedParams: await this.box.seal(JSON.stringify(params)),
      createdAt: at, expiresAt: at + lifespan,
    });
    return { requestUri, expiresIn: lifespan };
  }

  /** The pushed request, which is gone from then on; undefined when unknown or used (expired ones are returned: the caller says so). */
  async take(requestUri: string): Promise<PushedRequest | undefined> {
    const record = await this.store.pushedRequests.take(sha256(requestUri));
    if (!record) return undefined;
    return {
      realmId: record.realmId, clientUuid: record.clientId, expiresAt: record.expiresAt,
      params: JSON.parse(await this.box.open(record.sealedParams)) as Record<string, string>,
    };
  }
}
