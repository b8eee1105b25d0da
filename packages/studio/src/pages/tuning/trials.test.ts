import { describe, expect, it } from 'vitest';
import { bestSoFar, byObjective, type Trial } from './trials.js';

const t = (name: string, at: number, value?: number): Trial => ({
  TrainingJobName: name,
  CreationTime: at,
  TrainingJobStatus: 'Completed',
  TunedHyperParameters: {},
  ...(value !== undefined ? { FinalHyperParameterTuningJobObjectiveMetric: { MetricName: 'validation:rmse', Value: value } } : {}),
});

describe('tuning trials', () => {
  const trials = [t('c', 3, 0.5), t('a', 1, 0.9), t('b', 2), t('d', 4, 0.7)];
  it('tracks the best objective so far in launch order (hand-computed)', () => {
    expect(bestSoFar(trials, true)).toEqual([
      { trial: 1, name: 'a', objective: 0.9, best: 0.9 },
      { trial: 2, name: 'b', best: 0.9 },
      { trial: 3, name: 'c', objective: 0.5, best: 0.5 },
      { trial: 4, name: 'd', objective: 0.7, best: 0.5 },
    ]);
    expect(bestSoFar(trials, false).map((p) => p.best)).toEqual([0.9, 0.9, 0.9, 0.9]);
  });
  it('sorts by objective, best first, trials without one last', () => {
    expect(byObjective(trials, true).map((x) => x.TrainingJobName)).toEqual(['c', 'd', 'a', 'b']);
    expect(byObjective(trials, false).map((x) => x.TrainingJobName)).toEqual(['a', 'd', 'c', 'b']);
  });
});
