// The rewards catalogue over HTTP: the console's catalogue and its checks, redemption from the H5 (coupon, virtual
// and physical rewards), idempotent retries, limits, tier restriction, refusals that leave nothing behind, and the
// fulfilment of physical orders — payment of a cash part, shipping, delivery, cancellation with points returned.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { setTier } from './fixtures/points.ts';
import { type PointsServer, startPointsServer } from './fixtures/server.ts';
import { checkLedger } from './ledger-check.ts';
import { ADDRESS, balanceOf, couponTemplate, requestId, richMember } from './rewards.fixtures.ts';
import { cancelUnpaidOrders } from './rewards.ts';

let s: PointsServer;
const T0 = new Date('2026-06-10T10:00:00+08:00');

beforeAll(async () => {
  s = await startPointsServer('rewards-http', T0);
});
afterAll(() => s?.close());

async function reward(body: Record<string, unknown>) {
  const res = await s.owner.post('/api/rewards', { pointsPrice: 100, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

test('the catalogue checks what each kind of reward may have', async () => {
  s.clock.now = T0;
  const templateId = await couponTemplate(s);
  const bad = async (body: Record<string, unknown>, code: string) => {
    const res = await s.owner.post('/api/rewards', { name: '坏商品', pointsPrice: 100, ...body });
    expect([res.status, res.body.error?.code], JSON.stringify(res.body)).toEqual([400, code]);
  };
  await bad({ kind: 'coupon' }, 'rewards.coupon_template_required');
  await bad({ kind: 'physical', couponTemplateId: templateId }, 'rewards.field_not_applicable');
  await bad({ kind: 'virtual', cashFen: 500 }, 'rewards.cash_physical_only');
  await bad({ kind: 'virtual', stock: 10 }, 'rewards.virtual_stock_from_codes');
  await bad(
    { kind: 'physical', visibleFrom: '2026-07-01T00:00:00Z', visibleUntil: '2026-06-01T00:00:00Z' },
    'rewards.visibility_range',
  );
  await bad({ kind: 'physical', minTierId: crypto.randomUUID() }, 'rewards.tier_not_found');
  await bad({ kind: 'physical', pointsPrice: 0 }, 'request.invalid');
  const missing = await s.owner.post('/api/rewards', {
    kind: 'coupon',
    name: '券',
    pointsPrice: 10,
    couponTemplateId: crypto.randomUUID(),
  });
  expect([missing.status, missing.body.error.code]).toEqual([404, 'coupon.template_not_found']);

  const cup = await reward({ kind: 'physical', name: '随行杯', stock: 5, cashFen: 990, sort: 2 });
  expect(cup).toMatchObject({ kind: 'physical', stock: 5, cashFen: 990, redeemed: 0, active: true, minTier: null });
  const coupon = await reward({ kind: 'coupon', name: '满100减20券', couponTemplateId: templateId, sort: 1 });
  expect(coupon.couponTemplate).toEqual({ id: templateId, title: '满100减20' });
  const film = await reward({ kind: 'virtual', name: '视频会员月卡', sort: 3 });
  expect(film.stock).toBe(0);

  const codes = await s.owner.post(`/api/rewards/${film.id}/codes`, {
    codes: ['VIP-1', ' VIP-2 ', '', 'VIP-1', 'VIP-3'],
  });
  expect(codes.body).toEqual({ added: 3, duplicates: 1, blank: 1, stock: 3 });
  const again = await s.owner.post(`/api/rewards/${film.id}/codes`, { codes: ['VIP-3', 'VIP-4'] });
  expect(again.body).toEqual({ added: 1, duplicates: 1, blank: 0, stock: 4 });
  const notVirtual = await s.owner.post(`/api/rewards/${cup.id}/codes`, { codes: ['X'] });
  expect([notVirtual.status, notVirtual.body.error.code]).toEqual([409, 'rewards.not_virtual']);

  const edited = await s.owner.patch(`/api/rewards/${cup.id}`, { stock: 8, active: false });
  expect(edited.body).toMatchObject({ stock: 8, active: false, cashFen: 990 });
  const filmStock = await s.owner.patch(`/api/rewards/${film.id}`, { stock: 100 });
  expect(filmStock.body.error.code).toBe('rewards.virtual_stock_from_codes');

  const page1 = await s.owner.get('/api/rewards?limit=2');
  expect(page1.body.items.map((r: { name: string }) => r.name)).toEqual(['满100减20券', '随行杯']);
  const page2 = await s.owner.get(`/api/rewards?limit=2&cursor=${page1.body.nextCursor}`);
  expect(page2.body.items.map((r: { name: string }) => r.name)).toEqual(['视频会员月卡']);
  expect((await s.owner.get('/api/rewards?kind=virtual')).body.items).toHaveLength(1);
  expect((await s.owner.get('/api/rewards?q=随行')).body.items).toHaveLength(1);
  // Edits are audited.
  const audit = await s.owner.get('/api/audit?action=reward.update');
  expect(audit.body.items[0]).toMatchObject({ targetId: cup.id });
  await s.owner.patch(`/api/rewards/${cup.id}`, { active: true });
});

test('a coupon reward issues exactly one coupon, and a retry answers the first order', async () => {
  s.clock.now = T0;
  const templateId = await couponTemplate(s, { title: '兑换券' });
  const r = await reward({ kind: 'coupon', name: '兑换券', pointsPrice: 300, couponTemplateId: templateId, stock: 10 });
  const { customerId, h5 } = await richMember(s, '13600000001', 1000);
  const id = requestId();
  const first = await h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: id });
  expect(first.status, JSON.stringify(first.body)).toBe(201);
  expect(first.body).toMatchObject({ status: 'delivered', points: 300, kind: 'coupon', balance: 700 });
  expect(first.body.coupon.code).toMatch(/^[0-9A-Z]{12}$/);

  const retry = await h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: id });
  expect(retry.status).toBe(201);
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(retry.body).toEqual(first.body);
  expect(await balanceOf(s, customerId)).toBe(700);

  const wallet = await h5.get('/api/h5/coupons');
  expect(wallet.body.items.filter((c: { title: string }) => c.title === '兑换券')).toHaveLength(1);
  expect(wallet.body.counts).toEqual({ available: 1, used: 0, expired: 0 });
  expect((await s.owner.get(`/api/rewards/${r.id}`)).body).toMatchObject({ stock: 9, redeemed: 1 });

  const other = await reward({ kind: 'coupon', name: '另一张券', couponTemplateId: templateId });
  const reused = await h5.post(`/api/h5/rewards/${other.id}/redeem`, { requestId: id });
  expect([reused.status, reused.body.error.code]).toEqual([409, 'rewards.request_reused']);

  const history = await h5.get('/api/h5/points/history');
  expect(history.body.items[0]).toMatchObject({ kind: 'spend', cause: 'reward', points: -300, note: '兑换券' });
  const orders = await s.owner.get(`/api/reward-orders?customerId=${customerId}`);
  expect(orders.body.items).toHaveLength(1);
  expect(orders.body.items[0]).toMatchObject({ coupon: first.body.coupon, memberName: null, source: 'mall' });
});

