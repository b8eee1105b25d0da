// Test support for the GBDT tests: datasets from datasets/tabular, seeded splits, and the XGBoost
// 1.7 reference (Debian's python3-xgboost) run on exactly the same rows and hyperparameters.
import { fileURLToPath } from 'node:url';
import { readCsv } from '../data/csv-reader.js';
import { takeRows, type DenseMatrix, type LabeledData } from '../data/matrix.js';
import { runPython } from '../data/python-reference.js';
import { Rng } from '../data/random.js';

export type DatasetName = 'breast_cancer' | 'iris' | 'wine' | 'diabetes';

export function loadDataset(name: DatasetName): LabeledData {
  return readCsv(fileURLToPath(new URL(`../../../../datasets/tabular/${name}.csv`, import.meta.url)), { header: true });
}

/** A seeded 75 / 25 split. */
export function split(d: LabeledData, seed = 42): { train: LabeledData; test: LabeledData } {
  const perm = new Rng(seed).permutation(d.x.rows);
  const cut = Math.floor(d.x.rows * 0.75);
  // Feature names are dropped so importance keys are XGBoost's default `f<index>`.
  const x: DenseMatrix = { rows: d.x.rows, cols: d.x.cols, data: d.x.data };
  const pick = (idx: Uint32Array): LabeledData => ({ x: takeRows(x, idx), y: Float64Array.from(idx, (i) => d.y[i] as number) });
  return { train: pick(perm.subarray(0, cut)), test: pick(perm.subarray(cut)) };
}

/** Row-major nested arrays (NaN → null in JSON, which the reference reads back as NaN). */
export function rowsOf(m: DenseMatrix): (number | null)[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from({ length: m.cols }, (_, j) => {
    const v = m.data[j * m.rows + i] as number;
    return Number.isNaN(v) ? null : v;
  }));
}

/** Sets every `every`-th cell (by a fixed stride pattern) to NaN. */
export function withMissing(m: DenseMatrix, every: number): DenseMatrix {
  const data = Float32Array.from(m.data);
  for (let k = 0; k < data.length; k += every) data[k] = Number.NaN;
  return { ...m, data };
}

export interface ReferenceCase {
  readonly params: Record<string, string>;
  readonly train: LabeledData;
  readonly test: LabeledData;
}

export interface ReferenceResult {
  /** Test predictions (`n × num_class` row-major for multi:softprob). */
  readonly pred: number[];
  /** `evals_result()` per round: `{ train: { auc: [...] }, validation: {...} }`. */
  readonly evals: Record<string, Record<string, number[]>>;
  readonly bestIteration: number;
  readonly rounds: number;
  readonly importance: Record<string, Record<string, number>>;
}

const SCRIPT = String.raw`
import json, sys
import numpy as np
import xgboost as xgb
cases = json.load(sys.stdin)
out = []
for c in cases:
    p = dict(c['params'])
    rounds = int(p.pop('num_round'))
    esr = p.pop('early_stopping_rounds', None)
    metrics = p.pop('eval_metric', None)
    params = {k: (float(v) if k not in ('objective',) else v) for k, v in p.items()}
    for k in ('max_depth', 'max_bin', 'num_class', 'seed'):
        if k in params: params[k] = int(params[k])
    params['tree_method'] = 'hist'
    params['nthread'] = 1
    if metrics: params['eval_metric'] = metrics.split(',')
    f = lambda a: np.array(a, dtype=np.float32)
    dtr = xgb.DMatrix(f(c['xtr']), label=np.array(c['ytr']), missing=np.nan)
    dte = xgb.DMatrix(f(c['xte']), label=np.array(c['yte']), missing=np.nan)
    res = {}
    bst = xgb.train(params, dtr, rounds, evals=[(dtr, 'train'), (dte, 'validation')], evals_result=res, verbose_eval=False,
                    early_stopping_rounds=int(esr) if esr else None)
    # An early-stopped model predicts with its best iteration, as SageMaker's container serves it
    # (ntree_limit=best_ntree_limit, which a loaded 1.7 Booster keeps).
    pred = bst.predict(dte, iteration_range=(0, bst.best_iteration + 1)) if esr else bst.predict(dte)
    imp = {t: bst.get_score(importance_type=t) for t in ('weight', 'gain', 'cover', 'total_gain', 'total_cover')}
    out.append({'pred': pred.reshape(-1).astype(float).tolist(), 'evals': res, 'rounds': bst.num_boosted_rounds(),
                'bestIteration': int(getattr(bst, 'best_iteration', rounds - 1)), 'importance': imp})
print(json.dumps(out))
`;

/** Trains XGBoost 1.7 (`tree_method=hist`, one thread) on each case and returns what the tests compare. */
export function xgboostReference(cases: readonly ReferenceCase[]): ReferenceResult[] {
  const input = cases.map((c) => ({
    params: c.params, xtr: rowsOf(c.train.x), ytr: Array.from(c.train.y), xte: rowsOf(c.test.x), yte: Array.from(c.test.y),
  }));
  return runPython<ReferenceResult[]>(SCRIPT, input);
}
