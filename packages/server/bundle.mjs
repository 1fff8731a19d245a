// Ships the CLI as one ES module plus chunks that load on demand: Node then reads a few
// files instead of hundreds, which halves the time from start to ready, and a driver (the
// PostgreSQL client, say) that a run does not use is never loaded. tsc still type-checks
// and builds dist/src and dist/test for the tests.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isFresh } from '../../scripts/fresh.mjs';

// Run by `npm start` from the repository's root too.
process.chdir(fileURLToPath(new URL('.', import.meta.url)));
const OUTPUT = 'dist/latchkey.mjs';
// What the last bundle was made of (esbuild's own list, dependencies included), to skip a
// bundle that would come out the same.
const INPUTS = 'dist/latchkey.inputs.json';
const lastInputs = () => {
  try {
    return JSON.parse(readFileSync(INPUTS, 'utf8'));
  } catch {
    return undefined;
  }
};
// The sign-in pages' WebAuthn script, with @simplewebauthn/browser in it: served from the
// theme's resources (the pages' CSP allows scripts from there only), so built before the server.
const WEBAUTHN_SCRIPT = 'themes/latchkey/resources/webauthn.js';
if (process.argv.includes('--force') || !isFresh(WEBAUTHN_SCRIPT, ['themes/latchkey/scripts/webauthn.js', '../../package-lock.json'])) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: ['themes/latchkey/scripts/webauthn.js'], outfile: WEBAUTHN_SCRIPT, bundle: true, format: 'iife', platform: 'browser',
    target: 'es2020', minify: true, legalComments: 'eof', logLevel: 'warning',
  });
}

const inputs = lastInputs();
if (!process.argv.includes('--force') && inputs && isFresh(OUTPUT, [...inputs, 'bundle.mjs', '../../package-lock.json'])) process.exit(0);

const { build } = await import('esbuild');
rmSync('dist/chunks', { recursive: true, force: true });
const { metafile } = await build({
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
  // Native addons and the PostgreSQL driver's optional native part stay on disk. So does
  // cookie: @fastify/cookie loads it with import(), and esbuild would give a chunk made of this
  // CommonJS package only a default export; Node gives it its named ones too.
  external: ['better-sqlite3', '@node-rs/argon2', 'pg', 'pg-native', 'cookie'],
  // Bundled CommonJS dependencies call require(); an ES module has to create it.
  banner: { js: "import { createRequire as __latchkeyRequire } from 'node:module'; const require = __latchkeyRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
});
writeFileSync(INPUTS, JSON.stringify(Object.keys(metafile.inputs)));
