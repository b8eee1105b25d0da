import { describe, expect, it } from 'vitest';
import { readCsv } from '../data/csv-reader.js';
import { fromRows, takeRows } from '../data/matrix.js';
import { runPython } from '../data/python-reference.js';
import { Rng } from '../data/random.js';
import { MlInputError } from '../errors.js';
import { KMeansModel } from './model.js';
import { trainKMeans } from './train.js';

// Inertia parity with scikit-learn 1.2's KMeans (Lloyd, k-means++, best of n_init=10) on shipped
// datasets, 70/30 split. SageMaker's k-means is a streaming mini-batch method with a Lloyd's reduction
// of k·extra_center_factor centres, so it lands in a basin near, not always at, the best of 10
// full-batch restarts. Stated tolerance: over seeds 0–2 the median train SSD within 4% of
// scikit-learn's; every seed's train SSD and held-out MSD within 20% (one seed of wine lands in a
// basin 15% above; the others are within 4%).
const DATA = new URL('../../../../datasets/tabular/', import.meta.url).pathname;
const sets = [['iris', 3], ['wine', 3], ['breast_cancer', 2], ['digits', 10], ['diabetes', 4]] as const;
const hp = { epochs: '10', mini_batch_size: '100', extra_center_factor: '4', init_method: 'kmeans++', eval_metrics: '["msd","ssd"]' };

const splits = sets.map(([name, k]) => {
  const path = `${DATA}${name}.csv`;
  const d = readCsv(path, { header: true });
  const p = new Rng(11).permutation(d.x.rows);
  const cut = Math.round(d.x.rows * 0.7);
  const trainIdx = Array.from(p.subarray(0, cut));
  const testIdx = Array.from(p.subarray(cut));
  return { name, k, path, trainIdx, testIdx, train: takeRows(d.x, trainIdx), test: takeRows(d.x, testIdx) };
});

const ref = runPython<Record<string, { inertia: number; testMsd: number }>>(
  `import json, sys, numpy as np
from sklearn.cluster import KMeans
out = {}
for c in json.load(sys.stdin):
    X = np.loadtxt(c['path'], delimiter=',', skiprows=1, dtype=np.float32)[:, 1:].astype(np.float64)
    m = KMeans(n_clusters=c['k'], n_init=10, random_state=0).fit(X[c['trainIdx']])
    test = X[c['testIdx']]
    out[c['name']] = {'inertia': float(m.inertia_), 'testMsd': float(-m.score(test) / len(test))}
print(json.dumps(out))`,
  splits.map(({ name, k, path, trainIdx, testIdx }) => ({ name, k, path, trainIdx, testIdx })),
);

describe('k-means vs scikit-learn KMeans on shipped datasets', () => {
  it.each(splits.map((s) => [s.name, s] as const))('%s: train SSD and test MSD within the stated tolerance', (_n, s) => {
    const ratios: number[] = [];
    for (const seed of [0, 1, 2]) {
      const r = trainKMeans({ ...hp, k: String(s.k), feature_dim: String(s.train.cols) }, { train: s.train, test: s.test }, { seed });
      const value = (name: string): number => r.metrics.find((m) => m.name === name)!.value;
      const train = value('train:ssd') / ref[s.name]!.inertia;
      const test = value('test:msd') / ref[s.name]!.testMsd;
      expect(train).toBeGreaterThan(0.99); // scikit-learn's best of 10 Lloyd runs is (nearly) optimal
      expect(train).toBeLessThanOrEqual(1.2);
      expect(test).toBeLessThanOrEqual(1.2);
      expect(value('train:msd')).toBeCloseTo(value('train:ssd') / s.train.rows, 9);
      ratios.push(train);
    }
    expect(ratios.sort()[1]).toBeLessThanOrEqual(1.04);
  });
});

