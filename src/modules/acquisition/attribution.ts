// Attribution (归因): every relationship the relationships module starts from an add (or finds by its sync) whose
// state is one of our contact ways becomes an acquisition of that code, channel, link and guide. The customer gets
// the code's tags and, when they have none yet, the channel as source; the code's rotation moves on and its caps
// count the add. A relationship that ends by a deletion marks its acquisition lost.
import type { Acquisition, AcquisitionListQuery } from '../../contracts/acquisition.ts';
import type { RelationshipEnded, RelationshipStarted } from '../../contracts/relationships.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { translate } from '../../platform/i18n/index.ts';
import {
  type CustomerParticipants,
  findIdentities,
  getCustomerRow,
  type MergeParticipant,
  maskName,
  normalizeIdentity,
  resolveCustomer,
  scopeSql,
  survivorsOf,
  type TimelineItem,
  type TimelineSource,
} from '../customers/index.ts';
import { guideByStaffId, guideByWecomUserId } from '../relationships/index.ts';
import { tagCustomers } from '../tags/index.ts';
import { recompute } from './codes.ts';
import { ownStaffId, workspaceInfo } from './shared.ts';

/** relationships' source for customers it creates from WeCom: replaced by the channel when the add made them. */
const GENERIC_WECOM_SOURCE = 'wecom';

interface WayHit {
  way_id: string;
  link_id: string | null;
  code_id: string;
  channel_id: string;
  channel_key: string;
  tag_ids: string[];
  paused: boolean;
  live: boolean;
}

