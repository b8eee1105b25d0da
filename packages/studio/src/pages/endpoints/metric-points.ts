/** One second (or period) of one variant, as GetEndpointMetrics returns it. */
export interface VariantPoints {
  readonly VariantName: string;
  readonly Points: readonly {
    readonly Timestamp: number;
    readonly Invocations: number;
    readonly Invocation4XXErrors: number;
    readonly Invocation5XXErrors: number;
    readonly ModelLatencyAverage?: number;
    readonly ModelLatencyP99?: number;
  }[];
}

/** Chart rows `{ t: epoch ms, ... }` over all variants: invocations per variant, errors, and latency in ms. */
export function chartRows(variants: readonly VariantPoints[]): { traffic: Record<string, number>[]; latency: Record<string, number>[] } {
  const byT = new Map<number, { traffic: Record<string, number>; sumUs: number; n: number; p99Us: number }>();
  for (const v of variants) {
    for (const p of v.Points) {
      const t = p.Timestamp * 1000;
      let row = byT.get(t);
      if (!row) byT.set(t, (row = { traffic: { t, errors4xx: 0, errors5xx: 0 }, sumUs: 0, n: 0, p99Us: 0 }));
      row.traffic[v.VariantName] = (row.traffic[v.VariantName] ?? 0) + p.Invocations;
      row.traffic.errors4xx! += p.Invocation4XXErrors;
      row.traffic.errors5xx! += p.Invocation5XXErrors;
      if (p.ModelLatencyAverage !== undefined && p.Invocations > 0) {
        row.sumUs += p.ModelLatencyAverage * p.Invocations;
        row.n += p.Invocations;
        row.p99Us = Math.max(row.p99Us, p.ModelLatencyP99 ?? 0);
      }
    }
  }
  const ts = [...byT.keys()].sort((a, b) => a - b);
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    traffic: ts.map((t) => byT.get(t)!.traffic),
    // Seconds without traffic have no latency: leave them out rather than plot a false zero.
    latency: ts.flatMap((t) => {
      const r = byT.get(t)!;
      return r.n > 0 ? [{ t, avg: ms(r.sumUs / r.n), p99: ms(r.p99Us) }] : [];
    }),
  };
}
