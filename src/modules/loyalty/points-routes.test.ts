// The points API over HTTP: scheduled rule changes with a moving clock, checkout redemption and its cancellation,
// adjustments (audited, by permission), earning routes, reports, input validation and workspace isolation.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../../../test/support/client.ts';
import { addStaff } from '../../platform/workspaces.ts';
import { DAY, member, order } from './fixtures/points.ts';
import { type PointsServer, startPointsServer } from './fixtures/server.ts';
import { DEFAULT_RULES } from './rule-changes.ts';

let s: PointsServer;
const T0 = new Date('2026-06-10T10:00:00+08:00');

beforeAll(async () => {
  s = await startPointsServer('points-http', T0);
});
afterAll(() => s.close());

test('rules are set at once until points are issued; then a change needs 30 days notice and starts on its day', async () => {
  s.clock.now = T0;
  const rules = structuredClone(DEFAULT_RULES);
  rules.redemption.maxOrderSharePct = 40;
  const set = await s.owner.request('PUT', '/api/points/rules', { rules });
  expect(set.status).toBe(200);
  expect(set.body).toMatchObject({ locked: false, earliestEffectiveOn: '2026-07-10', pending: [] });
  expect(set.body.current.redemption.maxOrderSharePct).toBe(40);

  const c = await member(s.world, '13511110001', T0);
  await order(s.world, 'R-1', { phone: '13511110001', paidFen: 10_000, placedAt: T0 }, T0);
  const locked = await s.owner.request('PUT', '/api/points/rules', { rules });
  expect([locked.status, locked.body.error.code]).toEqual([409, 'points.rules_locked']);

  const doubled = structuredClone(rules);
  doubled.purchase.fenPerPoint = 50;
  const tooSoon = await s.owner.post('/api/points/rule-changes', { rules: doubled, effectiveOn: '2026-07-09' });
  expect([tooSoon.status, tooSoon.body.error.code]).toEqual([422, 'points.rule_change_too_soon']);
  expect(tooSoon.body.error.message).toContain('2026-07-10');
  const scheduled = await s.owner.post('/api/points/rule-changes', {
    rules: doubled,
    effectiveOn: '2026-07-10',
    note: '消费积分翻倍',
  });
  expect(scheduled.status).toBe(201);
  expect(scheduled.body).toMatchObject({ status: 'pending', effectiveAt: '2026-07-09T16:00:00.000Z' });
  const clash = await s.owner.post('/api/points/rule-changes', { rules, effectiveOn: '2026-07-10' });
  expect(clash.body.error.code).toBe('points.rule_change_exists');

  // Members read the notice without signing in, with the rules it replaces.
  const notices = await new ApiClient(s.url).get('/api/points/notices?ws=points-http');
  expect(notices.body.items).toEqual([
    expect.objectContaining({ effectiveOn: '2026-07-10', note: '消费积分翻倍', previous: expect.objectContaining({}) }),
  ]);
  expect(notices.body.items[0].previous.purchase.fenPerPoint).toBe(100);
  expect((await new ApiClient(s.url).get('/api/points/notices?ws=nope')).status).toBe(404);

  // The day before, orders still earn 1 per yuan; from local midnight of the day, 2 per yuan.
  s.clock.now = new Date('2026-07-09T23:59:00+08:00');
  await order(s.world, 'R-2', { phone: '13511110001', paidFen: 10_000, placedAt: s.clock.now }, s.clock.now);
  s.clock.now = new Date('2026-07-10T00:00:00+08:00');
  await order(s.world, 'R-3', { phone: '13511110001', paidFen: 10_000, placedAt: s.clock.now }, s.clock.now);
  const card = await s.owner.get(`/api/points/members/${c}`);
  expect(card.body.balance).toBe(100 + 100 + 200);
  const overview = await s.owner.get('/api/points/rules');
  expect(overview.body.pending).toEqual([]);
  expect(overview.body.current.purchase.fenPerPoint).toBe(50);
  const versions = await s.owner.get('/api/points/rule-changes');
  expect(versions.body.items.map((v: { status: string }) => v.status)).toEqual(['superseded', 'active']);
  const cancelActive = await s.owner.post(`/api/points/rule-changes/${scheduled.body.id}/cancel`);
  expect(cancelActive.body.error.code).toBe('points.rule_change_not_pending');

  // A pending change can be withdrawn.
  const later = await s.owner.post('/api/points/rule-changes', { rules, effectiveOn: '2026-09-01' });
  const withdrawn = await s.owner.post(`/api/points/rule-changes/${later.body.id}/cancel`);
  expect(withdrawn.body.status).toBe('cancelled');
  expect((await new ApiClient(s.url).get('/api/points/notices?ws=points-http')).body.items).toEqual([]);
});

