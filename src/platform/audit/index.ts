// The audit log: who did what to which thing, when, from where, in which request. Written in the same
// transaction as the change it records, so a change without its entry (or the reverse) cannot exist.
import type { AuditEntry, AuditQuery, Page } from '../../contracts/foundation.ts';
import type { Queryable } from '../db/index.ts';
import { decodeCursor, pageOf } from '../http/pagination.ts';

export interface NewAuditEntry {
  workspaceId: string;
  actorType: 'staff' | 'api_key' | 'system' | 'anonymous';
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  requestId: string | null;
  details?: Record<string, unknown>;
  at?: Date;
}

export async function recordAudit(q: Queryable, e: NewAuditEntry): Promise<void> {
  await q.query(
    `INSERT INTO audit_log (workspace_id, at, actor_type, actor_id, actor_name, action, target_type, target_id, ip,
                            request_id, details)
     VALUES ($1, coalesce($2, now()), $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      e.workspaceId,
      e.at ?? null,
      e.actorType,
      e.actorId,
      e.actorName,
      e.action,
      e.targetType,
      e.targetId,
      e.ip,
      e.requestId,
      JSON.stringify(e.details ?? {}),
    ],
  );
}

/** Many entries in one statement, for a transaction that commits many requests' effects (a group commit). */
export async function recordAudits(q: Queryable, entries: readonly NewAuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const column = <T>(pick: (e: NewAuditEntry) => T) => entries.map(pick);
  await q.query(
    `INSERT INTO audit_log (workspace_id, at, actor_type, actor_id, actor_name, action, target_type, target_id, ip,
                            request_id, details)
     SELECT e.workspace_id, coalesce(e.at, now()), e.actor_type, e.actor_id, e.actor_name, e.action, e.target_type,
            e.target_id, e.ip, e.request_id, e.details
       FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::text[], $9::text[], $10::text[], $11::jsonb[])
            AS e(workspace_id, at, actor_type, actor_id, actor_name, action, target_type, target_id, ip, request_id,
                 details)`,
    [
      column((e) => e.workspaceId),
      column((e) => e.at ?? null),
      column((e) => e.actorType),
      column((e) => e.actorId),
      column((e) => e.actorName),
      column((e) => e.action),
      column((e) => e.targetType),
      column((e) => e.targetId),
      column((e) => e.ip),
      column((e) => e.requestId),
      column((e) => JSON.stringify(e.details ?? {})),
    ],
  );
}

interface AuditRow {
  id: number;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  request_id: string | null;
  details: unknown;
}

/** Newest first. Runs in a tenant transaction: the workspace filter is the row-level-security policy's. */
export async function listAudit(q: Queryable, workspaceId: string, query: AuditQuery): Promise<Page<AuditEntry>> {
  const limit = query.limit ?? 50;
  const where = ['workspace_id = $1'];
  const params: unknown[] = [workspaceId];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace('?', `$${params.length}`));
  };
  if (query.actorId) add('actor_id = ?', query.actorId);
  if (query.action) {
    // "staff" matches every staff.* action; "staff.create" matches exactly.
    if (query.action.includes('.')) add('action = ?', query.action);
    else add("action LIKE ? || '.%'", query.action);
  }
  if (query.targetType) add('target_type = ?', query.targetType);
  if (query.targetId) add('target_id = ?', query.targetId);
  if (query.from) add('at >= ?', new Date(query.from));
  if (query.to) add('at < ?', new Date(query.to));
  const cursor = decodeCursor(query.cursor);
  if (cursor) add('id < ?', Number(cursor[0]));
  params.push(limit + 1);
  const rows = await q.query<AuditRow>(
    `SELECT id, at, actor_type, actor_id, actor_name, action, target_type, target_id, ip, request_id, details
       FROM audit_log WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  return pageOf(
    rows,
    limit,
    (r) => ({
      id: String(r.id),
      at: r.at.toISOString(),
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorName: r.actor_name,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      ip: r.ip,
      requestId: r.request_id,
      details: r.details,
    }),
    (r) => [r.id],
  );
}
