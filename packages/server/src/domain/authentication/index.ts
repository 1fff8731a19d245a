import type { InteractionAuth, RealmRecord, UserRecord } from '../../storage/store.js';
import type { Domain } from '../index.js';
import { requiredActionPriority } from '../required-actions.js';
import { configureRecoveryCodesStep } from './configure-recovery-codes.js';
import { configureTotpStep } from './configure-totp.js';
import { identityProviderStep } from './identity-provider.js';
import { otpStep } from './otp.js';
import { passkeyStep } from './passkey.js';
import { passwordStep } from './password.js';
import { recoveryCodeStep } from './recovery-code.js';
import { registrationStep } from './registration.js';
import { resetCredentialsStep } from './reset-credentials.js';
import { securityKeyStep } from './security-key.js';
import { termsAndConditionsStep } from './terms-and-conditions.js';
import { FIRST_FACTORS, isSecondFactor, SECOND_FACTORS, type AuthContext, type Step } from './step.js';
import { updatePasswordStep } from './update-password.js';
import { updateProfileStep } from './update-profile.js';
import { verifyEmailStep } from './verify-email.js';
import { webauthnRegisterPasswordlessStep, webauthnRegisterStep } from './webauthn-register.js';

export type { AuthContext, Form, MailLink, Step, StepEvent, StepResult } from './step.js';
export { MAIL_LINK } from './step.js';
export { identityProviderStep } from './identity-provider.js';
export { LOGIN_ERRORS } from './password.js';

/**
 * The steps in the order they are asked: the authenticators (the first factor, with
 * registration and the reset mail as other ways to it, then the second: a security key
 * before a code, the stronger first), then the required actions in Keycloak's order of priority.
 */
export const STEPS: readonly Step[] = [
  passwordStep, passkeyStep, registrationStep, resetCredentialsStep, identityProviderStep, securityKeyStep, otpStep, recoveryCodeStep,
  configureTotpStep, termsAndConditionsStep, updatePasswordStep, updateProfileStep, webauthnRegisterStep, webauthnRegisterPasswordlessStep,
  configureRecoveryCodesStep, verifyEmailStep,
];

/** The required actions a client may ask for with kc_action (Keycloak's application-initiated actions). */
export const APPLICATION_INITIATED_ACTIONS: readonly string[] = STEPS.filter((s) => s.kind === 'required-action').map((s) => s.name);

export const stepById = (id: string): Step | undefined => STEPS.find((s) => s.id === id);

/** The sign-in's situation: the user the first factor named, with their second factors. */
export async function authContext(domain: Domain, realm: RealmRecord, user: UserRecord | undefined, auth: InteractionAuth | null | undefined,
  level: number, address: string, origin: string, mailLink?: AuthContext['mailLink'], kcAction?: string): Promise<AuthContext> {
  const credentials = user ? await domain.credentials.list(user.id) : [];
  const given = auth ?? { amr: [] };
  // The client's kc_action is due until the user has done it or said no.
  const action = given.actionStatus === undefined ? kcAction : undefined;
  return { domain, realm, user, credentials, auth: given, level, address, origin, mailLink, ...(action ? { action } : {}) };
}

/**
 * The steps due now, in order: the first is shown, the other authenticators are its
 * alternatives. The authenticators come first, then the required actions in the order of the
 * realm's priorities (authentication/required-actions). Empty: the sign-in is complete.
 */
export function dueSteps(ctx: AuthContext): Step[] {
  const due = STEPS.filter((s) => s.due(ctx));
  const priority = (s: Step) => requiredActionPriority(ctx.realm.settings, s.name);
  return [...due.filter((s) => s.kind === 'authenticator'), ...due.filter((s) => s.kind === 'required-action').sort((a, b) => priority(a) - priority(b))];
}

/** RFC 8176's amr of a complete sign-in: its methods, and mfa when they include two factors. */
export function finalAmr(amr: readonly string[]): string[] {
  const unique = [...new Set(amr.filter((m) => m !== 'mfa'))];
  const mfa = unique.some((m) => FIRST_FACTORS.includes(m)) && unique.some((m) => SECOND_FACTORS.includes(m));
  return mfa ? [...unique, 'mfa'] : unique;
}

/** Keycloak's levels of authentication: 1 for one factor, 2 for two; 0 for none recorded. */
export function levelOfAmr(amr: readonly string[] | undefined): number {
  if (!amr) return 0;
  if (amr.some((m) => SECOND_FACTORS.includes(m))) return 2;
  return amr.some((m) => FIRST_FACTORS.includes(m)) ? 1 : 0;
}

/** Whether the user has a second factor, which the password grant cannot ask for. */
export async function hasSecondFactor(domain: Domain, userId: string): Promise<boolean> {
  return (await domain.credentials.list(userId)).some(isSecondFactor);
}
