// HTTP routes of the acquisition module: channels, channel live codes, adds, welcome messages and settings,
// statistics, trackable links, and the public path of a link. The API table is in README.md.
import { Type } from '@sinclair/typebox';
import {
  AcquisitionListQuery,
  AcquisitionOverview,
  Acquisition as AcquisitionSchema,
  AcquisitionSettings,
  AcquisitionSettingsBody,
  AcquisitionStats,
  Channel,
  ChannelBody,
  ChannelCode,
  ChannelCodeBody,
  ChannelListQuery,
  CodeListQuery,
  Link,
  LinkBody,
  LinkListQuery,
  LinkStats,
  LinkStatsQuery,
  RefreshResult,
  StatsQuery,
  UpdateChannelBody,
  UpdateChannelCodeBody,
  UpdateLinkBody,
  WelcomeListQuery,
  WelcomePreview,
  WelcomePreviewBody,
  WelcomeSend,
} from '../../contracts/acquisition.ts';
import { page, Uuid } from '../../contracts/foundation.ts';
import { AppError } from '../../platform/errors.ts';
import { RateLimiter } from '../../platform/http/rate-limit.ts';
import type { RouteRegistrar } from '../../platform/http/routes.ts';
import { listAcquisitions } from './attribution.ts';
import { createChannel, deleteChannel, listChannels, updateChannel } from './channels.ts';
import {
  createCode,
  deleteCode,
  getCode,
  listCodes,
  refreshWorkspace,
  setPaused,
  syncCode,
  updateCode,
} from './codes.ts';
import { createLink, deleteLink, getLink, linkStats, listLinks, updateLink, visitLink } from './links.ts';
import { loadSettings, saveSettings } from './settings.ts';
import { ownStaffId } from './shared.ts';
import { acquisitionOverview, acquisitionStats } from './stats.ts';
import { listWelcomes, previewWelcome } from './welcome.ts';

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const SlugParams = Type.Object(
  { slug: Type.String({ pattern: '^[A-Za-z0-9]{6,16}$' }) },
  { additionalProperties: false },
);
const TAGS = ['acquisition'];
const READ = 'acquisition.read';
const MANAGE = 'acquisition.manage';
/** Visits of short links per client IP and minute: generous for a crowd behind one NAT, a wall for a script. */
const LINK_VISITS_PER_IP_MINUTE = 120;

