// HTTP routes of segments: CRUD, live preview and counts, member pages, CSV and Excel exports with progress and
// their downloads, and tagging every member at once.
import { Type } from '@sinclair/typebox';
import { page, Uuid } from '../../contracts/foundation.ts';
import {
  CreateExportBody,
  CreateSegmentBody,
  ExportFile,
  MembersQuery,
  PreviewBody,
  Segment,
  SegmentCount,
  SegmentExport,
  SegmentListQuery,
  SegmentMember,
  SegmentTaggingBody,
  UpdateSegmentBody,
} from '../../contracts/segments.ts';
import { BulkTagResult } from '../../contracts/tags.ts';
import type { RouteRegistrar } from '../../platform/http/routes.ts';
import type { AudienceEngine } from './audience/engine.ts';
import { exportDownload, getExport, startExport } from './export.ts';
import {
  countSegment,
  createSegment,
  deleteSegment,
  getSegment,
  listSegments,
  previewRule,
  segmentMembers,
  updateSegment,
} from './service.ts';
import { tagSegmentMembers } from './tagging.ts';

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const ExportParams = Type.Object({ id: Uuid, exportId: Uuid }, { additionalProperties: false });

export function segmentRoutes(engine: AudienceEngine) {
  const validate = (rule: unknown) => engine.registry.validate(rule);
  return (r: RouteRegistrar) => {
    r.route({
      method: 'GET',
      url: '/api/segments',
      summary: '分群列表 / List segments',
      tags: ['segments'],
      permission: 'segment.read',
      query: SegmentListQuery,
      response: page(Segment),
      handler: (ctx, { query }) => listSegments(ctx, query),
    });
    r.route({
      method: 'POST',
      url: '/api/segments',
      summary: '新建分群 / Create a dynamic or static segment',
      description: 'An invalid rule answers 400 segment.invalid_rule with details.path naming the bad node.',
      tags: ['segments'],
      permission: 'segment.manage',
      audit: { action: 'segment.create', targetType: 'segment' },
      body: CreateSegmentBody,
      response: Segment,
      status: 201,
      handler: (ctx, { body }) => createSegment(ctx, engine, { ...body, rule: validate(body.rule) }),
    });
    r.route({
      method: 'POST',
      url: '/api/segments/preview',
      summary: '预估人数 / Live count of an unsaved rule',
      tags: ['segments'],
      permission: 'segment.read',
      // A query with a body: it changes nothing, so it is neither audited nor CSRF-sensitive.
      readOnly: true,
      body: PreviewBody,
      response: SegmentCount,
      handler: (ctx, { body }) => previewRule(ctx, engine, validate(body.rule)),
    });
    r.route({
      method: 'GET',
      url: '/api/segments/:id',
      summary: '分群详情 / A segment',
      tags: ['segments'],
      permission: 'segment.read',
      params: IdParams,
      response: Segment,
      handler: (ctx, { params }) => getSegment(ctx, params.id),
    });
    r.route({
      method: 'PATCH',
      url: '/api/segments/:id',
      summary: '修改分群 / Update a segment',
      tags: ['segments'],
      permission: 'segment.manage',
      audit: { action: 'segment.update', targetType: 'segment' },
      params: IdParams,
      body: UpdateSegmentBody,
      response: Segment,
      handler: (ctx, { params, body }) =>
        updateSegment(ctx, engine, params.id, { ...body, rule: body.rule ? validate(body.rule) : undefined }),
    });
    r.route({
      method: 'DELETE',
      url: '/api/segments/:id',
      summary: '删除分群 / Delete a segment',
      tags: ['segments'],
      permission: 'segment.manage',
      audit: { action: 'segment.delete', targetType: 'segment' },
      params: IdParams,
      response: null,
      handler: (ctx, { params }) => deleteSegment(ctx, params.id),
    });
    r.route({
      method: 'GET',
      url: '/api/segments/:id/count',
      summary: '分群人数 / Live member count and when it was last brought up to date',
      tags: ['segments'],
      permission: 'segment.read',
      params: IdParams,
      response: SegmentCount,
      handler: (ctx, { params }) => countSegment(ctx, engine, params.id),
    });
    r.route({
      method: 'GET',
      url: '/api/segments/:id/members',
      summary: '分群成员 / Members, by seq with cursor pagination',
      tags: ['segments'],
      permission: 'segment.read',
      params: IdParams,
      query: MembersQuery,
      response: page(SegmentMember),
      handler: (ctx, { params, query }) => segmentMembers(ctx, engine, params.id, query),
    });
    r.route({
      method: 'POST',
      url: '/api/segments/:id/exports',
      summary: '导出分群 / Start a CSV or Excel export of the members',
      description:
        'Runs as jobs; read its progress from GET …/exports/:exportId. Names, phones and e-mails are in the clear ' +
        'only when the caller holds customer.pii.',
      tags: ['segments'],
      permission: 'segment.export',
      audit: { action: 'segment.export', targetType: 'segment' },
      params: IdParams,
      body: CreateExportBody,
      response: SegmentExport,
      status: 202,
      handler: (ctx, { params, body }) => startExport(ctx, engine, params.id, body.format),
    });
    r.route({
      method: 'GET',
      url: '/api/segments/:id/exports/:exportId',
      summary: '导出进度 / Progress of an export',
      tags: ['segments'],
      permission: 'segment.export',
      params: ExportParams,
      response: SegmentExport,
      handler: (ctx, { params }) => getExport(ctx, params.id, params.exportId),
    });
    r.route({
      method: 'GET',
      url: '/api/segments/:id/exports/:exportId/file',
      summary: '下载导出文件 / Download the finished export (CSV or .xlsx attachment)',
      description: 'An export with personal data in the clear answers 403 to callers without customer.pii.',
      tags: ['segments'],
      permission: 'segment.export',
      params: ExportParams,
      response: ExportFile,
      handler: (ctx, { params }) => exportDownload(ctx, params.id, params.exportId),
    });
    r.route({
      method: 'POST',
      url: '/api/segments/:id/tagging',
      summary: '分群批量打标签 / Add a tag to, or remove it from, every member of a segment',
      description: 'Needs tag.apply and segment.read. Idempotent: members who already have (or lack) the tag are left.',
      tags: ['segments'],
      permission: 'tag.apply',
      audit: { action: 'segment.tag_members', targetType: 'segment' },
      params: IdParams,
      body: SegmentTaggingBody,
      response: BulkTagResult,
      handler: (ctx, { params, body }) => tagSegmentMembers(ctx, engine, params.id, body),
    });
  };
}
