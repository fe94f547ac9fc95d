// The audience engine: one index per workspace, built from PostgreSQL on first use, kept current by tailing the
// domain-event outbox (so every process — API or worker — converges on the same committed state), slid as local
// days pass, and evaluating rules as bitmap algebra with SQL answering the nodes the index does not cover.
import roaring from 'roaring';
import type { Tx } from '../../../platform/db/index.ts';
import { type OutboxRow, unpack } from '../../../platform/jobs/index.ts';
import type { ConditionRegistry, Rule } from '../rules.ts';
import { compileRule } from '../sql.ts';
import { dayOf, startOfDay } from '../time.ts';
import type { Bitmap } from './bsi.ts';
import { rebuild, refreshCustomers, seqsOf, slide, workspaceTimeZone } from './loader.ts';
import { eventKey, FACETS, type Facet, WINDOWS, type WorkspaceIndex } from './workspace-index.ts';

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
  // Loyalty tiers are answered by SQL; the event names the customer so segments re-check them.
  'member.tier_changed',
  // Guides (relationships) and groups (community) are answered by SQL too; each event names the customer (a group
  // member's may be null: staff, or an external member not resolved to a customer) so segments re-check them.
  'relationship.started',
  'relationship.ended',
  'community.member_joined',
  'community.member_left',
] as const;
/** Outbox rows read per page of a catch-up (a row may be a pack of up to PACK_SIZE events). */
const TAIL_PAGE = 1000;
/** Pages read per catch-up; the rest wait for the next use. */
const TAIL_PAGES = 20;
const CUSTOMER_KEYS = ['customerId', 'survivorId', 'mergedId', 'restoredId'];
/** How long a SQL fallback's bitmap is kept while the index has not changed. */
const FALLBACK_TTL_MS = 30_000;

/**
 * Where a catch-up stands, as transaction snapshots (pg_snapshot text): every event visible in `seen` has been
 * applied. `own` is the transaction that took the snapshot: PostgreSQL shows a transaction its own xid as visible,
 * but its rows were not committed yet, so they count as unseen.
 */
interface Mark {
  snapshot: string;
  own: string | null;
}

export interface State {
  index: WorkspaceIndex;
  seen: Mark;
  /** A catch-up in progress: the events visible in `upTo` and not in `seen`, read in id order after `afterId`. */
  reading: (Mark & { afterId: number; reloadOnly: boolean }) | null;
  fallbacks: Map<string, { bitmap: Bitmap; version: number; at: number }>;
}

export function customersOf(payload: unknown): string[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const p = payload as Record<string, unknown>;
  const ids = CUSTOMER_KEYS.map((k) => p[k]).filter((v): v is string => typeof v === 'string');
  if (Array.isArray(p.customerIds)) ids.push(...p.customerIds.filter((v): v is string => typeof v === 'string'));
  return ids;
}

/** Facets of the index each domain event can change; a type not listed here reloads them all. */
const FACETS_CHANGED_BY: Partial<Record<string, readonly Facet[]>> = {
  'event.tracked': ['events'],
  'order.placed': ['orders'],
  'order.updated': ['orders'],
  'order.refunded': ['orders'],
  'tag.added': ['tags'],
  'tag.removed': ['tags'],
  'traits.changed': ['traits'],
  // Nothing the index holds changes, but reloading the small profile facet moves its version, which drops the
  // cached SQL answers (the tier condition's) that were computed before the change.
  'member.tier_changed': ['profile'],
  // The same for the guide and group conditions' cached SQL answers.
  'relationship.started': ['profile'],
  'relationship.ended': ['profile'],
  'community.member_joined': ['profile'],
  'community.member_left': ['profile'],
};

function trackedDelta(payload: Record<string, unknown>) {
  const { customerId, name, occurredAt } = payload;
  if (typeof customerId !== 'string' || typeof name !== 'string' || typeof occurredAt !== 'string') return null;
  const at = new Date(occurredAt);
  return Number.isNaN(at.getTime()) ? null : { customerId, name, at };
}

/** Counts one event in every window that holds its time, as a reload would (windows have no upper bound). */
function applyTracked(index: WorkspaceIndex, seq: number, name: string, at: Date): void {
  index.eventNames.add(name);
  for (const w of WINDOWS) {
    if (w === 0 || at >= startOfDay(index.day - w + 1, index.timeZone)) index.increment(eventKey(name, w), seq, 1);
  }
}

