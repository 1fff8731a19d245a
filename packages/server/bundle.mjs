// Ships the CLI as one ES module: Node then loads one file instead of hundreds,
// which halves the time from start to ready. tsc still type-checks and builds
// dist/src and dist/test for the tests.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/latchkey.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Native addons and the PostgreSQL driver's optional native part stay on disk.
  external: ['better-sqlite3', '@node-rs/argon2', 'pg', 'pg-native'],
  // Bundled CommonJS dependencies call require(); an ES module has to create it.
  banner: { js: "import { createRequire as __latchkeyRequire } from 'node:module'; const require = __latchkeyRequire(import.meta.url);" },
  logLevel: 'warning',
});
