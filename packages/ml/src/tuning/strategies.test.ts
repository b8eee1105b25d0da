import { describe, expect, it } from 'vitest';
import { BayesianStrategy } from './bayesian-strategy.js';
import { createSearchStrategy } from './create-strategy.js';
import { GridStrategy } from './grid-strategy.js';
import type { ParameterRange } from './parameter-ranges.js';
import { RandomStrategy } from './random-strategy.js';
import type { Configuration } from './search-space.js';
import type { SearchStrategy, TrialRecord } from './strategy.js';
import { branin, hartmann6, type TestFunction } from './test-functions.js';

function run(s: SearchStrategy, f: (c: Configuration) => number, trials: number, batch = 1): TrialRecord[] {
  const history: TrialRecord[] = [];
  while (history.length < trials) {
    for (const config of s.suggest({ history, count: Math.min(batch, trials - history.length) })) {
      history.push({ config, state: 'complete', value: f(config) });
    }
  }
  return history;
}
const bestOf = (h: readonly TrialRecord[], sign = 1): number => Math.min(...h.map((t) => sign * (t.value as number)));
const meanRegret = (fn: TestFunction, make: (seed: number) => SearchStrategy, trials: number, seeds: number): number => {
  let s = 0;
  for (let seed = 0; seed < seeds; seed++) s += bestOf(run(make(seed), fn.evaluate, trials)) - fn.optimum;
  return s / seeds;
};

describe('Random strategy', () => {
  const ranges: ParameterRange[] = [
    { type: 'Continuous', name: 'lr', min: 1e-4, max: 1, scaling: 'Logarithmic' },
    { type: 'Integer', name: 'depth', min: 2, max: 6, scaling: 'Linear' },
  ];
  it('is reproducible from the seed and the history, and differs across seeds', () => {
    const a = run(new RandomStrategy({ ranges, objective: 'Minimize', seed: 7 }), () => 0, 20);
    const b = run(new RandomStrategy({ ranges, objective: 'Minimize', seed: 7 }), () => 0, 20, 5);
    const c = run(new RandomStrategy({ ranges, objective: 'Minimize', seed: 8 }), () => 0, 20);
    expect(b.map((t) => t.config)).toEqual(a.map((t) => t.config));
    expect(c.map((t) => t.config)).not.toEqual(a.map((t) => t.config));
  });
  it('samples log-scaled ranges log-uniformly (a quarter of draws below 1e-3 on [1e-4, 1])', () => {
    const h = run(new RandomStrategy({ ranges, objective: 'Minimize', seed: 1 }), () => 0, 2000, 50);
    const below = h.filter((t) => (t.config['lr'] as number) < 1e-3).length / h.length;
    expect(Math.abs(below - 0.25)).toBeLessThan(0.03); // 3σ ≈ 0.029
    expect(new Set(h.map((t) => t.config['depth']))).toEqual(new Set([2, 3, 4, 5, 6]));
  });
  it('does not repeat a categorical configuration while unseen ones remain', () => {
    const cat: ParameterRange[] = [{ type: 'Categorical', name: 'c', values: ['a', 'b', 'c', 'd'] }];
    const h = run(new RandomStrategy({ ranges: cat, objective: 'Minimize', seed: 2 }), () => 0, 4);
    expect(new Set(h.map((t) => t.config['c'])).size).toBe(4);
  });
});

describe('Grid strategy', () => {
  const ranges: ParameterRange[] = [
    { type: 'Categorical', name: 'booster', values: ['gbtree', 'dart'] },
    { type: 'Categorical', name: 'depth', values: ['3', '5', '7'] },
  ];
  it('enumerates every combination once, last range fastest, then stops', () => {
    const g = new GridStrategy({ ranges, objective: 'Maximize', seed: 0 });
    expect(g.size).toBe(6);
    const h = run(g, () => 1, 6, 4);
    expect(h.map((t) => `${t.config['booster']}/${t.config['depth']}`)).toEqual(['gbtree/3', 'gbtree/5', 'gbtree/7', 'dart/3', 'dart/5', 'dart/7']);
    expect(g.suggest({ history: h, count: 3 })).toEqual([]);
  });
  it('refuses a numeric range, naming it', () => {
    expect(() => new GridStrategy({ ranges: [{ type: 'Integer', name: 'depth', min: 1, max: 3, scaling: 'Linear' }], objective: 'Minimize', seed: 0 })).toThrow(/'depth'.*Grid/);
  });
});

