// Request and response shapes of the segments API, shared by the server and the console. A rule is validated by
// the segments module itself (src/modules/segments/rules.ts) so that errors name the bad node's path.
import { type Static, Type } from '@sinclair/typebox';
import { PageQuery, Timestamp, Uuid } from './foundation.ts';

/** `{ op: 'and'|'or', rules } | { op: 'not', rule } | { type: '<condition>', ... }` — see the segments README. */
export const SegmentRule = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Rule tree: and/or/not over conditions (attribute, tag, trait, event, order, identity).',
});
export const SegmentKind = Type.Union([Type.Literal('dynamic'), Type.Literal('static')]);

export const CreateSegmentBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    kind: SegmentKind,
    rule: SegmentRule,
  },
  { additionalProperties: false },
);
export type CreateSegmentBody = Static<typeof CreateSegmentBody>;

export const UpdateSegmentBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    rule: Type.Optional(SegmentRule),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateSegmentBody = Static<typeof UpdateSegmentBody>;

export const Segment = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  kind: SegmentKind,
  rule: SegmentRule,
  memberCount: Type.Integer(),
  /** When the members were last brought up to date. */
  refreshedAt: Type.Union([Timestamp, Type.Null()]),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Segment = Static<typeof Segment>;

export const SegmentListQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

export const PreviewBody = Type.Object({ rule: SegmentRule }, { additionalProperties: false });
export const SegmentCount = Type.Object({
  count: Type.Integer(),
  /** When the audience index behind the count last took in a change. */
  refreshedAt: Type.Union([Timestamp, Type.Null()]),
  tookMs: Type.Number(),
});
export type SegmentCount = Static<typeof SegmentCount>;

export const SegmentMember = Type.Object({
  id: Uuid,
  seq: Type.Integer(),
  name: Type.Union([Type.String(), Type.Null()]),
  gender: Type.String(),
  city: Type.Union([Type.String(), Type.Null()]),
});
export type SegmentMember = Static<typeof SegmentMember>;
export const MembersQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

export const ExportFormat = Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]);
export type ExportFormat = Static<typeof ExportFormat>;
export const CreateExportBody = Type.Object({ format: ExportFormat }, { additionalProperties: false });
export type CreateExportBody = Static<typeof CreateExportBody>;
export const SegmentExport = Type.Object({
  id: Uuid,
  segmentId: Uuid,
  format: ExportFormat,
  state: Type.Union(['queued', 'running', 'succeeded', 'failed'].map((s) => Type.Literal(s))),
  total: Type.Integer(),
  done: Type.Integer(),
  /** 0–100. */
  progress: Type.Integer(),
  /** Whether names, phones and e-mails are in the clear (the creator held customer.pii) or masked. */
  clearPii: Type.Boolean(),
  /** The name the download is saved under: the segment's name and the day of the export. */
  filename: Type.String(),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  finishedAt: Type.Union([Timestamp, Type.Null()]),
});
export type SegmentExport = Static<typeof SegmentExport>;
/** The download itself: CSV (UTF-8 with a byte-order mark) or an Excel workbook, as an attachment. */
export const ExportFile = Type.String({ format: 'binary', description: 'text/csv or .xlsx, sent as an attachment' });

/** Adds a tag to, or removes it from, every current member of a segment. */
export const SegmentTaggingBody = Type.Object(
  { tagId: Uuid, action: Type.Union([Type.Literal('add'), Type.Literal('remove')]) },
  { additionalProperties: false },
);
export type SegmentTaggingBody = Static<typeof SegmentTaggingBody>;
