// Imports from the console and the API as background jobs. The upload stores the file and queues a prepare job,
// which reads it and splits its rows into chunks; chunk jobs then write one chunk each, one after the other and each
// in its own transaction, adding the chunk's counts and bad rows to the import. A file of hundreds of thousands of
// rows thus shows its progress as it goes, and a crash costs at most the chunk in hand.
import type { DataImport, ImportKind, ImportRowError, ImportUploadQuery } from '../../contracts/events.ts';
import type { Page } from '../../contracts/foundation.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { FileDownload, type RequestContext } from '../../platform/http/routes.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import { type ClaimedJob, enqueue } from '../../platform/jobs/index.ts';
import type { CustomerParticipants } from '../customers/index.ts';
import { failedLines, type ImportPlan, importChunk, planImport, readTable, templateHeader } from './import.ts';

export const PREPARE_JOB = 'events.import-prepare';
export const CHUNK_JOB = 'events.import-chunk';

interface ImportRow {
  workspace_id: string;
  id: string;
  kind: ImportKind;
  filename: string;
  size_bytes: number;
  state: DataImport['state'];
  header: string[] | null;
  ignored_columns: string[];
  total_rows: number | null;
  chunks: number;
  done_rows: number;
  imported: number;
  failed: number;
  error_code: string | null;
  error_params: Record<string, string | number> | null;
  created_by: string;
  created_by_name: string;
  created_at: Date;
  finished_at: Date | null;
}