test('a refusal on the way leaves points, stock and limits as they were', async () => {
  s.clock.now = T0;
  const templateId = await couponTemplate(s, { title: '暂停券' });
  const r = await reward({ kind: 'coupon', name: '暂停券', pointsPrice: 200, couponTemplateId: templateId, stock: 5 });
  const paused = await s.owner.post(`/api/coupon-templates/${templateId}/status`, { status: 'paused' });
  expect(paused.status).toBe(200);
  const { customerId, h5 } = await richMember(s, '13600000002', 500);

  const listed = await h5.get('/api/h5/rewards');
  expect(listed.body.items.find((i: { id: string }) => i.id === r.id).block).toBe('unavailable');
  const refused = await h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId() });
  expect([refused.status, refused.body.error.code]).toEqual([409, 'coupon.template_not_active']);
  expect(await balanceOf(s, customerId)).toBe(500);
  expect((await s.owner.get(`/api/rewards/${r.id}`)).body).toMatchObject({ stock: 5, redeemed: 0 });
  expect((await s.owner.get(`/api/reward-orders?rewardId=${r.id}`)).body.items).toEqual([]);

  const poor = await richMember(s, '13600000003', 100);
  await s.owner.post(`/api/coupon-templates/${templateId}/status`, { status: 'active' });
  const short = await poor.h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId() });
  expect([short.status, short.body.error.code]).toEqual([409, 'rewards.insufficient_points']);
  expect(short.body.error.message).toContain('200');
  expect((await s.owner.get(`/api/rewards/${r.id}`)).body.stock).toBe(5);
});

