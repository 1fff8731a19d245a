import { ClientService } from './clients.js';
import { RealmService } from './realms.js';
import { RoleService } from './roles.js';
import { SessionService, TokenStoreService } from './sessions.js';
import { UserService } from './users.js';
/**
 * The domain services over one store. The protocol endpoints, the importer and
 * (later) the admin API all work through this, never through the store itself.
 */
export class Domain {
    store;
    box;
    realms;
    clients;
    roles;
    users;
    sessions;
    tokens;
    constructor(store, box, issuerBase) {
        this.store = store;
        this.box = box;
        this.realms = new RealmService(store, box, issuerBase);
        this.clients = new ClientService(store, box);
        this.roles = new RoleService(store);
        this.users = new UserService(store);
        this.sessions = new SessionService(store);
        this.tokens = new TokenStoreService(store);
    }
    /** Creates a client, and its service-account user when it has one, atomically. */
    createClient(realm, input, tx = this.store) {
        return tx.transaction((t) => this.clients.create(t, realm.id, input, async (client) => {
            await this.users.createServiceAccount(t, realm, client);
        }));
    }
}
