// Drives the member H5 in real Chromium on a phone-sized screen against a real server: a visitor signs in with the
// code the development sender wrote to the server's log (as the loyalty tests read it), joins with the member terms
// shown, checks in, redeems a coupon reward (details → confirmation → result), and sees the balance fall by the
// reward's price and the coupon arrive in the wallet — each checked against the API too. Screenshots land in
// screenshots/.
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { buildDemo } from '../../src/demo/index.ts';
import { createSiyu, type Siyu } from '../../src/main.ts';
import { activeTemplate, amountOff } from '../../src/modules/coupons/fixtures.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { launchBrowser, screenshots } from '../../test/support/browser.ts';
import { ApiClient } from '../../test/support/client.ts';
import { copyTestDatabase } from '../../test/support/databases.ts';

const PHONE = '13912345678';
const PRICE = 300;

let siyu: Siyu;
let drop: () => Promise<void>;
let url: string;
let slug: string;
let brand: string;
let owner: ApiClient;
let browser: Browser;
/** Parsed JSON lines of the server's log: the development code sender writes verification codes there. */
const log: Record<string, unknown>[] = [];

beforeAll(async () => {
  const database = await copyTestDatabase(inject('siyuTemplate'));
  drop = database.drop;
  const logger = pino({ level: 'info' }, { write: (line: string) => void log.push(JSON.parse(line)) });
  siyu = await createSiyu({
    config: { ...loadConfig({ LOG_LEVEL: 'info' }), port: 0, host: '127.0.0.1', databaseUrl: database.url },
    logger,
    http: true,
    workers: false,
    db: database.db,
  });
  const demo = await buildDemo(siyu.db, { customers: 30, seed: 5, slug: 'h5-demo' });
  slug = demo.slug;
  url = (await siyu.listen()).replace('0.0.0.0', '127.0.0.1');
  owner = new ApiClient(url);
  expect((await owner.login(demo.owner.login, demo.owner.password, demo.slug)).status).toBe(200);
  brand = (await owner.get('/api/h5/terms?ws=h5-demo')).body.workspace.name;

  const template = await activeTemplate(owner, amountOff({ title: '满100减20' }));
  const rewards = [
    { kind: 'coupon', name: '满100减20优惠券', pointsPrice: PRICE, couponTemplateId: template.id, stock: 100, sort: 1 },
    { kind: 'physical', name: '品牌帆布袋', pointsPrice: 800, stock: 20, sort: 2, description: '环保帆布，容量大。' },
    { kind: 'virtual', name: '视频会员月卡', pointsPrice: 1500, sort: 3 },
  ];
  for (const body of rewards) expect((await owner.post('/api/rewards', body)).status).toBe(201);
  const lottery = await owner.post('/api/lotteries', {
    name: '签到转盘',
    costPoints: 20,
    dailyLimit: 3,
    prizes: [
      { kind: 'points', name: '10 积分', points: 10, probabilityPpm: 1_000_000 },
      { kind: 'coupon', name: '满100减20', couponTemplateId: template.id, probabilityPpm: 0 },
    ],
  });
  expect(lottery.status).toBe(201);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await siyu?.close();
  await drop?.();
});

const screenshot = screenshots('h5');

/** The latest code the server logged for the phone, once it is there. */
async function codeFor(phone: string): Promise<string> {
  const e164 = `+86${phone}`;
  await expect.poll(() => log.some((l) => l.phone === e164 && typeof l.code === 'string')).toBe(true);
  const lines = log.filter((l) => l.phone === e164 && typeof l.code === 'string');
  return lines[lines.length - 1]?.code as string;
}

async function balanceOnCard(page: Page): Promise<number> {
  const text = (await page.getByTestId('balance').textContent()) ?? '';
  return Number(text.replace(/[^\d]/g, ''));
}

