/**
 * Loam side of bench/classic: fit times of Linear Learner, k-means and PCA on
 * bench/.data/classic_200k_50.csv (written by gen_data.py), the same bytes scikit-learn reads.
 * Prints one JSON line per algorithm. Single-threaded. Run: node_modules/.bin/tsx bench/classic/run-loam.ts
 */
import { fileURLToPath } from 'node:url';
import { readCsv } from '../../packages/ml/src/data/csv-reader.js';
import { takeRows, type LabeledData } from '../../packages/ml/src/data/matrix.js';
import { trainKMeans } from '../../packages/ml/src/kmeans/train.js';
import { trainLinearLearner } from '../../packages/ml/src/linear/train.js';
import { rocAuc } from '../../packages/ml/src/metrics/ranking.js';
import { trainPca } from '../../packages/ml/src/pca/train.js';

const path = fileURLToPath(new URL('../.data/classic_200k_50.csv', import.meta.url));
const t0 = performance.now();
const all = readCsv(path);
const readS = (performance.now() - t0) / 1000;
const range = (a: number, b: number): Uint32Array => Uint32Array.from({ length: b - a }, (_, i) => a + i);
const part = (idx: Uint32Array): LabeledData => ({ x: takeRows(all.x, idx), y: Float64Array.from(idx, (i) => all.y[i] as number) });
const train = part(range(0, 160_000));
const test = part(range(160_000, all.x.rows));

const emit = (algo: string, fitS: number, extra: Record<string, number>): void => {
  console.log(JSON.stringify({ side: 'loam', algo, fit_s: Number(fitS.toFixed(3)), ...extra }));
};
console.log(JSON.stringify({ side: 'loam', algo: 'csv/read', fit_s: Number(readS.toFixed(3)), rows: all.x.rows }));

const time = <T>(f: () => T): [T, number] => {
  const s = performance.now();
  const r = f();
  return [r, (performance.now() - s) / 1000];
};

// Same objective as the peer: mean log loss + wd/2·‖w‖², 15 epochs (SageMaker's default), mini-batch 1000.
const [ll, llS] = time(() => trainLinearLearner({ predictor_type: 'binary_classifier', wd: '1e-4', epochs: '15', binary_classifier_model_selection_criteria: 'loss_function' }, { train }));
emit('linear/logistic-adam-15-epochs', llS, { test_auc: rocAuc(test.y, ll.model.scores(test.x)) });

const [km, kmS] = time(() => trainKMeans({ k: '10', feature_dim: '50', init_method: 'kmeans++', epochs: '3', eval_metrics: '["msd"]' }, { train: train.x, test: test.x }));
emit('kmeans/k10', kmS, { train_msd: km.metrics.find((m) => m.name === 'train:msd')!.value, test_msd: km.metrics.find((m) => m.name === 'test:msd')!.value });

for (const mode of ['regular', 'randomized'] as const) {
  const [p, pS] = time(() => trainPca({ num_components: '10', feature_dim: '50', mini_batch_size: '1000', algorithm_mode: mode }, { train: train.x }));
  emit(`pca/k10-${mode}`, pS, { explained_variance_0: p.model.explainedVariance[0] as number, explained_variance_9: p.model.explainedVariance[9] as number });
}
