// RFM: recency, frequency and monetary value scored 1–5 against the workspace's quintiles, and the eight classic
// RFM groups by whether each score is above the workspace's mean score.

export interface RfmValues {
  /** Days since the last paid order. */
  recencyDays: number;
  /** Paid orders in the last 365 days. */
  frequency: number;
  /** Net paid fen (paid − refunded) in the last 365 days. */
  monetaryFen: number;
}

export interface RfmScores {
  r: number;
  f: number;
  m: number;
}

/** Quintile cut points (20th, 40th, 60th, 80th percentiles) and mean scores of a workspace's buyers. */
export interface RfmCuts {
  recency: number[];
  frequency: number[];
  monetary: number[];
  means: RfmScores;
}

export const RFM_GROUPS = [
  'important_value',
  'important_development',
  'important_retention',
  'important_winback',
  'general_value',
  'general_development',
  'general_retention',
  'general_winback',
] as const;
export type RfmGroup = (typeof RFM_GROUPS)[number];

/** Linear-interpolated percentiles (as PostgreSQL's percentile_cont). */
export function quintileCuts(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  return [0.2, 0.4, 0.6, 0.8].map((q) => {
    const pos = q * (sorted.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return (sorted[lo] as number) + (pos - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
  });
}

/** 1–5 where more is better: one point plus one for every cut point the value exceeds. */
export function scoreHigherBetter(value: number, cuts: readonly number[]): number {
  return 1 + cuts.filter((c) => value > c).length;
}

/** 1–5 where less is better (recency): five points less one for every cut point the value exceeds. */
export function scoreLowerBetter(value: number, cuts: readonly number[]): number {
  return 5 - cuts.filter((c) => value > c).length;
}

export function scoreRfm(v: RfmValues, cuts: RfmCuts): RfmScores {
  return {
    r: scoreLowerBetter(v.recencyDays, cuts.recency),
    f: scoreHigherBetter(v.frequency, cuts.frequency),
    m: scoreHigherBetter(v.monetaryFen, cuts.monetary),
  };
}

/** Cut points from every buyer's values, and the mean scores those cut points give the same buyers. */
export function computeRfmCuts(values: readonly RfmValues[]): RfmCuts | null {
  if (values.length === 0) return null;
  const partial = {
    recency: quintileCuts(values.map((v) => v.recencyDays)),
    frequency: quintileCuts(values.map((v) => v.frequency)),
    monetary: quintileCuts(values.map((v) => v.monetaryFen)),
    means: { r: 0, f: 0, m: 0 },
  };
  const sum = { r: 0, f: 0, m: 0 };
  for (const v of values) {
    const s = scoreRfm(v, partial);
    sum.r += s.r;
    sum.f += s.f;
    sum.m += s.m;
  }
  const n = values.length;
  return { ...partial, means: { r: sum.r / n, f: sum.f / n, m: sum.m / n } };
}

/**
 * The classic mapping: a score is "high" when it is above the workspace mean of that score.
 * M decides important/general; R and F decide value (high, high), development (high R), retention (high F) and
 * win-back (neither).
 */
export function rfmGroup(s: RfmScores, means: RfmScores): RfmGroup {
  const r = s.r > means.r;
  const f = s.f > means.f;
  const tier = s.m > means.m ? 'important' : 'general';
  const kind = r && f ? 'value' : r ? 'development' : f ? 'retention' : 'winback';
  return `${tier}_${kind}` as RfmGroup;
}
