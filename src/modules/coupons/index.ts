// The coupons module's door: coupon templates, issuance, unique codes, and validate / redeem / unredeem for POS
// and e-commerce.
import type { Tx } from '../../platform/db/index.ts';
import { addMessages } from '../../platform/i18n/index.ts';
import { type DomainEvent, enqueue } from '../../platform/jobs/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import { EXPIRE_ALL_JOB, EXPIRE_WORKSPACE_JOB, expireCoupons, fanOutExpiry } from './expiry.ts';
import { runIssuanceChunk, SEGMENT_JOB } from './issuance.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import { couponsMergeParticipant, couponsTimelineSource } from './participants.ts';
import { unredeemRefundedOrders } from './redemption.ts';
import { couponRoutes } from './routes.ts';
import { applyRules, RULE_EVENTS } from './rules.ts';

export { formatCode } from './codes.ts';
export { type IssuedCoupon, issueCoupon } from './issuance.ts';
export { memberCoupons, type WalletStatus } from './lookup.ts';
export { getTemplate, insertTemplate } from './templates.ts';

/** Order numbers of fully refunded orders in a batch of order.refunded events. */
const refundedOrders = (events: DomainEvent[]) =>
  events
    .map((e) => (e.payload ?? {}) as { status?: unknown; orderNo?: unknown })
    .filter((p) => p.status === 'refunded' && typeof p.orderNo === 'string')
    .map((p) => p.orderNo as string);

export function couponsModule(deps: { participants: CustomerParticipants; now?: () => Date }): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
  deps.participants.addMergeParticipant(couponsMergeParticipant);
  deps.participants.addTimelineSource(couponsTimelineSource);
  const now = deps.now ?? (() => new Date());
  const rules = (events: DomainEvent[], tx: Tx) => applyRules(tx, events, now());
  const refunds = async (events: DomainEvent[], tx: Tx) => {
    const orders = refundedOrders(events);
    if (orders.length > 0) await unredeemRefundedOrders(tx, events[0]!.workspaceId, orders, now());
  };
  return {
    name: 'coupons',
    permissions: {
      'coupon.read': ['owner', 'admin', 'operator', 'guide', 'analyst'],
      'coupon.manage': ['owner', 'admin', 'operator'],
      'coupon.redeem': ['owner', 'admin', 'operator', 'guide'],
    },
    routes: couponRoutes,
    subscribers: [
      { name: 'coupons.rules', events: RULE_EVENTS, handle: (e, tx) => rules([e], tx), handleMany: rules },
      { name: 'coupons.refunds', events: ['order.refunded'], handle: (e, tx) => refunds([e], tx), handleMany: refunds },
    ],
    jobs: {
      [SEGMENT_JOB]: async (job, tx) => {
        if (!job.workspaceId) throw new Error(`${SEGMENT_JOB} job ${job.id} has no workspace`);
        await runIssuanceChunk(tx, job.workspaceId, (job.payload as { issuanceId: string }).issuanceId, now());
      },
      // The schedule's job has no workspace: one job per workspace with coupons near or past their end.
      [EXPIRE_ALL_JOB]: (job, tx) => fanOutExpiry(tx, `expire:${job.id}`, now()),
      [EXPIRE_WORKSPACE_JOB]: async (job, tx) => {
        if (!job.workspaceId) throw new Error(`${EXPIRE_WORKSPACE_JOB} job ${job.id} has no workspace`);
        const { more } = await expireCoupons(tx, job.workspaceId, now());
        // A large backlog goes in steps, each its own short transaction.
        if (more) {
          await enqueue(tx, {
            kind: EXPIRE_WORKSPACE_JOB,
            workspaceId: job.workspaceId,
            payload: {},
            dedupeKey: `${job.workspaceId}@expire-after:${job.id}`,
          });
        }
      },
    },
    schedules: [{ name: 'coupons.expire', cron: '5 * * * *', kind: EXPIRE_ALL_JOB }],
  };
}