describe('k-means contract', () => {
  const rng = new Rng(5);
  const blobs = fromRows(Array.from({ length: 300 }, (_, i) => {
    const c = i % 3;
    return [c * 10 + rng.normal(), -c * 5 + rng.normal()];
  }));

  it('separates well-spread blobs exactly, with SageMaker’s defaults', () => {
    const r = trainKMeans({ k: '3', feature_dim: '2' }, { train: blobs });
    const { cluster } = r.model.assign(blobs);
    for (let i = 3; i < 300; i++) expect(cluster[i]).toBe(cluster[i % 3]);
    expect(new Set([cluster[0], cluster[1], cluster[2]]).size).toBe(3);
  });

  it('prints test:msd and test:ssd lines SageMaker’s metric regexes read', () => {
    const lines: string[] = [];
    trainKMeans({ k: '3', feature_dim: '2', eval_metrics: '["msd","ssd"]' }, { train: blobs, test: blobs }, { log: (l) => lines.push(l) });
    const text = lines.join('\n');
    for (const re of [/#quality_metric: host=\S+, test msd <loss>=(\S+)/, /#quality_metric: host=\S+, test ssd <loss>=(\S+)/, /#quality_metric: host=\S+, train msd <loss>=(\S+)/]) {
      expect(Number(re.exec(text)?.[1])).toBeGreaterThan(0);
    }
  });

  it('is deterministic for a seed and round-trips through JSON', () => {
    const a = trainKMeans({ k: '3', feature_dim: '2', init_method: 'random' }, { train: blobs }, { seed: 3 }).model;
    const b = trainKMeans({ k: '3', feature_dim: '2', init_method: 'random' }, { train: blobs }, { seed: 3 }).model;
    expect(Array.from(a.centers)).toEqual(Array.from(b.centers));
    const back = KMeansModel.fromJSON(JSON.parse(JSON.stringify(a)));
    expect(back.predict(blobs)).toEqual(a.predict(blobs));
    const one = back.predictRow([10, -5]);
    expect(one).toEqual(a.predict(fromRows([[10, -5]]))[0]);
    // Distance is Euclidean to the nearest centre.
    const c = one.closest_cluster;
    expect(one.distance_to_cluster).toBeCloseTo(Math.hypot(10 - (a.centers[c * 2] as number), -5 - (a.centers[c * 2 + 1] as number)), 12);
  });

  it('names bad hyperparameters and bad input', () => {
    const err = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        if (e instanceof MlInputError) return e.message;
        throw e;
      }
      return 'no error';
    };
    expect(err(() => trainKMeans({ feature_dim: '2' }, { train: blobs }))).toContain("'k' is required");
    expect(err(() => trainKMeans({ k: '0', feature_dim: '2' }, { train: blobs }))).toContain("'k' must be an integer ≥ 1; got '0'");
    expect(err(() => trainKMeans({ k: '3', feature_dim: '2', init_method: 'furthest' }, { train: blobs }))).toContain("'init_method' must be one of 'random', 'kmeans++', 'k-means++'");
    expect(err(() => trainKMeans({ k: '3', feature_dim: '2', eval_metrics: '["mse"]' }, { train: blobs }))).toContain("'eval_metrics' must be 'msd', 'ssd' or a JSON list of them");
    expect(err(() => trainKMeans({ k: '3', feature_dim: '2', max_iterations: '5' }, { train: blobs }))).toContain("unknown hyperparameter 'max_iterations'");
    expect(err(() => trainKMeans({ k: '3', feature_dim: '5' }, { train: blobs }))).toContain("'feature_dim' is 5, but the train channel has 2 features");
    expect(err(() => trainKMeans({ k: '3', feature_dim: '2' }, { train: fromRows([[1, 2], [3, Number.NaN], [1, 1]]) }))).toContain('row 2, column 2');
    expect(err(() => trainKMeans({ k: '5', feature_dim: '2' }, { train: fromRows([[1, 2], [3, 4]]) }))).toContain("'k' is 5, but the train channel has only 2 rows");
  });
});
