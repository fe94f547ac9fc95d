// The points ledger's engine: lock member balances, and post balanced transactions — entries, lots, cached balances
// and the domain event — through the posting functions of 0002_ledger.sql, one round trip each. Every other points
// operation builds on earn, spend, expire and post here.
import type { PointsRules, TransactionKind } from '../../contracts/points.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, conflict, unprocessable } from '../../platform/errors.ts';
import { type LotTake, type OpenLot, takeLots } from './lots.ts';
import { DEFAULT_RULES, rulesOf } from './rule-changes.ts';

// Account names. Member accounts hold spendable points (lots); debt accounts go negative when a refund takes back
// points already spent; system accounts are where points come from and go to.
export const memberAccount = (customerId: string) => `member:${customerId}`;
export const debtAccount = (customerId: string) => `debt:${customerId}`;
export const redeemedAccount = (cause: string) => `redeemed:${cause}`;
export const EXPIRED_ACCOUNT = 'expired';
export const REVERSED_ACCOUNT = 'reversed';

/** Who asked for a posting, when a person or an API key did (audited adjustments, redemptions). */
export interface PostingActor {
  type: string;
  id: string;
  name: string;
}

/** The programme as it stands at the moment of a posting: rules in force and the workspace's calendar. */
export interface Program {
  rules: PointsRules;
  /** When the rules in force took effect (null: the built-in defaults). */
  rulesSince: Date | null;
  timezone: string;
  /** The local day of the posting, YYYY-MM-DD, and the instants its day and month began. */
  today: string;
  dayStart: Date;
  monthStart: Date;
}

export interface MembershipInfo {
  status: 'active' | 'frozen' | 'cancelled' | 'merged';
  joinedAt: Date;
  invitedBy: string | null;
}

/** A member's locked balance row; `post` keeps it current as transactions are written. */
export interface MemberState {
  customerId: string;
  balance: number;
  debt: number;
  member: MembershipInfo | null;
  program: Program;
}
export type States = Map<string, MemberState>;

interface LockedMember {
  customer_id: string;
  balance: number;
  debt: number;
  member_status: MembershipInfo['status'] | null;
  joined_at: string | null;
  invited_by: string | null;
  timezone: string;
  today: string;
  day_start: string;
  month_start: string;
  rules: unknown;
  rules_since: string | null;
}

/**
 * Locks the balance rows of these customers (created at 0 when missing) in customer-id order and returns their
 * state and the programme in force at `now` (`points_lock` in 0002_ledger.sql).
 */
export async function lockMembers(tx: Tx, workspaceId: string, customerIds: readonly string[], now: Date) {
  const rows = await tx.query<{ members: LockedMember[] }>('SELECT points_lock($1, $2::uuid[], $3) AS members', [
    workspaceId,
    [...new Set(customerIds)].sort(),
    now,
  ]);
  const states: States = new Map();
  for (const r of rows[0]?.members ?? []) {
    states.set(r.customer_id, {
      customerId: r.customer_id,
      balance: Number(r.balance),
      debt: Number(r.debt),
      member:
        r.member_status && r.joined_at
          ? { status: r.member_status, joinedAt: new Date(r.joined_at), invitedBy: r.invited_by }
          : null,
      program: {
        rules: rulesOf(r.rules),
        rulesSince: r.rules_since ? new Date(r.rules_since) : null,
        timezone: r.timezone,
        today: r.today,
        dayStart: new Date(r.day_start),
        monthStart: new Date(r.month_start),
      },
    });
  }
  return states;
}

export async function lockMember(tx: Tx, workspaceId: string, customerId: string, now: Date) {
  const states = await lockMembers(tx, workspaceId, [customerId], now);
  return { states, state: states.get(customerId) as MemberState };
}

export interface TransactionRow {
  id: number;
  kind: TransactionKind;
  cause: string;
  idempotency_key: string;
  customer_id: string;
  amount: number;
  points: number;
  debt_change: number;
  balance_after: number;
  debt_after: number;
  reason: string | null;
  actor_name: string | null;
  details: Record<string, unknown>;
  at: Date;
}
export const TRANSACTION_COLUMNS = `id, kind, cause, idempotency_key, customer_id, amount, points, debt_change,
  balance_after, debt_after, reason, actor_name, details, at`;

