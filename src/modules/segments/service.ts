// Segments: dynamic ones (a rule the audience engine keeps current, with `segment.entered` / `segment.left`
// events) and static ones (a snapshot of members), live counts, member pages and chunked CSV exports.
import roaring from 'roaring';
import type { Segment, SegmentExport, SegmentMember } from '../../contracts/segments.ts';
import type { Tx } from '../../platform/db/index.ts';
import { sqlState, UNIQUE_VIOLATION } from '../../platform/db/index.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../../platform/http/pagination.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { emit, enqueue } from '../../platform/jobs/index.ts';
import type { Bitmap } from './audience/bsi.ts';
import type { AudienceEngine } from './audience/engine.ts';
import type { Rule } from './rules.ts';

export const EXPORT_CHUNK = 5000;

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

async function segmentRow(tx: Tx, id: string): Promise<SegmentRow> {
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
    for (const r of enteredRows) await emit(tx, 'segment.entered', { segmentId: id, customerId: r.id, seq: r.seq });
    for (const r of leftRows) await emit(tx, 'segment.left', { segmentId: id, customerId: r.id, seq: r.seq });
  }
  await tx.query('UPDATE segments SET member_count = $2, refreshed_at = $3 WHERE id = $1', [id, want.size, now]);
  return { entered: enteredRows.length, left: leftRows.length };
}

/**
 * After a domain event: checks the named customers against every dynamic segment, one customer at a time (cheap
 * whatever the workspace's size), and records and announces who entered or left.
 */
