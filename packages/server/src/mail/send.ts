import type { RealmRecord } from '../storage/store.js';
import type { OutgoingMail } from './outbox.js';
import { canSend, senderFields, transportOptions } from './settings.js';

/** A realm that has no mail server set up, or one without a from address. */
export class NoMailServerError extends Error {
  override name = 'NoMailServerError';
  constructor() {
    super('the realm has no mail server: set its SMTP host and from address');
  }
}

/**
 * Hands one mail to a mail server (the realm's smtpServer, or settings being tried) over a
 * connection of its own, closed after: mail is rare enough that a pool would mostly idle.
 */
export async function sendThrough(server: Record<string, string> | undefined, password: string | undefined, mail: OutgoingMail): Promise<void> {
  if (!canSend(server)) throw new NoMailServerError();
  // Loaded with the first mail, not at start: most runs send none.
  const { createTransport } = await import('nodemailer');
  const transport = createTransport(transportOptions(server, password));
  try {
    await transport.sendMail({ ...senderFields(server, mail.to), to: mail.to, subject: mail.subject, html: mail.html, text: mail.text });
  } finally {
    transport.close();
  }
}

/** Sends through the realm's own mail server. */
export const sendMail = (realm: RealmRecord, password: string | undefined, mail: OutgoingMail): Promise<void> =>
  sendThrough(realm.settings.smtpServer, password, mail);
