// Follow-up SOP plans: a trigger (a relationship starting, a birthday, festivals, entering a segment, gaining a tag)
// and dated steps that become tasks for guides. Each workspace gets the shipped templates as its own editable plans
// the first time it uses SOP; their texts come from the workspace's language.
import type {
  Material,
  SopPlan,
  SopPlanBody,
  SopStep,
  SopStepBody,
  SopTemplate,
  SopTrigger,
  UpdateSopPlanBody,
} from '../../contracts/relationships.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import { festivalCalendar } from './festivals.ts';
import { checkScriptText } from './scripts.ts';

interface TemplateDef {
  key: string;
  trigger: SopTrigger;
  steps: { offsetDays: number; timeOfDay: string | null }[];
}

/**
 * The shipped templates (加微欢迎语, 首日关怀, 3日/7日回访+关怀礼, 次日邀请入群, 30日兴趣推送, 生日与节日节点 as a
 * birthday plan and a festival plan). Names, step titles and scripts are the locale's `sop.template.<key>.…`.
 */
export const SOP_TEMPLATES: readonly TemplateDef[] = [
  { key: 'welcome', trigger: { type: 'relationship_start' }, steps: [{ offsetDays: 0, timeOfDay: null }] },
  { key: 'day1_care', trigger: { type: 'relationship_start' }, steps: [{ offsetDays: 1, timeOfDay: '10:00' }] },
  {
    key: 'revisit',
    trigger: { type: 'relationship_start' },
    steps: [
      { offsetDays: 3, timeOfDay: '15:00' },
      { offsetDays: 7, timeOfDay: '15:00' },
    ],
  },
  { key: 'group_invite', trigger: { type: 'relationship_start' }, steps: [{ offsetDays: 1, timeOfDay: '19:30' }] },
  { key: 'interest_push', trigger: { type: 'relationship_start' }, steps: [{ offsetDays: 30, timeOfDay: '12:00' }] },
  {
    key: 'birthday',
    trigger: { type: 'birthday' },
    steps: [
      { offsetDays: -1, timeOfDay: '10:00' },
      { offsetDays: 0, timeOfDay: '09:00' },
    ],
  },
  {
    key: 'festivals',
    trigger: {
      type: 'festival',
      festivals: ['spring', 'lantern', 'd520', 'qixi', 'mid_autumn', 'national_day', 'double11'],
    },
    steps: [
      { offsetDays: -1, timeOfDay: '16:00' },
      { offsetDays: 0, timeOfDay: '09:00' },
    ],
  },
];

function templateBody(t: TemplateDef, locale: Locale): SopPlanBody {
  return {
    name: translate(locale, `sop.template.${t.key}.name`),
    trigger: t.trigger,
    enabled: true,
    steps: t.steps.map((s, i) => ({
      offsetDays: s.offsetDays,
      timeOfDay: s.timeOfDay,
      title: translate(locale, `sop.template.${t.key}.${i + 1}.title`),
      script: translate(locale, `sop.template.${t.key}.${i + 1}.script`),
      scriptId: null,
      material: null,
    })),
  };
}

interface PlanRow {
  id: string;
  name: string;
  template_key: string | null;
  trigger: SopTrigger;
  enabled: boolean;
  open_tasks: number;
  created_at: Date;
  updated_at: Date;
}

export interface StepRow {
  id: string;
  plan_id: string;
  position: number;
  offset_days: number;
  time_of_day: string | null;
  title: string;
  script_id: string | null;
  script: string | null;
  material: Material | null;
}

const toStep = (s: StepRow): SopStep => ({
  id: s.id,
  position: s.position,
  offsetDays: s.offset_days,
  timeOfDay: s.time_of_day,
  title: s.title,
  scriptId: s.script_id,
  script: s.script,
  material: s.material,
});

export async function stepsOf(q: Queryable, workspaceId: string, planIds: readonly string[]): Promise<StepRow[]> {
  return q.query<StepRow>(
    `SELECT id, plan_id, position, offset_days, time_of_day, title, script_id, script, material FROM sop_steps
      WHERE workspace_id = $1 AND plan_id = ANY($2::uuid[]) ORDER BY plan_id, position`,
    [workspaceId, planIds],
  );
}

async function planRows(q: Queryable, workspaceId: string, id: string | null): Promise<SopPlan[]> {
  const rows = await q.query<PlanRow>(
    `SELECT p.id, p.name, p.template_key, p.trigger, p.enabled, p.created_at, p.updated_at,
            (SELECT count(*)::int FROM sop_tasks t
              WHERE t.workspace_id = p.workspace_id AND t.plan_id = p.id AND t.status IN ('open', 'overdue')) AS open_tasks
       FROM sop_plans p WHERE p.workspace_id = $1 AND ($2::uuid IS NULL OR p.id = $2)
      ORDER BY p.created_at, p.id`,
    [workspaceId, id],
  );
  const steps = await stepsOf(
    q,
    workspaceId,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    templateKey: r.template_key,
    trigger: r.trigger,
    enabled: r.enabled,
    steps: steps.filter((s) => s.plan_id === r.id).map(toStep),
    openTasks: r.open_tasks,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  }));
}

