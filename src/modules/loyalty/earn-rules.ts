// Earn rules: daily and monthly caps, who may earn, community interactions, and purchase points — earned when an
// order is paid (on the paid amount less refunds, times the member's tier multiplier), reversed as it is refunded.
import type { Interaction } from '../../contracts/points.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, conflict } from '../../platform/errors.ts';
import { getOrder } from '../events/index.ts';
import { reconcileInvite } from './invites.ts';
import {
  checkPosting,
  earn,
  earnChecked,
  findTransaction,
  keptPosting,
  lockMember,
  lockMembers,
  type MemberState,
  type TransactionRow,
} from './ledger.ts';
import { reverseOrderPoints } from './reversal.ts';
import { memberTier } from './tiers.ts';

/**
 * Points a member may still earn for `cause` under daily and monthly caps (in the workspace's calendar): `points`
 * cut down to what the caps leave, never below zero. Read under the member's lock, so two earnings cannot both
 * see room for one.
 */
export async function capped(
  tx: Tx,
  workspaceId: string,
  state: MemberState,
  cause: string,
  points: number,
  caps: { dailyCap?: number | null; monthlyCap?: number | null },
): Promise<number> {
  const daily = caps.dailyCap ?? null;
  const monthly = caps.monthlyCap ?? null;
  if (points <= 0 || (daily === null && monthly === null)) return Math.max(0, points);
  const rows = await tx.query<{ today: number; month: number }>(
    `SELECT coalesce(sum(amount) FILTER (WHERE at >= $4), 0)::bigint AS today, coalesce(sum(amount), 0)::bigint AS month
       FROM points_transactions
      WHERE workspace_id = $1 AND customer_id = $2 AND kind = 'earn' AND cause = $3 AND at >= $5`,
    [workspaceId, state.customerId, cause, state.program.dayStart, state.program.monthStart],
  );
  const used = rows[0] ?? { today: 0, month: 0 };
  let room = points;
  if (daily !== null) room = Math.min(room, daily - Number(used.today));
  if (monthly !== null) room = Math.min(room, monthly - Number(used.month));
  return Math.max(0, room);
}

/** Whether the member may earn and spend: joined and active (frozen and cancelled members neither earn nor spend). */
export function activeMember(state: MemberState): boolean {
  return state.member?.status === 'active';
}

export function requireActiveMember(state: MemberState): void {
  if (!state.member) throw new AppError(404, 'points.not_a_member');
  if (state.member.status !== 'active')
    throw new AppError(409, 'points.member_inactive', { status: state.member.status });
}

const PAID_STATUSES = new Set(['paid', 'partially_refunded', 'refunded']);

interface OrderPointsRow {
  customer_id: string;
  basis_fen: number;
  earned: number;
  reversed: number;
  lot_id: number | null;
}

/**
 * Brings an order's points in line with the order as it is now (orders arrive and change through events that may
 * be delivered late, twice or out of order, so the order is read afresh rather than taken from the event):
 * - paid, not yet considered, placed by an active member after joining: earn ⌊(paid − refunded) × multiplier /
 *   fen per point⌋, within the purchase caps, and see whether it qualifies the member's inviter;
 * - considered before: reverse the share of the earned points that refunds (or a cancellation) took away.
 * Orders placed before the customer joined never earn.
 */
