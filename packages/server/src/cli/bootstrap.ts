import { Command, Option } from 'commander';
import { generatedAdminPassword, resetAdministrator } from '../domain/bootstrap.js';
import { askHidden } from './prompt.js';
import { storeOptions, withDomain, type StoreOptions } from './realm.js';

// `latchkey admin bootstrap`: Keycloak's `kc.sh bootstrap-admin`, for a lost administrator
// password. It writes to the database directly, so it needs no one signed in.

interface BootstrapOptions extends StoreOptions {
  username: string;
}

async function passwordToSet(): Promise<{ password: string; generated: boolean }> {
  const given = process.env.LATCHKEY_ADMIN_PASSWORD;
  if (given) return { password: given, generated: false };
  if (process.stdin.isTTY) {
    const typed = await askHidden('New administrator password (empty: generate one): ');
    if (typed) return { password: typed, generated: false };
  }
  return { password: generatedAdminPassword(), generated: true };
}

async function bootstrapCommand(o: BootstrapOptions): Promise<void> {
  const { password, generated } = await passwordToSet();
  const outcome = await withDomain(o, true, async (domain, store) => {
    // A running server would go on with the old password from its caches: on SQLite it must
    // be stopped, and its lock on the data dir says whether it is.
    const lock = o.databaseUrl ? undefined : (await import('../storage/sql/sqlite-lock.js')).lockDataDir(o.dataDir);
    try {
      return await store.exclusive(() => resetAdministrator(domain, { username: o.username, password }));
    } finally {
      lock?.release();
    }
  });
  console.log(`${outcome === 'created' ? 'Created' : 'Reset'} the master realm administrator "${o.username}"`
    + `${generated ? ` with the generated password: ${password}` : ''}`);
}

export function bootstrapCommandOf(): Command {
  return storeOptions(new Command('bootstrap')
    .description('Create a master realm administrator, or reset one\'s password, on a stopped server (Keycloak\'s kc.sh bootstrap-admin).'))
    .addOption(new Option('--username <name>', 'the administrator').env('LATCHKEY_ADMIN_USERNAME').default('admin'))
    .addHelpText('after', `
The password comes from LATCHKEY_ADMIN_PASSWORD, else is asked on the terminal without echo,
else is generated and printed once. The user is created when there is none of that name;
either way it ends enabled, with master's admin role, the password permanent and any
brute-force lockout lifted. It signs in to the admin console and \`latchkey admin login\`.

It writes to the server's database (--data-dir, --database-url, LATCHKEY_MASTER_KEY as
\`latchkey start\` takes them). On SQLite the server must be stopped (it is refused while one
runs); on PostgreSQL, stop the servers too, or they may go on accepting the old password for
up to 15 seconds.`)
    .action((o: BootstrapOptions) => bootstrapCommand(o));
}
