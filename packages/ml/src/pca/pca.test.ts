import { describe, expect, it } from 'vitest';
import { readCsv } from '../data/csv-reader.js';
import { fromRows } from '../data/matrix.js';
import { runPython } from '../data/python-reference.js';
import { Rng } from '../data/random.js';
import { MlInputError } from '../errors.js';
import { PcaModel } from './model.js';
import { trainPca } from './train.js';

// Parity with scikit-learn 1.2's PCA(svd_solver='full') (LAPACK SVD in float64 of the same float32
// values) and TruncatedSVD for subtract_mean=false. Stated tolerances: `regular` explained variance and
// singular values to 1e-6 relative, components and projections (up to sign) to 1e-6; `randomized`
// explained variance to 1e-4 relative and components to |cos| ≥ 0.9999 on the same data.
const DATA = new URL('../../../../datasets/tabular/', import.meta.url).pathname;
const cases = [['iris', 3], ['wine', 5], ['breast_cancer', 10], ['diabetes', 6], ['digits', 20]] as const;
const data = Object.fromEntries(cases.map(([name]) => [name, readCsv(`${DATA}${name}.csv`, { header: true }).x]));

interface Ref {
  components: number[][];
  variance: number[];
  ratio: number[];
  singular: number[];
  projection: number[][];
  svdComponents: number[][];
  svdSingular: number[];
}
const ref = runPython<Record<string, Ref>>(
  `import json, sys, numpy as np
from sklearn.decomposition import PCA, TruncatedSVD
out = {}
for c in json.load(sys.stdin):
    X = np.loadtxt(c['path'], delimiter=',', skiprows=1, dtype=np.float32)[:, 1:].astype(np.float64)
    p = PCA(n_components=c['k'], svd_solver='full').fit(X)
    t = TruncatedSVD(n_components=c['k'], algorithm='arpack', tol=0).fit(X)
    out[c['name']] = {'components': p.components_.tolist(), 'variance': p.explained_variance_.tolist(),
      'ratio': p.explained_variance_ratio_.tolist(), 'singular': p.singular_values_.tolist(),
      'projection': p.transform(X[:5]).tolist(), 'svdComponents': t.components_.tolist(), 'svdSingular': t.singular_values_.tolist()}
print(json.dumps(out))`,
  cases.map(([name, k]) => ({ name, k, path: `${DATA}${name}.csv` })),
);

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
/** Signed agreement: the component's sign is arbitrary, so align it with the reference first. */
function maxDiffUpToSign(got: Float64Array, off: number, want: number[]): number {
  let dot = 0;
  want.forEach((w, j) => (dot += w * (got[off + j] as number)));
  const s = dot < 0 ? -1 : 1;
  return Math.max(...want.map((w, j) => Math.abs(s * (got[off + j] as number) - w)));
}

