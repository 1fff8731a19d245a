import { hashPassword } from '../../crypto/passwords.js';
import { actionDue, type Step } from './step.js';

/** Keycloak's UPDATE_PASSWORD: a new password, after an administrator set a temporary one. */
export const updatePasswordStep: Step = {
  id: 'update-password',
  name: 'UPDATE_PASSWORD',
  kind: 'required-action',
  due: (ctx) => actionDue(ctx, 'UPDATE_PASSWORD'),
  async submit(ctx, form) {
    const password = form['password-new'] ?? '';
    if (password === '') return { ok: false, message: 'passwordMissing' };
    if (password !== form['password-confirm']) return { ok: false, message: 'passwordConfirmMismatch' };
    const { domain } = ctx;
    const broken = await domain.users.checkNewPassword(ctx.realm, ctx.user!, password);
    if (broken) return { ok: false, message: broken };
    const hashed = await hashPassword(password);
    const user = await domain.store.transaction((tx) => domain.users.resetPassword(tx, ctx.user!, hashed, { temporary: false }));
    domain.users.invalidate();
    return { ok: true, user, events: [{ type: 'UPDATE_PASSWORD' }] };
  },
};
