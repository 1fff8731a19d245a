// A real SMTP server (the smtp-server package) on a TCP port, reading what it receives with
// mailparser: the mail server the tests' Latchkey sends through. It can be stopped and started
// again on the same port, as a mail server that goes down and comes back.
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort, PATIENCE_MS } from './server.js';

export interface MailSink {
  port: number;
  /** Every mail received, in order. */
  readonly mails: ParsedMail[];
  /** The first mail received (now or later) that `match` accepts. */
  waitFor(match: (mail: ParsedMail) => boolean, what: string): Promise<ParsedMail>;
  /** Connections refused from now on (the port closed), until start. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export const recipient = (mail: ParsedMail): string =>
  (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((a) => a.value.map((v) => v.address ?? '')).join(',');

/** The action-token link of a mail (its plain text has it on a line of its own). */
export function actionLinkOf(mail: ParsedMail): string {
  const found = /https?:\/\/\S+\/login-actions\/action-token\?\S+/.exec(mail.text ?? '');
  if (!found) throw new Error(`no link in the mail: ${mail.text}`);
  return found[0];
}

/** Starts the sink; with `auth`, only that user and password may send (PLAIN or LOGIN, without TLS). */
export async function startMailSink(opts: { auth?: { user: string; pass: string } } = {}): Promise<MailSink> {
  const port = await freePort();
  const mails: ParsedMail[] = [];
  const waiters: Array<{ match: (m: ParsedMail) => boolean; resolve: (m: ParsedMail) => void }> = [];
  let server: SMTPServer | undefined;

  const make = () => new SMTPServer({
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    // A stop closes the port at once, not after the connections have lingered.
    closeTimeout: 500,
    onAuth(auth, _session, done) {
      if (auth.username === opts.auth?.user && auth.password === opts.auth?.pass) done(null, { user: auth.username });
      else done(new Error('Invalid username or password'));
    },
    onData(stream, _session, done) {
      simpleParser(stream).then((mail) => {
        mails.push(mail);
        for (const w of [...waiters]) {
          if (w.match(mail)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(mail);
          }
        }
        done();
      }, done);
    },
  });

  const sink: MailSink = {
    port,
    mails,
    waitFor(match, what) {
      const found = mails.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no mail ${what} in ${PATIENCE_MS / 1000} s; received: ${mails.map((m) => m.subject).join(' | ')}`)), PATIENCE_MS);
        waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m); } });
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((r) => s.close(() => r()));
    },
    async start() {
      server = make();
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, '127.0.0.1', () => resolve());
      });
    },
  };
  await sink.start();
  return sink;
}
