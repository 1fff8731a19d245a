import { jwtVerify } from 'jose';
import type { RealmRuntime } from '../domain/index.js';
import { SIGNING_ALGS } from '../storage/store.js';
import { audiencesOf } from './claims.js';

export interface IdTokenHint {
  sub: string;
  sid?: string;
  /** The client the ID token was issued to (azp, else its only audience). */
  clientId: string;
}

// mintIdToken's header typ; access tokens are at+jwt (RFC 9068) and are signed by the same keys.
const ID_TOKEN_TYP = 'JWT';

/**
 * One of this realm's ID tokens, expired or not, as id_token_hint must be (Core §3.1.2.1,
 * RP-Initiated Logout §2); undefined for anything else, an access token of the realm included.
 */
export async function readIdTokenHint(realm: RealmRuntime, token: string): Promise<IdTokenHint | undefined> {
  try {
    const { payload } = await jwtVerify(token, realm.verificationKeys, {
      issuer: realm.issuer, algorithms: [...SIGNING_ALGS], typ: ID_TOKEN_TYP, currentDate: new Date(0),
    });
    const aud = audiencesOf(payload.aud);
    const clientId = typeof payload.azp === 'string' ? payload.azp : aud.length === 1 ? aud[0] : undefined;
    // An ID token's audience is the client it was issued to (Core §2); an access token's is the API.
    if (typeof payload.sub !== 'string' || clientId === undefined || !aud.includes(clientId)) return undefined;
    return { sub: payload.sub, sid: typeof payload.sid === 'string' ? payload.sid : undefined, clientId };
  } catch {
    return undefined;
  }
}
