// Request and response shapes of ingestion (Segment-compatible identify/track/page/screen/batch), orders and
// imports, shared by the server and the console.
import { type Static, Type } from '@sinclair/typebox';
import { IdentityInput } from './customers.ts';
import { Timestamp, Uuid } from './foundation.ts';

const Json = Type.Record(Type.String(), Type.Unknown());

/** Segment's `context`, open as in the spec, plus Siyu's `channel` and extra `identities`. */
export const MessageContext = Type.Object(
  {
    /** Where the event happened: wecom, official_account, mini_program, store, app, h5 … */
    channel: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    identities: Type.Optional(Type.Array(IdentityInput, { maxItems: 20 })),
  },
  { additionalProperties: true },
);

/** Fields every Segment message may carry; what analytics.js and analytics-node send is accepted as is. */
const Common = {
  messageId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  timestamp: Type.Optional(Timestamp),
  originalTimestamp: Type.Optional(Timestamp),
  sentAt: Type.Optional(Timestamp),
  receivedAt: Type.Optional(Timestamp),
  context: Type.Optional(MessageContext),
  integrations: Type.Optional(Json),
  channel: Type.Optional(Type.String({ maxLength: 32 })),
  version: Type.Optional(Type.Number()),
  writeKey: Type.Optional(Type.String({ maxLength: 256 })),
  _metadata: Type.Optional(Json),
};

const typed = <T extends string>(t: T, required: boolean) =>
  required ? { type: Type.Literal(t) } : { type: Type.Optional(Type.Literal(t)) };

const identifyFields = { traits: Type.Optional(Json) };
const trackFields = { event: Type.String({ minLength: 1, maxLength: 200 }), properties: Type.Optional(Json) };
const pageFields = {
  name: Type.Optional(Type.String({ maxLength: 200 })),
  category: Type.Optional(Type.String({ maxLength: 200 })),
  properties: Type.Optional(Json),
};

const strict = { additionalProperties: false } as const;
export const IdentifyBody = Type.Object({ ...Common, ...typed('identify', false), ...identifyFields }, strict);
export const TrackBody = Type.Object({ ...Common, ...typed('track', false), ...trackFields }, strict);
export const PageBody = Type.Object({ ...Common, ...typed('page', false), ...pageFields }, strict);
export const ScreenBody = Type.Object({ ...Common, ...typed('screen', false), ...pageFields }, strict);

/** The shapes a batch entry may have, by its `type`. */
export const BatchMessages = {
  identify: Type.Object({ ...Common, ...typed('identify', true), ...identifyFields }, strict),
  track: Type.Object({ ...Common, ...typed('track', true), ...trackFields }, strict),
  page: Type.Object({ ...Common, ...typed('page', true), ...pageFields }, strict),
  screen: Type.Object({ ...Common, ...typed('screen', true), ...pageFields }, strict),
};
export const BatchMessage = Type.Union(Object.values(BatchMessages));

export type IdentifyBody = Static<typeof IdentifyBody>;
export type TrackBody = Static<typeof TrackBody>;
export type PageBody = Static<typeof PageBody>;
export type BatchMessage = Static<typeof BatchMessage>;
export type Message = IdentifyBody | TrackBody | PageBody;

/**
 * The batch's entries are checked one by one (a bad entry is reported in `rejected`, the rest go in), so the
 * schema only requires an array here; the limits (500 entries, 512 KB) answer 422 and 413.
 */
export const BatchBody = Type.Object(
  {
    batch: Type.Array(Type.Unknown()),
    context: Type.Optional(MessageContext),
    integrations: Type.Optional(Json),
    sentAt: Type.Optional(Timestamp),
    writeKey: Type.Optional(Type.String({ maxLength: 256 })),
    _metadata: Type.Optional(Json),
  },
  strict,
);
export type BatchBody = Static<typeof BatchBody>;

export const IngestResult = Type.Object({
  success: Type.Boolean(),
  /** True when this messageId was accepted before: nothing changed. */
  duplicate: Type.Boolean(),
  customerId: Uuid,
});
export type IngestResult = Static<typeof IngestResult>;

export const RejectedMessage = Type.Object({ index: Type.Integer(), code: Type.String(), message: Type.String() });
export const BatchResult = Type.Object({
  success: Type.Boolean(),
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Array(RejectedMessage),
});
export type BatchResult = Static<typeof BatchResult>;

