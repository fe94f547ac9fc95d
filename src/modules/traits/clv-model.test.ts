import { expect, test } from 'vitest';
import { seededRandom } from '../../demo/random.ts';
import {
  type BgNbdParams,
  expectedOrderValue,
  expectedPurchases,
  fitBgNbd,
  fitGammaGamma,
  type GammaGammaParams,
  hyp2f1,
  lgamma,
  nelderMead,
  probabilityAlive,
  type Rfm,
  type Spend,
} from './clv-model.ts';

const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

test('lgamma and the 2F1 series agree with closed forms', () => {
  expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  expect(lgamma(10)).toBeCloseTo(Math.log(362880), 10);
  expect(lgamma(0.1)).toBeCloseTo(2.252712651734206, 10);
  expect(hyp2f1(1, 1, 2, 0.6)).toBeCloseTo(-Math.log(1 - 0.6) / 0.6, 12);
  expect(hyp2f1(0.5, 1, 1, 0.3)).toBeCloseTo((1 - 0.3) ** -0.5, 12);
});

test('BG/NBD reproduces the paper’s CDNOW example: 1.226 purchases expected in the next 39 weeks', () => {
  const customer = { x: 2, tx: 30.43, T: 38.86 };
  expect(expectedPurchases(CDNOW, customer, 39)).toBeCloseTo(1.226, 3);
  expect(probabilityAlive(CDNOW, { x: 0, tx: 0, T: 38.86 })).toBe(1);
  // A customer who bought often and then went quiet is less likely alive than one who bought as recently.
  expect(probabilityAlive(CDNOW, { x: 5, tx: 10, T: 38.86 })).toBeLessThan(probabilityAlive(CDNOW, customer));
});

test('Nelder–Mead finds the minimum of the Rosenbrock valley', () => {
  const rosenbrock = ([x = 0, y = 0]: number[]) => (1 - x) ** 2 + 100 * (y - x * x) ** 2;
  const best = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 5000, tolerance: 1e-14 });
  expect(best.x[0]).toBeCloseTo(1, 3);
  expect(best.x[1]).toBeCloseTo(1, 3);
});

/** Marsaglia–Tsang; shape < 1 is boosted by U^(1/shape). Rate parameterisation. */
function gammaSampler(random: () => number) {
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const sample = (shape: number, rate: number): number => {
    if (shape < 1) return sample(shape + 1, rate) * (1 - random()) ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const z = normal();
      const v = (1 + c * z) ** 3;
      if (v <= 0) continue;
      if (Math.log(1 - random()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return (d * v) / rate;
    }
  };
  return sample;
}

/** Customers drawn from the BG/NBD story: Poisson purchases at rate λ, dropping out after each with chance p. */
function simulateBgNbd(params: BgNbdParams, customers: number, seed: number): Rfm[] {
  const random = seededRandom(seed);
  const gamma = gammaSampler(random);
  const out: Rfm[] = [];
  for (let i = 0; i < customers; i++) {
    const lambda = gamma(params.r, params.alpha);
    const ga = gamma(params.a, 1);
    const p = ga / (ga + gamma(params.b, 1));
    const T = 26 + (i % 27);
    let t = 0;
    let x = 0;
    let tx = 0;
    for (;;) {
      t += -Math.log(1 - random()) / lambda;
      if (t > T) break;
      x++;
      tx = t;
      if (random() < p) break;
    }
    out.push({ x, tx, T });
  }
  return out;
}

test('fitting BG/NBD to data simulated from known parameters recovers them roughly', () => {
  const truth: BgNbdParams = { r: 0.5, alpha: 5, a: 0.8, b: 2.5 };
  const data = simulateBgNbd(truth, 3000, 42);
  const fitted = fitBgNbd(data);
  expect(fitted.r).toBeGreaterThan(truth.r * 0.7);
  expect(fitted.r).toBeLessThan(truth.r * 1.4);
  expect(fitted.alpha).toBeGreaterThan(truth.alpha * 0.6);
  expect(fitted.alpha).toBeLessThan(truth.alpha * 1.6);
  // a and b are weakly identified on their own; their ratio (the mean dropout chance) is what the data pins down.
  const meanDropout = (q: BgNbdParams) => q.a / (q.a + q.b);
  expect(meanDropout(fitted)).toBeGreaterThan(meanDropout(truth) * 0.6);
  expect(meanDropout(fitted)).toBeLessThan(meanDropout(truth) * 1.5);
  // The fit predicts the next half-year for the whole sample close to what the true parameters predict.
  const total = (q: BgNbdParams) => data.reduce((s, d) => s + expectedPurchases(q, d, 26), 0);
  expect(total(fitted) / total(truth)).toBeGreaterThan(0.9);
  expect(total(fitted) / total(truth)).toBeLessThan(1.1);
});

test('fitting Gamma-Gamma to simulated spending recovers the mean order value', () => {
  const truth: GammaGammaParams = { p: 6, q: 4, gamma: 1500 };
  const random = seededRandom(7);
  const gamma = gammaSampler(random);
  const data: Spend[] = [];
  for (let i = 0; i < 2000; i++) {
    const nu = gamma(truth.q, truth.gamma);
    const frequency = 1 + (i % 6);
    let total = 0;
    for (let k = 0; k < frequency; k++) total += gamma(truth.p, nu);
    data.push({ frequency, meanValue: total / frequency });
  }
  const fitted = fitGammaGamma(data);
  const populationMean = (q: GammaGammaParams) => (q.p * q.gamma) / (q.q - 1);
  expect(populationMean(fitted) / populationMean(truth)).toBeGreaterThan(0.9);
  expect(populationMean(fitted) / populationMean(truth)).toBeLessThan(1.1);
  // With many purchases the customer's own mean dominates; with one, it is pulled toward the population mean.
  const many = expectedOrderValue(fitted, { frequency: 50, meanValue: 5000 });
  const one = expectedOrderValue(fitted, { frequency: 1, meanValue: 5000 });
  expect(Math.abs(many - 5000)).toBeLessThan(Math.abs(one - 5000));
});
