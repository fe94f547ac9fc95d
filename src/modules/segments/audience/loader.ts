// Fills a workspace index from PostgreSQL: the whole workspace on start (`rebuild`, streamed through server-side
// cursors, so millions of customers arrive in batches), some facets of a few customers after domain events
// (`refreshCustomers`), and the rolling windows when local days pass (`slide`).
import type { Queryable } from '../../../platform/db/index.ts';
import { COUNTED_ORDER, ORDER_SPEND } from '../conditions/order.ts';
import { startOfDay } from '../time.ts';
import { type Bitmap, BSI_MAX } from './bsi.ts';
import {
  CATEGORICAL_ATTRIBUTES,
  CATEGORICAL_TRAITS,
  eventKey,
  FACETS,
  type Facet,
  type IndexedWindow,
  NUMERIC_TRAITS,
  orderKey,
  WINDOWS,
  WorkspaceIndex,
} from './workspace-index.ts';

const BATCH = 20_000;
/** Beyond this many days without sliding, recomputing the windows is cheaper than subtracting day by day. */
const MAX_SLIDE_DAYS = 60;
const ROLLING = WINDOWS.filter((w) => w !== 0);

// Cursor queries carry their values inline (DECLARE takes no parameters on every driver); all of them are uuids
// and timestamps this module produced, never input.
const lit = (v: string | Date) => `'${(v instanceof Date ? v.toISOString() : v).replace(/'/g, "''")}'`;

