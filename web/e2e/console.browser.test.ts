// Drives the built console in real Chromium against a real server: the owner signs in, adds a guide, reads the
// console in English and finds the creation in the audit log. Screenshots of each step land in screenshots/.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CreatedStaff } from '../../src/contracts/foundation.ts';
import { launchBrowser, newConsolePage, screenshots, signIn } from '../../test/support/browser.ts';
import { startTestServer } from '../../test/support/server.ts';

const EMAIL = 'lisi@example.com';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const screenshot = screenshots('console');

test('the owner adds a guide, switches to English and finds the creation in the audit log', async () => {
  const { page, errors: pageErrors } = await newConsolePage(browser);

  // Signed out, any console URL lands on the login form.
  await page.goto(`${server.url}/settings/staff`);
  await page.getByLabel('账号').waitFor();
  expect(new URL(page.url()).pathname).toBe('/login');
  await screenshot(page, '01-login');

  await signIn(page, server);

  // After sign-in the console returns to the page that was asked for.
  await page.getByRole('button', { name: '新建员工' }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/settings/staff');
  await screenshot(page, '02-staff');

  await page.getByRole('button', { name: '新建员工' }).click();
  const form = page.getByRole('dialog', { name: '新建员工' });
  await form.getByLabel('姓名').fill('李四');
  await form.getByLabel('邮箱').fill(EMAIL);
  await form.getByLabel('部门').fill('华东区');
  // antd draws radio buttons over a visually hidden input, so the visible caption is what a user clicks.
  await form.getByText('导购', { exact: true }).click();
  expect(await form.getByRole('radio', { name: '导购' }).isChecked()).toBe(true);
  await screenshot(page, '03-create-staff');

  const createdResponse = page.waitForResponse(
    (response) => response.url().endsWith('/api/staff') && response.request().method() === 'POST',
  );
  await form.getByRole('button', { name: '创建' }).click();
  const response = await createdResponse;
  expect(response.status()).toBe(201);
  const created = (await response.json()) as CreatedStaff;

  // No password was given, so the server generated one and the console shows it exactly once.
  const reveal = page.getByRole('dialog', { name: '初始密码' });
  await reveal.waitFor();
  expect(await reveal.getByLabel('初始密码').inputValue()).toBe(created.initialPassword);
  await screenshot(page, '04-initial-password');
  await reveal.getByRole('button', { name: '我已保存' }).click();
  await reveal.waitFor({ state: 'hidden' });

  const row = page.getByRole('row').filter({ hasText: EMAIL });
  await row.waitFor();
  const rowText = await row.textContent();
  expect(rowText).toContain('李四');
  expect(rowText).toContain('华东区');
  expect(rowText).toContain('导购');
  await screenshot(page, '05-staff-created');

  // Under a loaded machine a click once landed while the language menu was still opening and was lost: choose again
  // until the console speaks English.
  const staffItem = page.getByRole('menuitem', { name: 'Staff' });
  await expect
    .poll(
      async () => {
        if (!(await staffItem.isVisible())) {
          await page.getByTestId('lang-switch').click();
          await page
            .getByRole('menuitem', { name: 'English' })
            .click({ timeout: 5_000 })
            .catch(() => undefined);
        }
        return staffItem.isVisible();
      },
      { timeout: 60_000, interval: 1_000 },
    )
    .toBe(true);
  await page.getByRole('heading', { name: 'Staff' }).waitFor();
  expect(await row.textContent()).toContain('Guide');
  await screenshot(page, '06-english');

  await page.getByRole('menuitem', { name: 'Audit log' }).click();
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  await page.getByLabel('Object ID').fill(created.staff.id);
  await page.getByRole('button', { name: 'Search' }).click();
  // Matching on both texts keeps the locator unique even while the unfiltered page is still on screen.
  const entry = page.getByRole('row').filter({ hasText: 'staff.create' }).filter({ hasText: created.staff.id });
  await entry.waitFor();
  await screenshot(page, '07-audit');

  expect(pageErrors).toEqual([]);
  await page.close();
}, 120_000);