function toDataImport(r: ImportRow, locale: Locale): DataImport {
  return {
    id: r.id,
    kind: r.kind,
    filename: r.filename,
    sizeBytes: r.size_bytes,
    state: r.state,
    totalRows: r.total_rows,
    doneRows: r.done_rows,
    progress:
      r.state === 'succeeded' ? 100 : r.total_rows ? Math.min(99, Math.floor((r.done_rows * 100) / r.total_rows)) : 0,
    imported: r.imported,
    failed: r.failed,
    ignoredColumns: r.ignored_columns,
    error: r.error_code ? { code: r.error_code, message: translate(locale, r.error_code, r.error_params ?? {}) } : null,
    createdBy: { id: r.created_by, name: r.created_by_name },
    createdAt: r.created_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

async function importRow(tx: Tx, id: string, lock = false): Promise<ImportRow | null> {
  const rows = await tx.query<ImportRow>(`SELECT * FROM imports WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ?? null;
}

async function existingImport(tx: Tx, id: string): Promise<ImportRow> {
  const row = await importRow(tx, id);
  if (!row) throw notFound('import.not_found');
  return row;
}

// Every .xlsx is a zip archive; an .xls or a CSV renamed to .xlsx is not.
const isZip = (data: Uint8Array) => data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04;

/**
 * Takes an upload: checks what can be checked without reading the rows (the file's type, that it holds something),
 * stores it and queues the prepare job. Everything else (an unreadable sheet, a missing column, bad rows) is found
 * by the jobs and reported on the import.
 */
export async function startImport(
  ctx: RequestContext,
  query: ImportUploadQuery,
  data: Buffer | undefined,
): Promise<DataImport> {
  const { kind, filename } = query;
  const format = /\.csv$/i.test(filename) ? 'csv' : /\.xlsx$/i.test(filename) ? 'xlsx' : null;
  if (!format) throw new AppError(400, 'import.unsupported_file', { name: filename });
  if (!data || data.length === 0) throw new AppError(400, 'import.empty_file');
  if (format === 'xlsx' && !isZip(data)) throw new AppError(400, 'import.unreadable_xlsx');
  const [row] = (await ctx.tx.query<ImportRow>(
    `INSERT INTO imports (workspace_id, kind, filename, size_bytes, created_by, created_by_name, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [ctx.workspaceId, kind, filename, data.length, ctx.actor.id, ctx.actor.name, ctx.now()],
  )) as [ImportRow];
  await ctx.tx.query('INSERT INTO import_files (workspace_id, import_id, data_base64) VALUES ($1, $2, $3)', [
    ctx.workspaceId,
    row.id,
    data.toString('base64'),
  ]);
  await enqueue(ctx.tx, { kind: PREPARE_JOB, payload: { importId: row.id }, dedupeKey: `import:${row.id}` });
  ctx.audit.details = { kind, filename, bytes: data.length };
  return toDataImport(row, ctx.locale);
}

const enqueueChunk = (tx: Tx, importId: string, seq: number) =>
  enqueue(tx, { kind: CHUNK_JOB, payload: { importId, seq }, dedupeKey: `import:${importId}:${seq}` });

/** Ends an import that cannot go on, with the reason, and drops what it no longer needs. */
async function failImport(
  tx: Tx,
  importId: string,
  reason: Pick<AppError, 'code' | 'params'>,
  now: Date,
): Promise<void> {
  await tx.query('DELETE FROM import_files WHERE import_id = $1', [importId]);
  await tx.query('DELETE FROM import_chunks WHERE import_id = $1', [importId]);
  await tx.query(
    `UPDATE imports SET state = 'failed', error_code = $2, error_params = $3, finished_at = $4 WHERE id = $1`,
    [importId, reason.code, JSON.stringify(reason.params), now],
  );
}

/** The prepare job: reads the file, checks its header, stores its rows in chunks and queues the first chunk. */
export async function prepareImport(tx: Tx, importId: string, now: Date): Promise<void> {
  const run = await importRow(tx, importId, true);
  if (run?.state !== 'queued') return;
  const [file] = await tx.query<{ data_base64: string }>('SELECT data_base64 FROM import_files WHERE import_id = $1', [
    importId,
  ]);
  if (!file) return;
  let plan: ImportPlan;
  try {
    plan = planImport(run.kind, readTable({ name: run.filename, data: Buffer.from(file.data_base64, 'base64') }));
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    await failImport(tx, importId, err, now);
    return;
  }
  for (const [seq, rows] of plan.chunks.entries()) {
    await tx.query('INSERT INTO import_chunks (workspace_id, import_id, seq, rows) VALUES ($1, $2, $3, $4::json)', [
      run.workspace_id,
      importId,
      seq,
      JSON.stringify(rows.map((r) => [r.line, ...r.cells])),
    ]);
  }
  await tx.query('DELETE FROM import_files WHERE import_id = $1', [importId]);
  const empty = plan.chunks.length === 0;
  await tx.query(
    `UPDATE imports SET state = $2, header = $3, ignored_columns = $4, total_rows = $5, chunks = $6, finished_at = $7
      WHERE id = $1`,
    [
      importId,
      empty ? 'succeeded' : 'running',
      plan.header,
      plan.ignoredColumns,
      plan.rows,
      plan.chunks.length,
      empty ? now : null,
    ],
  );
  if (!empty) await enqueueChunk(tx, importId, 0);
}

/**
 * A chunk job: writes the chunk's rows, records its bad rows and counts, deletes the chunk and queues the next one.
 * Chunks run one after another, so two chunks naming the same new customer never race to create it. A job run
 * again for a chunk already written finds the chunk gone and changes nothing.
 */
export async function runImportChunk(
  tx: Tx,
  participants: CustomerParticipants,
  importId: string,
  seq: number,
  now: Date,
): Promise<void> {
  // Locked: an attempt that took over an expired lease waits here for the first, then finds the chunk gone.
  const run = await importRow(tx, importId, true);
  if (run?.state !== 'running' || !run.header) return;
  const [chunk] = await tx.query<{ rows: [number, ...string[]][] }>(
    'SELECT rows FROM import_chunks WHERE import_id = $1 AND seq = $2',
    [importId, seq],
  );
  if (!chunk) return;
  const rows = chunk.rows.map(([line, ...cells]) => ({ line, cells }));
  const outcome = await importChunk(tx, participants, run.workspace_id, run.kind, run.header, rows, now);
  if (outcome.errors.length > 0) {
    await tx.query(
      `INSERT INTO import_errors (workspace_id, import_id, line, code, params)
       SELECT $1, $2, e.line, e.code, e.params FROM jsonb_to_recordset($3::jsonb) AS e(line int, code text, params jsonb)
       ON CONFLICT DO NOTHING`,
      [run.workspace_id, importId, JSON.stringify(outcome.errors)],
    );
  }
  await tx.query('DELETE FROM import_chunks WHERE import_id = $1 AND seq = $2', [importId, seq]);
  const last = seq + 1 >= run.chunks;
  await tx.query(
    `UPDATE imports SET done_rows = done_rows + $2, imported = imported + $3, failed = failed + $4, state = $5,
            finished_at = $6
      WHERE id = $1`,
    [
      importId,
      outcome.rows,
      outcome.imported,
      failedLines(outcome.errors),
      last ? 'succeeded' : 'running',
      last ? now : null,
    ],
  );
  if (!last) await enqueueChunk(tx, importId, seq + 1);
}

/**
 * Runs a step of an import as its job. On the job's last attempt, a failure that is not the file's fault (the
 * database went away, a bug) fails the import with its reason rather than leaving it running for ever once the job
 * is dead. Rows already written stay; importing the same file again is safe.
 */
export async function importStep(job: ClaimedJob, tx: Tx, now: Date, step: () => Promise<void>): Promise<void> {
  if (job.attempts < job.maxAttempts) return step();
  await tx.query('SAVEPOINT import_step');
  try {
    await step();
    await tx.query('RELEASE SAVEPOINT import_step');
  } catch (err) {
    await tx.query('ROLLBACK TO SAVEPOINT import_step');
    const { importId } = job.payload as { importId: string };
    await failImport(tx, importId, { code: 'import.interrupted', params: { reason: (err as Error).message } }, now);
  }
}

export async function getImport(ctx: RequestContext, id: string): Promise<DataImport> {
  return toDataImport(await existingImport(ctx.tx, id), ctx.locale);
}

/** The workspace's imports, newest first. */
export async function listImports(
  ctx: RequestContext,
  q: { cursor?: string; limit?: number },
): Promise<Page<DataImport>> {
  const limit = q.limit ?? 50;
  const after = decodeCursor(q.cursor);
  const rows = await ctx.tx.query<ImportRow>(
    `SELECT * FROM imports WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1::timestamptz, $2::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $3`,
    [after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  return pageOf(
    rows,
    limit,
    (r) => toDataImport(r, ctx.locale),
    (r) => [r.created_at.toISOString(), r.id],
  );
}

/** The import's bad rows in line order, each with its reason in the reader's language. */
export async function listImportErrors(
  ctx: RequestContext,
  id: string,
  q: { cursor?: string; limit?: number },
): Promise<Page<ImportRowError>> {
  await existingImport(ctx.tx, id);
  const limit = q.limit ?? 50;
  const after = Number(decodeCursor(q.cursor)?.[0] ?? 0);
  const rows = await ctx.tx.query<{ line: number; code: string; params: Record<string, string | number> }>(
    'SELECT line, code, params FROM import_errors WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3',
    [id, after, limit + 1],
  );
  return pageOf(
    rows,
    limit,
    (r) => ({ line: r.line, code: r.code, message: translate(ctx.locale, r.code, r.params) }),
    (r) => [r.line],
  );
}

/** A CSV (UTF-8 with a BOM, so Excel shows the Chinese) holding the header row the import reads. */
export function importTemplate(ctx: RequestContext, kind: ImportKind): FileDownload {
  const csv = `\ufeff${templateHeader(kind, ctx.locale).join(',')}\r\n`;
  return new FileDownload(
    'text/csv; charset=utf-8',
    translate(ctx.locale, `import.template.${kind}`),
    async function* () {
      yield Buffer.from(csv, 'utf8');
    },
  );
}
