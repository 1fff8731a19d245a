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
  /** Keycloak's remember me checkbox (field rememberMe), ticked or not; absent where the realm does not offer it. */
  rememberMe?: boolean;
  /** A message key from the catalogue, shown beside the form. */
  error?: 'invalidCredentials' | 'accountDisabled' | 'sessionExpired' | 'webauthnInvalid' | 'webauthnFailed' | 'requestExpired';
  /**
   * Signing in with a passkey instead: where its form posts (field credential, plus hidden), and
   * the options of navigator.credentials.get (JSON), used by the button and, when autofill, by
   * the username field's autofill (conditional mediation) as the page loads.
   */
  passkey?: { action: string; options: string; autofill: boolean };
  /**
   * A button per identity provider: a link that starts the sign-in there. A link, not a form,
   * so the page's CSP form-action need not know every provider's authorization endpoint.
   */
  providers?: Array<{ alias: string; name: string; href: string }>;
  /** The links under the form, where the realm offers them: "Forgot password?" and "Register". */
  links?: { resetCredentials?: string; register?: string };
}

/**
 * Who is signed in, shown on the pages that act for them, with a way out for somebody else
 * at the same browser ("not you?"): a form that drops them and goes back to the sign-in page.
 */
export interface SignedInAccount {
  /** The user's name, or their username when they have none. */
  name: string;
  /** Where the "not you?" form posts (with hidden); absent where the page's own action is the way out (sign out). */
  restart?: { action: string; hidden: Hidden };
}

export interface ConsentPage {
  action: string;
  hidden: Hidden;
  account?: SignedInAccount;
  /** One line per requested item, already translated by the caller from the client's texts or the catalogue. */
  items: string[];
}

export interface ErrorPage {
  /** Catalogue key of the message, e.g. unknownClient, invalidRedirectUri, invalidRequest. */
  messageKey: string;
  /** Extra detail that is safe to show (never a secret); escaped by the template. */
  detail?: string;
  /** Arguments of the message's {0}, {1} … placeholders, e.g. the identity provider's name. */
  args?: string[];
  /** A way on, e.g. back to the sign-in page: a link with a catalogue label. */
  link?: { href: string; labelKey: string };
}

export interface BrokerFragmentPage {
  /** Where the script posts the fragment's parameters: the provider callback, on this server. */
  action: string;
}

export interface LinkAccountPage {
  action: string;
  hidden: Hidden;
  /** The identity provider's name. */
  provider: string;
  /** The email the provider gave, which an account here has already. */
  email: string;
  error?: 'invalidCredentials' | 'accountDisabled';
  /** Back to the sign-in page, to sign in some other way. */
  cancelUrl: string;
}

/** The page of a sign-in step after the password (login-actions/<step>): its form, and whom it signs in. */
/** What a step's page says went wrong: a catalogue key, or a catalogue key with its arguments. */
export type StepError = string | { error: string; args: string[] };

export interface StepPage {
  action: string;
  hidden: Hidden;
  /** A catalogue key, or (update-password) a rule of the password policy the new password broke: its key and arguments. */
  error?: StepError;
  account?: SignedInAccount;
  /** Other ways to go on (a recovery code instead of a one-time code): links with a catalogue label. */
  alternatives?: Array<{ href: string; labelKey: string }>;
  /** News rather than a fault (a mail is on its way): a catalogue key. */
  info?: string;
  /** The form's field the error is about. */
  field?: string;
  /** The step is the client's kc_action: a cancel button (field cancel-aia) goes back to it without doing it. */
  cancellable?: boolean;
  /** The values the form had when it was refused, by field. */
  keep?: Record<string, string | undefined>;
  /** What each field got wrong, by its name. */
  fieldErrors?: Record<string, StepError>;
}

/** A page of the way to the first factor besides the password, which links back to the login page. */
export interface FirstFactorPage extends StepPage {
  loginUrl: string;
}

/** Keycloak's reset-credentials page: the username or email of the account (field username). */
export type ResetCredentialsPage = FirstFactorPage;

/** Keycloak's registration page: a field for each of the user profile's attributes (named after it), then password and password-confirm. */
export interface RegisterPage extends FirstFactorPage {
  /** In the profile's order; a display name is text, or `${key}` of the theme's messages. */
  attributes: Array<{ name: string; displayName: string; required: boolean }>;
}

