import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { SecretBox } from './crypto/secret-box.js';
import { bootstrapMaster } from './domain/bootstrap.js';
import { Domain } from './domain/index.js';
import { importRealmFile } from './import/keycloak.js';
import { openSqliteStore } from './storage/sql/sqlite.js';

export interface RunningServer {
  app: FastifyInstance;
  domain: Domain;
  url: string;
  close(): Promise<void>;
}

/** A data dir sealed under another master key would answer every request with 500: refuse to start instead. */
async function checkMasterKey(domain: Domain): Promise<void> {
  const [first] = await domain.realms.list();
  if (!first) return;
  try {
    await domain.realms.runtime(first.name);
  } catch {
    throw new Error('the master key does not open this data dir\'s keys: start with the LATCHKEY_MASTER_KEY (or master.key file) it was created with');
  }
}

/** Opens the data dir, imports realms, creates master on first start, then listens. */
export async function startServer(config: Config, say: (line: string) => void = console.log): Promise<RunningServer> {
  const store = await openSqliteStore(config.dataDir);
  const box = SecretBox.load(config.dataDir, config.masterKey);
  const domain = new Domain(store, box, config.publicUrl + config.relativePath);

  // Imports come first so that an imported master realm replaces the bootstrap one, as in Keycloak.
  for (const file of config.importRealms) {
    const result = await importRealmFile(domain, file);
    say(result.skipped ? `Realm ${result.realm} already exists: import of ${file} skipped` : `Imported realm ${result.realm} from ${file}`);
  }
  const boot = await bootstrapMaster(domain, { username: config.adminUsername, password: config.adminPassword });
  if (boot.generatedPassword) {
    say(`Created the master realm administrator "${config.adminUsername}" with the generated password: ${boot.generatedPassword}`);
    say('It is shown only this once; set LATCHKEY_ADMIN_PASSWORD to choose it instead.');
  }

  await checkMasterKey(domain);
  const app = await buildApp({ domain, relativePath: config.relativePath, logLevel: config.logLevel });
  const address = await app.listen({ port: config.port, host: config.host });
  return {
    app,
    domain,
    url: address,
    async close() {
      await app.close();
      await store.close();
    },
  };
}
