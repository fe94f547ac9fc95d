// The predictive half of CLV: BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way") for the
// number of purchases a customer will make, and Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV") for what
// each will be worth, both fitted per workspace by maximum likelihood. Pure numerics; see README.md for the
// assumptions and for how the rest of the module uses them.

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; about 15 significant digits). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < 9; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The Gaussian hypergeometric function ₂F₁(a, b; c; z) by its power series, for |z| < 1. */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (Math.abs(z) >= 1) throw new RangeError(`hyp2f1 series needs |z| < 1, got ${z}`);
  let term = 1;
  let sum = 1;
  for (let j = 0; j < 100_000; j++) {
    term *= (((a + j) * (b + j)) / ((c + j) * (j + 1))) * z;
    sum += term;
    if (Math.abs(term) < 1e-14 * Math.abs(sum)) return sum;
  }
  return sum;
}

/** Minimises `f` by Nelder–Mead from `start`; returns the best point and its value. */
export function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  options: { step?: number; maxIterations?: number; tolerance?: number } = {},
): { x: number[]; value: number; iterations: number } {
  const n = start.length;
  const step = options.step ?? 0.5;
  const maxIterations = options.maxIterations ?? 2000;
  const tolerance = options.tolerance ?? 1e-9;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))].map((x) => ({
    x,
    v: f(x),
  }));
  let iterations = 0;
  const combine = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * ((b[i] as number) - ai));
  for (; iterations < maxIterations; iterations++) {
    simplex.sort((p, q) => p.v - q.v);
    const best = simplex[0] as { x: number[]; v: number };
    const worst = simplex[n] as { x: number[]; v: number };
    if (Math.abs(worst.v - best.v) <= tolerance * (Math.abs(best.v) + tolerance)) break;
    const centroid = start.map((_, i) => simplex.slice(0, n).reduce((s, p) => s + (p.x[i] as number), 0) / n);
    const reflected = combine(centroid, worst.x, -1);
    const rv = f(reflected);
    const secondWorst = (simplex[n - 1] as { v: number }).v;
    if (rv < best.v) {
      const expanded = combine(centroid, worst.x, -2);
      const ev = f(expanded);
      simplex[n] = ev < rv ? { x: expanded, v: ev } : { x: reflected, v: rv };
    } else if (rv < secondWorst) {
      simplex[n] = { x: reflected, v: rv };
    } else {
      const contracted = rv < worst.v ? combine(centroid, reflected, 0.5) : combine(centroid, worst.x, 0.5);
      const cv = f(contracted);
      if (cv < Math.min(rv, worst.v)) {
        simplex[n] = { x: contracted, v: cv };
      } else {
        simplex = simplex.map((p, i) => {
          if (i === 0) return p;
          const x = combine(best.x, p.x, 0.5);
          return { x, v: f(x) };
        });
      }
    }
  }
  simplex.sort((p, q) => p.v - q.v);
  const best = simplex[0] as { x: number[]; v: number };
  return { x: best.x, value: best.v, iterations };
}

/** One customer's purchase history in BG/NBD terms, in weeks: repeat purchases x, last at t_x, observed for T. */
export interface Rfm {
  x: number;
  tx: number;
  T: number;
}

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

const logAddExp = (p: number, q: number) => (p > q ? p + Math.log1p(Math.exp(q - p)) : q + Math.log1p(Math.exp(p - q)));

