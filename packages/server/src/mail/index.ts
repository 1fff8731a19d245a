import type { Domain, RealmRuntime } from '../domain/index.js';
import { actionTokenLink, mintActionToken, type ActionTokenType } from '../protocol/action-tokens.js';
import type { EmailContent, EmailTemplate, Pages } from '../pages/index.js';
import type { RealmRecord, UserRecord } from '../storage/store.js';
import { sendThrough, NoMailServerError } from './send.js';
import { canSend } from './settings.js';
import { MASKED_SECRET } from '../import/identity-providers.js';

export { NoMailServerError } from './send.js';

/** The name a mail greets its user by: first and last name, else the username. */
const nameOf = (user: Pick<UserRecord, 'username' | 'firstName' | 'lastName'>) =>
  [user.firstName, user.lastName].filter(Boolean).join(' ') || user.username;

/**
 * Writes the theme's mails (in the user's language) and queues them in the outbox. Nothing
 * here waits on a mail server except the administrator's connection test, which must.
 */
export class Mailer {
  constructor(private readonly domain: Domain, private readonly pages: Pages, private readonly resourcesPath: string) {}

  /** A catalogue message, e.g. a password policy's failure for the admin API. */
  message(locale: string, key: string, ...args: string[]): string {
    return this.pages.message(locale, key, ...args);
  }

  /** The language of a user's mail, as Keycloak picks it: the user's `locale` attribute, else the realm's default. */
  private localeOf(realm: RealmRecord, user: UserRecord | undefined): string {
    return user?.attributes.locale?.[0] ?? realm.settings.defaultLocale ?? 'en';
  }

  private render(realm: RealmRecord, user: UserRecord | undefined, content: EmailContent) {
    return this.pages.email({
      realm: { name: realm.name, displayName: realm.settings.displayName },
      locale: this.localeOf(realm, user),
      resourcesPath: this.resourcesPath,
    }, content);
  }

  /**
   * Queues a mail to the user (who must have an email). Refused at once with NoMailServerError
   * when the realm has no mail server, since the mail could never go.
   */
  async queue(realm: RealmRecord, user: UserRecord & { email: string }, content: Omit<EmailContent, 'name'>): Promise<void> {
    if (!canSend(realm.settings.smtpServer)) throw new NoMailServerError();
    const rendered = this.render(realm, user, { ...content, name: nameOf(user) });
    await this.domain.outbox.queue(realm, content.template, user.id, { to: user.email, ...rendered });
  }

  /**
   * Queues a mail with a link of an action token for the user (verify-email: their current
   * address; execute-actions: the actions named), good for `lifespan` seconds, to come back to
   * the client `clientId` (at `redirectUri`, when given). NoMailServerError as `queue`.
   */
  async queueActionLink(runtime: RealmRuntime, user: UserRecord & { email: string }, link: {
    template: EmailTemplate; type: ActionTokenType; actions: string[]; clientId: string; redirectUri?: string; lifespan: number;
  }): Promise<void> {
    const token = await mintActionToken(runtime, {
      type: link.type, userId: user.id, lifespan: link.lifespan, actions: link.type === 'execute-actions' ? link.actions : undefined,
      email: link.type === 'verify-email' ? user.email : undefined, clientId: link.clientId, redirectUri: link.redirectUri,
    });
    await this.queue(runtime.realm, user, {
      template: link.template, link: actionTokenLink(runtime, token, link.clientId), linkLifespan: link.lifespan, actions: link.actions,
    });
  }

  /**
   * Sends the test mail to `to` through the settings given (Keycloak's testSMTPConnection):
   * now, not through the outbox, so that the administrator learns whether they work. The
   * password masked, or none with auth on, is the realm's stored one.
   */
  async sendTest(realm: RealmRecord, settings: Record<string, string>, admin: UserRecord & { email: string }): Promise<void> {
    const { password, ...server } = settings;
    const stored = password === undefined || password === MASKED_SECRET ? await this.domain.realms.smtpPassword(realm) : password;
    const rendered = this.render(realm, admin, { template: 'email-test', name: nameOf(admin) });
    await sendThrough(server, stored, { to: admin.email, ...rendered });
  }
}
