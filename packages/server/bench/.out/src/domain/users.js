import { newId } from '../crypto/random.js';
import { hashPassword, needsRehash, verifyPassword } from '../crypto/passwords.js';
import { now } from './time.js';
export const SERVICE_ACCOUNT_PREFIX = 'service-account-';
// Verifying against a throwaway hash when the user is unknown keeps the time
// taken the same, so response times do not reveal which usernames exist.
let decoy;
export class UserService {
    store;
    constructor(store) {
        this.store = store;
    }
    get(realmId, id) {
        return this.store.users.getById(realmId, id);
    }
    getByUsername(realmId, username) {
        return this.store.users.getByUsername(realmId, username);
    }
    serviceAccountOf(clientUuid) {
        return this.store.users.getByServiceAccountClient(clientUuid);
    }
    /** Creates a user holding the realm's default role, as Keycloak does, in the caller's transaction. */
    async create(tx, realm, input, opts = {}) {
        const user = {
            id: input.id ?? newId(),
            realmId: realm.id,
            username: input.username,
            enabled: input.enabled ?? true,
            email: input.email ?? null,
            emailVerified: input.emailVerified ?? false,
            firstName: input.firstName ?? null,
            lastName: input.lastName ?? null,
            phoneNumber: input.phoneNumber ?? null,
            attributes: input.attributes ?? {},
            serviceAccountClientId: input.serviceAccountClientId ?? null,
            createdAt: now(),
        };
        await tx.users.insert(user);
        if (opts.defaultRole !== false) {
            const role = await tx.roles.getByName(realm.id, null, realm.settings.defaultRoleName);
            if (role)
                await tx.roles.grantToUser(user.id, role.id);
        }
        return user;
    }
    createServiceAccount(tx, realm, client) {
        return this.create(tx, realm, {
            username: SERVICE_ACCOUNT_PREFIX + client.clientId,
            serviceAccountClientId: client.id,
        });
    }
    async setPassword(tx, userId, password) {
        const stored = typeof password === 'string' ? await hashPassword(password) : password;
        await tx.passwords.set({ userId, ...stored, createdAt: now() });
    }
    /**
     * Checks a username and password. A password kept in an imported format is
     * rehashed with argon2id on its first successful use.
     */
    async checkPassword(realmId, username, password) {
        const user = await this.store.users.getByUsername(realmId, username);
        const stored = user && (await this.store.passwords.get(user.id));
        if (!user || !stored) {
            await verifyPassword(await (decoy ??= hashPassword('decoy')), password);
            return { ok: false, reason: 'invalid_credentials' };
        }
        if (!(await verifyPassword(stored, password))) {
            return { ok: false, reason: 'invalid_credentials' };
        }
        if (!user.enabled)
            return { ok: false, reason: 'disabled' };
        if (needsRehash(stored))
            await this.setPassword(this.store, user.id, password);
        return { ok: true, user };
    }
}
