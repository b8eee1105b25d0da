import { describe, expect, it } from 'vitest';
import { readCsv } from '../data/csv-reader.js';
import { takeRows, type LabeledData } from '../data/matrix.js';
import { runPython } from '../data/python-reference.js';
import { Rng } from '../data/random.js';
import { accuracy, logLoss, r2, rmse, rocAuc } from '../metrics/index.js';
import { trainLinearLearner, type LinearLearnerResult } from './train.js';

// Accuracy parity with scikit-learn 1.2 on real datasets shipped in datasets/tabular, same split, same
// regularisation. Linear Learner minimises mean(loss) + wd/2·‖w‖² on standardised features, which is
// LogisticRegression with C = 1/(n·wd), LinearSVC(hinge) with the same C, and Ridge with
// alpha = n·wd/2. Besides held-out metrics, the test checks that our weights reach scikit-learn's
// optimum of that same objective (evaluated by numpy on both solutions) to within 1%.
const DATA = new URL('../../../../datasets/tabular/', import.meta.url).pathname;
const WD = 1e-3;

function split(name: string, seed: number): { train: LabeledData; test: LabeledData; trainIdx: number[]; testIdx: number[]; path: string } {
  const path = `${DATA}${name}.csv`;
  const d = readCsv(path, { header: true });
  const p = new Rng(seed).permutation(d.x.rows);
  const cut = Math.round(d.x.rows * 0.7);
  const trainIdx = Array.from(p.subarray(0, cut));
  const testIdx = Array.from(p.subarray(cut));
  const part = (idx: number[]): LabeledData => ({ x: takeRows(d.x, idx), y: Float64Array.from(idx, (i) => d.y[i] as number) });
  return { train: part(trainIdx), test: part(testIdx), trainIdx, testIdx, path };
}

const common = { epochs: '200', mini_batch_size: '32', wd: String(WD), learning_rate: '0.1', lr_scheduler_factor: '0.99', early_stopping_patience: '300' };
const runs = {
  cancer: { data: split('breast_cancer', 1), kind: 'logistic', hp: { predictor_type: 'binary_classifier', binary_classifier_model_selection_criteria: 'loss_function' } },
  cancer_balanced: { data: split('breast_cancer', 1), kind: 'logistic', hp: { predictor_type: 'binary_classifier', positive_example_weight_mult: 'balanced', binary_classifier_model_selection_criteria: 'loss_function' } },
  cancer_hinge: { data: split('breast_cancer', 1), kind: 'hinge', hp: { predictor_type: 'binary_classifier', loss: 'hinge_loss', binary_classifier_model_selection_criteria: 'loss_function' } },
  diabetes: { data: split('diabetes', 2), kind: 'ridge', hp: { predictor_type: 'regressor' } },
  iris: { data: split('iris', 3), kind: 'softmax', hp: { predictor_type: 'multiclass_classifier', num_classes: '3' } },
  wine: { data: split('wine', 4), kind: 'softmax', hp: { predictor_type: 'multiclass_classifier', num_classes: '3' } },
  digits: { data: split('digits', 5), kind: 'softmax', hp: { predictor_type: 'multiclass_classifier', num_classes: '10' } },
} as const;
type RunName = keyof typeof runs;

const ours = Object.fromEntries(
  Object.entries(runs).map(([name, r]) => [name, trainLinearLearner({ ...common, ...r.hp }, { train: r.data.train, test: r.data.test })]),
) as Record<RunName, LinearLearnerResult>;

interface Ref {
  pred: number[];
  proba: number[] | null;
  objectiveRef: number;
  objectiveOurs: number;
}

const ref = runPython<Record<RunName, Ref>>(
  `import json, sys, numpy as np
from scipy.special import logsumexp
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.svm import LinearSVC
from sklearn.preprocessing import StandardScaler
a = json.load(sys.stdin)
out = {}
for name, c in a['runs'].items():
    d = np.loadtxt(c['path'], delimiter=',', skiprows=1, dtype=np.float32).astype(np.float64)
    X, y = d[:, 1:], d[:, 0]
    Xtr, ytr, Xte = X[c['trainIdx']], y[c['trainIdx']], X[c['testIdx']]
    n, wd = len(ytr), a['wd']
    # positive_example_weight_mult=balanced: positives weigh n_neg / n_pos, negatives 1.
    sw = np.where(ytr == 1, (ytr == 0).sum() / (ytr == 1).sum(), 1.0) if c['balanced'] else np.ones(n)
    sc = StandardScaler().fit(Xtr)
    S, T = sc.transform(Xtr), sc.transform(Xte)
    def objective(W, b):
        Z = S @ W.T + b
        reg = wd / 2 * np.sum(W ** 2)
        if c['kind'] == 'ridge': return float(np.mean((Z[:, 0] - ytr) ** 2) + reg)
        if c['kind'] == 'logistic': return float(np.mean(sw * (np.logaddexp(0, Z[:, 0]) - ytr * Z[:, 0])) + reg)
        if c['kind'] == 'hinge': return float(np.mean(np.maximum(0, 1 - (2 * ytr - 1) * Z[:, 0])) + reg)
        return float(np.mean(logsumexp(Z, axis=1) - Z[np.arange(n), ytr.astype(int)]) + reg)
    if c['kind'] == 'ridge': m = Ridge(alpha=n * wd / 2).fit(S, ytr)
    elif c['kind'] == 'hinge': m = LinearSVC(C=1 / (n * wd), loss='hinge', max_iter=500000, tol=1e-9).fit(S, ytr)
    else: m = LogisticRegression(C=1 / (n * wd), max_iter=20000, tol=1e-10).fit(S, ytr, sample_weight=sw)
    W0, b0 = np.atleast_2d(m.coef_), np.atleast_1d(m.intercept_)
    # Our weights act on raw features: express them on standardised ones to evaluate the same objective.
    Wr = np.array(c['w']).reshape(c['k'], -1)
    W, b = Wr * sc.scale_, np.array(c['b']) + Wr @ sc.mean_
    out[name] = {'pred': m.predict(T).tolist(), 'proba': m.predict_proba(T)[:, 1].tolist() if c['kind'] == 'logistic' else None,
                 'objectiveRef': objective(W0, b0), 'objectiveOurs': objective(W, b)}
print(json.dumps(out))`,
  {
    wd: WD,
    runs: Object.fromEntries(Object.entries(runs).map(([name, r]) => {
      const m = ours[name as RunName].model;
      return [name, { path: r.data.path, trainIdx: r.data.trainIdx, testIdx: r.data.testIdx, kind: r.kind, balanced: name === 'cancer_balanced', w: Array.from(m.weights), b: Array.from(m.bias), k: m.outputs }];
    })),
  },
);

