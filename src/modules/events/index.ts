// The events module's door: Segment-compatible ingestion, orders, imports, and their part in merges and the
// customer timeline.
import type { Tx } from '../../platform/db/index.ts';
import { addMessages } from '../../platform/i18n/index.ts';
import type { DomainEvent } from '../../platform/jobs/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import { touchSeen } from '../customers/index.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import { CHUNK_JOB, importStep, PREPARE_JOB, prepareImport, runImportChunk } from './import-jobs.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import { eventsMergeParticipant, eventsTimeline, ordersTimeline } from './participants.ts';
import { eventRoutes } from './routes.ts';

export { type ImportCliDeps, importCommand } from './cli.ts';
export { type ImportFile, importFile } from './import.ts';
export { EVENT_COLUMNS, ingest, type Normalized, normalizeMessage } from './ingest.ts';
export { getOrder, listCustomerOrders, type OrderInput, upsertOrder } from './orders.ts';

export function eventsModule(deps: { participants: CustomerParticipants }): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
  deps.participants.addMergeParticipant(eventsMergeParticipant);
  deps.participants.addTimelineSource(eventsTimeline);
  deps.participants.addTimelineSource(ordersTimeline);
  return {
    name: 'events',
    permissions: {
      'event.ingest': ['owner', 'admin', 'operator'],
      'order.write': ['owner', 'admin', 'operator'],
      'order.read': ['owner', 'admin', 'operator', 'guide', 'analyst'],
      'import.run': ['owner', 'admin', 'operator'],
    },
    routes: eventRoutes(deps.participants),
    subscribers: [
      {
        // Ingestion leaves first/last seen to this subscriber: a batch of tracked events widens each customer's
        // span once, and concurrent ingestion batches naming the same customers never queue on their rows.
        name: 'events.seen',
        events: ['event.tracked'],
        handle: (event, tx) => widenSeen([event], tx),
        handleMany: widenSeen,
      },
    ],
    jobs: {
      [PREPARE_JOB]: (job, tx) => {
        const { importId } = job.payload as { importId: string };
        const now = new Date();
        return importStep(job, tx, now, () => prepareImport(tx, importId, now));
      },
      [CHUNK_JOB]: (job, tx) => {
        const { importId, seq } = job.payload as { importId: string; seq: number };
        const now = new Date();
        return importStep(job, tx, now, () => runImportChunk(tx, deps.participants, importId, seq, now));
      },
    },
  };
}

function widenSeen(events: DomainEvent[], tx: Tx): Promise<void> {
  const seen: { customerId: string; at: Date }[] = [];
  for (const e of events) {
    const { customerId, occurredAt } = (e.payload ?? {}) as { customerId?: unknown; occurredAt?: unknown };
    if (typeof customerId === 'string' && typeof occurredAt === 'string') {
      seen.push({ customerId, at: new Date(occurredAt) });
    }
  }
  return touchSeen(tx, events[0]?.workspaceId ?? '', seen);
}
