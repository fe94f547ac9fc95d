// Growth value from the domain events, through the real workers: a paid order upgrades a member at once, refunds
// take back their proportion, orders from before joining and of non-members earn nothing, and check-ins and tasks
// earn the rules' amounts once each.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ApiClient } from '../../../test/support/client.ts';
import { eventually } from '../../platform/jobs/fixtures/helpers.ts';
import { emit } from '../../platform/jobs/index.ts';
import { applyGrowthEvents, postGrowth } from './growth.ts';
import { type LoyaltyServer, startLoyaltyServer, termsVersion } from './members.fixtures.ts';

let server: LoyaltyServer;
let pos: ApiClient;
let version: string;

beforeAll(async () => {
  server = await startLoyaltyServer({ slug: 'growth', workers: true });
  pos = await server.apiKey();
  version = await termsVersion(server);
});
afterAll(() => server.close());

async function join(phone: string): Promise<string> {
  const res = await pos.post('/api/members', { phone, termsVersion: version, consent: true });
  expect(res.status).toBe(200);
  return res.body.member.customerId;
}

function order(phone: string, fen: number, extra: Record<string, unknown> = {}) {
  return {
    identities: [{ kind: 'phone', value: phone }],
    status: 'paid',
    totalFen: fen,
    placedAt: new Date().toISOString(),
    items: [{ sku: 'T-01', name: '杨枝甘露', category: '果茶', quantity: 1, unitPriceFen: fen }],
    ...extra,
  };
}

const member = (customerId: string) => server.owner.get(`/api/members/${customerId}`).then((r) => r.body);

test('a paid order earns growth and upgrades the member at once; refunds take back their share', async () => {
  const customerId = await join('13600001001');
  expect((await pos.request('PUT', '/v1/orders/G-1001', order('13600001001', 35_000))).status).toBe(200);
  const upgraded = await eventually(async () => {
    const m = await member(customerId);
    return m.tier.code === 'silver' && m;
  });
  expect(upgraded.growth).toMatchObject({
    window: 350,
    lifetime: 350,
    next: { tier: { code: 'gold' }, remaining: 650 },
  });
  expect(upgraded.tierProtectedUntil).not.toBeNull();
  const changed = await server.siyu.db.query<{ payload: Record<string, unknown> }>(
    `SELECT payload FROM domain_events WHERE type = 'member.tier_changed' AND payload->>'customerId' = $1`,
    [customerId],
  );
  expect(changed.map((e) => e.payload)).toEqual([
    {
      customerId,
      fromTierId: expect.any(String),
      toTierId: upgraded.tier.id,
      fromRank: 0,
      toRank: 10,
      reason: 'upgrade',
    },
  ]);
  const history = await server.owner.get(`/api/members/${customerId}/tier-history`);
  expect(
    history.body.items.map((h: { reason: string; toTier: { code: string } }) => [h.reason, h.toTier.code]),
  ).toEqual([
    ['upgrade', 'silver'],
    ['join', 'normal'],
  ]);

  // A refund of 100 of 350 yuan takes back 100 growth (proportionally: 350 × 250 / 350).
  const partial = order('13600001001', 35_000, { status: 'partially_refunded', refundedFen: 10_000 });
  expect((await pos.request('PUT', '/v1/orders/G-1001', partial)).status).toBe(200);
  await eventually(async () => (await member(customerId)).growth.lifetime === 250);
  // The tier is not taken away by a refund: the daily review decides, with notice and after the protection period.
  expect((await member(customerId)).tier.code).toBe('silver');
  const full = order('13600001001', 35_000, { status: 'refunded', refundedFen: 35_000 });
  expect((await pos.request('PUT', '/v1/orders/G-1001', full)).status).toBe(200);
  await eventually(async () => (await member(customerId)).growth.lifetime === 0);
  const entries = await server.owner.get(`/api/members/${customerId}/growth`);
  expect(entries.body.items.map((e: { amount: number; cause: string }) => [e.amount, e.cause])).toEqual([
    [-250, 'order'],
    [-100, 'order'],
    [350, 'order'],
  ]);
  // Every entry of the order counts at the order's time, so refunds leave the window together with the earning.
  expect(new Set(entries.body.items.map((e: { at: string }) => e.at)).size).toBe(1);
});

test('orders of non-members and orders placed before joining earn no growth', async () => {
  expect((await pos.request('PUT', '/v1/orders/G-2001', order('13600002001', 50_000))).status).toBe(200);
  const before = new Date(server.clock.now.getTime() - 3_600_000).toISOString();
  expect(
    (await pos.request('PUT', '/v1/orders/G-2002', order('13600002002', 50_000, { placedAt: before }))).status,
  ).toBe(200);
  const customerId = await join('13600002002');
  expect((await pos.request('PUT', '/v1/orders/G-2003', order('13600002002', 5_000))).status).toBe(200);
  await eventually(async () => (await member(customerId)).growth.lifetime === 50);
  // The order from before joining changes again (a refund): still nothing.
  const refunded = order('13600002002', 50_000, { placedAt: before, status: 'partially_refunded', refundedFen: 1_000 });
  expect((await pos.request('PUT', '/v1/orders/G-2002', refunded)).status).toBe(200);
  await eventually(async () => {
    const rows = await server.siyu.db.query(
      `SELECT 1 FROM event_receipts r JOIN outbox_events o ON o.id = r.event_id
        WHERE r.subscriber = 'loyalty.growth' AND o.type = 'order.refunded' AND o.payload->>'orderNo' = 'G-2002'`,
    );
    return rows.length > 0;
  });
  expect((await member(customerId)).growth.lifetime).toBe(50);
  const rows = await server.siyu.db.query(`SELECT 1 FROM order_growth o JOIN orders x ON x.id = o.order_id
    WHERE x.order_no IN ('G-2001', 'G-2002')`);
  expect(rows).toEqual([]);
});

