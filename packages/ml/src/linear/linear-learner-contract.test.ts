import { describe, expect, it } from 'vitest';
import { fromRows, type LabeledData } from '../data/matrix.js';
import { Rng } from '../data/random.js';
import { MlInputError } from '../errors.js';
import { accuracy, fBeta } from '../metrics/index.js';
import { chooseThreshold } from './evaluate.js';
import { parseLinearLearnerHyperparameters } from './hyperparameters.js';
import { LinearLearnerModel } from './model.js';
import { trainLinearLearner } from './train.js';

function synthetic(n: number, seed: number, kind: 'binary' | 'regression' = 'binary'): LabeledData {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = [rng.normal() * 3 + 10, rng.normal(), rng.normal() * 0.1];
    rows.push(r);
    const z = 0.8 * (r[0]! - 10) - 1.5 * r[1]! + 4 * r[2]! + rng.normal() * 0.7;
    y[i] = kind === 'binary' ? (z > 0 ? 1 : 0) : 50 + 3 * z;
  }
  return { x: fromRows(rows), y };
}
const train = synthetic(600, 1);
const validation = synthetic(300, 2);

const errorOf = (f: () => unknown): MlInputError => {
  try {
    f();
  } catch (e) {
    if (e instanceof MlInputError) return e;
    throw e;
  }
  throw new Error('expected an MlInputError');
};

describe('Linear Learner hyperparameters', () => {
  it('resolves SageMaker defaults', () => {
    const c = parseLinearLearnerHyperparameters({ predictor_type: 'regressor', feature_dim: '3' });
    expect([c.loss, c.epochs, c.miniBatchSize, c.optimizer, c.normalizeData, c.normalizeLabel, c.useBias]).toEqual(['squared_loss', 15, 1000, 'adam', true, true, true]);
    expect(parseLinearLearnerHyperparameters({ predictor_type: 'binary_classifier' }).normalizeLabel).toBe(false);
    expect(parseLinearLearnerHyperparameters({ predictor_type: 'multiclass_classifier', num_classes: '4' }).loss).toBe('softmax_loss');
  });
  it('names every unknown, out-of-range or inapplicable hyperparameter at once', () => {
    const e = errorOf(() => parseLinearLearnerHyperparameters({ predictor_type: 'binary_classifier', epochs: '0', learnin_rate: '0.1', loss: 'squared_loss', mini_batch_size: 'ten' }));
    expect(e.message).toContain("'epochs' must be an integer ≥ 1; got '0'");
    expect(e.message).toContain("'mini_batch_size' must be an integer ≥ 1; got 'ten'");
    expect(e.message).toContain("'loss' 'squared_loss' does not apply to predictor_type 'binary_classifier'");
    expect(e.message).toContain("unknown hyperparameter 'learnin_rate'");
    expect(errorOf(() => parseLinearLearnerHyperparameters({ predictor_type: 'multiclass_classifier' })).message).toContain("'num_classes' is required");
    expect(errorOf(() => parseLinearLearnerHyperparameters({ predictor_type: 'multiclass_classifier', num_classes: '2' })).message).toContain("'num_classes' must be an integer from 3 to 1000000; got '2'");
    expect(errorOf(() => parseLinearLearnerHyperparameters({})).where).toEqual({ hyperparameter: 'predictor_type' });
  });
  it('ignores names SageMaker reserves (automatic model tuning adds _tuning_objective_metric)', () => {
    expect(() => parseLinearLearnerHyperparameters({ predictor_type: 'regressor', _tuning_objective_metric: 'validation:mse' })).not.toThrow();
  });
});

describe('Linear Learner bad input', () => {
  it('names the row and column of a missing feature and the row of a bad label', () => {
    const x = fromRows([[1, 2], [3, Number.NaN]]);
    expect(errorOf(() => trainLinearLearner({ predictor_type: 'regressor' }, { train: { x, y: new Float64Array([1, 2]) } })).message)
      .toBe('The train channel has a missing or infinite value at row 2, column 3 (feature 2); Linear Learner needs every feature.');
    const ok = fromRows([[1, 2], [3, 4]]);
    expect(errorOf(() => trainLinearLearner({ predictor_type: 'binary_classifier' }, { train: { x: ok, y: new Float64Array([0, 2]) } })).message)
      .toBe("The train channel's label at row 2 is 2; binary_classifier needs 0 or 1.");
    const e = errorOf(() => trainLinearLearner({ predictor_type: 'multiclass_classifier', num_classes: '3' }, { train: { x: ok, y: new Float64Array([0, 3]) } }));
    expect(e.message).toContain('a class index from 0 to 2 (num_classes is 3)');
    expect(e.where['hyperparameter']).toBe('num_classes');
    expect(errorOf(() => trainLinearLearner({ predictor_type: 'regressor', feature_dim: '5' }, { train: { x: ok, y: new Float64Array([0, 3]) } })).where).toEqual({ hyperparameter: 'feature_dim' });
  });
});

