import { describe, expect, it } from 'vitest';
import { Rng } from '../data/random.js';
import { BayesianStrategy } from './bayesian-strategy.js';
import type { ParameterRange } from './parameter-ranges.js';
import { fitQuadraticMean } from './prior-mean.js';
import type { TrialRecord } from './strategy.js';

describe('quadratic prior mean', () => {
  const rng = new Rng(11);
  // Coordinates 0 and 1 numeric, 2–3 a one-hot block (left out of the bowl).
  const xs = Array.from({ length: 30 }, () => Float64Array.of(rng.next(), rng.next(), 1, 0));
  const q = (u: Float64Array): number => ((u[0] as number) - 0.5) ** 2 + ((u[1] as number) - 0.5) ** 2;

  it('recovers an exact bowl by least squares, ignoring the coordinates it is not given', () => {
    const y = xs.map((u) => 2 - 3 * q(u));
    const m = fitQuadraticMean(xs, y, [0, 1]);
    expect(m.b0).toBeCloseTo(2, 10);
    expect(m.b1).toBeCloseTo(-3, 10); // best values at the edges: the bowl is allowed to turn over
    const u = Float64Array.of(0.1, 0.9, 0, 1);
    expect(m.at(u)).toBeCloseTo(2 - 3 * q(u), 10);
  });

  it('is flat (the mean of y) with fewer than 3 points or no numeric coordinate', () => {
    expect(fitQuadraticMean(xs.slice(0, 2), [1, 3], [0, 1])).toMatchObject({ b0: 2, b1: 0 });
    const m = fitQuadraticMean(xs, xs.map((_, i) => i), []);
    expect(m.b1).toBe(0);
    expect(m.b0).toBeCloseTo(14.5, 12);
  });
});

describe('Bayesian strategy with the bowl', () => {
  it('still finds an optimum in a corner of the box (the fitted bowl turns over)', () => {
    const ranges: ParameterRange[] = Array.from({ length: 3 }, (_, i) => ({ type: 'Continuous' as const, name: `x${i}`, min: 0, max: 1, scaling: 'Linear' as const }));
    const target = [1, 1, 0];
    const f = (c: Record<string, number | string>): number => target.reduce((s, t, i) => s + ((c[`x${i}`] as number) - t) ** 2, 0);
    for (const seed of [0, 1, 2]) {
      const s = new BayesianStrategy({ ranges, objective: 'Minimize', seed });
      const h: TrialRecord[] = [];
      while (h.length < 25) for (const config of s.suggest({ history: h, count: 1 })) h.push({ config, state: 'complete', value: f(config) });
      expect(Math.min(...h.map((t) => t.value as number))).toBeLessThan(1e-3);
    }
  });
});
