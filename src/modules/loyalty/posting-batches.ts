// Group commit of points postings. Under load, a posting's cost is mostly fixed cost — its transaction, the set-up of
// each statement, the commit — not its rows: 64 concurrent clients each posting in a transaction of their own keep
// two cores busy at ~1,500 postings/s. Here the earnings and spends that arrive while earlier ones are being written
// wait in a queue and are written together, by one transaction of a few statements (0008_posting_batches.sql), and
// each caller is answered once that transaction has committed: nothing is answered before it is durable, and a
// posting alone (no load) is written at once, as a batch of one.
//
// A batch holds at most one posting per member and per key, so its postings are independent: each is planned from
// its member's locked state exactly as `points_earn`/`points_spend` would plan it, and the rest wait for the next
// batch. What the fast paths do not cover (a debt to pay off, lots to expire on the way, a merged or unknown
// profile) and every posting of a batch whose transaction failed as a whole (a key taken meanwhile by a posting of
// another member, a deadlock with a transaction outside batches) are posted alone, each in its own transaction,
// through the same path as `earnPoints`/`spendPoints`.
import { type NewAuditEntry, recordAudit, recordAudits } from '../../platform/audit/index.ts';
import type { Db, Tx } from '../../platform/db/index.ts';
import { type AppError, notFound } from '../../platform/errors.ts';
import { getCustomerRow } from '../customers/index.ts';
import {
  checkPosting,
  earnChecked,
  keptPosting,
  type PostingActor,
  refusal,
  spendChecked,
  type TransactionRow,
  transactionOf,
} from './ledger.ts';
import { DEFAULT_RULES } from './rule-changes.ts';

/** An earning or a spend as an external system or another module asks for it. */
export interface BatchPosting {
  type: 'earn' | 'spend';
  customerId: string;
  points: number;
  /** The code of what it is for (task, reward, checkout …). */
  cause: string;
  /** From the cause: the same key posts once, and a retry is answered with the first transaction. */
  key: string;
  at: Date;
  actor?: PostingActor | null;
  details?: Record<string, unknown>;
  /** The request's audit entry, written with the posting (not for a retry answered with the first transaction). */
  audit?: NewAuditEntry;
}

/** A posting's transaction, and whether it was posted before under the same key (a retry). */
export interface BatchAnswer {
  transaction: TransactionRow;
  replayed: boolean;
}

export interface BatchOptions {
  /** The most postings one transaction writes. */
  maxBatch: number;
  /** The most batch transactions running at once (connections taken from the pool). */
  maxInFlight: number;
}

const DEFAULTS: BatchOptions = { maxBatch: 200, maxInFlight: 2 };
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Waiting {
  posting: BatchPosting;
  resolve: (a: BatchAnswer) => void;
  reject: (e: unknown) => void;
}

/** Queues of postings per workspace, written in batches over at most `maxInFlight` transactions at a time. */
export class PostingBatches {
  private readonly queues = new Map<string, Waiting[]>();
  /** Workspace and member of every posting being written: a member's next posting waits for its answer. */
  private readonly busy = new Set<string>();
  private running = 0;
  private readonly options: BatchOptions;
  /** Counts since the queues were made: for metrics, the benchmark and tests. */
  readonly stats = { batches: 0, batched: 0, alone: 0, failedBatches: 0 };