export const ORDER_STATUSES = ['pending', 'paid', 'partially_refunded', 'refunded', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const OrderStatus = Type.Union(ORDER_STATUSES.map((s) => Type.Literal(s)));

const Fen = Type.Integer({ minimum: 0, maximum: 1e13 });
export const OrderItemInput = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 64 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    category: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    quantity: Type.Integer({ minimum: 1, maximum: 1e6 }),
    unitPriceFen: Fen,
  },
  strict,
);
export type OrderItemInput = Static<typeof OrderItemInput>;

export const OrderParams = Type.Object(
  { orderNo: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\s/]+$' }) },
  strict,
);

export const OrderBody = Type.Object(
  {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    identities: Type.Optional(Type.Array(IdentityInput, { maxItems: 20 })),
    status: OrderStatus,
    totalFen: Fen,
    paidFen: Type.Optional(Fen),
    refundedFen: Type.Optional(Fen),
    store: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
    channel: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
    placedAt: Timestamp,
    paidAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    items: Type.Array(OrderItemInput, { maxItems: 500 }),
  },
  strict,
);
export type OrderBody = Static<typeof OrderBody>;

export const OrderItem = Type.Object({
  line: Type.Integer(),
  sku: Type.String(),
  name: Type.String(),
  category: Type.Union([Type.String(), Type.Null()]),
  quantity: Type.Integer(),
  unitPriceFen: Type.Integer(),
});
export const Order = Type.Object({
  id: Uuid,
  orderNo: Type.String(),
  customerId: Uuid,
  status: OrderStatus,
  totalFen: Type.Integer(),
  paidFen: Type.Integer(),
  refundedFen: Type.Integer(),
  store: Type.Union([Type.String(), Type.Null()]),
  channel: Type.Union([Type.String(), Type.Null()]),
  placedAt: Timestamp,
  paidAt: Type.Union([Timestamp, Type.Null()]),
  updatedAt: Timestamp,
  items: Type.Array(OrderItem),
});
export type Order = Static<typeof Order>;

export const IMPORT_KINDS = ['customers', 'orders'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];
export const ImportKind = Type.Union(IMPORT_KINDS.map((k) => Type.Literal(k)));

/** The largest file an import takes (the JSON routes keep the 1 MB body limit); the console checks it first. */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;

export const IMPORT_STATES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type ImportState = (typeof IMPORT_STATES)[number];

/**
 * `POST /api/imports?kind=…&filename=…` with the file itself as the body (any Content-Type; the name's extension,
 * .csv or .xlsx, says how it is read).
 */
export const ImportUploadQuery = Type.Object(
  { kind: ImportKind, filename: Type.String({ minLength: 1, maxLength: 200 }) },
  strict,
);
export type ImportUploadQuery = Static<typeof ImportUploadQuery>;

export const ImportParams = Type.Object({ id: Uuid }, strict);
export const ImportTemplateParams = Type.Object({ kind: ImportKind }, strict);
/** The template: a CSV (UTF-8 with a byte-order mark) of one header row, as an attachment. */
export const ImportTemplateFile = Type.String({ format: 'binary', description: 'text/csv, sent as an attachment' });

/** An import running as background jobs: its progress while it runs, its report once it has finished. */
export const DataImport = Type.Object({
  id: Uuid,
  kind: ImportKind,
  filename: Type.String(),
  sizeBytes: Type.Integer(),
  state: Type.Union(IMPORT_STATES.map((s) => Type.Literal(s))),
  /** Rows below the header; null until the file has been read. */
  totalRows: Type.Union([Type.Integer(), Type.Null()]),
  doneRows: Type.Integer(),
  /** 0–100; 100 only once the import has succeeded. */
  progress: Type.Integer(),
  /** Customers or orders written (an order may take several rows). */
  imported: Type.Integer(),
  /** Rows reported as bad; they are listed at `/api/imports/:id/errors`. */
  failed: Type.Integer(),
  /** Header cells that match no known column; their values were not imported. */
  ignoredColumns: Type.Array(Type.String()),
  /** Why the import as a whole failed (an unreadable file, a missing column), in the reader's language. */
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  createdBy: Type.Object({ id: Type.String(), name: Type.String() }),
  createdAt: Timestamp,
  finishedAt: Type.Union([Timestamp, Type.Null()]),
});
export type DataImport = Static<typeof DataImport>;

export const ImportRowError = Type.Object({
  /** Line of the file (CSV) or row number of the sheet (xlsx), the header being line 1. */
  line: Type.Integer(),
  code: Type.String(),
  message: Type.String(),
});
export type ImportRowError = Static<typeof ImportRowError>;
