// The member H5's own API over HTTP with a member session: the card with growth progress and points expiring soon,
// check-in with its calendar and streak, the points history, the wallet, benefits, rule-change notices, the
// leaderboard with my rank, the invite link, and who may call it.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { customer, DAY } from './fixtures/points.ts';
import { type PointsServer, startPointsServer } from './fixtures/server.ts';
import { H5Client } from './members.fixtures.ts';
import { couponTemplate, h5As, richMember } from './rewards.fixtures.ts';
import { DEFAULT_RULES } from './rule-changes.ts';

let s: PointsServer;
const T0 = new Date('2026-06-10T10:00:00+08:00');

beforeAll(async () => {
  s = await startPointsServer('h5-api', T0);
});
afterAll(() => s?.close());

test('the card shows tier, growth to the next tier, balance and the points expiring within 30 days', async () => {
  s.clock.now = new Date(T0.getTime() - 350 * DAY);
  const { customerId } = await richMember(s, '13400000001', 120);
  s.clock.now = T0;
  const h5 = await h5As(s, customerId);
  await s.owner.post(`/api/points/members/${customerId}/adjustments`, { points: 80, reason: '生日礼' });
  const card = await h5.get('/api/h5/card');
  expect(card.status, JSON.stringify(card.body)).toBe(200);
  expect(card.body.card).toMatchObject({ tier: { code: 'normal' }, status: 'active' });
  const next = card.body.card.growth.next;
  expect(next.tier.rank).toBeGreaterThan(card.body.card.tier.rank);
  expect(next.remaining).toBe(next.threshold);
  // The first 120 were earned 350 days ago and expire within the month; the 80 just granted do not.
  expect(card.body.points).toMatchObject({ balance: 200, debt: 0, valueFen: 2000 });
  expect(card.body.points.expiringSoon.points).toBe(120);
});

test('check-in: today’s reward, the streak across a month’s end, and the calendar of a month', async () => {
  const { h5 } = await richMember(s, '13400000002', 0);
  // The default rules: 2 a day, +5 on the third day, +20 on the seventh, in a cycle of seven.
  for (const day of ['2026-06-29', '2026-06-30']) {
    s.clock.now = new Date(`${day}T09:00:00+08:00`);
    expect((await h5.post('/api/h5/check-in')).body).toMatchObject({ date: day, created: true });
  }
  s.clock.now = new Date('2026-07-01T08:00:00+08:00');
  const before = await h5.get('/api/h5/check-in');
  expect(before.body).toMatchObject({
    today: '2026-07-01',
    checkedInToday: false,
    streak: 2,
    next: { date: '2026-07-01', streak: 3, points: 7 },
    month: '2026-07',
    days: [],
    rule: { enabled: true, points: 2, cycleDays: 7 },
  });
  const done = await h5.post('/api/h5/check-in');
  expect(done.body).toMatchObject({ date: '2026-07-01', streak: 3, points: 7, created: true });
  const again = await h5.post('/api/h5/check-in');
  expect(again.body).toMatchObject({ streak: 3, points: 7, created: false });
  const after = await h5.get('/api/h5/check-in');
  expect(after.body).toMatchObject({
    checkedInToday: true,
    streak: 3,
    next: { date: '2026-07-02', streak: 4, points: 2 },
  });
  expect(after.body.days).toEqual([{ date: '2026-07-01', streak: 3, points: 7 }]);
  const june = await h5.get('/api/h5/check-in?month=2026-06');
  expect(june.body.days.map((d: { date: string }) => d.date)).toEqual(['2026-06-29', '2026-06-30']);
  expect((await h5.get('/api/h5/check-in?month=2026-13')).status).toBe(400);

  const history = await h5.get('/api/h5/points/history?limit=2');
  expect(history.body.items.map((t: { cause: string; points: number }) => [t.cause, t.points])).toEqual([
    ['check_in', 7],
    ['check_in', 2],
  ]);
  const rest = await h5.get(`/api/h5/points/history?limit=2&cursor=${history.body.nextCursor}`);
  expect(rest.body).toMatchObject({ items: [{ cause: 'check_in', points: 2, balanceAfter: 2 }], nextCursor: null });
  s.clock.now = T0;
});