/** Keycloak's VERIFY_EMAIL: the address mailed a link, a resend button (field resend), and a way on once it is followed. */
export interface VerifyEmailPage extends StepPage {
  email: string;
  /** The mail could not be queued (the realm has no mail server). */
  mailFailed?: boolean;
  /** The page again: once the link was followed (in another browser), it moves on. */
  continueUrl: string;
}

/** A mail's link opened outside its sign-in: what it does, and a button (a form) to go on. */
export interface ActionTokenPage {
  action: string;
  hidden: Hidden;
  type: 'execute-actions' | 'verify-email' | 'reset-credentials';
  /** The address a verify-email link confirms. */
  email?: string;
  /** The required actions an execute-actions link runs. */
  actions?: string[];
}

/** Keycloak's UPDATE_PROFILE (fields username, email, firstName, lastName): the profile's attributes the user may change. */
export interface UpdateProfilePage extends StepPage {
  editable: Array<'username' | 'email' | 'firstName' | 'lastName'>;
  profile: { username: string; email: string; firstName: string; lastName: string };
}

/** Keycloak's TERMS_AND_CONDITIONS: accept (field accept) or decline. */
export type TermsPage = StepPage;

/** Keycloak's UPDATE_PASSWORD (fields password-new and password-confirm). */
export type UpdatePasswordPage = StepPage;

/** A one-time code from the user's authenticator app (field otp). */
export type OtpPage = StepPage;

/** One of the user's recovery codes, instead of the second factor (field recoveryCode). */
export type RecoveryCodePage = StepPage;

/** Keycloak's CONFIGURE_TOTP (fields totp and userLabel). */
export interface ConfigureTotpPage extends StepPage {
  /** The otpauth:// URI as a QR code image, a data: URL. */
  qrCode: string;
  /** The secret in base32, in groups of four, to type in instead. */
  secret: string;
  policy: { type: 'totp' | 'hotp'; digits: number; period: number; algorithm: string };
}

/** Keycloak's CONFIGURE_RECOVERY_AUTHN_CODES: the codes, shown once (field saved, a checkbox). */
export interface RecoveryCodesSetupPage extends StepPage {
  codes: string[];
}

/** Keycloak's webauthn-authenticate: a security key after the password (field credential, the authenticator's answer as JSON). */
export interface SecurityKeyPage extends StepPage {
  /** The options of navigator.credentials.get, JSON. */
  webauthn: string;
}

/** Keycloak's webauthn-register and webauthn-register-passwordless (fields credential and userLabel). */
export interface WebAuthnRegisterPage extends StepPage {
  /** The options of navigator.credentials.create, JSON. */
  webauthn: string;
  /** A passkey (webauthn-register-passwordless), not a security key. */
  passwordless: boolean;
}

/** A page without anything to see that a client's page loads in a hidden iframe: its script does the work. */
export interface IframePage {
  /** The theme resource the page runs. */
  script: 'login-status-iframe.js' | '3p-cookies-step2.js';
  /** Values for the script, as the body's data-* attributes. */
  data?: Record<string, string>;
}

export interface WelcomePage {
  consoleUrl: string;
  /** Every realm, with the address of its OpenID Connect discovery document and of its account console. */
  realms: Array<{ name: string; discoveryUrl: string; accountUrl: string }>;
}

export interface LogoutConfirmPage {
  action: string;
  hidden: Hidden;
  account?: SignedInAccount;
  /** Why the browser will not be sent back to the client afterwards. */
  notice?: 'invalidPostLogoutRedirectUri';
}

export interface LoggedOutPage {
  /** A way back to the application the user signed out of: its address and name. */
  back?: { href: string; name: string };
  /** The clients' front-channel logout URLs (OIDC Front-Channel Logout), each loaded in a hidden iframe. */
  frontchannel?: string[];
  /** Where the browser goes on once the iframes have loaded (the client's post-logout redirect, an identity provider's logout). */
  next?: string;
}

/** RFC 8628's user code page: the form to enter it, or what became of the device's request. */
export interface DevicePage {
  /** The form: where it posts (field user_code, plus hidden). */
  form?: { action: string; hidden: Hidden; userCode?: string };
  /** Why the code entered was not taken. */
  error?: 'invalidUserCode' | 'tooManyUserCodes';
  outcome?: 'approved' | 'denied' | 'expired';
}

