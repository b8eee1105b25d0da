import { MlInputError } from '../errors.js';
import type { LabeledData } from '../data/matrix.js';
import type { LinearLearnerConfig } from './hyperparameters.js';

/**
 * Checks every channel before training: widths agree with `feature_dim` and with each other, no
 * feature is missing (Linear Learner has no missing-value handling), and labels fit the predictor
 * type (0/1, class indexes below `num_classes`, finite numbers).
 */
export function checkChannels(c: LinearLearnerConfig, channels: { train: LabeledData; validation?: LabeledData | undefined; test?: LabeledData | undefined }): void {
  const d = channels.train.x.cols;
  if (c.featureDim !== undefined && c.featureDim !== d) {
    throw new MlInputError(`Hyperparameter 'feature_dim' is ${c.featureDim}, but the train channel has ${d} features per row.`, { hyperparameter: 'feature_dim' });
  }
  for (const [name, data] of [['train', channels.train], ['validation', channels.validation], ['test', channels.test]] as const) {
    if (!data) continue;
    const { x, y } = data;
    if (x.rows === 0) throw new MlInputError(`The ${name} channel has no rows.`, { channel: name });
    if (x.cols !== d) throw new MlInputError(`The ${name} channel has ${x.cols} features per row; the train channel has ${d}.`, { channel: name });
    if (y.length !== x.rows) throw new MlInputError(`The ${name} channel has ${y.length} labels for ${x.rows} rows.`, { channel: name });
    for (let j = 0; j < x.cols; j++) {
      const off = j * x.rows;
      for (let i = 0; i < x.rows; i++) {
        if (!Number.isFinite(x.data[off + i] as number)) {
          throw new MlInputError(`The ${name} channel has a missing or infinite value at row ${i + 1}, column ${j + 2} (feature ${j + 1}); Linear Learner needs every feature.`, { channel: name, row: i + 1, column: j + 2 });
        }
      }
    }
    for (let i = 0; i < x.rows; i++) {
      const v = y[i] as number;
      const ok = c.predictorType === 'binary_classifier' ? v === 0 || v === 1
        : c.predictorType === 'multiclass_classifier' ? Number.isInteger(v) && v >= 0 && v < c.numClasses
        : Number.isFinite(v);
      if (!ok) {
        const want = c.predictorType === 'binary_classifier' ? '0 or 1'
          : c.predictorType === 'multiclass_classifier' ? `a class index from 0 to ${c.numClasses - 1} (num_classes is ${c.numClasses})`
          : 'a finite number';
        throw new MlInputError(`The ${name} channel's label at row ${i + 1} is ${v}; ${c.predictorType} needs ${want}.`, { channel: name, row: i + 1, column: 1, ...(c.predictorType === 'multiclass_classifier' ? { hyperparameter: 'num_classes' } : {}) });
      }
    }
  }
}