export async function applyMembershipChanges(
  tx: Tx,
  engine: AudienceEngine,
  customerIds: string[],
  now: Date,
): Promise<number> {
  if (customerIds.length === 0) return 0;
  const segments = await tx.query<{ id: string; rule: Rule }>(`SELECT id, rule FROM segments WHERE kind = 'dynamic'`);
  const customers = await tx.query<{ id: string; seq: number }>(
    'SELECT id, seq FROM customers WHERE id = ANY($1::uuid[])',
    [customerIds],
  );
  if (segments.length === 0 || customers.length === 0) return 0;
  let changes = 0;
  await engine.withIndex(tx, now, async (index) => {
    const member = await tx.query<{ segment_id: string; seq: number }>(
      'SELECT segment_id, seq FROM segment_members WHERE seq = ANY($1::bigint[])',
      [customers.map((c) => c.seq)],
    );
    const isMember = new Set(member.map((m) => `${m.segment_id}:${m.seq}`));
    for (const s of segments) {
      let delta = 0;
      for (const c of customers) {
        const was = isMember.has(`${s.id}:${c.seq}`);
        const is = await engine.matchesIn(tx, index, s.rule, c.seq);
        if (was === is) continue;
        if (is) {
          await tx.query(
            `INSERT INTO segment_members (workspace_id, segment_id, seq, customer_id, entered_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
            [index.workspaceId, s.id, c.seq, c.id, now],
          );
          await emit(tx, 'segment.entered', { segmentId: s.id, customerId: c.id, seq: c.seq });
          delta++;
        } else {
          await tx.query('DELETE FROM segment_members WHERE segment_id = $1 AND seq = $2', [s.id, c.seq]);
          await emit(tx, 'segment.left', { segmentId: s.id, customerId: c.id, seq: c.seq });
          delta--;
        }
        changes++;
      }
      if (delta !== 0)
        await tx.query('UPDATE segments SET member_count = member_count + $2, refreshed_at = $3 WHERE id = $1', [
          s.id,
          delta,
          now,
        ]);
    }
  });
  return changes;
}

/** Members now: a dynamic segment's from the live index, a static one's from its snapshot. */
async function memberSeqs(ctx: { tx: Tx }, engine: AudienceEngine, segment: SegmentRow, now: Date): Promise<Bitmap> {
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
function seqsAfter(bitmap: Bitmap, after: number, n: number): number[] {
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

interface ExportRow {
  id: string;
  segment_id: string;
  format: 'csv';
  state: SegmentExport['state'];
  total: number;
  done: number;
  last_seq: number;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const toExport = (r: ExportRow): SegmentExport => ({
  id: r.id,
  segmentId: r.segment_id,
  format: r.format,
  state: r.state,
  total: r.total,
  done: r.done,
  progress: r.state === 'succeeded' ? 100 : r.total === 0 ? 0 : Math.min(99, Math.floor((r.done * 100) / r.total)),
  error: r.error,
  createdAt: r.created_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
});

export async function startExport(ctx: RequestContext, engine: AudienceEngine, segmentId: string) {
  const segment = await segmentRow(ctx.tx, segmentId);
  const total = (await memberSeqs(ctx, engine, segment, ctx.now())).size;
  const [row] = (await ctx.tx.query<ExportRow>(
    `INSERT INTO segment_exports (workspace_id, segment_id, format, total, created_by, created_at)
     VALUES ($1, $2, 'csv', $3, $4, $5) RETURNING *`,
    [ctx.workspaceId, segmentId, total, ctx.actor.id, ctx.now()],
  )) as [ExportRow];
  ctx.audit.targetId = segmentId;
  ctx.audit.details = { exportId: row.id };
  await enqueue(ctx.tx, { kind: 'segments.export', payload: { exportId: row.id }, dedupeKey: `${row.id}:0` });
  return toExport(row);
}

export async function getExport(ctx: RequestContext, segmentId: string, exportId: string) {
  const rows = await ctx.tx.query<ExportRow>(
    'SELECT id, segment_id, format, state, total, done, last_seq, error, created_at, finished_at FROM segment_exports WHERE id = $1 AND segment_id = $2',
    [exportId, segmentId],
  );
  if (!rows[0]) throw notFound('segment.export_not_found');
  return toExport(rows[0]);
}

export async function exportFile(ctx: RequestContext, segmentId: string, exportId: string) {
  const rows = await ctx.tx.query<{ state: string; content: Uint8Array | null; name: string }>(
    `SELECT x.state, x.content, s.name FROM segment_exports x JOIN segments s ON s.id = x.segment_id
     WHERE x.id = $1 AND x.segment_id = $2`,
    [exportId, segmentId],
  );
  if (!rows[0]) throw notFound('segment.export_not_found');
  if (rows[0].state !== 'succeeded') throw conflict('segment.export_not_ready');
  return {
    filename: `${rows[0].name}-${exportId.slice(0, 8)}.csv`,
    contentType: 'text/csv; charset=utf-8',
    base64: Buffer.from(rows[0].content ?? new Uint8Array()).toString('base64'),
  };
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  // A leading = + - @ would be read as a formula by spreadsheet programs.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** One chunk of an export, in its own job: appends rows, records progress, queues the next chunk. */
export async function runExportChunk(tx: Tx, engine: AudienceEngine, exportId: string, now: Date): Promise<void> {
  const rows = await tx.query<ExportRow>('SELECT * FROM segment_exports WHERE id = $1', [exportId]);
  const job = rows[0];
  if (!job || job.state === 'succeeded' || job.state === 'failed') return;
  const segment = await segmentRow(tx, job.segment_id);
  const members = await memberSeqs({ tx }, engine, segment, now);
  const seqs = seqsAfter(members, job.last_seq, EXPORT_CHUNK);
  const people = await tx.query<Record<string, unknown>>(
    `SELECT c.id, c.seq, c.name, c.gender, c.city, c.source_channel, t.lifecycle_stage, t.rfm_group
     FROM customers c LEFT JOIN customer_traits t ON t.workspace_id = c.workspace_id AND t.customer_id = c.id
     WHERE c.seq = ANY($1::bigint[]) ORDER BY c.seq`,
    [seqs],
  );
  const columns = ['id', 'seq', 'name', 'gender', 'city', 'source_channel', 'lifecycle_stage', 'rfm_group'];
  // The UTF-8 byte-order mark makes Excel open the Chinese text correctly.
  const header = job.last_seq === 0 ? `\ufeff${columns.join(',')}\n` : '';
  const body = people.map((p) => `${columns.map((c) => csvCell(p[c])).join(',')}\n`).join('');
  const finished = seqs.length < EXPORT_CHUNK;
  await tx.query(
    `UPDATE segment_exports SET content = coalesce(content, ''::bytea) || $2::bytea, done = done + $3,
       last_seq = $4, state = $5, finished_at = $6, total = greatest(total, done + $3) WHERE id = $1`,
    [
      exportId,
      Buffer.from(header + body, 'utf8'),
      people.length,
      seqs[seqs.length - 1] ?? job.last_seq,
      finished ? 'succeeded' : 'running',
      finished ? now : null,
    ],
  );
  if (!finished)
    await enqueue(tx, {
      kind: 'segments.export',
      payload: { exportId },
      dedupeKey: `${exportId}:${seqs[seqs.length - 1]}`,
    });
}
