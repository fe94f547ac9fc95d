// Reversal: taking back points whose cause went away (a refunded order, an invitee's cancelled first order).
// Never below what the member still has: what was already spent becomes a debt that future earnings pay off.
import type { Tx } from '../../platform/db/index.ts';
import {
  debtAccount,
  drawLots,
  findTransaction,
  memberAccount,
  type PlanEntry,
  type Posted,
  post,
  REVERSED_ACCOUNT,
  type States,
} from './ledger.ts';

export interface ReverseInput {
  customerId: string;
  points: number;
  cause: string;
  key: string;
  now: Date;
  /** Lots to take from first (the lot the reversed earning created), then first-expiring-first. */
  prefer?: readonly number[];
  details?: Record<string, unknown>;
}

/**
 * Takes `points` back into `reversed`: from the member's lots as far as they go, the rest recorded as debt on the
 * member's debt account — visible, never a negative balance. The caller holds the member's lock.
 */
export async function reverse(tx: Tx, workspaceId: string, states: States, input: ReverseInput): Promise<Posted> {
  const { takes } = await drawLots(tx, workspaceId, states, input.customerId, input.points, input.now, input.prefer);
  const taken = takes.reduce((sum, t) => sum + t.points, 0);
  const debt = input.points - taken;
  const member = memberAccount(input.customerId);
  const entries: PlanEntry[] = takes.map((t) => ({ account: member, amount: -t.points, lotId: t.lotId }));
  if (debt > 0) entries.push({ account: debtAccount(input.customerId), amount: -debt });
  entries.push({ account: REVERSED_ACCOUNT, amount: input.points });
  return post(tx, workspaceId, states, {
    kind: 'reverse',
    cause: input.cause,
    key: input.key,
    customerId: input.customerId,
    at: input.now,
    details: { ...(input.details ?? {}), taken, debt },
    entries,
    event: {
      type: 'points.reversed',
      payload: { customerId: input.customerId, points: input.points, taken, debt, cause: input.cause },
    },
  });
}

export interface OrderPoints {
  orderId: string;
  orderNo: string;
  customerId: string;
  basisFen: number;
  earned: number;
  reversed: number;
  lotId: number | null;
  /** The order's paid amount less refunds now (0 once fully refunded or cancelled). */
  netFen: number;
  now: Date;
}

/**
 * Reverses the share of an order's earned points that its refunds took away: the points kept are
 * ⌊earned × net now / net when earned⌋, so a full refund reverses everything and a partial one its proportion.
 * The key carries the cumulative reversal, so each refund step posts once however often it is seen.
 */
export async function reverseOrderPoints(tx: Tx, workspaceId: string, states: States, o: OrderPoints) {
  if (o.earned <= 0) return null;
  const kept =
    o.basisFen > 0 ? Number((BigInt(o.earned) * BigInt(Math.min(o.netFen, o.basisFen))) / BigInt(o.basisFen)) : 0;
  const target = o.earned - kept;
  if (target <= o.reversed) return null;
  const key = `order:${o.orderId}:reverse:${target}`;
  const posted =
    (await findTransaction(tx, workspaceId, key)) ??
    (await reverse(tx, workspaceId, states, {
      customerId: o.customerId,
      points: target - o.reversed,
      cause: 'purchase',
      key,
      now: o.now,
      prefer: o.lotId === null ? [] : [o.lotId],
      details: { orderId: o.orderId, orderNo: o.orderNo, netFen: o.netFen, basisFen: o.basisFen },
    }));
  await tx.query('UPDATE points_orders SET reversed = $3, updated_at = $4 WHERE workspace_id = $1 AND order_id = $2', [
    workspaceId,
    o.orderId,
    target,
    o.now,
  ]);
  return posted;
}
