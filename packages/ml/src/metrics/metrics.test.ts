import { describe, expect, it } from 'vitest';
import { runPython } from '../data/python-reference.js';
import { Rng } from '../data/random.js';
import { MlInputError } from '../errors.js';
import {
  accuracy, binaryError, confusionMatrix, fBeta, f1, logLoss, mae, mse, multiError, multiLogLoss,
  multiclassRocAuc, precisionRecallFScore, r2, rmse, rocAuc,
} from './index.js';

// One synthetic case per task, with ties in the scores (rounded to 0.05) and uneven weights, so the
// tie handling and weighting of every metric are exercised against scikit-learn 1.2.
const rng = new Rng(7);
const n = 400;
const yBin = Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
const scores = yBin.map((y) => Math.round(Math.min(0.99, Math.max(0.01, 0.35 * y + 0.65 * rng.next())) * 20) / 20);
const predBin = scores.map((s) => (s > 0.5 ? 1 : 0));
const w = Array.from({ length: n }, () => 0.2 + 2 * rng.next());
const k = 4;
const yMulti = Array.from({ length: n }, () => rng.int(k));
const probs: number[] = [];
for (const y of yMulti) {
  const row = Array.from({ length: k }, (_, c) => rng.next() + (c === y ? 0.8 : 0));
  const s = row.reduce((a, b) => a + b, 0);
  probs.push(...row.map((v) => v / s));
}
const predMulti = yMulti.map((_, i) => {
  const row = probs.slice(i * k, i * k + k);
  return row.indexOf(Math.max(...row));
});
const yReg = Array.from({ length: n }, () => 10 * rng.normal() + 3);
const predReg = yReg.map((y) => y + 4 * rng.normal());

const script = `
import json, sys
import numpy as np
from sklearn import metrics as M
d = json.load(sys.stdin)
yb, s, pb, w = np.array(d['yBin']), np.array(d['scores']), np.array(d['predBin']), np.array(d['w'])
ym, P, pm = np.array(d['yMulti']), np.array(d['probs']).reshape(-1, d['k']), np.array(d['predMulti'])
yr, pr = np.array(d['yReg']), np.array(d['predReg'])
out = {}
for tag, sw in (('u', None), ('w', w)):
    out[tag] = {
        'auc': M.roc_auc_score(yb, s, sample_weight=sw),
        'logloss': M.log_loss(yb, s, sample_weight=sw, eps=1e-15),
        'acc': M.accuracy_score(yb, pb, sample_weight=sw),
        'prf_binary': M.precision_recall_fscore_support(yb, pb, sample_weight=sw, average='binary')[:3],
        'f2_binary': M.fbeta_score(yb, pb, beta=2, sample_weight=sw),
        'f05_pos0': M.fbeta_score(yb, pb, beta=0.5, pos_label=0, sample_weight=sw),
        'cm': M.confusion_matrix(ym, pm, sample_weight=sw).tolist(),
        'macc': M.accuracy_score(ym, pm, sample_weight=sw),
        'mlogloss': M.log_loss(ym, P, sample_weight=sw, eps=1e-15),
        'mauc_macro': M.roc_auc_score(ym, P, multi_class='ovr', average='macro', sample_weight=sw),
        'mauc_weighted': M.roc_auc_score(ym, P, multi_class='ovr', average='weighted', sample_weight=sw),
        'mse': M.mean_squared_error(yr, pr, sample_weight=sw),
        'mae': M.mean_absolute_error(yr, pr, sample_weight=sw),
        'r2': M.r2_score(yr, pr, sample_weight=sw),
    }
    for avg in ('macro', 'weighted', 'micro'):
        out[tag]['prf_' + avg] = M.precision_recall_fscore_support(ym, pm, sample_weight=sw, average=avg)[:3]
        out[tag]['f3_' + avg] = M.fbeta_score(ym, pm, beta=3, sample_weight=sw, average=avg)
print(json.dumps(out))
`;

type Ref = Record<'u' | 'w', Record<string, unknown>>;
const ref = runPython<Ref>(script, { yBin, scores, predBin, w, yMulti, probs, k, predMulti, yReg, predReg });