/** ln L of one customer (FHL 2005, equation 6). */
export function bgnbdLogLikelihoodOne({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: Rfm): number {
  const lnA1 = lgamma(r + x) - lgamma(r) + r * Math.log(alpha);
  const lnA2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
  const lnA3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return lnA1 + lnA2 + lnA3;
  const lnA4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return lnA1 + lnA2 + logAddExp(lnA3, lnA4);
}

export function bgnbdLogLikelihood(params: BgNbdParams, data: readonly Rfm[]): number {
  let sum = 0;
  for (const d of data) sum += bgnbdLogLikelihoodOne(params, d);
  return sum;
}

/** Maximum-likelihood BG/NBD parameters; Nelder–Mead over the logarithms keeps every parameter positive. */
export function fitBgNbd(data: readonly Rfm[]): BgNbdParams & { logLikelihood: number } {
  const unpack = (v: number[]): BgNbdParams => ({
    r: Math.exp(v[0] as number),
    alpha: Math.exp(v[1] as number),
    a: Math.exp(v[2] as number),
    b: Math.exp(v[3] as number),
  });
  const objective = (v: number[]) => {
    if (v.some((p) => Math.abs(p) > 12)) return Number.POSITIVE_INFINITY;
    const ll = bgnbdLogLikelihood(unpack(v), data);
    return Number.isFinite(ll) ? -ll : Number.POSITIVE_INFINITY;
  };
  // Restarting from the first optimum escapes the simplex collapsing early, a known Nelder–Mead weakness.
  let best = nelderMead(objective, [0, 0, 0, 0], { step: 1, maxIterations: 3000 });
  best = nelderMead(objective, best.x, { step: 0.3, maxIterations: 3000 });
  return { ...unpack(best.x), logLikelihood: -best.value };
}

/** Probability that a customer with this history is still active (FHL 2005, equation 11 of the note). */
export function probabilityAlive({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: Rfm): number {
  if (x === 0) return 1;
  return 1 / (1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x));
}

/** Expected purchases in the next `t` weeks of a customer with history (x, t_x, T) (FHL 2005, equation 10). */
export function expectedPurchases({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: Rfm, t: number): number {
  const head = (a + b + x - 1) / (a - 1);
  const tail =
    1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
  const alive = x > 0 ? 1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 1;
  return (head * tail) / alive;
}

/** A customer's spending in Gamma-Gamma terms: number of purchases and their mean value (fen). */
export interface Spend {
  frequency: number;
  meanValue: number;
}

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export function gammaGammaLogLikelihood({ p, q, gamma }: GammaGammaParams, data: readonly Spend[]): number {
  let sum = 0;
  for (const { frequency: x, meanValue: m } of data) {
    sum +=
      lgamma(p * x + q) -
      lgamma(p * x) -
      lgamma(q) +
      q * Math.log(gamma) +
      (p * x - 1) * Math.log(m) +
      p * x * Math.log(x) -
      (p * x + q) * Math.log(gamma + x * m);
  }
  return sum;
}

/** Maximum-likelihood Gamma-Gamma parameters. Values are scaled to yuan-hundreds while fitting for conditioning. */
export function fitGammaGamma(data: readonly Spend[]): GammaGammaParams & { logLikelihood: number } {
  const scale = data.reduce((s, d) => s + d.meanValue, 0) / Math.max(1, data.length) || 1;
  const scaled = data.map((d) => ({ frequency: d.frequency, meanValue: d.meanValue / scale }));
  const unpack = (v: number[]): GammaGammaParams => ({
    p: Math.exp(v[0] as number),
    q: Math.exp(v[1] as number),
    gamma: Math.exp(v[2] as number),
  });
  const objective = (v: number[]) => {
    if (v.some((x) => Math.abs(x) > 12)) return Number.POSITIVE_INFINITY;
    const ll = gammaGammaLogLikelihood(unpack(v), scaled);
    return Number.isFinite(ll) ? -ll : Number.POSITIVE_INFINITY;
  };
  let best = nelderMead(objective, [0, 0.7, 0], { step: 1, maxIterations: 3000 });
  best = nelderMead(objective, best.x, { step: 0.3, maxIterations: 3000 });
  const fitted = unpack(best.x);
  return { ...fitted, gamma: fitted.gamma * scale, logLikelihood: -best.value };
}

/**
 * Expected value of a customer's future purchases given their own history: a weighted mean of the population
 * mean and the customer's observed mean, the weight growing with the number of purchases. Needs q > 1.
 */
export function expectedOrderValue({ p, q, gamma }: GammaGammaParams, { frequency: x, meanValue: m }: Spend): number {
  return (p * (gamma + x * m)) / (p * x + q - 1);
}
