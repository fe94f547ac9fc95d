// HTTP routes of segments: CRUD, live preview and counts, member pages, and CSV exports with progress.
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
  UpdateSegmentBody,
} from '../../contracts/segments.ts';
import type { RouteRegistrar } from '../../platform/http/routes.ts';
import type { AudienceEngine } from './audience/engine.ts';
import {
  countSegment,
  createSegment,
  deleteSegment,
  exportFile,
  getExport,
  getSegment,
  listSegments,
  previewRule,
  segmentMembers,
  startExport,
  updateSegment,
} from './service.ts';

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
      summary: '导出分群 / Start a CSV export of the members',
      tags: ['segments'],
      permission: 'segment.export',
      audit: { action: 'segment.export', targetType: 'segment' },
      params: IdParams,
      body: CreateExportBody,
      response: SegmentExport,
      status: 202,
      handler: (ctx, { params }) => startExport(ctx, engine, params.id),
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
      summary: '下载导出文件 / The finished export file (base64)',
      tags: ['segments'],
      permission: 'segment.export',
      params: ExportParams,
      response: ExportFile,
      handler: (ctx, { params }) => exportFile(ctx, params.id, params.exportId),
    });
  };
}
