import type { TuningEngine } from '@loam/core/tuning/index';
import { MlInputError } from '@loam/ml';
import { parseHyperparameters as parseDeepArHyperparameters } from '@loam/ml/deepar/hyperparameters';
import { parseGbdtParams } from '@loam/ml/gbdt/params';
import { parseKMeansHyperparameters } from '@loam/ml/kmeans/hyperparameters';
import { parseLinearLearnerHyperparameters } from '@loam/ml/linear/hyperparameters';
import { parsePcaHyperparameters } from '@loam/ml/pca/hyperparameters';
import { BayesianStrategy, createSearchStrategy, gridSize, HyperbandScheduler, parseParameterRanges, shouldStopByMedianRule, type ParameterRange, type ParameterRangesInput } from '@loam/ml/tuning/index';

/**
 * The hyperparameter parsers the built-in algorithm images train with (runtime/src/images): each reads
 * the job's HyperParameters as they are, and throws an MlInputError naming the hyperparameter it refuses.
 */
const builtInParsers: Readonly<Record<string, (hp: Readonly<Record<string, string>>) => unknown>> = {
  xgboost: parseGbdtParams,
  'linear-learner': parseLinearLearnerHyperparameters,
  kmeans: parseKMeansHyperparameters,
  pca: parsePcaHyperparameters,
  'forecasting-deepar': parseDeepArHyperparameters,
};

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
  builtInHyperparameterProblem(algorithm, hyperParameters) {
    const parse = builtInParsers[algorithm];
    if (!parse) return undefined;
    try {
      parse(hyperParameters);
      return undefined;
    } catch (e) {
      if (!(e instanceof MlInputError)) throw e;
      const name = e.where['hyperparameter'];
      return { ...(typeof name === 'string' ? { hyperparameter: name } : {}), message: e.message };
    }
  },
  medianStop: (input) => shouldStopByMedianRule(input),
};
