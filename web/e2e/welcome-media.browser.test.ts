// The welcome editor's media library picker in real Chromium: the owner adds a mini-program card to a new channel
// code, uploads its cover from the drawer (a thumbnail shows it), saves, and a customer scanning the code through
// the simulator is welcomed with a cover media id WeCom accepts. Screenshots land in screenshots/.
import { crc32, deflateSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startWorld, type World } from '../../src/modules/relationships/fixtures/world.ts';
import { choose, launchBrowser, newConsolePage, screenshots } from '../../test/support/browser.ts';

let world: World;
let browser: Browser;
const screenshot = screenshots('welcome-media');

beforeAll(async () => {
  world = await startWorld({ guides: ['zhangsan'], web: true });
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

/** A real PNG (so the thumbnail shows): 520×416, the cover size WeCom suggests, in the brand's green and white. */
function coverPng(width = 520, height = 416): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const band = y > height * 0.4 && y < height * 0.6;
      rows.set(band ? [255, 255, 255] : [22, 119, 82], y * (width * 3 + 1) + 1 + x * 3);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const cover = coverPng();

test('a mini-program cover uploaded in the welcome editor reaches WeCom as a media id it accepts', async () => {
  const { page, errors } = await newConsolePage(browser);
  await page.goto(`${world.server.url}/acquisition`);
  await page.getByLabel('工作空间').fill(world.server.workspace);
  await page.getByLabel('账号').fill(world.server.owner.login);
  await page.getByLabel('密码').fill(world.server.owner.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('button', { name: '新建活码' }).click();
  const drawer = page.getByRole('dialog', { name: '新建渠道活码' });
  await drawer.getByLabel('活码名称').fill('小程序会员卡');
  await choose(page, drawer, '渠道', '小程序');
  await choose(page, drawer, '导购池', '导购zhangsan');
  await drawer.getByLabel('欢迎语', { exact: true }).fill('欢迎！点开卡片领取会员礼。');
  await drawer.getByRole('button', { name: /添加附件/ }).click();
  await page.getByRole('menuitem', { name: '小程序' }).click();
  await drawer.getByLabel('标题').fill('会员中心');
  await drawer.getByLabel('小程序 AppID').fill('wx1234567890abcdef');
  await drawer.getByLabel('页面路径').fill('pages/member/index');
  await drawer
    .locator('input[type=file]')
    .setInputFiles({ name: '会员卡封面.png', mimeType: 'image/png', buffer: cover });
  await drawer.getByRole('img', { name: '封面图片' }).waitFor();
  await drawer.getByText('会员卡封面.png').waitFor();
  const thumbnail = drawer.getByRole('img', { name: '封面图片' });
  await thumbnail.scrollIntoViewIfNeeded();
  // The thumbnail is served by the authenticated GET …/content and decoded by the browser.
  await expect
    .poll(() => thumbnail.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
    .toBe(520);
  await screenshot(page, '01-cover-uploaded');
  await drawer.getByRole('button', { name: '保存' }).click();
  await drawer.waitFor({ state: 'hidden' });
  const row = page.getByRole('row').filter({ hasText: '小程序会员卡' });
  await row.getByText('已同步').waitFor({ timeout: 30_000 });

  const codes = await world.owner.get('/api/acquisition/codes');
  const code = codes.body.items.find((c: { name: string }) => c.name === '小程序会员卡');
  const assetId = code.welcome.attachments[0].picAssetId as string;
  expect(assetId).toMatch(/^[0-9a-f-]{36}$/);
  const scanned = await world.sim.customerAddsGuide({ configId: code.configId });
  await world.settled();
  const sent = world.sim.welcomeMessages.find((m) => m.welcomeCode === scanned.welcomeCode);
  expect(sent, `welcome for ${scanned.welcomeCode}`).toBeDefined();
  const card = (sent?.attachments[0] as { miniprogram: { pic_media_id: string } } | undefined)?.miniprogram;
  if (!card) throw new Error('no mini-program card in the welcome message');
  expect(world.sim.mediaUsable(card.pic_media_id, 'image')).toBe(true);
  expect(world.sim.media.get(card.pic_media_id)?.data.equals(cover)).toBe(true);
  expect(errors).toEqual([]);
});
