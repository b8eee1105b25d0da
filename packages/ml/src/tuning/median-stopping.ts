import type { ObjectiveDirection } from './strategy.js';

export interface MedianStoppingInput {
  /** The running trial's objective after each epoch so far (index 0 = epoch 1). */
  readonly current: readonly number[];
  /** Earlier trials' objective series, one array per trial. */
  readonly previous: readonly (readonly number[])[];
  readonly direction: ObjectiveDirection;
  /** Fewest earlier trials with data at this epoch before the rule may stop anything; default 3. */
  readonly minTrials?: number;
}

/**
 * SageMaker's `TrainingJobEarlyStoppingType: Auto` rule: at epoch `t` (the current series' length),
 * take each earlier trial's running average of the objective over its first `t` epochs, and stop the
 * current trial if its value at epoch `t` is worse than the median of those averages. Earlier trials
 * that did not reach epoch `t` do not vote; with fewer than `minTrials` voters the trial continues.
 */
export function shouldStopByMedianRule({ current, previous, direction, minTrials = 3 }: MedianStoppingInput): boolean {
  const t = current.length;
  if (t === 0) return false;
  const averages: number[] = [];
  for (const series of previous) {
    if (series.length < t) continue;
    let s = 0;
    for (let i = 0; i < t; i++) s += series[i] as number;
    averages.push(s / t);
  }
  if (averages.length < Math.max(1, minTrials)) return false;
  averages.sort((a, b) => a - b);
  const m = averages.length;
  const median = m % 2 === 1 ? (averages[(m - 1) / 2] as number) : ((averages[m / 2 - 1] as number) + (averages[m / 2] as number)) / 2;
  const value = current[t - 1] as number;
  return direction === 'Minimize' ? value > median : value < median;
}