/** The transaction posted under `key`, if any: a posting with a key already used is answered with it. */
export async function findTransaction(tx: Tx, workspaceId: string, key: string): Promise<TransactionRow | null> {
  const rows = await tx.query<TransactionRow>(
    `SELECT ${TRANSACTION_COLUMNS} FROM points_transactions WHERE workspace_id = $1 AND idempotency_key = $2`,
    [workspaceId, key],
  );
  return rows[0] ? transactionOf(rows[0]) : null;
}

export function transactionOf(row: Omit<TransactionRow, 'at'> & { at: Date | string }): TransactionRow {
  return {
    id: Number(row.id),
    kind: row.kind,
    cause: row.cause,
    idempotency_key: row.idempotency_key,
    customer_id: row.customer_id,
    amount: Number(row.amount),
    points: Number(row.points),
    debt_change: Number(row.debt_change),
    balance_after: Number(row.balance_after),
    debt_after: Number(row.debt_after),
    reason: row.reason,
    actor_name: row.actor_name,
    details: row.details ?? {},
    at: new Date(row.at),
  };
}

export interface PlanEntry {
  account: string;
  amount: number;
  /** An existing lot of the member account the entry is on. */
  lotId?: number;
  /** Index into the plan's new lots: the entry creates it. */
  newLot?: number;
}

export interface NewLot {
  customerId: string;
  cause: string;
  /** null: the posting's time. */
  earnedAt: Date | null;
  /** null: the rolling expiry of the programme (end of the earn day, `expiry.months` later). */
  expiresAt: Date | null;
  originLotId?: number | null;
}

export interface Plan {
  kind: TransactionKind;
  cause: string;
  key: string;
  /** The member the transaction is about; its balance after the transaction is recorded on it. */
  customerId: string;
  at: Date;
  reason?: string | null;
  actor?: PostingActor | null;
  details?: Record<string, unknown>;
  entries: PlanEntry[];
  newLots?: NewLot[];
  /**
   * The domain event announcing the posting, written to the outbox in the same call; the payload gets the
   * transaction's id and the member's balance after it.
   */
  event?: { type: string; payload: Record<string, unknown> };
}

export interface Posted extends TransactionRow {
  /** Ids of the lots the transaction created, in the plan's order. */
  lotIds: number[];
}

interface Written {
  transaction: Omit<TransactionRow, 'at'> & { at: string };
  lot_ids: number[];
  balances: { customer_id: string; balance: number; debt: number }[];
}

/** What a posting function answered: keeps the locked states current and gives the transaction. */
function posted(states: States, w: Written): Posted {
  for (const b of w.balances) {
    const s = states.get(b.customer_id);
    if (s) {
      s.balance = Number(b.balance);
      s.debt = Number(b.debt);
    }
  }
  return { ...transactionOf(w.transaction), lotIds: (w.lot_ids ?? []).map(Number) };
}

/** The lots' expiry when a posting's rules set none: the default programme's. */
const DEFAULT_EXPIRY_MONTHS = DEFAULT_RULES.expiry.months;

/**
 * Writes a transaction planned here (reversals, cancellations, transfers): `points_write` in 0002_ledger.sql
 * checks it balances and writes its row, entries, lots, balances and event in one call. The members it touches
 * must be locked (`lockMembers`); their states follow the write.
 */
export async function post(tx: Tx, workspaceId: string, states: States, plan: Plan): Promise<Posted> {
  const lots = plan.newLots ?? [];
  const rows = await tx.query<{ w: Written }>(
    `SELECT points_write($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12::text[], $13::bigint[],
                         $14::bigint[], $15::int[], $16::uuid[], $17::text[], $18::timestamptz[], $19::timestamptz[],
                         $20::bigint[], $21, $22, $23::jsonb) AS w`,
    [
      workspaceId,
      plan.kind,
      plan.cause,
      plan.key,
      plan.customerId,
      plan.reason ?? null,
      plan.actor?.type ?? null,
      plan.actor?.id ?? null,
      plan.actor?.name ?? null,
      JSON.stringify(plan.details ?? {}),
      plan.at,
      plan.entries.map((e) => e.account),
      plan.entries.map((e) => e.amount),
      plan.entries.map((e) => e.lotId ?? null),
      plan.entries.map((e) => (e.newLot === undefined ? null : e.newLot + 1)),
      lots.map((l) => l.customerId),
      lots.map((l) => l.cause),
      lots.map((l) => l.earnedAt),
      lots.map((l) => l.expiresAt),
      lots.map((l) => l.originLotId ?? null),
      DEFAULT_EXPIRY_MONTHS,
      plan.event?.type ?? null,
      JSON.stringify(plan.event?.payload ?? {}),
    ],
  );
  return posted(states, (rows[0] as { w: Written }).w);
}