export async function attributeStart(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  p: RelationshipStarted,
): Promise<void> {
  // A transfer hands over a customer some other way brought; only adds (and adds a sync found) are acquisitions.
  if (p.origin === 'transfer' || !p.state) return;
  const [hit] = await tx.query<WayHit>(
    `SELECT w.id AS way_id, w.link_id, c.id AS code_id, c.channel_id, ch.key AS channel_key, c.tag_ids,
            c.paused_at IS NOT NULL AS paused, (c.deleted_at IS NULL AND c.expired_at IS NULL) AS live
       FROM acquisition_ways w
       JOIN acquisition_codes c ON c.workspace_id = w.workspace_id AND c.id = w.code_id
       JOIN acquisition_channels ch ON ch.workspace_id = c.workspace_id AND ch.id = c.channel_id
      WHERE w.workspace_id = $1 AND w.state = $2
        FOR NO KEY UPDATE OF c`,
    [workspaceId, p.state],
  );
  // The code's row is locked first, so the adds of one code are attributed one after another: each counts the
  // adds before it for caps and rotation, and none takes a lock another holds while waiting for one of its own.
  if (!hit) return;
  const addedAt = new Date(p.addedAt);
  // The customer may have been merged into another since the event was written.
  const customerId = (await survivorsOf(tx, workspaceId, [p.customerId])).get(p.customerId) ?? p.customerId;
  const early = await tx.query<{ status: string; ended_at: Date }>(
    'DELETE FROM acquisition_early_ends WHERE workspace_id = $1 AND relationship_id = $2 RETURNING status, ended_at',
    [workspaceId, p.relationshipId],
  );
  const lost = early[0] && early[0].status !== 'transferred' ? early[0] : null;
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO acquisitions (workspace_id, relationship_id, code_id, way_id, link_id, channel_id, customer_id,
                               staff_id, wecom_userid, external_userid, added_at, lost_at, lost_status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (workspace_id, relationship_id) DO NOTHING RETURNING id`,
    [
      workspaceId,
      p.relationshipId,
      hit.code_id,
      hit.way_id,
      hit.link_id,
      hit.channel_id,
      customerId,
      p.guideStaffId,
      p.wecomUserId,
      p.externalUserId,
      addedAt,
      lost?.ended_at ?? null,
      lost?.status ?? null,
    ],
  );
  if (inserted.length === 0) return;

  // A paused code keeps its QR code working but does not tag (see the README).
  if (!hit.paused) {
    for (const tagId of hit.tag_ids) {
      try {
        await tagCustomers(tx, workspaceId, tagId, [customerId], 'wecom', null, addedAt);
      } catch (err) {
        // A tag deleted (or turned into a rule tag) since the code was saved is passed over.
        if (!(err instanceof AppError && (err.code === 'tag.not_found' || err.code === 'tag.rule_managed'))) throw err;
      }
    }
  }
  await setSourceChannel(tx, participants, workspaceId, customerId, p.externalUserId, hit.channel_key, addedAt);
  if (hit.live) await recompute(tx, workspaceId, hit.code_id, addedAt, true);
}

/**
 * The customer's source channel becomes the code's channel when they have none, or only the generic `wecom` the
 * relationships module gives customers it creates from this very add (first seen at the add).
 */
async function setSourceChannel(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  customerId: string,
  externalUserId: string,
  channelKey: string,
  addedAt: Date,
): Promise<void> {
  let customer: Awaited<ReturnType<typeof getCustomerRow>>;
  try {
    customer = await getCustomerRow(tx, workspaceId, customerId);
  } catch (err) {
    if (err instanceof AppError && err.code === 'customer.not_found') return;
    throw err;
  }
  const createdByThisAdd =
    customer.source_channel === GENERIC_WECOM_SOURCE &&
    customer.first_seen_at !== null &&
    customer.first_seen_at.getTime() >= addedAt.getTime() - 60_000;
  if (customer.source_channel !== null && !createdByThisAdd) return;
  const identity = normalizeIdentity({ kind: 'wecom_external_userid', value: externalUserId });
  // Resolution (the customers module's own way to patch a profile; it announces customer.updated) by an identity
  // that must already be this customer's, so it can never create or merge anyone.
  const [known] = await findIdentities(tx, workspaceId, [identity]);
  if (known?.customerId !== customer.id) return;
  await resolveCustomer(tx, participants, workspaceId, [identity], {
    profile: { sourceChannel: channelKey },
    seenAt: addedAt,
    reason: 'wecom',
  });
}

export async function attributeEnd(tx: Tx, workspaceId: string, p: RelationshipEnded): Promise<void> {
  const at = new Date(p.endedAt);
  // A transfer moves the customer to another guide: not a loss for the code that brought them.
  if (p.status === 'transferred') return;
  const updated = await tx.query(
    `UPDATE acquisitions SET lost_at = $3, lost_status = $4
      WHERE workspace_id = $1 AND relationship_id = $2 AND lost_at IS NULL RETURNING id`,
    [workspaceId, p.relationshipId, at, p.status],
  );
  if (updated.length > 0) return;
  await tx.query(
    `INSERT INTO acquisition_early_ends (workspace_id, relationship_id, status, ended_at)
     SELECT $1, $2, $3, $4
      WHERE NOT EXISTS (SELECT 1 FROM acquisitions WHERE workspace_id = $1 AND relationship_id = $2)
        AND EXISTS (SELECT 1 FROM acquisition_ways WHERE workspace_id = $1)
     ON CONFLICT DO NOTHING`,
    [workspaceId, p.relationshipId, p.status, at],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Customer merges and the timeline.

export const acquisitionMergeParticipant: MergeParticipant = {
  name: 'acquisition',
  async move(tx, workspaceId, fromId, toId): Promise<string[]> {
    const rows = await tx.query<{ id: string }>(
      'UPDATE acquisitions SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING id',
      [workspaceId, fromId, toId],
    );
    return rows.map((r) => r.id);
  },
  async restore(tx, workspaceId, fromId, toId, undo): Promise<void> {
    await tx.query(
      'UPDATE acquisitions SET customer_id = $2 WHERE workspace_id = $1 AND customer_id = $3 AND id = ANY($4::uuid[])',
      [workspaceId, fromId, toId, (undo ?? []) as string[]],
    );
  },
};

/** 通过渠道活码「X」添加了导购 Y, in the workspace's language. */
export const acquisitionTimelineSource: TimelineSource = {
  source: 'acquisition',
  async items(tx, workspaceId, customerId, before, limit): Promise<TimelineItem[]> {
    // Ordered exactly as the timeline's cursor compares: milliseconds, then the prefixed id as a byte string.
    const rows = await tx.query<{
      id: string;
      at: Date;
      code_id: string;
      code_name: string;
      channel_key: string;
      channel_name: string;
      link_id: string | null;
      link_name: string | null;
      staff_id: string | null;
      wecom_userid: string;
      lost_at: Date | null;
    }>(
      `SELECT * FROM (
         SELECT 'acquisition:' || a.id AS id, date_trunc('milliseconds', a.added_at) AS at, a.code_id,
                c.name AS code_name, ch.key AS channel_key, ch.name AS channel_name, a.link_id, l.name AS link_name,
                a.staff_id, a.wecom_userid, a.lost_at
           FROM acquisitions a
           JOIN acquisition_codes c ON c.workspace_id = a.workspace_id AND c.id = a.code_id
           JOIN acquisition_channels ch ON ch.workspace_id = a.workspace_id AND ch.id = a.channel_id
           LEFT JOIN acquisition_links l ON l.workspace_id = a.workspace_id AND l.id = a.link_id
          WHERE a.workspace_id = $1 AND a.customer_id = $2
       ) AS items
       WHERE $3::timestamptz IS NULL OR (at, id COLLATE "C") < ($3::timestamptz, $4::text COLLATE "C")
       ORDER BY at DESC, id COLLATE "C" DESC
       LIMIT $5`,
      [workspaceId, customerId, before?.at ?? null, before?.id ?? '', limit],
    );
    if (rows.length === 0) return [];
    const { locale } = await workspaceInfo(tx, workspaceId);
    const items: TimelineItem[] = [];
    for (const r of rows) {
      const guide = r.staff_id
        ? await guideByStaffId(tx, workspaceId, r.staff_id)
        : await guideByWecomUserId(tx, workspaceId, r.wecom_userid);
      const guideName = guide?.name ?? r.wecom_userid;
      items.push({
        source: 'acquisition',
        id: r.id,
        at: r.at,
        kind: 'acquisition.added',
        title: translate(locale, r.link_id ? 'acquisition.timeline.added_by_link' : 'acquisition.timeline.added', {
          code: r.code_name,
          guide: guideName,
          link: r.link_name ?? '',
        }),
        data: {
          codeId: r.code_id,
          codeName: r.code_name,
          channel: r.channel_key,
          channelName: r.channel_name,
          linkId: r.link_id,
          linkName: r.link_name,
          guideName,
          wecomUserId: r.wecom_userid,
          lostAt: r.lost_at?.toISOString() ?? null,
        },
      });
    }
    return items;
  },
};

// ---------------------------------------------------------------------------------------------------------------
// The list of adds.

interface AddRow {
  id: string;
  code_id: string;
  code_name: string;
  channel_id: string;
  channel_key: string;
  channel_name: string;
  link_id: string | null;
  customer_id: string;
  customer_name: string | null;
  staff_id: string | null;
  wecom_userid: string;
  added_at: Date;
  lost_at: Date | null;
  lost_status: Acquisition['lostStatus'];
  cursor_at: string;
}

export async function listAcquisitions(ctx: RequestContext, query: AcquisitionListQuery) {
  const limit = query.limit ?? 50;
  const params: unknown[] = [ctx.workspaceId];
  const where = ['a.workspace_id = $1'];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (query.codeId) add((p) => `a.code_id = ${p}`, query.codeId);
  if (query.channelId) add((p) => `a.channel_id = ${p}`, query.channelId);
  if (query.linkId) add((p) => `a.link_id = ${p}`, query.linkId);
  if (query.staffId) add((p) => `a.staff_id = ${p}`, query.staffId);
  const own = ownStaffId(ctx);
  if (own) {
    add((p) => `a.staff_id = ${p}`, own);
    // A customer who deleted the guide is no longer theirs to see (churn shows to guides only as counts).
    where.push(scopeSql(ctx, 'a.customer_id', params));
  }
  if (query.lost !== undefined) where.push(query.lost ? 'a.lost_at IS NOT NULL' : 'a.lost_at IS NULL');
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    params.push(String(cursor[0]), String(cursor[1]));
    where.push(`(a.added_at, a.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await ctx.tx.query<AddRow>(
    `SELECT a.id, a.code_id, c.name AS code_name, a.channel_id, ch.key AS channel_key, ch.name AS channel_name,
            a.link_id, a.customer_id, cu.name AS customer_name, a.staff_id, a.wecom_userid, a.added_at, a.lost_at,
            a.lost_status, a.added_at::text AS cursor_at
       FROM acquisitions a
       JOIN acquisition_codes c ON c.workspace_id = a.workspace_id AND c.id = a.code_id
       JOIN acquisition_channels ch ON ch.workspace_id = a.workspace_id AND ch.id = a.channel_id
       LEFT JOIN customers cu ON cu.workspace_id = a.workspace_id AND cu.id = a.customer_id
      WHERE ${where.join(' AND ')}
      ORDER BY a.added_at DESC, a.id DESC LIMIT $${params.length}`,
    params,
  );
  const pii = ctx.can('customer.pii');
  const guides = new Map<string, string | null>();
  for (const r of rows) {
    const key = r.staff_id ?? `wecom:${r.wecom_userid}`;
    if (guides.has(key)) continue;
    const ref = r.staff_id
      ? await guideByStaffId(ctx.tx, ctx.workspaceId, r.staff_id)
      : await guideByWecomUserId(ctx.tx, ctx.workspaceId, r.wecom_userid);
    guides.set(key, ref?.name ?? null);
  }
  return pageOf(
    rows,
    limit,
    (r): Acquisition => ({
      id: r.id,
      codeId: r.code_id,
      codeName: r.code_name,
      channel: { id: r.channel_id, key: r.channel_key, name: r.channel_name },
      linkId: r.link_id,
      customerId: r.customer_id,
      customerName: r.customer_name && !pii ? maskName(r.customer_name) : r.customer_name,
      guideStaffId: r.staff_id,
      guideName: guides.get(r.staff_id ?? `wecom:${r.wecom_userid}`) ?? null,
      wecomUserId: r.wecom_userid,
      addedAt: r.added_at.toISOString(),
      lostAt: r.lost_at?.toISOString() ?? null,
      lostStatus: r.lost_status,
    }),
    (r) => [r.cursor_at, r.id],
  );
}
