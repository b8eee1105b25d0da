import { describe, expect, it } from 'vitest';
import { runPython } from '../data/python-reference.js';
import { ks2SampPValue, kolmogorovSf, smirnovSf } from './kolmogorov.js';

// Every branch of scipy's kstwo.sf / smirnov evaluated on a grid, against scipy itself.
const GRID: [number, number][] = [];
for (const n of [5, 37, 140, 141, 1000, 10_000, 100_000, 100_001]) {
  for (const z of [0.3, 0.6, 0.9, 1.1, 1.3, 1.6, 2.0, 3.0, 5.0, 10.0, 14.0]) {
    const x = z / Math.sqrt(n);
    if (x < 1) GRID.push([n, x]);
  }
  GRID.push([n, 0.75 / n], [n, 0.55]);
}
// The 1M-vs-1M drift benchmark's n (500 000): the Pelz–Good and Smirnov-tail branches.
GRID.push([500_000, 1.0 / Math.sqrt(500_000)], [500_000, 0.002], [500_000, 0.020351]);

describe('Kolmogorov distributions vs scipy', () => {
  const ref = runPython<{ kstwo: number[]; smirnov: number[]; ks2: number[] }>(
    String.raw`
import json, sys
from scipy import stats, special
inp = json.load(sys.stdin)
out = {'kstwo': [float(stats.kstwo.sf(x, n)) for n, x in inp['grid']],
       'smirnov': [float(special.smirnov(n, x)) for n, x in inp['grid']],
       'ks2': []}
print(json.dumps(out))`,
    { grid: GRID },
  );

  it('kstwo.sf matches on every branch (relative 1e-8 or absolute 1e-15)', () => {
    GRID.forEach(([n, x], i) => {
      const want = ref.kstwo[i]!;
      const got = kolmogorovSf(n, x);
      expect(Math.abs(got - want), `n=${n} x=${x}: ${got} vs ${want}`).toBeLessThanOrEqual(Math.max(1e-15, 1e-8 * want));
    });
  });

  it('smirnov one-sided survival matches', () => {
    GRID.forEach(([n, x], i) => {
      const want = ref.smirnov[i]!;
      const got = smirnovSf(n, x);
      expect(Math.abs(got - want), `n=${n} x=${x}: ${got} vs ${want}`).toBeLessThanOrEqual(Math.max(1e-15, 1e-8 * want));
    });
  });

  it('exact two-sample p-values match for equal and unequal sizes', () => {
    const cases: [number, number, number][] = [
      [50, 50, 0.2],
      [3000, 3000, 0.031],
      [300, 450, 0.1],
      [3000, 4500, 0.0311],
      [7, 10000, 0.4],
    ];
    const want = runPython<number[]>(
      String.raw`
import json, sys, numpy as np
from math import gcd
from scipy.stats._stats_py import _attempt_exact_2kssamp
out = []
for n1, n2, d in json.load(sys.stdin):
    ok, dd, p = _attempt_exact_2kssamp(n1, n2, gcd(n1, n2), d, 'two-sided')
    out.append(float(p))
print(json.dumps(out))`,
      cases,
    );
    cases.forEach(([n1, n2, d], i) => {
      const { pValue, method } = ks2SampPValue(d, n1, n2);
      expect(method).toBe('exact');
      expect(Math.abs(pValue - want[i]!), `${n1} ${n2} ${d}`).toBeLessThanOrEqual(Math.max(1e-15, 1e-9 * want[i]!));
    });
  });
});
