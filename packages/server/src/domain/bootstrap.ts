import { randomBytes } from 'node:crypto';
import type { Domain } from './index.js';

export const MASTER_REALM = 'master';

export interface BootstrapResult {
  /** Set only when a password was generated: the caller prints it once. */
  generatedPassword?: string;
}

/**
 * First start: the master realm with Keycloak's `admin-cli` public client and an
 * administrator. A master realm that was imported keeps its own users.
 */
export async function bootstrapMaster(domain: Domain, admin: { username: string; password?: string }): Promise<BootstrapResult> {
  if (await domain.realms.exists(MASTER_REALM)) return {};
  const realm = await domain.realms.create(MASTER_REALM, { displayName: 'Keycloak' });
  const password = admin.password ?? randomBytes(18).toString('base64url');
  await domain.store.transaction(async (tx) => {
    await domain.createClient(realm, {
      clientId: 'admin-cli',
      publicClient: true,
      settings: { name: '${client_admin-cli}', standardFlow: false, directAccessGrants: true },
    }, tx);
    const adminRole = await domain.roles.create(tx, realm.id, null, 'admin', '${role_admin}');
    await domain.roles.create(tx, realm.id, null, 'create-realm', '${role_create-realm}');
    const user = await domain.users.create(tx, realm, { username: admin.username, enabled: true });
    await domain.users.setPassword(tx, user.id, password);
    await tx.roles.grantToUser(user.id, adminRole.id);
  });
  domain.roles.invalidate(realm.id);
  return admin.password ? {} : { generatedPassword: password };
}