describe('Linear Learner contract', () => {
  const hp = { predictor_type: 'binary_classifier', epochs: '20', mini_batch_size: '50', f_beta: '2' };

  it('prints the lines SageMaker’s Linear Learner metric definitions parse', () => {
    const lines: string[] = [];
    const r = trainLinearLearner(hp, { train, validation }, { log: (l) => lines.push(l) });
    const text = lines.join('\n');
    // Regexes from SageMaker's MetricDefinitions for the linear-learner image.
    const defs: Record<string, RegExp> = {
      'train:objective_loss': /#quality_metric: host=\S+, epoch=\S+, train \S+_objective <loss>=(\S+)/g,
      'validation:objective_loss': /#quality_metric: host=\S+, epoch=\S+, validation \S+_objective <loss>=(\S+)/g,
      'validation:binary_f_beta': /#quality_metric: host=\S+, validation binary_f_\S+ <score>=(\S+)/g,
      'validation:binary_classification_accuracy': /#quality_metric: host=\S+, validation binary_classification_accuracy <score>=(\S+)/g,
      'validation:precision': /#quality_metric: host=\S+, validation precision <score>=(\S+)/g,
      'validation:recall': /#quality_metric: host=\S+, validation recall <score>=(\S+)/g,
      'train:progress': /#progress_metric: host=\S+, completed (\S+) %/g,
      'train:throughput': /#throughput_metric: host=\S+, train throughput=(\S+) records\/second/g,
    };
    for (const [name, re] of Object.entries(defs)) {
      const hits = [...text.matchAll(re)].map((m) => Number(m[1]));
      expect(hits.length, name).toBeGreaterThan(0);
      expect(hits.every(Number.isFinite), name).toBe(true);
      const final = r.metrics.find((m) => m.name === name);
      if (final && !name.endsWith('objective_loss')) expect(hits.at(-1)).toBe(final.value);
    }
    expect(text).toContain('validation binary_f_2.000 <score>=');
    expect(text).not.toContain('num_models');
  });

  it('says in the log that a num_models above 1 still trains one model (the same model as num_models=1)', () => {
    const lines: string[] = [];
    const many = trainLinearLearner({ ...hp, num_models: '8' }, { train, validation }, { log: (l) => lines.push(l) });
    expect(lines[0]).toBe("num_models=8: Loam's Linear Learner trains one model with the given hyperparameters, not 8 in parallel (to compare settings, run a tuning job).");
    const one = trainLinearLearner({ ...hp, num_models: '1' }, { train, validation });
    expect(Array.from(many.model.weights)).toEqual(Array.from(one.model.weights));
  });

  it('calibrates the threshold on validation data to maximise the selection criterion', () => {
    for (const crit of ['accuracy', 'f_beta'] as const) {
      const r = trainLinearLearner({ ...hp, binary_classifier_model_selection_criteria: crit }, { train, validation });
      const s = r.model.scores(validation.x);
      const at = (t: number): number => {
        const pred = Array.from(s, (v) => (v >= t ? 1 : 0));
        return crit === 'accuracy' ? accuracy(validation.y, pred) : fBeta(validation.y, pred, 2);
      };
      // Brute force over every candidate threshold: none beats the one chosen.
      const bestBrute = Math.max(...Array.from(s, at));
      expect(at(r.model.threshold)).toBeCloseTo(bestBrute, 12);
      expect(r.metrics.find((m) => m.name === (crit === 'accuracy' ? 'validation:binary_classification_accuracy' : 'validation:binary_f_beta'))!.value).toBeCloseTo(bestBrute, 12);
    }
  });

  it('honours precision_at_target_recall', () => {
    const s = Float64Array.from([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]);
    const y = [1, 1, 0, 1, 0, 1, 0, 0];
    const c = parseLinearLearnerHyperparameters({ predictor_type: 'binary_classifier', binary_classifier_model_selection_criteria: 'precision_at_target_recall', target_recall: '0.75' });
    // Recall ≥ 0.75 needs the top 4 (3 of 4 positives), precision 3/4 there.
    expect(chooseThreshold(c, s, y, 0.5)).toEqual({ threshold: 0.6, value: 0.75 });
  });

  it('is deterministic for a seed, and the seed matters', () => {
    const a = trainLinearLearner(hp, { train }, { seed: 7 }).model;
    const b = trainLinearLearner(hp, { train }, { seed: 7 }).model;
    const c = trainLinearLearner(hp, { train }, { seed: 8 }).model;
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    expect(Array.from(a.weights)).not.toEqual(Array.from(c.weights));
  });

  it('stops early when the validation loss stops improving', () => {
    const lines: string[] = [];
    const r = trainLinearLearner({ ...hp, epochs: '200', early_stopping_patience: '2', early_stopping_tolerance: '0.05' }, { train, validation }, { log: (l) => lines.push(l) });
    expect(r.epochsRun).toBeLessThan(200);
    expect(lines.some((l) => l.includes('Early stop condition met'))).toBe(true);
  });

  it('serialises to versioned JSON and predicts the same batch and single rows after a round trip', () => {
    for (const [h, data] of [[hp, train], [{ predictor_type: 'regressor', epochs: '5' }, synthetic(200, 3, 'regression')]] as const) {
      const m = trainLinearLearner(h, { train: data }).model;
      const back = LinearLearnerModel.fromJSON(JSON.parse(JSON.stringify(m)));
      const batch = back.predict(data.x);
      expect(batch).toEqual(m.predict(data.x));
      for (const i of [0, 17, 99]) {
        const row = [0, 1, 2].map((j) => data.x.data[j * data.x.rows + i] as number);
        const one = back.predictRow(row) as { score: number };
        expect(one.score).toBeCloseTo((batch[i] as { score: number }).score, 12);
      }
    }
    expect(() => LinearLearnerModel.fromJSON({ format: 'loam.linear-learner', version: 9 })).toThrow(/version 9/);
    const m = trainLinearLearner(hp, { train }).model;
    expect(() => m.predictRow([1, 2])).toThrow(/expects 3 features per row; got 2/);
  });
});
