import { expect, test } from 'vitest';
import { type ChurnInput, churnRisk } from './churn.ts';

const loyal: ChurnInput = {
  orderCount: 12,
  daysSinceLastOrder: 10,
  meanIntervalDays: 30,
  ordersLast90: 3,
  ordersPrior90: 3,
  paidFen365: 120_000,
  refundedFen365: 0,
  events30: 4,
  daysSinceLastEvent: 2,
};

test('a regular, active customer with no refunds has no risk', () => {
  expect(churnRisk(loyal)).toEqual({ risk: 0, factors: [] });
});

test('an overdue, slowing, refunding, silent customer scores each factor with its reason', () => {
  const { risk, factors } = churnRisk({
    ...loyal,
    daysSinceLastOrder: 75,
    ordersLast90: 1,
    ordersPrior90: 4,
    refundedFen365: 30_000,
    events30: 0,
    daysSinceLastEvent: 40,
  });
  expect(factors).toEqual([
    { factor: 'overdue', weight: 30, detail: { daysSinceLastOrder: 75, intervalDays: 30 } },
    { factor: 'declining_frequency', weight: 15, detail: { ordersLast90: 1, ordersPrior90: 4 } },
    { factor: 'no_activity', weight: 15, detail: { daysSinceLastEvent: 40 } },
    { factor: 'refunds', weight: 4, detail: { refundedFen: 30_000, paidFen: 120_000 } },
  ]);
  expect(risk).toBe(64);
});

test('overdue points are capped and the total never exceeds 100', () => {
  const { risk, factors } = churnRisk({
    ...loyal,
    daysSinceLastOrder: 900,
    ordersLast90: 0,
    refundedFen365: 120_000,
    events30: 0,
    daysSinceLastEvent: null,
  });
  expect(factors.find((f) => f.factor === 'overdue')?.weight).toBe(50);
  expect(risk).toBe(100);
});

test('a customer who never bought is scored on that and on silence', () => {
  const { risk, factors } = churnRisk({
    ...loyal,
    orderCount: 0,
    daysSinceLastOrder: null,
    meanIntervalDays: null,
    ordersLast90: 0,
    ordersPrior90: 0,
    paidFen365: 0,
    events30: 0,
    daysSinceLastEvent: null,
  });
  expect(factors.map((f) => f.factor)).toEqual(['never_purchased', 'no_activity']);
  expect(risk).toBe(35);
});
