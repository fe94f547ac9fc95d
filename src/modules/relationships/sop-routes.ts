// HTTP routes of the follow-up SOP (plans, templates, tasks, the overdue check), the script library and the guide
// dashboard.
import { Type } from '@sinclair/typebox';
import { page, Uuid } from '../../contracts/foundation.ts';
import {
  CompleteTaskBody,
  DashboardQuery,
  GuideDashboard,
  OverdueCheckResult,
  RenderedScript,
  Script,
  ScriptBody,
  ScriptCategory,
  ScriptCategoryBody,
  ScriptListQuery,
  SopPlan,
  SopPlanBody,
  SopTemplate,
  Task,
  TaskListQuery,
  TemplateParams,
  UpdateScriptBody,
  UpdateScriptCategoryBody,
  UpdateSopPlanBody,
} from '../../contracts/relationships.ts';
import type { RouteRegistrar } from '../../platform/http/routes.ts';
import { getCustomerRow } from '../customers/index.ts';
import { guideDashboard } from './dashboard.ts';
import { guideOf } from './guides.ts';
import type { SmtpConfig } from './mailer.ts';
import {
  createCategory,
  createScript,
  deleteCategory,
  deleteScript,
  getScript,
  listCategories,
  listScripts,
  renderScript,
  scriptValues,
  updateCategory,
  updateScript,
} from './scripts.ts';
import { createPlan, deletePlan, getPlan, installTemplate, listPlans, listTemplates, updatePlan } from './sop-plans.ts';
import { completeTask, dateTriggeredTasks, listTasks, markOverdue } from './sop-tasks.ts';

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const Items = <T extends ReturnType<typeof Type.Object>>(item: T) => Type.Object({ items: Type.Array(item) });

