import { defineConfig } from 'vite';

// Served by the Latchkey server at <relative-path>/admin/: every URL in the page is relative,
// so one build works under any --http-relative-path.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The server's CSP allows scripts from 'self' only: no inline polyfill.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 600,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
});
