import { describe, expect, it } from 'vitest';
import { completionLines } from './completion.js';

describe('tuning completion criteria', () => {
  it('says nothing for a job without criteria', () => {
    expect(completionLines('validation:auc', undefined, undefined)).toEqual([]);
  });
  it('states each criterion and where it stands', () => {
    expect(completionLines('validation:auc', {
      TargetObjectiveMetricValue: 0.97,
      BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 5 },
      ConvergenceDetected: { CompleteOnConvergence: 'Enabled' },
    }, { NumberOfTrainingJobsObjectiveNotImproving: 2, ConvergenceDetectedTime: 1_800_000_000 })).toEqual([
      'Ends when validation:auc reaches 0.97.',
      'Ends after 5 trials in a row do not beat the best: 2 so far.',
      'Ends on convergence (no trial expected to beat the best by more than 1 %): converged at 2027-01-15 08:00:00 UTC.',
    ]);
    expect(completionLines('m', { BestObjectiveNotImproving: {}, ConvergenceDetected: {} }, undefined)).toEqual([
      'Ends after 10 trials in a row do not beat the best.',
      'Convergence is reported, the job does not end on it (no trial expected to beat the best by more than 1 %): not converged yet.',
    ]);
  });
});
