/**
 * Response modes (OAuth 2.0 Multiple Response Type Encoding Practices and Form
 * Post Response Mode) as plug-ins: each turns response parameters into what
 * the browser receives. Protocol code returns this; the HTTP layer renders it.
 */
export type AuthorizationResponse =
  | { type: 'redirect'; location: string }
  | { type: 'form_post'; action: string; fields: Record<string, string> };

export interface ResponseMode {
  readonly name: string;
  respond(redirectUri: string, params: Record<string, string>): AuthorizationResponse;
}

const query: ResponseMode = {
  name: 'query',
  respond(redirectUri, params) {
    const url = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return { type: 'redirect', location: url.toString() };
  },
};

const fragment: ResponseMode = {
  name: 'fragment',
  respond(redirectUri, params) {
    const url = new URL(redirectUri);
    url.hash = new URLSearchParams(params).toString();
    return { type: 'redirect', location: url.toString() };
  },
};

const formPost: ResponseMode = {
  name: 'form_post',
  respond(redirectUri, params) {
    return { type: 'form_post', action: redirectUri, fields: params };
  },
};

export const responseModes: ReadonlyMap<string, ResponseMode> = new Map([query, fragment, formPost].map((m) => [m.name, m]));

/** The spec's default: query for code alone, fragment whenever a token comes back in the response. */
export const defaultResponseMode = (responseType: string | undefined): string =>
  !responseType || responseType === 'code' || responseType === 'none' ? 'query' : 'fragment';
