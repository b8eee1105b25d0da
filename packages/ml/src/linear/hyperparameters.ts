import { HyperparameterReader } from '../data/hyperparameters.js';

export type PredictorType = 'binary_classifier' | 'multiclass_classifier' | 'regressor';
export type LossName =
  | 'logistic' | 'hinge_loss' | 'softmax_loss' | 'squared_loss' | 'absolute_loss'
  | 'eps_insensitive_squared_loss' | 'eps_insensitive_absolute_loss' | 'quantile_loss' | 'huber_loss';
export type SelectionCriterion =
  | 'accuracy' | 'f_beta' | 'precision_at_target_recall' | 'recall_at_target_precision' | 'loss_function' | 'cross_entropy_loss';

/** Linear Learner's hyperparameters after parsing, with every `auto` resolved. */
export interface LinearLearnerConfig {
  /** `num_models` as given: Loam trains one model whatever it says (see {@link parseLinearLearnerHyperparameters}). */
  readonly numModels?: number | 'auto';
  readonly predictorType: PredictorType;
  readonly featureDim: number | undefined;
  readonly numClasses: number;
  readonly loss: LossName;
  readonly epochs: number;
  readonly miniBatchSize: number;
  readonly optimizer: 'sgd' | 'adam' | 'rmsprop';
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly momentum: number;
  readonly wd: number;
  readonly l1: number;
  readonly biasLrMult: number;
  readonly biasWdMult: number;
  readonly useBias: boolean;
  readonly normalizeData: boolean;
  readonly normalizeLabel: boolean;
  readonly unbiasData: boolean;
  readonly unbiasLabel: boolean;
  readonly numPointForScaler: number;
  readonly useLrScheduler: boolean;
  readonly lrSchedulerStep: number | 'auto';
  readonly lrSchedulerFactor: number;
  readonly lrSchedulerMinimumLr: number;
  readonly earlyStoppingPatience: number;
  readonly earlyStoppingTolerance: number;
  readonly selectionCriterion: SelectionCriterion;
  readonly targetPrecision: number;
  readonly targetRecall: number;
  readonly fBeta: number;
  readonly positiveExampleWeightMult: number | 'balanced' | 'auto';
  readonly balanceMulticlassWeights: boolean;
  readonly accuracyTopK: number;
  readonly numCalibrationSamples: number | 'auto';
  readonly margin: number;
  readonly quantile: number;
  readonly lossInsensitivity: number;
  readonly huberDelta: number;
  readonly initMethod: 'uniform' | 'normal';
  readonly initScale: number;
  readonly initSigma: number;
  readonly initBias: number;
}

const LOSSES: Record<PredictorType, readonly LossName[]> = {
  binary_classifier: ['logistic', 'hinge_loss'],
  multiclass_classifier: ['softmax_loss'],
  regressor: ['squared_loss', 'absolute_loss', 'eps_insensitive_squared_loss', 'eps_insensitive_absolute_loss', 'quantile_loss', 'huber_loss'],
};
const DEFAULT_LOSS: Record<PredictorType, LossName> = { binary_classifier: 'logistic', multiclass_classifier: 'softmax_loss', regressor: 'squared_loss' };
const ALL_LOSSES: readonly LossName[] = [...new Set(Object.values(LOSSES).flat())];

/**
 * Parses and validates Linear Learner's hyperparameters (SageMaker's names, string values).
 * `auto` values resolve to fixed defaults documented here, since Loam trains one model
 * (`num_models` is accepted and ignored, as under automatic model tuning): `learning_rate` 0.01 for adam
 * and rmsprop, 0.1 for sgd (features are standardised); `wd` and `l1` 0; `momentum` 0; `beta_1` 0.9, `beta_2` 0.999; the learning-rate
 * scheduler multiplies the rate by 0.99 once per epoch, down to 1e-5.
 * @throws MlInputError naming every invalid or unknown hyperparameter.
 */
