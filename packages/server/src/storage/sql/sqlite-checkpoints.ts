import { Worker } from 'node:worker_threads';

/**
 * In WAL mode SQLite copies the log back into the database file every 1000 pages, on the
 * connection whose commit crosses the mark, and fsyncs twice doing so: with
 * better-sqlite3, on the event loop, in the middle of a request. With a token exchange
 * writing some eight pages, that was two thirds of the time its writes took. A worker
 * thread with a connection of its own checkpoints instead, every so often and without
 * blocking anyone (PASSIVE); the main connection's own checkpoints stay as a backstop,
 * at a mark the worker keeps the log well below.
 */
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); checkpoint(); db.close(); parentPort.close(); });
`;

/** Pages the main connection lets the log reach before it checkpoints itself. */
export const BACKSTOP_PAGES = 20_000;

const INTERVAL_MS = 250;

export interface Checkpointer {
  /** Checkpoints once more and stops; resolves once the worker's connection is closed. */
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, driver: string): Checkpointer {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { file, driver, intervalMs: INTERVAL_MS },
    // It runs one pragma now and then: the smallest heap V8 allows keeps it a few MB.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, stackSizeMb: 1 },
  });
  // A process that is done must not stay up for it.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    stop() {
      // Waited for now, so it must hold the process up until it is done.
      worker.ref();
      worker.postMessage('stop');
      return exited;
    },
  };
}
