import { MlInputError, checkRange } from '../errors.js';
import { parseTimeFreq, type TimeFreq } from './time-freq.js';

/** SageMaker DeepAR's likelihoods. */
export const LIKELIHOODS = ['gaussian', 'beta', 'negative-binomial', 'student-T', 'deterministic-L1'] as const;
export type LikelihoodName = (typeof LIKELIHOODS)[number];

/** DeepAR's hyperparameters after validation, by SageMaker's meaning (names in camelCase). */
export interface DeepArHyperparameters {
  readonly timeFreq: TimeFreq;
  readonly contextLength: number;
  readonly predictionLength: number;
  readonly epochs: number;
  readonly numCells: number;
  readonly numLayers: number;
  readonly likelihood: LikelihoodName;
  readonly dropoutRate: number;
  readonly learningRate: number;
  readonly miniBatchSize: number;
  /** `undefined` = train all epochs. */
  readonly earlyStoppingPatience: number | undefined;
  /** `'auto'` = infer from the train channel; `'ignore'` (SageMaker's `ignore`, or `""`) = drop `cat`; or one cardinality per feature. */
  readonly cardinality: 'auto' | 'ignore' | readonly number[];
  readonly embeddingDimension: number;
  readonly numDynamicFeat: 'auto' | 'ignore' | number;
  readonly numEvalSamples: number;
  readonly testQuantiles: readonly number[];
  /** Loam extension `_scaling`: `mean` (default, SageMaker's) or `std` (see `windowScale`). */
  readonly scaling: 'mean' | 'std';
  /**
   * Loam extension `_validation`: `none` (default, SageMaker's behaviour: the epoch with the lowest training
   * loss is kept), `tail` (each train series' last prediction_length points are held out; the epoch with the
   * lowest loss on them is kept), `tail-forecast` (held out as `tail`; the epoch whose forecast of them scores
   * the lowest mean weighted quantile loss is kept) or `tail-refit` (`tail` picks the number of epochs, then
   * the model is trained again from the same seed on the whole series for that many epochs).
   */
  readonly validation: ValidationMode;
  /**
   * Loam extension `_validation_windows` (default 1): with `_validation`, how many prediction_length windows at
   * the end of each train series are held out; the validation signal covers all of them (one forecast origin
   * per window, each conditioned on the points before it). Only 1 is accepted with `_validation=none`.
   */
  readonly validationWindows: number;
  /**
   * Loam extension `_averaging`: `none` (default, SageMaker's behaviour: the kept model is the kept epoch's
   * weights) or `ema` (an exponential moving average of the weights over training, time constant
   * `EMA_EPOCHS` epochs (averaging.ts), is what each epoch is scored on and what the kept model holds).
   */
  readonly averaging: AveragingMode;
}

const KNOWN = new Set([
  'time_freq', 'context_length', 'prediction_length', 'epochs', 'num_cells', 'num_layers', 'likelihood', 'dropout_rate',
  'learning_rate', 'mini_batch_size', 'early_stopping_patience', 'cardinality', 'embedding_dimension', 'num_dynamic_feat',
  'num_eval_samples', 'test_quantiles',
]);
const REQUIRED = ['time_freq', 'context_length', 'prediction_length', 'epochs'];
/** Loam's own `_` hyperparameters (ADR 0014); other `_` names (SageMaker's `_tuning_objective_metric` …) pass. */
const EXTENSIONS = ['_scaling', '_validation', '_validation_windows', '_averaging'];

/** Edit distance of two short names (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * Validates SageMaker's DeepAR hyperparameters (all strings, as CreateTrainingJob carries them) and
 * applies SageMaker's defaults.
 *
 * @throws MlInputError naming the hyperparameter: a required one missing, an unknown name, a value that
 *   does not parse, or one outside SageMaker's range.
 */