test('per-member limits count over all time and per day; the tier restriction holds', async () => {
  s.clock.now = T0;
  const templateId = await couponTemplate(s, { title: '限兑券' });
  const r = await reward({
    kind: 'coupon',
    name: '限兑券',
    pointsPrice: 10,
    couponTemplateId: templateId,
    perMemberLimit: 3,
    periodLimit: { count: 2, period: 'day' },
  });
  const { h5 } = await richMember(s, '13600000004', 1000);
  const redeem = () => h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId() });
  expect((await redeem()).status).toBe(201);
  expect((await redeem()).status).toBe(201);
  const daily = await redeem();
  expect([daily.status, daily.body.error.code]).toEqual([409, 'rewards.daily_limit_reached']);
  const seen = await h5.get(`/api/h5/rewards/${r.id}`);
  expect(seen.body).toMatchObject({ redeemedByMe: 2, redeemedByMeThisPeriod: 2, block: 'period_limit_reached' });

  // The day turns at midnight in Shanghai.
  s.clock.now = new Date('2026-06-11T00:00:00+08:00');
  expect((await redeem()).status).toBe(201);
  const total = await redeem();
  expect([total.status, total.body.error.code]).toEqual([409, 'rewards.limit_reached']);
  expect((await h5.get(`/api/h5/rewards/${r.id}`)).body.block).toBe('limit_reached');

  const tiers = (await s.owner.get('/api/loyalty/tiers')).body.items as { id: string; code: string; name: string }[];
  const gold = tiers.find((t) => t.code === 'gold') as { id: string; code: string; name: string };
  const vip = await reward({ kind: 'coupon', name: '金卡专享券', couponTemplateId: templateId, minTierId: gold.id });
  expect(vip.minTier).toMatchObject({ id: gold.id, code: 'gold', name: gold.name });
  const { customerId, h5: other } = await richMember(s, '13600000005', 1000);
  expect((await other.get(`/api/h5/rewards/${vip.id}`)).body.block).toBe('tier_too_low');
  const low = await other.post(`/api/h5/rewards/${vip.id}/redeem`, { requestId: requestId() });
  expect([low.status, low.body.error.code]).toEqual([409, 'rewards.tier_too_low']);
  expect(low.body.error.message).toContain(gold.name);
  await setTier(s.world, customerId, 'gold');
  expect((await other.post(`/api/h5/rewards/${vip.id}/redeem`, { requestId: requestId() })).status).toBe(201);
  s.clock.now = T0;
});

test('a reward outside its visibility window is not offered', async () => {
  s.clock.now = T0;
  const later = await reward({ kind: 'physical', name: '中秋礼盒', visibleFrom: '2026-09-01T00:00:00+08:00' });
  const gone = await reward({ kind: 'physical', name: '端午礼盒', visibleUntil: '2026-06-01T00:00:00+08:00' });
  const off = await reward({ kind: 'physical', name: '下架礼盒', active: false });
  const { h5 } = await richMember(s, '13600000006', 1000);
  const names = (await h5.get('/api/h5/rewards')).body.items.map((i: { name: string }) => i.name);
  for (const hidden of ['中秋礼盒', '端午礼盒', '下架礼盒']) expect(names).not.toContain(hidden);
  const early = await h5.post(`/api/h5/rewards/${later.id}/redeem`, { requestId: requestId(), address: ADDRESS });
  expect([early.status, early.body.error.code]).toEqual([404, 'rewards.not_found']);
  const ended = await h5.post(`/api/h5/rewards/${gone.id}/redeem`, { requestId: requestId(), address: ADDRESS });
  expect([ended.status, ended.body.error.code]).toEqual([409, 'rewards.ended']);
  const withdrawn = await h5.post(`/api/h5/rewards/${off.id}/redeem`, { requestId: requestId(), address: ADDRESS });
  expect(withdrawn.status).toBe(404);
});

test('a virtual reward hands out its codes one per redemption until none are left', async () => {
  s.clock.now = T0;
  const r = await reward({ kind: 'virtual', name: '咖啡兑换码', pointsPrice: 50 });
  await s.owner.post(`/api/rewards/${r.id}/codes`, { codes: ['CAFE-A', 'CAFE-B'] });
  const { h5 } = await richMember(s, '13600000007', 1000);
  const a = await h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId() });
  const b = await h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId() });
  expect([a.body.code, b.body.code]).toEqual(['CAFE-A', 'CAFE-B']);
  expect(a.body.status).toBe('delivered');
  const none = await h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId() });
  expect([none.status, none.body.error.code]).toEqual([409, 'rewards.sold_out']);
  expect((await h5.get(`/api/h5/rewards/${r.id}`)).body.block).toBe('sold_out');
  const cannot = await s.owner.post(`/api/reward-orders/${a.body.id}/cancel`, { reason: '误兑' });
  expect([cannot.status, cannot.body.error.code]).toEqual([409, 'rewards.not_cancellable']);
});