export function parseLinearLearnerHyperparameters(raw: Readonly<Record<string, string>>): LinearLearnerConfig {
  const r = new HyperparameterReader('Linear Learner', raw);
  r.require('predictor_type');
  const predictorType = r.choice<PredictorType>('predictor_type', ['binary_classifier', 'multiclass_classifier', 'regressor'], 'binary_classifier');
  const featureDim = r.has('feature_dim') ? r.int('feature_dim', 0, 1) : (r.int('feature_dim', 0), undefined);
  let numClasses = predictorType === 'multiclass_classifier' ? r.int('num_classes', 3, 3, 1_000_000) : (r.int('num_classes', 0, 2, 1_000_000), predictorType === 'binary_classifier' ? 2 : 1);
  if (predictorType === 'multiclass_classifier' && !r.has('num_classes')) r.require('num_classes', "when 'predictor_type' is 'multiclass_classifier'");
  if (predictorType !== 'multiclass_classifier') numClasses = predictorType === 'binary_classifier' ? 2 : 1;
  const lossRaw = r.choice<LossName | 'auto'>('loss', ['auto', ...ALL_LOSSES], 'auto');
  const loss = lossRaw === 'auto' ? DEFAULT_LOSS[predictorType] : lossRaw;
  if (!LOSSES[predictorType].includes(loss)) r.invalid('loss', `'${loss}' does not apply to predictor_type '${predictorType}' (valid: auto, ${LOSSES[predictorType].join(', ')})`);
  const optRaw = r.choice('optimizer', ['auto', 'sgd', 'adam', 'rmsprop'] as const, 'auto');
  const optimizer = optRaw === 'auto' ? 'adam' : optRaw;
  const lr = r.floatOrAuto('learning_rate', 0, undefined, true);
  const normalizeData = r.choice('normalize_data', ['auto', 'true', 'false'] as const, 'true') !== 'false';
  const normLabel = r.choice('normalize_label', ['auto', 'true', 'false'] as const, 'auto');
  const useBias = r.bool('use_bias', true);
  const unbiasData = r.choice('unbias_data', ['auto', 'true', 'false'] as const, 'auto');
  const unbiasLabel = r.choice('unbias_label', ['auto', 'true', 'false'] as const, 'auto');
  const auto = <T>(v: T | 'auto', d: T): T => (v === 'auto' ? d : v);
  const pewRaw = r.has('positive_example_weight_mult') && ['balanced', 'auto'].includes((raw['positive_example_weight_mult'] ?? '').trim().toLowerCase())
    ? (r.choice('positive_example_weight_mult', ['balanced', 'auto'] as const, 'auto'))
    : r.float('positive_example_weight_mult', 1, 0, undefined, true);
  const config: LinearLearnerConfig = {
    predictorType,
    featureDim,
    numClasses,
    loss,
    epochs: r.int('epochs', 15, 1),
    miniBatchSize: r.int('mini_batch_size', 1000, 1),
    optimizer,
    learningRate: auto(lr, optimizer === 'sgd' ? 0.1 : 0.01),
    beta1: auto(r.floatOrAuto('beta_1', 0, 1), 0.9),
    beta2: auto(r.floatOrAuto('beta_2', 0, 1), 0.999),
    momentum: auto(r.floatOrAuto('momentum', 0, 1), 0),
    wd: auto(r.floatOrAuto('wd', 0), 0),
    l1: auto(r.floatOrAuto('l1', 0), 0),
    biasLrMult: auto(r.floatOrAuto('bias_lr_mult', 0, undefined, true), 1),
    biasWdMult: auto(r.floatOrAuto('bias_wd_mult', 0), 0),
    useBias,
    normalizeData,
    // Label scaling only makes sense for regression; SageMaker ignores `true` for classifiers.
    normalizeLabel: predictorType === 'regressor' && normLabel !== 'false',
    unbiasData: unbiasData === 'auto' ? useBias : unbiasData === 'true',
    unbiasLabel: predictorType === 'regressor' && (unbiasLabel === 'auto' ? useBias : unbiasLabel === 'true'),
    numPointForScaler: r.int('num_point_for_scaler', 10_000, 1),
    useLrScheduler: r.bool('use_lr_scheduler', true),
    lrSchedulerStep: r.intOrAuto('lr_scheduler_step', 1),
    lrSchedulerFactor: auto(r.floatOrAuto('lr_scheduler_factor', 0, 1, true), 0.99),
    lrSchedulerMinimumLr: auto(r.floatOrAuto('lr_scheduler_minimum_lr', 0, undefined, true), 1e-5),
    earlyStoppingPatience: r.int('early_stopping_patience', 3, 1),
    earlyStoppingTolerance: r.float('early_stopping_tolerance', 0.001, 0, undefined, true),
    selectionCriterion: r.choice<SelectionCriterion>('binary_classifier_model_selection_criteria',
      ['accuracy', 'f_beta', 'precision_at_target_recall', 'recall_at_target_precision', 'loss_function', 'cross_entropy_loss'], 'accuracy'),
    targetPrecision: r.float('target_precision', 0.8, 0, 1, true),
    targetRecall: r.float('target_recall', 0.8, 0, 1, true),
    fBeta: r.float('f_beta', 1, 0, undefined, true),
    positiveExampleWeightMult: pewRaw,
    balanceMulticlassWeights: r.bool('balance_multiclass_weights', false),
    accuracyTopK: r.int('accuracy_top_k', 3, 1),
    numCalibrationSamples: r.intOrAuto('num_calibration_samples', 1),
    margin: r.float('margin', 1, 0, undefined, true),
    quantile: r.float('quantile', 0.5, 0, 1, true),
    lossInsensitivity: r.float('loss_insensitivity', 0.01, 0, undefined, true),
    huberDelta: r.float('huber_delta', 1, 0, undefined, true),
    initMethod: r.choice('init_method', ['uniform', 'normal'] as const, 'uniform'),
    initScale: r.float('init_scale', 0.07, 0, undefined, true),
    initSigma: r.float('init_sigma', 0.01, 0, undefined, true),
    initBias: r.float('init_bias', 0),
  };
  const numModels = r.intOrAuto('num_models', 1);
  if (config.quantile >= 1) r.invalid('quantile', `must be below 1; got '${config.quantile}'`);
  r.done();
  return { ...config, numModels };
}