test('checkout: quote, redeem with the order number as key, cancel returns the points with their expiry', async () => {
  s.clock.now = new Date('2026-08-01T12:00:00+08:00');
  const c = await member(s.world, '13511110002', s.clock.now);
  await s.owner.post(`/api/points/members/${c}/adjustments`, { points: 1_000, reason: '补偿' });
  const before = await s.owner.get(`/api/points/members/${c}`);
  const q = await s.pos.get(`/api/points/redemptions/quote?customerId=${c}&orderAmountFen=12000`);
  // 40 % of 120 yuan is 48 yuan: 480 points at 100 points = 10 yuan.
  expect(q.body).toMatchObject({ balance: 1000, maxPoints: 480, maxValueFen: 4800, step: 1, minPoints: 100 });
  const over = await s.pos.post('/api/points/redemptions', {
    customerId: c,
    orderNo: 'SHOP-1',
    orderAmountFen: 12_000,
    points: 500,
  });
  expect([over.status, over.body.error.code]).toEqual([422, 'points.redemption_over_cap']);
  const small = await s.pos.post('/api/points/redemptions', {
    customerId: c,
    orderNo: 'SHOP-1',
    orderAmountFen: 12_000,
    points: 50,
  });
  expect(small.body.error.code).toBe('points.redemption_below_minimum');
  const body = { customerId: c, orderNo: 'SHOP-1', orderAmountFen: 12_000, points: 480 };
  const redeemed = await s.pos.post('/api/points/redemptions', body);
  expect(redeemed.status).toBe(200);
  expect(redeemed.body).toMatchObject({ status: 'redeemed', points: 480, valueFen: 4800, balance: 520 });
  const replay = await s.pos.post('/api/points/redemptions', body);
  expect(replay.body).toEqual(redeemed.body);
  expect((await s.pos.get('/api/points/redemptions/SHOP-1')).body.transactionId).toBe(redeemed.body.transactionId);
  const cancelled = await s.pos.post('/api/points/redemptions/SHOP-1/cancel');
  expect(cancelled.body).toMatchObject({ status: 'cancelled', balance: 1000 });
  expect((await s.pos.post('/api/points/redemptions/SHOP-1/cancel')).body.cancelTransactionId).toBe(
    cancelled.body.cancelTransactionId,
  );
  const after = await s.owner.get(`/api/points/members/${c}`);
  expect(after.body.lots).toEqual(before.body.lots);
  expect((await s.pos.post('/api/points/redemptions/NOPE/cancel')).status).toBe(404);

  const history = await s.owner.get(`/api/points/members/${c}/transactions?limit=2`);
  expect(history.body.items.map((i: { kind: string }) => i.kind)).toEqual(['cancel', 'spend']);
  expect(history.body.items[1].entries).toEqual([
    { account: `member:${c}`, amount: -480, lotId: before.body.lots[0].id },
    { account: 'redeemed:checkout', amount: 480, lotId: null },
  ]);
  const page2 = await s.owner.get(`/api/points/members/${c}/transactions?limit=2&cursor=${history.body.nextCursor}`);
  expect(page2.body.items.map((i: { kind: string; reason: string }) => [i.kind, i.reason])).toEqual([
    ['adjust', '补偿'],
  ]);
});

