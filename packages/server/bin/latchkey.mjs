#!/usr/bin/env -S node --max-semi-space-size=8 --max-old-space-size=512
// The `latchkey` command. npm links a package's bin when it installs it, before anything is
// built: this file is there then, and loads the bundle `npm install` builds (prepare).
// The V8 flags above keep the server's memory near what it uses (README, Memory): V8's
// defaults size the young generation at 32 MiB and grow the old one by up to 4x, for a heap
// that would rather hold garbage than collect it. `node bin/latchkey.mjs` runs without them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/latchkey.mjs', import.meta.url);
if (!existsSync(bundle)) {
  console.error(`latchkey: ${fileURLToPath(bundle)} is not built yet: run \`npm run build\` in ${fileURLToPath(new URL('../../..', import.meta.url))}`);
  process.exit(1);
}
await import(bundle.href);