export function sopRoutes(deps: { smtp: SmtpConfig | null }) {
  return (r: RouteRegistrar) => {
    // Plans and templates -------------------------------------------------------------------------------------
    r.route({
      method: 'GET',
      url: '/api/sop/plans',
      summary: 'SOP 计划 / Follow-up plans (the shipped templates are created on first use)',
      tags: ['sop'],
      permission: 'sop.manage',
      response: Items(SopPlan),
      handler: async (ctx) => ({ items: await listPlans(ctx.tx, ctx.workspaceId, ctx.locale) }),
    });
    r.route({
      method: 'POST',
      url: '/api/sop/plans',
      summary: '新建 SOP 计划 / Create a plan: a trigger and dated steps',
      tags: ['sop'],
      permission: 'sop.manage',
      audit: { action: 'sop_plan.create', targetType: 'sop_plan' },
      body: SopPlanBody,
      response: SopPlan,
      status: 201,
      handler: (ctx, { body }) => createPlan(ctx.tx, ctx.workspaceId, body, ctx.locale),
    });
    r.route({
      method: 'GET',
      url: '/api/sop/plans/:id',
      summary: 'SOP 计划详情 / One plan with its steps',
      tags: ['sop'],
      permission: 'sop.manage',
      params: IdParams,
      response: SopPlan,
      handler: (ctx, { params }) => getPlan(ctx.tx, ctx.workspaceId, params.id),
    });
    r.route({
      method: 'PATCH',
      url: '/api/sop/plans/:id',
      summary: '修改 SOP 计划 / Rename, re-trigger, enable or disable a plan, or replace its steps',
      tags: ['sop'],
      permission: 'sop.manage',
      audit: { action: 'sop_plan.update', targetType: 'sop_plan' },
      params: IdParams,
      body: UpdateSopPlanBody,
      response: SopPlan,
      handler: async (ctx, { params, body }) => {
        ctx.audit.details = { fields: Object.keys(body).sort() };
        return updatePlan(ctx.tx, ctx.workspaceId, params.id, body, ctx.locale);
      },
    });
    r.route({
      method: 'DELETE',
      url: '/api/sop/plans/:id',
      summary: '删除 SOP 计划 / Delete a plan that never made a task (disable one that did)',
      tags: ['sop'],
      permission: 'sop.manage',
      audit: { action: 'sop_plan.delete', targetType: 'sop_plan' },
      params: IdParams,
      response: null,
      handler: (ctx, { params }) => deletePlan(ctx.tx, ctx.workspaceId, params.id),
    });
    r.route({
      method: 'GET',
      url: '/api/sop/templates',
      summary: 'SOP 模板 / The shipped templates and whether the workspace has a plan made from each',
      tags: ['sop'],
      permission: 'sop.manage',
      response: Items(SopTemplate),
      handler: async (ctx) => ({ items: await listTemplates(ctx.tx, ctx.workspaceId, ctx.locale) }),
    });
    r.route({
      method: 'POST',
      url: '/api/sop/templates/:key/install',
      summary: '由模板新建计划 / Create a plan from a shipped template',
      tags: ['sop'],
      permission: 'sop.manage',
      audit: { action: 'sop_plan.install', targetType: 'sop_plan' },
      params: TemplateParams,
      response: SopPlan,
      status: 201,
      handler: (ctx, { params }) => installTemplate(ctx.tx, ctx.workspaceId, params.key, ctx.locale),
    });
    r.route({
      method: 'POST',
      url: '/api/sop/date-tasks',
      summary: '生成生日与节日任务 / Make the birthday and festival tasks due around today now (also done daily)',
      tags: ['sop'],
      permission: 'sop.manage',
      audit: { action: 'sop.date_tasks', targetType: 'workspace' },
      response: Type.Object({ created: Type.Integer() }),
      handler: async (ctx) => {
        ctx.audit.targetId = ctx.workspaceId;
        const created = await dateTriggeredTasks(ctx.tx, ctx.workspaceId, ctx.now(), ctx.locale);
        ctx.audit.details = { created };
        return { created };
      },
    });

    // Tasks -------------------------------------------------------------------------------------------------
    r.route({
      method: 'GET',
      url: '/api/tasks',
      summary: '跟进任务 / Follow-up tasks, soonest due first (a guide: their own)',
      tags: ['sop'],
      permission: 'task.work',
      query: TaskListQuery,
      response: page(Task),
      handler: (ctx, { query }) => listTasks(ctx, query),
    });
    r.route({
      method: 'POST',
      url: '/api/tasks/:id/complete',
      summary: '完成或跳过任务 / Finish a task as done or skipped, with a note',
      description:
        'The same outcome sent again answers the task as it is; another outcome for a finished task is a 409.',
      tags: ['sop'],
      permission: 'task.work',
      audit: { action: 'task.complete', targetType: 'sop_task' },
      params: IdParams,
      body: CompleteTaskBody,
      response: Task,
      handler: async (ctx, { params, body }) => {
        ctx.audit.details = { outcome: body.outcome };
        return completeTask(ctx, params.id, body);
      },
    });
    r.route({
      method: 'POST',
      url: '/api/tasks/overdue-check',
      summary: '检查逾期任务 / Mark tasks past due overdue and tell their guides now (also done every 15 minutes)',
      tags: ['sop'],
      permission: 'sop.manage',
      audit: { action: 'task.overdue_check', targetType: 'workspace' },
      response: OverdueCheckResult,
      handler: async (ctx) => {
        ctx.audit.targetId = ctx.workspaceId;
        const result = await markOverdue(ctx.tx, ctx.workspaceId, ctx.now(), deps.smtp);
        ctx.audit.details = { ...result };
        return result;
      },
    });

    // Scripts ------------------------------------------------------------------------------------------------
    r.route({
      method: 'GET',
      url: '/api/script-categories',
      summary: '话术分类 / Script categories with their script counts',
      tags: ['scripts'],
      permission: 'task.work',
      response: Items(ScriptCategory),
      handler: async (ctx) => ({ items: await listCategories(ctx.tx, ctx.workspaceId) }),
    });
    r.route({
      method: 'POST',
      url: '/api/script-categories',
      summary: '新建话术分类 / Create a script category',
      tags: ['scripts'],
      permission: 'sop.manage',
      audit: { action: 'script_category.create', targetType: 'script_category' },
      body: ScriptCategoryBody,
      response: ScriptCategory,
      status: 201,
      handler: (ctx, { body }) => createCategory(ctx.tx, ctx.workspaceId, body),
    });
    r.route({
      method: 'PATCH',
      url: '/api/script-categories/:id',
      summary: '修改话术分类 / Rename or reorder a script category',
      tags: ['scripts'],
      permission: 'sop.manage',
      audit: { action: 'script_category.update', targetType: 'script_category' },
      params: IdParams,
      body: UpdateScriptCategoryBody,
      response: ScriptCategory,
      handler: (ctx, { params, body }) => updateCategory(ctx.tx, ctx.workspaceId, params.id, body),
    });
    r.route({
      method: 'DELETE',
      url: '/api/script-categories/:id',
      summary: '删除空的话术分类 / Delete an empty script category',
      tags: ['scripts'],
      permission: 'sop.manage',
      audit: { action: 'script_category.delete', targetType: 'script_category' },
      params: IdParams,
      response: null,
      handler: (ctx, { params }) => deleteCategory(ctx.tx, ctx.workspaceId, params.id),
    });
    r.route({
      method: 'GET',
      url: '/api/scripts',
      summary: '话术库 / Scripts, of one category or matching a text',
      tags: ['scripts'],
      permission: 'task.work',
      query: ScriptListQuery,
      response: Items(Script),
      handler: async (ctx, { query }) => ({ items: await listScripts(ctx.tx, ctx.workspaceId, query) }),
    });
    r.route({
      method: 'POST',
      url: '/api/scripts',
      summary: '新建话术 / Create a script; unknown {{variables}} are refused',
      tags: ['scripts'],
      permission: 'sop.manage',
      audit: { action: 'script.create', targetType: 'script' },
      body: ScriptBody,
      response: Script,
      status: 201,
      handler: (ctx, { body }) => createScript(ctx.tx, ctx.workspaceId, body),
    });
    r.route({
      method: 'GET',
      url: '/api/scripts/:id',
      summary: '话术详情 / One script',
      tags: ['scripts'],
      permission: 'task.work',
      params: IdParams,
      response: Script,
      handler: (ctx, { params }) => getScript(ctx.tx, ctx.workspaceId, params.id),
    });
    r.route({
      method: 'PATCH',
      url: '/api/scripts/:id',
      summary: '修改话术 / Change a script',
      tags: ['scripts'],
      permission: 'sop.manage',
      audit: { action: 'script.update', targetType: 'script' },
      params: IdParams,
      body: UpdateScriptBody,
      response: Script,
      handler: (ctx, { params, body }) => updateScript(ctx.tx, ctx.workspaceId, params.id, body),
    });
    r.route({
      method: 'DELETE',
      url: '/api/scripts/:id',
      summary: '删除话术 / Delete a script no SOP step uses',
      tags: ['scripts'],
      permission: 'sop.manage',
      audit: { action: 'script.delete', targetType: 'script' },
      params: IdParams,
      response: null,
      handler: (ctx, { params }) => deleteScript(ctx.tx, ctx.workspaceId, params.id),
    });
    r.route({
      method: 'GET',
      url: '/api/customers/:id/scripts/:scriptId',
      summary: '为客户填写话术 / A script with this customer’s values filled in (and which fell back)',
      tags: ['scripts'],
      permission: 'task.work',
      params: Type.Object({ id: Uuid, scriptId: Uuid }, { additionalProperties: false }),
      response: RenderedScript,
      handler: async (ctx, { params }) => {
        const customer = await getCustomerRow(ctx.tx, ctx.workspaceId, params.id);
        const script = await getScript(ctx.tx, ctx.workspaceId, params.scriptId);
        // The guide shown is the caller when they are one, else the customer's guide.
        const guide =
          ctx.scope.kind === 'own'
            ? ctx.scope.staffId
            : ((await guideOf(ctx.tx, ctx.workspaceId, customer.id))?.staffId ?? null);
        const values = await scriptValues(ctx.tx, ctx.workspaceId, customer.id, guide, ctx.locale);
        const rendered = renderScript(script.body, values, ctx.locale);
        return { scriptId: script.id, text: rendered.text, fallbacks: rendered.fallbacks };
      },
    });

    // Dashboard ---------------------------------------------------------------------------------------------
    r.route({
      method: 'GET',
      url: '/api/relationships/dashboard',
      summary: '导购看板 / Today’s tasks, completion rates, new customers and churn for a guide or a team',
      tags: ['relationships'],
      permission: 'relationship.read',
      query: DashboardQuery,
      response: GuideDashboard,
      handler: (ctx, { query }) => guideDashboard(ctx, query),
    });
  };
}
