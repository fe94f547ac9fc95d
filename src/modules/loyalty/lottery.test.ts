// The points lottery: the odds over many rolls of a seeded source, the draw following the same rolls through the
// database, prize stock falling to "nothing", the daily limit by local day, idempotent retries, coupon and physical
// prizes, and the console's configuration checks.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { LotteryBody } from '../../contracts/rewards.ts';
import { type PointsServer, startPointsServer } from './fixtures/server.ts';
import { checkLedger } from './ledger-check.ts';
import { drawLottery, pickPrize, type RandomSource } from './lottery.ts';
import { ADDRESS, balanceOf, couponTemplate, requestId, richMember } from './rewards.fixtures.ts';

let s: PointsServer;
const T0 = new Date('2026-06-10T10:00:00+08:00');

beforeAll(async () => {
  s = await startPointsServer('lottery-http', T0);
});
afterAll(() => s?.close());

/** mulberry32: a small deterministic generator, so the test's rolls are the same on every run. */
function seeded(seed: number): RandomSource {
  let a = seed >>> 0;
  return (max) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    return Math.floor(unit * max);
  };
}

async function lottery(body: Partial<LotteryBody> & Pick<LotteryBody, 'prizes'>) {
  const res = await s.owner.post('/api/lotteries', { name: '积分大转盘', costPoints: 20, dailyLimit: 100, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

test('over 200,000 seeded rolls each prize wins as often as its published odds', () => {
  const prizes = [
    { name: 'a', probability_ppm: 10_000 },
    { name: 'b', probability_ppm: 50_000 },
    { name: 'c', probability_ppm: 300_000 },
  ];
  const random = seeded(20260610);
  const n = 200_000;
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const name = pickPrize(prizes, random(1_000_000))?.name ?? 'nothing';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const expected = { a: 0.01, b: 0.05, c: 0.3, nothing: 0.64 };
  for (const [name, p] of Object.entries(expected)) {
    // Within four standard deviations of the binomial count.
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs((counts.get(name) ?? 0) - n * p), name).toBeLessThan(4 * sd);
  }
  // The edges: a roll below the first prize's width wins it, the last roll of the million wins nothing.
  expect(pickPrize(prizes, 0)?.name).toBe('a');
  expect(pickPrize(prizes, 9_999)?.name).toBe('a');
  expect(pickPrize(prizes, 10_000)?.name).toBe('b');
  expect(pickPrize(prizes, 359_999)?.name).toBe('c');
  expect(pickPrize(prizes, 360_000)).toBeNull();
  expect(pickPrize(prizes, 999_999)).toBeNull();
});

test('draws through the database follow the seeded rolls; a prize out of stock falls to nothing', async () => {
  s.clock.now = T0;
  const l = await lottery({
    costPoints: 10,
    prizes: [
      { kind: 'points', name: '50 积分', points: 50, probabilityPpm: 200_000, stock: 4 },
      { kind: 'nothing', name: '谢谢参与', probabilityPpm: 300_000 },
      { kind: 'points', name: '5 积分', points: 5, probabilityPpm: 300_000 },
    ],
  });
  expect(l.nothingPpm).toBe(200_000);
  const { customerId } = await richMember(s, '13500000001', 2000);
  const ws = s.world.workspaceId;
  const odds = (l.prizes as { name: string; probabilityPpm: number }[]).map((p) => ({
    name: p.name,
    probability_ppm: p.probabilityPpm,
  }));
  const rolls = seeded(7);
  const mirror = seeded(7);
  const tally = { big: 0, small: 0, consolation: 0, nothing: 0, fallback: 0 };
  let expectedBalance = 2000;
  for (let i = 0; i < 100; i++) {
    const { draw } = await s.world.db.tenant(ws, (tx) =>
      drawLottery(tx, ws, { customerId, lotteryId: l.id, requestId: requestId() }, s.clock.now, rolls),
    );
    const predicted = pickPrize(odds, mirror(1_000_000));
    expectedBalance -= 10;
    if (predicted?.name === '50 积分' && tally.big < 4) {
      tally.big++;
      expectedBalance += 50;
      expect(draw).toMatchObject({ pointsWon: 50, prize: { name: '50 积分', kind: 'points' } });
    } else if (predicted?.name === '50 积分') {
      tally.fallback++;
      expect(draw).toMatchObject({ pointsWon: 0, prize: null });
    } else if (predicted?.name === '5 积分') {
      tally.small++;
      expectedBalance += 5;
      expect(draw).toMatchObject({ pointsWon: 5, prize: { name: '5 积分' } });
    } else if (predicted?.name === '谢谢参与') {
      tally.consolation++;
      expect(draw).toMatchObject({ pointsWon: 0, prize: { name: '谢谢参与', kind: 'nothing' } });
    } else {
      tally.nothing++;
      expect(draw.prize).toBeNull();
    }
    expect(draw.balance).toBe(expectedBalance);
  }
  expect(tally.big).toBe(4);
  expect(tally.fallback).toBeGreaterThan(0);
  expect(await balanceOf(s, customerId)).toBe(expectedBalance);
  const after = await s.owner.get(`/api/lotteries/${l.id}`);
  expect(after.body.prizes.map((p: { won: number }) => p.won)).toEqual([4, tally.consolation, tally.small]);
  expect(after.body.prizes[0].stock).toBe(0);
  const fallbacks = await s.owner.get(`/api/lotteries/${l.id}/draws?won=false&limit=200`);
  expect(fallbacks.body.items.filter((d: { fallback: string | null }) => d.fallback === 'out_of_stock')).toHaveLength(
    tally.fallback,
  );
  const report = await checkLedger(s.world.db, { workspaceId: ws, now: s.clock.now });
  expect(report.violations).toEqual([]);
});

test('the daily limit counts draws by local day; a retry answers the first draw without charging again', async () => {
  s.clock.now = new Date('2026-06-10T23:58:00+08:00');
  const l = await lottery({
    costPoints: 30,
    dailyLimit: 2,
    prizes: [{ kind: 'nothing', name: '谢谢参与', probabilityPpm: 1_000_000 }],
  });
  const { customerId, h5 } = await richMember(s, '13500000002', 1000);
  const id = requestId();
  const first = await h5.post(`/api/h5/lotteries/${l.id}/draws`, { requestId: id });
  expect(first.status, JSON.stringify(first.body)).toBe(201);
  expect(first.body).toMatchObject({ cost: 30, balance: 970, drawsToday: 1 });
  const retry = await h5.post(`/api/h5/lotteries/${l.id}/draws`, { requestId: id });
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(retry.body).toEqual(first.body);
  expect(await balanceOf(s, customerId)).toBe(970);

  expect((await h5.post(`/api/h5/lotteries/${l.id}/draws`, { requestId: requestId() })).body.drawsToday).toBe(2);
  const third = await h5.post(`/api/h5/lotteries/${l.id}/draws`, { requestId: requestId() });
  expect([third.status, third.body.error.code]).toEqual([409, 'lottery.daily_limit_reached']);
  expect(await balanceOf(s, customerId)).toBe(940);
  const listed = await h5.get('/api/h5/lotteries');
  expect(listed.body.items.find((i: { id: string }) => i.id === l.id)).toMatchObject({ drawsToday: 2, dailyLimit: 2 });

  s.clock.now = new Date('2026-06-11T00:00:00+08:00');
  const nextDay = await h5.post(`/api/h5/lotteries/${l.id}/draws`, { requestId: requestId() });
  expect([nextDay.status, nextDay.body.drawsToday]).toEqual([201, 1]);
  const mine = await h5.get(`/api/h5/lotteries/${l.id}/draws`);
  expect(mine.body.items.map((d: { drawsToday: number }) => d.drawsToday)).toEqual([1, 2, 1]);

  const poor = await richMember(s, '13500000003', 20);
  const short = await poor.h5.post(`/api/h5/lotteries/${l.id}/draws`, { requestId: requestId() });
  expect([short.status, short.body.error.code]).toEqual([409, 'lottery.insufficient_points']);
  expect(await balanceOf(s, poor.customerId)).toBe(20);
  const other = await lottery({ prizes: [{ kind: 'nothing', name: '谢谢', probabilityPpm: 0 }] });
  const reused = await h5.post(`/api/h5/lotteries/${other.id}/draws`, { requestId: id });
  expect([reused.status, reused.body.error.code]).toEqual([409, 'lottery.request_reused']);
  s.clock.now = T0;
});

test('a coupon prize lands in the wallet; a physical prize waits for the member’s address, then ships', async () => {
  s.clock.now = T0;
  const templateId = await couponTemplate(s, { title: '抽奖券' });
  const bag = await s.owner.post('/api/rewards', { kind: 'physical', name: '帆布袋', pointsPrice: 500, stock: 1 });
  const couponDraw = await lottery({
    prizes: [{ kind: 'coupon', name: '满100减20券', couponTemplateId: templateId, probabilityPpm: 1_000_000 }],
  });
  const bagDraw = await lottery({
    prizes: [{ kind: 'reward', name: '帆布袋', rewardId: bag.body.id, probabilityPpm: 1_000_000 }],
  });
  const { customerId, h5 } = await richMember(s, '13500000004', 1000);
  const won = await h5.post(`/api/h5/lotteries/${couponDraw.id}/draws`, { requestId: requestId() });
  expect(won.body.coupon.code).toMatch(/^[0-9A-Z]{12}$/);
  const wallet = await h5.get('/api/h5/coupons?status=available');
  expect(wallet.body.items.map((c: { code: string }) => c.code)).toContain(won.body.coupon.code);

  const prize = await h5.post(`/api/h5/lotteries/${bagDraw.id}/draws`, { requestId: requestId() });
  expect(prize.body).toMatchObject({ prize: { kind: 'reward', name: '帆布袋' }, rewardOrderId: expect.any(String) });
  const order = await h5.get(`/api/h5/reward-orders/${prize.body.rewardOrderId}`);
  expect(order.body).toMatchObject({ source: 'lottery', points: 0, status: 'pending', address: null });
  const needs = await s.owner.get('/api/reward-orders?needsAddress=true');
  expect(needs.body.items.map((o: { id: string }) => o.id)).toContain(prize.body.rewardOrderId);
  const noAddress = await s.owner.post(`/api/reward-orders/${prize.body.rewardOrderId}/ship`, {
    carrier: '顺丰',
    trackingNo: 'SF0002',
  });
  expect(noAddress.body.error.code).toBe('rewards.address_missing');
  const given = await h5.request('PUT', `/api/h5/reward-orders/${prize.body.rewardOrderId}/address`, {
    address: ADDRESS,
  });
  expect(given.body.address.name).toBe('王小明');
  const shipped = await s.owner.post(`/api/reward-orders/${prize.body.rewardOrderId}/ship`, {
    carrier: '顺丰',
    trackingNo: 'SF0002',
  });
  expect(shipped.body.status).toBe('shipped');

  // The bag's catalogue stock was the last one: the next roll on it wins nothing, the refusal kept as the reason.
  const empty = await h5.post(`/api/h5/lotteries/${bagDraw.id}/draws`, { requestId: requestId() });
  expect(empty.body).toMatchObject({ prize: null, rewardOrderId: null });
  const record = await s.owner.get(`/api/lotteries/${bagDraw.id}/draws?customerId=${customerId}`);
  expect(record.body.items[0].fallback).toBe('rewards.sold_out');
  expect((await s.owner.get(`/api/lotteries/${bagDraw.id}`)).body.prizes[0].won).toBe(1);
  const history = await h5.get('/api/h5/points/history?limit=3');
  expect(history.body.items[0]).toMatchObject({ cause: 'lottery', points: -20, note: '积分大转盘' });
});

test('the console checks odds and prizes, and an edit keeps prizes by id and retires the rest', async () => {
  s.clock.now = T0;
  const bad = async (body: Record<string, unknown>, code: string) => {
    const res = await s.owner.post('/api/lotteries', { name: '坏抽奖', costPoints: 10, dailyLimit: 1, ...body });
    expect([res.status, res.body.error?.code], JSON.stringify(res.body)).toEqual([400, code]);
  };
  await bad(
    {
      prizes: [
        { kind: 'nothing', name: 'a', probabilityPpm: 600_000 },
        { kind: 'nothing', name: 'b', probabilityPpm: 500_000 },
      ],
    },
    'lottery.odds_exceed',
  );
  await bad({ prizes: [{ kind: 'points', name: 'p', probabilityPpm: 1 }] }, 'lottery.prize_points_required');
  await bad({ prizes: [{ kind: 'coupon', name: 'c', probabilityPpm: 1 }] }, 'lottery.prize_coupon_required');
  await bad(
    { prizes: [{ kind: 'nothing', name: 'n', probabilityPpm: 1, points: 5 }] },
    'lottery.prize_field_not_applicable',
  );
  await bad(
    { prizes: [{ kind: 'nothing', name: 'n', probabilityPpm: 1, stock: 5 }] },
    'lottery.prize_field_not_applicable',
  );
  await bad(
    {
      startsAt: '2026-07-01T00:00:00Z',
      endsAt: '2026-06-01T00:00:00Z',
      prizes: [{ kind: 'nothing', name: 'n', probabilityPpm: 1 }],
    },
    'lottery.window_invalid',
  );
  const virtual = await s.owner.post('/api/rewards', { kind: 'virtual', name: '兑换码', pointsPrice: 10 });
  await bad(
    { prizes: [{ kind: 'reward', name: 'r', rewardId: virtual.body.id, probabilityPpm: 1 }] },
    'lottery.prize_reward_not_physical',
  );

  const l = await lottery({
    prizes: [
      { kind: 'points', name: '10 积分', points: 10, probabilityPpm: 100_000 },
      { kind: 'points', name: '20 积分', points: 20, probabilityPpm: 100_000 },
    ],
  });
  const [keep, drop] = l.prizes;
  const changed = await s.owner.patch(`/api/lotteries/${l.id}`, {
    prizes: [
      { ...keepBody(keep), probabilityPpm: 250_000 },
      { kind: 'nothing', name: '谢谢参与', probabilityPpm: 500_000 },
    ],
  });
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);
  expect(changed.body.prizes.map((p: { id: string; name: string }) => p.name)).toEqual(['10 积分', '谢谢参与']);
  expect(changed.body.prizes[0].id).toBe(keep.id);
  expect(changed.body.nothingPpm).toBe(250_000);
  expect(changed.body.prizes.map((p: { id: string }) => p.id)).not.toContain(drop.id);
  const kind = await s.owner.patch(`/api/lotteries/${l.id}`, {
    prizes: [{ ...keepBody(keep), kind: 'nothing', points: undefined }],
  });
  expect(kind.body.error.code).toBe('lottery.prize_kind_fixed');
  const closed = await s.owner.patch(`/api/lotteries/${l.id}`, { active: false });
  expect(closed.body.active).toBe(false);
  const { h5 } = await richMember(s, '13500000005', 100);
  expect((await h5.get('/api/h5/lotteries')).body.items.map((i: { id: string }) => i.id)).not.toContain(l.id);
  const refused = await h5.post(`/api/h5/lotteries/${l.id}/draws`, { requestId: requestId() });
  expect([refused.status, refused.body.error.code]).toEqual([404, 'lottery.not_found']);
  expect((await s.other.owner.get(`/api/lotteries/${l.id}`)).status).toBe(404);
});

function keepBody(p: { id: string; kind: string; name: string; probabilityPpm: number; points: number | null }) {
  return { id: p.id, kind: p.kind, name: p.name, probabilityPpm: p.probabilityPpm, points: p.points ?? undefined };
}
