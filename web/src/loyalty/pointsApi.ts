// The points ledger API as the console calls it, through the console's one fetch wrapper (CSRF, idempotency keys,
// localised errors). Types come from the shared contract, imported as types only.
import type { Page } from '../../../src/contracts/foundation.ts';
import type {
  AdjustmentBody,
  Leaderboard,
  LeaderboardQuery,
  LedgerCheck,
  LedgerTransaction,
  Liability,
  MemberPoints,
  PointsRules,
  RuleChange,
  RuleChangeBody,
  RulesOverview,
  Task,
  TaskBody,
  UpdateTaskBody,
} from '../../../src/contracts/points.ts';
import { newIdempotencyKey, type PageParams, request } from '../api.ts';

const id = encodeURIComponent;

export const pointsApi = {
  rules: () => request<RulesOverview>('GET', '/api/points/rules'),
  setRules: (rules: PointsRules) => request<RulesOverview>('PUT', '/api/points/rules', { body: { rules } }),
  ruleChanges: () => request<{ items: RuleChange[] }>('GET', '/api/points/rule-changes'),
  scheduleChange: (body: RuleChangeBody, idempotencyKey = newIdempotencyKey()) =>
    request<RuleChange>('POST', '/api/points/rule-changes', { body, idempotencyKey }),
  cancelChange: (changeId: string) => request<RuleChange>('POST', `/api/points/rule-changes/${id(changeId)}/cancel`),

  tasks: (includeArchived: boolean) =>
    request<{ items: Task[] }>('GET', '/api/points/tasks', {
      query: { includeArchived: includeArchived ? 'true' : undefined },
    }),
  createTask: (body: TaskBody, idempotencyKey = newIdempotencyKey()) =>
    request<Task>('POST', '/api/points/tasks', { body, idempotencyKey }),
  updateTask: (taskId: string, body: UpdateTaskBody) =>
    request<Task>('PATCH', `/api/points/tasks/${id(taskId)}`, { body }),

  member: (customerId: string) => request<MemberPoints>('GET', `/api/points/members/${id(customerId)}`),
  history: (customerId: string, query: PageParams) =>
    request<Page<LedgerTransaction>>('GET', `/api/points/members/${id(customerId)}/transactions`, { query }),
  adjust: (customerId: string, body: AdjustmentBody, idempotencyKey = newIdempotencyKey()) =>
    request<LedgerTransaction>('POST', `/api/points/members/${id(customerId)}/adjustments`, { body, idempotencyKey }),

  leaderboard: (period: 'week' | 'month', query: LeaderboardQuery) =>
    request<Leaderboard>('GET', `/api/points/leaderboards/${period}`, { query }),
  liability: () => request<Liability>('GET', '/api/points/liability'),
  ledgerCheck: () => request<LedgerCheck>('GET', '/api/points/ledger-check'),
};

/** Points as a signed figure: +120 / −45. */
export const signed = (n: number) => (n > 0 ? `+${n.toLocaleString()}` : n < 0 ? `−${(-n).toLocaleString()}` : '0');

/** Fen as yuan with two decimals. */
export const yuan = (fen: number) => (fen / 100).toFixed(2);