test('the wallet, my benefits, the notices of a scheduled rule change, the leaderboard and my invite link', async () => {
  s.clock.now = T0;
  const { customerId, h5 } = await richMember(s, '13400000003', 300);
  const templateId = await couponTemplate(s, { title: '钱包券' });
  await s.owner.post('/api/coupon-issuances', { templateId, customerIds: [customerId], quantity: 2 });
  const wallet = await h5.get('/api/h5/coupons');
  expect(wallet.body.counts).toEqual({ available: 2, used: 0, expired: 0 });
  expect((await h5.get('/api/h5/coupons?status=used')).body.items).toEqual([]);

  const benefits = await h5.get('/api/h5/benefits');
  expect(benefits.body.tier.code).toBe('normal');
  expect(benefits.body.benefits[0]).toEqual({ type: 'points_multiplier', pct: 100 });
  const ladder = benefits.body.ladder.map((t: { tier: { code: string }; current: boolean }) => [
    t.tier.code,
    t.current,
  ]);
  expect(ladder[0]).toEqual(['normal', true]);
  expect(ladder.slice(1).every(([, current]: [string, boolean]) => !current)).toBe(true);
  expect(ladder.map(([code]: [string]) => code)).toContain('gold');

  const doubled = structuredClone(DEFAULT_RULES);
  doubled.checkIn.points = 4;
  const change = await s.owner.post('/api/points/rule-changes', {
    rules: doubled,
    effectiveOn: '2026-08-01',
    note: '签到翻倍',
  });
  expect(change.status, JSON.stringify(change.body)).toBe(201);
  const notices = await h5.get('/api/h5/notices');
  expect(notices.body.items).toHaveLength(1);
  expect(notices.body.items[0]).toMatchObject({ effectiveOn: '2026-08-01', note: '签到翻倍' });
  expect([notices.body.items[0].previous.checkIn.points, notices.body.items[0].rules.checkIn.points]).toEqual([2, 4]);

  const board = await h5.get('/api/h5/leaderboards/week');
  expect(board.status).toBe(200);
  expect(board.body.me).toBeNull();
  await h5.post('/api/h5/check-in');
  const ranked = await h5.get('/api/h5/leaderboards/week');
  expect(ranked.body.me).toMatchObject({ me: true, points: 2 });
  expect(ranked.body.items.some((r: { me: boolean }) => r.me)).toBe(true);
  expect((await h5.get('/api/h5/leaderboards/year')).status).toBe(400);

  const invite = await h5.get('/api/h5/invite');
  expect(invite.body).toMatchObject({ invited: 0, earnedPoints: 0, pointsPerInvite: 50 });
  expect(invite.body.path).toBe(`/h5/?ws=h5-api&invite=${invite.body.code}`);
});

test('member routes need a member session, the H5 header on changes, and membership', async () => {
  s.clock.now = T0;
  const anonymous = new H5Client(s.url);
  const refused = await anonymous.get('/api/h5/card');
  expect([refused.status, refused.body.error.code]).toEqual([401, 'loyalty.session_required']);
  const { h5 } = await richMember(s, '13400000004', 0);
  const csrf = await h5.request('POST', '/api/h5/check-in', {}, { 'x-siyu-h5': '0' });
  expect([csrf.status, csrf.body.error.code]).toEqual([403, 'auth.csrf_failed']);
  const visitor = await h5As(s, await customer(s.world, '13400000005', T0));
  for (const path of ['/api/h5/card', '/api/h5/rewards', '/api/h5/lotteries', '/api/h5/coupons', '/api/h5/invite']) {
    const res = await visitor.get(path);
    expect([res.status, res.body.error.code], path).toEqual([404, 'loyalty.member_not_found']);
  }
  const english = await visitor.request('GET', '/api/h5/card', undefined, { 'accept-language': 'en' });
  expect(english.body.error.message).not.toMatch(/[\u4e00-\u9fff]/);
});
