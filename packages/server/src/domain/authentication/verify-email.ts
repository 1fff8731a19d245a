import { SELF_SERVICE_LIMITS } from '../rate-limit.js';
import { now } from '../time.js';
import { emailToVerify } from '../users.js';
import { firstFactorDone, requiredActionAsked, type AuthContext, type Step } from './step.js';

const mailVerification = (ctx: AuthContext) =>
  ctx.mailLink!({ ...ctx.user!, email: ctx.user!.email! }, { template: 'email-verification', type: 'verify-email' });

/**
 * Keycloak's VERIFY_EMAIL: due when the realm verifies email (verifyEmail) and the user's
 * address is not verified, or when it is asked for. The page mails a link (a verify-email
 * action token bound to this sign-in) when first shown, and again when asked, within a limit;
 * the link (login-actions/action-token) verifies the address and the sign-in goes on.
 */
export const verifyEmailStep: Step = {
  id: 'verify-email',
  name: 'VERIFY_EMAIL',
  kind: 'required-action',
  due: (ctx) => firstFactorDone(ctx) && !!ctx.user!.email
    && (requiredActionAsked(ctx, 'VERIFY_EMAIL') || emailToVerify(ctx.realm.settings, ctx.user!)),
  async view(ctx) {
    if (ctx.auth.mailedAt !== undefined) return { data: { email: ctx.user!.email }, mailedAt: ctx.auth.mailedAt };
    const sent = await mailVerification(ctx);
    return { data: { email: ctx.user!.email, mailFailed: !sent }, mailedAt: now() };
  },
  async submit(ctx, form) {
    if (form.resend === undefined) return { ok: false, message: 'verifyEmailFollowLink', info: true };
    const user = ctx.user!;
    if (!(await ctx.domain.rateLimits.allow('resend', `${user.id}`, SELF_SERVICE_LIMITS.resendPerAccount))) {
      return { ok: false, message: 'emailResendTooSoon', error: 'too_many_requests', event: 'SEND_VERIFY_EMAIL_ERROR', userId: user.id };
    }
    if (!(await mailVerification(ctx))) return { ok: false, message: 'emailSendError', error: 'email_send_failed', event: 'SEND_VERIFY_EMAIL_ERROR', userId: user.id };
    return { ok: false, message: 'emailResent', info: true };
  },
};
