import { checkRange, MlInputError } from '../errors.js';
import type { GbdtObjective } from './model.js';

/** The evaluation metrics the training log can print (XGBoost's names). */
export type GbdtEvalMetric = 'auc' | 'logloss' | 'error' | 'rmse' | 'mae' | 'mlogloss' | 'merror' | 'poisson-nloglik';

/** Parsed, validated hyperparameters (XGBoost's names, camel-cased where they have underscores). */
export interface GbdtParams {
  readonly objective: GbdtObjective;
  readonly numRound: number;
  readonly eta: number;
  readonly maxDepth: number;
  readonly minChildWeight: number;
  readonly subsample: number;
  readonly colsampleBytree: number;
  readonly colsampleBylevel: number;
  readonly colsampleBynode: number;
  readonly lambda: number;
  readonly alpha: number;
  readonly gamma: number;
  readonly maxBin: number;
  /** Clips leaf weights (0 = off); `count:poisson` also adds it to the margin in its hessian (default 0.7 there, as XGBoost's learner sets). */
  readonly maxDeltaStep: number;
  readonly scalePosWeight: number;
  /** `num_class` for multi-class objectives, else 1. */
  readonly numClass: number;
  readonly evalMetric: readonly GbdtEvalMetric[];
  readonly earlyStoppingRounds: number | undefined;
  /** The validation metric early stopping watches: the tuning objective's when a tuning job set one, else the last of `evalMetric`. */
  readonly earlyStoppingMetric: GbdtEvalMetric;
  readonly seed: number;
  readonly baseScore: number;
  /** Histogram-building threads (XGBoost's `nthread`), 1 or 2. */
  readonly nthread: number;
}

const OBJECTIVES: readonly GbdtObjective[] = ['binary:logistic', 'reg:squarederror', 'reg:logistic', 'multi:softprob', 'multi:softmax', 'count:poisson'];
const METRICS: readonly GbdtEvalMetric[] = ['auc', 'logloss', 'error', 'rmse', 'mae', 'mlogloss', 'merror', 'poisson-nloglik'];

/** XGBoost's default metric per objective (1.7: logloss for binary:logistic, not error). */
const DEFAULT_METRIC: Record<GbdtObjective, GbdtEvalMetric> = {
  'binary:logistic': 'logloss',
  'reg:squarederror': 'rmse',
  'reg:logistic': 'rmse',
  'multi:softprob': 'mlogloss',
  'multi:softmax': 'mlogloss',
  'count:poisson': 'poisson-nloglik',
};

const SUPPORTED = new Set([
  'objective', 'num_round', 'eta', 'max_depth', 'min_child_weight', 'subsample', 'colsample_bytree', 'colsample_bylevel',
  'colsample_bynode', 'lambda', 'alpha', 'gamma', 'max_bin', 'max_delta_step', 'scale_pos_weight', 'num_class', 'eval_metric',
  'early_stopping_rounds', 'seed', 'base_score', 'nthread',
]);
/** Accepted for compatibility with SageMaker job definitions; they do not change the model. */
const IGNORED = new Set(['verbosity', 'silent', 'sketch_eps', 'process_type', 'predictor', 'seed_per_iteration']);

/**
 * Parses SageMaker's hyperparameter string map into {@link GbdtParams}.
 *
 * @throws MlInputError naming the hyperparameter when a key is unknown or unsupported, a value is not
 * a number or out of range, `num_round` is missing, or `num_class` is missing for a multi-class objective.
 */
