// The 获客 pages in real Chromium against a server wired to the WeCom simulator: the owner makes a channel live code
// in the drawer with two guides, an auto-tag and a welcome message, and sees WeCom confirm it; a customer scans it
// (through the simulator's control endpoint, as a scripted run would) and the add shows in the code's statistics
// with the same figure the API gives, the customer carries the tag and the welcome message is recorded as sent. A
// trackable link to the code is made and visited. Screenshots land in screenshots/.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startWorld, type World } from '../../src/modules/relationships/fixtures/world.ts';
import { choose, launchBrowser, openSignedInAs, screenshots } from '../../test/support/browser.ts';

let world: World;
let browser: Browser;
const screenshot = screenshots('acquisition');
const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 ' +
  'MicroMessenger/8.0.50(0x1800322c) NetType/WIFI Language/zh_CN';

beforeAll(async () => {
  world = await startWorld({ guides: ['zhangsan', 'lisi'], web: true });
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

const signedIn = (path: string) =>
  openSignedInAs(browser, { url: world.server.url, workspace: world.server.workspace, ...world.server.owner }, path);

interface ApiCode {
  id: string;
  name: string;
  configId: string | null;
  state: string;
  syncState: string;
  guides: { name: string; wecomUserId: string }[];
  tags: { id: string; name: string }[];
  exposedUserIds: string[];
}

test('a channel code made in the drawer syncs, takes an add through the simulator and counts it in its statistics', async () => {
  const { page, errors } = await signedIn('/acquisition');
  await page.getByRole('heading', { name: '获客' }).waitFor();
  await page.getByRole('tab', { name: '渠道活码' }).waitFor();
  await screenshot(page, '01-empty');

  await page.getByRole('button', { name: '新建活码' }).click();
  const drawer = page.getByRole('dialog', { name: '新建渠道活码' });
  await drawer.getByLabel('活码名称').fill('门店收银台');
  await choose(page, drawer, '渠道', '门店');
  await choose(page, drawer, '导购池', '导购zhangsan');
  await choose(page, drawer, '导购池', '导购lisi');
  await drawer.getByText('按权重分配').click();
  await drawer.getByLabel('导购zhangsan 的权重').fill('3');
  await choose(page, drawer, '自动标签', '门店扫码');
  await drawer.getByRole('button', { name: '客户昵称', exact: true }).click();
  await drawer.getByLabel('欢迎语', { exact: true }).press('End');
  await drawer.getByLabel('欢迎语', { exact: true }).pressSequentially('，欢迎来到茶语！');
  await drawer.getByRole('button', { name: /添加附件/ }).click();
  await page.getByRole('menuitem', { name: '链接' }).click();
  await drawer.getByLabel('标题').fill('新人礼包');
  await drawer.getByLabel('链接地址').fill('https://chayu.example/welcome');
  await screenshot(page, '02-drawer');
  await drawer.getByRole('button', { name: '保存' }).click();
  await drawer.waitFor({ state: 'hidden' });

  // The row appears at once; WeCom's QR code follows from the contact-way job and the list polls until it is there.
  const row = page.getByRole('row').filter({ hasText: '门店收银台' });
  await row.getByText('已同步').waitFor({ timeout: 30_000 });
  await row.getByRole('img', { name: '「门店收银台」的二维码' }).waitFor();
  await expect.poll(() => row.textContent()).toContain('导购zhangsan ×3');
  await screenshot(page, '03-synced');

  const codes = await world.owner.get('/api/acquisition/codes');
  const code = (codes.body.items as ApiCode[]).find((c) => c.name === '门店收银台') as ApiCode;
  expect(code.syncState).toBe('synced');
  expect(code.guides.map((g) => g.wecomUserId).sort()).toEqual(['lisi', 'zhangsan']);
  expect(code.tags.map((t) => t.name)).toEqual(['门店扫码']);
  expect(code.configId).toBeTruthy();
  // WeCom holds the contact way with the code's state and the guide the weighted rotation shows first.
  const way = world.sim.snapshot().contactWays.find((w) => w.config_id === code.configId);
  expect(way).toMatchObject({ state: code.state, user: code.exposedUserIds });
  expect(code.exposedUserIds).toHaveLength(1);

  // QR preview with its download.
  await row.getByRole('img', { name: '「门店收银台」的二维码' }).click();
  const qr = page.getByRole('dialog', { name: '「门店收银台」的二维码' });
  await qr.getByRole('link', { name: '下载二维码' }).waitFor();
  await qr.getByText(code.state).waitFor();
  await page.keyboard.press('Escape');
  await qr.waitFor({ state: 'hidden' });

  // A customer scans the code: the simulator's control endpoint, as `siyu wecom-sim` scripts drive it.
  const scanned = await fetch(`${world.sim.url}/__sim/customers/add`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ configId: code.configId, name: '扫码的林小姐' }),
  });
  expect(scanned.status).toBe(200);
  const added = (await scanned.json()) as { externalUserId: string; userId: string };
  expect(added.userId).toBe(code.exposedUserIds[0]);
  await world.settled();

  // The page's default range is the server's (the last 30 days in the workspace's time zone), as here.
  const statsPath = `/api/acquisition/stats?codeId=${code.id}`;
  await expect.poll(async () => (await world.owner.get(statsPath)).body.totals?.adds).toBe(1);
  const api = (await world.owner.get(statsPath)).body;

  await row.getByRole('button', { name: '统计' }).click();
  await page.getByRole('tab', { name: '渠道统计', selected: true }).waitFor();
  const adds = page.getByTestId('stats-adds');
  await expect.poll(() => adds.locator('.ant-statistic-content-value').textContent()).toBe(String(api.totals.adds));
  await expect
    .poll(() => page.getByTestId('stats-net').locator('.ant-statistic-content-value').textContent())
    .toBe(String(api.totals.net));
  const codeRow = page.getByRole('row').filter({ hasText: '门店收银台' });
  await expect.poll(() => codeRow.getByRole('cell').nth(1).textContent()).toBe(String(api.totals.adds));
  await page.getByText('按导购').click();
  const guideRow = page.getByRole('row').filter({ hasText: `导购${added.userId}` });
  await expect.poll(() => guideRow.getByRole('cell').nth(1).textContent()).toBe('1');
  await page.locator('canvas').first().waitFor();
  await screenshot(page, '04-stats');

  // The add carries the code's tag, and its welcome message went out within WeCom's window.
  const customer = (await world.owner.get(`/api/customers?q=${added.externalUserId}`)).body.items[0];
  const tags = await world.owner.get(`/api/customers/${customer.id}/tags`);
  expect(JSON.stringify(tags.body)).toContain('门店扫码');
  await page.getByRole('tab', { name: '欢迎语发送记录' }).click();
  const send = page.getByRole('row').filter({ hasText: added.externalUserId });
  await send.getByText('已发送').waitFor();
  await expect.poll(() => send.textContent()).toContain('，欢迎来到茶语！');
  await screenshot(page, '05-welcomes');

  // Back on the list the code counts today's add.
  await page.getByRole('tab', { name: '渠道活码' }).click();
  await expect
    .poll(() => page.getByRole('row').filter({ hasText: '门店收银台' }).getByRole('cell').nth(4).textContent())
    .toBe('1');
  expect(errors).toEqual([]);
});

