import type { RealmRecord, UserRecord } from '../storage/store.js';
import type { Domain } from './index.js';

export type SignInFailure = 'invalid_credentials' | 'disabled' | 'locked';

export type SignInResult =
  | { ok: true; user: UserRecord }
  /** userId: the account the login named, when there is one (for its LOGIN_ERROR event). */
  | { ok: false; reason: SignInFailure; userId?: string };

/**
 * A password sign-in with brute-force detection, the same for the login page
 * and the password grant: a locked account is refused before its password is
 * checked, and every wrong password counts against the account.
 */
export async function signInWithPassword(domain: Domain, realm: RealmRecord, login: string, password: string): Promise<SignInResult> {
  const user = login ? await domain.users.findForLogin(realm.id, login) : undefined;
  if (user && (await domain.bruteForce.lockedUntil(realm, user.id))) {
    domain.onSignInFailure('locked');
    return { ok: false, reason: 'locked', userId: user.id };
  }
  const check = await domain.users.checkPassword(realm.id, login, password);
  if (!check.ok) {
    domain.onSignInFailure(check.reason);
    if (user && check.reason === 'invalid_credentials') await domain.bruteForce.failed(realm, user.id);
    return { ...check, userId: user?.id };
  }
  await domain.bruteForce.succeeded(check.user.id);
  return check;
}
