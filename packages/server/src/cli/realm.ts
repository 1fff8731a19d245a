import { createWriteStream, existsSync, openSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { SecretBox } from '../crypto/secret-box.js';
import { Domain } from '../domain/index.js';
import { writeRealmExport } from '../export/keycloak.js';
import { importNotes, importRealm, readRealmFile, type ImportProgress, type ImportStrategy } from '../import/keycloak.js';
import { isPostgresUrl, openStore } from '../storage/open.js';
import type { SqlStore } from '../storage/sql/sql-store.js';

// `latchkey realm export|import`: the same data dir or database as `latchkey start`, with or
// without a server running on it (SQLite's WAL lets a second process in; PostgreSQL is shared).

export interface StoreOptions {
  dataDir: string;
  databaseUrl?: string;
}

export const storeOptions = (command: Command): Command => command
  .addOption(new Option('--data-dir <dir>', 'the server\'s data dir: its master.key and (without --database-url) its SQLite database')
    .env('LATCHKEY_DATA_DIR').default('./data'))
  .addOption(new Option('--database-url <url>', 'the server\'s PostgreSQL database instead: postgres://user:password@host:5432/database')
    .env('LATCHKEY_DATABASE_URL'));

const ENVIRONMENT = `
Environment:
  LATCHKEY_DATA_DIR, LATCHKEY_DATABASE_URL  as the options above
  LATCHKEY_MASTER_KEY  the master key the server uses (default: <data-dir>/master.key);
                       client secrets and signing keys are sealed under it`;

const CACHES = `Servers running on PostgreSQL see an imported or replaced realm at once (the import
tells them); on SQLite a running server sees it within 15 seconds (its caches expire).`;

/**
 * Opens the server's store and master key, runs `work` over them and closes the store.
 * The data dir must exist (a mistyped one is refused, not made); `existing`: so must the
 * database and key in it (an export never creates them, an import into an empty dir may).
 */
export async function withDomain<T>(o: StoreOptions, existing: boolean, work: (domain: Domain, store: SqlStore) => Promise<T>): Promise<T> {
  const databaseUrl = o.databaseUrl || undefined;
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl)) {
    throw new Error('--database-url must be a postgres:// or postgresql:// URL');
  }
  const masterKey = process.env.LATCHKEY_MASTER_KEY || undefined;
  if (!databaseUrl && !existsSync(o.dataDir)) {
    throw new Error(`there is no data dir ${resolve(o.dataDir)} (give the server's --data-dir or its --database-url; \`latchkey start\` or mkdir makes a new one)`);
  }
  if (existing) {
    if (!databaseUrl && !existsSync(join(o.dataDir, 'latchkey.db'))) {
      throw new Error(`there is no Latchkey database in ${o.dataDir} (give the server's --data-dir, or its --database-url)`);
    }
    if (!masterKey && !existsSync(join(o.dataDir, 'master.key'))) {
      throw new Error(`there is no master key: ${join(o.dataDir, 'master.key')} does not exist and LATCHKEY_MASTER_KEY is not set`);
    }
  }
  const box = SecretBox.load(o.dataDir, masterKey);
  // A realm's worth of rows may take longer than a request should: no statement timeout here.
  const store = await openStore({ dataDir: o.dataDir, databaseUrl, poolSize: 2, statementTimeoutMs: 0 });
  try {
    return await work(new Domain(store, box, ''), store);
  } finally {
    await store.close();
  }
}

/** "users 35000/100000 (4100/s)" on one line of stderr, rewritten in place: only when stderr is a terminal. */
function progressLine(label: (phase: string) => string): ((p: ImportProgress | { phase: 'users'; done: number; total: number }) => void) | undefined {
  const err = process.stderr;
  if (!err.isTTY) return undefined;
  // The rate counts from a phase's first report, which comes after its first batch.
  const first = new Map<string, { at: number; done: number }>();
  return (p) => {
    if (!first.has(p.phase)) first.set(p.phase, { at: Date.now(), done: p.done });
    const since = first.get(p.phase)!;
    const seconds = (Date.now() - since.at) / 1000;
    const rate = seconds > 0 ? `${Math.round((p.done - since.done) / seconds)}/s` : '…';
    err.write(`\r${label(p.phase)} ${p.done}/${p.total} (${rate})\x1b[K${p.done >= p.total ? '\n' : ''}`);
  };
}

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

interface ExportOptions extends StoreOptions {
  users?: boolean;
  file?: string;
}