let cursorNo = 0;
async function stream<R>(tx: Queryable, sql: string, each: (row: R) => void): Promise<void> {
  const name = `segments_cur_${++cursorNo}`;
  await tx.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`);
  for (;;) {
    const rows = await tx.query<R>(`FETCH ${BATCH} FROM ${name}`);
    for (const row of rows) each(row);
    if (rows.length < BATCH) break;
  }
  await tx.query(`CLOSE ${name}`);
}

/** Buffers bitmap additions so a rebuild makes one addMany per bitmap per batch instead of a call per bit. */
class Sink {
  private bits = new Map<Bitmap, number[]>();
  private nums = new Map<string, { seqs: number[]; values: number[] }>();
  private pending = 0;

  constructor(private readonly index: WorkspaceIndex) {}

  add(b: Bitmap, seq: number): void {
    const list = this.bits.get(b);
    if (list) list.push(seq);
    else this.bits.set(b, [seq]);
    if (++this.pending > 1_000_000) this.flush();
  }

  num(key: string, seq: number, value: number): void {
    if (!Number.isInteger(value) || value < 0 || value >= BSI_MAX) {
      this.index.uncovered.add(key);
      return;
    }
    const n = this.nums.get(key);
    if (n) {
      n.seqs.push(seq);
      n.values.push(value);
    } else this.nums.set(key, { seqs: [seq], values: [value] });
    if (++this.pending > 1_000_000) this.flush();
  }

  flush(): void {
    for (const [b, seqs] of this.bits) b.addMany(seqs);
    for (const [key, n] of this.nums) this.index.number(key).load(n.seqs, n.values);
    this.bits.clear();
    this.nums.clear();
    this.pending = 0;
  }
}

export async function workspaceTimeZone(tx: Queryable, workspaceId: string): Promise<string> {
  const rows = await tx.query<{ timezone: string }>('SELECT timezone FROM workspaces WHERE id = $1', [workspaceId]);
  return rows[0]?.timezone ?? 'Asia/Shanghai';
}

/** A fresh index of the whole workspace with windows as of local day `day`. */
export async function rebuild(tx: Queryable, workspaceId: string, day: number, now: Date): Promise<WorkspaceIndex> {
  const index = new WorkspaceIndex(workspaceId, await workspaceTimeZone(tx, workspaceId), day);
  await load(tx, index, null, FACETS);
  index.builtAt = now;
  index.updatedAt = now;
  return index;
}

/**
 * Loads again what the index holds of some customers, for the facets a domain event may have changed (all of them
 * after a merge; only the tags after a tag change): those dimensions are forgotten for the customers, then read.
 */
export async function refreshCustomers(
  tx: Queryable,
  index: WorkspaceIndex,
  customerIds: readonly string[],
  facets: readonly Facet[] = FACETS,
): Promise<void> {
  if (customerIds.length === 0 || facets.length === 0) return;
  const rows = await tx.query<{ seq: number }>(
    'SELECT seq FROM customers WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
    [index.workspaceId, customerIds],
  );
  if (rows.length === 0) return;
  for (const r of rows) index.forget(r.seq, facets);
  await load(tx, index, customerIds, facets);
  index.version++;
}

/** The seqs of customers, for callers that change the index in place (event deltas). */
export async function seqsOf(tx: Queryable, workspaceId: string, customerIds: readonly string[]) {
  const rows = await tx.query<{ id: string; seq: number }>(
    'SELECT id, seq FROM customers WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
    [workspaceId, customerIds],
  );
  return new Map(rows.map((r) => [r.id, r.seq]));
}

/**
 * Reads the facets of all customers (`customerIds` null: a rebuild, streamed through cursors) or of a few (plain
 * queries: a cursor's DECLARE/FETCH/CLOSE would triple the round trips of a reload that returns a handful of rows).
 */
async function load(
  tx: Queryable,
  index: WorkspaceIndex,
  customerIds: readonly string[] | null,
  facets: readonly Facet[],
): Promise<void> {
  const ws = lit(index.workspaceId);
  const customerFilter = customerIds ? 'c.id = ANY($1::uuid[])' : 'TRUE';
  const read = <R>(sql: string, each: (row: R) => void) =>
    customerIds ? tx.query<R>(sql, [customerIds]).then((rows) => rows.forEach(each)) : stream(tx, sql, each);
  const sink = new Sink(index);
  const join = `JOIN customers c ON c.workspace_id = x.workspace_id AND c.id = x.customer_id`;
  const wanted = new Set(facets);

  if (wanted.has('profile')) {
    const attrs = CATEGORICAL_ATTRIBUTES.join(', ');
    await read<Record<string, unknown> & { seq: number; alive: boolean; interests: string[] }>(
      `SELECT c.seq, c.merged_into IS NULL AS alive, ${attrs}, c.interests FROM customers c
       WHERE c.workspace_id = ${ws} AND ${customerFilter}`,
      (row) => {
        if (row.alive) sink.add(index.alive, row.seq);
        for (const a of CATEGORICAL_ATTRIBUTES) {
          const v = row[a];
          if (v !== null && v !== undefined) sink.add(index.categoryOrCreate(`attr:${a}`, String(v)), row.seq);
        }
        for (const i of row.interests ?? []) sink.add(index.categoryOrCreate('attr:interests', i), row.seq);
      },
    );
  }

  if (wanted.has('traits')) {
    await read<Record<string, unknown> & { seq: number }>(
      `SELECT c.seq, ${[...CATEGORICAL_TRAITS, ...NUMERIC_TRAITS].map((t) => `x.${t}`).join(', ')}
       FROM customer_traits x ${join} WHERE x.workspace_id = ${ws} AND ${customerFilter}`,
      (row) => {
        for (const t of CATEGORICAL_TRAITS) {
          const v = row[t];
          if (v !== null && v !== undefined) sink.add(index.categoryOrCreate(`trait:${t}`, String(v)), row.seq);
        }
        for (const t of NUMERIC_TRAITS) {
          const v = row[t];
          if (v !== null && v !== undefined) sink.num(`trait:${t}`, row.seq, Number(v));
        }
      },
    );
  }

  if (wanted.has('tags')) {
    await read<{ seq: number; tag_id: string }>(
      `SELECT c.seq, x.tag_id FROM customer_tags x ${join} WHERE x.workspace_id = ${ws} AND ${customerFilter}`,
      (row) => sink.add(index.categoryOrCreate('tag', row.tag_id), row.seq),
    );
  }

  if (wanted.has('identities')) {
    await read<{ seq: number; kind: string }>(
      `SELECT DISTINCT c.seq, x.kind FROM customer_identities x ${join}
       WHERE x.workspace_id = ${ws} AND ${customerFilter}`,
      (row) => sink.add(index.categoryOrCreate('identity', row.kind), row.seq),
    );
  }

  const since = (w: IndexedWindow) => lit(startOfDay(index.day - w + 1, index.timeZone));
  const filterOf = (w: IndexedWindow, column: string) => (w === 0 ? '' : ` FILTER (WHERE x.${column} >= ${since(w)})`);
  if (wanted.has('orders')) {
    await read<Record<string, number> & { seq: number }>(
      `SELECT c.seq, ${WINDOWS.map((w) => `count(*)${filterOf(w, 'placed_at')} AS n${w}, coalesce(sum(${ORDER_SPEND.replace(/(paid_fen|refunded_fen)/g, 'x.$1')})${filterOf(w, 'placed_at')}, 0)::bigint AS s${w}`).join(', ')}
       FROM orders x ${join} WHERE x.workspace_id = ${ws} AND x.${COUNTED_ORDER} AND ${customerFilter} GROUP BY c.seq`,
      (row) => {
        for (const w of WINDOWS) {
          if (row[`n${w}`]! > 0) sink.num(orderKey('count', w), row.seq, row[`n${w}`]!);
          if (row[`s${w}`]! > 0) sink.num(orderKey('spend', w), row.seq, row[`s${w}`]!);
        }
      },
    );
  }

  if (wanted.has('events')) {
    await read<Record<string, number> & { seq: number; name: string }>(
      `SELECT c.seq, x.name, ${WINDOWS.map((w) => `count(*)${filterOf(w, 'occurred_at')} AS n${w}`).join(', ')}
       FROM events x ${join} WHERE x.workspace_id = ${ws} AND ${customerFilter} GROUP BY c.seq, x.name`,
      (row) => {
        index.eventNames.add(row.name);
        for (const w of WINDOWS) if (row[`n${w}`]! > 0) sink.num(eventKey(row.name, w), row.seq, row[`n${w}`]!);
      },
    );
  }
  sink.flush();
}

/**
 * Moves the rolling windows from `index.day` to `day`: the orders and events of the days that leave each window
 * are read (a day's worth of rows per window) and subtracted. Going back in time, or a long gap, rebuilds.
 */
export async function slide(tx: Queryable, index: WorkspaceIndex, day: number, now: Date): Promise<WorkspaceIndex> {
  if (day === index.day) return index;
  if (day < index.day || day - index.day > MAX_SLIDE_DAYS) return rebuild(tx, index.workspaceId, day, now);
  const ws = lit(index.workspaceId);
  const join = `JOIN customers c ON c.workspace_id = x.workspace_id AND c.id = x.customer_id`;
  const subtract = (key: string, seq: number, amount: number) => {
    if (index.uncovered.has(key) || amount === 0) return;
    const left = (index.numbers.get(key)?.get(seq) ?? 0) - amount;
    if (left < 0) index.uncovered.add(key);
    else index.number(key).set(seq, left === 0 ? null : left);
  };
  for (const w of ROLLING) {
    const from = lit(startOfDay(index.day - w + 1, index.timeZone));
    const to = lit(startOfDay(day - w + 1, index.timeZone));
    await stream<{ seq: number; n: number; s: number }>(
      tx,
      `SELECT c.seq, count(*) AS n, coalesce(sum(${ORDER_SPEND.replace(/(paid_fen|refunded_fen)/g, 'x.$1')}), 0)::bigint AS s
       FROM orders x ${join} WHERE x.workspace_id = ${ws} AND x.${COUNTED_ORDER}
       AND x.placed_at >= ${from} AND x.placed_at < ${to} GROUP BY c.seq`,
      (row) => {
        subtract(orderKey('count', w), row.seq, row.n);
        subtract(orderKey('spend', w), row.seq, row.s);
      },
    );
    await stream<{ seq: number; name: string; n: number }>(
      tx,
      `SELECT c.seq, x.name, count(*) AS n FROM events x ${join} WHERE x.workspace_id = ${ws}
       AND x.occurred_at >= ${from} AND x.occurred_at < ${to} GROUP BY c.seq, x.name`,
      (row) => subtract(eventKey(row.name, w), row.seq, row.n),
    );
  }
  index.day = day;
  index.version++;
  index.updatedAt = now;
  return index;
}
