// GET /api/audit: the workspace's audit log for owners and auditors, newest first, with filters.
import { AuditEntry, AuditQuery, page } from '../../contracts/foundation.ts';
import type { RouteRegistrar } from '../http/routes.ts';
import { listAudit } from './index.ts';

export function auditRoutes(r: RouteRegistrar): void {
  r.route({
    method: 'GET',
    url: '/api/audit',
    summary: '审计日志 / Audit log',
    description: 'Filter by actor, action (a full name like staff.create, or a prefix like staff), target and time.',
    tags: ['audit'],
    permission: 'audit.read',
    query: AuditQuery,
    response: page(AuditEntry),
    handler: (ctx, { query }) => listAudit(ctx.tx, ctx.workspaceId, query),
  });
}
