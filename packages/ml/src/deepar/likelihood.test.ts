import { describe, expect, it } from 'vitest';
import { likelihoodFor } from './likelihood.js';
import { Rng } from './rng.js';

const inv = (v: number): number => Math.log(Math.expm1(v - 1e-6)); // inverse of softplus(x) + 1e-6

// Reference values from scipy.stats 1.10 (Debian), computed once:
//   -norm(1.5, 2).logpdf(3.1) = 1.932085713764618
//   -t(df=4.5, loc=1.5, scale=2).logpdf(3.1) = 2.032890997249941
//   -nbinom(n=1/0.3, p=n/(n+7)).logpmf(4) = 2.317140271842474   (mean 7, alpha 0.3)
//   -beta(2.5, 4).logpdf(0.3) = -0.7101356818510656
describe('DeepAR likelihoods', () => {
  it('negative log-likelihoods match scipy', () => {
    expect(likelihoodFor('gaussian').nll(Float64Array.of(1.5, inv(2)), 0, 3.1, 0, 1, null, 1)).toBeCloseTo(1.932085713764618, 5);
    expect(likelihoodFor('student-T').nll(Float64Array.of(1.5, inv(2), Math.log(Math.expm1(2.5))), 0, 3.1, 0, 1, null, 1)).toBeCloseTo(2.032890997249941, 5);
    expect(likelihoodFor('negative-binomial').nll(Float64Array.of(inv(7), inv(0.3)), 0, 4, 0, 1, null, 1)).toBeCloseTo(2.317140271842474, 5);
    expect(likelihoodFor('beta').nll(Float64Array.of(inv(2.5), inv(4)), 0, 0.3, 0, 1, null, 1)).toBeCloseTo(-0.7101356818510656, 5);
  });

  it('scaling: a series ten times larger costs log(10) more, nothing else', () => {
    const g = likelihoodFor('gaussian');
    const raw = Float64Array.of(1.5, inv(2));
    expect(g.nll(raw, 0, 31, 0, 10, null, 1)).toBeCloseTo(1.932085713764618 + Math.log(10), 5);
    // …and shifting by loc (std scaling) moves the distribution, nothing else.
    expect(g.nll(raw, 0, 131, 100, 10, null, 1)).toBeCloseTo(1.932085713764618 + Math.log(10), 5);
  });

  it('sampling reproduces each distribution\'s moments', () => {
    const rng = new Rng(11);
    const n = 40000;
    const draw = (name: Parameters<typeof likelihoodFor>[0], raw: number[], scale = 1): Float64Array =>
      Float64Array.from({ length: n }, () => likelihoodFor(name).sample(Float64Array.from(raw), 0, 0, scale, rng));
    const mean = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    const variance = (a: Float64Array): number => {
      const m = mean(a);
      return a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1);
    };
    const g = draw('gaussian', [1.5, inv(2)], 10);
    expect(mean(g)).toBeCloseTo(15, 0);
    expect(Math.sqrt(variance(g))).toBeCloseTo(20, 0);
    const nb = draw('negative-binomial', [inv(7), inv(0.3)]);
    expect(mean(nb)).toBeCloseTo(7, 0);
    expect(variance(nb) / (7 + 0.3 * 49)).toBeCloseTo(1, 1);
    const nbLarge = draw('negative-binomial', [inv(2), inv(0.01)], 100); // mean 200: Poisson's PTRS branch
    expect(mean(nbLarge) / 200).toBeCloseTo(1, 2);
    expect(variance(nbLarge) / (200 + 0.01 * 200 * 200)).toBeCloseTo(1, 1);
    const b = draw('beta', [inv(2.5), inv(4)]);
    expect(mean(b)).toBeCloseTo(2.5 / 6.5, 2);
    const t = draw('student-T', [1.5, inv(2), Math.log(Math.expm1(2.5))]).sort();
    expect(t[n / 2]).toBeCloseTo(1.5, 1);
    // t(4.5) has variance nu/(nu-2) · scale² = 1.8 · 4
    expect(variance(t) / 7.2).toBeGreaterThan(0.85);
    expect(draw('deterministic-L1', [0.7], 3)[0]).toBeCloseTo(2.1, 12);
  });
});
