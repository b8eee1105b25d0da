/**
 * The search machinery a tuning job needs, as a port: `core` may not import `@loam/ml`, so the server
 * composes this from `@loam/ml/tuning` (pure, seeded strategies) and hands it in. Typed structurally.
 */
export type TunedValue = number | string;
export type TunedConfig = Readonly<Record<string, TunedValue>>;
export type StrategyName = 'Bayesian' | 'Random' | 'Grid' | 'Hyperband';
export type Direction = 'Minimize' | 'Maximize';

/** A parsed range, as far as core needs to know it. */
export interface TunedRange {
  readonly name: string;
  readonly type: 'Integer' | 'Continuous' | 'Categorical';
}

export interface TrialHistoryEntry {
  readonly config: TunedConfig;
  readonly state: 'pending' | 'complete' | 'failed';
  readonly value?: number;
}

export interface TuningSearch {
  suggest(request: { readonly history: readonly TrialHistoryEntry[]; readonly count: number }): TunedConfig[];
}

export interface HyperbandDecider {
  /** Bracket of the `index`-th trial. */
  bracketOf(index: number): number;
  /** Resources (epochs) at which trials of a bracket are compared. */
  rungs(bracket: number): readonly number[];
  shouldStop(bracket: number, resource: number, value: number, peers: readonly number[], direction: Direction): boolean;
}

export type RangesResult<R> = { readonly ranges: readonly R[] } | { readonly problem: { readonly message: string; readonly range: string } };

export interface TuningEngine<R extends TunedRange = TunedRange> {
  /** SageMaker's ParameterRanges rules; a broken rule comes back as a problem naming the range. */
  parseRanges(input: unknown, strategy: StrategyName): RangesResult<R>;
  /** Configurations a Grid over these ranges enumerates. */
  gridSize(ranges: readonly R[]): number;
  createSearch(strategy: StrategyName, options: { readonly ranges: readonly R[]; readonly objective: Direction; readonly seed: number }): TuningSearch;
  /** Throws a message naming MinResource/MaxResource when they are invalid. */
  hyperband(config: { readonly minResource: number; readonly maxResource: number }): HyperbandDecider;
  /**
   * The largest improvement over the best completed trial of `history` (or over `incumbent`, when that is
   * better) that a surrogate model fitted to its completed trials expects anywhere in `ranges`, in the
   * objective's units (`best` is the best trial's value); undefined while too few trials have completed to
   * judge. `ConvergenceDetected` reads an expected improvement of 1 % of the best or less as convergence.
   */
  expectedImprovement(input: { readonly ranges: readonly R[]; readonly objective: Direction; readonly seed: number; readonly history: readonly TrialHistoryEntry[]; readonly incumbent?: number }): { readonly best: number; readonly improvement: number } | undefined;
  /**
   * The problem a built-in algorithm (`xgboost`, `linear-learner`, `kmeans`, `pca`, `forecasting-deepar`)
   * would find in one trial's hyperparameters (static, tuned and `_tuning_objective_metric`) before
   * reading any data, naming the hyperparameter; undefined when it would accept them (or the engine does
   * not know the algorithm). Lets CreateHyperParameterTuningJob refuse what would fail every trial.
   */
  builtInHyperparameterProblem(algorithm: string, hyperParameters: Readonly<Record<string, string>>): { readonly hyperparameter?: string; readonly message: string } | undefined;
  /** SageMaker's median rule for `TrainingJobEarlyStoppingType: Auto`. */
  medianStop(input: { readonly current: readonly number[]; readonly previous: readonly (readonly number[])[]; readonly direction: Direction }): boolean;
}
