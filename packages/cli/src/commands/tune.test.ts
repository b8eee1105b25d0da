import { describe, expect, it } from 'vitest';
import { tuneRequest } from './tune.js';

const base = {
  image: 'xgboost', strategy: 'Bayesian', maxJobs: '4', objective: 'Maximize:validation:auc', parallel: '2', int: [], float: ['eta=0.01:0.3:log'], cat: [], channel: [],
  hp: [], metric: [], output: 's3://m/out', instanceType: 'ml.m5.large', maxRuntime: '600', role: 'arn:aws:iam::0:role/r', warmStart: [], warmStartType: 'IdenticalDataAndAlgorithm', wait: false,
};
const config = (r: Record<string, unknown>) => r['HyperParameterTuningJobConfig'] as Record<string, unknown>;

describe('loam tune flags → CreateHyperParameterTuningJob', () => {
  it('maps --target, --max-not-improving and --complete-on-convergence to TuningJobCompletionCriteria', () => {
    expect(config(tuneRequest({ ...base, name: 't', target: '0.97', maxNotImproving: '5', completeOnConvergence: true }))['TuningJobCompletionCriteria']).toEqual({
      TargetObjectiveMetricValue: 0.97,
      BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 5 },
      ConvergenceDetected: { CompleteOnConvergence: 'Enabled' },
    });
    expect(config(tuneRequest({ ...base, name: 't' }))).not.toHaveProperty('TuningJobCompletionCriteria');
  });

  it('refuses a target that is not a number and fewer than 3 trials not improving, naming the flag', () => {
    expect(() => tuneRequest({ ...base, target: 'high' })).toThrow("--target must be a number, got 'high'");
    expect(() => tuneRequest({ ...base, maxNotImproving: '2' })).toThrow("--max-not-improving must be a whole number ≥ 3, got '2'");
    expect(() => tuneRequest({ ...base, maxNotImproving: '4.5' })).toThrow(/--max-not-improving/);
  });

  it('--max-jobs is required except with Grid, named before anything is sent (the server named MaxNumberOfTrainingJobs)', () => {
    expect(() => tuneRequest({ ...base, maxJobs: undefined })).toThrow('--max-jobs is required with the Bayesian strategy (only Grid infers it, from the ranges).');
    expect(config(tuneRequest({ ...base, maxJobs: undefined, strategy: 'Grid', float: [], int: ['depth=1:3'] }))['ResourceLimits']).toEqual({ MaxParallelTrainingJobs: 2 });
  });

  it('parses every numeric flag with the shared parser, naming the flag and the value', () => {
    expect(() => tuneRequest({ ...base, parallel: 'two' })).toThrow("--parallel must be a whole number ≥ 1, got 'two'");
    expect(() => tuneRequest({ ...base, maxJobs: '0' })).toThrow("--max-jobs must be a whole number ≥ 1, got '0'");
    expect(() => tuneRequest({ ...base, maxRuntime: '1h' })).toThrow("--max-runtime must be a whole number ≥ 1, got '1h'");
    expect(() => tuneRequest({ ...base, seed: '-1' })).toThrow("--seed must be a whole number from 0 to 2147483647, got '-1'");
    // RandomSeed is an Integer in SageMaker (32 bits): the server refuses 2^31, so the flag names it first.
    expect(() => tuneRequest({ ...base, seed: '2147483648' })).toThrow("--seed must be a whole number from 0 to 2147483647, got '2147483648'");
    expect(config(tuneRequest({ ...base, seed: '2147483647' }))['RandomSeed']).toBe(2147483647);
    expect(() => tuneRequest({ ...base, hyperband: '1:x' })).toThrow("--hyperband max must be a whole number ≥ 1, got 'x'");
    expect(config(tuneRequest({ ...base, maxJobs: '8', seed: '0', hyperband: '1:9' }))).toMatchObject({ ResourceLimits: { MaxNumberOfTrainingJobs: 8, MaxParallelTrainingJobs: 2 }, RandomSeed: 0, StrategyConfig: { HyperbandStrategyConfig: { MinResource: 1, MaxResource: 9 } } });
  });
});
