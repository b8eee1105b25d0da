import { HyperparameterReader } from '../data/hyperparameters.js';

export type KMeansInit = 'random' | 'kmeans++';

/** k-means hyperparameters after parsing (SageMaker's names). */
export interface KMeansConfig {
  readonly k: number;
  readonly featureDim: number;
  readonly miniBatchSize: number;
  readonly epochs: number;
  readonly initMethod: KMeansInit;
  /** `extra_center_factor`: centres kept while streaming, as a multiple of k. */
  readonly extraCenterFactor: number;
  readonly localLloydMaxIter: number;
  readonly localLloydTol: number;
  readonly localLloydInitMethod: KMeansInit;
  readonly localLloydNumTrials: number;
  readonly halfLifeTimeSize: number;
  readonly evalMetrics: readonly ('msd' | 'ssd')[];
}

/**
 * Parses SageMaker k-means hyperparameters. `auto` resolves to: `extra_center_factor` 2 when the
 * data allow it (k·2 ≤ rows), else 1; `local_lloyd_num_trials` 10. `eval_metrics` takes `msd`,
 * `ssd` or a JSON list such as `["msd","ssd"]` (what the SageMaker SDK sends).
 * @throws MlInputError naming every invalid or unknown hyperparameter.
 */
export function parseKMeansHyperparameters(raw: Readonly<Record<string, string>>): KMeansConfig & { readonly extraCenterFactorAuto: boolean } {
  const r = new HyperparameterReader('k-means', raw);
  r.require('k');
  r.require('feature_dim');
  const init = (name: string, def: KMeansInit): KMeansInit => {
    const v = r.choice(name, ['random', 'kmeans++', 'k-means++'] as const, def);
    return v === 'k-means++' ? 'kmeans++' : v;
  };
  const ecf = r.intOrAuto('extra_center_factor', 1);
  const trials = r.intOrAuto('local_lloyd_num_trials', 1);
  const metricsRaw = r.text('eval_metrics');
  let evalMetrics: ('msd' | 'ssd')[] = ['msd'];
  if (metricsRaw) {
    let list: unknown;
    try {
      list = metricsRaw.startsWith('[') ? JSON.parse(metricsRaw.replaceAll("'", '"')) : [metricsRaw];
    } catch {
      list = undefined;
    }
    if (!Array.isArray(list) || list.length === 0 || !list.every((m) => m === 'msd' || m === 'ssd')) {
      r.invalid('eval_metrics', `must be 'msd', 'ssd' or a JSON list of them; got '${metricsRaw}'`);
    } else {
      evalMetrics = [...new Set(list as ('msd' | 'ssd')[])];
    }
  }
  const c = {
    k: r.int('k', 2, 1),
    featureDim: r.int('feature_dim', 1, 1),
    miniBatchSize: r.int('mini_batch_size', 5000, 1),
    epochs: r.int('epochs', 1, 1),
    initMethod: init('init_method', 'random'),
    extraCenterFactor: ecf === 'auto' ? 2 : ecf,
    extraCenterFactorAuto: ecf === 'auto',
    localLloydMaxIter: r.int('local_lloyd_max_iter', 300, 1),
    localLloydTol: r.float('local_lloyd_tol', 0.0001, 0, 1),
    localLloydInitMethod: init('local_lloyd_init_method', 'kmeans++'),
    localLloydNumTrials: trials === 'auto' ? 10 : trials,
    halfLifeTimeSize: r.int('half_life_time_size', 0, 0),
    evalMetrics,
  };
  r.done();
  return c;
}
