import type { FastifyPluginAsync } from 'fastify';
import type { Domain } from '../domain/index.js';
import { sendPage } from '../http/browser.js';
import { resolveLocale, type Pages } from '../pages/index.js';

export interface WelcomeOptions {
  domain: Domain;
  pages: Pages;
  resourcesPath: string;
}

/**
 * The page at the server's root, where a first visitor lands (Keycloak shows its welcome page
 * there): the admin console and each realm's discovery document, at the address asked for.
 */
export const welcomePage: FastifyPluginAsync<WelcomeOptions> = async (app, { domain, pages, resourcesPath }) => {
  app.get('/', async (request, reply) => {
    const base = request.server.issuerBaseOf?.(request) ?? domain.realms.issuerBase;
    const realms = (await domain.realms.list()).filter((r) => r.enabled);
    const locale = resolveLocale({ acceptLanguage: request.headers['accept-language'], supported: pages.locales });
    const html = pages.welcome({ realm: { name: 'Latchkey' }, locale, resourcesPath }, {
      consoleUrl: `${base}/admin/`,
      realms: realms.map((r) => {
        const issuer = domain.realms.issuerOf(r.name, base);
        return { name: r.name, discoveryUrl: `${issuer}/.well-known/openid-configuration`, accountUrl: `${issuer}/account/` };
      }),
    });
    return sendPage(reply, html);
  });
};
