const symbols: Readonly<Record<string, string>> = { GreaterThanOrEqualToThreshold: '≥', GreaterThanThreshold: '>', LessThanThreshold: '<', LessThanOrEqualToThreshold: '≤' };

/** An alarm's rule in one line: `Sum of Invocation5XXErrors ≥ 1, 1 of 1 × 10 s`. */
export function conditionOf(a: { MetricName: string; Statistic?: string; ExtendedStatistic?: string; ComparisonOperator: string; Threshold: number; Period: number; EvaluationPeriods: number; DatapointsToAlarm?: number }): string {
  const stat = a.ExtendedStatistic ?? a.Statistic ?? 'Average';
  return `${stat} of ${a.MetricName} ${symbols[a.ComparisonOperator] ?? a.ComparisonOperator} ${a.Threshold}, ${a.DatapointsToAlarm ?? a.EvaluationPeriods} of ${a.EvaluationPeriods} × ${a.Period} s`;
}
