// The audience engine: one index per workspace, built from PostgreSQL on first use, kept current by tailing the
// domain-event outbox (so every process — API or worker — converges on the same committed state), slid as local
// days pass, and evaluating rules as bitmap algebra with SQL answering the nodes the index does not cover.
import roaring from 'roaring';
import type { Tx } from '../../../platform/db/index.ts';
import type { ConditionRegistry, Rule } from '../rules.ts';
import { compileRule } from '../sql.ts';
import { dayOf } from '../time.ts';
import type { Bitmap } from './bsi.ts';
import { rebuild, refreshCustomers, slide, workspaceTimeZone } from './loader.ts';
import type { WorkspaceIndex } from './workspace-index.ts';

const { RoaringBitmap32 } = roaring;

/** Domain events that change what the index holds, and where their payloads name customers. */
export const INDEXED_EVENTS = [
  'customer.created',
  'customer.updated',
  'customer.merged',
  'customer.unmerged',
  'customer.identified',
  'event.tracked',
  'order.placed',
  'order.updated',
  'order.refunded',
  'tag.added',
  'tag.removed',
  'tag.deleted',
  'traits.changed',
] as const;
const indexed: ReadonlySet<string> = new Set(INDEXED_EVENTS);
/** Outbox rows read per catch-up; the rest wait for the next use. */
const TAIL_LIMIT = 10_000;
const CUSTOMER_KEYS = ['customerId', 'survivorId', 'mergedId', 'restoredId'];

/** An outbox id not seen yet below the high-water mark may belong to a transaction still open; it is re-asked. */
const GAP_SECONDS = 30;
/** After a rebuild, this many recent events are applied again: they may have committed while it read. */
const REBUILD_OVERLAP = 500;
/** How long a SQL fallback's bitmap is kept while the index has not changed. */
const FALLBACK_TTL_MS = 30_000;

export interface State {
  index: WorkspaceIndex;
  highWater: number;
  gaps: Map<number, number>;
  fallbacks: Map<string, { bitmap: Bitmap; version: number; at: number }>;
  /** Customers reloaded since `takeChanged` was last called. */
  changed: Set<string>;
}

export function customersOf(payload: unknown): string[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const p = payload as Record<string, unknown>;
  const ids = CUSTOMER_KEYS.map((k) => p[k]).filter((v): v is string => typeof v === 'string');
  if (Array.isArray(p.customerIds)) ids.push(...p.customerIds.filter((v): v is string => typeof v === 'string'));
  return ids;
}

export class AudienceEngine {
  private readonly states = new Map<string, State>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(readonly registry: ConditionRegistry) {}

