// The events module's door: Segment-compatible ingestion, orders, imports, and their part in merges and the
// customer timeline.
import { addMessages } from '../../platform/i18n/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import { eventsMergeParticipant, eventsTimeline, ordersTimeline } from './participants.ts';
import { eventRoutes } from './routes.ts';

export { type ImportCliDeps, importCommand } from './cli.ts';
export { type ImportFile, importFile } from './import.ts';
export { ingest, type Normalized, normalizeMessage } from './ingest.ts';
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
  };
}
