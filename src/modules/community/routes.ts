// HTTP routes of the community module, all under /api/community: groups and members, message ingestion from the
// session archive, group live codes, auto-reply and moderation rules with their logs, group SOP, settings,
// check-ins, statistics and KOC discovery.
import { Type } from '@sinclair/typebox';
import {
  AutoReplyBody,
  AutoReplyRule,
  BlacklistBody,
  BlacklistEntry,
  CheckInListQuery,
  CheckInRecord,
  CommunitySettings,
  CommunitySettingsBody,
  Duplicate,
  Group,
  GroupListQuery,
  GroupStatsReport,
  IngestBody,
  IngestResult,
  KocQuery,
  KocReport,
  LiveCode,
  LiveCodeBody,
  Member,
  MemberIdParams,
  MemberListQuery,
  MemberParams,
  MemberRoleBody,
  MemberRoleResult,
  Message,
  MessageListQuery,
  ModerationRule,
  ModerationRuleBody,
  Removal,
  RemovalListQuery,
  RoleBody,
  Send,
  SendListQuery,
  SopPlan,
  SopPlanBody,
  SopRunResult,
  StatsQuery,
  SyncResult,
  UpdateAutoReplyBody,
  UpdateLiveCodeBody,
  UpdateModerationRuleBody,
  UpdateSopPlanBody,
  Violation,
  ViolationListQuery,
} from '../../contracts/community.ts';
import { PageQuery, page, Uuid } from '../../contracts/foundation.ts';
import type { RouteRegistrar } from '../../platform/http/routes.ts';
import { createAutoReply, deleteAutoReply, getAutoReply, listAutoReplies, updateAutoReply } from './auto-reply.ts';
import { listCheckIns, loadSettings, saveSettings } from './check-ins.ts';
import { getGroup, listDuplicates, listGroups, listMembers, setRole, setRoleEverywhere, startSync } from './groups.ts';
import { createLiveCode, deleteLiveCode, getLiveCode, listLiveCodes, updateLiveCode } from './live-codes.ts';
import { ingestMessages, listMessages } from './messages.ts';
import {
  addToBlacklist,
  createModerationRule,
  deleteModerationRule,
  getModerationRule,
  listBlacklist,
  listModerationRules,
  listViolations,
  removeFromBlacklist,
  updateModerationRule,
} from './moderation.ts';
import { cancelRemoval, listRemovals } from './removals.ts';
import { listSends, refreshResults } from './sends.ts';
import { createSopPlan, deleteSopPlan, getSopPlan, listSopPlans, runPlan, updateSopPlan } from './sop.ts';
import { groupStats, kocCandidates } from './stats.ts';

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const PageOnly = Type.Object(PageQuery, { additionalProperties: false });
const TAGS = ['community'];
const READ = 'community.read';
const MANAGE = 'community.manage';