describe('PCA regular vs scikit-learn PCA(svd_solver=full)', () => {
  it.each(cases)('%s, %i components', (name, k) => {
    const x = data[name]!;
    const r = trainPca({ num_components: String(k), feature_dim: String(x.cols), mini_batch_size: '64' }, { train: x });
    const want = ref[name]!;
    const m = r.model;
    for (let c = 0; c < k; c++) {
      expect(rel(m.explainedVariance[c] as number, want.variance[c] as number)).toBeLessThanOrEqual(1e-6);
      expect(rel(m.singularValues[c] as number, want.singular[c] as number)).toBeLessThanOrEqual(1e-6);
      expect(rel(r.explainedVarianceRatio[c] as number, want.ratio[c] as number)).toBeLessThanOrEqual(1e-6);
      expect(maxDiffUpToSign(m.components, c * x.cols, want.components[c]!)).toBeLessThanOrEqual(1e-6);
    }
    const proj = m.transform({ ...x, rows: 5, data: takeFirst(x.data, x.rows, x.cols, 5) });
    const scale = Math.sqrt(want.variance[0]!);
    for (let c = 0; c < k; c++) {
      const sign = Math.sign(proj[c] as number) === Math.sign(want.projection[0]![c]!) ? 1 : -1;
      for (let i = 0; i < 5; i++) expect(Math.abs(sign * (proj[i * k + c] as number) - want.projection[i]![c]!) / scale).toBeLessThanOrEqual(1e-6);
    }
  });

  it.each(cases.filter(([n]) => n !== 'iris'))('%s, subtract_mean=false matches TruncatedSVD', (name, k) => {
    const x = data[name]!;
    const m = trainPca({ num_components: String(k), feature_dim: String(x.cols), mini_batch_size: '500', subtract_mean: 'false' }, { train: x }).model;
    const want = ref[name]!;
    expect(m.mean).toBeNull();
    for (let c = 0; c < Math.min(k, 5); c++) {
      expect(rel(m.singularValues[c] as number, want.svdSingular[c] as number)).toBeLessThanOrEqual(1e-6);
      expect(maxDiffUpToSign(m.components, c * x.cols, want.svdComponents[c]!)).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe('PCA randomized vs scikit-learn exact PCA', () => {
  it.each(cases)('%s, %i components', (name, k) => {
    const x = data[name]!;
    const m = trainPca({ num_components: String(k), feature_dim: String(x.cols), mini_batch_size: '500', algorithm_mode: 'randomized' }, { train: x }, { seed: 1 }).model;
    const want = ref[name]!;
    for (let c = 0; c < k; c++) {
      expect(rel(m.explainedVariance[c] as number, want.variance[c] as number)).toBeLessThanOrEqual(1e-4);
      let cos = 0;
      want.components[c]!.forEach((w, j) => (cos += w * (m.components[c * x.cols + j] as number)));
      if (c < Math.min(k, 5)) expect(Math.abs(cos)).toBeGreaterThanOrEqual(0.9999);
    }
  });
});

describe('PCA randomized with many features (products with the n-row matrix, not the scatter matrix)', () => {
  it('300 × 500, rank-8 signal plus noise: 5 components match scikit-learn', () => {
    const rng = new Rng(4);
    const n = 300;
    const d = 500;
    const basis = Array.from({ length: 8 }, () => Array.from({ length: d }, () => rng.normal()));
    const rows = Array.from({ length: n }, () => {
      const coef = basis.map((_, b) => rng.normal() * (10 - b));
      return Array.from({ length: d }, (_, j) => Math.fround(coef.reduce((s, cf, b) => s + cf * basis[b]![j]!, 0) + 0.1 * rng.normal()));
    });
    const x = fromRows(rows);
    const want = runPython<{ variance: number[]; components: number[][] }>(
      `import json, sys, numpy as np
from sklearn.decomposition import PCA
p = PCA(n_components=5, svd_solver='full').fit(np.array(json.load(sys.stdin)))
print(json.dumps({'variance': p.explained_variance_.tolist(), 'components': p.components_.tolist()}))`,
      rows,
    );
    const m = trainPca({ num_components: '5', feature_dim: String(d), mini_batch_size: '100', algorithm_mode: 'randomized' }, { train: x }).model;
    for (let c = 0; c < 5; c++) {
      expect(rel(m.explainedVariance[c] as number, want.variance[c]!)).toBeLessThanOrEqual(1e-4);
      let cos = 0;
      want.components[c]!.forEach((w, j) => (cos += w * (m.components[c * d + j] as number)));
      expect(Math.abs(cos)).toBeGreaterThanOrEqual(0.9999);
    }
  });
});

describe('PCA contract', () => {
  const x = fromRows([[2, 0, 1], [0, 2, 1], [4, 4, 3], [1, 3, 0], [3, 1, 5]]);
  it('round-trips through JSON and projects single rows like batches', () => {
    const m = trainPca({ num_components: '2', feature_dim: '3', mini_batch_size: '2' }, { train: x }).model;
    const back = PcaModel.fromJSON(JSON.parse(JSON.stringify(m)));
    expect(back.predict(x)).toEqual(m.predict(x));
    const one = back.predictRow([4, 4, 3]).projection;
    const batch = m.predict(x)[2]!.projection;
    one.forEach((v, c) => expect(v).toBeCloseTo(batch[c]!, 12));
  });
  it('names bad hyperparameters and input', () => {
    const err = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        if (e instanceof MlInputError) return e.message;
        throw e;
      }
      return 'no error';
    };
    expect(err(() => trainPca({ feature_dim: '3' }, { train: x }))).toContain("'num_components' is required");
    expect(err(() => trainPca({ num_components: '4', feature_dim: '3' }, { train: x }))).toContain("'num_components' is 4, more than feature_dim (3)");
    expect(err(() => trainPca({ num_components: '2', feature_dim: '3', algorithm_mode: 'fast' }, { train: x }))).toContain("'algorithm_mode' must be one of 'regular', 'randomized'");
    expect(err(() => trainPca({ num_components: '2', feature_dim: '3', extra_components: '-2' }, { train: x }))).toContain("'extra_components' must be an integer ≥ -1");
    expect(err(() => trainPca({ num_components: '2', feature_dim: '3' }, { train: fromRows([[1, 2, 3], [1, Number.NaN, 2]]) }))).toContain('row 2, column 2');
  });
});

function takeFirst(data: Float32Array, n: number, d: number, m: number): Float32Array {
  const out = new Float32Array(m * d);
  for (let j = 0; j < d; j++) out.set(data.subarray(j * n, j * n + m), j * m);
  return out;
}
