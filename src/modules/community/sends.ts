// Group messages Siyu sends: auto-replies, moderation warnings and SOP runs. WeCom's open API reaches customer
// groups only through group message templates (add_msg_template, chat_type group) sent in the name of the groups'
// owner, who confirms them in the WeCom app before they go out (send results then say which groups got them). One
// row per cause (its dedupe key), sent by a job after the cause commits.

import { workspaceClient } from '../../connectors/wecom/index.ts';
import type { Send, SendKind, SendLink, SendListQuery } from '../../contracts/community.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { enqueue, type JobHandler } from '../../platform/jobs/index.ts';
import { type CommunityDeps, iso } from './shared.ts';

export const SEND_JOB = 'community.send';
export const RESULTS_JOB = 'community.send-results';
export const RESULTS_ALL_JOB = 'community.send-results-all';

/** Queues a group message; the same dedupe key again returns the first one's id without sending twice. */
export async function queueSend(
  tx: Tx,
  workspaceId: string,
  input: {
    kind: SendKind;
    sourceId: string;
    dedupeKey: string;
    sender: string;
    chatIds: string[];
    text: string;
    link: SendLink | null;
    at: Date;
  },
): Promise<string> {
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO community_sends (workspace_id, kind, source_id, dedupe_key, sender, chat_ids, text, link, results,
                                  created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (workspace_id, dedupe_key) DO NOTHING RETURNING id`,
    [
      workspaceId,
      input.kind,
      input.sourceId,
      input.dedupeKey,
      input.sender,
      input.chatIds,
      input.text,
      input.link === null ? null : JSON.stringify(input.link),
      JSON.stringify(input.chatIds.map((chatId) => ({ chatId, status: 0, sendTime: null }))),
      input.at,
    ],
  );
  const id = inserted[0]?.id;
  if (id) {
    await enqueue(tx, { kind: SEND_JOB, workspaceId, payload: { sendId: id }, dedupeKey: `${workspaceId}:${id}` });
    return id;
  }
  const existing = await tx.query<{ id: string }>(
    'SELECT id FROM community_sends WHERE workspace_id = $1 AND dedupe_key = $2',
    [workspaceId, input.dedupeKey],
  );
  return (existing[0] as { id: string }).id;
}

/**
 * Creates the group message template. A template cannot be created twice safely (WeCom has no idempotency key),
 * so any refusal or failure is recorded on the send, not retried: a timeout may have created it.
 */
export const sendJob =
  (deps: CommunityDeps): JobHandler =>
  async (job, tx) => {
    const workspaceId = job.workspaceId;
    const { sendId } = job.payload as { sendId: string };
    if (!workspaceId) throw new Error(`job ${job.id} has no workspace`);
    const rows = await tx.query<{ state: string; sender: string; chat_ids: string[]; text: string; link: SendLink }>(
      `SELECT state, sender, chat_ids, text, link FROM community_sends WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
      [workspaceId, sendId],
    );
    const send = rows[0];
    if (send?.state !== 'pending') return;
    try {
      const client = await workspaceClient(tx, workspaceId);
      const { msgId } = await client.addMessageTemplate({
        chatType: 'group',
        chatIds: send.chat_ids,
        sender: send.sender,
        text: send.text,
        ...(send.link
          ? {
              attachments: [
                {
                  kind: 'link' as const,
                  title: send.link.title,
                  url: send.link.url,
                  ...(send.link.description ? { description: send.link.description } : {}),
                },
              ],
            }
          : {}),
      });
      await tx.query(
        `UPDATE community_sends SET state = 'sent', msgid = $3, sent_at = $4, error = NULL
          WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, sendId, msgId, deps.now()],
      );
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      await tx.query(`UPDATE community_sends SET state = 'failed', error = $3 WHERE workspace_id = $1 AND id = $2`, [
        workspaceId,
        sendId,
        err.code,
      ]);
    }
  };

/** Reads WeCom's send results of a sent message: per group, whether the owner confirmed it. */
export async function refreshResults(tx: Tx, workspaceId: string, sendId: string, now: Date): Promise<Send> {
  const send = await getSend(tx, workspaceId, sendId);
  if (send.state !== 'sent' || !send.msgId) return send;
  const client = await workspaceClient(tx, workspaceId);
  const results = new Map(send.results.map((r) => [r.chatId, r]));
  let cursor: string | undefined;
  do {
    const page = await client.getGroupMessageSendResult({
      msgId: send.msgId,
      userId: send.sender,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    for (const r of page.items) {
      if (!r.chatId) continue;
      results.set(r.chatId, {
        chatId: r.chatId,
        status: r.status,
        sendTime: r.sendTime ? new Date(r.sendTime * 1000).toISOString() : null,
      });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  await tx.query('UPDATE community_sends SET results = $3, results_at = $4 WHERE workspace_id = $1 AND id = $2', [
    workspaceId,
    sendId,
    JSON.stringify([...results.values()]),
    now,
  ]);
  return getSend(tx, workspaceId, sendId);
}

/** Results of the last three days' messages still waiting for an owner, per workspace. */
export const resultsJob =
  (deps: CommunityDeps): JobHandler =>
  async (job, tx) => {
    const workspaceId = job.workspaceId;
    if (!workspaceId) throw new Error(`job ${job.id} has no workspace`);
    const now = deps.now();
    const waiting = await tx.query<{ id: string }>(
      `SELECT id FROM community_sends
        WHERE workspace_id = $1 AND state = 'sent' AND sent_at > $2 AND results @> '[{"status": 0}]'`,
      [workspaceId, new Date(now.getTime() - 3 * 86_400_000)],
    );
    for (const s of waiting) {
      try {
        await refreshResults(tx, workspaceId, s.id, now);
      } catch (err) {
        // One message WeCom will not answer for must not hold back the others; the next run tries it again.
        if (!(err instanceof AppError)) throw err;
      }
    }
  };

/** The hourly schedule's job: a results job for every workspace with messages waiting. */
export const resultsAllJob: JobHandler = async (job, tx) => {
  const rows = await tx.query<{ workspace_id: string }>(
    `SELECT DISTINCT workspace_id FROM community_sends
      WHERE state = 'sent' AND sent_at > now() - interval '3 days' AND results @> '[{"status": 0}]'`,
  );
  for (const r of rows) {
    await enqueue(tx, { kind: RESULTS_JOB, workspaceId: r.workspace_id, dedupeKey: `${r.workspace_id}@${job.id}` });
  }
};

interface SendRow {
  id: string;
  kind: SendKind;
  source_id: string;
  sender: string;
  chat_ids: string[];
  text: string;
  link: SendLink | null;
  state: Send['state'];
  msgid: string | null;
  error: string | null;
  results: Send['results'];
  results_at: Date | null;
  created_at: Date;
  sent_at: Date | null;
}

const SEND_COLUMNS = `id, kind, source_id, sender, chat_ids, text, link, state, msgid, error, results, results_at,
  created_at, sent_at`;

const sendOf = (r: SendRow): Send => ({
  id: r.id,
  kind: r.kind,
  sourceId: r.source_id,
  sender: r.sender,
  chatIds: r.chat_ids,
  text: r.text,
  link: r.link,
  state: r.state,
  msgId: r.msgid,
  error: r.error,
  results: r.results,
  resultsAt: iso(r.results_at),
  createdAt: r.created_at.toISOString(),
  sentAt: iso(r.sent_at),
});

export async function getSend(tx: Tx, workspaceId: string, id: string): Promise<Send> {
  const rows = await tx.query<SendRow>(
    `SELECT ${SEND_COLUMNS} FROM community_sends WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id],
  );
  if (!rows[0]) throw notFound('community.send_not_found');
  return sendOf(rows[0]);
}

export async function listSends(tx: Tx, workspaceId: string, query: SendListQuery) {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  const rows = await tx.query<SendRow>(
    `SELECT ${SEND_COLUMNS} FROM community_sends
      WHERE workspace_id = $1 AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR source_id = $3)
        AND ($4::timestamptz IS NULL OR (created_at, id) < ($4, $5::uuid))
      ORDER BY created_at DESC, id DESC LIMIT $6`,
    [
      workspaceId,
      query.kind ?? null,
      query.sourceId ?? null,
      cursor ? String(cursor[0]) : null,
      cursor ? String(cursor[1]) : null,
      limit + 1,
    ],
  );
  return pageOf(rows, limit, sendOf, (r) => [r.created_at.toISOString(), r.id]);
}
