import { featureLayout, type FeatureLayout, type ScalingMode } from './features.js';
import type { DeepArHyperparameters } from './hyperparameters.js';
import { likelihoodFor, type Likelihood } from './likelihood.js';
import { layoutParams, type NetworkSpec, type ParamLayout } from './network.js';
import { lagsForFrequency } from './time-freq.js';

/** A trained DeepAR model: its hyperparameters, what it learned about the data's shape, and its weights. */
export interface DeepArModel {
  /** The hyperparameters as given (SageMaker's names, string values), kept for serialization. */
  readonly rawHyperparameters: Readonly<Record<string, string>>;
  readonly hyperparameters: DeepArHyperparameters;
  /** Resolved cardinality per categorical feature (empty = no `cat`). */
  readonly cardinality: readonly number[];
  readonly numDynamicFeat: number;
  readonly features: FeatureLayout;
  readonly spec: NetworkSpec;
  readonly layout: ParamLayout;
  readonly likelihood: Likelihood;
  readonly params: Float64Array;
  /** Seed of the training run; also the default seed for forecasts. */
  readonly seed: number;
}

/** The scaling a model applies: beta never scales, counts never shift. */
export function scalingMode(model: Pick<DeepArModel, 'hyperparameters' | 'likelihood'>): ScalingMode {
  if (!model.likelihood.scaled) return 'none';
  return model.hyperparameters.scaling === 'std' && model.likelihood.shiftable ? 'std' : 'mean';
}

/** Derives the network and feature layout of a model from its resolved data shape. */
export function modelShape(
  hp: DeepArHyperparameters, cardinality: readonly number[], numDynamicFeat: number,
): { features: FeatureLayout; spec: NetworkSpec; layout: ParamLayout; likelihood: Likelihood } {
  const likelihood = likelihoodFor(hp.likelihood);
  const features = featureLayout(hp.timeFreq, lagsForFrequency(hp.timeFreq), numDynamicFeat, cardinality.length, hp.embeddingDimension);
  const spec: NetworkSpec = {
    inputDim: features.inputDim,
    numCells: hp.numCells,
    numLayers: hp.numLayers,
    numArgs: likelihood.numArgs,
    cardinality,
    embeddingDimension: hp.embeddingDimension,
    embedOffset: features.embedOffset,
  };
  return { features, spec, layout: layoutParams(spec), likelihood };
}
