import { now } from '../time.js';
import { requiredActionAsked, type Step } from './step.js';

/** Keycloak's user attribute that records when the user accepted the terms (seconds since the epoch). */
export const TERMS_ACCEPTED_ATTRIBUTE = 'terms_and_conditions';

/**
 * Keycloak's TERMS_AND_CONDITIONS: the realm's terms, accepted (recorded in the user's
 * terms_and_conditions attribute) or declined, which ends the sign-in with access_denied.
 */
export const termsAndConditionsStep: Step = {
  id: 'terms',
  name: 'TERMS_AND_CONDITIONS',
  kind: 'required-action',
  due: (ctx) => requiredActionAsked(ctx, 'TERMS_AND_CONDITIONS'),
  async submit(ctx, form) {
    if (form.accept === undefined) return { ok: false, message: 'termsDeclined', declined: true };
    const { domain } = ctx;
    const user = await domain.store.transaction((tx) => domain.users.settle(tx, {
      ...ctx.user!, attributes: { ...ctx.user!.attributes, [TERMS_ACCEPTED_ATTRIBUTE]: [String(now())] },
    }, 'TERMS_AND_CONDITIONS'));
    domain.users.invalidate();
    return { ok: true, user, events: [{ type: 'CUSTOM_REQUIRED_ACTION', details: { custom_required_action: 'TERMS_AND_CONDITIONS' } }] };
  },
};