const metric = (r: LinearLearnerResult, name: string): number => {
  const m = r.metrics.find((q) => q.name === name);
  if (!m) throw new Error(`no metric ${name}`);
  return m.value;
};
const labels = (r: LinearLearnerResult, data: LabeledData): number[] => r.model.predict(data.x).map((q) => (q as { predicted_label: number }).predicted_label);

describe('Linear Learner reaches scikit-learn’s optimum of the same objective', () => {
  // Smooth, well-conditioned objectives get within 1%. Hinge loss is non-smooth (SGD converges as
  // 1/√t), and digits (10 classes × 64 correlated pixels) is ill-conditioned: 200 epochs of mini-batch
  // Adam get within 5% and 10% there, while held-out accuracy still matches (tests below).
  it.each([
    ['cancer', 0.01], ['cancer_balanced', 0.01], ['diabetes', 0.01], ['iris', 0.01], ['wine', 0.01], ['cancer_hinge', 0.05], ['digits', 0.1],
  ] as const)('%s: training objective within %s (relative) of scikit-learn’s optimum', (name, tol) => {
    const { objectiveOurs, objectiveRef } = ref[name];
    expect(objectiveOurs).toBeGreaterThanOrEqual(objectiveRef * (1 - 1e-6)); // scikit-learn's solvers are exact
    expect(objectiveOurs / objectiveRef - 1).toBeLessThanOrEqual(tol);
  });
});

describe('Linear Learner held-out metrics vs scikit-learn (same split)', () => {
  it('breast cancer, logistic: accuracy within 0.02, AUC within 0.003, log loss within 0.01', () => {
    const { test } = runs.cancer.data;
    const r = ours.cancer;
    const p = r.model.scores(test.x);
    const want = ref.cancer;
    expect(Math.abs(accuracy(test.y, labels(r, test)) - accuracy(test.y, want.pred))).toBeLessThanOrEqual(0.02);
    expect(Math.abs(rocAuc(test.y, p) - rocAuc(test.y, want.proba!))).toBeLessThanOrEqual(0.003);
    expect(Math.abs(logLoss(test.y, p) - logLoss(test.y, want.proba!))).toBeLessThanOrEqual(0.01);
    expect(metric(r, 'test:binary_classification_accuracy')).toBeCloseTo(accuracy(test.y, labels(r, test)), 12);
    expect(metric(r, 'test:roc_auc_score')).toBeCloseTo(rocAuc(test.y, p), 12);
    expect(metric(r, 'test:objective_loss')).toBeCloseTo(logLoss(test.y, p), 9);
  });

  it('breast cancer, hinge_loss: accuracy within 0.02 of LinearSVC(hinge)', () => {
    const { test } = runs.cancer_hinge.data;
    expect(Math.abs(accuracy(test.y, labels(ours.cancer_hinge, test)) - accuracy(test.y, ref.cancer_hinge.pred))).toBeLessThanOrEqual(0.02);
  });

  it('diabetes, squared loss: RMSE within 0.5% and R² within 0.005 of Ridge', () => {
    const { test } = runs.diabetes.data;
    const p = ours.diabetes.model.scores(test.x);
    const want = ref.diabetes.pred;
    expect(Math.abs(rmse(test.y, p) / rmse(test.y, want) - 1)).toBeLessThanOrEqual(0.005);
    expect(Math.abs(r2(test.y, p) - r2(test.y, want))).toBeLessThanOrEqual(0.005);
    expect(metric(ours.diabetes, 'test:rmse')).toBeCloseTo(rmse(test.y, p), 9);
    expect(metric(ours.diabetes, 'test:mse')).toBeCloseTo(rmse(test.y, p) ** 2, 6);
  });

  it.each([
    ['iris', 0.023], // one test row of 45
    ['wine', 0.019], // one test row of 53
    ['digits', 0.01],
  ] as const)('%s, softmax: multiclass accuracy within %s of multinomial LogisticRegression', (name, tol) => {
    const { test } = runs[name].data;
    const got = accuracy(test.y, labels(ours[name], test));
    expect(Math.abs(got - accuracy(test.y, ref[name].pred))).toBeLessThanOrEqual(tol);
    expect(metric(ours[name], 'test:multiclass_accuracy')).toBeCloseTo(got, 12);
  });
});