/** Creates the shipped templates as the workspace's plans, the first time only (a deleted one stays deleted). */
export async function ensureTemplates(tx: Tx, workspaceId: string, locale: Locale): Promise<void> {
  await tx.query('INSERT INTO relationship_settings (workspace_id) VALUES ($1) ON CONFLICT DO NOTHING', [workspaceId]);
  const [settings] = await tx.query<{ templates_installed_at: Date | null }>(
    'SELECT templates_installed_at FROM relationship_settings WHERE workspace_id = $1 FOR UPDATE',
    [workspaceId],
  );
  if (settings?.templates_installed_at) return;
  for (const t of SOP_TEMPLATES) await insertPlan(tx, workspaceId, templateBody(t, locale), t.key, locale);
  await tx.query('UPDATE relationship_settings SET templates_installed_at = now() WHERE workspace_id = $1', [
    workspaceId,
  ]);
}

export async function listPlans(tx: Tx, workspaceId: string, locale: Locale): Promise<SopPlan[]> {
  await ensureTemplates(tx, workspaceId, locale);
  return planRows(tx, workspaceId, null);
}

export async function getPlan(q: Queryable, workspaceId: string, id: string): Promise<SopPlan> {
  const [plan] = await planRows(q, workspaceId, id);
  if (!plan) throw notFound('sop.plan_not_found');
  return plan;
}

export async function listTemplates(q: Queryable, workspaceId: string, locale: Locale): Promise<SopTemplate[]> {
  const installed = new Set(
    (
      await q.query<{ template_key: string }>(
        'SELECT DISTINCT template_key FROM sop_plans WHERE workspace_id = $1 AND template_key IS NOT NULL',
        [workspaceId],
      )
    ).map((r) => r.template_key),
  );
  return SOP_TEMPLATES.map((t) => {
    const body = templateBody(t, locale);
    return { key: t.key, name: body.name, trigger: body.trigger, steps: body.steps, installed: installed.has(t.key) };
  });
}

/** A new plan from a shipped template (again, if the workspace wants a second copy to adapt). */
export async function installTemplate(tx: Tx, workspaceId: string, key: string, locale: Locale): Promise<SopPlan> {
  const t = SOP_TEMPLATES.find((x) => x.key === key);
  if (!t) throw notFound('sop.template_not_found');
  const id = await insertPlan(tx, workspaceId, templateBody(t, locale), t.key, locale);
  return getPlan(tx, workspaceId, id);
}

async function checkTrigger(q: Queryable, workspaceId: string, trigger: SopTrigger, locale: Locale): Promise<void> {
  if (trigger.type === 'festival') {
    const known = new Set((await festivalCalendar(q, workspaceId, locale)).map((f) => f.key));
    const unknown = trigger.festivals.filter((k) => !known.has(k));
    if (unknown.length > 0) throw new AppError(400, 'sop.unknown_festival', { keys: unknown.join(', ') });
  } else if (trigger.type === 'segment_entered') {
    const rows = await q.query('SELECT 1 FROM segments WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      trigger.segmentId,
    ]);
    if (rows.length === 0) throw new AppError(400, 'sop.segment_not_found');
  } else if (trigger.type === 'tag_added') {
    const rows = await q.query('SELECT 1 FROM tags WHERE workspace_id = $1 AND id = $2', [workspaceId, trigger.tagId]);
    if (rows.length === 0) throw new AppError(400, 'sop.tag_not_found');
  }
}

async function checkSteps(q: Queryable, workspaceId: string, steps: readonly SopStepBody[]): Promise<void> {
  for (const [i, s] of steps.entries()) {
    if (s.scriptId && s.script) throw new AppError(400, 'sop.step_script_twice', { step: i + 1 });
    if (s.script) checkScriptText(s.script);
    if (s.scriptId) {
      const rows = await q.query('SELECT 1 FROM scripts WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        s.scriptId,
      ]);
      if (rows.length === 0) throw new AppError(400, 'sop.script_not_found', { step: i + 1 });
    }
  }
}

