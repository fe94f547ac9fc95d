// The loyalty module's door: members and enrolment, tiers and growth value, the points ledger, earn rules,
// rewards, and the reports built on them (ARCHITECTURE §9).
import type { Tx } from '../../platform/db/index.ts';
import { addMessages } from '../../platform/i18n/index.ts';
import { type DomainEvent, enqueue } from '../../platform/jobs/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import type { AudienceEngine } from '../segments/index.ts';
import { pointsMergeParticipant } from './accounts.ts';
import { reconcileOrders } from './earn-rules.ts';
import { expiryJobs, DAILY_JOB as POINTS_DAILY_JOB } from './expiry.ts';
import { applyGrowthEvents, GROWTH_EVENTS } from './growth.ts';
import { h5Routes } from './h5-routes.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import { loyaltyTimelineSource, membersMergeParticipant } from './members.ts';
import { memberRoutes } from './members-routes.ts';
import { pointsRoutes } from './points-routes.ts';
import {
  cancelUnpaidOrders,
  rewardsMergeParticipant,
  UNPAID_ALL_JOB,
  UNPAID_WORKSPACE_JOB,
  workspacesWithUnpaid,
} from './rewards.ts';
import { rewardsRoutes } from './rewards-routes.ts';
import { tierCondition } from './tier-condition.ts';
import { evaluateTiers } from './tiers.ts';
import { EVALUATE_WORKSPACE_JOB, tierRoutes } from './tiers-routes.ts';
import { CODE_POLICY, type CodePolicy, type CodeSender, clearExpired, codeSenderFromEnv } from './verification.ts';

export { adjustPoints, memberPoints, transactionHistory } from './accounts.ts';
export { lookupMember } from './benefits.ts';
export { checkIn, checkInCalendar } from './checkins.ts';
export { earnPoints, reconcileOrder, recordInteraction } from './earn-rules.ts';
export { type BulkMembership, bulkMembership } from './enrolment.ts';
export { runPointsExpiry } from './expiry.ts';
export { growthForSpend } from './growth.ts';
export type { Posted, TransactionRow } from './ledger.ts';
export { checkLedger, formatLedgerCheck } from './ledger-check.ts';
export { createLottery, type DrawInput, drawLottery, type RandomSource } from './lottery.ts';
export { authenticateMember } from './member-auth.ts';
export { cardNoOf, findMember, getMember, inviteCodeOf, memberCard } from './members.ts';
export { type BatchPosting, PostingBatches, postingBatchesOf } from './posting-batches.ts';
export { cancelRedemption, cancelSpend, quote, redeem, spendPoints } from './redemption.ts';
export { cancelOrder as cancelRewardOrder, createReward, type RedeemInput, redeemReward } from './rewards.ts';
export { pendingRuleNotices, rulesAt } from './rule-changes.ts';
export { completeTask } from './tasks.ts';
export { type MemberTier, memberTier } from './tiers.ts';
export { type CodeMessage, type CodeSender, logCodeSender, webhookCodeSender } from './verification.ts';

const EVALUATE_JOB = 'loyalty.tiers-evaluate';

