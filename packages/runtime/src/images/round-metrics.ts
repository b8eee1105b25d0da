import { parseGbdtParams } from '@loam/ml/gbdt/params';

/**
 * The metrics built-in XGBoost publishes itself every round (`train:` and `validation:` for each of its
 * evaluation metrics, the tuning objective's included), or none for another algorithm or hyperparameters
 * it would refuse (the job then fails on them anyway). Beside the image that publishes them
 * (builtin-algorithms.ts), read by the job runner, which applies no MetricDefinition of the same name.
 */
export function xgboostRoundMetrics(algorithm: string, hyperParameters: Readonly<Record<string, string>>): ReadonlySet<string> {
  if (algorithm !== 'xgboost') return new Set();
  try {
    const metrics = parseGbdtParams(hyperParameters).evalMetric;
    return new Set(metrics.flatMap((m) => [`train:${m}`, `validation:${m}`]));
  } catch {
    return new Set();
  }
}
