import { hashPassword } from '../../crypto/passwords.js';
import { SELF_SERVICE_LIMITS } from '../rate-limit.js';
import { phoneAndAttributes, profileErrors, registrationAttributes, userProfileOf } from '../user-profile.js';
import { isUniqueViolation, type RealmSettings } from '../../storage/store.js';
import { canonicalUsername } from '../users.js';
import { firstFactorDone, type Step, type StepError, type StepResult } from './step.js';

/** Keycloak's user fields, kept in the user record; the profile's other attributes are the user's attributes. */
const USER_FIELDS = ['username', 'email', 'firstName', 'lastName'];

/** The attributes the form asks for: the profile's, less the username when the email is the username. */
const formAttributes = (settings: RealmSettings) => registrationAttributes(userProfileOf(settings))
  .filter((a) => !(a.name === 'username' && settings.registrationEmailAsUsername));

/**
 * Keycloak's registration flow (registration-page-form): a new account from the user
 * profile's attributes and a password under the realm's policy, which then signs in like a
 * password would (VERIFY_EMAIL follows when the realm verifies email). Offered beside the
 * password when the realm's registrationAllowed is on. As Keycloak's, it says when a username
 * or (unless duplicateEmailsAllowed) an email is taken: registration cannot help revealing it.
 */
export const registrationStep: Step = {
  id: 'registration',
  name: 'registration-page-form',
  kind: 'authenticator',
  due: (ctx) => !firstFactorDone(ctx) && ctx.realm.settings.registrationAllowed === true,
  view: async (ctx) => ({ data: { attributes: formAttributes(ctx.realm.settings) } }),
  async submit(ctx, form): Promise<StepResult> {
    const { domain, realm } = ctx;
    const settings = realm.settings;
    const asked = formAttributes(settings).map((a) => a.name);
    const typed: Record<string, string> = Object.fromEntries([...USER_FIELDS, ...asked].map((f) => [f, (form[f] ?? '').trim()]));
    if (settings.registrationEmailAsUsername) typed.username = typed.email;
    const { username, email } = typed;
    const refuse = (message: StepError, field: string, error = 'invalid_registration'): StepResult =>
      ({ ok: false, message, field, keep: typed, error, event: 'REGISTER_ERROR', details: { username, email } });

    const [wrong] = profileErrors(userProfileOf(settings), Object.fromEntries(asked.map((f) => [f, [typed[f]]])), (name) => asked.includes(name), 'user');
    if (wrong) return refuse({ error: wrong.errorMessage, args: wrong.params.map(String) }, wrong.field);
    const usernameTaken = () => (settings.registrationEmailAsUsername
      ? refuse('emailExistsMessage', 'email', 'email_in_use') : refuse('usernameExistsMessage', 'username', 'username_in_use'));
    if (await domain.users.getByUsername(realm.id, canonicalUsername(username))) return usernameTaken();
    if (settings.duplicateEmailsAllowed !== true && (await domain.users.othersWithEmail(realm.id, email)).length > 0) {
      return refuse('emailExistsMessage', 'email', 'email_in_use');
    }
    const password = form.password ?? '';
    if (password === '') return refuse('passwordMissing', 'password');
    if (password !== form['password-confirm']) return refuse('passwordConfirmMismatch', 'password-confirm');
    const broken = await domain.users.checkNewPassword(realm, { username: canonicalUsername(username), email }, password);
    if (broken) return refuse(broken, 'password');
    if (!(await domain.rateLimits.allow('register', `${realm.id}\u0000${ctx.address}`, SELF_SERVICE_LIMITS.registerPerAddress))) {
      return refuse('tooManyRegistrations', 'username', 'too_many_requests');
    }

    const hashed = await hashPassword(password);
    let user;
    try {
      user = await domain.store.transaction(async (tx) => {
        const created = await domain.users.create(tx, realm, {
          username, email, emailVerified: false, firstName: typed.firstName || null, lastName: typed.lastName || null,
          ...phoneAndAttributes(Object.fromEntries(asked.filter((a) => !USER_FIELDS.includes(a) && typed[a] !== '').map((a) => [a, [typed[a]]]))),
        });
        await domain.users.setPassword(tx, created.id, hashed);
        return created;
      });
    } catch (err) {
      // The same username registered a moment earlier, between the check and the insert.
      if (!isUniqueViolation(err)) throw err;
      return usernameTaken();
    }
    domain.users.invalidate();
    return { ok: true, user, amr: ['pwd'], events: [{ type: 'REGISTER', details: { username: user.username, email, register_method: 'form' } }] };
  },
};