export function loyaltyModule(deps: {
  participants: CustomerParticipants;
  engine: AudienceEngine;
  /** How H5 verification codes reach phones; by default as the environment says (SIYU_SMS_SENDER). */
  codeSender?: CodeSender;
  codePolicy?: CodePolicy;
  now?: () => Date;
}): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
  const now = deps.now ?? (() => new Date());
  const codeSender = deps.codeSender ?? codeSenderFromEnv(process.env);
  deps.engine.registry.register(tierCondition);
  deps.participants.addMergeParticipant(membersMergeParticipant(now));
  deps.participants.addTimelineSource(loyaltyTimelineSource);
  deps.participants.addMergeParticipant(pointsMergeParticipant(now));
  deps.participants.addMergeParticipant(rewardsMergeParticipant);
  return {
    name: 'loyalty',
    permissions: {
      'member.read': ['owner', 'admin', 'operator', 'guide', 'analyst'],
      'member.manage': ['owner', 'admin', 'operator'],
      'loyalty.configure': ['owner', 'admin'],
      'points.read': ['owner', 'admin', 'operator', 'guide', 'analyst'],
      'points.adjust': ['owner', 'admin'],
      'points.configure': ['owner', 'admin'],
      'points.earn': ['owner', 'admin', 'operator'],
      'points.redeem': ['owner', 'admin', 'operator'],
    },
    routes: (r) => {
      memberRoutes({ participants: deps.participants, codeSender, codePolicy: deps.codePolicy ?? CODE_POLICY })(r);
      tierRoutes(r);
      pointsRoutes(r);
      rewardsRoutes(r);
      h5Routes(r);
    },
    subscribers: [
      {
        // Growth from orders (each order brought to what its current state is worth), check-ins and tasks.
        name: 'loyalty.growth',
        events: GROWTH_EVENTS,
        handle: (event: DomainEvent, tx: Tx) => applyGrowthEvents(tx, [event], now()),
        handleMany: (events: DomainEvent[], tx: Tx) => applyGrowthEvents(tx, events, now()),
      },
      {
        // Purchase points (and invite rewards): each order named is brought to what its current state earns.
        name: 'loyalty.points-orders',
        events: ['order.placed', 'order.updated', 'order.refunded'],
        handle: (event: DomainEvent, tx: Tx) => reconcileOrders(tx, event.workspaceId, orderIdsOf([event]), now()),
        handleMany: (events: DomainEvent[], tx: Tx) =>
          reconcileOrders(tx, events[0]?.workspaceId ?? '', orderIdsOf(events), now()),
      },
    ],
    jobs: {
      ...expiryJobs(now),
      // Reward orders whose cash part was not paid in time: one job per workspace that has some.
      [UNPAID_ALL_JOB]: async (job, tx) => {
        for (const workspaceId of await workspacesWithUnpaid(tx, now())) {
          await enqueue(tx, { kind: UNPAID_WORKSPACE_JOB, workspaceId, dedupeKey: `${workspaceId}@unpaid:${job.id}` });
        }
      },
      [UNPAID_WORKSPACE_JOB]: async (job, tx) => {
        if (!job.workspaceId) throw new Error(`${UNPAID_WORKSPACE_JOB} job ${job.id} has no workspace`);
        const { more } = await cancelUnpaidOrders(tx, job.workspaceId, now());
        if (more) {
          await enqueue(tx, {
            kind: UNPAID_WORKSPACE_JOB,
            workspaceId: job.workspaceId,
            dedupeKey: `${job.workspaceId}@unpaid-after:${job.id}`,
          });
        }
      },
      // The daily schedule's job has no workspace: one review job per workspace that has members.
      [EVALUATE_JOB]: async (job, tx) => {
        const rows = await tx.query<{ workspace_id: string }>('SELECT workspace_id FROM membership_settings');
        for (const r of rows) {
          await enqueue(tx, {
            kind: EVALUATE_WORKSPACE_JOB,
            workspaceId: r.workspace_id,
            dedupeKey: `${r.workspace_id}@tiers:${job.id}`,
          });
        }
      },
      [EVALUATE_WORKSPACE_JOB]: async (job, tx) => {
        if (!job.workspaceId) throw new Error(`${EVALUATE_WORKSPACE_JOB} job ${job.id} has no workspace`);
        await evaluateTiers(tx, job.workspaceId, now());
        await clearExpired(tx, job.workspaceId, now());
      },
    },
    schedules: [
      { name: 'loyalty.tiers-daily', cron: '10 2 * * *', timezone: 'Asia/Shanghai', kind: EVALUATE_JOB },
      // Just after midnight, when yesterday's last day of validity has ended.
      { name: 'loyalty.points-daily', cron: '5 0 * * *', timezone: 'Asia/Shanghai', kind: POINTS_DAILY_JOB },
      { name: 'loyalty.rewards-unpaid', cron: '*/5 * * * *', kind: UNPAID_ALL_JOB },
    ],
  };
}

/** The orders a batch of order events names. */
function orderIdsOf(events: DomainEvent[]): string[] {
  return events
    .map((e) => (e.payload as { orderId?: unknown } | null)?.orderId)
    .filter((id): id is string => typeof id === 'string');
}
