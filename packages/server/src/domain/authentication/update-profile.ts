import { changeOwnProfile, editableFields, OWN_PROFILE_FIELDS } from '../own-profile.js';
import { requiredActionAsked, type Step } from './step.js';

/**
 * Keycloak's UPDATE_PROFILE: the user checks their profile's attributes (the username only
 * where the realm lets users change it) as the realm's user profile validates them.
 */
export const updateProfileStep: Step = {
  id: 'update-profile',
  name: 'UPDATE_PROFILE',
  kind: 'required-action',
  due: (ctx) => requiredActionAsked(ctx, 'UPDATE_PROFILE'),
  async view(ctx) {
    const user = ctx.user!;
    return {
      data: {
        editable: editableFields(ctx.realm),
        profile: { username: user.username, email: user.email ?? '', firstName: user.firstName ?? '', lastName: user.lastName ?? '' },
      },
      pending: ctx.auth.pending,
    };
  },
  async submit(ctx, form) {
    const { domain, realm } = ctx;
    const input = Object.fromEntries(OWN_PROFILE_FIELDS.map((name) => [name, form[name] ?? '']));
    const change = await changeOwnProfile(domain, realm, ctx.user!, input);
    if (!change.ok) {
      const [first] = change.errors;
      return {
        ok: false, message: { error: first.errorMessage, args: first.params.map((p) => String(p ?? '')) }, keep: input,
        fieldErrors: Object.fromEntries(change.errors.map((e) => [e.field, { error: e.errorMessage, args: e.params.map((p) => String(p ?? '')) }])),
      };
    }
    const user = await domain.store.transaction((tx) => domain.users.settle(tx, change.user, 'UPDATE_PROFILE'));
    domain.users.invalidate();
    const email: Record<string, string> = change.emailChanged ? { previous_email: change.previousEmail ?? '', updated_email: user.email ?? '' } : {};
    return { ok: true, user, events: [{ type: 'UPDATE_PROFILE', details: email }] };
  },
};
