import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/**
 * packages/console/dist, found by walking up from this module: it runs bundled as
 * packages/server/dist/latchkey.mjs (two levels below packages/) and unbundled as
 * dist/src/endpoints/console.js. LATCHKEY_CONSOLE_DIR points elsewhere.
 */
export function consoleDir(): string {
  if (process.env.LATCHKEY_CONSOLE_DIR) return resolve(process.env.LATCHKEY_CONSOLE_DIR);
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'console', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return resolve(start, '../../console/dist');
  }
}

// The console is the build's own files: scripts and styles from 'self' only, its API calls to
// 'self', client logos from anywhere over https (or data: URIs), and never in a frame.
const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' https: data:", "connect-src 'self'",
  "font-src 'self'", "manifest-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
].join('; ');

const NOT_BUILT = 'The admin console has not been built, so there is nothing to show here.\n'
  + 'Run `npm run build` at the top of the repository (it builds packages/console into packages/console/dist),\n'
  + 'or set LATCHKEY_CONSOLE_DIR to a built console, and start the server again.\n'
  + 'The admin REST API under /admin/realms works without it.\n';

const secureHeaders = (reply: FastifyReply) => reply
  .header('content-security-policy', CSP)
  .header('x-frame-options', 'DENY')
  .header('x-content-type-options', 'nosniff')
  .header('referrer-policy', 'no-referrer');

/**
 * The admin console (packages/console) at <relative-path>/admin/: its page, and its hashed
 * assets cached for good. Keycloak's address for it, /admin/master/console/, leads here.
 */
export const adminConsole: FastifyPluginAsync<{ relativePath: string }> = async (app, { relativePath }) => {
  const dir = consoleDir();
  const index = existsSync(join(dir, 'index.html')) ? readFileSync(join(dir, 'index.html')) : undefined;
  const home = `${relativePath}/admin/`;

  app.get('/admin/', async (request: FastifyRequest, reply: FastifyReply) => {
    // The router takes /admin for /admin/; the page's relative URLs need the slash.
    const [path, query] = request.url.split(/\?(.*)/s);
    if (!path.endsWith('/')) return reply.redirect(`${path}/${query ? `?${query}` : ''}`, 302);
    if (!index) return reply.code(503).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    return secureHeaders(reply).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
  });

  const toConsole = async (_request: FastifyRequest, reply: FastifyReply) => reply.redirect(home, 302);
  app.get('/admin/master/console', toConsole);
  app.get('/admin/master/console/*', toConsole);

  if (index && existsSync(join(dir, 'assets'))) {
    await app.register(fastifyStatic, {
      root: join(dir, 'assets'),
      prefix: '/admin/assets/',
      decorateReply: false,
      // One route per file that exists: a wildcard would answer for paths the admin API 404s.
      wildcard: false,
      index: false,
      list: false,
      dotfiles: 'deny',
      // The file names carry their content's hash.
      cacheControl: true,
      maxAge: 365 * 86_400 * 1000,
      immutable: true,
      setHeaders: (res) => {
        res.header('content-security-policy', CSP);
        res.header('x-content-type-options', 'nosniff');
      },
    });
  }
};

const ACCOUNT_NOT_BUILT = 'The account console has not been built, so there is nothing to show here.\n'
  + 'Run `npm run build` at the top of the repository (it builds packages/console, the account console too).\n'
  + 'The account REST API under /realms/{realm}/account works without it.\n';

const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.woff2': 'font/woff2', '.map': 'application/json',
};

/**
 * The account console (packages/console's second app, built into dist/account): its page for
 * /realms/{realm}/account/ (the account REST API's address, asked for as a page), and its
 * hashed assets below it, read once, as they never change while the server runs.
 */
export function accountConsoleFiles(): { sendPage: (request: FastifyRequest, reply: FastifyReply) => FastifyReply; assets: FastifyPluginAsync } {
  const dir = join(consoleDir(), 'account');
  const index = existsSync(join(dir, 'index.html')) ? readFileSync(join(dir, 'index.html')) : undefined;
  const assetsDir = join(dir, 'assets');
  const files = new Map(existsSync(assetsDir)
    ? readdirSync(assetsDir).filter((name) => ASSET_TYPES[extname(name)]).map((name) => [name, readFileSync(join(assetsDir, name))] as const)
    : []);
  return {
    sendPage(request, reply) {
      // The page's relative URLs (assets, the sign-in's redirect) need the slash.
      const [path, query] = request.url.split(/\?(.*)/s);
      if (!path.endsWith('/')) return reply.redirect(`${path}/${query ? `?${query}` : ''}`, 302);
      if (!index) return reply.code(503).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send(ACCOUNT_NOT_BUILT);
      return secureHeaders(reply).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
    },
    assets: async (app) => {
      app.get('/realms/:realm/account/assets/:file', async (request, reply) => {
        const { file } = request.params as { file: string };
        const body = files.get(file);
        if (!body) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Not found');
        return reply.header('content-type', ASSET_TYPES[extname(file)]).header('cache-control', 'public, max-age=31536000, immutable')
          .header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').send(body);
      });
    },
  };
}
