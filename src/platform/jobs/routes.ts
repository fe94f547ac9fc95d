// The console's view of background work: jobs by state (dead letters first of all) and a retry button.
import { Type } from '@sinclair/typebox';
import { Job, JobListQuery, page } from '../../contracts/foundation.ts';
import type { RouteRegistrar } from '../http/routes.ts';
import { listJobs, retryJob } from './queue.ts';

export function jobRoutes(r: RouteRegistrar): void {
  r.route({
    method: 'GET',
    url: '/api/jobs',
    summary: '后台任务（含死信） / Background jobs, dead letters included',
    tags: ['jobs'],
    permission: 'jobs.manage',
    query: JobListQuery,
    response: page(Job),
    handler: (ctx, { query }) => listJobs(ctx.tx, { ...query, limit: query.limit ?? 50 }),
  });

  r.route({
    method: 'POST',
    url: '/api/jobs/:id/retry',
    summary: '重试死信任务 / Retry a dead-letter job',
    tags: ['jobs'],
    permission: 'jobs.manage',
    audit: { action: 'job.retry', targetType: 'job' },
    params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) }, { additionalProperties: false }),
    response: Job,
    handler: (ctx, { params }) => retryJob(ctx.tx, params.id),
  });
}
