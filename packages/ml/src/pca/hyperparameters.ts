import { HyperparameterReader } from '../data/hyperparameters.js';

/** PCA hyperparameters after parsing (SageMaker's names). */
export interface PcaConfig {
  readonly numComponents: number;
  readonly featureDim: number;
  readonly miniBatchSize: number;
  readonly algorithmMode: 'regular' | 'randomized';
  readonly subtractMean: boolean;
  /** Oversampling for `randomized`; SageMaker's -1 means max(10, num_components). */
  readonly extraComponents: number;
}

/**
 * Parses SageMaker PCA hyperparameters.
 * @throws MlInputError naming every invalid or unknown hyperparameter (including `num_components` above `feature_dim`).
 */
export function parsePcaHyperparameters(raw: Readonly<Record<string, string>>): PcaConfig {
  const r = new HyperparameterReader('PCA', raw);
  r.require('num_components');
  r.require('feature_dim');
  const c = {
    numComponents: r.int('num_components', 1, 1),
    featureDim: r.int('feature_dim', 1, 1),
    // SageMaker requires it; here it only sets the block size of the streaming passes.
    miniBatchSize: r.int('mini_batch_size', 1000, 1),
    algorithmMode: r.choice('algorithm_mode', ['regular', 'randomized'] as const, 'regular'),
    subtractMean: r.bool('subtract_mean', true),
    extraComponents: r.int('extra_components', -1, -1),
  };
  if (c.numComponents > c.featureDim && r.has('feature_dim')) r.invalid('num_components', `is ${c.numComponents}, more than feature_dim (${c.featureDim})`);
  r.done();
  return { ...c, extraComponents: c.extraComponents === -1 ? Math.max(10, c.numComponents) : c.extraComponents };
}
