// HTTP routes of ingestion (/v1, Segment-compatible, for API keys), orders and imports.
import { randomUUID } from 'node:crypto';
import { type TSchema, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import {
  BatchBody,
  type BatchMessage,
  BatchMessages,
  BatchResult,
  DataImport,
  IdentifyBody,
  ImportParams,
  ImportRowError,
  ImportTemplateFile,
  ImportTemplateParams,
  ImportUploadQuery,
  IngestResult,
  MAX_IMPORT_BYTES,
  Order,
  OrderBody,
  OrderParams,
  PageBody,
  ScreenBody,
  TrackBody,
} from '../../contracts/events.ts';
import { PageQuery, page, Uuid } from '../../contracts/foundation.ts';
import { AppError } from '../../platform/errors.ts';
import { addServerFormats } from '../../platform/http/formats.ts';
import { FileBody, type PrepareContext, type RequestContext, type RouteRegistrar } from '../../platform/http/routes.ts';
import { translate } from '../../platform/i18n/index.ts';
import { XLSX_CONTENT_TYPE } from '../../platform/xlsx.ts';
import {
  assertCustomerInScope,
  type CustomerParticipants,
  createUnknownCustomers,
  getCustomerRow,
} from '../customers/index.ts';
import { getImport, importTemplate, listImportErrors, listImports, startImport } from './import-jobs.ts';
import { ingest, type Normalized, normalizeMessage } from './ingest.ts';
import { getOrder, listCustomerOrders, orderInputOf, upsertOrder } from './orders.ts';

export const MAX_BATCH_MESSAGES = 500;
export const MAX_BATCH_BYTES = 512 * 1024;

// Batch entries are validated one by one with the server's rules (strict types, formats), so that one bad entry
// is reported by its index instead of failing the whole batch.
const ajv = addServerFormats(new Ajv({ allErrors: false, strict: false, coerceTypes: false, useDefaults: true }));
const checkEntry = Object.fromEntries(
  Object.entries(BatchMessages).map(([type, schema]) => [type, ajv.compile<BatchMessage>(schema)]),
);

async function ingestOne(ctx: RequestContext, participants: CustomerParticipants, msg: BatchMessage) {
  const now = ctx.now();
  const normalized = await normalizeMessage(ctx.tx, ctx.workspaceId, msg, now, randomUUID);
  const { results } = await ingest(ctx.tx, participants, ctx.workspaceId, [normalized], now);
  const r = results[0] as { customerId: string; duplicate: boolean };
  ctx.audit.targetId = r.customerId;
  return { success: true, duplicate: r.duplicate, customerId: r.customerId };
}

/** A batch entry after the checks that need no transaction. */
type BatchEntry =
  | { kind: 'rejected'; code: string; params: Record<string, string | number> }
  | { kind: 'ready'; message: Normalized }
  /** An identify: its traits are checked against the workspace's custom fields in the request's transaction. */
  | { kind: 'identify'; message: BatchMessage };

interface PreparedBatch {
  receivedAt: Date;
  entries: BatchEntry[];
}

/**
 * Before the request's transaction: the batch's limits, each entry's schema, every entry but identifies normalised,
 * and the customers these entries would create created (`createUnknownCustomers`), so that concurrent batches do
 * not queue on one another's new identities for the length of their transactions.
 */
async function prepareBatch(
  ctx: PrepareContext,
  participants: CustomerParticipants,
  body: BatchBody,
): Promise<PreparedBatch> {
  const declared = Number(ctx.request.headers['content-length']);
  const bytes = Number.isFinite(declared) ? declared : Buffer.byteLength(JSON.stringify(body));
  if (bytes > MAX_BATCH_BYTES) throw new AppError(413, 'events.batch_too_large', { limit: MAX_BATCH_BYTES, bytes });
  if (body.batch.length > MAX_BATCH_MESSAGES) {
    throw new AppError(422, 'events.batch_too_many', { limit: MAX_BATCH_MESSAGES, count: body.batch.length });
  }
  const receivedAt = ctx.now();
  const entries: BatchEntry[] = [];
  const reject = (code: string, params: Record<string, string | number> = {}) =>
    entries.push({ kind: 'rejected', code, params });
  for (const entry of body.batch) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      reject('events.invalid_message', { summary: 'not an object' });
      continue;
    }
    const raw = entry as Record<string, unknown>;
    const check = checkEntry[String(raw.type)];
    if (!check) {
      reject('events.unknown_type', { type: String(raw.type) });
      continue;
    }
    // Batch-level context and sentAt apply to every entry, the entry's own values winning (as in Segment). Entries
    // are copied only when there is something to add: 500 copies a batch are measurable at ingestion rates.
    const inherits = (body.context !== undefined && raw.context !== body.context) || (body.sentAt && !raw.sentAt);
    const msg = inherits
      ? {
          ...raw,
          context: { ...body.context, ...(raw.context as object | undefined) },
          ...(body.sentAt && !raw.sentAt ? { sentAt: body.sentAt } : {}),
        }
      : raw;
    if (!check(msg)) {
      const e = check.errors?.[0];
      reject('events.invalid_message', { summary: `${e?.instancePath || '/'} ${e?.message ?? ''}`.trim() });
      continue;
    }
    if (msg.type === 'identify') {
      entries.push({ kind: 'identify', message: msg });
      continue;
    }
    try {
      entries.push({
        kind: 'ready',
        message: await normalizeMessage(null, ctx.workspaceId, msg, receivedAt, randomUUID),
      });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      reject(err.code, err.params);
    }
  }
  const sightings = entries.flatMap((e) =>
    e.kind === 'ready'
      ? [{ identities: e.message.identities, keys: e.message.identityKeys, profile: null, at: e.message.occurredAt }]
      : [],
  );
  await createUnknownCustomers(ctx.tenant, participants, ctx.workspaceId, sightings);
  return { receivedAt, entries };
}

