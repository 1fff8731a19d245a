import { newRecoveryCodes } from '../credentials.js';
import { actionDue, type Step } from './step.js';

/** Keycloak's CONFIGURE_RECOVERY_AUTHN_CODES: a set of recovery codes, shown once, kept only hashed. */
export const configureRecoveryCodesStep: Step = {
  id: 'recovery-codes-setup',
  name: 'CONFIGURE_RECOVERY_AUTHN_CODES',
  kind: 'required-action',
  due: (ctx) => actionDue(ctx, 'CONFIGURE_RECOVERY_AUTHN_CODES'),
  async view(ctx) {
    const { box } = ctx.domain;
    const codes: string[] = ctx.auth.pending ? JSON.parse(await box.open(ctx.auth.pending)) : newRecoveryCodes();
    return { data: { codes }, pending: ctx.auth.pending ?? await box.seal(JSON.stringify(codes)) };
  },
  async submit(ctx, form) {
    const { domain, realm } = ctx;
    const user = ctx.user!;
    if (!ctx.auth.pending) return { ok: false, message: 'requestExpired' };
    if (form.saved !== 'on') return { ok: false, message: 'recoveryCodesNotSaved' };
    const codes = JSON.parse(await domain.box.open(ctx.auth.pending)) as string[];
    const updated = await domain.store.transaction(async (tx) => {
      await domain.credentials.setRecoveryCodes(tx, realm, user.id, codes);
      return domain.users.settle(tx, user, 'CONFIGURE_RECOVERY_AUTHN_CODES');
    });
    domain.users.invalidate();
    return { ok: true, user: updated, pending: undefined, events: [{ type: 'UPDATE_CREDENTIAL', details: { credential_type: 'recovery-authn-codes' } }] };
  },
};