describe.each([
  ['unweighted', 'u', undefined],
  ['weighted', 'w', w],
] as const)('metrics vs scikit-learn 1.2 (%s)', (_name, tag, weights) => {
  const num = (key: string): number => ref[tag][key] as number;
  const vec = (key: string): number[] => ref[tag][key] as number[];
  const close = (a: number, b: number): void => expect(a).toBeCloseTo(b, 12);

  it('roc_auc_score with tied scores', () => close(rocAuc(yBin, scores, { weights }), num('auc')));
  it('log_loss', () => close(logLoss(yBin, scores, { weights }), num('logloss')));
  it('accuracy and error', () => {
    close(accuracy(yBin, predBin, { weights }), num('acc'));
    close(binaryError(yBin, scores, { weights }), 1 - num('acc'));
  });
  it('binary precision / recall / F1 / F-beta', () => {
    const prf = precisionRecallFScore(yBin, predBin, { weights });
    const [p, rc, f] = vec('prf_binary');
    close(prf.precision, p as number);
    close(prf.recall, rc as number);
    close(prf.fScore, f as number);
    close(f1(yBin, predBin, { weights }), f as number);
    close(fBeta(yBin, predBin, 2, { weights }), num('f2_binary'));
    close(fBeta(yBin, predBin, 0.5, { weights, posLabel: 0 }), num('f05_pos0'));
  });
  it.each(['macro', 'weighted', 'micro'] as const)('multiclass precision / recall / F (%s)', (average) => {
    const prf = precisionRecallFScore(yMulti, predMulti, { weights, average });
    const [p, rc, f] = vec(`prf_${average}`);
    close(prf.precision, p as number);
    close(prf.recall, rc as number);
    close(prf.fScore, f as number);
    close(fBeta(yMulti, predMulti, 3, { weights, average }), num(`f3_${average}`));
  });
  it('confusion matrix', () => {
    const cm = confusionMatrix(yMulti, predMulti, { weights });
    expect(cm.labels).toEqual([0, 1, 2, 3]);
    cm.matrix.forEach((row, t) => row.forEach((v, p) => close(v, ((ref[tag]['cm'] as number[][])[t] as number[])[p] as number)));
  });
  it('multiclass accuracy, merror, mlogloss, one-vs-rest AUC', () => {
    close(accuracy(yMulti, predMulti, { weights }), num('macc'));
    close(multiError(yMulti, probs, k, { weights }), 1 - num('macc'));
    close(multiLogLoss(yMulti, probs, k, { weights }), num('mlogloss'));
    close(multiclassRocAuc(yMulti, probs, k, { weights }), num('mauc_macro'));
    close(multiclassRocAuc(yMulti, probs, k, { weights, average: 'weighted' }), num('mauc_weighted'));
  });
  it('MSE, RMSE, MAE, R²', () => {
    close(mse(yReg, predReg, { weights }), num('mse'));
    close(rmse(yReg, predReg, { weights }), Math.sqrt(num('mse')));
    close(mae(yReg, predReg, { weights }), num('mae'));
    close(r2(yReg, predReg, { weights }), num('r2'));
  });
});

describe('metrics: hand-computed cases and bad input', () => {
  it('AUC counts a tie between a positive and a negative as one half', () => {
    // Pairs (pos, neg): (0.8 vs 0.5) win, (0.8 vs 0.8) tie, (0.3 vs 0.5) loss, (0.3 vs 0.8) loss → 1.5 / 4.
    expect(rocAuc([1, 0, 1, 0], [0.8, 0.5, 0.3, 0.8])).toBeCloseTo(0.375, 15);
  });
  it('AUC with a single class is NaN rather than a number that looks valid', () => {
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });
  it('R² of a constant target follows scikit-learn (1 if exact, else 0)', () => {
    expect(r2([2, 2], [2, 2])).toBe(1);
    expect(r2([2, 2], [2, 3])).toBe(0);
  });
  it('names the row of a NaN label and the metric of a length mismatch', () => {
    expect(() => rmse([1, Number.NaN], [1, 2])).toThrow(/row 2/);
    expect(() => logLoss([1, 0], [0.5])).toThrow(MlInputError);
    expect(() => multiLogLoss([0, 5], [0.5, 0.5, 0.5, 0.5], 2)).toThrow(/row 2 is 5/);
    expect(() => rocAuc([0, 2], [0.1, 0.2])).toThrow(/0\/1 labels; row 2/);
    expect(() => precisionRecallFScore([0, 1, 2], [0, 1, 2])).toThrow(/'binary' needs at most two classes/);
  });
});
