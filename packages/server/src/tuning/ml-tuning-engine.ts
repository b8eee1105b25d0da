import type { TuningEngine } from '@loam/core/tuning/index';
import { MlInputError } from '@loam/ml';
import { BayesianStrategy, createSearchStrategy, gridSize, HyperbandScheduler, parseParameterRanges, shouldStopByMedianRule, type ParameterRange, type ParameterRangesInput } from '@loam/ml/tuning/index';

/** The tuning port over `@loam/ml`'s strategies. */
export const mlTuningEngine: TuningEngine<ParameterRange> = {
  parseRanges(input, strategy) {
    try {
      return { ranges: parseParameterRanges(input as ParameterRangesInput, strategy) };
    } catch (e) {
      if (e instanceof MlInputError) return { problem: { message: e.message, range: String(e.where['parameterRange'] ?? '') } };
      throw e;
    }
  },
  gridSize,
  createSearch: (strategy, options) => createSearchStrategy(strategy, options),
  hyperband(config) {
    const s = new HyperbandScheduler(config);
    return {
      bracketOf: (i) => s.bracketOf(i),
      rungs: (b) => s.brackets[b]?.rungs ?? [],
      shouldStop: (b, r, v, peers, dir) => s.shouldStop(b, r, v, peers, dir),
    };
  },
  expectedImprovement: ({ ranges, objective, seed, history, incumbent }) => new BayesianStrategy({ ranges, objective, seed }).expectedImprovement(history, incumbent !== undefined ? { incumbent } : {}),
  medianStop: (input) => shouldStopByMedianRule(input),
};
