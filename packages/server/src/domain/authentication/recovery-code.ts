import { checkSecondFactor } from './second-factor.js';
import { hasCredential, secondFactorDue, type Step } from './step.js';

/**
 * Keycloak's auth-recovery-authn-code-form: one of the user's recovery codes instead of the
 * second factor (an alternative the OTP page links to), used up as it signs in. A recovery
 * code is a one-time password, and says so in amr.
 */
export const recoveryCodeStep: Step = {
  id: 'recovery-code',
  name: 'auth-recovery-authn-code-form',
  kind: 'authenticator',
  due: (ctx) => secondFactorDue(ctx) && hasCredential(ctx, 'recovery-authn-codes'),
  submit: (ctx, form) => checkSecondFactor(ctx, form, 'recoveryCode', (domain, userId, code) => domain.credentials.useRecoveryCode(userId, code), 'otp'),
};
