import { checkSecondFactor } from './second-factor.js';
import { hasCredential, secondFactorDue, type Step } from './step.js';

/** Keycloak's auth-otp-form: a code from one of the user's generators, after the password. */
export const otpStep: Step = {
  id: 'otp',
  name: 'auth-otp-form',
  kind: 'authenticator',
  due: (ctx) => secondFactorDue(ctx) && hasCredential(ctx, 'otp'),
  submit: (ctx, form) => checkSecondFactor(ctx, form, 'otp', (domain, userId, code) => domain.credentials.useOtp(ctx.realm, userId, code), 'otp'),
};
