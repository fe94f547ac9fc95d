// The full sync: WeCom's follow lists (batch_get_by_user, cursor-paged) reconciled with the relationships callbacks
// recorded, one job per guide, nightly and on demand. Callbacks get lost (WeCom gives up after three tries, a
// server was down, the callback URL was set up late): a sync records the relationships they missed and ends those
// WeCom no longer lists, so the gaps SCRM users complain of close by themselves.

import { WeComApiError, workspaceClient } from '../../connectors/wecom/index.ts';
import type { SyncRun } from '../../contracts/relationships.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { conflict } from '../../platform/errors.ts';
import { translate } from '../../platform/i18n/index.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import type { CustomerParticipants } from '../customers/index.ts';
import { workspaceLocale } from './calendar.ts';
import { recordChurn } from './churn.ts';
import type { SmtpConfig } from './mailer.ts';
import { recordEnd, recordStart } from './ownership.ts';
import { skipTasksOfEnded, startRelationshipTasks } from './sop-tasks.ts';

export const SYNC_GUIDE_JOB = 'relationships.sync-guide';
/** Contacts per batch_get_by_user page (WeCom's largest). */
const PAGE = 100;
/** A run still running after this long is taken as stuck: a new one may start. */
const STUCK_MS = 3_600_000;
const RECENT_MS = 2 * 86_400_000;

/**
 * Starts a sync of every linked guide (resigned ones too: their customers stay theirs until succession), as one job
 * each. One run at a time per workspace: a second request while one runs is a 409 (`relationship.sync_running`).
 */
export async function startSync(
  tx: Tx,
  workspaceId: string,
  trigger: 'manual' | 'schedule',
  now: Date,
): Promise<string> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`relationships:sync:${workspaceId}`]);
  const running = await tx.query<{ id: string }>(
    `SELECT id FROM relationship_sync_runs WHERE workspace_id = $1 AND status = 'running' AND started_at > $2`,
    [workspaceId, new Date(now.getTime() - STUCK_MS)],
  );
  if (running[0]) throw conflict('relationship.sync_running');
  const guides = await tx.query<{ wecom_userid: string }>(
    'SELECT wecom_userid FROM guides WHERE workspace_id = $1 ORDER BY wecom_userid',
    [workspaceId],
  );
  const [run] = await tx.query<{ id: string }>(
    `INSERT INTO relationship_sync_runs (workspace_id, trigger, status, started_at, guides, finished_at)
     VALUES ($1, $2, CASE WHEN $4 = 0 THEN 'succeeded' ELSE 'running' END, $3, $4, CASE WHEN $4 = 0 THEN $3::timestamptz END)
     RETURNING id`,
    [workspaceId, trigger, now, guides.length],
  );
  const runId = (run as { id: string }).id;
  for (const g of guides) {
    await enqueue(tx, {
      kind: SYNC_GUIDE_JOB,
      payload: { runId, wecomUserId: g.wecom_userid },
      dedupeKey: `${workspaceId}:${runId}:${g.wecom_userid}`,
    });
  }
  return runId;
}

export interface SyncDeps {
  participants: CustomerParticipants;
  now: () => Date;
  smtp: SmtpConfig | null;
}

/**
 * One guide of a run: every follow WeCom lists is recorded (new ones as relationships of origin `sync`, known ones
 * refreshed: remark, tags, state), then relationships WeCom no longer lists end (`ended`, churn of unknown
 * direction), unless they began after the run did. A WeCom error is kept in the run and ends nothing, since the
 * list is then incomplete.
 */
