// Member accounts as people see them: balance, debt and lots, the history of transactions with their entries,
// audited manual adjustments, and how a member's points follow customer merges (a transfer transaction to the
// survivor, and back on unmerge).
import { randomUUID } from 'node:crypto';
import type { Page } from '../../contracts/foundation.ts';
import type { LedgerTransaction, MemberPoints } from '../../contracts/points.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import type { MergeParticipant } from '../customers/index.ts';
import {
  type Credit,
  creditEntries,
  debtAccount,
  drawLots,
  earn,
  lockMember,
  lockMembers,
  type MemberState,
  memberAccount,
  type PlanEntry,
  type PostingActor,
  post,
  spend,
  TRANSACTION_COLUMNS,
  type TransactionRow,
  transactionOf,
} from './ledger.ts';
import { lotsById, openLots } from './lots.ts';
import { pointsValueFen } from './redemption.ts';
import { rulesAt } from './rule-changes.ts';

/** Lots expiring within this many days count as "expiring soon" on the member card. */
export const EXPIRING_SOON_DAYS = 30;
const DAY_MS = 86_400_000;

/** A member's points: balance and debt (the cached row), open lots first-expiring first, what expires soon. */
export async function memberPoints(
  q: Queryable,
  workspaceId: string,
  customerId: string,
  now: Date,
): Promise<MemberPoints> {
  const rows = await q.query<{ balance: number; debt: number }>(
    'SELECT balance, debt FROM points_balances WHERE workspace_id = $1 AND customer_id = $2',
    [workspaceId, customerId],
  );
  const lots = await openLots(q, workspaceId, customerId);
  const { rules } = await rulesAt(q, workspaceId, now);
  const before = new Date(now.getTime() + EXPIRING_SOON_DAYS * DAY_MS);
  const soon = lots.filter((l) => l.expiresAt <= before);
  const balance = Number(rows[0]?.balance ?? 0);
  return {
    customerId,
    balance,
    debt: Number(rows[0]?.debt ?? 0),
    valueFen: pointsValueFen(balance, rules.redemption),
    expiringSoon: {
      points: soon.reduce((sum, l) => sum + l.remaining, 0),
      before: before.toISOString(),
      firstAt: soon[0]?.expiresAt.toISOString() ?? null,
    },
    lots: lots.map((l) => ({
      id: l.id,
      cause: l.cause,
      points: l.points,
      remaining: l.remaining,
      earnedAt: l.earnedAt.toISOString(),
      expiresAt: l.expiresAt.toISOString(),
    })),
  };
}

/** A member's transactions, newest first, each with all its entries (system accounts included). */
export async function transactionHistory(
  q: Queryable,
  workspaceId: string,
  customerId: string,
  query: { cursor?: string | undefined; limit?: number | undefined },
): Promise<Page<LedgerTransaction>> {
  const limit = query.limit ?? 50;
  const key = decodeCursor(query.cursor);
  if (key && (key.length !== 1 || !Number.isSafeInteger(key[0]))) throw badRequest('request.invalid_cursor');
  // A member's history includes the transactions of profiles merged into it (their transfer brought the points).
  const rows = await q.query<TransactionRow>(
    `SELECT ${TRANSACTION_COLUMNS} FROM points_transactions
      WHERE workspace_id = $1 AND customer_id = $2 AND ($3::bigint IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [workspaceId, customerId, key ? key[0] : null, limit + 1],
  );
  const entries = await q.query<{ transaction_id: number; account: string; amount: number; lot_id: number | null }>(
    `SELECT transaction_id, account, amount, lot_id FROM points_entries
      WHERE workspace_id = $1 AND transaction_id = ANY($2::bigint[]) ORDER BY transaction_id, line`,
    [workspaceId, rows.map((r) => r.id)],
  );
  const byTx = new Map<number, LedgerTransaction['entries']>();
  for (const e of entries) {
    const id = Number(e.transaction_id);
    byTx.set(id, [
      ...(byTx.get(id) ?? []),
      { account: e.account, amount: Number(e.amount), lotId: e.lot_id === null ? null : Number(e.lot_id) },
    ]);
  }
  return pageOf(
    rows.map(transactionOf),
    limit,
    (r) => toLedgerTransaction(r, byTx.get(r.id) ?? []),
    (r) => [r.id],
  );
}

export function toLedgerTransaction(r: TransactionRow, entries: LedgerTransaction['entries']): LedgerTransaction {
  return {
    id: r.id,
    kind: r.kind,
    cause: r.cause,
    key: r.idempotency_key,
    customerId: r.customer_id,
    amount: r.amount,
    points: r.points,
    debtChange: r.debt_change,
    balanceAfter: r.balance_after,
    debtAfter: r.debt_after,
    reason: r.reason,
    actorName: r.actor_name,
    details: r.details ?? {},
    at: r.at.toISOString(),
    entries,
  };
}

export async function transactionWithEntries(
  q: Queryable,
  workspaceId: string,
  id: number,
): Promise<LedgerTransaction> {
  const rows = await q.query<TransactionRow>(
    `SELECT ${TRANSACTION_COLUMNS} FROM points_transactions WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id],
  );
  if (!rows[0]) throw notFound('points.transaction_not_found', { key: String(id) });
  const entries = await q.query<{ account: string; amount: number; lot_id: number | null }>(
    'SELECT account, amount, lot_id FROM points_entries WHERE workspace_id = $1 AND transaction_id = $2 ORDER BY line',
    [workspaceId, id],
  );
  return toLedgerTransaction(
    transactionOf(rows[0]),
    entries.map((e) => ({
      account: e.account,
      amount: Number(e.amount),
      lotId: e.lot_id === null ? null : Number(e.lot_id),
    })),
  );
}

