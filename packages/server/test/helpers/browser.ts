// Chromium for the browser tests, driven by playwright-core (no browser
// download: Debian's package). Without it the suites skip, saying why.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { PATIENCE_MS } from './server.js';

export type { Browser, BrowserContext, Page };

export const CHROMIUM = process.env.LATCHKEY_CHROMIUM ?? '/usr/bin/chromium';

/** A skip reason for describe()/it() when there is no browser, false when there is one. */
export const noChromium: string | false = existsSync(CHROMIUM) ? false : `chromium not installed: ${CHROMIUM} does not exist`;

/** packages/server/test-output/screenshots (this file runs as dist/test/helpers/browser.js). */
export const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test-output/screenshots');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Every URL the top frame navigated to, in order. */
  navigations: string[];
  /** Console errors and uncaught page errors (a CSP violation shows up here). */
  consoleErrors: string[];
}

/**
 * A fresh browser context (its own cookie jar) with one page, closed when the
 * test ends. English unless told otherwise, so Accept-Language is predictable.
 */
export async function openTab(browser: Browser, t?: TestContext, opts: { locale?: string } = {}): Promise<Tab> {
  const context = await browser.newContext({ locale: opts.locale ?? 'en-US', viewport: { width: 900, height: 760 } });
  // Generous: CI machines share two cores between Chromium, the server and other test files.
  context.setDefaultTimeout(PATIENCE_MS);
  context.setDefaultNavigationTimeout(PATIENCE_MS);
  const page = await context.newPage();
  const navigations: string[] = [];
  const consoleErrors: string[] = [];
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) navigations.push(frame.url()); });
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => consoleErrors.push(err.message));
  t?.after(() => context.close());
  return { context, page, navigations, consoleErrors };
}

/** Saves a full-page PNG under test-output/screenshots and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Fills the login form and submits it. */
export async function signIn(page: Page, username = 'alice', password = 'alice-pw'): Promise<void> {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#kc-login');
}

/** Clicks what submits a form (or follows a link) and waits for the next page: not the one still showing. */
export async function clickAndLoad(page: Page, selector: string): Promise<void> {
  await page.evaluate(() => { document.body.dataset.leaving = '1'; });
  await page.click(selector);
  await page.waitForSelector('body:not([data-leaving])');
}

/** A device's authenticator, attached to one tab. */
export interface Authenticator { cdp: CDPSession; id: string }

export interface VirtualCredential { credentialId: string; isResidentCredential: boolean; rpId?: string; privateKey: string; userHandle?: string; signCount: number }

export async function addAuthenticator(page: Page): Promise<Authenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

export const credentialsOf = async (a: Authenticator): Promise<VirtualCredential[]> =>
  (await a.cdp.send('WebAuthn.getCredentials', { authenticatorId: a.id })).credentials as VirtualCredential[];
