import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Change, ChangeFeed } from '../changes.js';

const CHANNEL = 'latchkey_changes';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more: a longer key becomes "all of the topic". */
const MAX_KEY_LENGTH = 2000;
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2000;

export interface PostgresChangeFeedOptions {
  url: string;
  /** Runs NOTIFY on a pooled connection: `select pg_notify($1, $2)`. */
  notify: (channel: string, payload: string) => Promise<void>;
  /** Lost and regained connections, for the operator. */
  log?: (message: string) => void;
}

interface Wire {
  /** The publishing process, so that it ignores its own notifications. */
  o: string;
  t: string;
  k?: string;
}

/**
 * The change feed over PostgreSQL's LISTEN/NOTIFY. NOTIFY goes out on the pool; LISTEN
 * holds a connection of its own, which reconnects by itself when it breaks (the server
 * restarted, the network went away). Notifications sent while it was away are lost, so
 * every reconnection tells the listeners to drop everything.
 */
export class PostgresChangeFeed implements ChangeFeed {
  private readonly origin = randomUUID();
  private readonly listeners = new Set<(change: Change | undefined) => void>();
  private readonly pending = new Set<Promise<void>>();
  private client?: pg.Client;
  private retryMs = FIRST_RETRY_MS;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: PostgresChangeFeedOptions) {}

  /** Connects and listens; fails when the first connection does. */
  async start(): Promise<void> {
    await this.listen();
  }

  publish(change: Change): Promise<void> {
    const wire: Wire = { o: this.origin, t: change.topic };
    if (change.key !== undefined && change.key.length <= MAX_KEY_LENGTH) wire.k = change.key;
    const sent = this.options.notify(CHANNEL, JSON.stringify(wire));
    const tracked = sent.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    return tracked;
  }

  subscribe(listener: (change: Change | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.pending]);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private emit(change: Change | undefined): void {
    for (const listener of this.listeners) listener(change);
  }

  private receive(payload: string | undefined): void {
    let wire: Wire;
    try {
      wire = JSON.parse(payload ?? '') as Wire;
    } catch {
      return;
    }
    if (wire.o === this.origin || typeof wire.t !== 'string') return;
    this.emit(typeof wire.k === 'string' ? { topic: wire.t, key: wire.k } : { topic: wire.t });
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: 'latchkey (change feed)',
      // An idle connection is otherwise the last to learn that the server went away.
      keepAlive: true,
    });
    let listening = false;
    const lost = (err?: Error) => {
      if (!listening) return;
      listening = false;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => {});
      if (this.closed) return;
      this.options.log?.(`the change feed lost its PostgreSQL connection (${err?.message || 'closed'}); reconnecting`);
      this.retryLater();
    };
    // Without a listener an error would crash the process; before `listening` the caller sees it.
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => { if (n.channel === CHANNEL) this.receive(n.payload); });
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    listening = true;
    this.client = client;
  }

  private retryLater(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.listen().then(() => {
        if (this.closed) return;
        this.retryMs = FIRST_RETRY_MS;
        this.options.log?.('the change feed is listening again; caches dropped, as changes may have been missed');
        this.emit(undefined);
      }, () => {
        this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
        if (!this.closed) this.retryLater();
      });
    }, this.retryMs);
    // Reconnecting must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }
}
