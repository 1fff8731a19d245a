import type { CredentialRecord, InteractionAuth, RealmRecord, RequiredAction, UserRecord } from '../../storage/store.js';
import { askedRequiredActions, requiredActionEnabled } from '../required-actions.js';
import type { LoginEventType } from '../events.js';
import type { Domain } from '../index.js';
import type { PolicyViolation } from '../password-policy.js';

/**
 * The sign-in as a pipeline of steps, after node-oidc-provider's interaction policy: each
 * authenticator (password, passkey, registration, reset mail, one-time code, security key,
 * recovery code, identity provider) and each required action (UPDATE_PASSWORD, CONFIGURE_TOTP,
 * webauthn-register, VERIFY_EMAIL, …) is a module of this folder exporting one Step. The
 * interaction records what is done (as RFC 8176 methods, InteractionAuth.amr); the pipeline
 * (index.ts) asks each step in its order whether it is due, from the user, their credentials
 * and the realm's settings; login-actions shows the first due step's page at
 * login-actions/<id> and hands its form to `submit`; the other due ways to the same factor are
 * offered beside it (the login page's "Forgot password?" and "Register"). A required action
 * is due when the account has it and the realm has it switched on, or when this sign-in was
 * asked for it (a mail link's, requiredActionAsked). A new step is a module here, a place in
 * STEPS, and a page for its id in login-actions.
 */
export interface AuthContext {
  domain: Domain;
  realm: RealmRecord;
  /** Whom the first factor named; undefined until then. */
  user?: UserRecord;
  /** The user's second factors (none before the first factor). */
  credentials: CredentialRecord[];
  auth: InteractionAuth;
  /** The level of authentication the client asks for (Keycloak's LoA): 2 wants a second factor. */
  level: number;
  /** Where the request came from, for brute-force detection. */
  address: string;
  /** The origin the sign-in pages are served at (the issuer's): WebAuthn's relying party. */
  origin: string;
  /**
   * Mails the user a link (an action token) back to this sign-in: the endpoint's, as it knows
   * the issuer, the client and the theme. False when the realm has no mail server.
   */
  mailLink?(user: UserRecord & { email: string }, link: MailLink): Promise<boolean>;
  /**
   * The required action the client asked for (Keycloak's application-initiated action, the
   * authorization request's kc_action), until it is done or cancelled: that step is due even
   * when the user's list does not name it.
   */
  action?: string;
}

/** The links a step mails: Keycloak's template and action token of each. */
export type MailLink =
  | { template: 'password-reset'; type: 'reset-credentials' }
  | { template: 'email-verification'; type: 'verify-email' };

export type Form = Record<string, string | undefined>;

/** What a step's page says went wrong: a catalogue key, or a password policy's rule with its arguments. */
export type StepError = string | PolicyViolation;

/** Keycloak's event types a step records when it succeeds. */
export type StepEvent = 'UPDATE_PASSWORD' | 'UPDATE_TOTP' | 'UPDATE_CREDENTIAL' | 'REGISTER' | 'RESET_PASSWORD' | 'UPDATE_PROFILE' | 'UPDATE_EMAIL'
  | 'CUSTOM_REQUIRED_ACTION';

export type StepResult =
  | {
    ok: true;
    /** RFC 8176 methods the step proved, added to the interaction's. */
    amr?: string[];
      /** The user the step named (the first factor) or changed (a required action). */
    user?: UserRecord;
    /** The pending setup the step used up (cleared) or left. */
    pending?: string;
    events?: Array<{ type: StepEvent; details?: Record<string, string> }>;
    /** The user asked the realm to remember them (its rememberMe): the session lasts as long as the realm's …RememberMe settings say. */
    rememberMe?: boolean;
  }
  | {
    ok: false;
    /** The message the page shows again: a catalogue key, or one with arguments (a password policy's rule). */
    message: StepError;
    /** Keycloak's error of the LOGIN_ERROR event; none when the form was only incomplete. */
    error?: string;
    /** The account concerned, for the event. */
    userId?: string;
    details?: Record<string, string>;
    /** The event the error is recorded as: LOGIN_ERROR unless the step says otherwise (REGISTER_ERROR …). */
    event?: LoginEventType;
    /** What the form keeps (the username typed). */
    keep?: Form;
    /** The field the message is about. */
    field?: string;
    /** The message is news (a mail is on its way), not a fault. */
    info?: boolean;
    /** What each field of the form got wrong, by its name (a profile's attributes). */
    fieldErrors?: Record<string, StepError>;
    /** The user refused (terms and conditions): the sign-in ends, and the client hears access_denied. */
    declined?: boolean;
  };