test('growth rules decide the amounts: spend per unit, check-ins and tasks once each', async () => {
  const rules = await server.owner.request('PUT', '/api/loyalty/growth-rules', {
    spendUnitYuan: 10,
    spendGrowth: 3,
    checkInGrowth: 2,
    taskGrowth: 7,
  });
  expect(rules.status).toBe(200);
  const customerId = await join('13600003001');
  // 99.99 yuan at 3 growth per 10 yuan: 29.997, rounded down.
  expect((await pos.request('PUT', '/v1/orders/G-3001', order('13600003001', 9_999))).status).toBe(200);
  await eventually(async () => (await member(customerId)).growth.lifetime === 29);
  await server.siyu.db.tenant(server.workspaceId, async (tx) => {
    await emit(tx, 'member.checked_in', { customerId, date: '2026-06-01', streak: 1 });
    await emit(tx, 'member.checked_in', { customerId, date: '2026-06-01', streak: 1 });
    await emit(tx, 'member.checked_in', { customerId, date: '2026-06-02', streak: 2 });
    await emit(tx, 'member.task_completed', { customerId, taskId: 't1', key: 't1:2026-06-02' });
  });
  await eventually(async () => (await member(customerId)).growth.lifetime === 29 + 2 + 2 + 7);
  const causes = await server.owner.get(`/api/members/${customerId}/growth`);
  expect(causes.body.items.map((e: { cause: string; ref: string }) => `${e.cause}:${e.ref}`).sort()).toEqual([
    'check_in:2026-06-01',
    'check_in:2026-06-02',
    expect.stringMatching(/^order:/),
    'task:t1:2026-06-02',
  ]);
  await server.owner.request('PUT', '/api/loyalty/growth-rules', {
    spendUnitYuan: 1,
    spendGrowth: 1,
    checkInGrowth: 1,
    taskGrowth: 5,
  });
});

test('order events handled twice, or out of order, give the order’s growth once', async () => {
  const customerId = await join('13600004001');
  expect((await pos.request('PUT', '/v1/orders/G-4001', order('13600004001', 20_000))).status).toBe(200);
  await eventually(async () => (await member(customerId)).growth.lifetime === 200);
  const events = await server.siyu.db.query<{ id: number; type: string; payload: unknown; occurred_at: Date }>(
    `SELECT id, type, payload, occurred_at FROM domain_events WHERE type LIKE 'order.%' AND payload->>'orderNo' = 'G-4001'`,
  );
  await server.siyu.db.tenant(server.workspaceId, (tx) =>
    applyGrowthEvents(
      tx,
      [...events, ...events].reverse().map((e) => ({
        id: e.id,
        index: 0,
        workspaceId: server.workspaceId,
        type: e.type,
        payload: e.payload,
        occurredAt: e.occurred_at,
      })),
      new Date(),
    ),
  );
  expect((await member(customerId)).growth.lifetime).toBe(200);
});

test('a frozen membership earns nothing new, but a refund still takes back what it earned', async () => {
  const customerId = await join('13600005001');
  expect((await pos.request('PUT', '/v1/orders/G-5001', order('13600005001', 40_000))).status).toBe(200);
  await eventually(async () => (await member(customerId)).growth.lifetime === 400);
  await server.owner.patch(`/api/members/${customerId}`, { status: 'frozen', reason: '核查中' });
  const post = (amount: number, key: string) =>
    server.siyu.db.tenant(server.workspaceId, (tx) =>
      postGrowth(
        tx,
        server.workspaceId,
        { customerId, amount, cause: 'task', ref: key, idempotencyKey: key, at: new Date() },
        new Date(),
      ),
    );
  expect(await post(50, 'frozen-earn')).toBe(false);
  const refund = order('13600005001', 40_000, { status: 'partially_refunded', refundedFen: 10_000 });
  expect((await pos.request('PUT', '/v1/orders/G-5001', refund)).status).toBe(200);
  await eventually(async () => (await member(customerId)).growth.lifetime === 300);
  // An order paid while frozen earns nothing when it is handled; should it change again once the membership is
  // active, it earns then (each handling decides by the order and the membership as they are).
  expect((await pos.request('PUT', '/v1/orders/G-5002', order('13600005001', 10_000))).status).toBe(200);
  await eventually(async () => {
    const rows = await server.siyu.db.query(
      `SELECT 1 FROM event_receipts r JOIN outbox_events o ON o.id = r.event_id
        WHERE r.subscriber = 'loyalty.growth' AND o.type = 'order.placed' AND o.payload->>'orderNo' = 'G-5002'`,
    );
    return rows.length > 0;
  });
  expect((await member(customerId)).growth.lifetime).toBe(300);
  await server.owner.patch(`/api/members/${customerId}`, { status: 'active', reason: '核查无误' });
  const paidAgain = order('13600005001', 10_000, { channel: 'store' });
  expect((await pos.request('PUT', '/v1/orders/G-5002', paidAgain)).status).toBe(200);
  await eventually(async () => (await member(customerId)).growth.lifetime === 400);
});