/** What `points_earn` and `points_spend` answer. */
export interface Answer {
  posted?: Written;
  existing?: Omit<TransactionRow, 'at'> & { at: string };
  refused?: string;
  status?: string;
  balance?: number;
  points?: number;
}

/** The error a posting function's refusal stands for. */
export function refusal(a: Answer): AppError {
  if (a.refused === 'points.insufficient_balance') {
    return new AppError(409, a.refused, { balance: a.balance ?? 0, points: a.points ?? 0 });
  }
  if (a.refused === 'points.member_inactive') return new AppError(409, a.refused, { status: a.status ?? '' });
  return new AppError(404, a.refused ?? 'points.not_a_member');
}

/** Refuses points that are not a positive whole number; a cause that is not a code is the caller's bug. */
export function checkPosting(points: number, cause: string, caller: string): void {
  if (!Number.isSafeInteger(points) || points <= 0) throw unprocessable('points.invalid_points');
  if (!/^[a-z][a-z0-9_]{0,31}$/.test(cause)) throw new Error(`${caller}: bad cause '${cause}'`);
}

/**
 * What a posting answers: its transaction, or the one posted before under its key — unless that was another
 * posting (another kind, member or number of points), which is a conflict.
 */
export function keptPosting(
  expected: { kind: TransactionKind; customerId: string; points: number; key: string },
  { transaction, first }: { transaction: TransactionRow; first: boolean },
): TransactionRow {
  if (
    first &&
    (transaction.kind !== expected.kind ||
      transaction.customer_id !== expected.customerId ||
      transaction.amount !== expected.points)
  ) {
    throw conflict('points.key_reused', { key: expected.key });
  }
  return transaction;
}

export interface EarnInput {
  customerId: string;
  points: number;
  /** earn for the earn rules; adjust for a manual addition. */
  kind?: 'earn' | 'adjust';
  cause: string;
  key: string;
  at: Date;
  reason?: string | null;
  actor?: PostingActor | null;
  details?: Record<string, unknown>;
}

async function callEarn(tx: Tx, workspaceId: string, input: EarnInput, check: boolean): Promise<Answer> {
  const rows = await tx.query<{ a: Answer }>(
    'SELECT points_earn($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14) AS a',
    [
      workspaceId,
      input.customerId,
      input.points,
      input.kind ?? 'earn',
      input.cause,
      input.key,
      input.at,
      input.reason ?? null,
      input.actor?.type ?? null,
      input.actor?.id ?? null,
      input.actor?.name ?? null,
      JSON.stringify(input.details ?? {}),
      DEFAULT_EXPIRY_MONTHS,
      check,
    ],
  );
  return (rows[0] as { a: Answer }).a;
}

/**
 * Credits points (`points_earn`): a debt is paid off first, the rest becomes a lot with the programme's rolling
 * expiry. The caller holds the member's lock and has checked the key is new and the member may earn.
 */
export async function earn(tx: Tx, workspaceId: string, states: States, input: EarnInput): Promise<Posted> {
  const a = await callEarn(tx, workspaceId, input, false);
  return posted(states, a.posted as Written);
}

/**
 * Earns in one round trip, the lock, the key and the membership checked by the database: the fast path of
 * `earnPoints`. A key used before answers the first transaction (`first: true`).
 */
export async function earnChecked(
  tx: Tx,
  workspaceId: string,
  input: EarnInput,
): Promise<{ transaction: TransactionRow; first: boolean }> {
  const a = await callEarn(tx, workspaceId, input, true);
  if (a.existing) return { transaction: transactionOf(a.existing), first: true };
  if (a.refused) throw refusal(a);
  return { transaction: posted(new Map(), a.posted as Written), first: false };
}

/** Posts the expiry of one lot whose day has passed (`points_expire_lot`). */
export async function expireLot(tx: Tx, workspaceId: string, states: States, lot: OpenLot, at: Date) {
  const rows = await tx.query<{ w: Written | null }>('SELECT points_expire_lot($1, $2, $3) AS w', [
    workspaceId,
    lot.id,
    at,
  ]);
  const w = rows[0]?.w;
  return w ? posted(states, w) : null;
}

