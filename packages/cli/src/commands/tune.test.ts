import { describe, expect, it } from 'vitest';
import { tuneRequest } from './tune.js';

const base = {
  image: 'xgboost', strategy: 'Bayesian', objective: 'Maximize:validation:auc', parallel: '2', int: [], float: ['eta=0.01:0.3:log'], cat: [], channel: [],
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
    expect(() => tuneRequest({ ...base, target: 'high' })).toThrow("--target 'high' must be a number.");
    expect(() => tuneRequest({ ...base, maxNotImproving: '2' })).toThrow("--max-not-improving '2' must be an integer of at least 3.");
    expect(() => tuneRequest({ ...base, maxNotImproving: '4.5' })).toThrow(/--max-not-improving/);
  });
});