export function acquisitionRoutes(r: RouteRegistrar): void {
  r.route({
    method: 'GET',
    url: '/api/acquisition/overview',
    summary: '获客概览 / Acquisition overview',
    tags: TAGS,
    permission: READ,
    response: AcquisitionOverview,
    handler: (ctx) => acquisitionOverview(ctx),
  });

  // -------------------------------------------------------------------------------------------------------------
  // Channels.
  r.route({
    method: 'GET',
    url: '/api/acquisition/channels',
    summary: '渠道 / Channels',
    tags: TAGS,
    permission: READ,
    query: ChannelListQuery,
    response: page(Channel),
    handler: (ctx, { query }) => listChannels(ctx.tx, ctx.workspaceId, query),
  });
  r.route({
    method: 'POST',
    url: '/api/acquisition/channels',
    summary: '新建渠道 / Add a channel',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'acquisition.channel_create', targetType: 'acquisition_channel' },
    body: ChannelBody,
    response: Channel,
    status: 201,
    handler: (ctx, { body }) => createChannel(ctx.tx, ctx.workspaceId, body),
  });
  r.route({
    method: 'PATCH',
    url: '/api/acquisition/channels/:id',
    summary: '修改渠道 / Rename, reorder or archive a channel',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'acquisition.channel_update', targetType: 'acquisition_channel' },
    params: IdParams,
    body: UpdateChannelBody,
    response: Channel,
    handler: (ctx, { params, body }) => updateChannel(ctx.tx, ctx.workspaceId, params.id, body, ctx.now()),
  });
  r.route({
    method: 'DELETE',
    url: '/api/acquisition/channels/:id',
    summary: '删除渠道 / Delete an unused custom channel',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'acquisition.channel_delete', targetType: 'acquisition_channel' },
    params: IdParams,
    response: null,
    handler: (ctx, { params }) => deleteChannel(ctx.tx, ctx.workspaceId, params.id),
  });

  // -------------------------------------------------------------------------------------------------------------
  // Channel live codes.
  r.route({
    method: 'GET',
    url: '/api/acquisition/codes',
    summary: '渠道活码 / Channel live codes',
    description: 'A guide sees the codes whose pool or backup they are in.',
    tags: TAGS,
    permission: READ,
    query: CodeListQuery,
    response: page(ChannelCode),
    handler: (ctx, { query }) => listCodes(ctx.tx, ctx.workspaceId, query, ownStaffId(ctx), ctx.now()),
  });
  r.route({
    method: 'GET',
    url: '/api/acquisition/codes/:id',
    summary: '渠道活码详情 / A channel live code',
    tags: TAGS,
    permission: READ,
    params: IdParams,
    response: ChannelCode,
    handler: (ctx, { params }) => getCode(ctx.tx, ctx.workspaceId, params.id, ownStaffId(ctx), ctx.now()),
  });
  r.route({
    method: 'POST',
    url: '/api/acquisition/codes',
    summary: '新建渠道活码 / Create a channel live code (its QR code follows from WeCom)',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'acquisition.code_create', targetType: 'acquisition_code' },
    body: ChannelCodeBody,
    response: ChannelCode,
    status: 201,
    handler: async (ctx, { body }) => {
      const id = await createCode(ctx.tx, ctx.workspaceId, body, ctx.now());
      ctx.audit.targetId = id;
      ctx.audit.details = { name: body.name, guides: body.guides.length };
      return getCode(ctx.tx, ctx.workspaceId, id, null, ctx.now());
    },
  });
  r.route({
    method: 'PATCH',
    url: '/api/acquisition/codes/:id',
    summary: '修改渠道活码 / Change a channel live code',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'acquisition.code_update', targetType: 'acquisition_code' },
    params: IdParams,
    body: UpdateChannelCodeBody,
    response: ChannelCode,
    handler: async (ctx, { params, body }) => {
      await updateCode(ctx.tx, ctx.workspaceId, params.id, body, ctx.now());
      ctx.audit.details = { fields: Object.keys(body) };
      return getCode(ctx.tx, ctx.workspaceId, params.id, null, ctx.now());
    },
  });
  for (const paused of [true, false]) {
    r.route({
      method: 'POST',
      url: `/api/acquisition/codes/:id/${paused ? 'pause' : 'resume'}`,
      summary: paused ? '暂停渠道活码 / Pause a code' : '恢复渠道活码 / Resume a code',
      tags: TAGS,
      permission: MANAGE,
      audit: { action: `acquisition.code_${paused ? 'pause' : 'resume'}`, targetType: 'acquisition_code' },
      params: IdParams,
      response: ChannelCode,
      handler: async (ctx, { params }) => {
        await setPaused(ctx.tx, ctx.workspaceId, params.id, paused, ctx.now());
        return getCode(ctx.tx, ctx.workspaceId, params.id, null, ctx.now());
      },
    });
  }
  r.route({
    method: 'POST',
    url: '/api/acquisition/codes/:id/sync',
    summary: '重新同步到企业微信 / Push a code to WeCom again',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'acquisition.code_sync', targetType: 'acquisition_code' },
    params: IdParams,
    response: ChannelCode,
    handler: async (ctx, { params }) => {
      await syncCode(ctx.tx, ctx.workspaceId, params.id, ctx.now());
      return getCode(ctx.tx, ctx.workspaceId, params.id, null, ctx.now());
    },
  });
  r.route({
    method: 'DELETE',
    url: '/api/acquisition/codes/:id',
    summary: '删除渠道活码 / Delete a code (its WeCom contact ways too)',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'acquisition.code_delete', targetType: 'acquisition_code' },
    params: IdParams,
    response: null,
    handler: (ctx, { params }) => deleteCode(ctx.tx, ctx.workspaceId, params.id, ctx.now()),
  });
  r.route({
    method: 'POST',
    url: '/api/acquisition/refresh',
    summary: '立即检查轮换与过期 / Check rotation and expiry now',
    description: 'What the minute job does: expired codes leave WeCom, changed guide lists are pushed.',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'acquisition.refresh', targetType: 'workspace' },
    response: RefreshResult,
    handler: async (ctx) => {
      ctx.audit.targetId = ctx.workspaceId;
      return refreshWorkspace(ctx.tx, ctx.workspaceId, ctx.now());
    },
  });

  // -------------------------------------------------------------------------------------------------------------
  // Adds, welcome messages, settings.
  r.route({
    method: 'GET',
    url: '/api/acquisition/adds',
    summary: '渠道新增客户 / Adds attributed to codes',
    description: 'A guide sees their own adds.',
    tags: TAGS,
    permission: READ,
    query: AcquisitionListQuery,
    response: page(AcquisitionSchema),
    handler: (ctx, { query }) => listAcquisitions(ctx, query),
  });
  r.route({
    method: 'GET',
    url: '/api/acquisition/welcomes',
    summary: '欢迎语发送记录 / Welcome messages sent, failed or skipped',
    tags: TAGS,
    permission: READ,
    query: WelcomeListQuery,
    response: page(WelcomeSend),
    handler: (ctx, { query }) => listWelcomes(ctx, query),
  });
  r.route({
    method: 'POST',
    url: '/api/acquisition/welcome/preview',
    summary: '预览欢迎语 / Render a welcome text',
    tags: TAGS,
    permission: READ,
    readOnly: true,
    body: WelcomePreviewBody,
    response: WelcomePreview,
    handler: (ctx, { body }) => previewWelcome(ctx, body),
  });
  r.route({
    method: 'GET',
    url: '/api/acquisition/settings',
    summary: '获客设置 / Acquisition settings (default welcome message)',
    tags: TAGS,
    permission: READ,
    response: AcquisitionSettings,
    handler: (ctx) => loadSettings(ctx.tx, ctx.workspaceId),
  });
  r.route({
    method: 'PUT',
    url: '/api/acquisition/settings',
    summary: '修改获客设置 / Change the default welcome message',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'acquisition.settings_update', targetType: 'workspace' },
    body: AcquisitionSettingsBody,
    response: AcquisitionSettings,
    handler: async (ctx, { body }) => {
      ctx.audit.targetId = ctx.workspaceId;
      ctx.audit.details = { fields: Object.keys(body) };
      return saveSettings(ctx.tx, ctx.workspaceId, body, ctx.now());
    },
  });

  // -------------------------------------------------------------------------------------------------------------
  // Statistics.
  r.route({
    method: 'GET',
    url: '/api/acquisition/stats',
    summary: '获客统计 / Adds, losses, net adds and retention by day, code, channel and guide',
    tags: TAGS,
    permission: READ,
    query: StatsQuery,
    response: AcquisitionStats,
    handler: (ctx, { query }) => acquisitionStats(ctx, query),
  });

  // -------------------------------------------------------------------------------------------------------------
  // Trackable links.
  r.route({
    method: 'GET',
    url: '/api/acquisition/links',
    summary: '推广链接 / Trackable links',
    tags: TAGS,
    permission: READ,
    query: LinkListQuery,
    response: page(Link),
    handler: (ctx, { query }) => listLinks(ctx, query),
  });
  r.route({
    method: 'GET',
    url: '/api/acquisition/links/:id',
    summary: '推广链接详情 / A trackable link',
    tags: TAGS,
    permission: READ,
    params: IdParams,
    response: Link,
    handler: (ctx, { params }) => getLink(ctx.tx, ctx.workspaceId, params.id, ownStaffId(ctx)),
  });
  r.route({
    method: 'POST',
    url: '/api/acquisition/links',
    summary: '新建推广链接 / Create a trackable link',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'acquisition.link_create', targetType: 'acquisition_link' },
    body: LinkBody,
    response: Link,
    status: 201,
    handler: async (ctx, { body }) => {
      const id = await createLink(ctx.tx, ctx.workspaceId, body, ctx.now());
      ctx.audit.targetId = id;
      return getLink(ctx.tx, ctx.workspaceId, id, null);
    },
  });
  r.route({
    method: 'PATCH',
    url: '/api/acquisition/links/:id',
    summary: '修改推广链接 / Change a trackable link',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'acquisition.link_update', targetType: 'acquisition_link' },
    params: IdParams,
    body: UpdateLinkBody,
    response: Link,
    handler: async (ctx, { params, body }) => {
      await updateLink(ctx.tx, ctx.workspaceId, params.id, body, ctx.now());
      return getLink(ctx.tx, ctx.workspaceId, params.id, null);
    },
  });
  r.route({
    method: 'DELETE',
    url: '/api/acquisition/links/:id',
    summary: '删除推广链接 / Delete a trackable link',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'acquisition.link_delete', targetType: 'acquisition_link' },
    params: IdParams,
    response: null,
    handler: (ctx, { params }) => deleteLink(ctx.tx, ctx.workspaceId, params.id, ctx.now()),
  });
  r.route({
    method: 'GET',
    url: '/api/acquisition/links/:id/stats',
    summary: '推广链接统计 / Clicks, unique visitors and adds of a link',
    tags: TAGS,
    permission: READ,
    params: IdParams,
    query: LinkStatsQuery,
    response: LinkStats,
    handler: (ctx, { params, query }) => linkStats(ctx, params.id, query),
  });

  const visits = new RateLimiter(60_000);
  r.publicRoute({
    method: 'GET',
    url: '/l/:slug',
    summary: '推广链接落地页 / A trackable link (public)',
    description:
      'Records the visit (user-agent kind, referring host, a visitor cookie) and redirects to the link URL, or serves ' +
      'the landing page with the QR code of its contact way (text/html). 404 for an unknown link, 410 once its code ' +
      'is gone. Rate limited per client IP.',
    tags: TAGS,
    params: SlugParams,
    response: Type.String({ description: 'The landing page (text/html), or empty with a redirect' }),
    handler: async (ctx, { params }) => {
      const wait = visits.hit(ctx.ip, LINK_VISITS_PER_IP_MINUTE);
      if (wait > 0) {
        ctx.reply.header('retry-after', String(wait));
        throw new AppError(429, 'request.rate_limited', { retryAfter: wait });
      }
      return visitLink(ctx.db, ctx.request, ctx.reply, { slug: params.slug, now: ctx.now(), locale: ctx.locale });
    },
  });
}
