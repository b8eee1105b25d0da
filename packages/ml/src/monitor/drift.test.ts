import { describe, expect, it } from 'vitest';
import { runPython } from '../data/python-reference.js';
import { driftReport } from './drift-report.js';
import { KllSketch } from './kll.js';
import { computeStatistics } from './statistics.js';
import { quantileSorted, sortedFinite, upperBound } from './sort.js';

// Data generated exactly as /work/shared/bench/drift/drift_bench.py does, with fewer rows, and the
// pandas/numpy/scipy results on it.
const GENERATE = String.raw`
import json, sys
import numpy as np, pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon
inp = json.load(sys.stdin)
QUANT = [.01, .05, .25, .5, .75, .95, .99]
def make(seed, drift, n):
    rng = np.random.default_rng(seed); cols = {}
    for j in range(20):
        x = rng.normal(j, 1 + j / 10, n) if j < 10 else rng.lognormal(0, 0.5 + j / 40, n)
        if drift and j < 5: x = x + 0.05 * (1 + j / 10)
        if drift and 10 <= j <= 12: x = x * 1.1
        cols[f"c{j}"] = x
    return pd.DataFrame(cols)
base, cur = make(0, False, inp['n1']), make(1, True, inp['n2'])
out = {'base': {c: base[c].tolist() for c in base.columns}, 'cur': {c: cur[c].tolist() for c in cur.columns}, 'ref': {}}
for c in base.columns:
    b, u = base[c].to_numpy(), cur[c].to_numpy()
    edges = np.quantile(b, np.linspace(0, 1, 21)); edges[0], edges[-1] = -np.inf, np.inf
    hb, _ = np.histogram(b, edges); hc, _ = np.histogram(u, edges)
    pb, pc = np.clip(hb / hb.sum(), 1e-6, None), np.clip(hc / hc.sum(), 1e-6, None)
    ks = stats.ks_2samp(b, u)
    out['ref'][c] = {
      'count': int(base[c].count()), 'mean': float(base[c].mean()), 'sum': float(base[c].sum()),
      'std0': float(base[c].std(ddof=0)), 'min': float(base[c].min()), 'max': float(base[c].max()),
      'q': [float(v) for v in base[c].quantile(QUANT)],
      'psi': float(np.sum((pc - pb) * np.log(pc / pb))), 'js': float(jensenshannon(hb, hc)),
      'ks': float(ks.statistic), 'p': float(ks.pvalue)}
print(json.dumps(out))`;

type Ref = { count: number; mean: number; sum: number; std0: number; min: number; max: number; q: number[]; psi: number; js: number; ks: number; p: number };
const QUANT = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
const close = (got: number, want: number, tol: number) => Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));

for (const [n1, n2, label] of [
  [20_000, 15_000, 'asymptotic p-values'],
  [4_000, 3_000, 'exact p-values'],
] as const) {
  describe(`statistics and drift vs pandas/scipy (${n1} vs ${n2} rows, ${label})`, () => {
    const data = runPython<{ base: Record<string, number[]>; cur: Record<string, number[]>; ref: Record<string, Ref> }>(GENERATE, { n1, n2 });
    const base = Object.fromEntries(Object.entries(data.base).map(([k, v]) => [k, Float64Array.from(v)]));
    const cur = Object.fromEntries(Object.entries(data.cur).map(([k, v]) => [k, Float64Array.from(v)]));

    it('statistics.json numbers match pandas within 1e-6, KLL quantiles within the sketch error', () => {
      const stats = computeStatistics(base);
      expect(stats.dataset.item_count).toBe(n1);
      for (const f of stats.features) {
        const r = data.ref[f.name]!;
        const s = f.numerical_statistics!;
        expect(f.inferred_type).toBe('Fractional');
        expect(s.common).toEqual({ num_present: r.count, num_missing: 0 });
        for (const [got, want] of [
          [s.mean, r.mean],
          [s.sum, r.sum],
          [s.std_dev, r.std0],
          [s.min, r.min],
          [s.max, r.max],
        ] as const) {
          expect(close(got, want, 1e-6), `${f.name}: ${got} vs ${want}`).toBe(true);
        }
        const sorted = sortedFinite(base[f.name]!);
        QUANT.forEach((q, i) => expect(close(quantileSorted(sorted, q), r.q[i]!, 1e-9), `${f.name} q${q}`).toBe(true));
        const sketch = KllSketch.fromJSON(s.distribution.kll.sketch);
        expect(sketch.n).toBe(n1);
        for (const q of QUANT) {
          // Rank error of the sketch's quantile, measured on the exact data: below 1/k.
          const rank = upperBound(sorted, sketch.quantile(q)) / n1;
          expect(Math.abs(rank - q), `${f.name} sketch q${q}`).toBeLessThanOrEqual(1 / 2048 + 1 / n1);
        }
        const buckets = s.distribution.kll.buckets;
        expect(buckets).toHaveLength(10);
        expect(buckets.reduce((a, b) => a + b.count, 0)).toBe(n1);
        expect(buckets[0]!.lower_bound).toBe(r.min);
        expect(buckets[9]!.upper_bound).toBe(r.max);
      }
    });

    it('KS (statistic and p-value), PSI and JS distance match scipy/numpy within 1e-6', () => {
      const drift = driftReport(base, cur);
      expect(drift).toHaveLength(20);
      for (const d of drift) {
        const r = data.ref[d.name]!;
        expect(close(d.ks!.statistic, r.ks, 1e-12), `${d.name} KS D`).toBe(true);
        expect(Math.abs(d.ks!.pValue - r.p), `${d.name} p ${d.ks!.pValue} vs ${r.p}`).toBeLessThanOrEqual(Math.max(1e-300, 1e-6 * r.p));
        expect(close(d.psi!, r.psi, 1e-9), `${d.name} PSI ${d.psi} vs ${r.psi}`).toBe(true);
        expect(close(d.jsDistance, r.js, 1e-9), `${d.name} JS`).toBe(true);
      }
      expect(drift.filter((d) => d.ks!.pValue < 0.01).map((d) => d.name)).toEqual(
        Object.entries(data.ref).filter(([, r]) => r.p < 0.01).map(([c]) => c),
      );
    });
  });
}

describe('streaming KLL sketch', () => {
  it('keeps quantiles within 0.5 % rank error, with and without merging', () => {
    const n = 200_000;
    const values = new Float64Array(n);
    let s = 12345;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      values[i] = Math.exp((s / 2 ** 32) * 4) + (i % 7);
    }
    const sorted = sortedFinite(values);
    const whole = new KllSketch(2048, 0.64, 1);
    const left = new KllSketch(2048, 0.64, 2);
    const right = new KllSketch(2048, 0.64, 3);
    values.forEach((v, i) => {
      whole.update(v);
      (i < n / 2 ? left : right).update(v);
    });
    left.merge(right);
    for (const sk of [whole, left]) {
      expect(sk.n).toBe(n);
      const size = sk.toJSON().data.reduce((a, l) => a + l.length, 0);
      expect(size).toBeLessThan(8000);
      for (const q of [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999]) {
        const rank = upperBound(sorted, sk.quantile(q)) / n;
        expect(Math.abs(rank - q), `q${q}`).toBeLessThanOrEqual(0.005);
      }
    }
  });
});
