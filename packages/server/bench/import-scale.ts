// How fast `latchkey realm import` and `realm export --users` are on a large realm: a generated
// realm of N users (default 100,000), each with a Keycloak pbkdf2-sha256 password hash (one hash,
// computed once and reused, as hashing is not what is measured: hashed credentials import as they
// are) and one realm role. Runs the built CLI, as a user would, on SQLite and, when reachable, on
// PostgreSQL (a database of its own, created and dropped).
//
//   node dist/bench/import-scale.js [users] [--postgres postgres://user@host:5432/any-db] [--no-postgres]
//
// Not part of the test suite: it takes minutes and a few hundred MB.
import { spawn } from 'node:child_process';
import { pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { scaleArgs, withScratchDatabase } from './scratch-database.js';

const CLI = fileURLToPath(new URL('../latchkey.mjs', import.meta.url));
const ROLES = 10;

const { count: users, postgresUrl } = scaleArgs(process.argv.slice(2), 100_000);

/** Writes the realm file a user at a time, as a big export would be, without holding it in memory. */
async function writeRealmFile(file: string, count: number): Promise<void> {
  // Keycloak's pbkdf2-sha256 with its default 27,500 iterations; verified only at sign-in.
  const salt = randomBytes(16);
  const hash = pbkdf2Sync('member-password', salt, 27_500, 64, 'sha256');
  const credential = {
    id: randomUUID(), type: 'password', createdDate: Date.now(),
    secretData: JSON.stringify({ value: hash.toString('base64'), salt: salt.toString('base64'), additionalParameters: {} }),
    credentialData: JSON.stringify({ hashIterations: 27_500, algorithm: 'pbkdf2-sha256', additionalParameters: {} }),
  };
  const out = createWriteStream(file);
  const write = async (text: string) => { if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r())); };
  const head = {
    realm: 'scale', enabled: true,
    roles: { realm: Array.from({ length: ROLES }, (_, i) => ({ name: `role-${i}` })) },
    clients: [
      { clientId: 'portal', publicClient: true, directAccessGrantsEnabled: true },
      { clientId: 'backend', publicClient: false, secret: 'backend-secret', serviceAccountsEnabled: true },
    ],
  };
  await write(JSON.stringify(head).slice(0, -1) + ',"users":[');
  for (let i = 0; i < count; i++) {
    await write((i > 0 ? ',' : '') + JSON.stringify({
      id: randomUUID(), createdTimestamp: Date.now(), username: `member${i}`, enabled: true, totp: false,
      emailVerified: true, firstName: 'Member', lastName: `Number ${i}`, email: `member${i}@example.com`,
      attributes: { department: [`dept-${i % 50}`] },
      credentials: [credential], disableableCredentialTypes: [], requiredActions: [],
      realmRoles: [`role-${i % ROLES}`], notBefore: 0, groups: [],
    }));
  }
  await write(']}\n');
  out.end();
  await finished(out);
}

/** Runs the CLI; its stderr (the progress line, on a terminal) goes to ours. */
function latchkey(cliArgs: string[]): Promise<{ seconds: number; stdout: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...cliArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0) resolve({ seconds, stdout });
      else reject(new Error(`latchkey ${cliArgs.join(' ')} exited ${code}:\n${stdout}`));
    });
  });
}

interface Row { backend: string; step: string; seconds: number; rate: number }
const rows: Row[] = [];

async function measure(backend: string, store: string[], realmFile: string, work: string): Promise<void> {
  const imported = await latchkey(['realm', 'import', realmFile, ...store]);
  rows.push({ backend, step: 'import (new realm)', seconds: imported.seconds, rate: users / imported.seconds });
  process.stderr.write(imported.stdout);
  const exportFile = join(work, `export-${backend}.json`);
  const exported = await latchkey(['realm', 'export', 'scale', '--users', '--file', exportFile, ...store]);
  rows.push({ backend, step: 'export --users', seconds: exported.seconds, rate: users / exported.seconds });
  const again = await latchkey(['realm', 'import', exportFile, '--strategy', 'overwrite', ...store]);
  rows.push({ backend, step: 'import --strategy overwrite (its export)', seconds: again.seconds, rate: users / again.seconds });
  process.stderr.write(again.stdout);
  rmSync(exportFile, { force: true });
}

const work = mkdtempSync(join(tmpdir(), 'latchkey-import-scale-'));
try {
  const realmFile = join(work, 'realm.json');
  let t = Date.now();
  await writeRealmFile(realmFile, users);
  console.error(`Generated ${users} users (${(statSync(realmFile).size / 1e6).toFixed(0)} MB) in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  await measure('SQLite', ['--data-dir', join(work, 'sqlite')], realmFile, work);

  if (postgresUrl) {
    await withScratchDatabase(postgresUrl, 'latchkey_bench',
      (url) => measure('PostgreSQL', ['--database-url', url, '--data-dir', join(work, 'pg')], realmFile, work));
  }

  console.log(`\n${users} users, one pbkdf2-sha256 hash and one realm role each (the built CLI, wall time including start-up):`);
  console.log('| back end | step | seconds | users/s |\n| --- | --- | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.backend} | ${r.step} | ${r.seconds.toFixed(1)} | ${Math.round(r.rate)} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
