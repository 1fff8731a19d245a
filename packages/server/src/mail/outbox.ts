import { newId } from '../crypto/random.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { now } from '../domain/time.js';
import type { EmailTemplate } from '../pages/types.js';
import type { OutboxRecord, RealmRecord, Store } from '../storage/store.js';

/** A mail as rendered for one recipient. */
export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
}

/**
 * Mail accepted for sending: kept in the database, sealed, until a worker (mail/worker.ts) has
 * handed it to the realm's mail server, so that it outlives a restart and a mail server that
 * is down, and no request waits on the mail server.
 */
export class Outbox {
  /** Told of every mail queued here, so this process's worker sends it at once rather than at its next poll. */
  onQueued: () => void = () => {};

  constructor(private readonly store: Store, private readonly box: SecretBox) {}

  async queue(realm: RealmRecord, template: EmailTemplate, userId: string | null, mail: OutgoingMail): Promise<string> {
    const at = now();
    const record: OutboxRecord = {
      id: newId(), realmId: realm.id, kind: template, userId, sealedMessage: await this.box.seal(JSON.stringify(mail)),
      status: 'pending', attempts: 0, nextAttemptAt: at, claimedUntil: null, lastError: null, createdAt: at, finishedAt: null,
    };
    await this.store.outbox.insert(record);
    this.onQueued();
    return record.id;
  }

  async open(record: OutboxRecord): Promise<OutgoingMail> {
    return JSON.parse(await this.box.open(record.sealedMessage)) as OutgoingMail;
  }
}
