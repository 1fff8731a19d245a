// What the console suites share: the console's address, signing in to it as master's
// administrator, and reading what a page shows.
import type { TestContext } from 'node:test';
import type { Stack } from '../browser/fixture.js';
import { openTab, signIn, type Page, type Tab } from '../helpers/browser.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';

/** The console at the server's public address (localhost), where security-admin-console may redirect. */
export const consoleUrl = (s: Stack, hash = '') => `http://localhost:${s.server.port}/admin/${hash}`;

/** CSP violations show up as console errors; failed API calls (4xx the test provokes) do too, and are fine. */
export const cspViolations = (tab: Tab) => tab.consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e));

export async function signedInConsole(s: Stack, t: TestContext, hash = ''): Promise<Tab> {
  const tab = await openTab(s.browser, t, {});
  await tab.page.setViewportSize({ width: 1280, height: 860 });
  await tab.page.goto(consoleUrl(s, hash));
  await tab.page.waitForSelector('#username');
  await signIn(tab.page, 'admin', ADMIN_PASSWORD);
  await tab.page.waitForSelector('.topbar');
  return tab;
}

/** The error shown next to a field (its data-field wrapper). */
export const fieldError = (page: Page, field: string) => page.locator(`[data-field="${field}"] .field-error`);

export async function confirmDialog(page: Page, button: string) {
  const dialog = page.locator('dialog[open]');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: button }).click();
  await dialog.waitFor({ state: 'detached' }).catch(() => undefined);
  await page.waitForSelector('dialog[open]', { state: 'hidden' });
}
