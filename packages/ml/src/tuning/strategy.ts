import type { ParameterRange } from './parameter-ranges.js';
import type { Configuration } from './search-space.js';

/** SageMaker's `HyperParameterTuningJobObjectiveType`. */
export type ObjectiveDirection = 'Minimize' | 'Maximize';

/** One trial the strategy has already proposed, as the orchestrator knows it now. */
export interface TrialRecord {
  readonly config: Configuration;
  /** `pending`: still running (no final objective yet); `failed`: ended without an objective. */
  readonly state: 'pending' | 'complete' | 'failed';
  /** The final objective metric, for `complete` trials. */
  readonly value?: number;
}

export interface SuggestRequest {
  /**
   * Every trial proposed so far (in order), plus warm-start parents' trials if any. A strategy
   * derives its randomness from the seed and this history's length, so the same history gives the
   * same suggestions — the orchestrator can restart and ask again.
   */
  readonly history: readonly TrialRecord[];
  /** How many new configurations are wanted (free parallel slots). */
  readonly count: number;
}

/**
 * A search strategy: proposes configurations given what has been tried. Returns fewer than
 * `count` when the space is exhausted (Grid, or a small categorical space).
 */
export interface SearchStrategy {
  suggest(request: SuggestRequest): Configuration[];
}

export interface StrategyOptions {
  readonly ranges: readonly ParameterRange[];
  readonly objective: ObjectiveDirection;
  /** `RandomSeed` of the tuning job. */
  readonly seed: number;
}

/** A 32-bit seed for the `index`-th draw of a study seeded with `seed` (SplitMix-style mixing). */
export function deriveSeed(seed: number, index: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d);
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
  return (z ^ (z >>> 16)) >>> 0;
}
