import { describe, expect, it } from 'vitest';
import { MlInputError } from '../errors.js';
import { type Table, biasReport } from './index.js';

// Hand-computed case: 6 rows in facet a, 4 in facet d (sex = 'F').
//   facet a: y = 1 1 1 0 0 0, ŷ = 1 1 0 1 0 0  → TP 2, FN 1, FP 1, TN 2, q_a = 1/2, q'_a = 1/2
//   facet d: y = 1 0 0 0,     ŷ = 1 1 1 0      → TP 1, FN 0, FP 2, TN 1, q_d = 1/4, q'_d = 3/4
//   groups:  g1 = a1 a2 a4 d1 d2, g2 = a3 a5 a6 d3 d4
const table: Table = {
  sex: ['M', 'M', 'M', 'M', 'M', 'M', 'F', 'F', 'F', 'F'],
  y: [1, 1, 1, 0, 0, 0, 1, 0, 0, 0],
  yhat: [1, 1, 0, 1, 0, 0, 1, 1, 1, 0],
  g: ['g1', 'g1', 'g2', 'g1', 'g2', 'g2', 'g1', 'g1', 'g2', 'g2'],
  x: [0, 1, 2, 10, 11, 12, 0.4, 1.6, 11.2, 5],
};
const base = {
  label: 'y',
  labelValuesOrThreshold: { values: [1] },
  facets: [{ name: 'sex', valueOrThreshold: { values: ['F'] } }],
  predictedLabel: 'yhat',
  groupVariable: 'g',
  features: ['x'],
} as const;

function values(section: { facets: Record<string, { metrics: { name: string; value: number | null }[] }[]> } | undefined): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const m of section!.facets['sex']![0]!.metrics) out[m.name] = m.value;
  return out;
}

describe('Clarify pre-training bias metrics (hand-computed)', () => {
  const r = biasReport(table, { ...base, preTrainingMethods: 'all' });
  const v = values(r.pre_training_bias_metrics);
  const pa = [0.5, 0.5];
  const pd = [0.75, 0.25];
  const kl = (p: number[], q: number[]) => p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]!), 0);
  const mid = [0.625, 0.375];

  it('computes CI, DPL, KL, JS, LP, TVD, KS by their definitions', () => {
    expect(v['CI']).toBeCloseTo(0.2, 12);
    expect(v['DPL']).toBeCloseTo(0.25, 12);
    expect(v['KL']).toBeCloseTo(0.5 * Math.log(4 / 3), 12);
    expect(v['JS']).toBeCloseTo(0.5 * (kl(pa, mid) + kl(pd, mid)), 12);
    expect(v['LP']).toBeCloseTo(Math.sqrt(2 * 0.25 ** 2), 12);
    expect(v['TVD']).toBeCloseTo(0.25, 12);
    expect(v['KS']).toBeCloseTo(0.25, 12);
  });

  it('computes CDDL over the group variable', () => {
    // g1: DD = 1/2 − 1/3; g2: DD = 2/4 − 0/1; CDD = (5·1/6 + 5·1/2)/10
    expect(v['CDDL']).toBeCloseTo((5 / 6 + 2.5) / 10, 12);
  });

  it("uses Clarify's report shape and descriptions", () => {
    const sec = r.pre_training_bias_metrics!;
    expect(sec.label).toBe('y');
    expect(sec.label_value_or_threshold).toBe('1');
    expect(sec.facets['sex']![0]!.value_or_threshold).toBe('F');
    expect(sec.facets['sex']![0]!.metrics.map((m) => m.name)).toEqual(['CI', 'DPL', 'KL', 'JS', 'LP', 'TVD', 'KS', 'CDDL']);
    expect(sec.facets['sex']![0]!.metrics[0]!.description).toBe('Class Imbalance (CI)');
  });
});

