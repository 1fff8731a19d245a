import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server the storage tests may use: LATCHKEY_TEST_DATABASE_URL, any database on it. */
export const TEST_DATABASE_URL = process.env.LATCHKEY_TEST_DATABASE_URL || undefined;

/**
 * Why the PostgreSQL tests cannot run here, or undefined when they can. Tests skip with
 * this as the reason, so a machine without PostgreSQL still passes and says why.
 */
export async function postgresUnavailable(): Promise<string | undefined> {
  if (!TEST_DATABASE_URL) return 'PostgreSQL tests skipped: LATCHKEY_TEST_DATABASE_URL is not set';
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    const e = err as { message?: string; code?: string; errors?: Array<{ message?: string }> };
    const why = e.message || e.errors?.map((x) => x.message).join('; ') || e.code || String(err);
    return `PostgreSQL tests skipped: ${redact(TEST_DATABASE_URL)} is unreachable (${why})`;
  } finally {
    await client.end().catch(() => {});
  }
}

const redact = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A fresh database of its own on the test server, so runs never collide. Where the
 * server has ICU it sorts text as en-US does (not byte-wise, unlike SQLite), which
 * shows any ordering that depends on the database's collation.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) throw new Error('LATCHKEY_TEST_DATABASE_URL is not set');
  const name = `latchkey_test_${randomBytes(6).toString('hex')}`;
  const collation = await admin(async (client) => {
    try {
      await client.query(`create database ${name} template template0 locale_provider icu icu_locale 'en-US'`);
      return 'icu en-US';
    } catch {
      await client.query(`create database ${name}`);
      return 'default';
    }
  });
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    name: `${name} (${collation})`,
    url: url.toString(),
    async drop() {
      await admin(async (client) => {
        // FORCE ends connections a failed test may have left open (PostgreSQL 13+).
        await client.query(`drop database if exists ${name} with (force)`)
          .catch(() => client.query(`drop database if exists ${name}`));
      });
    },
  };
}