/**
 * A manual adjustment by staff, with its reason: an addition is a lot like any earning (paying a debt first), a
 * deduction draws first-expiring-first and never below zero. `key` is unique per request.
 */
export async function adjustPoints(
  tx: Tx,
  workspaceId: string,
  input: { customerId: string; points: number; reason: string; key: string; actor: PostingActor },
  now: Date,
): Promise<LedgerTransaction> {
  const { states, state } = await lockMember(tx, workspaceId, input.customerId, now);
  if (!state.member) throw notFound('points.not_a_member');
  const reason = input.reason.trim();
  if (!reason) throw badRequest('points.reason_required');
  const common = { customerId: input.customerId, cause: 'manual', key: input.key, reason, actor: input.actor };
  const posted =
    input.points > 0
      ? await earn(tx, workspaceId, states, { ...common, kind: 'adjust', points: input.points, at: now })
      : await spend(tx, workspaceId, states, { ...common, kind: 'adjust', points: -input.points, now });
  return transactionWithEntries(tx, workspaceId, posted.id);
}

interface TransferUndo {
  key: string;
  /** Lots of the merged profile and the lots of the survivor they became, with the points moved. */
  lots: { from: number; to: number; points: number }[];
  /** Debt moved from the merged profile to the survivor. */
  debt: number;
}

interface PointsUndo {
  /** Order records and redemptions that moved to the survivor. */
  orders: string[];
  redemptions: string[];
  transfer: TransferUndo | null;
}

/**
 * Customer merges move the merged profile's points to the survivor by a transfer transaction: each open lot
 * becomes a lot of the survivor with the same expiry, a debt moves along (and is paid from the survivor's points
 * if it has any), the records of orders and redemptions follow. Unmerge transfers back what is left of what moved;
 * what the survivor spent meanwhile stays spent. Entries are never rewritten: both profiles keep their history.
 */
export function pointsMergeParticipant(now: () => Date): MergeParticipant {
  return {
    name: 'loyalty.points',
    async move(tx, workspaceId, fromId, toId): Promise<PointsUndo> {
      const orders = await tx.query<{ order_id: string }>(
        'UPDATE points_orders SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING order_id',
        [workspaceId, fromId, toId],
      );
      const redemptions = await tx.query<{ order_no: string }>(
        'UPDATE points_redemptions SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING order_no',
        [workspaceId, fromId, toId],
      );
      const undo: PointsUndo = {
        orders: orders.map((o) => o.order_id),
        redemptions: redemptions.map((r) => r.order_no),
        transfer: await transferOnMerge(tx, workspaceId, fromId, toId, now()),
      };
      return undo;
    },
    async restore(tx, workspaceId, fromId, toId, undo): Promise<void> {
      const u = (undo ?? { orders: [], redemptions: [], transfer: null }) as PointsUndo;
      await tx.query(
        'UPDATE points_orders SET customer_id = $2 WHERE workspace_id = $1 AND customer_id = $3 AND order_id = ANY($4::uuid[])',
        [workspaceId, fromId, toId, u.orders],
      );
      await tx.query(
        `UPDATE points_redemptions SET customer_id = $2
          WHERE workspace_id = $1 AND customer_id = $3 AND order_no = ANY($4::text[])`,
        [workspaceId, fromId, toId, u.redemptions],
      );
      if (u.transfer) await transferOnUnmerge(tx, workspaceId, fromId, toId, u.transfer, now());
    },
  };
}