  constructor(
    private readonly db: Db,
    options: Partial<BatchOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Posts an earning or a spend; answers (or refuses) like `earnPoints`/`spendPoints`, once it is committed. */
  post(workspaceId: string, posting: BatchPosting): Promise<BatchAnswer> {
    try {
      checkPosting(posting.points, posting.cause, 'PostingBatches.post');
      if (!UUID_RE.test(posting.customerId)) throw notFound('customer.not_found');
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(workspaceId);
      if (queue) queue.push({ posting, resolve, reject });
      else this.queues.set(workspaceId, [{ posting, resolve, reject }]);
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.maxInFlight) {
      const next = this.nextBatch();
      if (!next) return;
      this.running++;
      void this.write(next.workspaceId, next.batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /**
   * The oldest waiting postings of the workspace that waited longest, one per member and per key, none for a member
   * with a posting still being written — so a member's postings are written in the order they came, and batches
   * never wait on each other's locks; the others keep their place. The workspace goes to the back of the line, so a
   * busy one does not starve the rest.
   */
  private nextBatch(): { workspaceId: string; batch: Waiting[] } | null {
    for (const [workspaceId, queue] of this.queues) {
      const batch: Waiting[] = [];
      const rest: Waiting[] = [];
      const members = new Set<string>();
      const keys = new Set<string>();
      for (const w of queue) {
        const { customerId, key } = w.posting;
        const member = `${workspaceId}:${customerId}`;
        if (batch.length < this.options.maxBatch && !members.has(member) && !this.busy.has(member) && !keys.has(key)) {
          batch.push(w);
          members.add(member);
          keys.add(key);
        } else {
          rest.push(w);
        }
      }
      if (batch.length === 0) continue;
      this.queues.delete(workspaceId);
      if (rest.length > 0) this.queues.set(workspaceId, rest);
      for (const member of members) this.busy.add(member);
      return { workspaceId, batch };
    }
    return null;
  }

  private async write(workspaceId: string, batch: Waiting[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.db.tenant(workspaceId, (tx) =>
        postBatch(
          tx,
          workspaceId,
          batch.map((w) => w.posting),
        ),
      );
      this.stats.batches++;
    } catch {
      // The transaction failed as a whole: nothing of it was written. Each posting alone gets its own answer.
      this.stats.failedBatches++;
      outcomes = batch.map(() => ({ alone: true }));
    }
    const done = (w: Waiting) => this.busy.delete(`${workspaceId}:${w.posting.customerId}`);
    for (const [i, w] of batch.entries()) {
      const outcome = outcomes[i] as Outcome;
      if ('alone' in outcome) continue;
      this.stats.batched++;
      done(w);
      if ('answer' in outcome) w.resolve(outcome.answer);
      else w.reject(outcome.error);
    }
    for (const [i, w] of batch.entries()) {
      if (!('alone' in (outcomes[i] as Outcome))) continue;
      this.stats.alone++;
      await postAlone(this.db, workspaceId, w.posting).then(w.resolve, w.reject);
      done(w);
    }
  }
}

const batchesOfDb = new WeakMap<Db, PostingBatches>();

/** The process's posting queues for this database, made on first use. */
export function postingBatchesOf(db: Db): PostingBatches {
  let batches = batchesOfDb.get(db);
  if (!batches) {
    batches = new PostingBatches(db);
    batchesOfDb.set(db, batches);
  }
  return batches;
}

type Outcome = { answer: BatchAnswer } | { error: AppError } | { alone: true };

/** A posting in its own transaction: the merged profile followed to its survivor, the general paths available. */
export function postAlone(db: Db, workspaceId: string, p: BatchPosting): Promise<BatchAnswer> {
  return db.tenant(workspaceId, async (tx) => {
    const customerId = (await getCustomerRow(tx, workspaceId, p.customerId)).id;
    const input = {
      customerId,
      points: p.points,
      kind: p.type,
      cause: p.cause,
      key: p.key,
      actor: p.actor ?? null,
      details: p.details ?? {},
    };
    const answer =
      p.type === 'earn'
        ? await earnChecked(tx, workspaceId, { ...input, kind: 'earn', at: p.at })
        : await spendChecked(tx, workspaceId, { ...input, kind: 'spend', now: p.at });
    const transaction = keptPosting({ kind: p.type, customerId, points: p.points, key: p.key }, answer);
    if (!answer.first && p.audit) await recordAudit(tx, p.audit);
    return { transaction, replayed: answer.first };
  });
}

interface Held {
  /** [customer id, balance, debt, membership status, merged away] */
  members: [string, number, number, string | null, boolean][];
  existing: Parameters<typeof transactionOf>[0][];
  /** [customer id, lot id, remaining, due], per spend in the batch's order, in the order lots are drawn. */
  lots: [string, number, number, boolean][];
}

/**
 * Plans and writes a batch of postings for distinct members under distinct keys in the caller's transaction;
 * answers each: its transaction, the error that refused it, or that it must be posted alone.
 */
export async function postBatch(tx: Tx, workspaceId: string, postings: readonly BatchPosting[]): Promise<Outcome[]> {
  const spends = postings.filter((p) => p.type === 'spend');
  const rows = await tx.query<{ h: Held }>(
    'SELECT points_batch_hold($1, $2::uuid[], $3::text[], $4::uuid[], $5::bigint[], $6::timestamptz[]) AS h',
    [
      workspaceId,
      [...new Set(postings.map((p) => p.customerId))].sort(),
      postings.map((p) => p.key),
      spends.map((p) => p.customerId),
      spends.map((p) => p.points),
      spends.map((p) => p.at),
    ],
  );
  const held = (rows[0] as { h: Held }).h;
  const members = new Map(held.members.map((m) => [m[0], m]));
  const existing = new Map(held.existing.map((t) => [t.idempotency_key, transactionOf(t)]));
  const lotsOf = new Map<string, { id: number; remaining: number; due: boolean }[]>();
  for (const [customerId, id, remaining, due] of held.lots) {
    const lots = lotsOf.get(customerId) ?? [];
    lots.push({ id: Number(id), remaining: Number(remaining), due });
    lotsOf.set(customerId, lots);
  }

  const outcomes: Outcome[] = [];
  const planned: { index: number; balance: number; debt: number }[] = [];
  const draws: { posting: number; lot: number; points: number }[] = [];
  for (const [index, p] of postings.entries()) {
    const before = existing.get(p.key);
    if (before) {
      try {
        const kept = keptPosting(
          { kind: p.type, customerId: p.customerId, points: p.points, key: p.key },
          { transaction: before, first: true },
        );
        outcomes.push({ answer: { transaction: kept, replayed: true } });
      } catch (err) {
        outcomes.push({ error: err as AppError });
      }
      continue;
    }
    const member = members.get(p.customerId);
    if (!member || member[4]) {
      outcomes.push({ alone: true });
      continue;
    }
    const [, balanceText, debtText, status] = member;
    if (status !== 'active') {
      outcomes.push({
        error: refusal(
          status === null
            ? { refused: 'points.not_a_member' }
            : { refused: 'points.member_inactive', status: status as string },
        ),
      });
      continue;
    }
    const balance = Number(balanceText);
    const debt = Number(debtText);
    if (p.type === 'earn') {
      if (debt > 0) {
        outcomes.push({ alone: true });
        continue;
      }
      planned.push({ index, balance: balance + p.points, debt: 0 });
      outcomes.push({ alone: true }); // replaced once written
      continue;
    }
    const lots = lotsOf.get(p.customerId) ?? [];
    if (lots.some((l) => l.due)) {
      outcomes.push({ alone: true });
      continue;
    }
    const available = lots.reduce((sum, l) => sum + l.remaining, 0);
    if (available < p.points) {
      outcomes.push({
        error: refusal({ refused: 'points.insufficient_balance', balance: available, points: p.points }),
      });
      continue;
    }
    let left = p.points;
    for (const lot of lots) {
      if (left === 0) break;
      const take = Math.min(left, lot.remaining);
      draws.push({ posting: planned.length + 1, lot: lot.id, points: take });
      left -= take;
    }
    planned.push({ index, balance: balance - p.points, debt });
    outcomes.push({ alone: true }); // replaced once written
  }
  if (planned.length === 0) return outcomes;

  const chosen = planned.map((x) => postings[x.index] as BatchPosting);
  const written = await tx.query<{
    w: { postings: [number, number, number | null][]; drawn: number; planned: number };
  }>(
    `SELECT points_batch_write($1, $2::text[], $3::text[], $4::text[], $5::uuid[], $6::bigint[], $7::bigint[],
                               $8::bigint[], $9::text[], $10::text[], $11::text[], $12::jsonb[], $13::timestamptz[],
                               $14::int[], $15::bigint[], $16::bigint[], $17) AS w`,
    [
      workspaceId,
      chosen.map((p) => p.type),
      chosen.map((p) => p.cause),
      chosen.map((p) => p.key),
      chosen.map((p) => p.customerId),
      chosen.map((p) => p.points),
      planned.map((x) => x.balance),
      planned.map((x) => x.debt),
      chosen.map((p) => p.actor?.type ?? null),
      chosen.map((p) => p.actor?.id ?? null),
      chosen.map((p) => p.actor?.name ?? null),
      chosen.map((p) => JSON.stringify(p.details ?? {})),
      chosen.map((p) => p.at),
      draws.map((d) => d.posting),
      draws.map((d) => d.lot),
      draws.map((d) => d.points),
      DEFAULT_RULES.expiry.months,
    ],
  );
  const w = (written[0] as { w: { postings: [number, number, number | null][]; drawn: number; planned: number } }).w;
  if (Number(w.drawn) !== Number(w.planned) || w.postings.length !== planned.length) {
    // A lot drawn from was not the member's: a planning bug, never to be committed.
    throw new Error(`points_batch_write: ${w.drawn} of ${w.planned} lots drawn, ${w.postings.length} postings`);
  }
  for (const [n, id] of w.postings) {
    const plan = planned[n - 1] as (typeof planned)[number];
    const p = chosen[n - 1] as BatchPosting;
    outcomes[plan.index] = {
      answer: {
        replayed: false,
        transaction: {
          id: Number(id),
          kind: p.type,
          cause: p.cause,
          idempotency_key: p.key,
          customer_id: p.customerId,
          amount: p.points,
          points: p.type === 'earn' ? p.points : -p.points,
          debt_change: 0,
          balance_after: plan.balance,
          debt_after: plan.debt,
          reason: null,
          actor_name: p.actor?.name ?? null,
          details: p.details ?? {},
          at: p.at,
        },
      },
    };
  }
  await recordAudits(
    tx,
    chosen.flatMap((p) => (p.audit ? [p.audit] : [])),
  );
  return outcomes;
}
