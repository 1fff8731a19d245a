import type { RealmRecord, UserRecord } from '../storage/store.js';
import type { LockoutScope } from './browser-flow.js';
import type { Domain } from './index.js';

export type SignInFailure = 'invalid_credentials' | 'disabled' | 'locked';

export type SignInResult =
  | { ok: true; user: UserRecord }
  /** userId: the account the login named, when there is one (for its LOGIN_ERROR event); lockout: whom a lock held back. */
  | { ok: false; reason: SignInFailure; userId?: string; lockout?: LockoutScope };

/**
 * A password sign-in with brute-force detection, the same for the login page, the password
 * grant and account linking: a locked account is refused before its password is checked,
 * and every wrong password counts against the account from the source address it came from.
 */
export async function signInWithPassword(domain: Domain, realm: RealmRecord, login: string, password: string, address: string): Promise<SignInResult> {
  const user = login ? await domain.users.findForLogin(realm, login) : undefined;
  const lock = user && (await domain.bruteForce.lockedUntil(realm, user.id, address));
  if (user && lock) {
    domain.onSignInFailure('locked');
    return { ok: false, reason: 'locked', userId: user.id, lockout: lock.scope };
  }
  const check = await domain.users.checkPassword(realm, login, password);
  if (!check.ok) {
    domain.onSignInFailure(check.reason);
    if (user && check.reason === 'invalid_credentials') await domain.bruteForce.failed(realm, user.id, address);
    return { ...check, userId: user?.id };
  }
  await domain.bruteForce.succeeded(check.user.id);
  return check;
}

/** Whom a lockout held back (`address` or `account`), for the LOGIN_ERROR event's details. */
export const lockoutDetail = (result: SignInResult): { brute_force_lockout?: LockoutScope } =>
  (!result.ok && result.lockout ? { brute_force_lockout: result.lockout } : {});