export function communityRoutes(r: RouteRegistrar): void {
  // ---------------------------------------------------------------------------------------------------------
  // Groups and members.
  r.route({
    method: 'GET',
    url: '/api/community/groups',
    summary: '客户群列表（含近 7 天数据）/ Customer groups with their last 7 days',
    tags: TAGS,
    permission: READ,
    query: GroupListQuery,
    response: page(Group),
    handler: (ctx, { query }) => listGroups(ctx.tx, ctx.workspaceId, query, ctx.now()),
  });
  r.route({
    method: 'GET',
    url: '/api/community/groups/:id',
    summary: '客户群详情 / A customer group',
    tags: TAGS,
    permission: READ,
    params: IdParams,
    response: Group,
    handler: (ctx, { params }) => getGroup(ctx.tx, ctx.workspaceId, params.id, ctx.now()),
  });
  r.route({
    method: 'POST',
    url: '/api/community/sync',
    summary: '从企业微信全量同步客户群 / Sync every customer group from WeCom (a background job)',
    description:
      'Lists the groups through groupchat/list and refreshes each; groups WeCom no longer lists are dismissed.',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.sync', targetType: 'workspace' },
    response: SyncResult,
    status: 202,
    handler: async (ctx) => {
      ctx.audit.targetId = ctx.workspaceId;
      return { jobId: await startSync(ctx.tx, ctx.workspaceId, ctx.now()) };
    },
  });
  r.route({
    method: 'GET',
    url: '/api/community/groups/:id/members',
    summary: '群成员 / Members of a group, newest first',
    tags: TAGS,
    permission: READ,
    params: IdParams,
    query: MemberListQuery,
    response: page(Member),
    handler: (ctx, { params, query }) => listMembers(ctx.tx, ctx.workspaceId, params.id, query),
  });
  r.route({
    method: 'PUT',
    url: '/api/community/groups/:id/members/:memberId/role',
    summary: '设置群成员角色 / Set a member’s role in a group (admin, KOC, member)',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.member_role', targetType: 'community_member' },
    params: MemberParams,
    body: RoleBody,
    response: Member,
    handler: async (ctx, { params, body }) => {
      ctx.audit.targetId = params.memberId;
      ctx.audit.details = { groupId: params.id, role: body.role };
      return setRole(ctx.tx, ctx.workspaceId, params.id, params.memberId, body.role, ctx.now());
    },
  });
  r.route({
    method: 'POST',
    url: '/api/community/members/:memberId/role',
    summary: '设置成员角色（一个群或其所在全部群）/ Set a member’s role in one group or every group they are in',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.member_role', targetType: 'community_member' },
    params: MemberIdParams,
    body: MemberRoleBody,
    response: MemberRoleResult,
    handler: async (ctx, { params, body }) => {
      ctx.audit.targetId = params.memberId;
      ctx.audit.details = { groupId: body.groupId ?? null, role: body.role };
      return {
        changed: await setRoleEverywhere(ctx.tx, ctx.workspaceId, params.memberId, body.role, body.groupId, ctx.now()),
      };
    },
  });
  r.route({
    method: 'GET',
    url: '/api/community/groups/:id/messages',
    summary: '群消息（来自会话存档）/ A group’s messages from the session archive, newest first',
    tags: TAGS,
    permission: READ,
    params: IdParams,
    query: MessageListQuery,
    response: page(Message),
    handler: (ctx, { params, query }) => listMessages(ctx.tx, ctx.workspaceId, params.id, query),
  });
  r.route({
    method: 'GET',
    url: '/api/community/duplicates',
    summary: '跨群重复客户 / Customers in more than one group, with the groups',
    tags: TAGS,
    permission: READ,
    query: PageOnly,
    response: page(Duplicate),
    handler: (ctx, { query }) => listDuplicates(ctx.tx, ctx.workspaceId, query),
  });

  // ---------------------------------------------------------------------------------------------------------
  // Messages from the session archive.
  r.route({
    method: 'POST',
    url: '/api/community/messages',
    summary: '写入群消息（会话存档连接器）/ Ingest group messages from the session archive connector',
    description:
      'Up to 1,000 archive records (decrypted, in the archive’s own field names) per call; each msgid is stored once, ' +
      'so a batch may be sent again after a failure. One-to-one messages are ignored; recalls mark their message.',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.messages_ingest', targetType: 'workspace' },
    body: IngestBody,
    response: IngestResult,
    handler: async (ctx, { body }) => {
      const result = await ingestMessages(ctx.tx, ctx.workspaceId, body.messages);
      ctx.audit.targetId = ctx.workspaceId;
      ctx.audit.details = {
        accepted: result.accepted,
        duplicates: result.duplicates,
        recalled: result.recalled,
        ignored: result.ignored,
      };
      return result;
    },
  });

  // ---------------------------------------------------------------------------------------------------------
  // Group live codes.
  r.route({
    method: 'GET',
    url: '/api/community/live-codes',
    summary: '群活码 / Group live codes',
    tags: TAGS,
    permission: READ,
    response: page(LiveCode),
    handler: (ctx) => listLiveCodes(ctx.tx, ctx.workspaceId, ctx.now()),
  });
  r.route({
    method: 'GET',
    url: '/api/community/live-codes/:id',
    summary: '群活码详情 / A group live code',
    tags: TAGS,
    permission: READ,
    params: IdParams,
    response: LiveCode,
    handler: (ctx, { params }) => getLiveCode(ctx.tx, ctx.workspaceId, params.id, ctx.now()),
  });
  r.route({
    method: 'POST',
    url: '/api/community/live-codes',
    summary: '新建群活码 / Create a group live code (its QR code follows from WeCom)',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.live_code_create', targetType: 'community_live_code' },
    body: LiveCodeBody,
    response: LiveCode,
    status: 201,
    handler: async (ctx, { body }) => {
      const code = await createLiveCode(ctx.tx, ctx.workspaceId, body, ctx.now());
      ctx.audit.targetId = code.id;
      return code;
    },
  });
  r.route({
    method: 'PATCH',
    url: '/api/community/live-codes/:id',
    summary: '修改群活码 / Change a group live code',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.live_code_update', targetType: 'community_live_code' },
    params: IdParams,
    body: UpdateLiveCodeBody,
    response: LiveCode,
    handler: async (ctx, { params, body }) => {
      ctx.audit.targetId = params.id;
      return updateLiveCode(ctx.tx, ctx.workspaceId, params.id, body, ctx.now());
    },
  });
  r.route({
    method: 'DELETE',
    url: '/api/community/live-codes/:id',
    summary: '删除群活码 / Delete a group live code (its WeCom join way too)',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.live_code_delete', targetType: 'community_live_code' },
    params: IdParams,
    response: null,
    handler: async (ctx, { params }) => {
      ctx.audit.targetId = params.id;
      await deleteLiveCode(ctx.tx, ctx.workspaceId, params.id);
    },
  });

  // ---------------------------------------------------------------------------------------------------------
  // Auto-reply rules.
  r.route({
    method: 'GET',
    url: '/api/community/auto-replies',
    summary: '关键词自动回复规则 / Keyword auto-reply rules',
    tags: TAGS,
    permission: READ,
    response: page(AutoReplyRule),
    handler: (ctx) => listAutoReplies(ctx.tx, ctx.workspaceId),
  });
  r.route({
    method: 'GET',
    url: '/api/community/auto-replies/:id',
    summary: '自动回复规则 / An auto-reply rule',
    tags: TAGS,
    permission: READ,
    params: IdParams,
    response: AutoReplyRule,
    handler: (ctx, { params }) => getAutoReply(ctx.tx, ctx.workspaceId, params.id),
  });
  r.route({
    method: 'POST',
    url: '/api/community/auto-replies',
    summary: '新建自动回复规则 / Create an auto-reply rule',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.auto_reply_create', targetType: 'community_auto_reply' },
    body: AutoReplyBody,
    response: AutoReplyRule,
    status: 201,
    handler: async (ctx, { body }) => {
      const rule = await createAutoReply(ctx.tx, ctx.workspaceId, body, ctx.now());
      ctx.audit.targetId = rule.id;
      return rule;
    },
  });
  r.route({
    method: 'PATCH',
    url: '/api/community/auto-replies/:id',
    summary: '修改自动回复规则 / Change an auto-reply rule',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.auto_reply_update', targetType: 'community_auto_reply' },
    params: IdParams,
    body: UpdateAutoReplyBody,
    response: AutoReplyRule,
    handler: async (ctx, { params, body }) => {
      ctx.audit.targetId = params.id;
      return updateAutoReply(ctx.tx, ctx.workspaceId, params.id, body, ctx.now());
    },
  });
  r.route({
    method: 'DELETE',
    url: '/api/community/auto-replies/:id',
    summary: '删除自动回复规则 / Delete an auto-reply rule',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.auto_reply_delete', targetType: 'community_auto_reply' },
    params: IdParams,
    response: null,
    handler: async (ctx, { params }) => {
      ctx.audit.targetId = params.id;
      await deleteAutoReply(ctx.tx, ctx.workspaceId, params.id);
    },
  });

  // ---------------------------------------------------------------------------------------------------------
  // Moderation.
  r.route({
    method: 'GET',
    url: '/api/community/moderation-rules',
    summary: '群管理规则 / Moderation rules',
    tags: TAGS,
    permission: READ,
    response: page(ModerationRule),
    handler: (ctx) => listModerationRules(ctx.tx, ctx.workspaceId),
  });
  r.route({
    method: 'GET',
    url: '/api/community/moderation-rules/:id',
    summary: '群管理规则详情 / A moderation rule',
    tags: TAGS,
    permission: READ,
    params: IdParams,
    response: ModerationRule,
    handler: (ctx, { params }) => getModerationRule(ctx.tx, ctx.workspaceId, params.id),
  });
  r.route({
    method: 'POST',
    url: '/api/community/moderation-rules',
    summary: '新建群管理规则 / Create a moderation rule',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.moderation_rule_create', targetType: 'community_moderation_rule' },
    body: ModerationRuleBody,
    response: ModerationRule,
    status: 201,
    handler: async (ctx, { body }) => {
      const rule = await createModerationRule(ctx.tx, ctx.workspaceId, body, ctx.now());
      ctx.audit.targetId = rule.id;
      return rule;
    },
  });
  r.route({
    method: 'PATCH',
    url: '/api/community/moderation-rules/:id',
    summary: '修改群管理规则 / Change a moderation rule',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.moderation_rule_update', targetType: 'community_moderation_rule' },
    params: IdParams,
    body: UpdateModerationRuleBody,
    response: ModerationRule,
    handler: async (ctx, { params, body }) => {
      ctx.audit.targetId = params.id;
      return updateModerationRule(ctx.tx, ctx.workspaceId, params.id, body, ctx.now());
    },
  });
  r.route({
    method: 'DELETE',
    url: '/api/community/moderation-rules/:id',
    summary: '删除群管理规则（违规记录保留）/ Delete a moderation rule (its violations stay)',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.moderation_rule_delete', targetType: 'community_moderation_rule' },
    params: IdParams,
    response: null,
    handler: async (ctx, { params }) => {
      ctx.audit.targetId = params.id;
      await deleteModerationRule(ctx.tx, ctx.workspaceId, params.id);
    },
  });
  r.route({
    method: 'GET',
    url: '/api/community/violations',
    summary: '违规记录（含证据消息）/ The moderation log: violations with their evidence',
    tags: TAGS,
    permission: READ,
    query: ViolationListQuery,
    response: page(Violation),
    handler: (ctx, { query }) => listViolations(ctx.tx, ctx.workspaceId, query),
  });
  r.route({
    method: 'GET',
    url: '/api/community/removals',
    summary: '移出群请求 / Requests to group owners to remove members',
    tags: TAGS,
    permission: READ,
    query: RemovalListQuery,
    response: page(Removal),
    handler: (ctx, { query }) => listRemovals(ctx.tx, ctx.workspaceId, query),
  });
  r.route({
    method: 'POST',
    url: '/api/community/removals/:id/cancel',
    summary: '撤回移出群请求 / Withdraw an open removal request',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.removal_cancel', targetType: 'community_removal' },
    params: IdParams,
    response: Removal,
    handler: async (ctx, { params }) => {
      ctx.audit.targetId = params.id;
      return cancelRemoval(ctx.tx, ctx.workspaceId, params.id);
    },
  });
  r.route({
    method: 'GET',
    url: '/api/community/blacklist',
    summary: '黑名单 / Blacklisted members',
    tags: TAGS,
    permission: READ,
    query: PageOnly,
    response: page(BlacklistEntry),
    handler: (ctx, { query }) => listBlacklist(ctx.tx, ctx.workspaceId, query),
  });
  r.route({
    method: 'POST',
    url: '/api/community/blacklist',
    summary: '拉黑成员（并请群主移出其所在各群）/ Blacklist a member and ask for their removal from every group',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.blacklist_add', targetType: 'community_member' },
    body: BlacklistBody,
    response: BlacklistEntry,
    status: 201,
    handler: async (ctx, { body }) => {
      const { entry, removals } = await addToBlacklist(
        ctx.tx,
        ctx.workspaceId,
        { memberId: body.memberId, reason: body.reason, by: ctx.actor.name },
        ctx.now(),
      );
      ctx.audit.targetId = body.memberId;
      ctx.audit.details = { reason: body.reason, removals };
      return entry;
    },
  });
  r.route({
    method: 'DELETE',
    url: '/api/community/blacklist/:memberId',
    summary: '移出黑名单 / Take a member off the blacklist',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.blacklist_remove', targetType: 'community_member' },
    params: MemberIdParams,
    response: null,
    handler: async (ctx, { params }) => {
      ctx.audit.targetId = params.memberId;
      await removeFromBlacklist(ctx.tx, ctx.workspaceId, params.memberId);
    },
  });

  // ---------------------------------------------------------------------------------------------------------
  // Group messages sent (auto-replies, warnings, SOP).
  r.route({
    method: 'GET',
    url: '/api/community/sends',
    summary: '已发群消息及发送结果 / Group messages sent, with their send results',
    tags: TAGS,
    permission: READ,
    query: SendListQuery,
    response: page(Send),
    handler: (ctx, { query }) => listSends(ctx.tx, ctx.workspaceId, query),
  });
  r.route({
    method: 'POST',
    url: '/api/community/sends/:id/refresh',
    summary: '刷新发送结果 / Read a group message’s send results from WeCom now',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.send_refresh', targetType: 'community_send' },
    params: IdParams,
    response: Send,
    handler: async (ctx, { params }) => {
      ctx.audit.targetId = params.id;
      return refreshResults(ctx.tx, ctx.workspaceId, params.id, ctx.now());
    },
  });

  // ---------------------------------------------------------------------------------------------------------
  // Group SOP.
  r.route({
    method: 'GET',
    url: '/api/community/sop-plans',
    summary: '群 SOP / Group SOP plans',
    tags: TAGS,
    permission: READ,
    response: page(SopPlan),
    handler: (ctx) => listSopPlans(ctx.tx, ctx.workspaceId),
  });
  r.route({
    method: 'GET',
    url: '/api/community/sop-plans/:id',
    summary: '群 SOP 详情 / A group SOP plan',
    tags: TAGS,
    permission: READ,
    params: IdParams,
    response: SopPlan,
    handler: (ctx, { params }) => getSopPlan(ctx.tx, ctx.workspaceId, params.id),
  });
  r.route({
    method: 'POST',
    url: '/api/community/sop-plans',
    summary: '新建群 SOP / Create a group SOP plan',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.sop_create', targetType: 'community_sop_plan' },
    body: SopPlanBody,
    response: SopPlan,
    status: 201,
    handler: async (ctx, { body }) => {
      const plan = await createSopPlan(ctx.tx, ctx.workspaceId, body, ctx.now());
      ctx.audit.targetId = plan.id;
      return plan;
    },
  });
  r.route({
    method: 'PATCH',
    url: '/api/community/sop-plans/:id',
    summary: '修改群 SOP / Change a group SOP plan',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.sop_update', targetType: 'community_sop_plan' },
    params: IdParams,
    body: UpdateSopPlanBody,
    response: SopPlan,
    handler: async (ctx, { params, body }) => {
      ctx.audit.targetId = params.id;
      return updateSopPlan(ctx.tx, ctx.workspaceId, params.id, body, ctx.now());
    },
  });
  r.route({
    method: 'DELETE',
    url: '/api/community/sop-plans/:id',
    summary: '删除群 SOP / Delete a group SOP plan',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.sop_delete', targetType: 'community_sop_plan' },
    params: IdParams,
    response: null,
    handler: async (ctx, { params }) => {
      ctx.audit.targetId = params.id;
      await deleteSopPlan(ctx.tx, ctx.workspaceId, params.id);
    },
  });
  r.route({
    method: 'POST',
    url: '/api/community/sop-plans/:id/run',
    summary: '立即执行群 SOP / Run a group SOP plan now',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.sop_run', targetType: 'community_sop_plan' },
    params: IdParams,
    response: SopRunResult,
    handler: async (ctx, { params }) => {
      ctx.audit.targetId = params.id;
      const plan = await getSopPlan(ctx.tx, ctx.workspaceId, params.id);
      return runPlan(ctx.tx, ctx.workspaceId, plan, ctx.now(), true, ctx.now());
    },
  });

  // ---------------------------------------------------------------------------------------------------------
  // Settings, check-ins, statistics, KOC.
  r.route({
    method: 'GET',
    url: '/api/community/settings',
    summary: '社群设置（签到）/ Community settings (check-in)',
    tags: TAGS,
    permission: READ,
    response: CommunitySettings,
    handler: (ctx) => loadSettings(ctx.tx, ctx.workspaceId),
  });
  r.route({
    method: 'PUT',
    url: '/api/community/settings',
    summary: '保存社群设置 / Save community settings',
    tags: TAGS,
    permission: MANAGE,
    audit: { action: 'community.settings_save', targetType: 'workspace' },
    body: CommunitySettingsBody,
    response: CommunitySettings,
    handler: async (ctx, { body }) => {
      ctx.audit.targetId = ctx.workspaceId;
      ctx.audit.details = { checkIn: body.checkIn };
      return saveSettings(ctx.tx, ctx.workspaceId, body, ctx.now());
    },
  });
  r.route({
    method: 'GET',
    url: '/api/community/check-ins',
    summary: '群签到记录 / Check-ins in groups',
    tags: TAGS,
    permission: READ,
    query: CheckInListQuery,
    response: page(CheckInRecord),
    handler: (ctx, { query }) => listCheckIns(ctx.tx, ctx.workspaceId, query),
  });
  r.route({
    method: 'GET',
    url: '/api/community/stats',
    summary: '群数据（按天）/ Group statistics per day: members, joins, quits, messages, active members, top speakers',
    tags: TAGS,
    permission: READ,
    query: StatsQuery,
    response: GroupStatsReport,
    handler: (ctx, { query }) => groupStats(ctx.tx, ctx.workspaceId, query, ctx.now()),
  });
  r.route({
    method: 'GET',
    url: '/api/community/koc',
    summary: 'KOC 发现 / Members ranked as KOC candidates',
    tags: TAGS,
    permission: READ,
    query: KocQuery,
    response: KocReport,
    handler: (ctx, { query }) => kocCandidates(ctx.tx, ctx.workspaceId, query, ctx.now()),
  });
}
