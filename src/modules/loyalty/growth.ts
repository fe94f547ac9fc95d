// Growth value: earned from paid orders (net of refunds), check-ins and tasks by the workspace's growth rules,
// each movement an entry with an idempotency key from its cause, and a tier review after every change.
import type { GrowthRules } from '../../contracts/loyalty.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import type { DomainEvent } from '../../platform/jobs/index.ts';
import { survivorsOf } from '../customers/index.ts';
import { getOrder } from '../events/index.ts';
import { readGrowthRules, reviewTier } from './tiers.ts';

/** Growth for a paid amount: `spendGrowth` per `spendUnitYuan` yuan, proportionally, rounded down. */
export function growthForSpend(rules: GrowthRules, fen: number): number {
  if (fen <= 0) return 0;
  return Math.floor((fen * rules.spendGrowth) / (rules.spendUnitYuan * 100));
}

export interface GrowthPosting {
  customerId: string;
  amount: number;
  cause: 'order' | 'check_in' | 'task';
  ref: string;
  idempotencyKey: string;
  /** When the growth counts for the evaluation window. */
  at: Date;
}

/**
 * Posts one growth entry and reviews the member's tier (an upgrade happens at once). Only active members earn;
 * growth is taken back (a refund) from any membership but a merged one. A key posted before changes nothing;
 * returns whether this call posted. The member's row is locked first, so concurrent postings for one member queue
 * and each review sees the others' entries.
 */
export async function postGrowth(tx: Tx, workspaceId: string, p: GrowthPosting, now: Date): Promise<boolean> {
  if (p.amount === 0) return false;
  const member = await tx.query<{ status: string }>(
    `SELECT status FROM members WHERE workspace_id = $1 AND customer_id = $2 AND status <> 'merged' FOR UPDATE`,
    [workspaceId, p.customerId],
  );
  const status = member[0]?.status;
  if (!status || (p.amount > 0 && status !== 'active')) return false;
  const inserted = await tx.query(
    `INSERT INTO growth_entries (workspace_id, customer_id, amount, cause, ref, idempotency_key, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (workspace_id, idempotency_key) DO NOTHING RETURNING id`,
    [workspaceId, p.customerId, p.amount, p.cause, p.ref, p.idempotencyKey, p.at],
  );
  if (inserted.length === 0) return false;
  await tx.query(
    'UPDATE members SET growth = growth + $3, updated_at = now() WHERE workspace_id = $1 AND customer_id = $2',
    [workspaceId, p.customerId, p.amount],
  );
  await reviewTier(tx, workspaceId, p.customerId, now);
  return true;
}

const COUNTED = new Set(['paid', 'partially_refunded', 'refunded']);

interface OrderGrowthRow {
  customer_id: string;
  basis_fen: number;
  earned: number;
  granted: number;
  revision: number;
  at: Date;
}

/**
 * Brings an order's growth to what its current state is worth. Order events arrive in any order and more than
 * once, so each reads the order as it is now and posts only the difference from what the order has given so far:
 * - paid (or partially refunded) by a member who had joined when it was placed: the growth of its paid amount,
 *   less the refunded share (`earned × (paid − refunded) / paid`, rounded down), so a refund takes back exactly its
 *   proportion and a full refund all of it;
 * - pending, cancelled, refunded in full, gone, or no longer the member's: nothing.
 * Orders placed before the customer joined earn no growth. Every entry of an order counts at the order's time.
 */
