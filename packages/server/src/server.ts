import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { SecretBox } from './crypto/secret-box.js';
import { bootstrapMaster } from './domain/bootstrap.js';
import { Domain } from './domain/index.js';
import { importRealmFile } from './import/keycloak.js';
import { openStore, storeKind } from './storage/open.js';

export interface RunningServer {
  app: FastifyInstance;
  domain: Domain;
  url: string;
  close(): Promise<void>;
}

/** A data dir sealed under another master key would answer every request with 500: refuse to start instead. */
async function checkMasterKey(domain: Domain, where: string): Promise<void> {
  const [first] = await domain.realms.list();
  if (!first) return;
  try {
    await domain.realms.runtime(first.name);
  } catch {
    throw new Error(`the master key does not open ${where}'s keys: start with the LATCHKEY_MASTER_KEY (or master.key file) it was created with`);
  }
}

/**
 * Opens the database (the data dir's SQLite, or PostgreSQL), imports realms, creates
 * master on first start, then listens.
 */
export async function startServer(config: Config, say: (line: string) => void = console.log): Promise<RunningServer> {
  const kind = storeKind(config);
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    poolSize: config.dbPoolSize,
    statementTimeoutMs: config.dbStatementTimeoutMs,
  });
  try {
    const box = SecretBox.load(config.dataDir, config.masterKey);
    const domain = new Domain(store, box, config.publicUrl + config.relativePath);

    // Several processes may share one PostgreSQL database and start at once: one at a
    // time checks for, imports and creates realms, so none trips over another's.
    await store.exclusive(async () => {
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
    });

    await checkMasterKey(domain, kind === 'postgres' ? 'the database' : 'this data dir');
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
  } catch (err) {
    // A pool left open would keep the process alive after a failed start.
    await store.close().catch(() => {});
    throw err;
  }
}