export async function reconcileOrder(tx: Tx, workspaceId: string, orderId: string, now: Date): Promise<void> {
  let order: Awaited<ReturnType<typeof getOrder>>;
  try {
    order = await getOrder(tx, workspaceId, orderId);
  } catch (err) {
    if (err instanceof AppError && err.status === 404) return;
    throw err;
  }
  // Balances first, then the order's record: merges lock in the same order.
  const states = await lockMembers(tx, workspaceId, [order.customerId], now);
  const state = states.get(order.customerId) as MemberState;
  const record = (
    await tx.query<OrderPointsRow>(
      `SELECT customer_id, basis_fen, earned, reversed, lot_id FROM points_orders
        WHERE workspace_id = $1 AND order_id = $2 FOR UPDATE`,
      [workspaceId, orderId],
    )
  )[0];
  // A merge moves an order and its record together; a record left on another member is still reconciled there.
  if (record && record.customer_id !== order.customerId) {
    for (const [id, s] of await lockMembers(tx, workspaceId, [record.customer_id], now)) states.set(id, s);
  }
  const net = order.status === 'cancelled' ? 0 : Math.max(0, order.paidFen - order.refundedFen);
  if (record) {
    await reverseOrderPoints(tx, workspaceId, states, {
      orderId,
      orderNo: order.orderNo,
      customerId: record.customer_id,
      basisFen: Number(record.basis_fen),
      earned: Number(record.earned),
      reversed: Number(record.reversed),
      lotId: record.lot_id === null ? null : Number(record.lot_id),
      netFen: net,
      now,
    });
    await reconcileInvite(tx, workspaceId, states, { order, netFen: net, now });
    return;
  }
  if (!PAID_STATUSES.has(order.status) || !activeMember(state)) return;
  if (new Date(order.placedAt) < (state.member?.joinedAt as Date)) return;
  const rule = state.program.rules.purchase;
  const tier = await memberTier(tx, workspaceId, order.customerId);
  const multiplierPct = tier?.pointsMultiplierPct ?? 100;
  // BigInt: a large order times a multiplier passes 2^53 fen·percent before the division brings it back.
  const raw = rule.enabled ? Number((BigInt(net) * BigInt(multiplierPct)) / BigInt(rule.fenPerPoint * 100)) : 0;
  const points = await capped(tx, workspaceId, state, 'purchase', raw, rule);
  let lotId: number | null = null;
  const key = `order:${orderId}`;
  if (points > 0 && !(await findTransaction(tx, workspaceId, key))) {
    const posted = await earn(tx, workspaceId, states, {
      customerId: order.customerId,
      points,
      cause: 'purchase',
      key,
      at: now,
      details: {
        orderId,
        orderNo: order.orderNo,
        basisFen: net,
        multiplierPct,
        ...(raw > points ? { cappedFrom: raw } : {}),
      },
    });
    lotId = posted.lotIds[0] ?? null;
  }
  await tx.query(
    `INSERT INTO points_orders (workspace_id, order_id, customer_id, basis_fen, multiplier_pct, earned, lot_id,
                                earned_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
    [workspaceId, orderId, order.customerId, net, multiplierPct, points, lotId, now],
  );
  if (net > 0) await reconcileInvite(tx, workspaceId, states, { order, netFen: net, now });
}

/** The subscriber's entry: every order an event batch names, reconciled once each. */
export async function reconcileOrders(tx: Tx, workspaceId: string, orderIds: readonly string[], now: Date) {
  for (const id of [...new Set(orderIds)].sort()) await reconcileOrder(tx, workspaceId, id, now);
}

interface InteractionRow {
  key: string;
  customer_id: string;
  kind: string;
  points: number;
  capped: boolean;
  at: Date;
}

/**
 * Community interaction points (a group message, a comment, a share …), from WeCom and other modules through
 * `POST /api/points/interactions`: the rule's points per interaction within the daily and monthly caps. The
 * source's key counts each interaction once; a capped one is recorded too, so a retry gets the same answer.
 */
export async function recordInteraction(
  tx: Tx,
  workspaceId: string,
  input: { customerId: string; kind: string; key: string },
  now: Date,
): Promise<Interaction> {
  const { states, state } = await lockMember(tx, workspaceId, input.customerId, now);
  const existing = (
    await tx.query<InteractionRow>(
      `SELECT key, customer_id, kind, points, capped, at FROM points_interactions WHERE workspace_id = $1 AND key = $2`,
      [workspaceId, input.key],
    )
  )[0];
  if (existing) {
    if (existing.customer_id !== input.customerId) throw conflict('points.key_reused', { key: input.key });
    return interactionOf(existing, false);
  }
  requireActiveMember(state);
  const rule = state.program.rules.interaction;
  const wanted = rule.enabled ? rule.points : 0;
  const points = await capped(tx, workspaceId, state, 'interaction', wanted, rule);
  let transactionId: number | null = null;
  if (points > 0) {
    const posted = await earn(tx, workspaceId, states, {
      customerId: input.customerId,
      points,
      cause: 'interaction',
      key: `interaction:${input.key}`,
      at: now,
      details: { kind: input.kind, key: input.key },
    });
    transactionId = posted.id;
  }
  const rows = await tx.query<InteractionRow>(
    `INSERT INTO points_interactions (workspace_id, key, customer_id, kind, points, capped, transaction_id, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING key, customer_id, kind, points, capped, at`,
    [workspaceId, input.key, input.customerId, input.kind, points, points < rule.points, transactionId, now],
  );
  return interactionOf(rows[0] as InteractionRow, true);
}

const interactionOf = (r: InteractionRow, created: boolean): Interaction => ({
  key: r.key,
  customerId: r.customer_id,
  kind: r.kind,
  points: Number(r.points),
  capped: r.capped,
  created,
  at: r.at.toISOString(),
});

/**
 * Grants points for a cause of another module (a journey's "grant points" step, a campaign's prize …) to an active
 * member, under the member's lock; no caps beyond the caller's own. `key` comes from the cause: granting again
 * with it returns the first transaction.
 */
export async function earnPoints(
  tx: Tx,
  workspaceId: string,
  input: {
    customerId: string;
    points: number;
    cause: string;
    key: string;
    now: Date;
    details?: Record<string, unknown>;
  },
): Promise<TransactionRow> {
  checkPosting(input.points, input.cause, 'earnPoints');
  const { now, ...rest } = input;
  const answer = await earnChecked(tx, workspaceId, { ...rest, at: now });
  return keptPosting({ kind: 'earn', customerId: input.customerId, points: input.points, key: input.key }, answer);
}
