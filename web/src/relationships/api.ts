// The relationships API as the console calls it (guides, relationships, transfers, churn, notifications, SOP, tasks,
// scripts, the dashboard), through the console's one fetch wrapper. Types come from the shared contract.
import type { Page } from '../../../src/contracts/foundation.ts';
import type {
  ChurnListQuery,
  ChurnRecord,
  CompleteTaskBody,
  DashboardQuery,
  EmailSettings,
  EmailSettingsBody,
  Festival,
  FestivalsBody,
  Guide,
  GuideDashboard,
  LinkGuideBody,
  Notification,
  OverdueCheckResult,
  Relationship,
  RelationshipListQuery,
  RelationshipSettings,
  RenderedScript,
  ResignResult,
  Script,
  ScriptBody,
  ScriptCategory,
  ScriptCategoryBody,
  SopPlan,
  SopPlanBody,
  SopTemplate,
  StaffChoice,
  SyncRun,
  Task,
  TaskListQuery,
  TestEmailResult,
  Transfer,
  TransferBody,
  TransferCheckResult,
  TransferListQuery,
  TransferRequestResult,
  UnlinkedWecomUser,
  UpdateScriptBody,
  UpdateSopPlanBody,
} from '../../../src/contracts/relationships.ts';
import { newIdempotencyKey, type PageParams, request } from '../api.ts';

const id = encodeURIComponent;
type Items<T> = { items: T[] };

export const relationshipsApi = {
  guides: () => request<Items<Guide>>('GET', '/api/guides'),
  staffChoices: () => request<Items<StaffChoice>>('GET', '/api/guides/staff'),
  unlinked: () => request<Items<UnlinkedWecomUser>>('GET', '/api/guides/unlinked'),
  linkGuide: (staffId: string, body: LinkGuideBody) => request<Guide>('PUT', `/api/guides/${id(staffId)}`, { body }),
  unlinkGuide: (staffId: string) => request<void>('DELETE', `/api/guides/${id(staffId)}`),
  resign: (staffId: string, takeoverStaffId: string | undefined) =>
    request<ResignResult>('POST', `/api/guides/${id(staffId)}/resign`, {
      body: takeoverStaffId ? { takeoverStaffId } : {},
    }),
  reinstate: (staffId: string) => request<Guide>('POST', `/api/guides/${id(staffId)}/reinstate`),

  relationships: (query: RelationshipListQuery) => request<Page<Relationship>>('GET', '/api/relationships', { query }),
  customerRelationships: (customerId: string) =>
    request<Items<Relationship>>('GET', `/api/customers/${id(customerId)}/relationships`),
  sync: () => request<SyncRun>('POST', '/api/relationships/sync'),
  syncRuns: () => request<Items<SyncRun>>('GET', '/api/relationships/sync-runs'),

  transfers: (query: TransferListQuery) => request<Page<Transfer>>('GET', '/api/transfers', { query }),
  transfer: (body: TransferBody, idempotencyKey = newIdempotencyKey()) =>
    request<TransferRequestResult>('POST', '/api/transfers', { body, idempotencyKey }),
  retryTransfer: (transferId: string, takeoverStaffId: string | undefined) =>
    request<TransferRequestResult>('POST', `/api/transfers/${id(transferId)}/retry`, {
      body: takeoverStaffId ? { takeoverStaffId } : {},
    }),
  checkTransfers: () => request<TransferCheckResult>('POST', '/api/transfers/check'),

  churn: (query: ChurnListQuery) => request<Page<ChurnRecord>>('GET', '/api/churn', { query }),

  notifications: (query: PageParams & { unread?: boolean }) =>
    request<Page<Notification>>('GET', '/api/notifications', {
      query: { ...query, unread: query.unread ? 'true' : undefined },
    }),
  unreadCount: () => request<{ unread: number }>('GET', '/api/notifications/unread-count'),
  markRead: (notificationId: string) =>
    request<{ unread: number }>('POST', `/api/notifications/${id(notificationId)}/read`),
  markAllRead: () => request<{ unread: number }>('POST', '/api/notifications/read-all'),

  settings: () => request<RelationshipSettings>('GET', '/api/relationships/settings'),
  saveEmail: (body: EmailSettingsBody) => request<EmailSettings>('PUT', '/api/relationships/settings/email', { body }),
  testEmail: (to: string) =>
    request<TestEmailResult>('POST', '/api/relationships/settings/email/test', { body: { to } }),
  festivals: () => request<Items<Festival>>('GET', '/api/sop/festivals'),
  saveFestivals: (body: FestivalsBody) =>
    request<Items<Festival>>('PUT', '/api/relationships/settings/festivals', { body }),

  plans: () => request<Items<SopPlan>>('GET', '/api/sop/plans'),
  createPlan: (body: SopPlanBody, idempotencyKey = newIdempotencyKey()) =>
    request<SopPlan>('POST', '/api/sop/plans', { body, idempotencyKey }),
  updatePlan: (planId: string, body: UpdateSopPlanBody) =>
    request<SopPlan>('PATCH', `/api/sop/plans/${id(planId)}`, { body }),
  deletePlan: (planId: string) => request<void>('DELETE', `/api/sop/plans/${id(planId)}`),
  templates: () => request<Items<SopTemplate>>('GET', '/api/sop/templates'),
  installTemplate: (key: string) => request<SopPlan>('POST', `/api/sop/templates/${id(key)}/install`),
  dateTasks: () => request<{ created: number }>('POST', '/api/sop/date-tasks'),
  overdueCheck: () => request<OverdueCheckResult>('POST', '/api/tasks/overdue-check'),

  tasks: (query: TaskListQuery) => request<Page<Task>>('GET', '/api/tasks', { query }),
  completeTask: (taskId: string, body: CompleteTaskBody) =>
    request<Task>('POST', `/api/tasks/${id(taskId)}/complete`, { body }),

  categories: () => request<Items<ScriptCategory>>('GET', '/api/script-categories'),
  createCategory: (body: ScriptCategoryBody) =>
    request<ScriptCategory>('POST', '/api/script-categories', { body, idempotencyKey: newIdempotencyKey() }),
  deleteCategory: (categoryId: string) => request<void>('DELETE', `/api/script-categories/${id(categoryId)}`),
  scripts: (query: { categoryId?: string; q?: string }) => request<Items<Script>>('GET', '/api/scripts', { query }),
  createScript: (body: ScriptBody) =>
    request<Script>('POST', '/api/scripts', { body, idempotencyKey: newIdempotencyKey() }),
  updateScript: (scriptId: string, body: UpdateScriptBody) =>
    request<Script>('PATCH', `/api/scripts/${id(scriptId)}`, { body }),
  deleteScript: (scriptId: string) => request<void>('DELETE', `/api/scripts/${id(scriptId)}`),
  renderScript: (customerId: string, scriptId: string) =>
    request<RenderedScript>('GET', `/api/customers/${id(customerId)}/scripts/${id(scriptId)}`),

  dashboard: (query: DashboardQuery) => request<GuideDashboard>('GET', '/api/relationships/dashboard', { query }),
};