describe('Bayesian strategy', () => {
  it('beats random search on Branin at 30 trials (optimum 0.397887)', () => {
    const seeds = 3;
    const bo = meanRegret(branin, (seed) => new BayesianStrategy({ ranges: branin.ranges, objective: 'Minimize', seed }), 30, seeds);
    const rs = meanRegret(branin, (seed) => new RandomStrategy({ ranges: branin.ranges, objective: 'Minimize', seed }), 30, seeds);
    expect(bo).toBeLessThan(0.1);
    expect(bo).toBeLessThan(rs / 5);
  });

  it('handles integer, categorical and log dimensions, and maximisation', () => {
    const ranges: ParameterRange[] = [
      { type: 'Integer', name: 'n', min: 1, max: 20, scaling: 'Linear' },
      { type: 'Continuous', name: 'lr', min: 1e-4, max: 1, scaling: 'Logarithmic' },
      { type: 'Categorical', name: 'kind', values: ['a', 'b', 'c', 'd'] },
    ];
    // Best at n = 13, lr = 1e-2, kind = 'c' (value 10); each miss costs at least 0.4.
    const score = (c: Configuration): number =>
      10 - 0.4 * Math.abs((c['n'] as number) - 13) - 2 * Math.log10(c['lr'] as number / 1e-2) ** 2 - (c['kind'] === 'c' ? 0 : 3);
    const h = run(new BayesianStrategy({ ranges, objective: 'Maximize', seed: 4 }), score, 30);
    const best = h.reduce((a, b) => ((b.value as number) > (a.value as number) ? b : a));
    expect(best.config['kind']).toBe('c');
    expect(best.config['n']).toBe(13);
    expect(Math.abs(Math.log10(best.config['lr'] as number) + 2)).toBeLessThan(0.2);
    expect(Number.isInteger(best.config['n'])).toBe(true);
  });

  it('fills parallel slots with distinct, spread-out points (Kriging believer) and is deterministic', () => {
    const make = (): SearchStrategy => new BayesianStrategy({ ranges: branin.ranges, objective: 'Minimize', seed: 5 });
    const history = run(make(), branin.evaluate, 12);
    const batch = make().suggest({ history, count: 4 });
    expect(make().suggest({ history, count: 4 })).toEqual(batch);
    expect(batch).toHaveLength(4);
    const pts = batch.map((c) => [((c['x1'] as number) + 5) / 15, (c['x2'] as number) / 15]);
    let minDist = Infinity;
    for (let i = 0; i < 4; i++) for (let j = 0; j < i; j++) minDist = Math.min(minDist, Math.hypot(pts[i]![0]! - pts[j]![0]!, pts[i]![1]! - pts[j]![1]!));
    expect(minDist).toBeGreaterThan(1e-3);
    // Pending trials count as such: asking again with the batch pending gives new points.
    const pending = [...history, ...batch.map((config) => ({ config, state: 'pending' as const }))];
    const next = make().suggest({ history: pending, count: 1 });
    expect(batch).not.toContainEqual(next[0]);
  });

  it('expects less than 1 % improvement once it has found the optimum, more before; needs 10 completed trials', () => {
    const judge = (h: readonly TrialRecord[]) => new BayesianStrategy({ ranges: hartmann6.ranges, objective: 'Minimize', seed: 0 }).expectedImprovement(h);
    const h = run(new BayesianStrategy({ ranges: hartmann6.ranges, objective: 'Minimize', seed: 0 }), hartmann6.evaluate, 50);
    expect(judge(h.slice(0, 9))).toBeUndefined();
    const early = judge(h.slice(0, 10))!;
    expect(early.best).toBe(bestOf(h.slice(0, 10)));
    expect(early.improvement / Math.abs(early.best)).toBeGreaterThan(0.01);
    const late = judge(h)!;
    expect(late.best - hartmann6.optimum).toBeLessThan(0.01);
    expect(late.improvement / Math.abs(late.best)).toBeLessThan(0.01);
    // Pending and failed trials are not evidence; a random search far from the optimum has not converged.
    expect(judge([...h, { config: h[0]!.config, state: 'pending' }, { config: h[1]!.config, state: 'failed' }])).toEqual(late);
    const random = run(new RandomStrategy({ ranges: hartmann6.ranges, objective: 'Minimize', seed: 0 }), hartmann6.evaluate, 30);
    const r = judge(random)!;
    expect(r.improvement / Math.abs(r.best)).toBeGreaterThan(0.01);
    // Against a better incumbent (another definition's best), the same search expects less.
    const vsBetter = new BayesianStrategy({ ranges: hartmann6.ranges, objective: 'Minimize', seed: 0 }).expectedImprovement(random, { incumbent: hartmann6.optimum })!;
    expect(vsBetter.best).toBe(r.best);
    expect(vsBetter.improvement).toBeLessThan(r.improvement);
  });

  it('judges robustly: maximisation in objective units, equal values, a diverged trial, overflow, many trials', () => {
    const ranges = hartmann6.ranges;
    const h = run(new BayesianStrategy({ ranges, objective: 'Minimize', seed: 1 }), hartmann6.evaluate, 40);
    const min = new BayesianStrategy({ ranges, objective: 'Minimize', seed: 1 }).expectedImprovement(h)!;
    const neg = h.map((t) => ({ ...t, value: -(t.value as number) }));
    const max = new BayesianStrategy({ ranges, objective: 'Maximize', seed: 1 }).expectedImprovement(neg)!;
    expect([max.best, max.improvement]).toEqual([-min.best, min.improvement]);
    const flat = h.map((t) => ({ ...t, value: 0.05 }));
    expect(new BayesianStrategy({ ranges, objective: 'Minimize', seed: 1 }).expectedImprovement(flat)).toEqual({ best: 0.05, improvement: 0 });
    // One diverged trial is clipped near the others instead of setting the model's scale.
    const diverged = [...h, { config: h[0]!.config, state: 'complete' as const, value: 1e3 }];
    expect(new BayesianStrategy({ ranges, objective: 'Minimize', seed: 1 }).expectedImprovement(diverged)!.improvement).toBeLessThan(0.5);
    expect(new BayesianStrategy({ ranges, objective: 'Minimize', seed: 1 }).expectedImprovement([...h, { config: h[0]!.config, state: 'complete', value: -1e300 }])).toBeUndefined();
    // More trials than the model takes: the best half and the latest half, still a judgement.
    const many = new BayesianStrategy({ ranges, objective: 'Minimize', seed: 1 }).expectedImprovement(h, { maxObservations: 20 })!;
    expect(many.best).toBe(min.best);
    expect(Number.isFinite(many.improvement)).toBe(true);
  });

  it('still converges on Branin when asked for batches of 3', () => {
    const s = createSearchStrategy('Bayesian', { ranges: branin.ranges, objective: 'Minimize', seed: 9 });
    const h = run(s, branin.evaluate, 30, 3);
    expect(bestOf(h) - branin.optimum).toBeLessThan(0.2);
  });
});
