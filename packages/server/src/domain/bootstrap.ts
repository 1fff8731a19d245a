import { randomBytes } from 'node:crypto';
import { hashPassword } from '../crypto/passwords.js';
import type { Domain } from './index.js';
import { canonicalUsername } from './users.js';

export const MASTER_REALM = 'master';

/** Keycloak's public client of master that the admin console signs in with. */
export const ADMIN_CONSOLE_CLIENT = 'security-admin-console';

export interface BootstrapResult {
  /** False when master was there already: the administrator settings were not used. */
  created: boolean;
  /** Set only when a password was generated: the caller prints it once. */
  generatedPassword?: string;
}

/** A password for an administrator no one chose one for: printed once by the caller. */
export const generatedAdminPassword = () => randomBytes(18).toString('base64url');

/**
 * First start: the master realm with Keycloak's `admin-cli` public client and an
 * administrator. A master realm that was imported keeps its own users.
 */
export async function bootstrapMaster(domain: Domain, admin: { username: string; password?: string }): Promise<BootstrapResult> {
  if (await domain.realms.exists(MASTER_REALM)) return { created: false };
  const password = admin.password ?? generatedAdminPassword();
  // Hashed in the thread pool while the realm's keys are made, rather than after them (and in the transaction).
  const hashed = hashPassword(password);
  hashed.catch(() => {}); // awaited below; a failed realm creation must not leave it unhandled
  const realm = await domain.realms.create(MASTER_REALM, { displayName: 'Latchkey' });
  const stored = await hashed;
  await domain.store.transaction(async (tx) => {
    await domain.createClient(realm, {
      clientId: 'admin-cli',
      publicClient: true,
      settings: { name: '${client_admin-cli}', standardFlow: false, directAccessGrants: true },
    }, tx);
    const adminRole = await domain.roles.create(tx, realm.id, null, 'admin', '${role_admin}');
    await domain.roles.create(tx, realm.id, null, 'create-realm', '${role_create-realm}');
    const user = await domain.users.create(tx, realm, { username: admin.username, enabled: true });
    await domain.users.setPassword(tx, user.id, stored);
    await tx.roles.grantToUser(user.id, adminRole.id);
  });
  domain.roles.invalidate(realm.id);
  return admin.password ? { created: true } : { created: true, generatedPassword: password };
}

/**
 * Makes `username` an administrator of master with this password, whether the user exists or
 * not (Keycloak's bootstrap-admin), for when the password is lost: enabled, granted master's
 * admin role, the password permanent, any brute-force lockout lifted.
 */
export async function resetAdministrator(domain: Domain, admin: { username: string; password: string }): Promise<'created' | 'reset'> {
  const realm = await domain.realms.get(MASTER_REALM);
  if (!realm) throw new Error('there is no master realm yet: `latchkey start` creates it, with its administrator');
  const password = await hashPassword(admin.password);
  const outcome = await domain.store.transaction(async (tx) => {
    const adminRole = await tx.roles.getByName(realm.id, null, 'admin');
    if (!adminRole) throw new Error('master has no admin role to grant');
    const found = await tx.users.getByUsername(realm.id, canonicalUsername(admin.username));
    const user = found ?? await domain.users.create(tx, realm, { username: admin.username, enabled: true });
    if (!user.enabled) await tx.users.update({ ...user, enabled: true });
    await domain.users.resetPassword(tx, { ...user, enabled: true }, password, { temporary: false });
    await tx.roles.grantToUser(user.id, adminRole.id);
    await tx.loginFailures.clear(user.id);
    return found ? 'reset' as const : 'created' as const;
  });
  domain.users.invalidate();
  domain.roles.invalidate(realm.id);
  return outcome;
}

/**
 * Where the console is served, as security-admin-console's redirect URI: a prefix, relative to
 * wherever the server is reached (Keycloak registers `/admin/master/console/*`), so the console
 * signs in at any address the issuer follows, or at the public URL.
 */
export const ADMIN_CONSOLE_REDIRECT = '/admin/*';

/**
 * Master's `security-admin-console`, as Keycloak has it: public, the authorization code flow
 * with PKCE S256 required, redirects to the console (logout too: `+`). Created in a master
 * realm that lacks it (one created before the console, or imported without it); one made when
 * its redirect URI was absolute gets the relative one beside it.
 */
export async function ensureAdminConsole(domain: Domain): Promise<void> {
  const realm = await domain.realms.get(MASTER_REALM);
  if (!realm) return;
  const redirect = ADMIN_CONSOLE_REDIRECT;
  const existing = await domain.clients.getByClientId(realm.id, ADMIN_CONSOLE_CLIENT);
  if (!existing) {
    await domain.createClient(realm, {
      clientId: ADMIN_CONSOLE_CLIENT,
      publicClient: true,
      settings: {
        name: '${client_security-admin-console}', standardFlow: true, directAccessGrants: false, pkceMethod: 'S256',
        redirectUris: [redirect], postLogoutRedirectUris: ['+'], webOrigins: ['+'],
      },
    });
  } else if (!existing.settings.redirectUris.includes(redirect)) {
    await domain.clients.update(domain.store, { ...existing, settings: { ...existing.settings, redirectUris: [...existing.settings.redirectUris, redirect] } });
    domain.clients.invalidate(realm.id, ADMIN_CONSOLE_CLIENT);
  }
}
