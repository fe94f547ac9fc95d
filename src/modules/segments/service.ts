// Segments: dynamic ones (a rule the audience engine keeps current, with `segment.entered` / `segment.left`
// events) and static ones (a snapshot of members), live counts and member pages. Exports are in export.ts.
import roaring from 'roaring';
import type { Segment, SegmentMember } from '../../contracts/segments.ts';
import type { Tx } from '../../platform/db/index.ts';
import { sqlState, UNIQUE_VIOLATION } from '../../platform/db/index.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../../platform/http/pagination.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { emitMany } from '../../platform/jobs/index.ts';
import type { Bitmap } from './audience/bsi.ts';
import type { AudienceEngine } from './audience/engine.ts';
import type { Rule } from './rules.ts';

interface SegmentRow {
  id: string;
  name: string;
  description: string | null;
  kind: 'dynamic' | 'static';
  rule: Rule;
  member_count: number;
  refreshed_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const toSegment = (r: SegmentRow): Segment => ({
  id: r.id,
  name: r.name,
  description: r.description,
  kind: r.kind,
  rule: r.rule as Segment['rule'],
  memberCount: r.member_count,
  refreshedAt: r.refreshed_at?.toISOString() ?? null,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export async function segmentRow(tx: Tx, id: string): Promise<SegmentRow> {
  const rows = await tx.query<SegmentRow>('SELECT * FROM segments WHERE id = $1', [id]);
  if (!rows[0]) throw notFound('segment.not_found');
  return rows[0];
}

export async function getSegment(ctx: RequestContext, id: string): Promise<Segment> {
  return toSegment(await segmentRow(ctx.tx, id));
}

export async function listSegments(ctx: RequestContext, q: { cursor?: string; limit?: number }) {
  const limit = q.limit ?? 50;
  const after = decodeCursor(q.cursor);
  const rows = await ctx.tx.query<SegmentRow>(
    `SELECT * FROM segments WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1::timestamptz, $2::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $3`,
    [after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  const more = rows.length > limit;
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return {
    items: kept.map(toSegment),
    nextCursor: more && last ? encodeCursor([last.created_at.toISOString(), last.id]) : null,
  };
}

export async function createSegment(
  ctx: RequestContext,
  engine: AudienceEngine,
  body: { name: string; description?: string; kind: 'dynamic' | 'static'; rule: Rule },
): Promise<Segment> {
  let row: SegmentRow;
  try {
    [row] = (await ctx.tx.query<SegmentRow>(
      `INSERT INTO segments (workspace_id, name, description, kind, rule, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *`,
      [
        ctx.workspaceId,
        body.name,
        body.description ?? null,
        body.kind,
        JSON.stringify(body.rule),
        ctx.actor.id,
        ctx.now(),
      ],
    )) as [SegmentRow];
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) throw conflict('segment.name_taken');
    throw err;
  }
  ctx.audit.targetId = row.id;
  // The first fill is not a change anyone entered or left through, so it announces nothing.
  await refreshSegment(ctx.tx, engine, row.id, ctx.now(), { announce: false });
  return getSegment(ctx, row.id);
}

export async function updateSegment(
  ctx: RequestContext,
  engine: AudienceEngine,
  id: string,
  patch: { name?: string; description?: string; rule?: Rule },
): Promise<Segment> {
  const current = await segmentRow(ctx.tx, id);
  ctx.audit.targetId = id;
  try {
    await ctx.tx.query(
      `UPDATE segments SET name = coalesce($2, name), description = coalesce($3, description),
         rule = coalesce($4::jsonb, rule), updated_at = $5 WHERE id = $1`,
      [id, patch.name ?? null, patch.description ?? null, patch.rule ? JSON.stringify(patch.rule) : null, ctx.now()],
    );
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) throw conflict('segment.name_taken');
    throw err;
  }
  // A static segment is a snapshot: a new rule takes a new one; a dynamic segment's members move and say so.
  if (patch.rule) await refreshSegment(ctx.tx, engine, id, ctx.now(), { announce: current.kind === 'dynamic' });
  return getSegment(ctx, id);
}

export async function deleteSegment(ctx: RequestContext, id: string): Promise<void> {
  await segmentRow(ctx.tx, id);
  ctx.audit.targetId = id;
  await ctx.tx.query('DELETE FROM segments WHERE id = $1', [id]);
}

/**
 * Brings a segment's stored members to what its rule selects now: inserts who entered, deletes who left, and
 * (when `announce`) emits `segment.entered` / `segment.left` for each, all in the caller's transaction.
 */
export async function refreshSegment(
  tx: Tx,
  engine: AudienceEngine,
  id: string,
  now: Date,
  options: { announce: boolean },
): Promise<{ entered: number; left: number }> {
  const segment = await segmentRow(tx, id);
  const want = await engine.evaluate(tx, segment.rule, now);
  const have = await tx.query<{ seq: number }>('SELECT seq FROM segment_members WHERE segment_id = $1', [id]);
  const haveSet = new Set(have.map((r) => r.seq));
  const entered = want.toArray().filter((s) => !haveSet.has(s));
  const left = have.map((r) => r.seq).filter((s) => !want.has(s));
  const enteredRows = await tx.query<{ id: string; seq: number }>(
    `INSERT INTO segment_members (workspace_id, segment_id, seq, customer_id, entered_at)
     SELECT workspace_id, $1, seq, id, $3 FROM customers WHERE seq = ANY($2::bigint[])
     RETURNING customer_id AS id, seq`,
    [id, entered, now],
  );
  const leftRows = await tx.query<{ id: string; seq: number }>(
    'DELETE FROM segment_members WHERE segment_id = $1 AND seq = ANY($2::bigint[]) RETURNING customer_id AS id, seq',
    [id, left],
  );
  if (options.announce) {
    await emitMany(
      tx,
      'segment.entered',
      enteredRows.map((r) => ({ segmentId: id, customerId: r.id, seq: r.seq })),
    );
    await emitMany(
      tx,
      'segment.left',
      leftRows.map((r) => ({ segmentId: id, customerId: r.id, seq: r.seq })),
    );
  }
  await tx.query('UPDATE segments SET member_count = $2, refreshed_at = $3 WHERE id = $1', [id, want.size, now]);
  return { entered: enteredRows.length, left: leftRows.length };
}

/**
 * After domain events: checks the customers they name against every dynamic segment (bitmap algebra restricted to
 * those customers, so the cost follows the batch, not the workspace), records who entered or left and announces
 * it. Every dynamic segment is then up to date as of `asOf` (the newest event handled), which is what the
 * console shows as its last refresh.
 */
export async function applyMembershipChanges(
  tx: Tx,
  engine: AudienceEngine,
  customerIds: readonly string[],
  now: Date,
  asOf: Date = now,
): Promise<void> {
  if (customerIds.length === 0) return;
  const segments = await tx.query<{ id: string; rule: Rule }>(
    `SELECT id, rule FROM segments WHERE kind = 'dynamic' ORDER BY id`,
  );
  if (segments.length === 0) return;
  await engine.withIndex(tx, now, async (index) => {
    const customers = await tx.query<{ id: string; seq: number }>(
      'SELECT id, seq FROM customers WHERE id = ANY($1::uuid[])',
      [customerIds],
    );
    const batch = new roaring.RoaringBitmap32(customers.map((c) => c.seq));
    const idOf = new Map(customers.map((c) => [c.seq, c.id]));
    const members = await tx.query<{ segment_id: string; seq: number }>(
      'SELECT segment_id, seq FROM segment_members WHERE workspace_id = $1 AND seq = ANY($2::bigint[])',
      [index.workspaceId, batch.toArray()],
    );
    const was = new Map<string, Set<number>>();
    for (const m of members) {
      const set = was.get(m.segment_id) ?? new Set();
      set.add(m.seq);
      was.set(m.segment_id, set);
    }
    const entered: { segmentId: string; customerId: string; seq: number }[] = [];
    const left: { segmentId: string; customerId: string; seq: number }[] = [];
    const delta = new Map<string, number>();
    for (const s of segments) {
      const is = batch.isEmpty ? batch : await engine.matchingAmong(tx, index, s.rule, batch);
      const before = was.get(s.id) ?? new Set<number>();
      for (const seq of batch) {
        const change = { segmentId: s.id, customerId: idOf.get(seq) as string, seq };
        if (is.has(seq) && !before.has(seq)) entered.push(change);
        else if (!is.has(seq) && before.has(seq)) left.push(change);
        else continue;
        delta.set(s.id, (delta.get(s.id) ?? 0) + (is.has(seq) ? 1 : -1));
      }
    }
    if (entered.length > 0) {
      await tx.query(
        `INSERT INTO segment_members (workspace_id, segment_id, seq, customer_id, entered_at)
         SELECT $1, s, q, c, $5 FROM unnest($2::uuid[], $3::bigint[], $4::uuid[]) AS u(s, q, c)
         ON CONFLICT DO NOTHING`,
        [
          index.workspaceId,
          entered.map((e) => e.segmentId),
          entered.map((e) => e.seq),
          entered.map((e) => e.customerId),
          now,
        ],
      );
      await emitMany(tx, 'segment.entered', entered);
    }
    if (left.length > 0) {
      await tx.query(
        `DELETE FROM segment_members m USING unnest($1::uuid[], $2::bigint[]) AS u(s, q)
         WHERE m.segment_id = u.s AND m.seq = u.q`,
        [left.map((e) => e.segmentId), left.map((e) => e.seq)],
      );
      await emitMany(tx, 'segment.left', left);
    }
    const ids = segments.map((s) => s.id);
    // Rows locked in id order first: a membership job of another process updates the same rows.
    await tx.query(`SELECT 1 FROM segments WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`, [ids]);
    await tx.query(
      `UPDATE segments s SET member_count = s.member_count + u.delta, refreshed_at = GREATEST(s.refreshed_at, $3)
       FROM unnest($1::uuid[], $2::int[]) AS u(id, delta) WHERE s.id = u.id`,
      [ids, ids.map((id) => delta.get(id) ?? 0), asOf],
    );
  });
}

/** Members now: a dynamic segment's from the live index, a static one's from its snapshot. */
export async function memberSeqs(
  ctx: { tx: Tx },
  engine: AudienceEngine,
  segment: SegmentRow,
  now: Date,
): Promise<Bitmap> {
  if (segment.kind === 'dynamic') return engine.evaluate(ctx.tx, segment.rule, now);
  const rows = await ctx.tx.query<{ seq: number }>('SELECT seq FROM segment_members WHERE segment_id = $1', [
    segment.id,
  ]);
  return new roaring.RoaringBitmap32(rows.map((r) => r.seq));
}

export async function countSegment(ctx: RequestContext, engine: AudienceEngine, id: string) {
  const segment = await segmentRow(ctx.tx, id);
  const started = performance.now();
  const members = await memberSeqs(ctx, engine, segment, ctx.now());
  const tookMs = Math.round((performance.now() - started) * 10) / 10;
  const indexAt = engine.stats(ctx.workspaceId)?.updatedAt ?? null;
  const refreshedAt = segment.kind === 'dynamic' ? indexAt : segment.refreshed_at;
  return { count: members.size, refreshedAt: refreshedAt?.toISOString() ?? null, tookMs };
}

export async function previewRule(ctx: RequestContext, engine: AudienceEngine, rule: Rule) {
  const started = performance.now();
  const members = await engine.evaluate(ctx.tx, rule, ctx.now());
  const tookMs = Math.round((performance.now() - started) * 10) / 10;
  const refreshedAt = engine.stats(ctx.workspaceId)?.updatedAt.toISOString() ?? null;
  return { count: members.size, refreshedAt, tookMs };
}

export async function segmentMembers(
  ctx: RequestContext,
  engine: AudienceEngine,
  id: string,
  q: { cursor?: string; limit?: number },
): Promise<{ items: SegmentMember[]; nextCursor: string | null }> {
  const segment = await segmentRow(ctx.tx, id);
  const limit = q.limit ?? 50;
  const after = Number(decodeCursor(q.cursor)?.[0] ?? 0);
  const members = await memberSeqs(ctx, engine, segment, ctx.now());
  const seqs = seqsAfter(members, after, limit + 1);
  return memberPage(ctx.tx, seqs, limit);
}

/** Up to `n` seqs of a bitmap greater than `after`, in order. */
export function seqsAfter(bitmap: Bitmap, after: number, n: number): number[] {
  return [...bitmap.rangeUint32Array(new Uint32Array(n), after > 0 ? bitmap.rank(after) : 0, n)];
}

async function memberPage(tx: Tx, seqs: number[], limit: number) {
  const kept = seqs.slice(0, limit);
  const rows = await tx.query<{ id: string; seq: number; name: string | null; gender: string; city: string | null }>(
    'SELECT id, seq, name, gender, city FROM customers WHERE seq = ANY($1::bigint[]) ORDER BY seq',
    [kept],
  );
  const last = kept[kept.length - 1];
  return { items: rows, nextCursor: seqs.length > limit && last !== undefined ? encodeCursor([last]) : null };
}