describe('Clarify post-training bias metrics (hand-computed)', () => {
  const r = biasReport(table, { ...base, postTrainingMethods: 'all', flipTestNeighbors: 3 });
  const v = values(r.post_training_bias_metrics);

  it('computes every confusion-matrix metric by its definition', () => {
    expect(v['DPPL']).toBeCloseTo(0.5 - 0.75, 12);
    expect(v['DI']).toBeCloseTo(0.75 / 0.5, 12);
    expect(v['DCA']).toBeCloseTo(3 / 3 - 1 / 3, 12);
    expect(v['DCR']).toBeCloseTo(3 / 1 - 3 / 3, 12);
    expect(v['SD']).toBeCloseTo(1 / 3 - 2 / 3, 12);
    expect(v['RD']).toBeCloseTo(2 / 3 - 1, 12);
    expect(v['DAR']).toBeCloseTo(2 / 3 - 1 / 3, 12);
    expect(v['DRR']).toBeCloseTo(1 - 2 / 3, 12);
    expect(v['AD']).toBeCloseTo(4 / 6 - 2 / 4, 12);
    expect(v['TE']).toBeCloseTo(0 / 2 - 1 / 1, 12);
  });

  it('computes CDDPL (a group with no predicted rejections contributes 0 for that share)', () => {
    // g1: 0 − 2/5; g2: 1/4 − 1/1
    expect(v['CDDPL']).toBeCloseTo((5 * -0.4 + 5 * -0.75) / 10, 12);
  });

  it('computes GE with α = 2 and benefit ŷ − y + 1', () => {
    // b = 1 1 0 2 1 1 1 2 2 1, μ = 1.2, Σ (b/μ)² = 18/1.44
    expect(v['GE']).toBeCloseTo((18 / 1.44 - 10) / 20, 12);
  });

  it('computes the flip test with k nearest neighbours in facet a', () => {
    // k = 3: d3 (ŷ 1) → neighbours a5 a6 a4 vote 0 (F⁻); d4 at x = 5 (ŷ 0) → a3, a2 and a1 (a1 ties a4, row order wins) vote 1 (F⁺).
    expect(v['FT']).toBeCloseTo(0, 12);
    const k1 = values(biasReport(table, { ...base, postTrainingMethods: ['FT'], flipTestNeighbors: 1 }).post_training_bias_metrics);
    // k = 1: d2 → a3 (0) F⁻, d3 → a5 (0) F⁻
    expect(k1['FT']).toBeCloseTo(-0.5, 12);
  });

  it('accepts the guide\'s code DCAcc and reports an undefined metric as null with an error', () => {
    const t: Table = { ...table, yhat: [0, 0, 0, 0, 0, 0, 1, 1, 1, 0] };
    const r2 = biasReport(t, { ...base, postTrainingMethods: ['DCAcc', 'DI'] });
    const ms = r2.post_training_bias_metrics!.facets['sex']![0]!.metrics;
    expect(ms[0]).toMatchObject({ name: 'DCA', value: null });
    expect(ms[0]!.error).toMatch(/undefined/);
    expect(ms[1]).toMatchObject({ name: 'DI', value: null });
  });
});

describe('facets and labels by threshold, every facet value', () => {
  it('selects facet d and the positive label by threshold', () => {
    const t: Table = { age: [20, 30, 45, 50, 61, 70], income: [10, 55, 30, 80, 90, 20] };
    const r = biasReport(t, {
      label: 'income',
      labelValuesOrThreshold: { threshold: 50 },
      facets: [{ name: 'age', valueOrThreshold: { threshold: 40 } }],
      preTrainingMethods: ['CI', 'DPL'],
    });
    const ms = r.pre_training_bias_metrics!.facets['age']![0]!.metrics;
    // d = age > 40: 4 rows, positives 2 (80, 90); a: 2 rows, positives 1 (55)
    expect(ms[0]!.value).toBeCloseTo((2 - 4) / 6, 12);
    expect(ms[1]!.value).toBeCloseTo(1 / 2 - 2 / 4, 12);
  });

  it('analyses each distinct value when the facet has no value', () => {
    const r = biasReport(table, { ...base, facets: [{ name: 'g' }], preTrainingMethods: ['CI'] });
    expect(r.pre_training_bias_metrics!.facets['g']!.map((f) => f.value_or_threshold)).toEqual(['g1', 'g2']);
  });
});

describe('bad input names the column and the metric', () => {
  const expectError = (fn: () => unknown, column: string, metric: string): void => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MlInputError);
    const e = err as MlInputError;
    expect(e.message).toContain(`'${column}'`);
    expect(e.message).toContain(`'${metric}'`);
    expect(e.where).toMatchObject({ column, metric });
  };

  it('absent facet column', () => {
    expectError(() => biasReport(table, { ...base, facets: [{ name: 'race', valueOrThreshold: { values: ['x'] } }], preTrainingMethods: ['CI'] }), 'race', 'CI');
  });
  it('constant label', () => {
    const t = { ...table, y: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] };
    expectError(() => biasReport(t, { ...base, preTrainingMethods: ['DPL'] }), 'y', 'DPL');
  });
  it('empty facet group', () => {
    expectError(() => biasReport(table, { ...base, facets: [{ name: 'sex', valueOrThreshold: { values: ['X'] } }], preTrainingMethods: ['KL'] }), 'sex', 'KL');
  });
  it('non-numeric column where a threshold needs numbers', () => {
    expectError(() => biasReport(table, { ...base, facets: [{ name: 'sex', valueOrThreshold: { threshold: 1 } }], preTrainingMethods: ['TVD'] }), 'sex', 'TVD');
  });
  it('non-numeric flip-test feature', () => {
    expectError(() => biasReport(table, { ...base, features: ['g'], postTrainingMethods: ['FT'] }), 'g', 'FT');
  });
  it('missing group variable', () => {
    expectError(() => biasReport(table, { ...base, groupVariable: 'region', preTrainingMethods: ['CDDL'] }), 'region', 'CDDL');
  });
});