test('a physical reward ships to its address; cancelling it returns the points to their lots and the stock', async () => {
  s.clock.now = T0;
  const r = await reward({ kind: 'physical', name: '定制帆布袋', pointsPrice: 400, stock: 3 });
  const { customerId, h5 } = await richMember(s, '13600000008', 1000);
  const lotsBefore = (await s.owner.get(`/api/points/members/${customerId}`)).body.lots;
  const noAddress = await h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId() });
  expect([noAddress.status, noAddress.body.error.code]).toEqual([400, 'rewards.address_required']);
  const badPhone = await h5.post(`/api/h5/rewards/${r.id}/redeem`, {
    requestId: requestId(),
    address: { ...ADDRESS, phone: '12345' },
  });
  expect(badPhone.body.error.code).toBe('rewards.address_phone_invalid');

  const order = await h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId(), address: ADDRESS });
  expect(order.body).toMatchObject({
    status: 'pending',
    balance: 600,
    address: { ...ADDRESS, phone: '+8613800138000' },
  });
  const staffView = await s.owner.get(`/api/reward-orders/${order.body.id}`);
  expect(staffView.body.address.detail).toBe('科技园路 1 号');
  const memberCancel = await h5.post(`/api/h5/reward-orders/${order.body.id}/cancel`);
  expect(memberCancel.body.error.code).toBe('rewards.member_cancel_unpaid_only');

  const cancelled = await s.owner.post(`/api/reward-orders/${order.body.id}/cancel`, { reason: '缺货' });
  expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelReason: '缺货', cancelledBy: 'staff' });
  expect(cancelled.body.cancelTransactionId).toEqual(expect.any(Number));
  expect(await balanceOf(s, customerId)).toBe(1000);
  // The points went back into the lots they came from, with their expiry.
  expect((await s.owner.get(`/api/points/members/${customerId}`)).body.lots).toEqual(lotsBefore);
  expect((await s.owner.get(`/api/rewards/${r.id}`)).body).toMatchObject({ stock: 3, redeemed: 0 });
  const twice = await s.owner.post(`/api/reward-orders/${order.body.id}/cancel`, { reason: '缺货' });
  expect(twice.body.cancelTransactionId).toBe(cancelled.body.cancelTransactionId);
  expect(await balanceOf(s, customerId)).toBe(1000);

  s.clock.now = new Date(T0.getTime() + 60_000);
  const shipped = await h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId(), address: ADDRESS });
  const notShipped = await s.owner.post(`/api/reward-orders/${shipped.body.id}/deliver`);
  expect(notShipped.body.error.code).toBe('rewards.order_not_shipped');
  const badTracking = await s.owner.post(`/api/reward-orders/${shipped.body.id}/ship`, {
    carrier: '顺丰',
    trackingNo: '单号',
  });
  expect(badTracking.status).toBe(400);
  const ship = await s.owner.post(`/api/reward-orders/${shipped.body.id}/ship`, {
    carrier: '顺丰速运',
    trackingNo: 'SF1234567890',
  });
  expect(ship.body).toMatchObject({ status: 'shipped', carrier: '顺丰速运', trackingNo: 'SF1234567890' });
  const moved = await h5.request('PUT', `/api/h5/reward-orders/${shipped.body.id}/address`, { address: ADDRESS });
  expect(moved.body.error.code).toBe('rewards.address_locked');
  const delivered = await s.owner.post(`/api/reward-orders/${shipped.body.id}/deliver`);
  expect(delivered.body.status).toBe('delivered');
  const late = await s.owner.post(`/api/reward-orders/${shipped.body.id}/cancel`, { reason: '晚了' });
  expect(late.body.error.code).toBe('rewards.order_delivered');
  const mine = await h5.get('/api/h5/reward-orders');
  expect(mine.body.items.map((o: { status: string }) => o.status)).toEqual(['delivered', 'cancelled']);

  const report = await checkLedger(s.world.db, { workspaceId: s.world.workspaceId, now: s.clock.now });
  expect(report.violations).toEqual([]);
});