export function parseGbdtParams(hp: Readonly<Record<string, string | number>>): GbdtParams {
  const s = (k: string): string | undefined => (hp[k] === undefined ? undefined : String(hp[k]).trim());
  for (const key of Object.keys(hp)) {
    if (key === '_kfold' || key === '_num_cv_round') {
      throw new MlInputError(`Hyperparameter '${key}' (k-fold cross-validation in SageMaker's XGBoost container) is not supported by Loam's XGBoost-compatible GBDT; tune with a validation channel instead.`, { hyperparameter: key });
    }
    if (SUPPORTED.has(key) || IGNORED.has(key) || key.startsWith('_') || key.startsWith('sagemaker_')) continue;
    if (key === 'tree_method') {
      if (!['auto', 'hist', 'approx', 'exact'].includes(s(key) ?? '')) bad(key, `must be one of auto, hist, approx, exact; got '${s(key)}'`);
      continue;
    }
    if (key === 'csv_weights') {
      // Read by the built-in image: with 1, the CSV column after the label holds instance weights.
      if (!['0', '1'].includes(s(key) ?? '')) bad(key, `must be 0 or 1; got '${s(key)}'`);
      continue;
    }
    if (key === 'grow_policy') {
      if (s(key) !== 'depthwise') bad(key, `only 'depthwise' is supported; got '${s(key)}'`);
      continue;
    }
    throw new MlInputError(`Hyperparameter '${key}' is not supported by the XGBoost-compatible GBDT (supported: ${[...SUPPORTED].join(', ')}).`, { hyperparameter: key });
  }
  const objective = (s('objective') ?? 'reg:squarederror') as GbdtObjective;
  if (!OBJECTIVES.includes(objective)) bad('objective', `must be one of ${OBJECTIVES.join(', ')}; got '${objective}'`);
  const multi = objective.startsWith('multi:');
  const numRoundText = s('num_round');
  if (numRoundText === undefined) throw new MlInputError(`Hyperparameter 'num_round' is required.`, { hyperparameter: 'num_round' });
  const numClassText = s('num_class');
  if (multi && numClassText === undefined) throw new MlInputError(`Hyperparameter 'num_class' is required for objective '${objective}'.`, { hyperparameter: 'num_class' });
  const metrics = (s('eval_metric') ?? DEFAULT_METRIC[objective]).split(',').map((m) => m.trim()).filter((m) => m !== '');
  if (metrics.length === 0) bad('eval_metric', `names no metric; give one or more of ${METRICS.join(', ')}, or leave it out`);
  // A tuning job passes its objective (`validation:auc`): as SageMaker's XGBoost does, that metric is
  // evaluated (appended when eval_metric lacks it) and early stopping watches it.
  const tuning = s('_tuning_objective_metric');
  let stopOn = metrics[metrics.length - 1]!;
  let added: string | undefined;
  if (tuning !== undefined) {
    const metric = /^(?:train|validation):(.+)$/.exec(tuning)?.[1];
    if (metric === undefined || !METRICS.includes(metric as GbdtEvalMetric)) {
      bad('_tuning_objective_metric', `must be train:<metric> or validation:<metric> with a metric among ${METRICS.join(', ')}; got '${tuning}'`);
    }
    if (!metrics.includes(metric)) metrics.push((added = metric));
    stopOn = metric;
  }
  for (const m of metrics) {
    const name = m === added ? '_tuning_objective_metric' : 'eval_metric';
    if (!METRICS.includes(m as GbdtEvalMetric)) bad(name, `must be among ${METRICS.join(', ')}; got '${m}'`);
    if ((m === 'mlogloss' || m === 'merror') && !multi) bad(name, `'${m}' needs a multi-class objective`);
    if ((m === 'auc' || m === 'logloss' || m === 'error') && multi) bad(name, `'${m}' is for binary objectives; use mlogloss or merror`);
  }
  const isLogistic = objective === 'binary:logistic' || objective === 'reg:logistic';
  const baseScore = num(s, 'base_score', 0.5, isLogistic ? 1e-15 : objective === 'count:poisson' ? 1e-15 : undefined, isLogistic ? 1 - 1e-15 : undefined);
  return {
    objective,
    numRound: int(s, 'num_round', 1, 1, 1_000_000),
    eta: num(s, 'eta', 0.3, 0, 1),
    maxDepth: int(s, 'max_depth', 6, 1, 30),
    minChildWeight: num(s, 'min_child_weight', 1, 0),
    subsample: positiveFraction(s, 'subsample'),
    colsampleBytree: positiveFraction(s, 'colsample_bytree'),
    colsampleBylevel: positiveFraction(s, 'colsample_bylevel'),
    colsampleBynode: positiveFraction(s, 'colsample_bynode'),
    lambda: num(s, 'lambda', 1, 0),
    alpha: num(s, 'alpha', 0, 0),
    gamma: num(s, 'gamma', 0, 0),
    maxBin: int(s, 'max_bin', 256, 2, 65_535),
    maxDeltaStep: num(s, 'max_delta_step', objective === 'count:poisson' ? 0.7 : 0, 0),
    scalePosWeight: num(s, 'scale_pos_weight', 1, Number.MIN_VALUE),
    numClass: multi ? int(s, 'num_class', 2, 2, 100_000) : int(s, 'num_class', 1, 1, 1),
    evalMetric: metrics as GbdtEvalMetric[],
    earlyStoppingMetric: stopOn as GbdtEvalMetric,
    earlyStoppingRounds: s('early_stopping_rounds') === undefined ? undefined : int(s, 'early_stopping_rounds', 1, 1),
    seed: int(s, 'seed', 0, -2_147_483_648, 4_294_967_295),
    baseScore,
    nthread: Math.min(2, int(s, 'nthread', 2, 1, 1024)),
  };
}

type Get = (k: string) => string | undefined;

function bad(name: string, why: string): never {
  throw new MlInputError(`Hyperparameter '${name}' ${why}.`, { hyperparameter: name });
}

function toNumber(name: string, text: string): number {
  const v = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(v)) bad(name, `must be a number; got '${text}'`);
  return v;
}

function num(s: Get, name: string, dflt: number, min?: number, max?: number): number {
  const t = s(name);
  return t === undefined ? dflt : checkRange(name, toNumber(name, t), min, max);
}

function int(s: Get, name: string, dflt: number, min?: number, max?: number): number {
  const t = s(name);
  if (t === undefined) return dflt;
  const v = toNumber(name, t);
  if (!Number.isInteger(v)) bad(name, `must be an integer; got '${t}'`);
  return checkRange(name, v, min, max);
}

function positiveFraction(s: Get, name: string): number {
  const v = num(s, name, 1, 0, 1);
  if (v <= 0) bad(name, `must be in (0, 1]; got '${v}'`);
  return v;
}