test('adjustments need a reason and points.adjust, are audited, and never take more than the member has', async () => {
  s.clock.now = new Date('2026-08-02T12:00:00+08:00');
  const c = await member(s.world, '13511110003', s.clock.now);
  const noReason = await s.owner.post(`/api/points/members/${c}/adjustments`, { points: 10 });
  expect([noReason.status, noReason.body.error.code]).toEqual([400, 'request.invalid']);
  const zero = await s.owner.post(`/api/points/members/${c}/adjustments`, { points: 0, reason: 'x' });
  expect(zero.status).toBe(400);
  const tooMuch = await s.owner.post(`/api/points/members/${c}/adjustments`, { points: -5, reason: '扣减' });
  expect([tooMuch.status, tooMuch.body.error.code]).toEqual([409, 'points.insufficient_balance']);
  const added = await s.owner.post(
    `/api/points/members/${c}/adjustments`,
    { points: 25, reason: '客诉补偿' },
    {
      'idempotency-key': 'adj-1',
    },
  );
  expect(added.body).toMatchObject({
    kind: 'adjust',
    cause: 'manual',
    points: 25,
    reason: '客诉补偿',
    actorName: '店主',
  });
  const again = await s.owner.post(
    `/api/points/members/${c}/adjustments`,
    { points: 25, reason: '客诉补偿' },
    {
      'idempotency-key': 'adj-1',
    },
  );
  expect(again.body.id).toBe(added.body.id);
  expect((await s.owner.get(`/api/points/members/${c}`)).body.balance).toBe(25);
  const audit = await s.owner.get('/api/audit?action=points.adjust');
  expect(audit.body.items[0]).toMatchObject({ targetId: c, details: { points: 25, reason: '客诉补偿' } });

  await addStaff(s.world.db, s.world.workspaceId, [
    { name: '分析师', email: 'analyst@points-http.test', role: 'analyst', password: 'points-test-password-1' },
  ]);
  const analyst = new ApiClient(s.url);
  await analyst.login('analyst@points-http.test', 'points-test-password-1', 'points-http');
  expect((await analyst.get(`/api/points/members/${c}`)).status).toBe(200);
  const refused = await analyst.post(`/api/points/members/${c}/adjustments`, { points: 5, reason: 'x' });
  expect([refused.status, refused.body.error.code]).toEqual([403, 'auth.forbidden']);
  expect((await s.pos.post(`/api/points/members/${c}/adjustments`, { points: 5, reason: 'x' })).status).toBe(403);
});

test('check-ins, interactions and tasks through the API; bad input is a 4xx with a stable code', async () => {
  s.clock.now = new Date('2026-08-03T08:00:00+08:00');
  const c = await member(s.world, '13511110004', s.clock.now);
  const first = await s.pos.post('/api/points/check-ins', { customerId: c });
  expect(first.body).toMatchObject({ date: '2026-08-03', streak: 1, created: true });
  expect((await s.pos.post('/api/points/check-ins', { customerId: c })).body.created).toBe(false);
  const interaction = await s.pos.post('/api/points/interactions', {
    customerId: c,
    kind: 'group_message',
    key: 'wx-1',
  });
  expect(interaction.body).toMatchObject({ points: 10, created: true });
  expect((await s.pos.post('/api/points/interactions', { customerId: c, kind: 'Bad Kind', key: 'k' })).status).toBe(
    400,
  );
  expect((await s.pos.post('/api/points/check-ins', { customerId: 'not-a-uuid' })).status).toBe(400);
  const ghost = await s.pos.post('/api/points/check-ins', { customerId: '00000000-0000-4000-8000-000000000000' });
  expect([ghost.status, ghost.body.error.code]).toEqual([404, 'customer.not_found']);

  const task = await s.owner.post('/api/points/tasks', { name: '关注公众号', points: 15, frequency: 'once' });
  expect(task.status).toBe(201);
  const badWindow = await s.owner.post('/api/points/tasks', {
    name: 'x',
    points: 1,
    frequency: 'once',
    startsAt: '2026-09-01T00:00:00Z',
    endsAt: '2026-08-01T00:00:00Z',
  });
  expect(badWindow.body.error.code).toBe('points.task_window');
  const done = await s.pos.post(`/api/points/tasks/${task.body.id}/completions`, { customerId: c });
  expect(done.body).toMatchObject({ points: 15, created: true });
  const archived = await s.owner.patch(`/api/points/tasks/${task.body.id}`, { archived: true });
  expect(archived.body).toMatchObject({ archived: true, completions: 1 });
  expect((await s.owner.get('/api/points/tasks')).body.items).toEqual([]);
  expect((await s.owner.get('/api/points/tasks?includeArchived=true')).body.items).toHaveLength(1);
  const other = await member(s.world, '13511110005', s.clock.now);
  const late = await s.pos.post(`/api/points/tasks/${task.body.id}/completions`, { customerId: other });
  expect(late.body.error.code).toBe('points.task_archived');
  expect((await s.owner.get(`/api/points/members/${c}`)).body.balance).toBe(2 + 10 + 15);
});

