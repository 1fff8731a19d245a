// `npm run build` for the console: type-check and bundle, skipped when dist is newer than
// everything it is built from (the lock file stands for the dependencies).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { filesUnder, isFresh } from '../../scripts/fresh.mjs';

// Run by `npm start` from the repository's root too.
process.chdir(fileURLToPath(new URL('.', import.meta.url)));

const inputs = filesUnder('src', 'account', 'index.html', 'vite.config.ts', 'vite.account.config.ts', 'tsconfig.json', 'package.json', 'build.mjs',
  '../../package-lock.json');
if (process.argv.includes('--force') || !isFresh('dist/index.html', inputs) || !isFresh('dist/account/index.html', inputs)) {
  // npm puts node_modules/.bin on the PATH of the script that runs this.
  execFileSync('tsc', ['-p', 'tsconfig.json'], { stdio: 'inherit' });
  execFileSync('vite', ['build'], { stdio: 'inherit' });
  // The account console after the admin console, whose build empties dist.
  execFileSync('vite', ['build', '--config', 'vite.account.config.ts'], { stdio: 'inherit' });
}
