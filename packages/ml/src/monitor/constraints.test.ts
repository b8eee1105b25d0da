import { describe, expect, it } from 'vitest';
import { runPython } from '../data/python-reference.js';
import { checkConstraints } from './violations.js';
import { suggestConstraints } from './constraints.js';
import { computeStatistics } from './statistics.js';
import { binaryQuality, multiclassQuality, regressionQuality } from './model-quality.js';

const baseline = {
  age: [23, 35, 41, 52, 29, 33, 47, 38, 61, 44],
  income: ['12.5', '30', '41.25', '55', '18', '', '47.5', '39', '72', '44'],
  city: ['A', 'B', 'A', 'C', 'B', 'A', 'A', 'B', 'C', 'A'],
};

describe('statistics.json, constraints.json and violations (hand-built case)', () => {
  const stats = computeStatistics(baseline);
  const constraints = suggestConstraints(stats);

  it('infers types, counts and categorical frequencies', () => {
    expect(stats.dataset.item_count).toBe(10);
    const [age, income, city] = stats.features;
    expect(age).toMatchObject({ name: 'age', inferred_type: 'Integral' });
    expect(age!.numerical_statistics).toMatchObject({ common: { num_present: 10, num_missing: 0 }, sum: 403, min: 23, max: 61 });
    expect(age!.numerical_statistics!.mean).toBeCloseTo(40.3, 12);
    expect(income).toMatchObject({ name: 'income', inferred_type: 'Fractional' });
    expect(income!.numerical_statistics!.common).toEqual({ num_present: 9, num_missing: 1 });
    expect(city!.string_statistics).toEqual({
      common: { num_present: 10, num_missing: 0 },
      distinct_count: 3,
      distribution: { categorical: { buckets: [{ value: 'A', count: 5 }, { value: 'B', count: 3 }, { value: 'C', count: 2 }] } },
    });
  });

  it('suggests completeness, non-negativity and domains', () => {
    expect(constraints.features).toEqual([
      { name: 'age', inferred_type: 'Integral', completeness: 1, num_constraints: { is_non_negative: true }, monitoringConfigOverrides: {} },
      { name: 'income', inferred_type: 'Fractional', completeness: 0.9, num_constraints: { is_non_negative: true }, monitoringConfigOverrides: {} },
      { name: 'city', inferred_type: 'String', completeness: 1, string_constraints: { domains: ['A', 'B', 'C'] }, monitoringConfigOverrides: {} },
    ]);
    expect(constraints.monitoring_config.distribution_constraints.comparison_method).toBe('Robust');
  });

  it('passes the baseline itself and flags each kind of violation', () => {
    expect(checkConstraints(baseline, constraints, stats).violations.violations).toEqual([]);
    const current = {
      age: [23.5, 35, 'n/a', 52, 29, 33.2, 47, 38, 61, 44],
      city: ['A', 'D', 'E', 'D', 'B', '', 'A', 'D', 'C', 'E'],
      zip: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'],
    };
    const { violations } = checkConstraints(current, { ...constraints, monitoring_config: { ...constraints.monitoring_config, distribution_constraints: { ...constraints.monitoring_config.distribution_constraints, comparison_method: 'Simple' } } }, stats);
    const kinds = violations.violations.map((v) => `${v.feature_name}:${v.constraint_check_type}`);
    expect(kinds).toEqual([
      'age:data_type_check', // 3 of 10 not Integral > 10 %
      'income:missing_column_check',
      'city:completeness_check', // 90 % < 100 %
      'city:categorical_values_check', // 5 of 9 outside {A, B, C}
      'city:baseline_drift_check', // L∞ of frequencies 0.5 − 2/9
      'zip:extra_column_check',
    ]);
    expect(violations.violations[0]!.description).toContain('Only 70.0% of data is Integral');
  });

  it('flags numeric drift by the L∞ distance between KLL CDFs', () => {
    const shifted = { ...baseline, age: baseline.age.map((a) => a + 15) };
    const simple = { ...constraints, monitoring_config: { ...constraints.monitoring_config, distribution_constraints: { ...constraints.monitoring_config.distribution_constraints, comparison_method: 'Simple' as const } } };
    const v = checkConstraints(shifted, simple, stats).violations.violations;
    expect(v.map((x) => `${x.feature_name}:${x.constraint_check_type}`)).toEqual(['age:baseline_drift_check']);
    expect(v[0]!.description).toMatch(/^Baseline drift distance: 0\.\d+ exceeds threshold: 0\.1$/);
  });
});

