// A PostgreSQL database of a benchmark's own on a shared server: created for the run, dropped after it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The command line the scale benchmarks share: `[count] [--postgres URL] [--no-postgres]`. The
 * PostgreSQL server defaults to the tests' (LATCHKEY_TEST_DATABASE_URL) or the local one.
 */
export function scaleArgs(argv: string[], defaultCount: number): { count: number; postgresUrl?: string } {
  const count = Number(argv.find((a) => /^\d+$/.test(a)) ?? defaultCount);
  const flag = argv.indexOf('--postgres');
  const postgresUrl = argv.includes('--no-postgres') ? undefined
    : flag >= 0 ? argv[flag + 1] : process.env.LATCHKEY_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  return { count, postgresUrl };
}

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Runs `work` with the URL of a new database `<prefix>_<random>` on the server `adminUrl`
 * names, and drops it afterwards. When none can be created (no server there), says so on
 * stderr and returns undefined: the benchmark goes on without PostgreSQL.
 */
export async function withScratchDatabase<T>(adminUrl: string, prefix: string, work: (url: string) => Promise<T>): Promise<T | undefined> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  try {
    await admin(adminUrl, (c) => c.query(`create database ${name}`));
  } catch (err) {
    const e = err as { message?: string; errors?: Array<{ message?: string }> };
    console.error(`PostgreSQL skipped: ${e.message || e.errors?.map((x) => x.message).join('; ') || String(err)}`);
    return undefined;
  }
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await admin(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
  }
}