export interface Step {
  /** Its page: login-actions/<id>. */
  readonly id: string;
  /** Keycloak's name of the authenticator or required action. */
  readonly name: string;
  readonly kind: 'authenticator' | 'required-action';
  /** Whether the sign-in needs this step now; the pipeline shows the first step that is due, and takes any due step's form. */
  due(ctx: AuthContext): boolean;
  /** What its page shows besides the form, and the setup it starts (sealed, kept on the interaction until submitted). */
  view?(ctx: AuthContext): Promise<{ data: Record<string, unknown>; pending?: string; mailedAt?: number }>;
  submit(ctx: AuthContext, form: Form): Promise<StepResult>;
}

/**
 * A link mailed to the user's address, followed (a reset-credentials or execute-actions
 * action token): not an RFC 8176 method, Latchkey's name for it.
 */
export const MAIL_LINK = 'mail';

/**
 * The RFC 8176 methods that are a first factor, and those that are a second. A passkey is both
 * at once: the key (hwk or swk), and the user verified on the authenticator (user) by PIN or
 * biometrics, which stands in for the password.
 */
export const FIRST_FACTORS = ['pwd', 'fed', 'user', MAIL_LINK];
export const SECOND_FACTORS = ['otp', 'hwk', 'swk'];

export const firstFactorDone = (ctx: AuthContext) => ctx.user !== undefined && ctx.auth.amr.some((m) => FIRST_FACTORS.includes(m));
export const secondFactorDone = (ctx: AuthContext) => ctx.auth.amr.some((m) => SECOND_FACTORS.includes(m));

/**
 * Whether the sign-in wants a second factor: as Keycloak's default browser flow, when the user
 * has one after a password (conditional OTP), or after an identity provider's sign-in that has
 * a post-broker login flow; always when the realm requires one, or the client asks for level 2.
 * (After a provider without that flow the session starts at once: nothing more is asked.)
 */
export const secondFactorWanted = (ctx: AuthContext) =>
  ctx.realm.settings.otpRequired === true || ctx.level >= 2
  // A mail link stands in for the password, and like it is followed by the user's second factor (Keycloak's reset flow's conditional OTP).
  || ((ctx.auth.amr.includes('pwd') || ctx.auth.amr.includes(MAIL_LINK) || ctx.auth.broker !== undefined) && ctx.credentials.some(isSecondFactor));

/** A second factor is due and not yet given. */
export const secondFactorDue = (ctx: AuthContext) => firstFactorDone(ctx) && !secondFactorDone(ctx) && secondFactorWanted(ctx);

/** Whether a credential is a second factor: all are but a passkey, which signs in on its own instead of the password. */
export const isSecondFactor = (c: CredentialRecord) => c.type !== 'webauthn-passwordless';

export const hasCredential = (ctx: AuthContext, type: string) => ctx.credentials.some((c) => c.type === type);

/**
 * The user signed in, and the required action is asked: the user holds it and the realm has it
 * switched on (one switched off is passed over, as in Keycloak), this sign-in was asked for it (a
 * mail link's), or the client asked for it (kc_action).
 */
export const requiredActionAsked = (ctx: AuthContext, alias: RequiredAction) =>
  firstFactorDone(ctx) && (askedRequiredActions(ctx.realm.settings, ctx.user!).includes(alias) || (ctx.auth.actions ?? []).includes(alias)
    || (ctx.action === alias && requiredActionEnabled(ctx.realm.settings, alias)));
