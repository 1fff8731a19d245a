import QRCode from 'qrcode';
import { newOtpSecret, otpPolicyOf, otpSecretBase32, otpUri } from '../credentials.js';
import { actionDue, firstFactorDone, hasCredential, secondFactorDone, secondFactorWanted, type Step } from './step.js';

/**
 * Keycloak's CONFIGURE_TOTP: a new generator from a QR code (or its secret typed in), confirmed
 * with its first code and named. Due when asked for, and when the sign-in wants a second factor
 * the user does not have; the code it takes proves the factor for this sign-in too.
 */
export const configureTotpStep: Step = {
  id: 'configure-totp',
  name: 'CONFIGURE_TOTP',
  kind: 'required-action',
  due: (ctx) => actionDue(ctx, 'CONFIGURE_TOTP') || (firstFactorDone(ctx)
    && !secondFactorDone(ctx) && secondFactorWanted(ctx) && !hasCredential(ctx, 'otp') && !hasCredential(ctx, 'recovery-authn-codes')),
  async view(ctx) {
    const { domain, realm, user } = ctx;
    const secret = ctx.auth.pending ? await domain.box.open(ctx.auth.pending) : newOtpSecret();
    const policy = otpPolicyOf(realm.settings);
    const uri = otpUri(policy, secret, realm.settings.displayName || realm.name, user!.username);
    return {
      data: {
        qrCode: await QRCode.toDataURL(uri, { margin: 1, width: 200 }),
        secret: otpSecretBase32(secret).replace(/(.{4})(?=.)/g, '$1 '),
        policy,
      },
      pending: ctx.auth.pending ?? await domain.box.seal(secret),
    };
  },
  async submit(ctx, form) {
    const { domain, realm } = ctx;
    const user = ctx.user!;
    if (!ctx.auth.pending) return { ok: false, message: 'requestExpired' };
    const code = (form.totp ?? '').trim();
    if (code === '') return { ok: false, message: 'missingCode' };
    const secret = await domain.box.open(ctx.auth.pending);
    const label = (form.userLabel ?? '').trim().slice(0, 255) || null;
    const updated = await domain.store.transaction(async (tx) => {
      const credential = await domain.credentials.addOtpIfValid(tx, realm, user.id, secret, code, label);
      return credential && domain.users.settle(tx, user, 'CONFIGURE_TOTP');
    });
    if (!updated) return { ok: false, message: 'invalidCode', error: 'invalid_user_credentials', userId: user.id };
    domain.users.invalidate();
    return {
      ok: true, user: updated, amr: ['otp'], pending: undefined,
      events: [{ type: 'UPDATE_TOTP', details: { credential_type: 'otp', ...(label ? { credential_user_label: label } : {}) } }],
    };
  },
};
