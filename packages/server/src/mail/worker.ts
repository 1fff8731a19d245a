import type { Domain } from '../domain/index.js';
import type { LoginEventType } from '../domain/events.js';
import { now } from '../domain/time.js';
import { mailDeliveries } from '../http/metrics.js';
import type { OutboxRecord } from '../storage/store.js';
import { sendMail } from './send.js';

export const DEFAULT_MAIL_RETRY_DELAY_MS = 30_000;
/** Back-off doubles from the first delay up to this. */
const MAX_RETRY_DELAY_SECONDS = 3600;
/** Tries before a mail is given up on: about six hours of a mail server down, at the default delay. */
export const MAX_MAIL_ATTEMPTS = 12;
/** A worker holds a mail this long; one that died lets it go to another then. Longer than a try can take (three 10 s timeouts). */
const LEASE_SECONDS = 60;
/** Mails taken per query. */
const BATCH = 20;

/** Keycloak's event for each mail sent for a user (the error one is the type with _ERROR); the test mail has none. */
const EVENTS: Partial<Record<string, LoginEventType>> = {
  'password-reset': 'SEND_RESET_PASSWORD',
  'email-verification': 'SEND_VERIFY_EMAIL',
  executeActions: 'SEND_EXECUTE_ACTIONS',
};

export interface MailWorkerOptions {
  /** The first wait after a failed try (ms); it doubles with each further failure, to an hour. */
  retryDelayMs?: number;
  /** A try that failed, with the mail server's (or connection's) error. */
  onFailure?: (mail: OutboxRecord, err: unknown, givenUp: boolean) => void;
  /** The worker's own query failed (the database out of reach); it tries again at its next round. */
  onError?: (err: unknown) => void;
}

export interface MailWorker {
  /** Sends what is due now, or joins the round running (and runs once more after it). */
  wake(): Promise<void>;
  /** No more rounds; waits for the mail being sent. */
  stop(): Promise<void>;
}

/**
 * One per process: sends the outbox's due mail, each claimed first so that several
 * processes on one database never send a mail twice, and retries with back-off. Runs when
 * a mail is queued here and every few seconds (retries, and mail other processes queued).
 */
export function startMailWorker(domain: Domain, opts: MailWorkerOptions = {}): MailWorker {
  const { store } = domain;
  const retrySeconds = Math.max(1, Math.ceil((opts.retryDelayMs ?? DEFAULT_MAIL_RETRY_DELAY_MS) / 1000));
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;

  async function deliver(mail: OutboxRecord): Promise<void> {
    const event = EVENTS[mail.kind];
    const realm = await store.realms.getById(mail.realmId);
    const record = (type: LoginEventType, error?: string) => realm && event
      ? domain.events.login(realm, { type, userId: mail.userId, error, details: error ? { reason: error } : undefined }) : undefined;
    try {
      if (!realm) throw new Error('the realm is gone');
      await sendMail(realm, await domain.realms.smtpPassword(realm), await domain.outbox.open(mail));
    } catch (err) {
      const givenUp = mail.attempts + 1 >= MAX_MAIL_ATTEMPTS;
      const delay = Math.min(retrySeconds * 2 ** mail.attempts, MAX_RETRY_DELAY_SECONDS);
      const at = now();
      await store.outbox.markFailed(mail.id, describe(err), givenUp ? null : at + delay, at);
      mailDeliveries.inc({ template: mail.kind, result: givenUp ? 'failed' : 'retry' });
      if (event) await record(`${event}_ERROR` as LoginEventType, 'email_send_failed');
      opts.onFailure?.(mail, err, givenUp);
      return;
    }
    await store.outbox.markSent(mail.id, now());
    mailDeliveries.inc({ template: mail.kind, result: 'sent' });
    if (event) await record(event);
  }

  async function round(): Promise<void> {
    for (;;) {
      const at = now();
      const due = await store.outbox.listDue(at, BATCH);
      for (const mail of due) {
        if (stopped) return;
        // attempts as it was before this claim counted one more.
        if (await store.outbox.claim(mail.id, at, at + LEASE_SECONDS)) await deliver(mail);
      }
      if (due.length < BATCH) return;
    }
  }

  function wake(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = round().catch((err) => opts.onError?.(err)).finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        void wake();
      }
    });
    return running;
  }

  domain.outbox.onQueued = () => { void wake(); };
  const timer = setInterval(() => { void wake(); }, Math.min(retrySeconds * 1000, 10_000));
  timer.unref();
  void wake();
  return {
    wake,
    async stop() {
      stopped = true;
      clearInterval(timer);
      domain.outbox.onQueued = () => {};
      await running;
    },
  };
}

/** The error without anything of the message: the mail server's reply or the connection's failure, bounded. */
function describe(err: unknown): string {
  const e = err as { code?: unknown; responseCode?: unknown; message?: unknown };
  const text = [e.code, e.responseCode, e.message].filter((v) => v !== undefined && v !== null && v !== '').join(' ');
  return (text || String(err)).slice(0, 500);
}
