import type { CredentialRecord, InteractionAuth, RealmRecord, UserRecord } from '../../storage/store.js';
import type { Domain } from '../index.js';
import type { PolicyViolation } from '../password-policy.js';

/**
 * The sign-in as a pipeline of steps, after node-oidc-provider's interaction policy: each
 * authenticator (password, one-time code, recovery code, identity provider) and each required
 * action (UPDATE_PASSWORD, CONFIGURE_TOTP, …) is a module of this folder exporting one Step.
 * The interaction records what is done (as RFC 8176 methods, InteractionAuth.amr); the
 * pipeline (index.ts) asks each step in its order whether it is due, from the user, their
 * credentials and the realm's settings; login-actions shows the first due step's page at
 * login-actions/<id> and hands its form to `submit`. A new step is a module here, a place in
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
  /**
   * The required action the client asked for (Keycloak's application-initiated action, the
   * authorization request's kc_action), until it is done or cancelled: that step is due even
   * when the user's list does not name it.
   */
  action?: string;
}

export type Form = Record<string, string | undefined>;

/** What a step's page says went wrong: a catalogue key, or a password policy's rule with its arguments. */
export type StepError = string | PolicyViolation;

/** Keycloak's event types a step records when it succeeds. */
export type StepEvent = 'UPDATE_PASSWORD' | 'UPDATE_TOTP' | 'UPDATE_CREDENTIAL' | 'UPDATE_PROFILE' | 'UPDATE_EMAIL' | 'CUSTOM_REQUIRED_ACTION';

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
    /** What the form keeps (the username typed). */
    keep?: Form;
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
  view?(ctx: AuthContext): Promise<{ data: Record<string, unknown>; pending?: string }>;
  submit(ctx: AuthContext, form: Form): Promise<StepResult>;
}

/** The RFC 8176 methods that are a first factor, and those that are a second. */
export const FIRST_FACTORS = ['pwd', 'fed'];
export const SECOND_FACTORS = ['otp', 'hwk', 'swk'];

export const firstFactorDone = (ctx: AuthContext) => ctx.user !== undefined && ctx.auth.amr.some((m) => FIRST_FACTORS.includes(m));
export const secondFactorDone = (ctx: AuthContext) => ctx.auth.amr.some((m) => SECOND_FACTORS.includes(m));

/**
 * Whether the sign-in wants a second factor: as Keycloak's default browser flow, when the user
 * has one after a password (conditional OTP); always when the realm requires one, or the client
 * asks for level 2.
 */
export const secondFactorWanted = (ctx: AuthContext) =>
  ctx.realm.settings.otpRequired === true || ctx.level >= 2 || (ctx.auth.amr.includes('pwd') && ctx.credentials.length > 0);

/** A second factor is due and not yet given. */
export const secondFactorDue = (ctx: AuthContext) => firstFactorDone(ctx) && !secondFactorDone(ctx) && secondFactorWanted(ctx);

export const hasCredential = (ctx: AuthContext, type: string) => ctx.credentials.some((c) => c.type === type);

/** The required action is due: on the user's list, or asked for by the client (kc_action), once the first factor is given. */
export const actionDue = (ctx: AuthContext, name: string) =>
  firstFactorDone(ctx) && ((ctx.user!.requiredActions as string[]).includes(name) || ctx.action === name);
