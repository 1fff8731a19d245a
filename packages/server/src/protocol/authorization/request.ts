import type { ClaimsRequest } from '../claims.js';

/** The response types of OpenID Connect Core §3, in canonical order, with the flows that allow each. */
export const RESPONSE_TYPES: Readonly<Record<string, { code: boolean; implicit: boolean }>> = {
  code: { code: true, implicit: false },
  id_token: { code: false, implicit: true },
  'id_token token': { code: false, implicit: true },
  'code id_token': { code: true, implicit: true },
  'code token': { code: true, implicit: true },
  'code id_token token': { code: true, implicit: true },
};

/** Puts the space-separated values in the order the table above uses, so `token id_token` is found too. */
export function canonicalResponseType(value: string): string {
  const order = ['code', 'id_token', 'token'];
  const parts = [...new Set(value.split(' ').filter(Boolean))];
  return parts.every((p) => order.includes(p)) ? order.filter((p) => parts.includes(p)).join(' ') : value;
}

/** An authorization request that has passed every check: what the interaction and the response work from. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  responseType: string;
  responseMode: string;
  scopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'plain' | 'S256';
  prompt: string[];
  maxAge?: number;
  loginHint?: string;
  /** Subject of a valid id_token_hint. */
  idTokenHintSub?: string;
  uiLocales?: string;
  claims?: ClaimsRequest;
  acrValues?: string[];
  /** Keycloak's application-initiated action: a required action the client asks the signed-in user to carry out now. */
  kcAction?: string;
  /**
   * The hash of the device code whose user code the user entered (RFC 8628): the sign-in and
   * consent answer the device, not a redirect URI (which is then the verification page).
   */
  device?: string;
  /** RFC 9449 §10: the DPoP key the code may only be exchanged with. */
  dpopJkt?: string;
  /**
   * Not a client's request: a mail link's required actions (Keycloak's execute-actions, or a
   * reset link opened in another browser) run for its user, and a page then says the account
   * was updated, with `back` (the link's redirect URI) as the way on. Nobody is signed in.
   */
  accountUpdate?: { back?: string };
}

export const returnsCode = (r: Pick<AuthorizationRequest, 'responseType'>) => r.responseType.split(' ').includes('code');
export const returnsIdToken = (r: Pick<AuthorizationRequest, 'responseType'>) => r.responseType.split(' ').includes('id_token');
export const returnsToken = (r: Pick<AuthorizationRequest, 'responseType'>) => r.responseType.split(' ').includes('token');
