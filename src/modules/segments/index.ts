// The segments module's door: what the composition root and other modules may use.
import type { Tx } from '../../platform/db/index.ts';
import { type DomainEvent, enqueue } from '../../platform/jobs/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import { AudienceEngine, customersOf, INDEXED_EVENTS } from './audience/engine.ts';
import { runExportChunk } from './export.ts';
import { registerSegmentMessages } from './messages.ts';
import { segmentRoutes } from './routes.ts';
import { ConditionRegistry } from './rules.ts';
import { applyMembershipChanges, refreshSegment } from './service.ts';

export { AudienceEngine } from './audience/engine.ts';
export { type Condition, ConditionRegistry, type ConditionType, type Rule } from './rules.ts';
export { compileRule } from './sql.ts';

export interface SegmentsModule extends SiyuModule {
  /** The workspace indexes of this process; later modules register their condition types on `engine.registry`. */
  engine: AudienceEngine;
}

export function segmentsModule(_deps: { participants: CustomerParticipants }): SegmentsModule {
  registerSegmentMessages();
  const engine = new AudienceEngine(new ConditionRegistry());
  const membership = (events: DomainEvent[], tx: Tx) => {
    const customers = new Set(events.flatMap((e) => customersOf(e.payload)));
    const asOf = new Date(Math.max(...events.map((e) => e.occurredAt.getTime())));
    return applyMembershipChanges(tx, engine, [...customers], new Date(), asOf);
  };
  return {
    name: 'segments',
    engine,
    permissions: {
      'segment.read': ['owner', 'admin', 'operator', 'analyst'],
      'segment.manage': ['owner', 'admin', 'operator'],
      'segment.export': ['owner', 'admin', 'analyst'],
    },
    routes: segmentRoutes(engine),
    subscribers: [
      {
        name: 'segments.membership',
        events: INDEXED_EVENTS,
        handle: (event, tx) => membership([event], tx),
        handleMany: membership,
      },
    ],
    jobs: {
      // Fans out to every workspace with dynamic segments: catches what no event announces (days sliding by).
      'segments.refresh': async (_job, tx) => {
        const rows = await tx.query<{ workspace_id: string }>(
          `SELECT DISTINCT workspace_id FROM segments WHERE kind = 'dynamic'`,
        );
        for (const r of rows)
          await enqueue(tx, { kind: 'segments.refresh-workspace', workspaceId: r.workspace_id, payload: {} });
      },
      'segments.refresh-workspace': async (_job, tx) => {
        const rows = await tx.query<{ id: string }>(`SELECT id FROM segments WHERE kind = 'dynamic'`);
        for (const r of rows) await refreshSegment(tx, engine, r.id, new Date(), { announce: true });
      },
      'segments.export': async (job, tx) => {
        await runExportChunk(tx, engine, (job.payload as { exportId: string }).exportId, new Date());
      },
    },
    schedules: [{ name: 'segments.refresh', cron: '*/5 * * * *', kind: 'segments.refresh' }],
  };
}
