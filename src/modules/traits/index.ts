// The traits module's door: computed traits (RFM, lifecycle, CLV, churn risk, preferred channel and hour), kept
// current per customer from order, event and merge events and recomputed for every workspace nightly.
import type { Tx } from '../../platform/db/index.ts';
import { addMessages } from '../../platform/i18n/index.ts';
import { type DomainEvent, enqueue, type Subscriber } from '../../platform/jobs/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import { recomputeInTx, updateCustomerTraits } from './compute.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import { RECOMPUTE_JOB, traitRoutes } from './routes.ts';

export {
  type ClvModel,
  computeTraits,
  readCustomerTraits,
  recomputeWorkspace,
  type TraitValues,
  updateCustomerTraits,
} from './compute.ts';
export { DEFAULT_LIFECYCLE, LIFECYCLE_STAGES, type LifecycleStage } from './lifecycle.ts';
export { RFM_GROUPS, type RfmGroup } from './rfm.ts';

const NIGHTLY_JOB = 'traits.nightly';

/** The customers an event is about: orders and events name one; a merge touches the survivor and the merged. */
function customersOf(type: string, payload: Record<string, unknown>): string[] {
  const ids =
    type === 'customer.merged'
      ? [payload.survivorId, payload.mergedId]
      : type === 'customer.unmerged'
        ? [payload.survivorId, payload.restoredId]
        : [payload.customerId];
  return ids.filter((id): id is string => typeof id === 'string');
}

export function traitsModule(deps: { participants: CustomerParticipants; now?: () => Date }): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
  const now = deps.now ?? (() => new Date());
  // One recompute over every customer a batch names: an order and ten page views of one customer cost one.
  const recomputeNamed = async (events: DomainEvent[], tx: Tx) => {
    const ids = events.flatMap((e) => customersOf(e.type, (e.payload ?? {}) as Record<string, unknown>));
    if (events.length > 0) await updateCustomerTraits(tx, events[0]!.workspaceId, ids, now());
  };
  const incremental: Subscriber = {
    name: 'traits.incremental',
    events: [
      'order.placed',
      'order.updated',
      'order.refunded',
      'event.tracked',
      'customer.merged',
      'customer.unmerged',
    ],
    handle: (event, tx) => recomputeNamed([event], tx),
    handleMany: (events, tx) => recomputeNamed(events, tx),
  };
  return {
    name: 'traits',
    permissions: {
      'trait.read': ['owner', 'admin', 'operator', 'guide', 'analyst'],
      'trait.manage': ['owner', 'admin'],
    },
    routes: traitRoutes,
    subscribers: [incremental],
    jobs: {
      [RECOMPUTE_JOB]: async (job, tx) => {
        if (!job.workspaceId) throw new Error(`${RECOMPUTE_JOB} job ${job.id} has no workspace`);
        await recomputeInTx(tx, job.workspaceId, now());
      },
      // The schedule's job has no workspace: it fans out one recompute job per workspace, each its own transaction.
      [NIGHTLY_JOB]: async (job, tx) => {
        const workspaces = await tx.query<{ id: string }>('SELECT id FROM workspaces ORDER BY id');
        for (const ws of workspaces) {
          await enqueue(tx, { kind: RECOMPUTE_JOB, workspaceId: ws.id, dedupeKey: `${ws.id}@nightly:${job.id}` });
        }
      },
    },
    schedules: [{ name: 'traits.nightly-recompute', cron: '30 3 * * *', timezone: 'Asia/Shanghai', kind: NIGHTLY_JOB }],
  };
}
