// Ships the CLI as one ES module plus chunks that load on demand: Node then reads a few
// files instead of hundreds, which halves the time from start to ready, and a driver (the
// PostgreSQL client, say) that a run does not use is never loaded. tsc still type-checks
// and builds dist/src and dist/test for the tests.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/chunks', { recursive: true, force: true });
await build({
  entryPoints: { latchkey: 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Less to read and parse at every start; names stay, so stack traces still read well.
  minifyWhitespace: true,
  minifySyntax: true,
  // Native addons and the PostgreSQL driver's optional native part stay on disk.
  external: ['better-sqlite3', '@node-rs/argon2', 'pg', 'pg-native'],
  // Bundled CommonJS dependencies call require(); an ES module has to create it.
  banner: { js: "import { createRequire as __latchkeyRequire } from 'node:module'; const require = __latchkeyRequire(import.meta.url);" },
  logLevel: 'warning',
});
