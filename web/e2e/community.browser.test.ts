// Drives the community pages in real Chromium against a real server with workers, fed by the WeCom simulator: the
// group list with its week, a group's members (a role set from the page), its messages with the rule a spammer
// broke, the moderation log and removal request, a keyword auto-reply rule made in its dialog, a group live code
// with its QR code, KOC discovery marking a member, the statistics chart — and the same pages in English.
// Screenshots land in screenshots/.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type CommunityWorld, groupWith, membersOf, startCommunity } from '../../src/modules/community/fixtures.ts';
import { choose, launchBrowser, openSignedIn, screenshots } from '../../test/support/browser.ts';

let world: CommunityWorld;
let browser: Browser;
let groupId: string;
let chatId: string;
let fan: string;
let spammer: string;

beforeAll(async () => {
  world = await startCommunity({ slug: 'community-ui', corpId: 'wwcommunityui0001' });
  const { sim, owner } = world;
  fan = (await sim.customerAddsGuide({ userId: 'zhangsan', name: '铁粉小林' })).externalUserId;
  spammer = (await sim.customerAddsGuide({ userId: 'lisi', name: '代购小王' })).externalUserId;
  const quiet = (await sim.customerAddsGuide({ userId: 'lisi', name: '小红' })).externalUserId;
  chatId = (await sim.createGroup({ owner: 'zhangsan', name: '茶语会员一群', memberIds: [fan, spammer, quiet] }))
    .chatId;
  groupId = (await groupWith(owner, chatId, 4)).id;
  const second = (await sim.createGroup({ owner: 'zhangsan', name: '茶语会员二群', memberIds: [quiet] })).chatId;
  await groupWith(owner, second, 2);
  await owner.post('/api/community/moderation-rules', {
    name: '广告链接',
    kind: 'ad_link',
    action: 'remove',
    allowDomains: ['chayu.example'],
  });
  await owner.post('/api/community/live-codes', { name: '门店海报', groupIds: [groupId], cap: 100 });
  await sim.postGroupMessage({ chatId, from: fan, text: '新品太好喝了，推荐大家！👍' });
  await sim.postGroupMessage({ chatId, from: fan, text: '签到' });
  await sim.postGroupMessage({ chatId, from: spammer, text: '低价代购 http://daigou.spam.example.cn' });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

const screenshot = screenshots('community');

test('groups, a group’s members and messages, moderation, auto-reply, live codes, KOC and statistics', async () => {
  const { owner } = world;
  const { page, errors } = await openSignedIn(browser, world.server, '/community');
  await page.getByRole('heading', { name: '社群' }).waitFor();
  const row = page.getByRole('row').filter({ hasText: '茶语会员一群' });
  await row.waitFor();
  await expect.poll(() => row.textContent()).toContain('4 / 3');
  await screenshot(page, '01-groups');

  await row.getByRole('link', { name: '茶语会员一群' }).click();
  await page.getByRole('heading', { name: '茶语会员一群' }).waitFor();
  await page.getByText('zhangsan').first().waitFor();
  await choose(page, page, '设置「铁粉小林」的角色', 'KOC');
  await expect.poll(async () => (await membersOf(owner, groupId)).find((m) => m.memberId === fan)?.role).toBe('koc');
  await screenshot(page, '02-members');
  await page.getByRole('tab', { name: '消息' }).click();
  await page.getByText('低价代购').waitFor();
  await page.getByRole('cell', { name: '广告链接' }).waitFor();
  await screenshot(page, '03-messages');

  await page.goto(`${world.server.url}/community?tab=moderation`);
  await page.getByText('移出群', { exact: true }).first().waitFor();
  await page.getByText('违规记录').click();
  await page.getByText('daigou.spam.example.cn').first().waitFor();
  await page.getByText('移出请求').click();
  await page.getByRole('table').getByText('待群主处理').waitFor();
  await screenshot(page, '04-moderation');

  await page.getByRole('tab', { name: '自动回复' }).click();
  await page.getByRole('button', { name: '新建规则' }).click();
  const dialog = page.getByRole('dialog', { name: '新建规则' });
  await dialog.getByLabel('规则名称').fill('营业时间');
  await dialog.getByLabel('关键词').fill('营业时间');
  await dialog.getByLabel('关键词').press('Enter');
  await dialog.getByLabel('回复内容').fill('门店营业时间 10:00–22:00');
  await dialog.getByRole('button', { name: '保存' }).click();
  await page.getByRole('cell', { name: '门店营业时间 10:00–22:00' }).waitFor();
  const rules = await owner.get('/api/community/auto-replies');
  expect(rules.body.items).toMatchObject([{ name: '营业时间', match: 'contains', keywords: ['营业时间'] }]);
  await screenshot(page, '05-auto-reply');

  await page.getByRole('tab', { name: '群活码' }).click();
  await page.getByRole('img', { name: '「门店海报」的群二维码' }).waitFor();
  await page.getByText('已同步').waitFor();
  await screenshot(page, '06-live-codes');

  await page.getByRole('tab', { name: 'KOC 发现' }).click();
  const candidate = page.getByRole('row').filter({ hasText: '代购小王' });
  await candidate.getByRole('button', { name: '设为 KOC' }).click();
  await expect
    .poll(async () => (await membersOf(owner, groupId)).find((m) => m.memberId === spammer)?.role)
    .toBe('koc');
  await screenshot(page, '07-koc');

  await page.getByRole('tab', { name: '群数据' }).click();
  await page.getByText('发言排行').waitFor();
  await page.locator('canvas').first().waitFor();
  await screenshot(page, '08-stats');

  await page.getByRole('tab', { name: '签到' }).click();
  await page.getByText('已发积分').or(page.getByText('非会员')).first().waitFor();
  await screenshot(page, '09-check-ins');
  expect(errors).toEqual([]);
});

test('the community pages read in English', async () => {
  const { page, errors } = await openSignedIn(browser, world.server, '/community?tab=moderation');
  await page.getByRole('heading', { name: '社群' }).waitFor();
  await page.getByTestId('lang-switch').click();
  await page.getByRole('menuitem', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Community' }).waitFor();
  await page.getByText('Removal requests').waitFor();
  await page.getByRole('tab', { name: 'Group live codes' }).click();
  await page.getByRole('button', { name: 'New group live code' }).waitFor();
  await screenshot(page, '10-english');
  expect(errors).toEqual([]);
});
