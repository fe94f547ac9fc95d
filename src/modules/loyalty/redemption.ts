// Points as cash at checkout (POS and e-commerce): a quote of what an order may use, redemption keyed by the
// order number (a retry is answered with the first result), and cancellation, which puts the points back into the
// lots they came from with their original expiry. `spendPoints` and `cancelSpend` serve other redemptions too.
import type { PointsRules, Quote, Redemption } from '../../contracts/points.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { AppError, conflict, notFound, unprocessable } from '../../platform/errors.ts';
import { survivorsOf } from '../customers/index.ts';
import { requireActiveMember } from './earn-rules.ts';
import {
  type Credit,
  checkPosting,
  creditEntries,
  EXPIRED_ACCOUNT,
  findTransaction,
  keptPosting,
  lockMember,
  lockMembers,
  type MemberState,
  type PlanEntry,
  type Posted,
  type PostingActor,
  post,
  redeemedAccount,
  spend,
  spendChecked,
  type TransactionRow,
} from './ledger.ts';
import { lotsById } from './lots.ts';
import { rulesAt } from './rule-changes.ts';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Points come in multiples of this, so that their value is whole fen (100 points = 1000 fen: any whole number). */
export const redemptionStep = (r: PointsRules['redemption']) => r.points / gcd(r.points, r.valueFen);

/** What `points` are worth in fen at the rate (rounded down for points off the step, e.g. in the liability report). */
export const pointsValueFen = (points: number, r: PointsRules['redemption']) =>
  Number((BigInt(points) * BigInt(r.valueFen)) / BigInt(r.points));

/** Most points an order of `orderAmountFen` may use with `available` points: share cap, step and minimum applied. */
export function maxPointsFor(available: number, orderAmountFen: number, r: PointsRules['redemption']): number {
  if (!r.enabled) return 0;
  const step = redemptionStep(r);
  const maxValueFen = (BigInt(orderAmountFen) * BigInt(r.maxOrderSharePct)) / 100n;
  const byShare = Number((maxValueFen * BigInt(r.points)) / BigInt(r.valueFen));
  const max = Math.floor(Math.min(available, byShare) / step) * step;
  return max >= Math.max(r.minPoints, 1) ? max : 0;
}

/** The quote for an order: read without locking (the redemption itself re-checks under the lock). */
export async function quote(
  q: Queryable,
  workspaceId: string,
  customerId: string,
  orderAmountFen: number,
  now: Date,
): Promise<Quote> {
  const { rules } = await rulesAt(q, workspaceId, now);
  const rows = await q.query<{ available: number; debt: number }>(
    `SELECT (SELECT coalesce(sum(remaining), 0)::bigint FROM points_lots
              WHERE workspace_id = $1 AND customer_id = $2 AND remaining > 0 AND expires_at > $3) AS available,
            coalesce((SELECT debt FROM points_balances WHERE workspace_id = $1 AND customer_id = $2), 0) AS debt`,
    [workspaceId, customerId, now],
  );
  const available = Number(rows[0]?.available ?? 0);
  const r = rules.redemption;
  const maxPoints = maxPointsFor(available, orderAmountFen, r);
  return {
    customerId,
    balance: available,
    debt: Number(rows[0]?.debt ?? 0),
    orderAmountFen,
    maxPoints,
    maxValueFen: pointsValueFen(maxPoints, r),
    step: redemptionStep(r),
    minPoints: r.minPoints,
    rate: { points: r.points, valueFen: r.valueFen },
    maxOrderSharePct: r.maxOrderSharePct,
    enabled: r.enabled,
  };
}

interface RedemptionRow {
  order_no: string;
  customer_id: string;
  points: number;
  value_fen: number;
  order_amount_fen: number;
  status: 'redeemed' | 'cancelled';
  transaction_id: number;
  cancel_transaction_id: number | null;
  balance_after: number;
  cancel_balance_after: number | null;
  created_at: Date;
  cancelled_at: Date | null;
}
const REDEMPTION_COLUMNS = `order_no, customer_id, points, value_fen, order_amount_fen, status, transaction_id,
  cancel_transaction_id, balance_after, cancel_balance_after, created_at, cancelled_at`;

