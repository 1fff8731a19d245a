import { defineConfig } from 'vite';

// The account console, served by the Latchkey server at <relative-path>/realms/{realm}/account/:
// a page of its own with its own assets below it (dist/account), every URL relative, so one
// build serves every realm under any --http-relative-path.
export default defineConfig({
  root: 'account',
  base: './',
  build: {
    outDir: '../dist/account',
    emptyOutDir: true,
    // The server's CSP allows scripts from 'self' only: no inline polyfill.
    modulePreload: { polyfill: false },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
});