test('a trackable link to the code is made, copied and counts a visit from WeChat', async () => {
  const { page, errors } = await signedIn('/acquisition?tab=links');
  await page.getByRole('button', { name: '新建链接' }).click();
  const dialog = page.getByRole('dialog', { name: '新建链接' });
  await dialog.getByLabel('名称').fill('小红书笔记');
  await choose(page, dialog, '活码', '门店收银台');
  await dialog.getByLabel('落地页标题').fill('加导购领新人礼');
  await dialog.getByRole('button', { name: '保存' }).click();
  const row = page.getByRole('row').filter({ hasText: '小红书笔记' });
  await row.getByText('已同步').waitFor({ timeout: 30_000 });
  const links = await world.owner.get('/api/acquisition/links');
  const link = (links.body.items as { name: string; path: string }[]).find((l) => l.name === '小红书笔记');
  expect(link).toBeTruthy();
  await row.getByText(`${world.server.url}${link?.path}`).waitFor();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: world.server.url });
  await row.getByRole('button', { name: '复制「小红书笔记」的链接' }).click();
  await page.getByText('已复制').waitFor();
  expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(`${world.server.url}${link?.path}`);

  // A visitor opens it in WeChat on a phone (headless Chromium's own user agent would count as a bot).
  const visitor = await browser.newPage({
    locale: 'zh-CN',
    viewport: { width: 390, height: 844 },
    userAgent: WECHAT_UA,
  });
  const landing = await visitor.goto(`${world.server.url}${link?.path}`);
  expect(landing?.status()).toBe(200);
  await visitor.close();
  await page.reload();
  await expect.poll(() => row.getByRole('cell').nth(3).textContent()).toBe('1');
  await expect.poll(() => row.getByRole('cell').nth(4).textContent()).toBe('1');
  await row.getByRole('button', { name: '数据' }).click();
  const figures = page.getByRole('dialog', { name: '「小红书笔记」的数据' });
  await figures.getByRole('row').filter({ hasText: '微信' }).waitFor();
  await screenshot(page, '06-links');
  expect(errors).toEqual([]);
});
