// Drives the points pages in real Chromium against a real server: a member's page (adjust points with a reason,
// refused beyond the balance, the history with its entries), scheduling a change of the rules 30 days ahead, the
// liability report with the ledger check, and the leaderboards. Screenshots land in screenshots/.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchBrowser, openSignedIn, screenshots } from '../../test/support/browser.ts';
import { ApiClient } from '../../test/support/client.ts';
import { startTestServer } from '../../test/support/server.ts';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let client: ApiClient;
let customerId: string;

beforeAll(async () => {
  server = await startTestServer({ slug: 'points-ui' });
  client = new ApiClient(server.url);
  expect((await client.login(server.owner.login, server.owner.password, server.owner.workspace)).status).toBe(200);
  const settings = await client.get('/api/loyalty/settings');
  const enrolled = await client.post('/api/members', {
    phone: '13966660001',
    name: '积分测试会员',
    termsVersion: settings.body.terms.version,
    consent: true,
  });
  expect(enrolled.status).toBe(200);
  customerId = enrolled.body.member.customerId;
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const screenshot = screenshots('points');

test('a member’s points are adjusted with a reason, never below zero, and the history shows the entries', async () => {
  const { page, errors } = await openSignedIn(browser, server, `/loyalty/members/${customerId}`);
  await page.getByRole('heading', { name: '积分测试会员' }).waitFor();
  await page.getByText('没有可用的积分').waitFor();

  await page.getByRole('button', { name: '调整积分' }).click();
  const dialog = page.getByRole('dialog', { name: '调整积分' });
  await dialog.getByLabel('积分数').fill('120');
  await dialog.getByLabel('原因').fill('开业回馈');
  await dialog.getByRole('button', { name: '确认调整' }).click();
  await page.getByText('积分已调整').waitFor();
  await page.getByRole('cell', { name: '开业回馈' }).waitFor();
  const card = await client.get(`/api/points/members/${customerId}`);
  expect(card.body).toMatchObject({ balance: 120, debt: 0, valueFen: 1200 });
  await screenshot(page, '01-member');

  // Taking away more than there is: refused with the server's message, nothing changes.
  await page.getByRole('button', { name: '调整积分' }).click();
  const again = page.getByRole('dialog', { name: '调整积分' });
  await again.getByText('扣减', { exact: true }).click();
  await again.getByLabel('积分数').fill('500');
  await again.getByLabel('原因').fill('误操作');
  await again.getByRole('button', { name: '确认调整' }).click();
  await page.getByText('积分不足：可用 120 分，需要 500 分').waitFor();
  await again.getByRole('button', { name: '取消' }).click();
  expect((await client.get(`/api/points/members/${customerId}`)).body.balance).toBe(120);

  // The transaction's entries: the member's lot and the adjustment account.
  await page.getByRole('button', { name: '展开行' }).first().click();
  await page.getByRole('cell', { name: '会员积分', exact: true }).waitFor();
  await page.getByRole('cell', { name: '手动调整', exact: true }).first().waitFor();
  await screenshot(page, '02-entries');
  expect(errors).toEqual([]);
});

test('a change of the rules is scheduled 30 days ahead from the rules page and shown as pending', async () => {
  const { page, errors } = await openSignedIn(browser, server, '/loyalty/points');
  await page.getByText('现行规则').waitFor();
  // Points were issued by the test above: the rules are changed by a scheduled change only.
  await page.getByRole('button', { name: '预约规则变更' }).click();
  const drawer = page.locator('.ant-drawer');
  await drawer.getByLabel('每积 1 分需消费').fill('0.50');
  await drawer.getByLabel('变更说明').fill('消费积分翻倍');
  await drawer.getByRole('button', { name: '保存' }).click();
  await page.getByText('消费积分翻倍').waitFor();
  const overview = await client.get('/api/points/rules');
  expect(overview.body.pending).toHaveLength(1);
  expect(overview.body.pending[0]).toMatchObject({
    effectiveOn: overview.body.earliestEffectiveOn,
    note: '消费积分翻倍',
  });
  expect(overview.body.pending[0].rules.purchase.fenPerPoint).toBe(50);
  await screenshot(page, '03-rules');
  await page.getByRole('tab', { name: '规则版本' }).click();
  await page.getByText('待生效').waitFor();
  expect(errors).toEqual([]);
});

test('the liability report totals the outstanding points and the ledger check passes; leaderboards load', async () => {
  const { page, errors } = await openSignedIn(browser, server, '/loyalty/points/liability');
  await page.getByText('未使用积分').waitFor();
  await page.getByRole('cell', { name: '合计' }).waitFor();
  await page.getByRole('button', { name: '校验账本' }).click();
  await page.getByText(/账本无误/).waitFor();
  await screenshot(page, '04-liability');
  await page.getByText('排行榜').click();
  await page.getByRole('heading', { name: '积分排行榜' }).waitFor();
  await page.getByText('本期还没有会员获得积分').waitFor();
  await screenshot(page, '05-leaderboards');
  expect(errors).toEqual([]);
});
