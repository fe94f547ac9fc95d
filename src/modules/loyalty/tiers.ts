// Tiers and growth value: the ladder a workspace configures, each member's place on it, and what moves them.
import type { Tx } from '../../platform/db/index.ts';

export interface MemberTier {
  tierId: string;
  code: string;
  name: string;
  rank: number;
  /** Purchase points multiplier in percent (100 = 1×). */
  pointsMultiplierPct: number;
  growth: number;
  status: 'active' | 'frozen' | 'cancelled';
}

/** The member's current tier, or null when the customer has not joined. */
export async function memberTier(tx: Tx, workspaceId: string, customerId: string): Promise<MemberTier | null> {
  const rows = await tx.query<{
    tier_id: string;
    code: string;
    name: string;
    rank: number;
    points_multiplier_pct: number;
    growth: string;
    status: MemberTier['status'];
  }>(
    `SELECT m.tier_id, t.code, t.name, t.rank, t.points_multiplier_pct, m.growth, m.status
       FROM members m JOIN tiers t ON t.workspace_id = m.workspace_id AND t.id = m.tier_id
      WHERE m.workspace_id = $1 AND m.customer_id = $2`,
    [workspaceId, customerId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    tierId: r.tier_id,
    code: r.code,
    name: r.name,
    rank: r.rank,
    pointsMultiplierPct: r.points_multiplier_pct,
    growth: Number(r.growth),
    status: r.status,
  };
}
