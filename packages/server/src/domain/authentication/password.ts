import { lockoutDetail, signInWithPassword } from '../sign-in.js';
import { SIGN_IN_ERRORS } from '../events.js';
import { firstFactorDone, type Step } from './step.js';

/** The login page's message for a failed sign-in; a lockout reads as a wrong password, or it would tell which accounts exist. */
export const LOGIN_ERRORS = { invalid_credentials: 'invalidCredentials', disabled: 'accountDisabled', locked: 'invalidCredentials' } as const;

/** Keycloak's auth-username-password-form: the first factor, on the first page. */
export const passwordStep: Step = {
  id: 'authenticate',
  name: 'auth-username-password-form',
  kind: 'authenticator',
  due: (ctx) => !firstFactorDone(ctx),
  async submit(ctx, form) {
    const username = (form.username ?? '').trim();
    const check = await signInWithPassword(ctx.domain, ctx.realm, username, form.password ?? '', ctx.address);
    if (!check.ok) {
      return {
        ok: false, message: LOGIN_ERRORS[check.reason], error: SIGN_IN_ERRORS[check.reason], userId: check.userId,
        keep: { username, rememberMe: form.rememberMe },
        details: { username, ...lockoutDetail(check) },
      };
    }
    // Keycloak's remember me, where the realm offers it.
    return { ok: true, user: check.user, amr: ['pwd'], rememberMe: ctx.realm.settings.rememberMe === true && form.rememberMe !== undefined };
  },
};
