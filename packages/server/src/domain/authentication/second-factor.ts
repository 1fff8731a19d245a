import type { Domain } from '../index.js';
import type { AuthContext, Form, StepResult } from './step.js';

/**
 * A code given as the second factor, checked by `use`, with brute-force detection: a locked
 * account is refused before its code is checked, and a wrong code counts as a wrong password does.
 */
export async function checkSecondFactor(ctx: AuthContext, form: Form, field: string,
  use: (domain: Domain, userId: string, code: string) => Promise<boolean>, amr: string): Promise<StepResult> {
  const user = ctx.user!;
  const code = (form[field] ?? '').trim();
  if (code === '') return { ok: false, message: 'missingCode' };
  const lock = await ctx.domain.bruteForce.lockedUntil(ctx.realm, user.id, ctx.address);
  if (lock) {
    ctx.domain.onSignInFailure('locked');
    return { ok: false, message: 'invalidCode', error: 'user_temporarily_disabled', userId: user.id, details: { brute_force_lockout: lock.scope } };
  }
  if (!(await use(ctx.domain, user.id, code))) {
    ctx.domain.onSignInFailure('invalid_credentials');
    await ctx.domain.bruteForce.failed(ctx.realm, user.id, ctx.address);
    return { ok: false, message: 'invalidCode', error: 'invalid_user_credentials', userId: user.id };
  }
  await ctx.domain.bruteForce.succeeded(user.id);
  return { ok: true, amr: [amr] };
}