const redemptionOf = (r: RedemptionRow): Redemption => ({
  orderNo: r.order_no,
  customerId: r.customer_id,
  points: Number(r.points),
  valueFen: Number(r.value_fen),
  orderAmountFen: Number(r.order_amount_fen),
  status: r.status,
  transactionId: Number(r.transaction_id),
  cancelTransactionId: r.cancel_transaction_id === null ? null : Number(r.cancel_transaction_id),
  balance: Number(r.status === 'cancelled' ? r.cancel_balance_after : r.balance_after),
  createdAt: r.created_at.toISOString(),
  cancelledAt: r.cancelled_at?.toISOString() ?? null,
});

async function redemptionRow(q: Queryable, workspaceId: string, orderNo: string, lock: boolean) {
  const rows = await q.query<RedemptionRow>(
    `SELECT ${REDEMPTION_COLUMNS} FROM points_redemptions WHERE workspace_id = $1 AND order_no = $2${lock ? ' FOR UPDATE' : ''}`,
    [workspaceId, orderNo],
  );
  return rows[0] ?? null;
}

export async function getRedemption(q: Queryable, workspaceId: string, orderNo: string): Promise<Redemption> {
  const row = await redemptionRow(q, workspaceId, orderNo, false);
  if (!row) throw notFound('points.redemption_not_found', { orderNo });
  return redemptionOf(row);
}

export interface RedeemInput {
  customerId: string;
  orderNo: string;
  orderAmountFen: number;
  points: number;
}

/**
 * Uses points as cash for an order. The member's balance row is locked first, so concurrent redemptions of one
 * balance take turns and none sees points another is spending. The order number makes it idempotent: the same
 * redemption sent again is answered with the first result (`replayed`), a different one for the same order is a
 * conflict.
 */
export async function redeem(
  tx: Tx,
  workspaceId: string,
  input: RedeemInput,
  actor: PostingActor | null,
  now: Date,
): Promise<{ redemption: Redemption; replayed: boolean }> {
  const { states, state } = await lockMember(tx, workspaceId, input.customerId, now);
  const existing = await redemptionRow(tx, workspaceId, input.orderNo, true);
  if (existing) {
    const same =
      existing.customer_id === input.customerId &&
      Number(existing.points) === input.points &&
      Number(existing.order_amount_fen) === input.orderAmountFen;
    if (!same) throw conflict('points.order_already_redeemed', { orderNo: input.orderNo });
    return { redemption: redemptionOf(existing), replayed: true };
  }
  requireActiveMember(state);
  const r = state.program.rules.redemption;
  if (!r.enabled) throw conflict('points.redemption_disabled');
  const step = redemptionStep(r);
  if (input.points % step !== 0) throw unprocessable('points.redemption_step', { step });
  if (input.points < r.minPoints) throw unprocessable('points.redemption_below_minimum', { min: r.minPoints });
  const byShare = maxPointsFor(Number.MAX_SAFE_INTEGER, input.orderAmountFen, r);
  if (input.points > byShare) {
    throw unprocessable('points.redemption_over_cap', { max: byShare, pct: r.maxOrderSharePct });
  }
  const valueFen = pointsValueFen(input.points, r);
  const posted = await spend(tx, workspaceId, states, {
    customerId: input.customerId,
    points: input.points,
    cause: 'checkout',
    key: `redeem:${input.orderNo}`,
    now,
    actor,
    details: { orderNo: input.orderNo, orderAmountFen: input.orderAmountFen, valueFen },
  });
  // Another member's redemption of the same order number may have committed meanwhile: the key decides.
  const rows = await tx.query<RedemptionRow>(
    `INSERT INTO points_redemptions (workspace_id, order_no, customer_id, points, value_fen, order_amount_fen, status,
                                     transaction_id, balance_after, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'redeemed', $7, $8, $9)
     ON CONFLICT DO NOTHING RETURNING ${REDEMPTION_COLUMNS}`,
    [
      workspaceId,
      input.orderNo,
      input.customerId,
      input.points,
      valueFen,
      input.orderAmountFen,
      posted.id,
      posted.balance_after,
      now,
    ],
  );
  if (!rows[0]) throw conflict('points.order_already_redeemed', { orderNo: input.orderNo });
  return { redemption: redemptionOf(rows[0]), replayed: false };
}

