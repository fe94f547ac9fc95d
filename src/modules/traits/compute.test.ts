import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { seededRandom } from '../../demo/random.ts';
import type { Tx } from '../../platform/db/index.ts';
import { createWorkspace } from '../../platform/workspaces.ts';
import { CustomerParticipants } from '../customers/participants.ts';
import { insertCustomer } from '../customers/profiles.ts';
import { recomputeWorkspace, updateCustomerTraits } from './compute.ts';
import { traitsModule } from './index.ts';

let t: TestDatabase;
let ws: string;
/** Customer k (1–10) bought k times for ¥10 each, most recently (11 − k) × 10 days ago. */
const buyers: string[] = [];
let newcomer: string;
let lapsedLead: string;

const NOW = new Date('2024-06-30T04:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
let orderNo = 0;

async function order(
  tx: Tx,
  customerId: string,
  placedAt: Date,
  paidFen: number,
  options: { refundedFen?: number; status?: string; channel?: string } = {},
) {
  orderNo++;
  await tx.query(
    `INSERT INTO orders (workspace_id, order_no, customer_id, status, total_fen, paid_fen, refunded_fen, channel,
                         placed_at, paid_at)
     VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $8)`,
    [
      tx.workspaceId,
      `O${orderNo}`,
      customerId,
      options.status ?? 'paid',
      paidFen,
      options.refundedFen ?? 0,
      options.channel ?? null,
      placedAt,
    ],
  );
}

async function track(tx: Tx, customerId: string, at: Date, channel: string) {
  orderNo++;
  await tx.query(
    `INSERT INTO events (workspace_id, customer_id, type, name, channel, occurred_at, message_id)
     VALUES ($1, $2, 'track', 'page_view', $3, $4, $5)`,
    [tx.workspaceId, customerId, channel, at, `m${orderNo}`],
  );
}

const traitsOf = (id: string) =>
  t.db.tenant(ws, async (tx) => {
    const rows = await tx.query<Record<string, unknown>>('SELECT * FROM customer_traits WHERE customer_id = $1', [id]);
    const { computed_at: _, ...rest } = rows[0] ?? {};
    return rest;
  });

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  ws = await createWorkspace(t.db, { slug: 'traits-a', name: 'A' });
  await t.db.tenant(ws, async (tx) => {
    for (let k = 1; k <= 10; k++) {
      const c = await insertCustomer(tx, ws, { name: `b${k}` }, daysAgo(300));
      buyers.push(c.id);
      for (let j = 0; j < k; j++) await order(tx, c.id, daysAgo((11 - k) * 10 + j), 1000, { channel: 'miniapp' });
    }
    newcomer = (await insertCustomer(tx, ws, { name: 'new' }, daysAgo(5))).id;
    lapsedLead = (await insertCustomer(tx, ws, { name: 'lead' }, daysAgo(200))).id;
    await tx.query('UPDATE customers SET last_seen_at = $2 WHERE id = $1', [lapsedLead, daysAgo(120)]);
  });
  await recomputeWorkspace(t.db, ws, NOW);
});
afterAll(() => t.drop());

test('RFM scores follow the workspace quintiles and the groups the mean scores', async () => {
  const settings = await t.db.tenant(ws, (tx) =>
    tx.query<{ rfm_cuts: { recency: number[]; frequency: number[]; monetary: number[] } }>(
      'SELECT rfm_cuts FROM trait_settings',
    ),
  );
  const cuts = settings[0]?.rfm_cuts;
  expect(cuts?.recency.map(Math.round)).toEqual([28, 46, 64, 82]);
  expect(cuts?.frequency.map((c) => Math.round(c * 10) / 10)).toEqual([2.8, 4.6, 6.4, 8.2]);
  const best = await traitsOf(buyers[9] as string);
  expect(best).toMatchObject({ recency_score: 5, frequency_score: 5, monetary_score: 5, rfm_group: 'important_value' });
  const worst = await traitsOf(buyers[0] as string);
  expect(worst).toMatchObject({
    recency_score: 1,
    frequency_score: 1,
    monetary_score: 1,
    rfm_group: 'general_winback',
  });
  const middle = await traitsOf(buyers[5] as string);
  expect(middle).toMatchObject({
    recency_score: 3,
    frequency_score: 3,
    monetary_score: 3,
    rfm_group: 'general_winback',
  });
  expect(await traitsOf(newcomer)).toMatchObject({ recency_score: null, rfm_group: null, clv_predicted_fen: 0 });
});

test('lifecycle stages follow the thresholds at the injected time', async () => {
  expect((await traitsOf(buyers[9] as string)).lifecycle_stage).toBe('stable');
  expect((await traitsOf(buyers[1] as string)).lifecycle_stage).toBe('growth');
  expect((await traitsOf(buyers[0] as string)).lifecycle_stage).toBe('decline');
  expect((await traitsOf(newcomer)).lifecycle_stage).toBe('introduction');
  expect((await traitsOf(lapsedLead)).lifecycle_stage).toBe('churned');
  // Half a year later, with no new orders, the best customer has churned.
  const later = new Date(NOW.getTime() + 200 * 86_400_000);
  await t.db.tenant(ws, (tx) => updateCustomerTraits(tx, ws, [buyers[9] as string], later));
  expect((await traitsOf(buyers[9] as string)).lifecycle_stage).toBe('churned');
  await recomputeWorkspace(t.db, ws, NOW);
});

