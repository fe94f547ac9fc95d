// Segment exports: a job that writes the members chunk by chunk, recording its progress, as CSV (UTF-8 with a BOM
// so Excel reads the Chinese) or an Excel workbook; and the download, which streams the finished file's parts.
import type { SegmentExport } from '../../contracts/segments.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import { FileDownload, type RequestContext } from '../../platform/http/routes.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import { XLSX_CONTENT_TYPE, XLSX_MAX_ROWS, type XlsxCell, xlsxRow, xlsxStream } from '../../platform/xlsx.ts';
import { maskEmail, maskName, maskPhone } from '../customers/index.ts';
import type { AudienceEngine } from './audience/engine.ts';
import { memberSeqs, segmentRow, seqsAfter } from './service.ts';

/** Members per chunk job: each chunk commits its part and its progress, so a long export shows it moving. */
export const EXPORT_CHUNK = 5000;

export type ExportFormat = 'csv' | 'xlsx';

interface ExportRow {
  id: string;
  segment_id: string;
  format: ExportFormat;
  state: SegmentExport['state'];
  total: number;
  done: number;
  last_seq: number;
  clear_pii: boolean;
  locale: Locale;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const EXPORT_COLUMNS = `x.id, x.segment_id, x.format, x.state, x.total, x.done, x.last_seq, x.clear_pii, x.locale, x.error,
  x.created_at, x.finished_at`;

/** The columns of the file, in order; their headers come from the segment.export.column.* messages. */
const COLUMNS = [
  'id',
  'name',
  'phone',
  'email',
  'city',
  'tags',
  'lifecycle_stage',
  'rfm_group',
  'order_count',
  'spend_yuan',
  'last_order_at',
  'churn_risk',
] as const;

interface MemberRow {
  id: string;
  seq: number;
  name: string | null;
  phone: string | null;
  email: string | null;
  city: string | null;
  tags: string | null;
  lifecycle_stage: string | null;
  rfm_group: string | null;
  order_count: number | null;
  spend_fen: number | null;
  /** Wall-clock time in the workspace's time zone, `YYYY-MM-DD HH24:MI:SS`. */
  last_order_at: string | null;
  churn_risk: number | null;
}

const FILE_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: XLSX_CONTENT_TYPE,
};

async function workspaceTimeZone(tx: Tx): Promise<string> {
  const rows = await tx.query<{ timezone: string }>(
    `SELECT timezone FROM workspaces WHERE id = current_setting('siyu.workspace_id')::uuid`,
  );
  return rows[0]?.timezone ?? 'Asia/Shanghai';
}

/** `<segment name>-<YYYY-MM-DD>.<ext>`, dated in the workspace's time zone, without characters file systems refuse. */
function filenameOf(segmentName: string, createdAt: Date, timeZone: string, format: ExportFormat): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    createdAt,
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters have no place in a file name
  const name = segmentName.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').trim() || 'segment';
  return `${name}-${day}.${format}`;
}

