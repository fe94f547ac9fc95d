// The community API as the console calls it, through the console's one fetch wrapper (CSRF, idempotency keys,
// localised errors). Types come from the shared contract, imported as types only.
import type {
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
  KocQuery,
  KocReport,
  LiveCode,
  LiveCodeBody,
  Member,
  MemberListQuery,
  MemberRole,
  Message,
  MessageListQuery,
  ModerationRule,
  ModerationRuleBody,
  Removal,
  RemovalListQuery,
  Send,
  SendListQuery,
  SopPlan,
  SopPlanBody,
  SopRunResult,
  StatsQuery,
  UpdateAutoReplyBody,
  UpdateLiveCodeBody,
  UpdateModerationRuleBody,
  UpdateSopPlanBody,
  Violation,
  ViolationListQuery,
} from '../../../src/contracts/community.ts';
import type { Page } from '../../../src/contracts/foundation.ts';
import { newIdempotencyKey, type PageParams, request } from '../api.ts';

const id = encodeURIComponent;
const base = '/api/community';

export const communityApi = {
  listGroups: (query: GroupListQuery) => request<Page<Group>>('GET', `${base}/groups`, { query }),
  getGroup: (groupId: string) => request<Group>('GET', `${base}/groups/${id(groupId)}`),
  sync: () => request<{ jobId: number | null }>('POST', `${base}/sync`),
  listMembers: (groupId: string, query: MemberListQuery) =>
    request<Page<Member>>('GET', `${base}/groups/${id(groupId)}/members`, { query }),
  setRole: (groupId: string, memberId: string, role: MemberRole) =>
    request<Member>('PUT', `${base}/groups/${id(groupId)}/members/${id(memberId)}/role`, { body: { role } }),
  setRoleEverywhere: (memberId: string, role: MemberRole, groupId?: string) =>
    request<{ changed: number }>('POST', `${base}/members/${id(memberId)}/role`, { body: { role, groupId } }),
  listMessages: (groupId: string, query: MessageListQuery) =>
    request<Page<Message>>('GET', `${base}/groups/${id(groupId)}/messages`, {
      query: { ...query, flagged: query.flagged === undefined ? undefined : String(query.flagged) },
    }),
  listDuplicates: (query: PageParams) => request<Page<Duplicate>>('GET', `${base}/duplicates`, { query }),

  listLiveCodes: () => request<Page<LiveCode>>('GET', `${base}/live-codes`),
  createLiveCode: (body: LiveCodeBody, idempotencyKey = newIdempotencyKey()) =>
    request<LiveCode>('POST', `${base}/live-codes`, { body, idempotencyKey }),
  updateLiveCode: (codeId: string, body: UpdateLiveCodeBody) =>
    request<LiveCode>('PATCH', `${base}/live-codes/${id(codeId)}`, { body }),
  deleteLiveCode: (codeId: string) => request<void>('DELETE', `${base}/live-codes/${id(codeId)}`),

  listAutoReplies: () => request<Page<AutoReplyRule>>('GET', `${base}/auto-replies`),
  createAutoReply: (body: AutoReplyBody, idempotencyKey = newIdempotencyKey()) =>
    request<AutoReplyRule>('POST', `${base}/auto-replies`, { body, idempotencyKey }),
  updateAutoReply: (ruleId: string, body: UpdateAutoReplyBody) =>
    request<AutoReplyRule>('PATCH', `${base}/auto-replies/${id(ruleId)}`, { body }),
  deleteAutoReply: (ruleId: string) => request<void>('DELETE', `${base}/auto-replies/${id(ruleId)}`),

  listModerationRules: () => request<Page<ModerationRule>>('GET', `${base}/moderation-rules`),
  createModerationRule: (body: ModerationRuleBody, idempotencyKey = newIdempotencyKey()) =>
    request<ModerationRule>('POST', `${base}/moderation-rules`, { body, idempotencyKey }),
  updateModerationRule: (ruleId: string, body: UpdateModerationRuleBody) =>
    request<ModerationRule>('PATCH', `${base}/moderation-rules/${id(ruleId)}`, { body }),
  deleteModerationRule: (ruleId: string) => request<void>('DELETE', `${base}/moderation-rules/${id(ruleId)}`),
  listViolations: (query: ViolationListQuery) => request<Page<Violation>>('GET', `${base}/violations`, { query }),
  listRemovals: (query: RemovalListQuery) => request<Page<Removal>>('GET', `${base}/removals`, { query }),
  cancelRemoval: (removalId: string) => request<Removal>('POST', `${base}/removals/${id(removalId)}/cancel`),
  listBlacklist: (query: PageParams) => request<Page<BlacklistEntry>>('GET', `${base}/blacklist`, { query }),
  addToBlacklist: (body: BlacklistBody, idempotencyKey = newIdempotencyKey()) =>
    request<BlacklistEntry>('POST', `${base}/blacklist`, { body, idempotencyKey }),
  removeFromBlacklist: (memberId: string) => request<void>('DELETE', `${base}/blacklist/${id(memberId)}`),

  listSends: (query: SendListQuery) => request<Page<Send>>('GET', `${base}/sends`, { query }),
  refreshSend: (sendId: string) => request<Send>('POST', `${base}/sends/${id(sendId)}/refresh`),

  listSopPlans: () => request<Page<SopPlan>>('GET', `${base}/sop-plans`),
  createSopPlan: (body: SopPlanBody, idempotencyKey = newIdempotencyKey()) =>
    request<SopPlan>('POST', `${base}/sop-plans`, { body, idempotencyKey }),
  updateSopPlan: (planId: string, body: UpdateSopPlanBody) =>
    request<SopPlan>('PATCH', `${base}/sop-plans/${id(planId)}`, { body }),
  deleteSopPlan: (planId: string) => request<void>('DELETE', `${base}/sop-plans/${id(planId)}`),
  runSopPlan: (planId: string, idempotencyKey = newIdempotencyKey()) =>
    request<SopRunResult>('POST', `${base}/sop-plans/${id(planId)}/run`, { idempotencyKey }),

  getSettings: () => request<CommunitySettings>('GET', `${base}/settings`),
  saveSettings: (body: CommunitySettingsBody) => request<CommunitySettings>('PUT', `${base}/settings`, { body }),
  listCheckIns: (query: CheckInListQuery) => request<Page<CheckInRecord>>('GET', `${base}/check-ins`, { query }),
  stats: (query: StatsQuery) => request<GroupStatsReport>('GET', `${base}/stats`, { query }),
  koc: (query: KocQuery) => request<KocReport>('GET', `${base}/koc`, { query }),
};