test('CLV falls back to the historic yearly average when too few customers repeat', async () => {
  const best = await traitsOf(buyers[9] as string);
  expect(best).toMatchObject({ clv_historic_fen: 10_000, clv_predicted_fen: 10_000 });
  expect(best.clv_detail).toMatchObject({ model: 'average' });
});

test('an order inserted later gives the same traits incrementally as a full recompute', async () => {
  const id = buyers[9] as string;
  const before = await t.db.tenant(ws, (tx) =>
    tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM domain_events WHERE type = 'traits.changed'`),
  );
  await t.db.tenant(ws, async (tx) => {
    await order(tx, id, daysAgo(1), 5000, { refundedFen: 1000, status: 'partially_refunded', channel: 'store' });
    await track(tx, id, daysAgo(1), 'store');
  });
  // The subscriber is what the workers run for order.placed.
  const subscriber = traitsModule({ participants: new CustomerParticipants(), now: () => NOW }).subscribers?.[0];
  await t.db.tenant(
    ws,
    (tx) =>
      subscriber?.handle(
        { id: 0, index: 0, workspaceId: ws, type: 'order.placed', payload: { customerId: id }, occurredAt: NOW },
        tx,
      ) ?? Promise.resolve(),
  );
  const incremental = await traitsOf(id);
  expect(incremental).toMatchObject({ order_count: 11, spend_fen: 14_000, frequency_365: 11 });
  const events = await t.db.tenant(ws, (tx) =>
    tx.query<{ payload: { customerId: string; changed: Record<string, unknown> } }>(
      `SELECT payload FROM domain_events WHERE type = 'traits.changed' ORDER BY id DESC, index DESC LIMIT 1`,
    ),
  );
  expect(events[0]?.payload).toMatchObject({ customerId: id, changed: { orderCount: 11, spendFen: 14_000 } });

  const full = await recomputeWorkspace(t.db, ws, NOW);
  expect(await traitsOf(id)).toEqual(incremental);
  expect(full.changed).toBe(0);
  const after = await t.db.tenant(ws, (tx) =>
    tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM domain_events WHERE type = 'traits.changed'`),
  );
  expect((after[0]?.n ?? 0) - (before[0]?.n ?? 0)).toBe(1);
});

test('refunds and silence show as churn factors; channel and hour come from recent touches', async () => {
  const id = buyers[4] as string;
  await t.db.tenant(ws, async (tx) => {
    await order(tx, id, daysAgo(3), 4000, { refundedFen: 4000, status: 'refunded', channel: 'wecom' });
    // 12:30 UTC is 20:30 in Asia/Shanghai.
    for (const d of [2, 3, 4, 5, 6, 7, 8]) await track(tx, id, new Date(daysAgo(d).setUTCHours(12, 30)), 'wecom');
  });
  await t.db.tenant(ws, (tx) => updateCustomerTraits(tx, ws, [id], NOW));
  const traits = await traitsOf(id);
  expect(traits).toMatchObject({ preferred_channel: 'wecom', active_hour: 20, order_count: 5 });
  const factors = traits.churn_factors as { factor: string }[];
  expect(factors.map((f) => f.factor)).toContain('refunds');
  expect(factors.map((f) => f.factor)).not.toContain('no_activity');
  expect(await traitsOf(buyers[2] as string)).toMatchObject({
    churn_factors: expect.arrayContaining([expect.objectContaining({ factor: 'no_activity', weight: 15 })]),
  });
});

test('with enough repeat buyers the workspace fits BG/NBD and Gamma-Gamma', async () => {
  const ws2 = await createWorkspace(t.db, { slug: 'traits-b', name: 'B' });
  const random = seededRandom(11);
  await t.db.tenant(ws2, async (tx) => {
    for (let i = 0; i < 120; i++) {
      const c = await insertCustomer(tx, ws2, {}, daysAgo(400));
      const first = 30 + Math.floor(random() * 300);
      const repeats = i % 3 === 0 ? 0 : 1 + Math.floor(random() * 6);
      const ticket = 2000 + Math.floor(random() * 6000);
      await order(tx, c.id, daysAgo(first), ticket);
      for (let j = 1; j <= repeats; j++) {
        await order(tx, c.id, daysAgo(Math.max(1, first - j * Math.floor(random() * 40 + 5))), ticket);
      }
    }
  });
  const result = await recomputeWorkspace(t.db, ws2, NOW);
  expect(result.clvModel.kind).toBe('bgnbd');
  const rows = await t.db.tenant(ws2, (tx) =>
    tx.query<{ order_count: number; clv_predicted_fen: number; clv_detail: { model: string; expectedOrders: number } }>(
      'SELECT order_count, clv_predicted_fen, clv_detail FROM customer_traits',
    ),
  );
  expect(rows).toHaveLength(120);
  expect(rows.every((r) => r.clv_detail.model === 'bgnbd' && r.clv_predicted_fen >= 0)).toBe(true);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  // More past purchases predict more future ones.
  const frequent = rows.filter((r) => r.order_count >= 5).map((r) => r.clv_detail.expectedOrders);
  const once = rows.filter((r) => r.order_count === 1).map((r) => r.clv_detail.expectedOrders);
  expect(mean(frequent)).toBeGreaterThan(mean(once));
});
