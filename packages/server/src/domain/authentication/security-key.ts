import {
  assertedCredential, authenticationOptions, keyMethod, postedCredential, relyingParty, verifyAssertion, webAuthnPolicyOf,
} from '../webauthn.js';
import { hasCredential, secondFactorDue, type AuthContext, type Step, type StepResult } from './step.js';

/**
 * A passkey or security key's answer to the challenge the page was given (kept on the
 * interaction, and gone with the next page shown or the step done), from one of `keys`: with
 * brute-force detection as for a code, and the key's counter kept. A counter that did not move
 * on (a cloned authenticator) or a signature that does not hold is a failed sign-in.
 */
export async function checkAssertion(ctx: AuthContext, credential: string | undefined, passwordless: boolean): Promise<StepResult & { userVerified?: boolean }> {
  if (!ctx.auth.pending) return { ok: false, message: 'requestExpired' };
  const response = postedCredential(credential);
  if (response === undefined) return { ok: false, message: 'webauthnFailed' };
  const { domain, realm } = ctx;
  const user = ctx.user!;
  const type = passwordless ? 'webauthn-passwordless' : 'webauthn';
  const key = assertedCredential(ctx.credentials.filter((c) => c.type === type), response);
  const lock = await domain.bruteForce.lockedUntil(realm, user.id, ctx.address);
  if (lock) {
    domain.onSignInFailure('locked');
    return { ok: false, message: 'webauthnInvalid', error: 'user_temporarily_disabled', userId: user.id, details: { brute_force_lockout: lock.scope } };
  }
  const policy = webAuthnPolicyOf(realm.settings, passwordless);
  const requireUserVerification = passwordless || policy.userVerificationRequirement === 'required';
  const asserted = key && await verifyAssertion(relyingParty(policy, ctx.origin), ctx.auth.pending, key, response, requireUserVerification);
  if (!key || !asserted || !(await domain.credentials.advanceCounter(key, asserted.counter))) {
    domain.onSignInFailure('invalid_credentials');
    await domain.bruteForce.failed(realm, user.id, ctx.address);
    return {
      ok: false, message: 'webauthnInvalid', error: 'invalid_user_credentials', userId: user.id,
      details: { credential_type: type, ...(key ? { credential_id: key.id } : {}) },
    };
  }
  await domain.bruteForce.succeeded(user.id);
  return { ok: true, amr: [keyMethod(asserted.synced)], userVerified: asserted.userVerified };
}

/** Keycloak's webauthn-authenticator: one of the user's security keys, after the password. */
export const securityKeyStep: Step = {
  id: 'webauthn',
  name: 'webauthn-authenticator',
  kind: 'authenticator',
  due: (ctx) => secondFactorDue(ctx) && hasCredential(ctx, 'webauthn'),
  async view(ctx) {
    const policy = webAuthnPolicyOf(ctx.realm.settings, false);
    const options = await authenticationOptions(policy, relyingParty(policy, ctx.origin), ctx.credentials.filter((c) => c.type === 'webauthn'));
    return { data: { webauthn: JSON.stringify(options) }, pending: options.challenge };
  },
  async submit(ctx, form) {
    const { userVerified: _, ...result } = await checkAssertion(ctx, form.credential, false);
    return result;
  },
};
