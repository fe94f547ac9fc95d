// Drives the coupon pages in real Chromium against a real server with job workers: a template designed in the
// drawer while its preview reads 满100减20 and then 8.5折 最高减50元, activated, issued to a pasted list (an unknown
// phone reported) and to a segment (followed to the end), a code looked up, a till's redemption in the records, and
// a rule created. Screenshots land in screenshots/.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { choose, launchBrowser, openSignedIn, screenshots } from '../../test/support/browser.ts';
import { ApiClient } from '../../test/support/client.ts';
import { startTestServer } from '../../test/support/server.ts';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let client: ApiClient;
let pos: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ slug: 'coupons-ui', workers: true });
  client = new ApiClient(server.url);
  expect((await client.login(server.owner.login, server.owner.password, server.owner.workspace)).status).toBe(200);
  pos = new ApiClient(server.url);
  pos.bearer = (await client.post('/api/api-keys', { name: '门店收银' })).body.secret;
  for (const phone of ['13311110001', '13311110002']) {
    const res = await client.post('/api/customers', { identities: [{ kind: 'phone', value: phone }], city: '券城' });
    expect(res.status).toBe(201);
  }
  const segment = await client.post('/api/segments', {
    name: '券城客户',
    kind: 'static',
    rule: { type: 'attribute', field: 'city', operator: 'eq', value: '券城' },
  });
  expect(segment.body.memberCount).toBe(2);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const screenshot = screenshots('coupons');

test('design a coupon with a live preview, issue it to a list and a segment, look up a code and see redemptions', async () => {
  const { page, errors } = await openSignedIn(browser, server, '/coupons');
  await page.getByRole('heading', { name: '优惠券' }).waitFor();
  await page.getByRole('button', { name: '新建优惠券' }).click();
  const drawer = page.getByRole('dialog', { name: '新建优惠券' });
  await drawer.getByText('会员看到的样子').waitFor();
  await drawer.getByLabel('优惠券名称').fill('新人专享券');
  await drawer.getByLabel('减免金额').fill('20');
  await drawer.getByLabel('使用门槛').fill('100');
  const headline = drawer.getByTestId('coupon-headline');
  await expect.poll(() => headline.textContent()).toBe('满100减20');
  await screenshot(page, '01-amount-preview');

  await drawer.getByText('折扣券', { exact: true }).click();
  await drawer.getByLabel('折扣', { exact: true }).fill('8.5');
  await drawer.getByLabel('最高减免').fill('50');
  await drawer.getByLabel('使用门槛').fill('');
  await expect.poll(() => headline.textContent()).toBe('8.5折 最高减50元');
  await drawer.getByLabel('有效天数').fill('7');
  await expect.poll(() => drawer.getByTestId('coupon-preview').textContent()).toContain('领取后 7 天内有效（含当天）');
  await screenshot(page, '02-percent-preview');
  await page.getByRole('button', { name: '保存' }).click();

  await page.getByRole('heading', { name: '新人专享券' }).waitFor();
  const templateId = new URL(page.url()).pathname.split('/').pop() as string;
  expect((await client.get(`/api/coupon-templates/${templateId}`)).body).toMatchObject({
    status: 'draft',
    kind: 'percent_off',
    percentOffBp: 1500,
    maxDiscountFen: 5000,
    minSpendFen: 0,
    validDays: 7,
  });
  await page.getByRole('button', { name: '启用' }).click();
  await page.getByText('发放中').first().waitFor();

  await page.getByRole('textbox', { name: '按名单' }).fill('13311110001\n133 1111 0002\n13311119999');
  await page.getByRole('button', { name: '发放给 3 人' }).click();
  const result = page.locator('.ant-alert');
  await result.getByText('已发出 2 张（2 人；此前已领 0 人）').waitFor();
  expect(await result.textContent()).toContain('13311119999');
  await screenshot(page, '03-issued-to-list');

  await page.getByRole('tab', { name: '按分群' }).click();
  await choose(page, page, '选择分群', '券城客户');
  await page.getByRole('button', { name: '开始发放' }).click();
  await page.getByRole('tab', { name: '发券记录' }).click();
  const segmentRow = page.getByRole('row').filter({ hasText: '分群：券城客户' });
  await segmentRow.locator('[data-testid=issuance-progress][data-state=succeeded]').waitFor();
  expect(await segmentRow.textContent()).toContain('2 / 2 人');
  // The template's counts follow once the background issuance has finished.
  const available = page.locator('.ant-statistic').filter({ hasText: '可使用' });
  await expect.poll(() => available.locator('.ant-statistic-content').textContent()).toBe('4');
  await screenshot(page, '04-segment-issuance');

  const coupons = (await client.get(`/api/coupons?templateId=${templateId}`)).body.items as { code: string }[];
  expect(coupons).toHaveLength(4);
  const code = coupons[0]!.code;
  const redeemed = await pos.post('/api/coupons/redeem', {
    code,
    orderId: 'UI-ORDER-1',
    orderAmountFen: 12_000,
    store: '人民广场店',
  });
  expect(redeemed.body.redemption.discountFen).toBe(1800);

  await page.getByRole('tab', { name: '已发放的券' }).click();
  await page.getByLabel('券码查询').fill(code.toLowerCase().replace(/(.{4})(?=.)/g, '$1 '));
  await page.getByRole('button', { name: '查询' }).click();
  const detail = page.getByTestId('coupon-detail');
  await detail.waitFor();
  expect(await detail.textContent()).toContain('UI-ORDER-1');
  expect(await detail.textContent()).toContain('已核销');
  await screenshot(page, '05-code-lookup');
  await page.keyboard.press('Escape');

  await page.goto(`${server.url}/coupons?tab=redemptions`);
  const record = page.getByRole('row').filter({ hasText: 'UI-ORDER-1' });
  await record.waitFor();
  expect(await record.textContent()).toContain('¥18.00');
  expect(await record.textContent()).toContain('人民广场店');

  await page.getByRole('tab', { name: '自动发券规则' }).click();
  await page.getByRole('button', { name: '新建规则' }).click();
  const modal = page.getByRole('dialog', { name: '新建规则' });
  await modal.getByLabel('规则名称').fill('入会送新人券');
  await choose(page, modal, '优惠券', '新人专享券');
  await modal.getByRole('button', { name: '创建' }).click();
  await page.getByRole('row').filter({ hasText: '入会送新人券' }).waitFor();
  expect(await page.getByRole('row').filter({ hasText: '入会送新人券' }).textContent()).toContain('会员入会');
  await screenshot(page, '06-rules');

  await page.goto(`${server.url}/coupons`);
  const listed = page.getByRole('row').filter({ hasText: '新人专享券' });
  await listed.waitFor();
  expect(await listed.textContent()).toContain('8.5折 最高减50元');
  expect(await listed.textContent()).toContain('4 / 不限');
  await screenshot(page, '07-templates');
  expect(errors).toEqual([]);
});
