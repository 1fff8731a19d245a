/** Something another process may hold in a cache changed: a kind of data, and which one (none: all of that kind). */
export interface Change {
  topic: string;
  key?: string;
}

/**
 * How the processes sharing one database tell each other that data they cache changed.
 * A process hears what the others publish, never its own (it drops its own caches itself).
 * Delivery is best effort: a listener that may have missed changes (its connection broke)
 * is told so with `undefined`, and then drops everything it caches.
 */
export interface ChangeFeed {
  /** Resolves once the others have been told (or, with no others to tell, at once). */
  publish(change: Change): Promise<void>;
  /** Returns a function that unsubscribes. */
  subscribe(listener: (change: Change | undefined) => void): () => void;
  /** Waits for publishes in flight, then stops listening. */
  close(): Promise<void>;
}

/**
 * SQLite: one server process per data dir, so there is nobody to tell. A `latchkey realm
 * import` beside a running server is seen when the server's caches expire.
 */
export const noChangeFeed: ChangeFeed = {
  publish: async () => {},
  subscribe: () => () => {},
  close: async () => {},
};