async function currentMark(tx: Tx): Promise<Mark> {
  const rows = await tx.query<{ snapshot: string; own: string | null }>(
    'SELECT pg_current_snapshot()::text AS snapshot, pg_current_xact_id_if_assigned()::text AS own',
  );
  return rows[0]!;
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

  private async current(tx: Tx, ws: string, now: Date): Promise<State> {
    let state = this.states.get(ws);
    const timeZone = state?.index.timeZone ?? (await workspaceTimeZone(tx, ws));
    const today = dayOf(now, timeZone);
    if (!state) {
      const before = await currentMark(tx);
      const index = await rebuild(tx, ws, today, now);
      // Each statement of the rebuild saw what had committed when it began: events that committed meanwhile may or
      // may not be in the index, so the first catch-up reloads them all (a reload is exact either way) instead of
      // adding deltas that could count them twice.
      const after = await currentMark(tx);
      state = { index, seen: before, reading: { ...after, afterId: 0, reloadOnly: true }, fallbacks: new Map() };
      this.states.set(ws, state);
    }
    await this.tail(tx, state, now);
    if (state.index.day !== today) {
      state.index = await slide(tx, state.index, today, now);
      state.fallbacks.clear();
    }
    return state;
  }

  /**
   * Applies the outbox events committed since the last look. Most reload, for the customers they name, the facets
   * they can have changed; a tracked event is applied as +1 to its counts instead (no read at all), unless the
   * rebuild may already have counted it or the same customer is reloaded anyway.
   */
  private async tail(tx: Tx, state: State, now: Date): Promise<void> {
    for (let page = 0; page < TAIL_PAGES; page++) {
      state.reading ??= { ...(await currentMark(tx)), afterId: 0, reloadOnly: false };
      const reading = state.reading;
      // Everything older than the seen snapshot's xmin (bar its own transaction) was visible to it: the lower
      // bound lets the (workspace_id, xid) index skip the workspace's history.
      const rows = await tx.query<OutboxRow>(
        `SELECT id, workspace_id, type, payload, pack_size, occurred_at FROM outbox_events
         WHERE workspace_id = $1 AND type = ANY($2::text[]) AND id > $3
           AND xid >= LEAST(pg_snapshot_xmin($4::pg_snapshot), coalesce($5::xid8, pg_snapshot_xmin($4::pg_snapshot)))
           AND NOT (pg_visible_in_snapshot(xid, $4::pg_snapshot) AND xid IS DISTINCT FROM $5::xid8)
           AND pg_visible_in_snapshot(xid, $6::pg_snapshot) AND xid IS DISTINCT FROM $7::xid8
         ORDER BY id LIMIT ${TAIL_PAGE}`,
        [
          state.index.workspaceId,
          INDEXED_EVENTS,
          reading.afterId,
          state.seen.snapshot,
          state.seen.own,
          reading.snapshot,
          reading.own,
        ],
      );
      await this.apply(tx, state.index, rows.flatMap(unpack), reading.reloadOnly, now);
      if (rows.length === TAIL_PAGE) {
        reading.afterId = rows[rows.length - 1]!.id;
        continue;
      }
      state.seen = { snapshot: reading.snapshot, own: reading.own };
      state.reading = null;
      return;
    }
  }

  private async apply(
    tx: Tx,
    index: WorkspaceIndex,
    rows: readonly { type: string; payload: unknown }[],
    reloadOnly: boolean,
    now: Date,
  ): Promise<void> {
    const reload = new Map<string, Set<Facet>>();
    const deltas: { customerId: string; name: string; at: Date }[] = [];
    for (const row of rows) {
      const payload = (row.payload ?? {}) as Record<string, unknown>;
      // A deleted tag takes its rows with it (ON DELETE CASCADE) without naming the customers.
      if (row.type === 'tag.deleted' && typeof payload.tagId === 'string') {
        index.categories.get('tag')?.delete(payload.tagId);
        index.version++;
      }
      const delta = row.type === 'event.tracked' && !reloadOnly ? trackedDelta(payload) : null;
      if (delta) {
        deltas.push(delta);
        continue;
      }
      const facets = FACETS_CHANGED_BY[row.type] ?? FACETS;
      for (const id of customersOf(payload)) {
        const set = reload.get(id) ?? new Set<Facet>();
        for (const f of facets) set.add(f);
        reload.set(id, set);
      }
    }
    // A reload reads every committed row, the events of this batch included: adding their deltas would count twice.
    const counted = deltas.filter((d) => !reload.get(d.customerId)?.has('events'));
    if (counted.length > 0) {
      const seqs = await seqsOf(tx, index.workspaceId, [...new Set(counted.map((d) => d.customerId))]);
      for (const d of counted) {
        const seq = seqs.get(d.customerId);
        if (seq !== undefined) applyTracked(index, seq, d.name, d.at);
      }
      index.version++;
    }
    const byFacets = new Map<string, { facets: Facet[]; customers: string[] }>();
    for (const [id, facets] of reload) {
      const key = [...facets].sort().join(',');
      const group = byFacets.get(key) ?? { facets: [...facets], customers: [] };
      group.customers.push(id);
      byFacets.set(key, group);
    }
    for (const group of byFacets.values()) await refreshCustomers(tx, index, group.customers, group.facets);
    if (counted.length > 0 || reload.size > 0) index.updatedAt = now;
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

  /**
   * Which of some customers (seqs) match a rule: bitmap algebra restricted to them, and SQL only for the nodes the
   * index does not cover, asked about these customers alone — cheap for a batch of events' customers whatever the
   * workspace's size.
   */
  async matchingAmong(tx: Tx, index: WorkspaceIndex, rule: Rule, seqs: Bitmap): Promise<Bitmap> {
    const among = RoaringBitmap32.and(seqs, index.alive);
    const walk = async (node: Rule): Promise<Bitmap> => {
      if (node.op !== undefined) {
        if (node.op === 'not') return RoaringBitmap32.andNot(among, await walk(node.rule));
        if (node.op === 'or') {
          const parts: Bitmap[] = [];
          for (const child of node.rules) parts.push(await walk(child));
          return RoaringBitmap32.orMany(parts);
        }
        const out = among.clone();
        for (const child of node.rules) if (!out.isEmpty) out.andInPlace(await walk(child));
        return out;
      }
      const known = this.registry.get(node.type).bitmap?.(node, index);
      if (known) return RoaringBitmap32.and(known, among);
      if (among.isEmpty) return among.clone();
      const compiled = compileRule(this.registry, node, {
        workspaceId: index.workspaceId,
        today: index.day,
        timeZone: index.timeZone,
      });
      const rows = await tx.query<{ seq: number }>(
        `SELECT c.seq ${compiled.from} AND c.seq = ANY($${compiled.params.length + 1}::bigint[])`,
        [...compiled.params, among.toArray()],
      );
      return new RoaringBitmap32(rows.map((r) => r.seq));
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
