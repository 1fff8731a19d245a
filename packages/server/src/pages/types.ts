// The contract between the protocol endpoints and the theme. Endpoints decide
// what a page says; the theme (templates, CSS, catalogues) decides how it looks.

/** What every page knows about where it is shown. */
export interface PageContext {
  realm: { name: string; displayName?: string };
  /** The language the page is rendered in (see resolveLocale). */
  locale: string;
  /** The client the user is signing in to, when there is one. */
  client?: { clientId: string; title?: string; logoUri?: string };
  /** URL path under which the theme's static resources are served, e.g. /resources/latchkey. */
  resourcesPath: string;
}

/** Hidden form fields carried through a page's form. */
export type Hidden = Record<string, string>;

export interface LoginPage {
  /** Where the form posts (method POST, fields username, password, plus hidden). */
  action: string;
  hidden: Hidden;
  /** Prefilled username (login_hint, or the last attempt). */
  username?: string;
  /** A message key from the catalogue, shown beside the form. */
  error?: 'invalidCredentials' | 'accountDisabled' | 'accountTemporarilyLocked' | 'sessionExpired';
}

export interface ConsentPage {
  action: string;
  hidden: Hidden;
  /** One line per requested item, already translated by the caller from the client's texts or the catalogue. */
  items: string[];
}

export interface ErrorPage {
  /** Catalogue key of the message, e.g. unknownClient, invalidRedirectUri, invalidRequest. */
  messageKey: string;
  /** Extra detail that is safe to show (never a secret); escaped by the template. */
  detail?: string;
}

export interface LogoutConfirmPage {
  action: string;
  hidden: Hidden;
}

export interface FormPostPage {
  /** The client's redirect URI: the page auto-submits these fields to it. */
  action: string;
  fields: Hidden;
}

export interface Pages {
  login(ctx: PageContext, page: LoginPage): string;
  consent(ctx: PageContext, page: ConsentPage): string;
  error(ctx: PageContext, page: ErrorPage): string;
  logoutConfirm(ctx: PageContext, page: LogoutConfirmPage): string;
  loggedOut(ctx: PageContext): string;
  formPost(ctx: PageContext, page: FormPostPage): string;
  /** A catalogue message in a locale, with {0}, {1} … placeholders filled. */
  message(locale: string, key: string, ...args: string[]): string;
  /** The locales this theme has catalogues for. */
  readonly locales: readonly string[];
}
