import { newId, randomToken, secretsEqual } from '../crypto/random.js';
import { TtlCache } from './cache.js';
import { now } from './time.js';
export function defaultClientSettings() {
    return {
        standardFlow: true,
        implicitFlow: false,
        directAccessGrants: false,
        serviceAccounts: false,
        consentRequired: false,
        pkceMethod: null,
        refreshTokens: true,
        redirectUris: [],
        postLogoutRedirectUris: [],
        webOrigins: [],
        defaultScopes: [],
        optionalScopes: [],
        audiences: [],
        customClaims: [],
        consentTexts: {},
        extraAttributes: {},
    };
}
export class ClientService {
    store;
    box;
    runtimes = new TtlCache(60_000);
    constructor(store, box) {
        this.store = store;
        this.box = box;
    }
    runtime(realmId, clientId) {
        return this.runtimes.get(`${realmId}\u0000${clientId}`, async () => {
            const record = await this.store.clients.getByClientId(realmId, clientId);
            if (!record)
                return undefined;
            const secrets = await Promise.all((await this.store.clientSecrets.listByClient(record.id)).map(async (s) => ({
                id: s.id,
                value: await this.box.open(s.sealedValue),
                expiresAt: s.expiresAt,
            })));
            return { record, secrets };
        });
    }
    /** True when `presented` equals one of the client's unexpired secrets. */
    static secretMatches(client, presented) {
        const at = now();
        // Compare against every secret so the time taken does not reveal which one matched.
        let match = false;
        for (const s of client.secrets) {
            if (secretsEqual(s.value, presented) && (s.expiresAt === null || s.expiresAt > at))
                match = true;
        }
        return match;
    }
    /**
     * Creates a client, its secrets and — when service accounts are on — the
     * `service-account-<clientId>` user (seed 000), in the caller's transaction.
     */
    async create(tx, realmId, input, onServiceAccount) {
        const record = {
            id: input.id ?? newId(),
            realmId,
            clientId: input.clientId,
            enabled: input.enabled ?? true,
            publicClient: input.publicClient,
            settings: { ...defaultClientSettings(), ...input.settings },
            createdAt: now(),
        };
        await tx.clients.insert(record);
        let secrets = input.secrets ?? [];
        let generatedSecret;
        if (!record.publicClient && secrets.length === 0) {
            generatedSecret = randomToken();
            secrets = [{ value: generatedSecret }];
        }
        for (const s of secrets) {
            await tx.clientSecrets.insert({
                id: newId(),
                clientId: record.id,
                sealedValue: await this.box.seal(s.value),
                label: s.label ?? null,
                createdAt: now(),
                expiresAt: s.expiresAt ?? null,
            });
        }
        if (record.settings.serviceAccounts && !record.publicClient)
            await onServiceAccount(record);
        this.invalidate(realmId, record.clientId);
        return { record, generatedSecret };
    }
    invalidate(realmId, clientId) {
        this.runtimes.invalidate(`${realmId}\u0000${clientId}`);
    }
}
