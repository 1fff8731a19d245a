import { SELF_SERVICE_LIMITS } from '../rate-limit.js';
import { firstFactorDone, type Step, type StepResult } from './step.js';

/** The one answer, whether or not an account was found and mailed: the page must not tell which accounts exist. */
const SENT = { ok: false, message: 'emailSentMessage', info: true, event: 'SEND_RESET_PASSWORD_ERROR' } as const;

/**
 * Keycloak's reset-credentials flow, its first page (reset-credentials-choose-user): the
 * username or email of an account, which is mailed a link (a reset-credentials action token
 * bound to this sign-in) that continues it at a new password. Offered beside the password
 * when the realm's resetPasswordAllowed is on.
 */
export const resetCredentialsStep: Step = {
  id: 'reset-credentials',
  name: 'reset-credentials-choose-user',
  kind: 'authenticator',
  due: (ctx) => !firstFactorDone(ctx) && ctx.realm.settings.resetPasswordAllowed === true,
  async submit(ctx, form): Promise<StepResult> {
    const { domain, realm } = ctx;
    const login = (form.username ?? '').trim();
    if (login === '') return { ok: false, message: 'missingUsernameOrEmail', field: 'username' };
    const keep = { username: login };
    const tooMany = { ...SENT, keep, error: 'too_many_requests', details: { username: login } };
    if (!(await domain.rateLimits.allow('reset-address', `${realm.id}\u0000${ctx.address}`, SELF_SERVICE_LIMITS.resetPerAddress))) return tooMany;
    const user = await domain.users.findForLogin(realm, login);
    if (!user) return { ...SENT, keep, error: 'user_not_found', details: { username: login } };
    if (!user.enabled) return { ...SENT, keep, error: 'user_disabled', userId: user.id };
    if (!user.email) return { ...SENT, keep, error: 'invalid_email', userId: user.id };
    // Counted per account, whichever of its names was typed; the answer stays the same.
    if (!(await domain.rateLimits.allow('reset-account', user.id, SELF_SERVICE_LIMITS.resetPerAccount))) return { ...tooMany, userId: user.id };
    const queued = await ctx.mailLink!({ ...user, email: user.email }, { template: 'password-reset', type: 'reset-credentials' });
    // Sent: the mail worker records SEND_RESET_PASSWORD once the mail server took it.
    return queued ? { ok: false, message: SENT.message, info: true, keep } : { ...SENT, keep, error: 'email_send_failed', userId: user.id };
  },
};