export async function applyOrder(tx: Tx, workspaceId: string, orderId: string, now: Date): Promise<void> {
  // Two jobs handling events of one order queue here: the second then sees what the first recorded.
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`loyalty:order:${orderId}`]);
  const order = await getOrder(tx, workspaceId, orderId).catch((err: unknown) => {
    if (err instanceof AppError && err.status === 404) return null;
    throw err;
  });
  const existing = (
    await tx.query<OrderGrowthRow>(
      `SELECT customer_id, basis_fen, earned, granted, revision, at FROM order_growth
        WHERE workspace_id = $1 AND order_id = $2 FOR UPDATE`,
      [workspaceId, orderId],
    )
  )[0];
  let revision = existing?.revision ?? 0;
  const post = (customerId: string, amount: number, at: Date) =>
    postGrowth(
      tx,
      workspaceId,
      { customerId, amount, cause: 'order', ref: orderId, idempotencyKey: `order:${orderId}:${++revision}`, at },
      now,
    );

  let state = existing;
  // The order now belongs to someone else (an edit named another customer): its growth leaves the first one.
  if (state && order && state.customer_id !== order.customerId) {
    if (state.granted !== 0) await post(state.customer_id, -Number(state.granted), state.at);
    state = undefined;
  }
  const customerId = order?.customerId ?? state?.customer_id;
  if (!customerId) return;
  const paid = order ? order.paidFen : 0;
  const net = order && COUNTED.has(order.status) ? Math.max(0, order.paidFen - order.refundedFen) : 0;
  let earned = 0;
  let basis = paid;
  if (state && Number(state.basis_fen) === paid) {
    earned = Number(state.earned);
  } else if (order && paid > 0) {
    const member = await tx.query<{ joined_at: Date }>(
      `SELECT joined_at FROM members WHERE workspace_id = $1 AND customer_id = $2 AND status = 'active'`,
      [workspaceId, customerId],
    );
    const joinedAt = member[0]?.joined_at;
    if (joinedAt && new Date(order.placedAt) >= joinedAt) {
      earned = growthForSpend(await readGrowthRules(tx, workspaceId), paid);
    } else if (state) {
      // Paid amount changed after the member's earning was recorded, but they no longer earn: keep the basis.
      earned = Number(state.earned);
      basis = Number(state.basis_fen);
    }
  }
  const target = basis > 0 ? Math.floor((earned * Math.min(net, basis)) / basis) : 0;
  const granted = state ? Number(state.granted) : 0;
  if (!existing && target === 0) return;
  const at = state?.at ?? (order ? new Date(order.paidAt ?? order.placedAt) : now);
  // A membership that earns nothing now (frozen, cancelled) is not given the difference; the record keeps what was
  // given, so a later event of the order, once the member is active again, posts it.
  const posted = target !== granted && (await post(customerId, target - granted, at));
  await tx.query(
    `INSERT INTO order_growth (workspace_id, order_id, customer_id, basis_fen, earned, granted, revision, at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
     ON CONFLICT (workspace_id, order_id) DO UPDATE SET customer_id = EXCLUDED.customer_id,
        basis_fen = EXCLUDED.basis_fen, earned = EXCLUDED.earned, granted = EXCLUDED.granted,
        revision = EXCLUDED.revision, at = EXCLUDED.at, updated_at = now()`,
    [workspaceId, orderId, customerId, basis, earned, posted ? target : granted, revision, at],
  );
}

/** The customer an event names, followed through merges to the profile that holds the membership now. */
async function currentCustomer(tx: Tx, workspaceId: string, customerId: string): Promise<string | null> {
  return (await survivorsOf(tx, workspaceId, [customerId])).get(customerId) ?? null;
}

/** `member.checked_in` {customerId, date, streak}: the check-in growth of the rules, once per member and date. */
export async function applyCheckIn(tx: Tx, event: DomainEvent, now: Date): Promise<void> {
  const { customerId, date } = (event.payload ?? {}) as { customerId?: unknown; date?: unknown };
  if (typeof customerId !== 'string' || typeof date !== 'string') return;
  const rules = await readGrowthRules(tx, event.workspaceId);
  const holder = await currentCustomer(tx, event.workspaceId, customerId);
  if (!holder || rules.checkInGrowth === 0) return;
  await postGrowth(
    tx,
    event.workspaceId,
    {
      customerId: holder,
      amount: rules.checkInGrowth,
      cause: 'check_in',
      ref: date,
      idempotencyKey: `check_in:${customerId}:${date}`,
      at: event.occurredAt,
    },
    now,
  );
}

/** `member.task_completed` {customerId, taskId, key}: the task growth of the rules, once per completion key. */
export async function applyTask(tx: Tx, event: DomainEvent, now: Date): Promise<void> {
  const { customerId, key } = (event.payload ?? {}) as { customerId?: unknown; key?: unknown };
  if (typeof customerId !== 'string' || typeof key !== 'string') return;
  const rules = await readGrowthRules(tx, event.workspaceId);
  const holder = await currentCustomer(tx, event.workspaceId, customerId);
  if (!holder || rules.taskGrowth === 0) return;
  await postGrowth(
    tx,
    event.workspaceId,
    {
      customerId: holder,
      amount: rules.taskGrowth,
      cause: 'task',
      ref: key,
      idempotencyKey: `task:${customerId}:${key}`,
      at: event.occurredAt,
    },
    now,
  );
}

export const GROWTH_EVENTS = [
  'order.placed',
  'order.updated',
  'order.refunded',
  'member.checked_in',
  'member.task_completed',
] as const;

/** The growth subscriber's batch: each order once (its current state decides), check-ins and tasks in order. */
export async function applyGrowthEvents(tx: Tx, events: readonly DomainEvent[], now: Date): Promise<void> {
  const orders = new Set<string>();
  for (const event of events) {
    if (event.type.startsWith('order.')) {
      const orderId = (event.payload as { orderId?: unknown } | null)?.orderId;
      if (typeof orderId === 'string') orders.add(orderId);
    } else if (event.type === 'member.checked_in') await applyCheckIn(tx, event, now);
    else if (event.type === 'member.task_completed') await applyTask(tx, event, now);
  }
  const workspaceId = events[0]?.workspaceId;
  if (workspaceId) for (const orderId of [...orders].sort()) await applyOrder(tx, workspaceId, orderId, now);
}
