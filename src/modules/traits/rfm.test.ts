import { expect, test } from 'vitest';
import { computeRfmCuts, quintileCuts, rfmGroup, scoreHigherBetter, scoreLowerBetter } from './rfm.ts';

test('quintile cut points interpolate like percentile_cont and score 1–5', () => {
  const cuts = quintileCuts([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(cuts.map((c) => Math.round(c * 10) / 10)).toEqual([2.8, 4.6, 6.4, 8.2]);
  expect([1, 3, 5, 7, 9, 10].map((v) => scoreHigherBetter(v, cuts))).toEqual([1, 2, 3, 4, 5, 5]);
  expect([1, 3, 5, 7, 9, 10].map((v) => scoreLowerBetter(v, cuts))).toEqual([5, 4, 3, 2, 1, 1]);
});

test('ties at a cut point share the lower score, so a workspace of one-time buyers is not spread out', () => {
  const cuts = quintileCuts([1, 1, 1, 1, 1, 1, 2, 2, 3, 5]);
  expect(scoreHigherBetter(1, cuts)).toBe(1);
  expect(scoreHigherBetter(5, cuts)).toBe(5);
});

test('the eight classic groups follow R, F and M above or below the workspace mean', () => {
  const means = { r: 3, f: 3, m: 3 };
  const hi = 4;
  const lo = 2;
  expect(rfmGroup({ r: hi, f: hi, m: hi }, means)).toBe('important_value');
  expect(rfmGroup({ r: hi, f: lo, m: hi }, means)).toBe('important_development');
  expect(rfmGroup({ r: lo, f: hi, m: hi }, means)).toBe('important_retention');
  expect(rfmGroup({ r: lo, f: lo, m: hi }, means)).toBe('important_winback');
  expect(rfmGroup({ r: hi, f: hi, m: lo }, means)).toBe('general_value');
  expect(rfmGroup({ r: hi, f: lo, m: lo }, means)).toBe('general_development');
  expect(rfmGroup({ r: lo, f: hi, m: lo }, means)).toBe('general_retention');
  expect(rfmGroup({ r: lo, f: lo, m: lo }, means)).toBe('general_winback');
  // A score equal to the mean is not above it.
  expect(rfmGroup({ r: 3, f: 3, m: 3 }, means)).toBe('general_winback');
});

test('the stored means are the mean scores the cut points give the workspace', () => {
  const values = Array.from({ length: 10 }, (_, i) => ({
    recencyDays: 10 * (i + 1),
    frequency: i + 1,
    monetaryFen: 1000 * (i + 1),
  }));
  expect(computeRfmCuts(values)?.means).toEqual({ r: 3, f: 3, m: 3 });
  expect(computeRfmCuts([])).toBeNull();
});
