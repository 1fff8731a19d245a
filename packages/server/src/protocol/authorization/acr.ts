import type { ClientRuntime } from '../../domain/index.js';
import { levelOfAmr } from '../../domain/authentication/index.js';
import type { RealmRecord, SessionRecord } from '../../storage/store.js';
import type { AuthorizationRequest } from './request.js';

const isLoaMap = (v: unknown): v is Record<string, number> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((n) => Number.isInteger(n) && n >= 0);

/** Parses Keycloak's acr.loa.map attribute (JSON: acr value → level); undefined when it is not one. */
export function parseLoaMap(text: string | undefined): Record<string, number> | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isLoaMap(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Keycloak's acr.loa.map: the client's attribute when it has one, else the realm's. */
export const loaMap = (realm: RealmRecord, client: ClientRuntime): Record<string, number> =>
  parseLoaMap(client.record.settings.extraAttributes['acr.loa.map']) ?? realm.settings.acrLoaMap ?? {};

/** The acr values asked for: acr_values, and those of an acr claim asked for in the ID token (Core §5.5.1.1). */
function askedAcrValues(req: Pick<AuthorizationRequest, 'acrValues' | 'claims'>): string[] {
  const claim = (req.claims?.id_token as Record<string, unknown> | undefined)?.acr as { value?: unknown; values?: unknown } | null | undefined;
  const fromClaim = [claim?.value, ...(Array.isArray(claim?.values) ? claim.values : [])].filter((v): v is string => typeof v === 'string');
  return [...(req.acrValues ?? []), ...fromClaim];
}

/**
 * The level of authentication the request asks for: the lowest that one of its acr values
 * means (by the map, or a number as such), so any of them is met; undefined when none is asked.
 */
export function requestedLevel(realm: RealmRecord, client: ClientRuntime, req: Pick<AuthorizationRequest, 'acrValues' | 'claims'>): number | undefined {
  const map = loaMap(realm, client);
  const levels = askedAcrValues(req).map((v) => map[v] ?? (/^\d{1,3}$/.test(v) ? Number(v) : undefined)).filter((l): l is number => l !== undefined);
  return levels.length > 0 ? Math.min(...levels) : undefined;
}

/** The session's level: what its sign-in did, a password for sessions from before Latchkey kept that. */
export const sessionLevel = (session: Pick<SessionRecord, 'amr'>): number => levelOfAmr(session.amr) || 1;

/**
 * The acr claim, with Keycloak's levels of authentication named by the map where it names
 * them: the level the user signed in with for this request, or, when an SSO session served it,
 * "0" (Keycloak's) unless the request asked for a level the session has.
 */
export function acrOf(realm: RealmRecord, client: ClientRuntime, req: Pick<AuthorizationRequest, 'acrValues' | 'claims'>,
  session: Pick<SessionRecord, 'amr'>, freshLogin: boolean | undefined): string {
  const reached = sessionLevel(session);
  const wanted = requestedLevel(realm, client, req);
  if (!freshLogin && (wanted === undefined || wanted < 2 || reached < wanted)) return '0';
  const name = Object.entries(loaMap(realm, client)).find(([, level]) => level === reached)?.[0];
  return name ?? String(reached);
}
