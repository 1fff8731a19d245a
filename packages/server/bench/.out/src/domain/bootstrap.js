import { randomBytes } from 'node:crypto';
export const MASTER_REALM = 'master';
/**
 * First start: the master realm with Keycloak's `admin-cli` public client and an
 * administrator. A master realm that was imported keeps its own users.
 */
export async function bootstrapMaster(domain, admin) {
    if (await domain.realms.exists(MASTER_REALM))
        return {};
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
    return admin.password ? {} : { generatedPassword: password };
}