async function ingestBatch(
  ctx: RequestContext,
  participants: CustomerParticipants,
  prepared: PreparedBatch,
): Promise<BatchResult> {
  const rejected: { index: number; code: string; message: string }[] = [];
  const reject = (index: number, code: string, params: Record<string, string | number> = {}) =>
    rejected.push({ index, code, message: translate(ctx.locale, code, params) });
  const good: Normalized[] = [];
  for (const [index, entry] of prepared.entries.entries()) {
    if (entry.kind === 'rejected') reject(index, entry.code, entry.params);
    else if (entry.kind === 'ready') good.push(entry.message);
    else {
      try {
        good.push(await normalizeMessage(ctx.tx, ctx.workspaceId, entry.message, prepared.receivedAt, randomUUID));
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        reject(index, err.code, err.params);
      }
    }
  }
  const { results } = await ingest(ctx.tx, participants, ctx.workspaceId, good, prepared.receivedAt);
  const duplicates = results.filter((r) => r.duplicate).length;
  ctx.audit.details = { accepted: results.length - duplicates, duplicates, rejected: rejected.length };
  return { success: true, accepted: results.length - duplicates, duplicates, rejected };
}

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export function eventRoutes(participants: CustomerParticipants) {
  return (r: RouteRegistrar) => {
    const single = <S extends TSchema>(type: 'identify' | 'track' | 'page' | 'screen', body: S, summary: string) =>
      r.route({
        method: 'POST',
        url: `/v1/${type}`,
        summary,
        description: 'Segment-compatible. A messageId already accepted is a no-op answering 200 with duplicate: true.',
        tags: ['ingestion'],
        permission: 'event.ingest',
        audit: { action: `event.${type}`, targetType: 'customer' },
        body,
        response: IngestResult,
        handler: (ctx, { body: msg }) => ingestOne(ctx, participants, { ...(msg as object), type } as BatchMessage),
      });
    single('identify', IdentifyBody, '识别客户 / Identify a customer (Segment identify)');
    single('track', TrackBody, '记录行为事件 / Track an event (Segment track)');
    single('page', PageBody, '记录页面浏览 / Record a page view (Segment page)');
    single('screen', ScreenBody, '记录屏幕浏览 / Record a screen view (Segment screen)');

    r.route({
      method: 'POST',
      url: '/v1/batch',
      summary: '批量上报 / Send up to 500 messages at once (Segment batch)',
      description:
        'At most 500 entries (else 422 events.batch_too_many) and 512 KB (else 413 events.batch_too_large). ' +
        'Each entry is checked alone: bad entries are listed in `rejected` with their index and the others are ' +
        'accepted, so the answer is 200 whenever the batch itself is acceptable.',
      tags: ['ingestion'],
      permission: 'event.ingest',
      audit: { action: 'event.batch', targetType: 'batch' },
      body: BatchBody,
      response: BatchResult,
      prepare: (ctx, { body }) => prepareBatch(ctx, participants, body),
      handler: (ctx) => ingestBatch(ctx, participants, ctx.prepared as PreparedBatch),
    });

    r.route({
      method: 'PUT',
      url: '/v1/orders/:orderNo',
      summary: '写入订单 / Create or replace an order by its number',
      description:
        'Idempotent: the same order sent again changes nothing. Items are replaced as a whole; refundedFen may ' +
        'not exceed paidFen (422). Announces order.placed, order.updated and order.refunded.',
      tags: ['orders'],
      permission: 'order.write',
      audit: { action: 'order.upsert', targetType: 'order' },
      params: OrderParams,
      body: OrderBody,
      response: Order,
      handler: async (ctx, { params, body }) => {
        const { order, outcome } = await upsertOrder(
          ctx.tx,
          participants,
          ctx.workspaceId,
          params.orderNo,
          orderInputOf(body),
        );
        ctx.audit.targetId = order.id;
        ctx.audit.details = { orderNo: order.orderNo, outcome };
        return order;
      },
    });

    r.route({
      method: 'GET',
      url: '/api/orders/:id',
      summary: '订单详情 / Get an order with its items',
      tags: ['orders'],
      permission: 'order.read',
      params: IdParams,
      response: Order,
      handler: async (ctx, { params }) => {
        const order = await getOrder(ctx.tx, ctx.workspaceId, params.id);
        // A guide sees the orders of their own customers only; another's answers as an order that does not exist.
        if (ctx.scope.kind !== 'workspace') {
          await assertCustomerInScope(ctx, order.customerId).catch((err: unknown) => {
            throw err instanceof AppError && err.status === 404 ? new AppError(404, 'order.not_found') : err;
          });
        }
        return order;
      },
    });

    r.route({
      method: 'GET',
      url: '/api/customers/:id/orders',
      summary: '客户订单 / A customer’s orders, newest first',
      tags: ['orders'],
      permission: 'order.read',
      params: IdParams,
      query: Type.Object(PageQuery, { additionalProperties: false }),
      response: page(Order),
      handler: async (ctx, { params, query }) => {
        const customer = await getCustomerRow(ctx.tx, ctx.workspaceId, params.id);
        return listCustomerOrders(ctx.tx, ctx.workspaceId, customer.id, query);
      },
    });

    r.route({
      method: 'POST',
      url: '/api/imports',
      summary: '上传文件导入客户或订单 / Upload a CSV or Excel file to import customers or orders',
      description:
        'The body is the file itself, up to 50 MB, with any Content-Type (text/csv, the .xlsx type, ' +
        'application/octet-stream …); `kind` and `filename` (ending .csv or .xlsx, which decides how it is read) ' +
        'come in the query. Answers 202 with the import, which then runs as background jobs: follow it at ' +
        '`GET /api/imports/:id`, its bad rows at `GET /api/imports/:id/errors`. Refused at once: another file ' +
        'type (400 import.unsupported_file), an empty file (400 import.empty_file), an .xlsx that is no workbook ' +
        '(400 import.unreadable_xlsx), more than 50 MB (413 request.too_large).',
      tags: ['imports'],
      permission: 'import.run',
      audit: { action: 'import.upload', targetType: 'import' },
      upload: { maxBytes: MAX_IMPORT_BYTES, contentTypes: ['text/csv', XLSX_CONTENT_TYPE, 'application/octet-stream'] },
      query: ImportUploadQuery,
      body: FileBody,
      response: DataImport,
      status: 202,
      handler: (ctx, { query, body }) => startImport(ctx, query, body),
    });

    r.route({
      method: 'GET',
      url: '/api/imports',
      summary: '最近的导入 / The workspace’s imports, newest first',
      tags: ['imports'],
      permission: 'import.run',
      query: Type.Object(PageQuery, { additionalProperties: false }),
      response: page(DataImport),
      handler: (ctx, { query }) => listImports(ctx, query),
    });

    r.route({
      method: 'GET',
      url: '/api/imports/:id',
      summary: '导入进度与结果 / An import’s progress, counts and ignored columns',
      tags: ['imports'],
      permission: 'import.run',
      params: ImportParams,
      response: DataImport,
      handler: (ctx, { params }) => getImport(ctx, params.id),
    });

    r.route({
      method: 'GET',
      url: '/api/imports/:id/errors',
      summary: '导入失败的行 / An import’s bad rows with line and reason, in line order',
      tags: ['imports'],
      permission: 'import.run',
      params: ImportParams,
      query: Type.Object(PageQuery, { additionalProperties: false }),
      response: page(ImportRowError),
      handler: (ctx, { params, query }) => listImportErrors(ctx, params.id, query),
    });

    r.route({
      method: 'GET',
      url: '/api/imports/templates/:kind',
      summary: '下载导入模板 / A CSV template with the column names the import reads',
      description: 'Chinese column names, or English ones with Accept-Language: en; both are read the same way.',
      tags: ['imports'],
      permission: 'import.run',
      params: ImportTemplateParams,
      response: ImportTemplateFile,
      handler: async (ctx, { params }) => importTemplate(ctx, params.kind),
    });
  };
}
