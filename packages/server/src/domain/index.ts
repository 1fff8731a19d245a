import type { SecretBox } from '../crypto/secret-box.js';
import type { RealmRecord, Store } from '../storage/store.js';
import { ClientService, defaultClientSettings, type NewClient } from './clients.js';
import { ClientScopeService } from './client-scopes.js';
import { BruteForceService, CodeService, ConsentService, InteractionService } from './browser-flow.js';
import { Caches } from './cache.js';
import { ClientOutbound } from './client-outbound.js';
import { CredentialService } from './credentials.js';
import { DeviceCodeService } from './device-codes.js';
import type { SignInFailure } from './sign-in.js';
import { EventService } from './events.js';
import { GroupService } from './groups.js';
import { IdentityProviderService } from './identity-providers.js';
import { RealmService } from './realms.js';
import { RoleService } from './roles.js';
import { JwtIdService, PushedRequestService } from './single-use.js';
import { RateLimiter } from './rate-limit.js';
import { SessionService, TokenStoreService } from './sessions.js';
import { UserService } from './users.js';
import { Outbox } from '../mail/outbox.js';

export type { ClientRuntime } from './clients.js';
export type { RealmRuntime } from './realms.js';
export type { EffectiveRoles } from './roles.js';

/**
 * The domain services over one store. The protocol endpoints, the importer and
 * (later) the admin API all work through this, never through the store itself.
 */
export class Domain {
  readonly realms: RealmService;
  readonly clients: ClientService;
  readonly clientScopes: ClientScopeService;
  readonly roles: RoleService;
  readonly users: UserService;
  readonly credentials: CredentialService;
  readonly sessions: SessionService;
  readonly tokens: TokenStoreService;
  readonly codes: CodeService;
  readonly interactions: InteractionService;
  readonly consents: ConsentService;
  readonly bruteForce: BruteForceService;
  readonly events: EventService;
  readonly groups: GroupService;
  readonly identityProviders: IdentityProviderService;
  readonly jwtIds: JwtIdService;
  readonly rateLimits: RateLimiter;
  readonly pushedRequests: PushedRequestService;
  /** Clients' keys and request objects; the HTTP layer tells it whether they may be on private addresses. */
  readonly clientOutbound = new ClientOutbound();
  /** Mail waiting for the realm's mail server; the process's mail worker sends it. */
  readonly outbox: Outbox;
  readonly deviceCodes: DeviceCodeService;
  /** Told of every refused password sign-in; the HTTP layer counts them in its metrics. */
  onSignInFailure: (reason: SignInFailure) => void = () => {};

  constructor(
    readonly store: Store,
    readonly box: SecretBox,
    issuerBase: string,
  ) {
    // One set of caches, kept in step with the other processes on the database through its change feed.
    const caches = new Caches(store.changes);
    this.realms = new RealmService(store, box, issuerBase, caches);
    this.clients = new ClientService(store, box, caches);
    this.clientScopes = new ClientScopeService(store, this.clients);
    this.roles = new RoleService(store, caches);
    this.users = new UserService(store, caches);
    this.credentials = new CredentialService(store, box);
    this.groups = new GroupService(store);
    this.sessions = new SessionService(store);
    this.tokens = new TokenStoreService(store, caches);
    this.codes = new CodeService(store);
    this.interactions = new InteractionService(store);
    this.consents = new ConsentService(store);
    this.bruteForce = new BruteForceService(store);
    this.events = new EventService(store);
    this.identityProviders = new IdentityProviderService(store, box, this.users, caches);
    this.jwtIds = new JwtIdService(store);
    this.rateLimits = new RateLimiter(store);
    this.pushedRequests = new PushedRequestService(store, box);
    this.outbox = new Outbox(store, box);
    this.deviceCodes = new DeviceCodeService(store);
  }

  /** Creates a client, and its service-account user when it has one, atomically. */
  createClient(realm: RealmRecord, input: NewClient, tx: Store = this.store) {
    return tx.transaction((t) =>
      this.clients.create(t, realm.id, { ...input, settings: { ...defaultClientSettings(realm), ...input.settings } }, async (client) => {
        await this.users.createServiceAccount(t, realm, client);
      }));
  }
}
