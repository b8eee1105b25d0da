import { rocAuc } from '../metrics/index.js';
import { trainGbdt } from '../gbdt/index.js';
import type { DenseMatrix } from '../data/matrix.js';

/** The data of a quick model (the shape core's profile builds). */
export interface QuickModelInput {
  readonly featureNames: readonly string[];
  readonly columns: readonly Float32Array[];
  readonly labels: Float64Array;
  readonly problem: 'binary' | 'multiclass' | 'regression';
  readonly numClass: number;
  readonly isTest: Uint8Array;
}

function subset(input: QuickModelInput, test: 0 | 1): { x: DenseMatrix; y: Float64Array } {
  const idx: number[] = [];
  input.isTest.forEach((t, i) => { if (t === test) idx.push(i); });
  const rows = idx.length;
  const cols = input.columns.length;
  const data = new Float32Array(rows * cols);
  input.columns.forEach((c, j) => idx.forEach((r, i) => { data[j * rows + i] = c[r] as number; }));
  return { x: { rows, cols, data, columnNames: [...input.featureNames] }, y: Float64Array.from(idx, (r) => input.labels[r] as number) };
}

/**
 * Data Wrangler's Quick Model with Loam's GBDT: 50 trees of depth 4 on the training rows, scored on the
 * held-out rows (binary: ROC-AUC; multiclass: accuracy; regression: R²), importance by total gain.
 */
export async function trainQuickModel(input: QuickModelInput, signal?: AbortSignal): Promise<{ metric: string; heldOutScore: number; importance: Record<string, number> }> {
  const train = subset(input, 0);
  const test = subset(input, 1);
  const objective = input.problem === 'binary' ? 'binary:logistic' : input.problem === 'multiclass' ? 'multi:softprob' : 'reg:squarederror';
  const params: Record<string, string | number> = { objective, num_round: 50, max_depth: 4, eta: 0.3, ...(input.problem === 'multiclass' ? { num_class: input.numClass } : {}) };
  const model = await trainGbdt({ x: train.x, y: train.y }, params, signal ? { signal } : {});
  const pred = model.predict(test.x);
  let metric: string;
  let score: number;
  if (input.problem === 'binary') {
    metric = 'roc_auc';
    score = rocAuc(test.y, pred);
  } else if (input.problem === 'multiclass') {
    metric = 'accuracy';
    const k = input.numClass;
    let ok = 0;
    for (let i = 0; i < test.y.length; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if ((pred[i * k + c] as number) > (pred[i * k + best] as number)) best = c;
      if (best === test.y[i]) ok++;
    }
    score = test.y.length ? ok / test.y.length : 0;
  } else {
    metric = 'r2';
    const mean = test.y.reduce((a, b) => a + b, 0) / Math.max(1, test.y.length);
    let ssr = 0;
    let sst = 0;
    test.y.forEach((y, i) => { ssr += (y - (pred[i] as number)) ** 2; sst += (y - mean) ** 2; });
    score = sst === 0 ? 0 : 1 - ssr / sst;
  }
  return { metric, heldOutScore: score, importance: model.featureImportance('total_gain') };
}