  /**
   * Runs `fn` with the workspace's index brought up to date for `now`, one caller per workspace at a time.
   * `tx` must be the workspace's tenant transaction; it is also how fallbacks read.
   */
  async withIndex<T>(tx: Tx, now: Date, fn: (index: WorkspaceIndex, state: State) => Promise<T>): Promise<T> {
    const ws = tx.workspaceId;
    if (!ws) throw new Error('the audience engine needs a tenant transaction');
    const previous = this.locks.get(ws) ?? Promise.resolve();
    const run = previous
      .catch(() => {})
      .then(async () => {
        const state = await this.current(tx, ws, now);
        return fn(state.index, state);
      });
    this.locks.set(ws, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(ws) === run) this.locks.delete(ws);
    }
  }

  /** Brings the index up to date and hands over the customers (ids) reloaded since the last call. */
  takeChanged(state: State): string[] {
    const changed = [...state.changed];
    state.changed.clear();
    return changed;
  }

  private async current(tx: Tx, ws: string, now: Date): Promise<State> {
    let state = this.states.get(ws);
    const timeZone = state?.index.timeZone ?? (await workspaceTimeZone(tx, ws));
    const today = dayOf(now, timeZone);
    if (!state) {
      const top = await tx.query<{ id: number | null }>(
        'SELECT max(id) AS id FROM outbox_events WHERE workspace_id = $1',
        [ws],
      );
      const index = await rebuild(tx, ws, today, now);
      state = {
        index,
        highWater: Math.max(0, (top[0]?.id ?? 0) - REBUILD_OVERLAP),
        gaps: new Map(),
        fallbacks: new Map(),
        changed: new Set(),
      };
      this.states.set(ws, state);
    }
    await this.tail(tx, state, now);
    if (state.index.day !== today) {
      state.index = await slide(tx, state.index, today, now);
      state.fallbacks.clear();
    }
    return state;
  }

  /** Applies the outbox events committed since the last look: each one reloads the customers it names. */
  private async tail(tx: Tx, state: State, now: Date): Promise<void> {
    const ws = state.index.workspaceId;
    const gaps = [...state.gaps.keys()];
    // One statement, so one snapshot: the ids that move the mark and the events applied are the same set. (Reading
    // them with separate statements let an event commit in between, move the mark, and never be applied.)
    const all = await tx.query<{ id: number; type: string; payload: unknown }>(
      `SELECT id, type, CASE WHEN type = ANY($4::text[]) THEN payload END AS payload FROM outbox_events
       WHERE workspace_id = $1 AND (id > $2 OR id = ANY($3::bigint[]))
       ORDER BY id LIMIT ${TAIL_LIMIT}`,
      [ws, state.highWater, gaps, INDEXED_EVENTS],
    );
    const rows = all.filter((r) => indexed.has(r.type));
    const customers = new Set<string>();
    for (const row of all) state.gaps.delete(row.id);
    for (const row of rows) {
      for (const id of customersOf(row.payload)) customers.add(id);
      const tagId = (row.payload as { tagId?: unknown } | null)?.tagId;
      // A deleted tag takes its rows with it (ON DELETE CASCADE) without naming the customers.
      if (row.type === 'tag.deleted' && typeof tagId === 'string') {
        state.index.categories.get('tag')?.delete(tagId);
        state.index.version++;
      }
    }
    const newTop = all.reduce((top, r) => Math.max(top, r.id), state.highWater);
    if (newTop > state.highWater) {
      // Ids between the old and the new mark that this snapshot did not show are transactions still in flight:
      // remember them for a while and ask for them again.
      const seen = new Set(all.map((r) => r.id));
      const nowMs = now.getTime();
      if (newTop - state.highWater < 10_000)
        for (let id = state.highWater + 1; id < newTop; id++) if (!seen.has(id)) state.gaps.set(id, nowMs);
      state.highWater = newTop;
    }
    for (const [id, at] of state.gaps) if (now.getTime() - at > GAP_SECONDS * 1000) state.gaps.delete(id);
    if (customers.size > 0) {
      await refreshCustomers(tx, state.index, [...customers]);
      state.index.updatedAt = now;
      for (const id of customers) state.changed.add(id);
    }
  }

  /** The customers (seqs) matching a rule now. */
  async evaluate(tx: Tx, rule: Rule, now: Date): Promise<Bitmap> {
    return this.withIndex(tx, now, (index, state) => this.evaluateIn(tx, index, state, rule));
  }

  async evaluateIn(tx: Tx, index: WorkspaceIndex, state: State, rule: Rule): Promise<Bitmap> {
    const walk = async (node: Rule): Promise<Bitmap> => {
      if (node.op !== undefined) {
        if (node.op === 'not') return RoaringBitmap32.andNot(index.alive, await walk(node.rule));
        if (node.op === 'or') {
          const parts: Bitmap[] = [];
          for (const child of node.rules) parts.push(await walk(child));
          return RoaringBitmap32.orMany(parts);
        }
        // `and not x` subtracts x from what is left instead of building the (large) complement of x first.
        const parts: Bitmap[] = [];
        const excluded: Rule[] = [];
        for (const child of node.rules) {
          if (child.op === 'not') excluded.push(child.rule);
          else parts.push(await walk(child));
        }
        // Smallest first: every intersection after it is cheaper.
        parts.sort((a, b) => a.size - b.size);
        const out = parts.length > 0 ? parts[0]!.clone() : index.alive.clone();
        for (const p of parts.slice(1)) out.andInPlace(p);
        for (const x of excluded) if (!out.isEmpty) out.andNotInPlace(await walk(x));
        return out;
      }
      return this.registry.get(node.type).bitmap?.(node, index) ?? (await this.fallback(tx, index, state, node));
    };
    return RoaringBitmap32.and(await walk(rule), index.alive);
  }

  /** Whether one customer matches a rule; cheap enough to run for every event's customers. */
  async matchesIn(tx: Tx, index: WorkspaceIndex, rule: Rule, seq: number): Promise<boolean> {
    if (!index.alive.has(seq)) return false;
    const walk = async (node: Rule): Promise<boolean> => {
      if (node.op !== undefined) {
        if (node.op === 'not') return !(await walk(node.rule));
        for (const child of node.rules) {
          const hit = await walk(child);
          if (node.op === 'and' && !hit) return false;
          if (node.op === 'or' && hit) return true;
        }
        return node.op === 'and';
      }
      const known = this.registry.get(node.type).test?.(node, index, seq);
      if (known !== undefined && known !== null) return known;
      const compiled = compileRule(this.registry, node, {
        workspaceId: index.workspaceId,
        today: index.day,
        timeZone: index.timeZone,
      });
      const rows = await tx.query(`SELECT 1 ${compiled.from} AND c.seq = $${compiled.params.length + 1}`, [
        ...compiled.params,
        seq,
      ]);
      return rows.length > 0;
    };
    return walk(rule);
  }

  private async fallback(tx: Tx, index: WorkspaceIndex, state: State, node: Rule): Promise<Bitmap> {
    const key = `${index.day}:${JSON.stringify(node)}`;
    const cached = state.fallbacks.get(key);
    if (cached && cached.version === index.version && Date.now() - cached.at < FALLBACK_TTL_MS) return cached.bitmap;
    const compiled = compileRule(this.registry, node, {
      workspaceId: index.workspaceId,
      today: index.day,
      timeZone: index.timeZone,
    });
    const rows = await tx.query<{ seq: number }>(`SELECT c.seq ${compiled.from}`, compiled.params);
    const bitmap = new RoaringBitmap32(rows.map((r) => r.seq));
    if (state.fallbacks.size > 200) state.fallbacks.clear();
    state.fallbacks.set(key, { bitmap, version: index.version, at: Date.now() });
    return bitmap;
  }

  /** Forgets a workspace's index; the next use rebuilds it. */
  drop(workspaceId: string): void {
    this.states.delete(workspaceId);
  }

  stats(workspaceId: string): { customers: number; bytes: number; updatedAt: Date; builtAt: Date } | null {
    const s = this.states.get(workspaceId);
    if (!s) return null;
    return {
      customers: s.index.alive.size,
      bytes: s.index.memoryBytes(),
      updatedAt: s.index.updatedAt,
      builtAt: s.index.builtAt,
    };
  }
}
