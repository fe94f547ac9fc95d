import { expect, test } from 'vitest';
import { DEFAULT_LIFECYCLE, lifecycleStage, lifecycleThresholds } from './lifecycle.ts';

const buyer = (orderCount: number, daysSinceLastOrder: number) => ({
  orderCount,
  daysSinceLastOrder,
  daysSinceFirstSeen: 400,
  daysSinceLastSeen: daysSinceLastOrder,
});
const lead = (daysSinceFirstSeen: number, daysSinceLastSeen: number) => ({
  orderCount: 0,
  daysSinceLastOrder: null,
  daysSinceFirstSeen,
  daysSinceLastSeen,
});

test('the default thresholds place buyers by recency first, then by number of orders', () => {
  const th = DEFAULT_LIFECYCLE;
  expect(lifecycleStage(buyer(1, 10), th)).toBe('growth');
  expect(lifecycleStage(buyer(2, 90), th)).toBe('growth');
  expect(lifecycleStage(buyer(3, 5), th)).toBe('stable');
  expect(lifecycleStage(buyer(12, 91), th)).toBe('decline');
  expect(lifecycleStage(buyer(1, 180), th)).toBe('decline');
  expect(lifecycleStage(buyer(30, 181), th)).toBe('churned');
});

test('customers who never bought are new until unseen for longer than the lead threshold', () => {
  const th = DEFAULT_LIFECYCLE;
  expect(lifecycleStage(lead(3, 3), th)).toBe('introduction');
  expect(lifecycleStage(lead(200, 10), th)).toBe('introduction');
  expect(lifecycleStage(lead(200, 91), th)).toBe('churned');
});

test('workspace thresholds override the defaults field by field', () => {
  const th = lifecycleThresholds({ declineAfterDays: 30, stableOrders: 5 });
  expect(th.churnAfterDays).toBe(DEFAULT_LIFECYCLE.churnAfterDays);
  expect(lifecycleStage(buyer(4, 10), th)).toBe('growth');
  expect(lifecycleStage(buyer(5, 10), th)).toBe('stable');
  expect(lifecycleStage(buyer(5, 31), th)).toBe('decline');
});
