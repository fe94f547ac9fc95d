// Concurrent redemptions and draws through the H5 API on PostgreSQL (PGlite has one connection, so nothing would
// run side by side there): a reward's stock and a lottery prize's stock are never oversold, a member's limit holds
// against their own parallel requests, and one request sent many times at once makes one order.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { testDbKind } from '../../../test/support/databases.ts';
import { type PointsServer, startPointsServer } from './fixtures/server.ts';
import { checkLedger } from './ledger-check.ts';
import { balanceOf, couponTemplate, requestId, richMember } from './rewards.fixtures.ts';

const postgres = testDbKind() === 'postgres';
let s: PointsServer;
const T0 = new Date('2026-06-10T10:00:00+08:00');

beforeAll(async () => {
  if (postgres) s = await startPointsServer('rewards-race', T0);
});
afterAll(() => s?.close());

async function ledgerClean() {
  const report = await checkLedger(s.world.db, { workspaceId: s.world.workspaceId, now: s.clock.now });
  expect(report.violations).toEqual([]);
}

test.skipIf(!postgres)(
  '40 members redeeming a reward with 10 left at once: exactly 10 win, none oversold',
  async () => {
    const templateId = await couponTemplate(s, { title: '抢兑券' });
    const created = await s.owner.post('/api/rewards', {
      kind: 'coupon',
      name: '抢兑券',
      pointsPrice: 100,
      couponTemplateId: templateId,
      stock: 10,
    });
    const rewardId = created.body.id;
    const members = [];
    for (let i = 0; i < 40; i++) members.push(await richMember(s, `1370000${String(i).padStart(4, '0')}`, 150));
    const answers = await Promise.all(
      members.map((m) => m.h5.post(`/api/h5/rewards/${rewardId}/redeem`, { requestId: requestId() })),
    );
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(10);
    for (const a of answers.filter((x) => x.status !== 201)) {
      expect([a.status, a.body.error.code]).toEqual([409, 'rewards.sold_out']);
    }
    expect((await s.owner.get(`/api/rewards/${rewardId}`)).body).toMatchObject({ stock: 0, redeemed: 10 });
    const balances = await Promise.all(members.map((m) => balanceOf(s, m.customerId)));
    expect(balances.filter((b) => b === 50)).toHaveLength(10);
    expect(balances.filter((b) => b === 150)).toHaveLength(30);
    const coupons = await s.owner.get(`/api/coupons?templateId=${templateId}&limit=200`);
    expect(coupons.body.items).toHaveLength(10);
    await ledgerClean();
  },
);

test.skipIf(!postgres)('one member’s 20 parallel redemptions stop at the per-member limit of 3', async () => {
  const templateId = await couponTemplate(s, { title: '限三次' });
  const created = await s.owner.post('/api/rewards', {
    kind: 'coupon',
    name: '限三次',
    pointsPrice: 10,
    couponTemplateId: templateId,
    perMemberLimit: 3,
  });
  const { customerId, h5 } = await richMember(s, '13799990001', 1000);
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => h5.post(`/api/h5/rewards/${created.body.id}/redeem`, { requestId: requestId() })),
  );
  expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
  for (const a of answers.filter((x) => x.status !== 201)) expect(a.body.error.code).toBe('rewards.limit_reached');
  expect(await balanceOf(s, customerId)).toBe(970);
  await ledgerClean();
});

test.skipIf(!postgres)('one request id sent 16 times at once makes one order and one spend', async () => {
  const created = await s.owner.post('/api/rewards', { kind: 'physical', name: '帆布袋', pointsPrice: 100, stock: 50 });
  const { customerId, h5 } = await richMember(s, '13799990002', 1000);
  const id = requestId();
  const address = { name: '李雷', phone: '13800138001', region: '上海市 徐汇区', detail: '漕溪北路 1 号' };
  const answers = await Promise.all(
    Array.from({ length: 16 }, () => h5.post(`/api/h5/rewards/${created.body.id}/redeem`, { requestId: id, address })),
  );
  expect(answers.map((a) => a.status)).toEqual(Array(16).fill(201));
  expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
  expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(15);
  expect(await balanceOf(s, customerId)).toBe(900);
  expect((await s.owner.get(`/api/rewards/${created.body.id}`)).body.stock).toBe(49);
  await ledgerClean();
});

test.skipIf(!postgres)('30 members drawing a prize with 5 left at once: exactly 5 win it', async () => {
  const lottery = await s.owner.post('/api/lotteries', {
    name: '必中大奖',
    costPoints: 10,
    dailyLimit: 3,
    // Every roll lands on the prize; once it is gone, its odds fall to nothing.
    prizes: [{ kind: 'points', name: '100 积分', points: 100, probabilityPpm: 1_000_000, stock: 5 }],
  });
  expect(lottery.status, JSON.stringify(lottery.body)).toBe(201);
  const members = [];
  for (let i = 0; i < 30; i++) members.push(await richMember(s, `1378000${String(i).padStart(4, '0')}`, 10));
  const draws = await Promise.all(
    members.map((m) => m.h5.post(`/api/h5/lotteries/${lottery.body.id}/draws`, { requestId: requestId() })),
  );
  expect(draws.map((d) => d.status)).toEqual(Array(30).fill(201));
  const winners = draws.filter((d) => d.body.prize !== null);
  expect(winners).toHaveLength(5);
  for (const w of winners) expect([w.body.pointsWon, w.body.balance]).toEqual([100, 100]);
  for (const d of draws.filter((x) => x.body.prize === null))
    expect([d.body.pointsWon, d.body.balance]).toEqual([0, 0]);
  const after = await s.owner.get(`/api/lotteries/${lottery.body.id}`);
  expect(after.body.prizes[0]).toMatchObject({ stock: 0, won: 5 });
  expect(after.body.draws).toBe(30);
  const fallbacks = await s.owner.get(`/api/lotteries/${lottery.body.id}/draws?won=false&limit=100`);
  expect(fallbacks.body.items.map((d: { fallback: string }) => d.fallback)).toEqual(Array(25).fill('out_of_stock'));
  await ledgerClean();
});
