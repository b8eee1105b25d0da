import type { Table } from '../bias/columns.js';
import { type KsResult, histogramSorted, jsDistance, ks2SampSorted, lInfinity, psi, quantileEdges } from './drift.js';
import { type ColumnProfile, profileTable } from './profile.js';

/** Drift of one feature between a baseline and a current dataset. */
export interface FeatureDrift {
  readonly name: string;
  readonly kind: 'numerical' | 'categorical';
  /** Numerical: two-sample KS test (scipy.stats.ks_2samp). */
  readonly ks?: KsResult;
  /** Numerical: PSI on `bins` baseline-quantile bins. */
  readonly psi?: number;
  /** Jensen–Shannon distance: on the PSI bins (numerical) or the category frequencies. */
  readonly jsDistance: number;
  /** Categorical: L∞ distance between category frequencies. */
  readonly lInfinity?: number;
}

export interface DriftOptions {
  /** PSI / JS bins for numerical features (default 20). */
  readonly bins?: number;
}

/** Per-feature drift of `current` against `baseline`, for the features both have. */
export function driftReport(baseline: Table, current: Table, opts: DriftOptions = {}): FeatureDrift[] {
  return driftFromProfiles(profileTable(baseline), profileTable(current), opts);
}

/** {@link driftReport} from profiles (each column read and sorted once, shared with the statistics). */
export function driftFromProfiles(baseline: readonly ColumnProfile[], current: readonly ColumnProfile[], opts: DriftOptions = {}): FeatureDrift[] {
  const bins = opts.bins ?? 20;
  const out: FeatureDrift[] = [];
  for (const b of baseline) {
    const c = current.find((p) => p.name === b.name);
    if (!c) continue;
    if (b.sorted && c.sorted && b.sorted.length && c.sorted.length) {
      const edges = quantileEdges(b.sorted, bins);
      const hb = histogramSorted(b.sorted, edges);
      const hc = histogramSorted(c.sorted, edges);
      out.push({ name: b.name, kind: 'numerical', ks: ks2SampSorted(b.sorted, c.sorted), psi: psi(hb, hc), jsDistance: jsDistance(hb, hc) });
    } else if (b.categories && c.categories) {
      const keys = [...new Set([...b.categories.keys(), ...c.categories.keys()])];
      const pb = keys.map((k) => b.categories!.get(k) ?? 0);
      const pc = keys.map((k) => c.categories!.get(k) ?? 0);
      out.push({ name: b.name, kind: 'categorical', jsDistance: jsDistance(pb, pc), lInfinity: lInfinity(b.categories, c.categories) });
    }
  }
  return out;
}