test('a visitor joins, checks in, redeems a coupon reward, and the balance falls as the coupon lands in the wallet', async () => {
  const page = await browser.newPage({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${url}/h5/?ws=${slug}`);

  // Sign in with the texted code.
  await page.getByRole('heading', { name: '手机号登录' }).waitFor();
  await page.getByLabel('手机号').fill(PHONE);
  await page.getByRole('button', { name: '获取验证码' }).click();
  await page.getByText('验证码已发送至').waitFor();
  await page.getByLabel('验证码').fill(await codeFor(PHONE));
  await screenshot(page, '01-sign-in');
  await page.getByRole('button', { name: '登录' }).click();

  // Join: the terms in force and their version, consent by the member's own tick.
  await page.getByRole('heading', { name: `加入${brand}会员` }).waitFor();
  const version = (await owner.get('/api/loyalty/settings')).body.terms.version as string;
  await page.getByText(`版本 ${version}`, { exact: true }).waitFor();
  const join = page.getByRole('button', { name: '立即入会' });
  expect(await join.isDisabled()).toBe(true);
  await page.getByLabel(`我已阅读并同意《会员条款》（版本 ${version}）`).check();
  await screenshot(page, '02-join');
  await join.click();

  // The member card.
  await page.getByTestId('balance').waitFor();
  const customerId = (await owner.get(`/api/members?q=${PHONE}`)).body.items[0].customerId as string;
  const member = await owner.get(`/api/members/${customerId}`);
  expect(member.body).toMatchObject({ termsVersion: version, joinChannel: 'h5' });
  expect(await balanceOnCard(page)).toBe(0);
  const granted = await owner.post(`/api/points/members/${customerId}/adjustments`, { points: 500, reason: '入会礼' });
  expect(granted.status).toBe(201);

  // Check in: the button names the points, the day shows in the calendar.
  await page.getByRole('tab', { name: '签到' }).click();
  const checkInButton = page.getByRole('button', { name: /^签到领 \d+ 积分$/ });
  await checkInButton.waitFor();
  const earned = Number(((await checkInButton.textContent()) ?? '').replace(/[^\d]/g, ''));
  await checkInButton.click();
  await page.getByRole('button', { name: '今日已签到' }).waitFor();
  await page.getByText(`+${earned}`, { exact: true }).first().waitFor();
  await screenshot(page, '03-check-in');
  const points = (await owner.get(`/api/points/members/${customerId}`)).body;
  expect(points.balance).toBe(500 + earned);

  // Redeem the coupon reward: details, confirmation, result.
  await page.getByRole('tab', { name: '积分商城' }).click();
  const mallBalance = page.getByTestId('mall-balance');
  await expect
    .poll(async () => Number(((await mallBalance.textContent()) ?? '').replace(/[^\d]/g, '')))
    .toBe(500 + earned);
  await page.getByRole('button', { name: '品牌帆布袋' }).waitFor();
  await screenshot(page, '04-mall');
  await page.getByRole('button', { name: '满100减20优惠券' }).click();
  const detail = page.getByRole('dialog', { name: '满100减20优惠券' });
  await detail.getByText(`${PRICE} 积分`).first().waitFor();
  await detail.getByRole('button', { name: '立即兑换' }).click();
  const confirm = page.getByRole('dialog', { name: '确认兑换' });
  await confirm.getByText(`确认使用 ${PRICE} 积分兑换「满100减20优惠券」？`).waitFor();
  await screenshot(page, '05-confirm');
  await confirm.getByRole('button', { name: '确认兑换' }).click();
  const result = page.getByRole('dialog', { name: '兑换结果' });
  await result.getByText('兑换成功').waitFor();
  await result.getByText(`已使用 ${PRICE} 积分，剩余 ${500 + earned - PRICE} 积分`).waitFor();
  await screenshot(page, '06-redeemed');

  // The balance fell by the price, on the page and in the ledger; exactly one coupon was issued.
  await result.getByRole('button', { name: '完成' }).click();
  await expect
    .poll(async () => Number(((await mallBalance.textContent()) ?? '').replace(/[^\d]/g, '')))
    .toBe(500 + earned - PRICE);
  expect((await owner.get(`/api/points/members/${customerId}`)).body.balance).toBe(500 + earned - PRICE);
  const issued = await owner.get(`/api/coupons?customerId=${customerId}`);
  expect(issued.body.items).toHaveLength(1);

  // The coupon is in the wallet, unused.
  await page.getByRole('tab', { name: '优惠券' }).click();
  const ticket = page.getByRole('article', { name: '满100减20' });
  await ticket.waitFor();
  await ticket.getByText('满¥100可用').waitFor();
  expect(await page.getByRole('tab', { name: /未使用\s*1/ }).count()).toBe(1);
  await screenshot(page, '07-wallet');

  // And the card shows the new balance.
  await page.getByRole('tab', { name: '会员卡' }).click();
  await expect.poll(() => balanceOnCard(page)).toBe(500 + earned - PRICE);
  await screenshot(page, '08-card');

  // A draw from the card's shortcut: 20 points spent, 10 won (the only prize with odds).
  await page.getByRole('button', { name: '积分抽奖' }).click();
  await page.getByRole('button', { name: '20 积分抽一次' }).click();
  const won = page.getByRole('dialog', { name: '恭喜中奖' });
  await won.getByText('恭喜获得「10 积分」').waitFor();
  await screenshot(page, '09-lottery');
  await won.getByRole('button', { name: '完成' }).click();
  expect((await owner.get(`/api/points/members/${customerId}`)).body.balance).toBe(500 + earned - PRICE - 20 + 10);
  expect(errors).toEqual([]);
});

test('the console lists the catalogue and the redemption, and sets up a lottery with its odds', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // The console shares the owner's session cookie with the API client above.
  const [name, value] = (owner.cookie ?? '').split('=') as [string, string];
  await page.context().addCookies([{ name, value, url }]);
  await page.goto(`${url}/loyalty/rewards`);
  await page.getByRole('heading', { name: '积分商城' }).waitFor();
  for (const reward of ['满100减20优惠券', '品牌帆布袋', '视频会员月卡']) {
    await page.locator('.ant-table-row', { hasText: reward }).waitFor();
  }
  await screenshot(page, '10-console-catalogue');

  await page.getByRole('tab', { name: '兑换订单' }).click();
  const order = page
    .getByRole('tabpanel', { name: '兑换订单' })
    .locator('.ant-table-row', { hasText: '满100减20优惠券' });
  await order.waitFor();
  expect(await order.getByText('已完成').count()).toBe(1);
  await screenshot(page, '11-console-orders');

  await page.getByRole('button', { name: '积分抽奖' }).click();
  await page.getByRole('heading', { name: '积分抽奖' }).waitFor();
  await page.getByRole('button', { name: '新建抽奖' }).click();
  const drawer = page.getByRole('dialog', { name: '新建抽奖' });
  await drawer.getByLabel('活动名称').fill('周末大转盘');
  await drawer.getByLabel('奖品名称').fill('50 积分');
  await drawer.getByLabel('中奖概率').fill('25');
  await drawer.getByText('奖品概率合计 25%，「谢谢参与」75%').waitFor();
  await drawer.getByRole('button', { name: '保存' }).click();
  const card = page.locator('.ant-card', { hasText: '周末大转盘' });
  await card.waitFor();
  expect(await card.getByText('进行中').count()).toBe(1);
  await screenshot(page, '12-console-lottery');
  const lotteries = (await owner.get('/api/lotteries')).body.items;
  expect(lotteries).toHaveLength(2);
  expect(lotteries[0]).toMatchObject({ name: '周末大转盘', costPoints: 20, dailyLimit: 3, nothingPpm: 750_000 });
  expect(lotteries[0].prizes[0]).toMatchObject({ kind: 'points', points: 50, probabilityPpm: 250_000 });
  expect(errors).toEqual([]);
});