async function exportCommand(realm: string, o: ExportOptions): Promise<void> {
  const started = Date.now();
  const onProgress = progressLine(() => 'users');
  await withDomain(o, true, async (domain) => {
    if (!o.file) {
      // A reader that stops early (`| head`) has what it wanted: end quietly rather than with a stack.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(0);
        throw err;
      });
      const summary = await writeRealmExport(domain, realm, process.stdout, { users: o.users, onProgress });
      process.stderr.write(`Exported realm ${summary.realm}: ${summary.clients} clients, ${o.users ? `${summary.users} users` : 'no users (--users adds them)'}, in ${elapsed(started)}\n`);
      return;
    }
    // Written aside and renamed when complete, so a failed export never leaves half a file
    // under the name asked for. Owner-only: it holds client secrets and password hashes.
    const partial = `${o.file}.partial-${process.pid}`;
    let fd: number;
    try {
      fd = openSync(partial, 'w', 0o600);
    } catch (err) {
      throw new Error(`cannot write ${o.file}: ${(err as Error).message}`);
    }
    const out = createWriteStream(partial, { fd });
    try {
      const summary = await writeRealmExport(domain, realm, out, { users: o.users, onProgress });
      out.end();
      await finished(out);
      renameSync(partial, o.file);
      process.stderr.write(`Exported realm ${summary.realm} to ${o.file}: ${summary.clients} clients, ${o.users ? `${summary.users} users` : 'no users (--users adds them)'}, in ${elapsed(started)}\n`);
    } catch (err) {
      out.destroy();
      rmSync(partial, { force: true });
      throw err;
    }
  });
}

interface ImportOptions extends StoreOptions {
  strategy: ImportStrategy;
}

async function importCommand(file: string, o: ImportOptions): Promise<void> {
  const started = Date.now();
  // The file is read and checked first: a broken one is refused before the database is touched.
  const rep = await readRealmFile(file);
  const onProgress = progressLine((phase) => (phase === 'passwords' ? 'passwords hashed' : 'users'));
  const result = await withDomain(o, false, (domain, store) =>
    // On PostgreSQL, not while a server starting up imports or bootstraps realms.
    store.exclusive(() => importRealm(domain, rep, { strategy: o.strategy, onProgress })));
  if (result.skipped) {
    console.log(`Realm ${result.realm} already exists: import of ${file} skipped (--strategy overwrite replaces it)`);
    return;
  }
  for (const note of importNotes(result)) console.log(note);
  const seconds = (Date.now() - started) / 1000;
  const rate = result.users >= 1000 && seconds > 0 ? ` (${Math.round(result.users / seconds)} users/s)` : '';
  console.log(`${result.overwritten ? 'Replaced' : 'Imported'} realm ${result.realm} from ${file}: `
    + `${result.clients} clients, ${result.users} users, in ${elapsed(started)}${rate}`);
}

/** The `realm` command and its subcommands. */
export function realmCommand(): Command {
  const realm = new Command('realm')
    .description('Export a realm to a Keycloak realm file, or import one, while the server runs or not.');

  storeOptions(realm.command('export')
    .description('Write a realm as Keycloak\'s realm representation (as kc.sh export does) to stdout or --file.')
    .argument('<realm>', 'the realm\'s name'))
    .option('--users', 'include the users, with their password hashes, role grants and groups')
    .option('--file <file>', 'write to this file (readable by its owner only) instead of stdout')
    .addHelpText('after', `
The file holds the realm's settings, roles (with composites), groups (the tree, with their
attributes and roles), clients with their secrets (Keycloak's "secret": the first unexpired
one; Latchkey's "secrets": all of them, with expiry), claim and audience mappers, identity
providers with their client secrets and mappers, and with --users the users with their
attributes, role grants, groups (by path), links to identity providers and password hashes:
argon2id ones in the form of Keycloak's argon2 credential, hashes imported from Keycloak as
they came. Keycloak and \`latchkey realm import\` read it.

Not exported: the realm's signing keys (Keycloak exports them as components; the importing
side makes new keys, so tokens signed before do not verify there), sessions, tokens and
events, and what Latchkey does not keep (authentication flows, user federation).

A server may run on the same data dir or database meanwhile: the export reads one
consistent state of the realm.
${ENVIRONMENT}`)
    .action((name: string, o: ExportOptions) => exportCommand(name, o));

  storeOptions(realm.command('import')
    .description('Import a Keycloak realm file (kc.sh export, or latchkey realm export), all of it or nothing.')
    .argument('<file>', 'the realm file (JSON)'))
    .addOption(new Option('--strategy <strategy>', 'for a realm that exists already: skip leaves it as it is (as Keycloak does); '
      + 'overwrite deletes it with everything in it (users, sessions, tokens) and creates it again from the file')
      .choices(['skip', 'overwrite']).default('skip'))
    .addHelpText('after', `
The import runs in one transaction: a file that fails half way leaves nothing behind, and
with overwrite the realm it would replace stays as it was. Plaintext passwords are hashed
with argon2id (several at once); Keycloak's hashed ones (pbkdf2, argon2) import as they are
and are rehashed at the user's next sign-in. The realm gets new signing keys.

${CACHES} On SQLite the import holds the database's write lock while it writes
(about a second per 10,000 users): the server's writes wait meanwhile.
${ENVIRONMENT}`)
    .action((file: string, o: ImportOptions) => importCommand(file, o));

  return realm;
}