export async function syncGuide(
  tx: Tx,
  deps: SyncDeps,
  workspaceId: string,
  runId: string,
  wecomUserId: string,
): Promise<void> {
  const [run] = await tx.query<{ started_at: Date }>(
    'SELECT started_at FROM relationship_sync_runs WHERE workspace_id = $1 AND id = $2',
    [workspaceId, runId],
  );
  if (!run) return;
  const counts = { contacts: 0, created: 0, ended: 0, updated: 0 };
  let error: { wecomUserId: string; code: string; message: string } | null = null;
  const seen = new Set<string>();
  try {
    const client = await workspaceClient(tx, workspaceId);
    let cursor: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const readAt = deps.now();
      const answer = await client.batchGetExternalContacts({
        userIds: [wecomUserId],
        limit: PAGE,
        ...(cursor ? { cursor } : {}),
      });
      for (const item of answer.items) {
        counts.contacts++;
        seen.add(item.contact.externalUserId);
        const at = item.followInfo.createTime > 0 ? new Date(item.followInfo.createTime * 1000) : run.started_at;
        const outcome = await recordStart(tx, deps.participants, workspaceId, {
          wecomUserId,
          externalUserId: item.contact.externalUserId,
          contact: item.contact,
          follow: item.followInfo,
          at,
          origin: 'sync',
          readAt,
        });
        if (outcome?.started) {
          counts.created++;
          const addedAt = outcome.relationship.added_at;
          if (addedAt && deps.now().getTime() - addedAt.getTime() <= RECENT_MS) {
            await startRelationshipTasks(tx, workspaceId, outcome.relationship);
          }
        } else if (outcome) counts.updated++;
      }
      if (!answer.nextCursor) break;
      cursor = answer.nextCursor;
    }
  } catch (err) {
    if (!(err instanceof WeComApiError)) throw err;
    const locale = await workspaceLocale(tx, workspaceId);
    error = { wecomUserId, code: err.code, message: translate(locale, err.code, err.params) };
  }
  if (!error) {
    const gone = await tx.query<{ external_userid: string }>(
      `SELECT external_userid FROM customer_relationships
        WHERE workspace_id = $1 AND wecom_userid = $2 AND status = 'active' AND created_at < $3
          AND NOT (external_userid = ANY($4::text[]))`,
      [workspaceId, wecomUserId, run.started_at, [...seen]],
    );
    for (const g of gone) {
      const outcome = await recordEnd(tx, deps.participants, workspaceId, {
        wecomUserId,
        externalUserId: g.external_userid,
        at: deps.now(),
        status: 'ended',
      });
      if (!outcome?.ended) continue;
      counts.ended++;
      await skipTasksOfEnded(tx, workspaceId, outcome.relationship.customer_id, wecomUserId, deps.now());
      await recordChurn(tx, workspaceId, outcome.relationship, 'unknown', { now: deps.now(), smtp: deps.smtp });
    }
  }
  await tx.query(
    `UPDATE relationship_sync_runs SET
       guides_done = guides_done + 1, contacts = contacts + $3, created = created + $4, ended = ended + $5,
       updated = updated + $6, errors = errors || $7::jsonb,
       status = CASE WHEN guides_done + 1 < guides THEN status
                     WHEN jsonb_array_length(errors || $7::jsonb) > 0 THEN 'failed' ELSE 'succeeded' END,
       finished_at = CASE WHEN guides_done + 1 < guides THEN NULL ELSE $8::timestamptz END
     WHERE workspace_id = $1 AND id = $2`,
    [
      workspaceId,
      runId,
      counts.contacts,
      counts.created,
      counts.ended,
      counts.updated,
      JSON.stringify(error ? [error] : []),
      deps.now(),
    ],
  );
}

interface RunRow {
  id: string;
  trigger: 'manual' | 'schedule';
  status: SyncRun['status'];
  started_at: Date;
  finished_at: Date | null;
  guides: number;
  guides_done: number;
  contacts: number;
  created: number;
  ended: number;
  updated: number;
  errors: SyncRun['errors'];
}

export async function listSyncRuns(q: Queryable, workspaceId: string, limit: number): Promise<SyncRun[]> {
  const rows = await q.query<RunRow>(
    `SELECT id, trigger, status, started_at, finished_at, guides, guides_done, contacts, created, ended, updated, errors
       FROM relationship_sync_runs WHERE workspace_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2`,
    [workspaceId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    trigger: r.trigger,
    status: r.status,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    guides: r.guides,
    guidesDone: r.guides_done,
    contacts: r.contacts,
    created: r.created,
    ended: r.ended,
    updated: r.updated,
    errors: r.errors,
  }));
}
