// HTTP routes of traits: a customer's traits with explanations, lifecycle thresholds, and a recompute on demand.
import { Type } from '@sinclair/typebox';
import { Uuid } from '../../contracts/foundation.ts';
import { CustomerTraits, LifecycleThresholds, RecomputeAccepted } from '../../contracts/traits.ts';
import { unprocessable } from '../../platform/errors.ts';
import type { RouteRegistrar } from '../../platform/http/routes.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import { getCustomerRow } from '../customers/profiles.ts';
import { loadSettings, readCustomerTraits } from './compute.ts';
import { explainTraits } from './explain.ts';

export const RECOMPUTE_JOB = 'traits.recompute';
const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export function traitRoutes(r: RouteRegistrar): void {
  r.route({
    method: 'GET',
    url: '/api/customers/:id/traits',
    summary: '客户计算特征 / A customer’s RFM, lifecycle, CLV, churn risk, channel and hour, explained',
    tags: ['traits'],
    permission: 'trait.read',
    params: IdParams,
    response: CustomerTraits,
    handler: async (ctx, { params }) => {
      const customer = await getCustomerRow(ctx.tx, ctx.workspaceId, params.id);
      const { values, computedAt } = await readCustomerTraits(ctx.tx, ctx.workspaceId, customer.id, ctx.now());
      return explainTraits(customer.id, values, computedAt, ctx.now(), ctx.locale);
    },
  });
  r.route({
    method: 'GET',
    url: '/api/traits/lifecycle',
    summary: '生命周期阈值 / Lifecycle stage thresholds',
    tags: ['traits'],
    permission: 'trait.manage',
    response: LifecycleThresholds,
    handler: async (ctx) => (await loadSettings(ctx.tx, ctx.workspaceId)).lifecycle,
  });
  r.route({
    method: 'PUT',
    url: '/api/traits/lifecycle',
    summary: '设置生命周期阈值 / Set the lifecycle thresholds (applied from the next recompute)',
    tags: ['traits'],
    permission: 'trait.manage',
    audit: { action: 'traits.set_lifecycle', targetType: 'workspace' },
    body: LifecycleThresholds,
    response: LifecycleThresholds,
    handler: async (ctx, { body }) => {
      if (body.declineAfterDays >= body.churnAfterDays) {
        throw unprocessable('traits.invalid_thresholds', {
          decline: body.declineAfterDays,
          churn: body.churnAfterDays,
        });
      }
      await ctx.tx.query(
        `INSERT INTO trait_settings (workspace_id, lifecycle) VALUES ($1, $2)
         ON CONFLICT (workspace_id) DO UPDATE SET lifecycle = EXCLUDED.lifecycle`,
        [ctx.workspaceId, JSON.stringify(body)],
      );
      ctx.audit.targetId = ctx.workspaceId;
      ctx.audit.details = { ...body };
      return body;
    },
  });
  r.route({
    method: 'POST',
    url: '/api/traits/recompute',
    summary: '重新计算全部特征 / Queue a full recompute of the workspace’s traits',
    tags: ['traits'],
    permission: 'trait.manage',
    audit: { action: 'traits.recompute', targetType: 'workspace' },
    response: RecomputeAccepted,
    status: 202,
    handler: async (ctx) => {
      const id = await enqueue(ctx.tx, { kind: RECOMPUTE_JOB, payload: {} });
      ctx.audit.targetId = ctx.workspaceId;
      return { jobId: String(id) };
    },
  });
}
