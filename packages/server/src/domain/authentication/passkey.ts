import { assertedUserId, authenticationOptions, postedCredential, relyingParty, webAuthnPolicyOf } from '../webauthn.js';
import { SIGN_IN_ERRORS } from '../events.js';
import { LOGIN_ERRORS } from './password.js';
import { checkAssertion } from './security-key.js';
import { firstFactorDone, type Step } from './step.js';

/**
 * Keycloak 26's passkeys (webauthn-authenticator-passwordless on the login page): a passkey
 * instead of the username and password, from the button or offered by the browser in the
 * username field's autofill (conditional mediation). The key names the user (its user handle
 * is their id), and with the user verified on it, it is two factors on its own. Its page is
 * the login page, whose challenge is this step's.
 */
export const passkeyStep: Step = {
  id: 'passkey',
  name: 'webauthn-authenticator-passwordless',
  kind: 'authenticator',
  due: (ctx) => !firstFactorDone(ctx),
  async view(ctx) {
    const policy = webAuthnPolicyOf(ctx.realm.settings, true);
    const options = await authenticationOptions(policy, relyingParty(policy, ctx.origin), undefined);
    return { data: { webauthn: JSON.stringify(options) }, pending: options.challenge };
  },
  async submit(ctx, form) {
    const { domain, realm } = ctx;
    const userId = assertedUserId(postedCredential(form.credential));
    const found = userId ? await domain.users.get(realm.id, userId) : undefined;
    if (!found) return { ok: false, message: 'webauthnInvalid', error: 'user_not_found' };
    if (!found.enabled) return { ok: false, message: LOGIN_ERRORS.disabled, error: SIGN_IN_ERRORS.disabled, userId: found.id };
    const credentials = await domain.credentials.list(found.id);
    const { userVerified, ...result } = await checkAssertion({ ...ctx, user: found, credentials }, form.credential, true);
    if (!result.ok) return result;
    return { ok: true, user: found, amr: [...result.amr ?? [], ...(userVerified ? ['user'] : [])] };
  },
};
