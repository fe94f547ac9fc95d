// Tagging a whole segment: the tag goes to (or leaves) every current member in one set-based statement, through
// the tags module, so history, events and the rule-tag guard are the same as for any bulk tagging.
import type { SegmentTaggingBody } from '../../contracts/segments.ts';
import type { BulkTagResult } from '../../contracts/tags.ts';
import { AppError } from '../../platform/errors.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { tagCustomers, untagCustomers } from '../tags/index.ts';
import type { AudienceEngine } from './audience/engine.ts';
import { memberSeqs, segmentRow } from './service.ts';

export async function tagSegmentMembers(
  ctx: RequestContext,
  engine: AudienceEngine,
  segmentId: string,
  body: SegmentTaggingBody,
): Promise<BulkTagResult> {
  // The route needs tag.apply; seeing who is in the segment needs segment.read as well.
  if (!ctx.can('segment.read')) throw new AppError(403, 'auth.forbidden', { permission: 'segment.read' });
  const segment = await segmentRow(ctx.tx, segmentId);
  const members = await memberSeqs(ctx, engine, segment, ctx.now());
  const rows = await ctx.tx.query<{ id: string }>(
    'SELECT id FROM customers WHERE seq = ANY($1::bigint[]) AND merged_into IS NULL',
    [members.toArray()],
  );
  const ids = rows.map((r) => r.id);
  const change = body.action === 'add' ? tagCustomers : untagCustomers;
  const source = ctx.actor.type === 'api_key' ? 'api' : 'bulk';
  const changed = await change(ctx.tx, ctx.workspaceId, body.tagId, ids, source, ctx.actor.id, ctx.now());
  ctx.audit.targetId = segmentId;
  ctx.audit.details = { tagId: body.tagId, action: body.action, matched: ids.length, changed: changed.length };
  return { matched: ids.length, changed: changed.length, unmatched: [], unmatchedCount: 0 };
}