export interface FormPostPage {
  /** The client's redirect URI: the page auto-submits these fields to it. */
  action: string;
  fields: Hidden;
}

/** The mails the theme has (Keycloak's template names), each an HTML and a plain text template under templates/email/. */
export const EMAIL_TEMPLATES = ['email-test', 'password-reset', 'email-verification', 'executeActions'] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

export interface EmailContent {
  template: EmailTemplate;
  /** Whom the greeting names: the user's name, else username. */
  name: string;
  /** What the mail's button leads to, and for how many seconds it works. */
  link?: string;
  linkLifespan?: number;
  /** Keycloak's required actions the user is asked to carry out (executeActions). */
  actions?: string[];
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface Pages {
  login(ctx: PageContext, page: LoginPage): string;
  consent(ctx: PageContext, page: ConsentPage): string;
  error(ctx: PageContext, page: ErrorPage): string;
  logoutConfirm(ctx: PageContext, page: LogoutConfirmPage): string;
  loggedOut(ctx: PageContext, page?: LoggedOutPage): string;
  formPost(ctx: PageContext, page: FormPostPage): string;
  /** Where the user enters a device's user code, and what became of it. */
  device(ctx: PageContext, page: DevicePage): string;
  /** Posts the parameters of an identity provider's fragment response back to the server. */
  brokerFragment(ctx: PageContext, page: BrokerFragmentPage): string;
  /** Links an identity provider's account to the existing account of its email, once its password is given. */
  linkAccount(ctx: PageContext, page: LinkAccountPage): string;
  /** Asks a user whose password an administrator set as temporary for a new one (Keycloak's UPDATE_PASSWORD). */
  updatePassword(ctx: PageContext, page: UpdatePasswordPage): string;
  /** Asks for a one-time code after the password. */
  otp(ctx: PageContext, page: OtpPage): string;
  /** Asks for a recovery code instead of the second factor. */
  recoveryCode(ctx: PageContext, page: RecoveryCodePage): string;
  /** Sets up an authenticator app (Keycloak's CONFIGURE_TOTP). */
  configureTotp(ctx: PageContext, page: ConfigureTotpPage): string;
  /** Shows a new set of recovery codes once (Keycloak's CONFIGURE_RECOVERY_AUTHN_CODES). */
  recoveryCodesSetup(ctx: PageContext, page: RecoveryCodesSetupPage): string;
  /** Asks for a security key after the password. */
  securityKey(ctx: PageContext, page: SecurityKeyPage): string;
  /** Registers a security key or a passkey (Keycloak's webauthn-register, webauthn-register-passwordless). */
  webauthnRegister(ctx: PageContext, page: WebAuthnRegisterPage): string;
  /** Keycloak's reset-credentials page: the account to mail a reset link. */
  resetCredentials(ctx: PageContext, page: ResetCredentialsPage): string;
  /** Keycloak's registration page. */
  register(ctx: PageContext, page: RegisterPage): string;
  /** Keycloak's VERIFY_EMAIL: check your mail. */
  verifyEmail(ctx: PageContext, page: VerifyEmailPage): string;
  /** A mail's link, asking to go on. */
  actionToken(ctx: PageContext, page: ActionTokenPage): string;
  /** What a mail's link did (the account updated, the address verified), with an optional way on. */
  info(ctx: PageContext, page: ErrorPage): string;
  updateProfile(ctx: PageContext, page: UpdateProfilePage): string;
  terms(ctx: PageContext, page: TermsPage): string;
  /** Keycloak's iframes: the check session iframe and the third-party cookies check. */
  iframe(ctx: PageContext, page: IframePage): string;
  /** The server's own page at / (Keycloak has one there): where the console and the realms are. */
  welcome(ctx: PageContext, page: WelcomePage): string;
  /** A mail in the context's locale: its subject, HTML and plain text bodies. */
  email(ctx: PageContext, mail: EmailContent): RenderedEmail;
  /** A catalogue message in a locale, with {0}, {1} … placeholders filled. */
  message(locale: string, key: string, ...args: string[]): string;
  /** The locales this theme has catalogues for. */
  readonly locales: readonly string[];
}