test('leaderboards rank points earned in the week and month, with a member’s own rank; the liability report values them', async () => {
  s.clock.now = new Date('2026-08-12T12:00:00+08:00'); // a Wednesday
  const lastWeek = new Date(s.clock.now.getTime() - 7 * DAY);
  const a = await member(s.world, '13511110011', lastWeek);
  const b = await member(s.world, '13511110012', lastWeek);
  await order(s.world, 'LB-1', { phone: '13511110011', paidFen: 30_000, placedAt: s.clock.now }, s.clock.now);
  await order(s.world, 'LB-2', { phone: '13511110012', paidFen: 50_000, placedAt: s.clock.now }, s.clock.now);
  await order(s.world, 'LB-3', { phone: '13511110011', paidFen: 90_000, placedAt: lastWeek }, lastWeek);
  const week = await s.owner.get(`/api/points/leaderboards/week?limit=1&customerId=${a}`);
  expect(week.body).toMatchObject({ period: 'week', from: '2026-08-10', to: '2026-08-16' });
  expect(week.body.items).toEqual([expect.objectContaining({ rank: 1, customerId: b, points: 1000 })]);
  expect(week.body.me).toMatchObject({ rank: 2, customerId: a, points: 600 });
  const month = await s.owner.get(`/api/points/leaderboards/month?customerId=${a}`);
  expect(month.body.me).toMatchObject({ rank: 1, points: 2400 });
  expect((await s.owner.get('/api/points/leaderboards/year')).status).toBe(400);

  const liability = await s.owner.get('/api/points/liability');
  expect(liability.status).toBe(200);
  const total = liability.body.months.reduce((sum: number, m: { points: number }) => sum + m.points, 0);
  expect(total).toBe(liability.body.totalPoints);
  expect(liability.body.totalValueFen).toBe(liability.body.totalPoints * 10);
  // Lots earned in June–August 2026 expire in June–August 2027.
  expect(liability.body.months.map((m: { month: string }) => m.month)).toEqual(['2027-06', '2027-07', '2027-08']);
  const check = await s.owner.get('/api/points/ledger-check');
  expect(check.body).toMatchObject({ ok: true, violations: [] });
});

test('another workspace sees none of it', async () => {
  s.clock.now = new Date('2026-08-20T12:00:00+08:00');
  const c = await member(s.world, '13511110020', s.clock.now);
  await s.owner.post(`/api/points/members/${c}/adjustments`, { points: 70, reason: '测试' });
  const theirs = s.other.owner;
  expect((await theirs.get(`/api/points/members/${c}`)).status).toBe(404);
  expect((await theirs.post(`/api/points/members/${c}/adjustments`, { points: 1, reason: 'x' })).status).toBe(404);
  expect((await theirs.get('/api/points/liability')).body.totalPoints).toBe(0);
  expect((await theirs.get('/api/points/leaderboards/month')).body.items).toEqual([]);
  expect((await theirs.get('/api/points/ledger-check')).body).toMatchObject({ ok: true, transactions: 0 });
  const rows = await s.world.db.tenant(s.other.workspaceId, (tx) =>
    tx.query<{ n: number }>('SELECT count(*)::int AS n FROM points_transactions'),
  );
  expect(rows[0]?.n).toBe(0);
});

