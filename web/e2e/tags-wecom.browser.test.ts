// The tags page with WeCom corp tags in real Chromium: an operator presses 同步企业微信标签, the corp tag groups made in
// WeCom appear with the WeCom badge and the last sync's time and result, and a new group set to sync with WeCom
// reaches the simulator's corp with its first tag. Screenshots land in screenshots/.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startWorld, type World } from '../../src/modules/relationships/fixtures/world.ts';
import { launchBrowser, openSignedInAs, screenshots } from '../../test/support/browser.ts';

let world: World;
let browser: Browser;
const screenshot = screenshots('tags-wecom');

beforeAll(async () => {
  world = await startWorld({ guides: ['zhangsan'], web: true });
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

const signedIn = (path: string) =>
  openSignedInAs(browser, { url: world.server.url, workspace: world.server.workspace, ...world.server.owner }, path);

test('the sync button brings WeCom’s corp tags in with a WeCom badge, and a synced group reaches WeCom', async () => {
  await world.settled();
  world.sim.adminEditsCorpTags({ op: 'create', groupName: '会员等级', tags: ['金卡', '银卡'] });
  await world.settled();
  const { page, errors } = await signedIn('/tags');
  const sync = page.getByTestId('wecom-sync');
  await sync.getByRole('button', { name: '同步企业微信标签' }).click();
  const group = page.getByTestId('tag-group').filter({ hasText: '会员等级' });
  await group.waitFor();
  await group.getByTestId('wecom-group').waitFor();
  await expect.poll(() => group.getByTestId('wecom-tag').count()).toBe(2);
  await expect.poll(() => sync.textContent()).toContain('上次同步');
  await screenshot(page, '01-synced');

  await page.getByRole('button', { name: '新建标签组' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('标签组名称').fill('门店');
  await dialog.getByRole('switch').click();
  await dialog.getByRole('button', { name: '保存' }).click();
  // The demo's 来源 group has 门店扫码: the card whose title is exactly 门店.
  const stores = page.getByTestId('tag-group').filter({ has: page.getByText('门店', { exact: true }) });
  await stores.getByTestId('wecom-group').waitFor();
  await stores.getByRole('button', { name: '新建标签' }).click();
  const tagDialog = page.getByRole('dialog');
  await tagDialog.getByLabel('标签名称').fill('杭州湖滨店');
  await tagDialog.getByRole('button', { name: '保存' }).click();
  await stores.getByText('杭州湖滨店').waitFor();
  await world.settled();
  expect(world.sim.tagGroups.find((g) => g.groupName === '门店')?.tags.map((t) => t.name)).toEqual(['杭州湖滨店']);
  await page.reload();
  await stores.getByTestId('wecom-tag').waitFor();
  await screenshot(page, '02-group-synced');
  expect(errors).toEqual([]);
});
