#!/usr/bin/env node
// The `latchkey` command. npm links a package's bin when it installs it, before anything is
// built: this file is there then, and loads the bundle `npm install` builds (prepare).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/latchkey.mjs', import.meta.url);
if (!existsSync(bundle)) {
  console.error(`latchkey: ${fileURLToPath(bundle)} is not built yet: run \`npm run build\` in ${fileURLToPath(new URL('../../..', import.meta.url))}`);
  process.exit(1);
}
await import(bundle.href);