export function parseHyperparameters(hp: Readonly<Record<string, string>>): DeepArHyperparameters {
  for (const name of Object.keys(hp)) {
    // A misspelt extension (`_scalling`) would otherwise train silently without it.
    const meant = name.startsWith('_') && !EXTENSIONS.includes(name) ? EXTENSIONS.find((e) => distance(name.toLowerCase(), e) <= 2) : undefined;
    if (meant !== undefined) {
      throw new MlInputError(`Hyperparameter '${name}' is not a DeepAR hyperparameter; did you mean '${meant}'?`, { hyperparameter: name });
    }
    if (!KNOWN.has(name) && !name.startsWith('_') && !name.startsWith('sagemaker_')) {
      throw new MlInputError(`Hyperparameter '${name}' is not a DeepAR hyperparameter; valid names: ${[...KNOWN].join(', ')}.`, {
        hyperparameter: name,
      });
    }
  }
  for (const name of REQUIRED) {
    if (hp[name] === undefined || hp[name].trim() === '') {
      throw new MlInputError(`Hyperparameter '${name}' is required.`, { hyperparameter: name });
    }
  }
  const int = (name: string, dflt: number, min: number, max?: number): number => {
    const raw = hp[name];
    if (raw === undefined || raw.trim() === '') return dflt;
    const v = Number(raw);
    if (!Number.isInteger(v)) {
      throw new MlInputError(`Hyperparameter '${name}' must be an integer; got '${raw}'.`, { hyperparameter: name });
    }
    return checkRange(name, v, min, max);
  };
  const num = (name: string, dflt: number, min: number, max: number): number => {
    const raw = hp[name];
    if (raw === undefined || raw.trim() === '') return dflt;
    return checkRange(name, Number(raw), min, max);
  };
  const likelihood = hp['likelihood']?.trim() || 'student-T';
  if (!(LIKELIHOODS as readonly string[]).includes(likelihood)) {
    throw new MlInputError(`Hyperparameter 'likelihood' must be one of ${LIKELIHOODS.join(', ')}; got '${likelihood}'.`, {
      hyperparameter: 'likelihood',
    });
  }
  const patience = hp['early_stopping_patience'];
  const validation = parseValidation(hp['_validation']);
  const validationWindows = int('_validation_windows', 1, 1);
  if (validation === 'none' && validationWindows > 1) {
    throw new MlInputError(`Hyperparameter '_validation_windows' (${validationWindows}) needs '_validation' set to one of 'tail', 'tail-forecast', 'tail-refit'; with 'none' nothing is held out.`, {
      hyperparameter: '_validation_windows',
    });
  }
  return {
    timeFreq: parseTimeFreq(hp['time_freq'] as string),
    contextLength: int('context_length', 0, 1),
    predictionLength: int('prediction_length', 0, 1),
    epochs: int('epochs', 0, 1),
    numCells: int('num_cells', 40, 1),
    numLayers: int('num_layers', 2, 1, 8),
    likelihood: likelihood as LikelihoodName,
    dropoutRate: num('dropout_rate', 0.1, 0, 0.99),
    learningRate: num('learning_rate', 1e-3, 1e-8, 1),
    miniBatchSize: int('mini_batch_size', 128, 1),
    earlyStoppingPatience: patience === undefined || patience.trim() === '' ? undefined : int('early_stopping_patience', 0, 1),
    cardinality: parseCardinality(hp['cardinality']),
    embeddingDimension: int('embedding_dimension', 10, 1),
    numDynamicFeat: parseAutoInt('num_dynamic_feat', hp['num_dynamic_feat']),
    numEvalSamples: int('num_eval_samples', 100, 1),
    testQuantiles: parseQuantiles(hp['test_quantiles']),
    scaling: parseScaling(hp['_scaling']),
    validation,
    validationWindows,
    averaging: parseAveraging(hp['_averaging']),
  };
}

function parseScaling(raw: string | undefined): 'mean' | 'std' {
  const v = raw?.trim() || 'mean';
  if (v !== 'mean' && v !== 'std') {
    throw new MlInputError(`Hyperparameter '_scaling' must be 'mean' or 'std'; got '${raw}'.`, { hyperparameter: '_scaling' });
  }
  return v;
}

/** The values of the `_validation` extension. */
export type ValidationMode = 'none' | 'tail' | 'tail-forecast' | 'tail-refit';
const VALIDATION_MODES: readonly ValidationMode[] = ['none', 'tail', 'tail-forecast', 'tail-refit'];

function parseValidation(raw: string | undefined): ValidationMode {
  const v = raw?.trim() || 'none';
  const mode = VALIDATION_MODES.find((m) => m === v);
  if (mode === undefined) {
    throw new MlInputError(`Hyperparameter '_validation' must be one of ${VALIDATION_MODES.map((m) => `'${m}'`).join(', ')}; got '${raw}'.`, { hyperparameter: '_validation' });
  }
  return mode;
}

/** The values of the `_averaging` extension. */
export type AveragingMode = 'none' | 'ema';
const AVERAGING_MODES: readonly AveragingMode[] = ['none', 'ema'];

function parseAveraging(raw: string | undefined): AveragingMode {
  const v = raw?.trim() || 'none';
  const mode = AVERAGING_MODES.find((m) => m === v);
  if (mode === undefined) {
    throw new MlInputError(`Hyperparameter '_averaging' must be one of ${AVERAGING_MODES.map((m) => `'${m}'`).join(', ')}; got '${raw}'.`, { hyperparameter: '_averaging' });
  }
  return mode;
}

function parseCardinality(raw: string | undefined): DeepArHyperparameters['cardinality'] {
  if (raw === undefined || raw.trim() === 'auto') return 'auto';
  if (raw.trim() === '' || raw.trim() === 'ignore') return 'ignore';
  const list = parseJsonList(raw, 'cardinality', '[3, 10]');
  if (list.length === 0 || !list.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new MlInputError(`Hyperparameter 'cardinality' must be 'auto', 'ignore' or a list of positive integers like [3, 10]; got '${raw}'.`, {
      hyperparameter: 'cardinality',
    });
  }
  return list;
}

function parseAutoInt(name: string, raw: string | undefined): 'auto' | 'ignore' | number {
  if (raw === undefined || raw.trim() === 'auto') return 'auto';
  if (raw.trim() === '' || raw.trim() === 'ignore') return 'ignore';
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0) {
    throw new MlInputError(`Hyperparameter '${name}' must be 'auto', 'ignore' or a non-negative integer; got '${raw}'.`, { hyperparameter: name });
  }
  return v;
}

function parseQuantiles(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  const list = parseJsonList(raw, 'test_quantiles', '[0.1, 0.5, 0.9]');
  if (list.length === 0 || !list.every((q) => Number.isFinite(q) && q > 0 && q < 1)) {
    throw new MlInputError(`Hyperparameter 'test_quantiles' must be a list of numbers in (0, 1); got '${raw}'.`, {
      hyperparameter: 'test_quantiles',
    });
  }
  return list;
}

function parseJsonList(raw: string, name: string, example: string): number[] {
  try {
    const v: unknown = JSON.parse(raw.trim().startsWith('[') ? raw : `[${raw}]`);
    if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? Number(x) : typeof x === 'number' ? x : NaN));
  } catch {
    // fall through to the error naming the hyperparameter
  }
  throw new MlInputError(`Hyperparameter '${name}' must be a list like ${example}; got '${raw}'.`, { hyperparameter: name });
}