/** Cancels a redemption (the order was cancelled or refunded): the points go back; a second cancel changes nothing. */
export async function cancelRedemption(tx: Tx, workspaceId: string, orderNo: string, now: Date): Promise<Redemption> {
  const found = await redemptionRow(tx, workspaceId, orderNo, false);
  if (!found) throw notFound('points.redemption_not_found', { orderNo });
  if (found.status === 'cancelled') return redemptionOf(found);
  const posted = await cancelSpend(tx, workspaceId, `redeem:${orderNo}`, now);
  const rows = await tx.query<RedemptionRow>(
    `UPDATE points_redemptions SET status = 'cancelled', cancel_transaction_id = $3, cancel_balance_after = $4,
            cancelled_at = $5, customer_id = $6
      WHERE workspace_id = $1 AND order_no = $2 RETURNING ${REDEMPTION_COLUMNS}`,
    [workspaceId, orderNo, posted.id, posted.balance_after, now, posted.customer_id],
  );
  return redemptionOf(rows[0] as RedemptionRow);
}

/**
 * Spends a member's points for any redemption (rewards, lotteries …), first-expiring-first, under the member's
 * lock. `key` comes from the cause (the reward order's id): spending again with it returns the first transaction.
 */
export async function spendPoints(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  points: number,
  cause: string,
  key: string,
  now: Date,
): Promise<TransactionRow> {
  checkPosting(points, cause, 'spendPoints');
  const answer = await spendChecked(tx, workspaceId, { customerId, points, cause, key, now });
  return keptPosting({ kind: 'spend', customerId, points, key }, answer);
}

/**
 * Gives back what the spend posted under `spendKey` took: into the same lots with their expiry, or — when the
 * member has since been merged into another profile — into new lots of the survivor with the same expiry. Points
 * whose expiry passed meanwhile go to `expired` instead. A debt is paid from them first. Idempotent: the cancel
 * is posted under `<spendKey>:cancel`.
 */
export async function cancelSpend(
  tx: Tx,
  workspaceId: string,
  spendKey: string,
  now: Date,
): Promise<Posted | TransactionRow> {
  const spent = await findTransaction(tx, workspaceId, spendKey);
  if (spent?.kind !== 'spend') throw new AppError(404, 'points.transaction_not_found', { key: spendKey });
  const key = `${spendKey}:cancel`;
  const owner = (await survivorsOf(tx, workspaceId, [spent.customer_id])).get(spent.customer_id) ?? spent.customer_id;
  const states = await lockMembers(tx, workspaceId, [owner], now);
  const done = await findTransaction(tx, workspaceId, key);
  if (done) return done;
  const state = states.get(owner) as MemberState;
  const sources = await tx.query<{ lot_id: number; amount: number }>(
    `SELECT e.lot_id, -e.amount AS amount FROM points_entries e
      WHERE e.workspace_id = $1 AND e.transaction_id = $2 AND e.account = $3 AND e.lot_id IS NOT NULL`,
    [workspaceId, spent.id, `member:${spent.customer_id}`],
  );
  const lots = await lotsById(
    tx,
    workspaceId,
    sources.map((s) => Number(s.lot_id)),
  );
  const credits: Credit[] = [];
  let expired = 0;
  for (const s of sources) {
    const lot = lots.get(Number(s.lot_id));
    if (!lot) throw new Error(`cancelSpend: lot ${s.lot_id} of ${spendKey} is missing`);
    const points = Number(s.amount);
    if (lot.expiresAt <= now) expired += points;
    else if (lot.customerId === owner)
      credits.push({ lotId: lot.id, points, cause: lot.cause, earnedAt: lot.earnedAt, expiresAt: lot.expiresAt });
    else
      credits.push({ points, cause: lot.cause, earnedAt: lot.earnedAt, expiresAt: lot.expiresAt, originLotId: lot.id });
  }
  const { entries, newLots, debtPaid } = creditEntries(state, credits);
  const all: PlanEntry[] = [{ account: redeemedAccount(spent.cause), amount: -spent.amount }, ...entries];
  if (expired > 0) all.push({ account: EXPIRED_ACCOUNT, amount: expired });
  return post(tx, workspaceId, states, {
    kind: 'cancel',
    cause: spent.cause,
    key,
    customerId: owner,
    at: now,
    details: {
      cancels: spent.id,
      spendKey,
      ...(expired > 0 ? { expired } : {}),
      ...(debtPaid > 0 ? { debtPaid } : {}),
    },
    entries: all,
    newLots,
    event: { type: 'points.returned', payload: { customerId: owner, points: spent.amount, cause: spent.cause } },
  });
}
