import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { themeResourcesDir } from '../pages/index.js';

export interface ResourcesOptions {
  /** The theme whose resources/ folder is served; latchkey unless given. */
  themeName?: string;
}

/** The theme's CSS, scripts and images at /resources/<themeName>/, which PageContext.resourcesPath points to. */
export const resourcesEndpoint: FastifyPluginAsync<ResourcesOptions> = async (app, { themeName = 'latchkey' }) => {
  await app.register(fastifyStatic, {
    root: themeResourcesDir(themeName),
    prefix: `/resources/${themeName}/`,
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'deny',
    // cache-control: public, max-age=3600 (maxAge is in milliseconds).
    cacheControl: true,
    maxAge: 3600 * 1000,
  });
};
