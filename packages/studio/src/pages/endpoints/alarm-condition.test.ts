import { describe, expect, it } from 'vitest';
import { conditionOf } from './alarm-condition.js';
import { shareOf } from './traffic-share.js';

describe('alarm condition and traffic share', () => {
  it('reads an alarm rule as one line, with the percentile when there is one', () => {
    expect(conditionOf({ MetricName: 'Invocation5XXErrors', Statistic: 'Sum', ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1, Period: 10, EvaluationPeriods: 3, DatapointsToAlarm: 2 })).toBe('Sum of Invocation5XXErrors ≥ 1, 2 of 3 × 10 s');
    expect(conditionOf({ MetricName: 'ModelLatency', ExtendedStatistic: 'p99', ComparisonOperator: 'GreaterThanThreshold', Threshold: 5000, Period: 5, EvaluationPeriods: 1 })).toBe('p99 of ModelLatency > 5000, 1 of 1 × 5 s');
  });

  it('gives each variant weight / sum of weights, as SageMaker routes', () => {
    expect([shareOf(1, [1, 3]), shareOf(3, [1, 3]), shareOf(2, [1, 1, 1])]).toEqual(['25%', '75%', '66.7%']);
    expect(shareOf(0, [0, 0])).toBe('—');
  });
});
