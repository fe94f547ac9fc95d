// Churn risk 0–100 as a transparent points model: each factor adds points for a reason a person can check, and
// the factors are stored with the score so the console can say why.

export interface ChurnInput {
  orderCount: number;
  /** Days since the last paid order; null when there is none. */
  daysSinceLastOrder: number | null;
  /** Mean days between this customer's paid orders; null with fewer than two. */
  meanIntervalDays: number | null;
  /** Paid orders in the last 90 days and in the 90 days before those. */
  ordersLast90: number;
  ordersPrior90: number;
  /** Fen paid and refunded on orders placed in the last 365 days. */
  paidFen365: number;
  refundedFen365: number;
  /** Behaviour events in the last 30 days, and days since the last one (null: none ever). */
  events30: number;
  daysSinceLastEvent: number | null;
}

export type ChurnFactorName = 'overdue' | 'never_purchased' | 'declining_frequency' | 'refunds' | 'no_activity';

export interface ChurnFactor {
  factor: ChurnFactorName;
  /** Points this factor adds to the risk. */
  weight: number;
  detail: Record<string, number>;
}

/** Gap assumed for a customer with one purchase, who has no interval of their own yet. */
export const FIRST_REPEAT_DAYS = 60;

const round1 = (v: number) => Math.round(v * 10) / 10;

/**
 * Points: overdue up to 50 (20 per interval beyond the customer's own usual gap), never purchased 20, declining
 * frequency up to 20 (share of the previous quarter's orders not repeated), refunds up to 15 (share of the year's
 * paid fen refunded), no behaviour in 30 days 15. The sum is capped at 100.
 */
export function churnRisk(c: ChurnInput): { risk: number; factors: ChurnFactor[] } {
  const factors: ChurnFactor[] = [];
  if (c.orderCount === 0 || c.daysSinceLastOrder === null) {
    factors.push({ factor: 'never_purchased', weight: 20, detail: {} });
  } else {
    const interval = Math.max(1, c.meanIntervalDays ?? FIRST_REPEAT_DAYS);
    const overdue = c.daysSinceLastOrder / interval;
    const weight = Math.min(50, Math.round((overdue - 1) * 20));
    if (weight > 0) {
      factors.push({
        factor: 'overdue',
        weight,
        detail: { daysSinceLastOrder: Math.round(c.daysSinceLastOrder), intervalDays: round1(interval) },
      });
    }
  }
  if (c.ordersPrior90 > 0 && c.ordersLast90 < c.ordersPrior90) {
    factors.push({
      factor: 'declining_frequency',
      weight: Math.round(20 * (1 - c.ordersLast90 / c.ordersPrior90)),
      detail: { ordersLast90: c.ordersLast90, ordersPrior90: c.ordersPrior90 },
    });
  }
  if (c.refundedFen365 > 0 && c.paidFen365 > 0) {
    const share = Math.min(1, c.refundedFen365 / c.paidFen365);
    factors.push({
      factor: 'refunds',
      weight: Math.max(1, Math.round(15 * share)),
      detail: { refundedFen: c.refundedFen365, paidFen: c.paidFen365 },
    });
  }
  if (c.events30 === 0) {
    factors.push({
      factor: 'no_activity',
      weight: 15,
      detail: c.daysSinceLastEvent === null ? {} : { daysSinceLastEvent: Math.round(c.daysSinceLastEvent) },
    });
  }
  factors.sort((a, b) => b.weight - a.weight);
  return {
    risk: Math.min(
      100,
      factors.reduce((s, f) => s + f.weight, 0),
    ),
    factors,
  };
}
