// Expiry: a scheduled job marks coupons past their end as expired (`coupon.expired`) and announces coupons nearing
// their end once each (`coupon.expiring`, the template's reminder days before). Validation never waits for this
// job: a coupon past its end is refused whatever its stored status says.
import type { Tx } from '../../platform/db/index.ts';
import { emitMany, enqueue } from '../../platform/jobs/index.ts';

export const EXPIRE_ALL_JOB = 'coupons.expire';
export const EXPIRE_WORKSPACE_JOB = 'coupons.expire-workspace';

/** Coupons one run handles per step; a workspace with more gets another job straight after. */
const BATCH = 5000;

/** The schedule's job: one job per workspace that has an available coupon ending within the reminder horizon. */
export async function fanOutExpiry(tx: Tx, slot: string, now: Date): Promise<void> {
  const rows = await tx.query<{ workspace_id: string }>(
    `SELECT DISTINCT workspace_id FROM coupons WHERE status = 'available' AND valid_until <= $1::timestamptz + interval '30 days'`,
    [now],
  );
  for (const r of rows) {
    await enqueue(tx, {
      kind: EXPIRE_WORKSPACE_JOB,
      workspaceId: r.workspace_id,
      payload: {},
      dedupeKey: `${r.workspace_id}@${slot}`,
    });
  }
}

/**
 * Marks up to BATCH coupons past their end as expired and announces up to BATCH coupons entering their reminder
 * window, in the caller's (the workspace's) transaction. Returns whether more are left for another run.
 */
export async function expireCoupons(
  tx: Tx,
  workspaceId: string,
  now: Date,
): Promise<{ expired: number; reminded: number; more: boolean }> {
  const expired = await tx.query<{ id: string; code: string; customer_id: string; template_id: string }>(
    `UPDATE coupons c SET status = 'expired', status_at = $2
      WHERE c.workspace_id = $1 AND (c.workspace_id, c.id) IN (
        SELECT workspace_id, id FROM coupons WHERE workspace_id = $1 AND status = 'available' AND valid_until <= $2
         ORDER BY valid_until LIMIT $3 FOR UPDATE SKIP LOCKED)
      RETURNING c.id, c.code, c.customer_id, c.template_id`,
    [workspaceId, now, BATCH],
  );
  await emitMany(
    tx,
    'coupon.expired',
    expired.map((c) => ({ couponId: c.id, code: c.code, customerId: c.customer_id, templateId: c.template_id })),
  );
  // Only coupons already usable: a coupon that starts later is not "expiring" before a member could use it.
  const reminded = await tx.query<{
    id: string;
    code: string;
    customer_id: string;
    template_id: string;
    valid_until: Date;
  }>(
    `UPDATE coupons c SET reminded_at = $2
      WHERE c.workspace_id = $1 AND (c.workspace_id, c.id) IN (
        SELECT c2.workspace_id, c2.id FROM coupons c2
          JOIN coupon_templates t ON t.workspace_id = c2.workspace_id AND t.id = c2.template_id
         WHERE c2.workspace_id = $1 AND c2.status = 'available' AND c2.reminded_at IS NULL
           AND t.expiry_reminder_days > 0 AND c2.valid_from <= $2 AND c2.valid_until > $2
           AND c2.valid_until <= $2::timestamptz + make_interval(days => t.expiry_reminder_days)
         ORDER BY c2.valid_until LIMIT $3 FOR UPDATE OF c2 SKIP LOCKED)
      RETURNING c.id, c.code, c.customer_id, c.template_id, c.valid_until`,
    [workspaceId, now, BATCH],
  );
  await emitMany(
    tx,
    'coupon.expiring',
    reminded.map((c) => ({
      couponId: c.id,
      code: c.code,
      customerId: c.customer_id,
      templateId: c.template_id,
      validUntil: c.valid_until.toISOString(),
    })),
  );
  return {
    expired: expired.length,
    reminded: reminded.length,
    more: expired.length === BATCH || reminded.length === BATCH,
  };
}
