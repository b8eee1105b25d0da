/** A variant's share of traffic from its weight among all weights, as SageMaker routes. */
export function shareOf(weight: unknown, all: readonly unknown[]): string {
  const total = all.reduce<number>((a, w) => a + (typeof w === 'number' ? w : 0), 0);
  return typeof weight === 'number' && total > 0 ? `${Math.round((weight / total) * 1000) / 10}%` : '—';
}
