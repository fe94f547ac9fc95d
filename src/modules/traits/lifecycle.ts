// Lifecycle stage (引入期 / 成长期 / 稳定期 / 衰退期 / 流失期) from purchases and recency, by workspace thresholds.

export const LIFECYCLE_STAGES = ['introduction', 'growth', 'stable', 'decline', 'churned'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export interface LifecycleThresholds {
  /** A customer who has not bought yet counts as new (introduction) for this many days after first seen. */
  introductionDays: number;
  /** Paid orders from which a recent buyer is stable rather than growing. */
  stableOrders: number;
  /** A buyer whose last purchase is older than this is in decline. */
  declineAfterDays: number;
  /** A buyer whose last purchase is older than this has churned. */
  churnAfterDays: number;
  /** A customer who never bought and has not been seen for longer than this has churned. */
  leadChurnAfterDays: number;
}

export const DEFAULT_LIFECYCLE: LifecycleThresholds = {
  introductionDays: 30,
  stableOrders: 3,
  declineAfterDays: 90,
  churnAfterDays: 180,
  leadChurnAfterDays: 90,
};

export interface LifecycleInput {
  orderCount: number;
  /** Days since the last paid order; null when there is none. */
  daysSinceLastOrder: number | null;
  /** Days since first and last seen (any touch); null when unknown. */
  daysSinceFirstSeen: number | null;
  daysSinceLastSeen: number | null;
}

/**
 * Buyers are placed by recency first (churned, then decline), then by how many orders they have (stable, growth).
 * Non-buyers are new until they have not been seen for `leadChurnAfterDays`; a lead who keeps coming back without
 * buying stays in introduction.
 */
export function lifecycleStage(c: LifecycleInput, th: LifecycleThresholds): LifecycleStage {
  if (c.orderCount === 0 || c.daysSinceLastOrder === null) {
    const unseen = c.daysSinceLastSeen ?? c.daysSinceFirstSeen ?? 0;
    const age = c.daysSinceFirstSeen ?? 0;
    return age > th.introductionDays && unseen > th.leadChurnAfterDays ? 'churned' : 'introduction';
  }
  if (c.daysSinceLastOrder > th.churnAfterDays) return 'churned';
  if (c.daysSinceLastOrder > th.declineAfterDays) return 'decline';
  return c.orderCount >= th.stableOrders ? 'stable' : 'growth';
}

/** Stored thresholds over the defaults; a partial object from the settings row is filled in. */
export function lifecycleThresholds(stored: unknown): LifecycleThresholds {
  return { ...DEFAULT_LIFECYCLE, ...(stored && typeof stored === 'object' ? (stored as object) : {}) };
}