async function transferOnMerge(
  tx: Tx,
  workspaceId: string,
  fromId: string,
  toId: string,
  at: Date,
): Promise<TransferUndo | null> {
  // Most merged profiles never had points: look (and lock) before creating balance rows for both.
  const held = await tx.query<{ balance: number; debt: number }>(
    'SELECT balance, debt FROM points_balances WHERE workspace_id = $1 AND customer_id = $2 FOR UPDATE',
    [workspaceId, fromId],
  );
  if (!held[0] || (Number(held[0].balance) === 0 && Number(held[0].debt) === 0)) return null;
  const states = await lockMembers(tx, workspaceId, [fromId, toId], at);
  const from = states.get(fromId) as MemberState;
  const to = states.get(toId) as MemberState;
  const lots = await openLots(tx, workspaceId, fromId);
  const key = `merge:${fromId}:${toId}:${randomUUID()}`;
  const credited = creditEntries(
    to,
    lots.map((l) => ({
      points: l.remaining,
      cause: l.cause,
      earnedAt: l.earnedAt,
      expiresAt: l.expiresAt,
      originLotId: l.id,
    })),
  );
  const entries: PlanEntry[] = [
    ...lots.map((l) => ({ account: memberAccount(fromId), amount: -l.remaining, lotId: l.id })),
    ...credited.entries,
  ];
  if (from.debt > 0) {
    entries.push(
      { account: debtAccount(fromId), amount: from.debt },
      { account: debtAccount(toId), amount: -from.debt },
    );
    // The survivor's own points pay the debt it took over (nothing moved in: a member with debt has no points).
    const { takes } = await drawLots(tx, workspaceId, states, toId, from.debt, at);
    const paid = takes.reduce((sum, t) => sum + t.points, 0);
    for (const t of takes) entries.push({ account: memberAccount(toId), amount: -t.points, lotId: t.lotId });
    if (paid > 0) entries.push({ account: debtAccount(toId), amount: paid });
  }
  const posted = await post(tx, workspaceId, states, {
    kind: 'transfer',
    cause: 'merge',
    key,
    customerId: toId,
    at,
    details: { fromCustomerId: fromId, toCustomerId: toId },
    entries,
    newLots: credited.newLots,
  });
  // The survivor's new lots, matched to their origins (a lot that only paid a debt made none).
  const made = await tx.query<{ id: number; origin_lot_id: number; points: number }>(
    'SELECT id, origin_lot_id, points FROM points_lots WHERE workspace_id = $1 AND id = ANY($2::bigint[])',
    [workspaceId, posted.lotIds],
  );
  return {
    key,
    lots: made.map((m) => ({ from: Number(m.origin_lot_id), to: Number(m.id), points: Number(m.points) })),
    debt: from.debt,
  };
}

async function transferOnUnmerge(
  tx: Tx,
  workspaceId: string,
  fromId: string,
  toId: string,
  u: TransferUndo,
  at: Date,
): Promise<void> {
  const states = await lockMembers(tx, workspaceId, [fromId, toId], at);
  const from = states.get(fromId) as MemberState;
  const to = states.get(toId) as MemberState;
  const current = await lotsById(
    tx,
    workspaceId,
    u.lots.map((l) => l.to),
  );
  const originals = await lotsById(
    tx,
    workspaceId,
    u.lots.map((l) => l.from),
  );
  const entries: PlanEntry[] = [];
  const credits: Credit[] = [];
  for (const l of u.lots) {
    const back = Math.min(l.points, current.get(l.to)?.remaining ?? 0);
    const origin = originals.get(l.from);
    if (back <= 0 || !origin) continue;
    entries.push({ account: memberAccount(toId), amount: -back, lotId: l.to });
    credits.push({
      lotId: origin.id,
      points: back,
      cause: origin.cause,
      earnedAt: origin.earnedAt,
      expiresAt: origin.expiresAt,
    });
  }
  // The debt goes back as far as the survivor still owes it.
  const debtBack = Math.min(u.debt, to.debt);
  if (debtBack > 0) {
    entries.push({ account: debtAccount(toId), amount: debtBack }, { account: debtAccount(fromId), amount: -debtBack });
  }
  const restored = creditEntries({ ...from, debt: from.debt + debtBack }, credits);
  entries.push(...restored.entries);
  if (entries.length === 0) return;
  await post(tx, workspaceId, states, {
    kind: 'transfer',
    cause: 'unmerge',
    key: `un${u.key}`,
    customerId: fromId,
    at,
    details: { fromCustomerId: toId, toCustomerId: fromId, reverts: u.key },
    entries,
    newLots: restored.newLots,
  });
}