describe('model quality metric sets vs scikit-learn', () => {
  const n = 400;
  const y = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 13 < 6 ? 1 : 0));
  const score = Float64Array.from({ length: n }, (_, i) => Math.min(1, Math.max(0, 0.35 * (y[i] as number) + (((i * 104729) % 97) / 97) * 0.65)));
  const yReg = Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 10 + i / 40);
  const pReg = Float64Array.from({ length: n }, (_, i) => (yReg[i] as number) + Math.cos(i * 3) * 2);
  const yMc = Float64Array.from({ length: n }, (_, i) => i % 3);
  const pMc = Float64Array.from({ length: n }, (_, i) => ((i * 31) % 7 < 5 ? i % 3 : (i + 1) % 3));
  const ref = runPython<Record<string, number>>(
    String.raw`
import json, sys
import numpy as np
from sklearn import metrics as M
d = json.load(sys.stdin)
y, s = np.array(d['y']), np.array(d['score']); p = (s > 0.5).astype(int)
yr, pr = np.array(d['yReg']), np.array(d['pReg']); ym, pm = np.array(d['yMc']), np.array(d['pMc'])
print(json.dumps({
  'mae': M.mean_absolute_error(yr, pr), 'mse': M.mean_squared_error(yr, pr), 'rmse': M.mean_squared_error(yr, pr) ** 0.5, 'r2': M.r2_score(yr, pr),
  'recall': M.recall_score(y, p), 'precision': M.precision_score(y, p), 'accuracy': M.accuracy_score(y, p), 'auc': M.roc_auc_score(y, s),
  'f0_5': M.fbeta_score(y, p, beta=0.5), 'f1': M.f1_score(y, p), 'f2': M.fbeta_score(y, p, beta=2),
  'tnr': ((p == 0) & (y == 0)).sum() / (y == 0).sum(),
  'mc_accuracy': M.accuracy_score(ym, pm), 'weighted_recall': M.recall_score(ym, pm, average='weighted'),
  'weighted_precision': M.precision_score(ym, pm, average='weighted'), 'weighted_f1': M.f1_score(ym, pm, average='weighted'),
  'weighted_f2': M.fbeta_score(ym, pm, beta=2, average='weighted'), 'weighted_f0_5': M.fbeta_score(ym, pm, beta=0.5, average='weighted')}))`,
    { y: [...y], score: [...score], yReg: [...yReg], pReg: [...pReg], yMc: [...yMc], pMc: [...pMc] },
  );
  const val = (o: unknown): number => (o as { value: number }).value;

  it('regression: mae, mse, rmse, r2 with standard deviations', () => {
    const r = regressionQuality(yReg, pReg).regression_metrics;
    for (const k of ['mae', 'mse', 'rmse', 'r2']) expect(r[k]!.value).toBeCloseTo(ref[k]!, 10);
    expect(r['mae']!.standard_deviation).toBeGreaterThan(0);
  });

  it('binary classification set', () => {
    const b = binaryQuality(y, score).binary_classification_metrics;
    for (const k of ['recall', 'precision', 'accuracy', 'auc', 'f0_5', 'f1', 'f2']) expect(val(b[k])).toBeCloseTo(ref[k]!, 10);
    expect(val(b['true_negative_rate'])).toBeCloseTo(ref['tnr']!, 10);
    expect(val(b['recall_best_constant_classifier'])).toBe(0); // majority class is 0
    expect(Object.keys(b)).toContain('receiver_operating_characteristic_curve');
  });

  it('multiclass set', () => {
    const m = multiclassQuality(yMc, pMc).multiclass_classification_metrics;
    expect(val(m['accuracy'])).toBeCloseTo(ref['mc_accuracy']!, 10);
    for (const k of ['weighted_recall', 'weighted_precision', 'weighted_f1', 'weighted_f2', 'weighted_f0_5']) expect(val(m[k])).toBeCloseTo(ref[k]!, 10);
  });
});
