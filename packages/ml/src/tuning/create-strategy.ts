import { BayesianStrategy } from './bayesian-strategy.js';
import { GridStrategy } from './grid-strategy.js';
import type { TuningStrategyName } from './parameter-ranges.js';
import { RandomStrategy } from './random-strategy.js';
import type { SearchStrategy, StrategyOptions } from './strategy.js';

/**
 * The configuration proposer for a SageMaker `Strategy`. Hyperband proposes configurations at random
 * and adds its own early stopping (`HyperbandScheduler`), so its proposer is Random.
 */
export function createSearchStrategy(name: TuningStrategyName, options: StrategyOptions): SearchStrategy {
  switch (name) {
    case 'Bayesian':
      return new BayesianStrategy(options);
    case 'Grid':
      return new GridStrategy(options);
    case 'Random':
    case 'Hyperband':
      return new RandomStrategy(options);
  }
}
