import {
  keyMethod, postedCredential, registrationOptions, relyingParty, verifyRegistration, webAuthnPolicyOf,
} from '../webauthn.js';
import { requiredActionAsked, type Step } from './step.js';

/**
 * Keycloak's webauthn-register (a security key, the second factor) and
 * webauthn-register-passwordless (a passkey, which signs in without the password): the page
 * has the browser create a key under the realm's policy, against a challenge kept on the
 * interaction and used once. The key registered proves its possession for this sign-in too.
 */
function registerStep(passwordless: boolean): Step {
  const name = passwordless ? 'webauthn-register-passwordless' : 'webauthn-register';
  const type = passwordless ? 'webauthn-passwordless' : 'webauthn';
  return {
    id: name,
    name,
    kind: 'required-action',
    due: (ctx) => requiredActionAsked(ctx, name),
    async view(ctx) {
      const policy = webAuthnPolicyOf(ctx.realm.settings, passwordless);
      const options = await registrationOptions(policy, relyingParty(policy, ctx.origin), ctx.user!, ctx.credentials, passwordless);
      return { data: { webauthn: JSON.stringify(options), passwordless }, pending: options.challenge };
    },
    async submit(ctx, form) {
      const { domain, realm } = ctx;
      const user = ctx.user!;
      if (!ctx.auth.pending) return { ok: false, message: 'requestExpired' };
      const response = postedCredential(form.credential);
      if (response === undefined) return { ok: false, message: 'webauthnFailed' };
      const policy = webAuthnPolicyOf(realm.settings, passwordless);
      const registered = await verifyRegistration(policy, relyingParty(policy, ctx.origin), ctx.auth.pending, response, passwordless);
      if (!registered) return { ok: false, message: 'webauthnInvalid', error: 'invalid_registration', userId: user.id, details: { credential_type: type } };
      const label = (form.userLabel ?? '').trim().slice(0, 255) || null;
      const updated = await domain.store.transaction(async (tx) => {
        await domain.credentials.addWebAuthn(tx, realm, user.id, type, registered.data, label);
        return domain.users.settle(tx, user, name);
      });
      domain.users.invalidate();
      return {
        ok: true, user: updated, pending: undefined,
        amr: [keyMethod(registered.synced), ...(passwordless && registered.userVerified ? ['user'] : [])],
        events: [{ type: 'UPDATE_CREDENTIAL', details: { credential_type: type, ...(label ? { credential_user_label: label } : {}) } }],
      };
    },
  };
}

export const webauthnRegisterStep = registerStep(false);
export const webauthnRegisterPasswordlessStep = registerStep(true);
