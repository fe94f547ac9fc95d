// Real Chromium for the console's browser tests: Debian's binary with the flags this machine needs (no sandbox as
// root, no background networking on a closed network), full-page screenshots under screenshots/, and signing in
// through the login form as a user would.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import type { TestServer } from './server.ts';

const SCREENSHOTS = fileURLToPath(new URL('../../screenshots/', import.meta.url));
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Screenshots named `<prefix>-<name>.png`, so each test file's pictures sort together. */
export function screenshots(prefix: string): (page: Page, name: string) => Promise<Buffer> {
  return (page, name) => page.screenshot({ path: `${SCREENSHOTS}${prefix}-${name}.png`, fullPage: true });
}

/** A desktop-sized page in Chinese that records uncaught page errors (a test ends by expecting none). */
export async function newConsolePage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors };
}

/** Where and as whom a browser test signs in to the console. */
export interface ConsoleLogin {
  url: string;
  workspace: string;
  login: string;
  password: string;
}

/** Fills the login form the console shows a signed-out visitor. */
async function fillLogin(page: Page, as: Omit<ConsoleLogin, 'url'>): Promise<void> {
  await page.getByLabel('工作空间').fill(as.workspace);
  await page.getByLabel('账号').fill(as.login);
  await page.getByLabel('密码').fill(as.password);
  await page.getByRole('button', { name: '登录' }).click();
}

/** Fills the login form as the demo brand's owner. */
export async function signIn(page: Page, server: TestServer): Promise<void> {
  await fillLogin(page, server.owner);
}

/** Opens `path` signed out, signs in as `as` and lands back on it. */
export async function openSignedInAs(
  browser: Browser,
  as: ConsoleLogin,
  path: string,
): Promise<{ page: Page; errors: string[] }> {
  const opened = await newConsolePage(browser);
  await opened.page.goto(`${as.url}${path}`);
  await fillLogin(opened.page, as);
  return opened;
}

/** Opens `path` signed out, signs in as the owner and lands back on it. */
export function openSignedIn(browser: Browser, server: TestServer, path: string) {
  return openSignedInAs(browser, { url: server.url, ...server.owner }, path);
}

/** Opens an antd select inside `scope` by its accessible name and clicks the option with that label. */
export async function choose(page: Page, scope: Page | Locator, name: string, option: string): Promise<void> {
  await scope.getByRole('combobox', { name }).click();
  await page
    .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option', { hasText: option })
    .first()
    .click();
}