async function toExport(tx: Tx, r: ExportRow & { segment_name: string }): Promise<SegmentExport> {
  return {
    id: r.id,
    segmentId: r.segment_id,
    format: r.format,
    state: r.state,
    total: r.total,
    done: r.done,
    progress: r.state === 'succeeded' ? 100 : r.total === 0 ? 0 : Math.min(99, Math.floor((r.done * 100) / r.total)),
    clearPii: r.clear_pii,
    filename: filenameOf(r.segment_name, r.created_at, await workspaceTimeZone(tx), r.format),
    error: r.error,
    createdAt: r.created_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

async function exportRow(tx: Tx, segmentId: string, exportId: string) {
  const rows = await tx.query<ExportRow & { segment_name: string }>(
    `SELECT ${EXPORT_COLUMNS}, s.name AS segment_name FROM segment_exports x JOIN segments s ON s.id = x.segment_id
      WHERE x.id = $1 AND x.segment_id = $2`,
    [exportId, segmentId],
  );
  if (!rows[0]) throw notFound('segment.export_not_found');
  return rows[0];
}

const header = (locale: Locale) => COLUMNS.map((c) => translate(locale, `segment.export.column.${c}`));

const csvCell = (v: XlsxCell) => {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  // A date cell holds its wall-clock time as UTC (see memberCells): written back as that wall-clock text.
  if (v instanceof Date) return v.toISOString().slice(0, 19).replace('T', ' ');
  // Text led by = + - @ would be read as a formula by spreadsheet programs; a phone number (+ and digits, masked
  // or not) is no formula worth fearing and stays as it is.
  const safe = /^[=+\-@]/.test(v) && !/^\+[\d*]+$/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};
const csvLine = (cells: readonly XlsxCell[]) => `${cells.map(csvCell).join(',')}\r\n`;

/**
 * Starts an export of the segment's current members. Whether phone, e-mail and name are written in the clear is
 * decided now, by the permission of whoever asks (customer.pii), and kept with the export.
 */
export async function startExport(
  ctx: RequestContext,
  engine: AudienceEngine,
  segmentId: string,
  format: ExportFormat,
): Promise<SegmentExport> {
  const segment = await segmentRow(ctx.tx, segmentId);
  const total = (await memberSeqs(ctx, engine, segment, ctx.now())).size;
  if (format === 'xlsx' && total >= XLSX_MAX_ROWS) {
    throw new AppError(422, 'segment.export_too_large_for_xlsx', { total, max: XLSX_MAX_ROWS - 1 });
  }
  const clearPii = ctx.can('customer.pii');
  const [row] = (await ctx.tx.query<ExportRow>(
    `INSERT INTO segment_exports (workspace_id, segment_id, format, total, clear_pii, locale, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [ctx.workspaceId, segmentId, format, total, clearPii, ctx.locale, ctx.actor.id, ctx.now()],
  )) as [ExportRow];
  // The header is the first part (last_seq 0; members' seqs start at 1).
  const head = header(ctx.locale);
  const data = format === 'csv' ? `\ufeff${csvLine(head)}` : xlsxRow(1, head);
  await ctx.tx.query(
    `INSERT INTO segment_export_parts (workspace_id, export_id, last_seq, rows, data) VALUES ($1, $2, 0, 0, $3)`,
    [ctx.workspaceId, row.id, Buffer.from(data, 'utf8')],
  );
  ctx.audit.targetId = segmentId;
  ctx.audit.details = { exportId: row.id, format, total, clearPii };
  await enqueue(ctx.tx, { kind: 'segments.export', payload: { exportId: row.id }, dedupeKey: `${row.id}:0` });
  return toExport(ctx.tx, { ...row, segment_name: segment.name });
}

export async function getExport(ctx: RequestContext, segmentId: string, exportId: string): Promise<SegmentExport> {
  return toExport(ctx.tx, await exportRow(ctx.tx, segmentId, exportId));
}

/**
 * The finished file as a download. An export written with personal data in the clear is only handed to callers
 * who may see it themselves.
 */
export async function exportDownload(ctx: RequestContext, segmentId: string, exportId: string): Promise<FileDownload> {
  const row = await exportRow(ctx.tx, segmentId, exportId);
  if (row.state !== 'succeeded') throw conflict('segment.export_not_ready');
  if (row.clear_pii && !ctx.can('customer.pii')) throw new AppError(403, 'segment.export_pii_forbidden');
  const exported = await toExport(ctx.tx, row);
  const parts = async function* (read: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>) {
    let after = -1;
    for (;;) {
      const next = await read((tx) =>
        tx.query<{ last_seq: number; data: Uint8Array }>(
          `SELECT last_seq, data FROM segment_export_parts WHERE export_id = $1 AND last_seq > $2
            ORDER BY last_seq LIMIT 1`,
          [exportId, after],
        ),
      );
      const part = next[0];
      if (!part) return;
      after = part.last_seq;
      yield Buffer.from(part.data);
    }
  };
  const sheetName = exported.filename.replace(/\.xlsx$/, '');
  return new FileDownload(FILE_TYPES[row.format], exported.filename, (read) =>
    row.format === 'csv'
      ? parts(read)
      : xlsxStream(
          (async function* () {
            for await (const piece of parts(read)) yield piece.toString('utf8');
          })(),
          sheetName,
        ),
  );
}

/** One member as the cells of a row, personal data masked unless the export may show it. */
function memberCells(m: MemberRow, clearPii: boolean, locale: Locale): XlsxCell[] {
  const label = (prefix: string, code: string | null) => (code ? translate(locale, `${prefix}.${code}`) : null);
  return [
    m.id,
    m.name && !clearPii ? maskName(m.name) : m.name,
    m.phone && !clearPii ? maskPhone(m.phone) : m.phone,
    m.email && !clearPii ? maskEmail(m.email) : m.email,
    m.city,
    m.tags,
    label('traits.lifecycle', m.lifecycle_stage),
    label('traits.rfm_group', m.rfm_group),
    m.order_count,
    m.spend_fen === null ? null : m.spend_fen / 100,
    // Excel has no time zones: the workspace's wall-clock time, carried as UTC.
    m.last_order_at === null ? null : new Date(`${m.last_order_at.replace(' ', 'T')}Z`),
    m.churn_risk,
  ];
}

/** One chunk of an export, in its own job: writes the next members as a part, records progress, queues the next. */
export async function runExportChunk(tx: Tx, engine: AudienceEngine, exportId: string, now: Date): Promise<void> {
  const rows = await tx.query<ExportRow>(`SELECT ${EXPORT_COLUMNS} FROM segment_exports x WHERE x.id = $1`, [exportId]);
  const job = rows[0];
  if (!job || job.state === 'succeeded' || job.state === 'failed') return;
  const segment = await segmentRow(tx, job.segment_id);
  const members = await memberSeqs({ tx }, engine, segment, now);
  const seqs = seqsAfter(members, job.last_seq, EXPORT_CHUNK);
  const people = await tx.query<MemberRow>(
    `SELECT c.id, c.seq, c.name,
            coalesce(c.phone, (SELECT i.value FROM customer_identities i WHERE i.workspace_id = c.workspace_id
               AND i.customer_id = c.id AND i.kind = 'phone' ORDER BY i.created_at LIMIT 1)) AS phone,
            coalesce(c.email, (SELECT i.value FROM customer_identities i WHERE i.workspace_id = c.workspace_id
               AND i.customer_id = c.id AND i.kind = 'email' ORDER BY i.created_at LIMIT 1)) AS email,
            c.city,
            (SELECT string_agg(t.name, $2 ORDER BY t.name) FROM customer_tags ct
               JOIN tags t ON t.workspace_id = ct.workspace_id AND t.id = ct.tag_id
              WHERE ct.workspace_id = c.workspace_id AND ct.customer_id = c.id) AS tags,
            tr.lifecycle_stage, tr.rfm_group, tr.order_count, tr.spend_fen,
            to_char(tr.last_order_at AT TIME ZONE $3, 'YYYY-MM-DD HH24:MI:SS') AS last_order_at, tr.churn_risk
       FROM customers c
       LEFT JOIN customer_traits tr ON tr.workspace_id = c.workspace_id AND tr.customer_id = c.id
      WHERE c.seq = ANY($1::bigint[]) ORDER BY c.seq`,
    [seqs, job.locale === 'en' ? ', ' : '、', await workspaceTimeZone(tx)],
  );
  const lastSeq = seqs[seqs.length - 1];
  if (lastSeq !== undefined) {
    const firstLine = job.done + 2;
    const data = people
      .map((p, i) => {
        const cells = memberCells(p, job.clear_pii, job.locale);
        return job.format === 'csv' ? csvLine(cells) : xlsxRow(firstLine + i, cells);
      })
      .join('');
    await tx.query(
      `INSERT INTO segment_export_parts (workspace_id, export_id, last_seq, rows, data)
       SELECT workspace_id, id, $2, $3, $4 FROM segment_exports WHERE id = $1`,
      [exportId, lastSeq, people.length, Buffer.from(data, 'utf8')],
    );
  }
  const finished = seqs.length < EXPORT_CHUNK;
  await tx.query(
    `UPDATE segment_exports SET done = done + $2, last_seq = $3, state = $4, finished_at = $5,
       total = greatest(total, done + $2) WHERE id = $1`,
    [exportId, people.length, lastSeq ?? job.last_seq, finished ? 'succeeded' : 'running', finished ? now : null],
  );
  if (!finished)
    await enqueue(tx, { kind: 'segments.export', payload: { exportId }, dedupeKey: `${exportId}:${lastSeq}` });
}