test('the points API for external systems: earn and spend once per key, audited, refused with stable codes', async () => {
  s.clock.now = new Date('2026-08-10T09:00:00+08:00');
  const c = await member(s.world, '13511110009', s.clock.now);
  const earned = await s.pos.post('/api/points/earnings', { customerId: c, points: 120, cause: 'game', key: 'g-1' });
  expect(earned.status).toBe(201);
  expect(earned.body).toMatchObject({
    kind: 'earn',
    cause: 'game',
    key: 'g-1',
    customerId: c,
    amount: 120,
    points: 120,
    balanceAfter: 120,
    replayed: false,
  });
  // A retry is answered with the first posting and posts nothing; the key for other points is a conflict.
  const retried = await s.pos.post('/api/points/earnings', { customerId: c, points: 120, cause: 'game', key: 'g-1' });
  expect([retried.status, retried.body.id, retried.body.replayed]).toEqual([201, earned.body.id, true]);
  expect(retried.headers.get('idempotent-replayed')).toBe('true');
  const reused = await s.pos.post('/api/points/earnings', { customerId: c, points: 99, cause: 'game', key: 'g-1' });
  expect([reused.status, reused.body.error.code]).toEqual([409, 'points.key_reused']);
  // The key may come as the Idempotency-Key header; one of the two is required, and they must agree.
  const byHeader = await s.pos.post(
    '/api/points/spendings',
    { customerId: c, points: 20 },
    { 'idempotency-key': 's-1' },
  );
  expect(byHeader.body).toMatchObject({ kind: 'spend', cause: 'api', key: 's-1', points: -20, balanceAfter: 100 });
  const keyless = await s.pos.post('/api/points/spendings', { customerId: c, points: 20 });
  expect([keyless.status, keyless.body.error.code]).toEqual([422, 'points.key_required']);
  const mismatch = await s.pos.post(
    '/api/points/spendings',
    { customerId: c, points: 20, key: 's-2' },
    { 'idempotency-key': 's-3' },
  );
  expect([mismatch.status, mismatch.body.error.code]).toEqual([422, 'points.key_mismatch']);
  const tooMuch = await s.pos.post('/api/points/spendings', { customerId: c, points: 101, key: 's-4' });
  expect([tooMuch.status, tooMuch.body.error.code]).toEqual([409, 'points.insufficient_balance']);
  expect(tooMuch.body.error.message).toContain('100');
  for (const bad of [
    { customerId: c, points: 0, key: 'b' },
    { customerId: c, points: 1.5, key: 'b' },
    { customerId: c, points: 5, key: 'b', cause: 'Not A Code' },
    { customerId: 'nope', points: 5, key: 'b' },
    { customerId: c, points: 5, key: 'b', extra: 1 },
  ]) {
    expect((await s.pos.post('/api/points/earnings', bad)).status).toBe(400);
  }
  const ghost = await s.pos.post('/api/points/earnings', {
    customerId: '00000000-0000-4000-8000-000000000000',
    points: 5,
    key: 'ghost',
  });
  expect([ghost.status, ghost.body.error.code]).toEqual([404, 'customer.not_found']);
  // Another workspace's key does not reach this member.
  const foreign = await s.other.owner.post('/api/points/earnings', { customerId: c, points: 5, key: 'x' });
  expect(foreign.status).toBe(404);

  // One audit entry per posting, none for the retry; the ledger names the API key as the actor.
  const audit = await s.owner.get('/api/audit?action=points.earn');
  expect(audit.body.items.filter((e: { targetId: string }) => e.targetId === c)).toEqual([
    expect.objectContaining({ actorType: 'api_key', details: { points: 120, cause: 'game', key: 'g-1' } }),
  ]);
  const history = await s.owner.get(`/api/points/members/${c}/transactions`);
  expect(history.body.items.map((t: { key: string; actorName: string }) => [t.key, t.actorName])).toEqual([
    ['api:s-1', 'POS'],
    ['api:g-1', 'POS'],
  ]);
});
