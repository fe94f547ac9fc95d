// Drives the data import page in real Chromium against a real server with job workers: from the customers page to
// the import page, a CSV of customers with one bad row dropped on the upload area, the import followed to the end,
// the bad row's line and reason on screen, and the good rows' customers checked through the API. Screenshots land
// in screenshots/.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Customer } from '../../src/contracts/customers.ts';
import { launchBrowser, openSignedIn, screenshots } from '../../test/support/browser.ts';
import { ApiClient } from '../../test/support/client.ts';
import { startTestServer } from '../../test/support/server.ts';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let client: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ slug: 'imports', workers: true });
  client = new ApiClient(server.url);
  expect((await client.login(server.owner.login, server.owner.password, server.owner.workspace)).status).toBe(200);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const screenshot = screenshots('imports');

const openPage = (path: string) => openSignedIn(browser, server, path);

const findCustomers = async (phone: string) =>
  (await client.get<{ items: Customer[] }>(`/api/customers?q=${encodeURIComponent(phone)}`)).body.items;

test('a customers CSV with a bad row is imported from the page: progress to the end, the bad row shown by line', async () => {
  const { page, errors } = await openPage('/customers');
  await page.getByRole('heading', { name: '客户' }).waitFor();
  await page.getByRole('button', { name: '导入客户' }).click();
  await page.getByRole('heading', { name: '数据导入' }).waitFor();
  expect(new URL(page.url()).searchParams.get('kind')).toBe('customers');
  expect(await page.getByRole('radio', { name: '客户' }).isChecked()).toBe(true);
  expect(await page.getByRole('link', { name: '下载模板' }).getAttribute('href')).toBe(
    '/api/imports/templates/customers?lang=zh-CN',
  );
  await screenshot(page, '01-page');

  const csv = [
    '姓名,手机号,城市,性别,星座',
    '页面导入甲,13755550001,苏州,女,天秤',
    '页面导入乙,13755550002,苏州,未说,',
    '页面导入丙,13755550003,无锡,男,',
  ].join('\r\n');
  await page.locator('.ant-upload-drag input[type=file]').setInputFiles({
    name: '门店会员.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`\ufeff${csv}`, 'utf8'),
  });

  const result = page.locator('[data-testid=import-result][data-state=succeeded]');
  await result.waitFor();
  expect(await result.getByTestId('import-progress').textContent()).toContain('已处理 3 / 3 行');
  expect(await result.locator('.ant-progress').getAttribute('aria-valuenow')).toBe('100');
  const bad = result.getByTestId('import-errors').getByRole('row').filter({ hasText: '第 3 行' });
  await bad.waitFor();
  expect(await bad.textContent()).toContain('性别无法识别：未说（可填 男、女、未知）');
  expect(await result.getByTestId('import-ignored').textContent()).toContain('星座');
  expect(await result.textContent()).toMatch(/导入客户2/);
  const listed = page.getByRole('row').filter({ hasText: '门店会员.csv' });
  expect(await listed.textContent()).toContain('已完成');
  expect(await listed.textContent()).toContain('共 3 行，成功 2，失败 1');
  await screenshot(page, '02-done');

  const importId = new URL(page.url()).searchParams.get('id');
  expect((await client.get(`/api/imports/${importId}`)).body).toMatchObject({ imported: 2, failed: 1 });
  expect(await findCustomers('13755550001')).toMatchObject([{ name: '页面导入甲', city: '苏州', gender: 'female' }]);
  expect(await findCustomers('13755550003')).toMatchObject([{ name: '页面导入丙', city: '无锡', gender: 'male' }]);
  expect(await findCustomers('13755550002')).toEqual([]);

  // A reload lands on the same import, read back from the server.
  await page.reload();
  await page.locator('[data-testid=import-result][data-state=succeeded]').waitFor();
  // The bad rows are a second request after the import itself: wait for them rather than read the table at once.
  await page.getByTestId('import-errors').getByText('第 3 行').waitFor();
  expect(errors).toEqual([]);
  await page.close();
}, 180_000);
