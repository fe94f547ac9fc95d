// Drives the member pages in real Chromium: the loyalty menu entry opens the member list, a customer is enrolled at
// the counter and found by phone, and on the tiers page a tier with benefits is added, the growth rules changed and a
// new version of the member terms published — each checked through the API. Screenshots land in screenshots/.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { choose, launchBrowser, openSignedIn, screenshots } from '../../test/support/browser.ts';
import { ApiClient } from '../../test/support/client.ts';
import { startTestServer } from '../../test/support/server.ts';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let client: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ slug: 'members-page' });
  client = new ApiClient(server.url);
  expect((await client.login(server.owner.login, server.owner.password, server.owner.workspace)).status).toBe(200);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const screenshot = screenshots('loyalty');

test('a customer is enrolled from the member list and found again by phone', async () => {
  const { page, errors } = await openSignedIn(browser, server, '/');
  await page.getByRole('menuitem', { name: '会员' }).click();
  await page.getByRole('heading', { name: '会员' }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/loyalty/members');

  await page.getByRole('button', { name: '登记入会' }).click();
  const dialog = page.getByRole('dialog', { name: '登记入会' });
  await dialog.getByLabel('手机号').fill('139 8888 0001');
  await dialog.getByLabel('姓名').fill('页面入会');
  await dialog.getByRole('button', { name: '登记入会' }).click();
  await dialog.getByText('入会需要顾客同意会员条款').waitFor();
  await dialog.getByLabel('顾客已同意会员条款').check();
  await dialog.getByRole('button', { name: '登记入会' }).click();
  await page.getByText(/已入会，会员卡号 \d{12}/).waitFor();

  await page.getByLabel('查找会员').fill('13988880001');
  await page.getByLabel('查找会员').press('Enter');
  const row = page.locator('.ant-table-row', { hasText: '页面入会' });
  await row.waitFor();
  expect(await page.locator('.ant-table-row').count()).toBe(1);
  expect(await row.getByText('普通会员').count()).toBe(1);
  await screenshot(page, '01-members');

  const found = await client.get('/api/members?q=13988880001');
  expect(found.body.items[0]).toMatchObject({ name: '页面入会', joinedAt: expect.any(String) });
  expect(await row.getByRole('link').textContent()).toBe(found.body.items[0].cardNo);

  await choose(page, page, '等级', '银卡会员');
  await page.getByText('暂无会员').waitFor();
  expect(errors).toEqual([]);
});

test('a tier with benefits is added, growth rules changed and new member terms published on the tiers page', async () => {
  const { page, errors } = await openSignedIn(browser, server, '/loyalty/members');
  await page.getByRole('button', { name: '等级与权益' }).click();
  await page.getByRole('heading', { name: '等级与权益' }).waitFor();
  await page.locator('.ant-table-row', { hasText: '钻石会员' }).waitFor();

  await page.getByRole('button', { name: '新增等级' }).click();
  const dialog = page.getByRole('dialog', { name: '新增等级' });
  await dialog.getByLabel('名称').fill('铂金会员');
  await dialog.getByLabel('代码').fill('platinum');
  await dialog.getByLabel('排序').fill('25');
  await dialog.getByLabel('成长值门槛').fill('2000');
  await dialog.getByLabel('积分倍率').fill('180');
  await dialog.getByRole('button', { name: '添加权益' }).click();
  await dialog.getByLabel('优惠比例（%）').fill('8');
  await dialog.getByRole('button', { name: '保存' }).click();
  const platinum = page.locator('.ant-table-row', { hasText: '铂金会员' });
  await platinum.waitFor();
  expect(await platinum.getByText('9.2 折').count()).toBe(1);
  const tiers = await client.get('/api/loyalty/tiers');
  expect(tiers.body.items.map((t: { code: string }) => t.code)).toEqual([
    'normal',
    'silver',
    'gold',
    'platinum',
    'diamond',
  ]);
  expect(tiers.body.items[3]).toMatchObject({ growthThreshold: 2000, pointsMultiplierPct: 180 });
  expect(tiers.body.items[3].benefits).toEqual([{ type: 'discount', percentOff: 8 }]);

  const rules = page.locator('form#growthRules');
  await rules.getByLabel('获得成长值').fill('2');
  await rules.getByRole('button', { name: '保存' }).click();
  await page.getByText('已保存').first().waitFor();
  expect((await client.get('/api/loyalty/settings')).body.growthRules.spendGrowth).toBe(2);

  await page.getByRole('button', { name: '发布新版本' }).click();
  const terms = page.getByRole('dialog', { name: '发布新版本' });
  await terms.getByLabel('版本号').fill('2');
  await terms.getByLabel('条款内容').fill('第二版：成长值按近 12 个月计算。');
  await terms.getByRole('button', { name: '发布新版本' }).click();
  await page.getByText('已发布第 2 版会员条款').waitFor();
  await page.getByTestId('terms-text').getByText('第二版：成长值按近 12 个月计算。').waitFor();
  await screenshot(page, '02-tiers');
  expect((await client.get('/api/loyalty/settings')).body.terms.version).toBe('2');
  expect(errors).toEqual([]);
});