test('an order with a cash part waits for payment; unpaid, it is cancelled by the member or after 30 minutes', async () => {
  s.clock.now = T0;
  const r = await reward({ kind: 'physical', name: '保温杯', pointsPrice: 200, cashFen: 1990, stock: 2 });
  const { customerId, h5 } = await richMember(s, '13600000009', 1000);
  const a = await h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId(), address: ADDRESS });
  expect(a.body).toMatchObject({ status: 'awaiting_payment', cashFen: 1990, payBy: '2026-06-10T02:30:00.000Z' });
  const early = await s.owner.post(`/api/reward-orders/${a.body.id}/ship`, { carrier: '顺丰', trackingNo: 'SF0001' });
  expect(early.body.error.code).toBe('rewards.order_unpaid');
  const paid = await s.owner.post(`/api/reward-orders/${a.body.id}/payment`, { paymentRef: 'WX-001' });
  expect(paid.body).toMatchObject({ status: 'pending', paymentRef: 'WX-001' });
  expect((await s.owner.post(`/api/reward-orders/${a.body.id}/payment`, { paymentRef: 'WX-001' })).status).toBe(200);
  expect((await s.owner.post(`/api/reward-orders/${a.body.id}/payment`, { paymentRef: 'WX-002' })).status).toBe(409);

  const b = await h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId(), address: ADDRESS });
  const sold = await h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId(), address: ADDRESS });
  expect(sold.body.error.code).toBe('rewards.sold_out');
  const byMember = await h5.post(`/api/h5/reward-orders/${b.body.id}/cancel`);
  expect(byMember.body).toMatchObject({ status: 'cancelled', cancelledBy: 'member' });
  expect(await balanceOf(s, customerId)).toBe(800);

  const c = await h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId(), address: ADDRESS });
  expect(c.body.status).toBe('awaiting_payment');
  const sweep = (at: Date) =>
    s.world.db.tenant(s.world.workspaceId, (tx) => cancelUnpaidOrders(tx, s.world.workspaceId, at));
  expect(await sweep(new Date(T0.getTime() + 29 * 60_000))).toEqual({ cancelled: 0, more: false });
  expect(await sweep(new Date(T0.getTime() + 30 * 60_000))).toEqual({ cancelled: 1, more: false });
  const swept = await h5.get(`/api/h5/reward-orders/${c.body.id}`);
  expect(swept.body).toMatchObject({ status: 'cancelled', cancelledBy: 'system' });
  expect(await balanceOf(s, customerId)).toBe(800);
  expect((await s.owner.get(`/api/rewards/${r.id}`)).body.stock).toBe(1);
});

test('members see only their own orders; bad input is refused before anything moves', async () => {
  s.clock.now = T0;
  const r = await reward({ kind: 'physical', name: '钥匙扣', pointsPrice: 10 });
  const one = await richMember(s, '13600000010', 100);
  const two = await richMember(s, '13600000011', 100);
  const order = await one.h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId(), address: ADDRESS });
  expect((await two.h5.get(`/api/h5/reward-orders/${order.body.id}`)).status).toBe(404);
  expect((await two.h5.post(`/api/h5/reward-orders/${order.body.id}/cancel`)).status).toBe(404);
  const noId = await one.h5.post(`/api/h5/rewards/${r.id}/redeem`, { address: ADDRESS });
  expect(noId.status).toBe(400);
  const csrf = await one.h5.request(
    'POST',
    `/api/h5/rewards/${r.id}/redeem`,
    { requestId: requestId() },
    { 'x-siyu-h5': '0' },
  );
  expect([csrf.status, csrf.body.error.code]).toEqual([403, 'auth.csrf_failed']);
  const other = await s.other.owner.get(`/api/rewards/${r.id}`);
  expect(other.status).toBe(404);
});

test('a customer merge moves orders to the survivor: limits count both, and a cancel returns the points there', async () => {
  s.clock.now = T0;
  const r = await reward({ kind: 'physical', name: '合并测试礼盒', pointsPrice: 100, perMemberLimit: 2 });
  const older = await richMember(s, '13600000020', 300);
  const newer = await richMember(s, '13600000021', 300);
  await older.h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId(), address: ADDRESS });
  const moved = await newer.h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId(), address: ADDRESS });
  const merged = await s.owner.post('/api/customers/merge', {
    survivorId: older.customerId,
    mergedId: newer.customerId,
  });
  expect(merged.status, JSON.stringify(merged.body)).toBe(200);
  const orders = await s.owner.get(`/api/reward-orders?customerId=${older.customerId}`);
  expect(orders.body.items).toHaveLength(2);
  const third = await older.h5.post(`/api/h5/rewards/${r.id}/redeem`, { requestId: requestId(), address: ADDRESS });
  expect([third.status, third.body.error.code]).toEqual([409, 'rewards.limit_reached']);
  const before = await balanceOf(s, older.customerId);
  const cancelled = await s.owner.post(`/api/reward-orders/${moved.body.id}/cancel`, { reason: '合并后取消' });
  expect(cancelled.body).toMatchObject({ status: 'cancelled', customerId: older.customerId });
  expect(await balanceOf(s, older.customerId)).toBe(before + 100);
  const report = await checkLedger(s.world.db, { workspaceId: s.world.workspaceId, now: s.clock.now });
  expect(report.violations).toEqual([]);
});
