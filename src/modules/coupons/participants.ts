// How coupons take part in customer merges (the survivor gets the merged customer's coupons, redemptions and
// per-member counts, all given back on unmerge) and in the customer timeline (issued, redeemed, unredeemed).
import type { Tx } from '../../platform/db/index.ts';
import type { MergeParticipant, TimelineItem, TimelineSource } from '../customers/index.ts';

interface CouponsUndo {
  coupons: string[];
  redemptions: string[];
  /** The merged customer's issue counts per template, added to the survivor's. */
  counts: { templateId: string; issued: number }[];
}

export const couponsMergeParticipant: MergeParticipant = {
  name: 'coupons',
  async move(tx, workspaceId, fromId, toId): Promise<CouponsUndo> {
    const coupons = await tx.query<{ id: string }>(
      'UPDATE coupons SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING id',
      [workspaceId, fromId, toId],
    );
    const redemptions = await tx.query<{ id: string }>(
      'UPDATE coupon_redemptions SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING id',
      [workspaceId, fromId, toId],
    );
    // One person holds both customers' coupons now, so the per-member limit counts them together.
    const counts = await tx.query<{ template_id: string; issued: number }>(
      'DELETE FROM coupon_member_counts WHERE workspace_id = $1 AND customer_id = $2 RETURNING template_id, issued',
      [workspaceId, fromId],
    );
    await tx.query(
      `INSERT INTO coupon_member_counts AS m (workspace_id, template_id, customer_id, issued)
       SELECT $1, u.template_id, $2, u.issued FROM unnest($3::uuid[], $4::int[]) AS u(template_id, issued)
       ON CONFLICT (workspace_id, template_id, customer_id) DO UPDATE SET issued = m.issued + EXCLUDED.issued`,
      [workspaceId, toId, counts.map((c) => c.template_id), counts.map((c) => c.issued)],
    );
    return {
      coupons: coupons.map((c) => c.id),
      redemptions: redemptions.map((r) => r.id),
      counts: counts.map((c) => ({ templateId: c.template_id, issued: c.issued })),
    };
  },
  async restore(tx, workspaceId, fromId, toId, undo): Promise<void> {
    const u = (undo ?? { coupons: [], redemptions: [], counts: [] }) as CouponsUndo;
    await tx.query(
      'UPDATE coupons SET customer_id = $2 WHERE workspace_id = $1 AND customer_id = $3 AND id = ANY($4::uuid[])',
      [workspaceId, fromId, toId, u.coupons],
    );
    await tx.query(
      `UPDATE coupon_redemptions SET customer_id = $2
        WHERE workspace_id = $1 AND customer_id = $3 AND id = ANY($4::uuid[])`,
      [workspaceId, fromId, toId, u.redemptions],
    );
    const templates = u.counts.map((c) => c.templateId);
    const issued = u.counts.map((c) => c.issued);
    await tx.query(
      `UPDATE coupon_member_counts m SET issued = greatest(m.issued - u.issued, 0)
         FROM unnest($3::uuid[], $4::int[]) AS u(template_id, issued)
        WHERE m.workspace_id = $1 AND m.customer_id = $2 AND m.template_id = u.template_id`,
      [workspaceId, toId, templates, issued],
    );
    await tx.query(
      `INSERT INTO coupon_member_counts AS m (workspace_id, template_id, customer_id, issued)
       SELECT $1, u.template_id, $2, u.issued FROM unnest($3::uuid[], $4::int[]) AS u(template_id, issued)
       ON CONFLICT (workspace_id, template_id, customer_id) DO UPDATE SET issued = m.issued + EXCLUDED.issued`,
      [workspaceId, fromId, templates, issued],
    );
  },
};

export const couponsTimelineSource: TimelineSource = {
  source: 'coupons',
  async items(tx: Tx, workspaceId, customerId, before, limit): Promise<TimelineItem[]> {
    // Ordered exactly as the timeline's cursor compares: milliseconds, then the prefixed id as a byte string.
    const rows = await tx.query<{
      id: string;
      at: Date;
      kind: string;
      code: string;
      title: string;
      template_id: string;
      source: string | null;
      order_id: string | null;
      discount_fen: number | null;
      store: string | null;
      channel: string | null;
      reason: string | null;
    }>(
      `SELECT * FROM (
         SELECT 'coupons:i:' || c.id AS id, date_trunc('milliseconds', c.issued_at) AS at, 'coupon.issued' AS kind,
                c.code, t.title, c.template_id, c.source, NULL::text AS order_id, NULL::bigint AS discount_fen,
                NULL::text AS store, NULL::text AS channel, NULL::text AS reason
           FROM coupons c JOIN coupon_templates t ON t.workspace_id = c.workspace_id AND t.id = c.template_id
          WHERE c.workspace_id = $1 AND c.customer_id = $2
         UNION ALL
         SELECT 'coupons:r:' || r.id, date_trunc('milliseconds', r.redeemed_at), 'coupon.redeemed', c.code, t.title,
                r.template_id, NULL, r.order_id, r.discount_fen, r.store, r.channel, NULL
           FROM coupon_redemptions r
           JOIN coupons c ON c.workspace_id = r.workspace_id AND c.id = r.coupon_id
           JOIN coupon_templates t ON t.workspace_id = r.workspace_id AND t.id = r.template_id
          WHERE r.workspace_id = $1 AND r.customer_id = $2
         UNION ALL
         SELECT 'coupons:u:' || r.id, date_trunc('milliseconds', r.unredeemed_at), 'coupon.unredeemed', c.code,
                t.title, r.template_id, NULL, r.order_id, r.discount_fen, r.store, r.channel, r.unredeem_reason
           FROM coupon_redemptions r
           JOIN coupons c ON c.workspace_id = r.workspace_id AND c.id = r.coupon_id
           JOIN coupon_templates t ON t.workspace_id = r.workspace_id AND t.id = r.template_id
          WHERE r.workspace_id = $1 AND r.customer_id = $2 AND r.unredeemed_at IS NOT NULL
       ) x
       WHERE $3::timestamptz IS NULL OR (x.at, x.id COLLATE "C") < ($3::timestamptz, $4::text COLLATE "C")
       ORDER BY x.at DESC, x.id COLLATE "C" DESC
       LIMIT $5`,
      [workspaceId, customerId, before?.at ?? null, before?.id ?? '', limit],
    );
    return rows.map((r) => ({
      source: 'coupons',
      id: r.id,
      at: r.at,
      kind: r.kind,
      title: r.title,
      data: {
        code: r.code,
        templateId: r.template_id,
        ...(r.source ? { source: r.source } : {}),
        ...(r.order_id ? { orderId: r.order_id, discountFen: r.discount_fen, store: r.store, channel: r.channel } : {}),
        ...(r.reason ? { reason: r.reason } : {}),
      },
    }));
  },
};
