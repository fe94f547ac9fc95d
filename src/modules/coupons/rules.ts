// Issuance rules: a domain event issues coupons of a template to the customer it is about, once per (rule, cause).
// Triggers: a member joins (member.joined), reaches a higher tier (member.tier_changed), pays an order (order.placed
// or order.updated arriving at paid), or enters a segment (segment.entered).
import type { CouponRule, CouponRuleBody, RuleTrigger, UpdateCouponRuleBody } from '../../contracts/coupons.ts';
import type { Tx } from '../../platform/db/index.ts';
import { badRequest, conflict, notFound } from '../../platform/errors.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import type { DomainEvent } from '../../platform/jobs/index.ts';
import { type IssueRequest, issueMany } from './issuance.ts';
import { templateRow } from './templates.ts';

/** The domain events the rules listen to (order.paid is read from order.placed and order.updated). */
export const RULE_EVENTS = ['member.joined', 'member.tier_changed', 'order.placed', 'order.updated', 'segment.entered'];

interface RuleRow {
  id: string;
  name: string;
  template_id: string;
  template_title: string;
  trigger: RuleTrigger;
  segment_id: string | null;
  tier_ids: string[];
  min_paid_fen: number | null;
  quantity: number;
  active: boolean;
  issued: number;
  refused: number;
  last_refusal: string | null;
  last_fired_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toRule = (r: RuleRow): CouponRule => ({
  id: r.id,
  name: r.name,
  templateId: r.template_id,
  templateTitle: r.template_title,
  trigger: r.trigger,
  segmentId: r.segment_id,
  tierIds: r.tier_ids,
  minPaidFen: r.min_paid_fen,
  quantity: r.quantity,
  active: r.active,
  issued: r.issued,
  refused: r.refused,
  lastRefusal: r.last_refusal,
  lastFiredAt: r.last_fired_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

const RULE_SELECT = `SELECT r.*, t.title AS template_title FROM coupon_rules r
  JOIN coupon_templates t ON t.workspace_id = r.workspace_id AND t.id = r.template_id`;

async function ruleRow(tx: Tx, workspaceId: string, id: string): Promise<RuleRow> {
  const rows = await tx.query<RuleRow>(`${RULE_SELECT} WHERE r.workspace_id = $1 AND r.id = $2`, [workspaceId, id]);
  if (!rows[0]) throw notFound('coupon.rule_not_found');
  return rows[0];
}

export async function listRules(
  tx: Tx,
  workspaceId: string,
  query: { templateId?: string; trigger?: RuleTrigger },
): Promise<CouponRule[]> {
  const rows = await tx.query<RuleRow>(
    `${RULE_SELECT} WHERE r.workspace_id = $1 AND ($2::uuid IS NULL OR r.template_id = $2)
       AND ($3::text IS NULL OR r.trigger = $3) ORDER BY r.created_at DESC, r.id DESC`,
    [workspaceId, query.templateId ?? null, query.trigger ?? null],
  );
  return rows.map(toRule);
}

interface Conditions {
  segmentId: string | null;
  tierIds: string[];
  minPaidFen: number | null;
}

/** Each trigger takes its own condition and no other; a segment rule needs a segment of this workspace. */
async function checkConditions(tx: Tx, workspaceId: string, trigger: RuleTrigger, c: Conditions): Promise<void> {
  if (trigger !== 'segment.entered' && c.segmentId !== null) {
    throw badRequest('coupon.rule_field_not_applicable', { field: 'segmentId', trigger });
  }
  if (trigger !== 'member.tier_changed' && c.tierIds.length > 0) {
    throw badRequest('coupon.rule_field_not_applicable', { field: 'tierIds', trigger });
  }
  if (trigger !== 'order.paid' && c.minPaidFen !== null) {
    throw badRequest('coupon.rule_field_not_applicable', { field: 'minPaidFen', trigger });
  }
  if (trigger === 'segment.entered') {
    if (c.segmentId === null) throw badRequest('coupon.rule_segment_required');
    const found = await tx.query('SELECT 1 FROM segments WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      c.segmentId,
    ]);
    if (found.length === 0) throw notFound('segment.not_found');
  }
}

export async function createRule(ctx: RequestContext, body: CouponRuleBody): Promise<CouponRule> {
  const template = await templateRow(ctx.tx, ctx.workspaceId, body.templateId);
  if (template.status === 'ended') throw conflict('coupon.template_ended');
  const conditions: Conditions = {
    segmentId: body.segmentId ?? null,
    tierIds: [...new Set(body.tierIds ?? [])],
    minPaidFen: body.minPaidFen ?? null,
  };
  await checkConditions(ctx.tx, ctx.workspaceId, body.trigger, conditions);
  const [row] = (await ctx.tx.query<{ id: string }>(
    `INSERT INTO coupon_rules (workspace_id, name, template_id, trigger, segment_id, tier_ids, min_paid_fen, quantity,
                               active, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
    [
      ctx.workspaceId,
      body.name.trim(),
      body.templateId,
      body.trigger,
      conditions.segmentId,
      conditions.tierIds,
      conditions.minPaidFen,
      body.quantity ?? 1,
      body.active ?? true,
      ctx.actor.name,
      ctx.now(),
    ],
  )) as [{ id: string }];
  ctx.audit.targetId = row.id;
  ctx.audit.details = { templateId: body.templateId, trigger: body.trigger };
  return toRule(await ruleRow(ctx.tx, ctx.workspaceId, row.id));
}

export async function updateRule(ctx: RequestContext, id: string, body: UpdateCouponRuleBody): Promise<CouponRule> {
  ctx.audit.targetId = id;
  const current = await ruleRow(ctx.tx, ctx.workspaceId, id);
  const conditions: Conditions = {
    segmentId: body.segmentId === undefined ? current.segment_id : body.segmentId,
    tierIds: body.tierIds === undefined ? current.tier_ids : [...new Set(body.tierIds)],
    minPaidFen: body.minPaidFen === undefined ? current.min_paid_fen : body.minPaidFen,
  };
  await checkConditions(ctx.tx, ctx.workspaceId, current.trigger, conditions);
  await ctx.tx.query(
    `UPDATE coupon_rules SET name = $3, segment_id = $4, tier_ids = $5, min_paid_fen = $6, quantity = $7, active = $8,
       updated_at = $9 WHERE workspace_id = $1 AND id = $2`,
    [
      ctx.workspaceId,
      id,
      body.name?.trim() ?? current.name,
      conditions.segmentId,
      conditions.tierIds,
      conditions.minPaidFen,
      body.quantity ?? current.quantity,
      body.active ?? current.active,
      ctx.now(),
    ],
  );
  ctx.audit.details = { fields: Object.keys(body) };
  return toRule(await ruleRow(ctx.tx, ctx.workspaceId, id));
}

/** Deletes a rule; the coupons it issued stay (they name the rule as their source). */
export async function deleteRule(ctx: RequestContext, id: string): Promise<void> {
  ctx.audit.targetId = id;
  await ruleRow(ctx.tx, ctx.workspaceId, id);
  await ctx.tx.query('DELETE FROM coupon_rules WHERE workspace_id = $1 AND id = $2', [ctx.workspaceId, id]);
}

/** What an event means for rules: which trigger, about whom, the cause that makes it happen once, and details. */
interface Occasion {
  trigger: RuleTrigger;
  customerId: string;
  cause: string;
  segmentId?: string;
  toTierId?: string;
  paidFen?: number;
}

const PAID = new Set(['paid', 'partially_refunded', 'refunded']);

function occasionOf(event: DomainEvent): Occasion | null {
  const p = (event.payload ?? {}) as Record<string, unknown>;
  const customerId = typeof p.customerId === 'string' ? p.customerId : null;
  if (!customerId) return null;
  switch (event.type) {
    case 'member.joined':
      return { trigger: 'member.joined', customerId, cause: `joined:${customerId}` };
    case 'member.tier_changed': {
      const toTierId = typeof p.toTierId === 'string' ? p.toTierId : null;
      // Only upgrades: a downgrade (lower rank than before) never earns a coupon.
      const up = typeof p.fromRank !== 'number' || (typeof p.toRank === 'number' && p.toRank > p.fromRank);
      if (!toTierId || !up) return null;
      // Once per tier reached: climbing back to a tier after a downgrade does not pay its gift twice.
      return { trigger: 'member.tier_changed', customerId, cause: `tier:${customerId}:${toTierId}`, toTierId };
    }
    case 'order.placed':
    case 'order.updated': {
      // Paid means the order arrives at paid: placed already paid, or updated from an unpaid status.
      if (p.status !== 'paid') return null;
      if (event.type === 'order.updated' && PAID.has(String(p.previousStatus))) return null;
      const orderId = typeof p.orderId === 'string' ? p.orderId : null;
      if (!orderId) return null;
      return {
        trigger: 'order.paid',
        customerId,
        cause: `order:${orderId}`,
        paidFen: typeof p.paidFen === 'number' ? p.paidFen : 0,
      };
    }
    case 'segment.entered': {
      const segmentId = typeof p.segmentId === 'string' ? p.segmentId : null;
      if (!segmentId) return null;
      // Once per customer and segment: leaving and entering again does not issue again.
      return { trigger: 'segment.entered', customerId, cause: `segment:${segmentId}:${customerId}`, segmentId };
    }
  }
  return null;
}

function matches(rule: RuleRow, o: Occasion): boolean {
  if (rule.trigger !== o.trigger) return false;
  if (o.trigger === 'segment.entered') return rule.segment_id === o.segmentId;
  if (o.trigger === 'member.tier_changed')
    return rule.tier_ids.length === 0 || rule.tier_ids.includes(o.toTierId ?? '');
  if (o.trigger === 'order.paid') return (o.paidFen ?? 0) >= (rule.min_paid_fen ?? 0);
  return true;
}

/**
 * Applies the workspace's active rules to a batch of its events (the subscriber's transaction). Each rule issues
 * through the one issuance path with keys `<rule>:<cause>:<n>`, so an event handled twice, or two events with one
 * cause, issue once. What a rule could not issue (limit, stock, template not active) is counted on the rule.
 */
export async function applyRules(tx: Tx, events: readonly DomainEvent[], now: Date): Promise<void> {
  const workspaceId = events[0]?.workspaceId;
  if (!workspaceId) return;
  const occasions = events.map(occasionOf).filter((o): o is Occasion => o !== null);
  if (occasions.length === 0) return;
  const rules = await tx.query<RuleRow>(
    `${RULE_SELECT} WHERE r.workspace_id = $1 AND r.active AND r.trigger = ANY($2::text[]) ORDER BY r.id`,
    [workspaceId, [...new Set(occasions.map((o) => o.trigger))]],
  );
  for (const rule of rules) {
    const requests: IssueRequest[] = occasions
      .filter((o) => matches(rule, o))
      .flatMap((o) =>
        Array.from({ length: rule.quantity }, (_, n) => ({
          customerId: o.customerId,
          key: `${rule.id}:${o.cause}:${n + 1}`,
        })),
      );
    if (requests.length === 0) continue;
    let issued = 0;
    let refused = 0;
    let lastRefusal: string | null = null;
    const outcomes = await issueMany(tx, workspaceId, rule.template_id, requests, {
      source: 'rule',
      sourceRef: rule.id,
      now,
    });
    for (const o of outcomes) {
      if (o.status === 'issued') issued++;
      if (o.status === 'refused') {
        refused++;
        lastRefusal = o.reason;
      }
    }
    await tx.query(
      `UPDATE coupon_rules SET issued = issued + $3, refused = refused + $4,
         last_refusal = coalesce($5, last_refusal), last_fired_at = $6 WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, rule.id, issued, refused, lastRefusal, now],
    );
  }
}