async function writeSteps(tx: Tx, workspaceId: string, planId: string, steps: readonly SopStepBody[]): Promise<void> {
  const keep = steps.map((s) => s.id).filter((id): id is string => typeof id === 'string');
  if (new Set(keep).size !== keep.length) throw new AppError(400, 'sop.step_id_twice');
  const existing = new Set(
    (
      await tx.query<{ id: string }>('SELECT id FROM sop_steps WHERE workspace_id = $1 AND plan_id = $2', [
        workspaceId,
        planId,
      ])
    ).map((r) => r.id),
  );
  for (const id of keep) if (!existing.has(id)) throw new AppError(400, 'sop.step_not_found');
  await tx.query('DELETE FROM sop_steps WHERE workspace_id = $1 AND plan_id = $2 AND NOT (id = ANY($3::uuid[]))', [
    workspaceId,
    planId,
    keep,
  ]);
  for (const [position, s] of steps.entries()) {
    const values = [
      workspaceId,
      planId,
      position,
      s.offsetDays,
      s.timeOfDay,
      s.title,
      s.scriptId ?? null,
      s.script ?? null,
      s.material ? JSON.stringify(s.material) : null,
    ];
    if (s.id) {
      await tx.query(
        `UPDATE sop_steps SET position = $3, offset_days = $4, time_of_day = $5, title = $6, script_id = $7,
                script = $8, material = $9::jsonb
          WHERE workspace_id = $1 AND plan_id = $2 AND id = $10`,
        [...values, s.id],
      );
    } else {
      await tx.query(
        `INSERT INTO sop_steps (workspace_id, plan_id, position, offset_days, time_of_day, title, script_id, script,
                                material)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)`,
        values,
      );
    }
  }
}

async function insertPlan(
  tx: Tx,
  workspaceId: string,
  body: SopPlanBody,
  templateKey: string | null,
  locale: Locale,
): Promise<string> {
  await checkTrigger(tx, workspaceId, body.trigger, locale);
  await checkSteps(tx, workspaceId, body.steps);
  const rows = await tx.query<{ id: string }>(
    // clock_timestamp(), not now(): the shipped templates are made in one transaction and keep their order.
    `INSERT INTO sop_plans (workspace_id, name, template_key, trigger, trigger_type, enabled, created_at, updated_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, clock_timestamp(), clock_timestamp()) RETURNING id`,
    [workspaceId, body.name, templateKey, JSON.stringify(body.trigger), body.trigger.type, body.enabled],
  );
  const id = (rows[0] as { id: string }).id;
  await writeSteps(tx, workspaceId, id, body.steps);
  return id;
}

export async function createPlan(tx: Tx, workspaceId: string, body: SopPlanBody, locale: Locale): Promise<SopPlan> {
  await ensureTemplates(tx, workspaceId, locale);
  return getPlan(tx, workspaceId, await insertPlan(tx, workspaceId, body, null, locale));
}

/** Changes a plan. Steps given replace the plan's steps (ids kept keep their tasks linked); tasks made stay as made. */
export async function updatePlan(
  tx: Tx,
  workspaceId: string,
  id: string,
  body: UpdateSopPlanBody,
  locale: Locale,
): Promise<SopPlan> {
  const current = await getPlan(tx, workspaceId, id);
  const trigger = body.trigger ?? current.trigger;
  if (body.trigger) await checkTrigger(tx, workspaceId, trigger, locale);
  if (body.steps) await checkSteps(tx, workspaceId, body.steps);
  await tx.query(
    `UPDATE sop_plans SET name = $3, trigger = $4::jsonb, trigger_type = $5, enabled = $6, updated_at = now()
      WHERE workspace_id = $1 AND id = $2`,
    [
      workspaceId,
      id,
      body.name ?? current.name,
      JSON.stringify(trigger),
      trigger.type,
      body.enabled ?? current.enabled,
    ],
  );
  if (body.steps) await writeSteps(tx, workspaceId, id, body.steps);
  return getPlan(tx, workspaceId, id);
}

/** Deletes a plan that never made a task; one that did keeps its history and can be disabled instead. */
export async function deletePlan(tx: Tx, workspaceId: string, id: string): Promise<void> {
  await getPlan(tx, workspaceId, id);
  const used = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM sop_tasks WHERE workspace_id = $1 AND plan_id = $2',
    [workspaceId, id],
  );
  if ((used[0]?.n ?? 0) > 0) throw conflict('sop.plan_has_tasks', { count: used[0]?.n ?? 0 });
  await tx.query('DELETE FROM sop_plans WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
}

/** The enabled plans of a trigger type, with their steps. */
export async function enabledPlans(
  tx: Tx,
  workspaceId: string,
  type: SopTrigger['type'],
): Promise<{ id: string; trigger: SopTrigger; steps: StepRow[] }[]> {
  const plans = await tx.query<{ id: string; trigger: SopTrigger }>(
    'SELECT id, trigger FROM sop_plans WHERE workspace_id = $1 AND trigger_type = $2 AND enabled ORDER BY created_at, id',
    [workspaceId, type],
  );
  if (plans.length === 0) return [];
  const steps = await stepsOf(
    tx,
    workspaceId,
    plans.map((p) => p.id),
  );
  return plans.map((p) => ({ ...p, steps: steps.filter((s) => s.plan_id === p.id) }));
}