/**
 * The lots a debit of `points` draws from, first-expiring-first (lots in `prefer` first). Lots whose expiry has
 * passed are expired on the way, by their own transactions, so nothing expired is ever spent. Returns fewer
 * points than asked when the member has fewer.
 */
export async function drawLots(
  tx: Tx,
  workspaceId: string,
  states: States,
  customerId: string,
  points: number,
  now: Date,
  prefer: readonly number[] = [],
): Promise<{ takes: LotTake[]; available: number }> {
  const { due, takes, available } = await takeLots(tx, workspaceId, customerId, points, now, prefer);
  for (const lot of due) await expireLot(tx, workspaceId, states, lot, now);
  return { takes, available };
}

export interface SpendInput {
  customerId: string;
  points: number;
  cause: string;
  key: string;
  now: Date;
  kind?: 'spend' | 'adjust';
  reason?: string | null;
  actor?: PostingActor | null;
  details?: Record<string, unknown>;
}

async function callSpend(tx: Tx, workspaceId: string, input: SpendInput, check: boolean): Promise<Answer> {
  const rows = await tx.query<{ a: Answer }>(
    'SELECT points_spend($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13) AS a',
    [
      workspaceId,
      input.customerId,
      input.points,
      input.kind ?? 'spend',
      input.cause,
      input.key,
      input.now,
      input.reason ?? null,
      input.actor?.type ?? null,
      input.actor?.id ?? null,
      input.actor?.name ?? null,
      JSON.stringify(input.details ?? {}),
      check,
    ],
  );
  return (rows[0] as { a: Answer }).a;
}

/**
 * Debits points first-expiring-first into `redeemed:<cause>` (or `adjustment` for a manual deduction), expiring
 * due lots on the way (`points_spend`); refuses more than the member has. The caller holds the member's lock and
 * has checked the key is new; a refusal is thrown, so the caller's transaction rolls back the expiries with it.
 */
export async function spend(tx: Tx, workspaceId: string, states: States, input: SpendInput): Promise<Posted> {
  const a = await callSpend(tx, workspaceId, input, false);
  if (a.refused) throw refusal(a);
  // The write's balances are the member's after the expiries on the way too.
  return posted(states, a.posted as Written);
}

/** Spends in one round trip, the lock, the key and the membership checked by the database: `spendPoints`' path. */
export async function spendChecked(
  tx: Tx,
  workspaceId: string,
  input: SpendInput,
): Promise<{ transaction: TransactionRow; first: boolean }> {
  const a = await callSpend(tx, workspaceId, input, true);
  if (a.existing) return { transaction: transactionOf(a.existing), first: true };
  if (a.refused) throw refusal(a);
  return { transaction: posted(new Map(), a.posted as Written), first: false };
}

/** A credit that goes back into a member's lots (a cancelled spend, a merge's transfer, an unmerge). */
export interface Credit {
  /** An existing lot of the receiving member; otherwise a new lot is made with the expiry below. */
  lotId?: number;
  points: number;
  cause: string;
  earnedAt: Date;
  expiresAt: Date;
  originLotId?: number | null;
}

/**
 * Entries that credit a member with these points, paying the member's debt first from the first-expiring of them
 * (a member with debt has nothing else to spend, so these are the only lots that could pay it).
 */
export function creditEntries(
  state: MemberState,
  credits: readonly Credit[],
): { entries: PlanEntry[]; newLots: NewLot[]; debtPaid: number } {
  const entries: PlanEntry[] = [];
  const newLots: NewLot[] = [];
  let debt = state.debt;
  let debtPaid = 0;
  const ordered = [...credits].sort(
    (a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || (a.lotId ?? 0) - (b.lotId ?? 0),
  );
  const member = memberAccount(state.customerId);
  for (const c of ordered) {
    const pay = Math.min(debt, c.points);
    debt -= pay;
    debtPaid += pay;
    const rest = c.points - pay;
    if (rest <= 0) continue;
    if (c.lotId !== undefined) {
      entries.push({ account: member, amount: rest, lotId: c.lotId });
    } else {
      newLots.push({
        customerId: state.customerId,
        cause: c.cause,
        earnedAt: c.earnedAt,
        expiresAt: c.expiresAt,
        originLotId: c.originLotId ?? null,
      });
      entries.push({ account: member, amount: rest, newLot: newLots.length - 1 });
    }
  }
  if (debtPaid > 0) entries.push({ account: debtAccount(state.customerId), amount: debtPaid });
  return { entries, newLots, debtPaid };
}
